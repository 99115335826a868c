"""documents.pagecodes (FS-10): every page carries machine-readable codes naming the agreement and the page.

No database: a real two-page agreement is rendered (``signing.pdf.render_agreement`` over the sample
document), stamped, rasterised with pypdfium2 and "photographed" with Pillow — a red seal over the
bottom-right corner, a slight rotation, a phone-sized downscale — and read back with zxing-cpp.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import qrcode
from PIL import Image, ImageDraw
from pypdf import PdfReader

from tests.documents.pdf_reading import pdf_text
from tests.signing.sample_agreement import sample_doc
from wxbackend.documents import pagecodes
from wxbackend.documents.pagecodes import PageCode, PageMatch, describe, match_page, page_code, read_codes
from wxbackend.signing import pdf

SECRET = b"test page-code secret"
LONG_ADDENDUM = "\n".join(f"{i}. 甲方为乙方提供第{i}项福利待遇，具体以甲方规章制度为准；" for i in range(1, 13))


def _doc(name: str) -> dict:
    doc = sample_doc(name)
    doc["sections"][-1]["rows"] = [["协议补充内容", LONG_ADDENDUM]]
    return doc


@pytest.fixture(scope="module")
def first() -> tuple[dict, bytes, bytes]:
    """(doc, the agreement as rendered, the agreement stamped) — two pages."""
    doc = _doc("王堃")
    plain = pdf.render_agreement(doc)
    assert pagecodes.page_count(plain) == 2
    return doc, plain, pagecodes.stamp_pages(plain, SECRET, doc["agreement_no"])


@pytest.fixture(scope="module")
def second() -> tuple[dict, bytes]:
    """Another agreement (another number), stamped."""
    doc = _doc("李玥")
    return doc, pagecodes.stamp_pages(pdf.render_agreement(doc), SECRET, doc["agreement_no"])


def rasterise(data: bytes, dpi: int = 150) -> list[Image.Image]:
    document = pdfium.PdfDocument(data)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def sealed(page: Image.Image) -> Image.Image:
    """The page with a red seal circle over its bottom-right area, as the employer stamps it."""
    out = page.copy()
    w, h = out.size
    r = round(w * 0.11)
    cx, cy = round(w * 0.83), round(h * 0.9)
    draw = ImageDraw.Draw(out)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(210, 20, 30), width=max(3, r // 12))
    draw.regular_polygon((cx, cy, r // 3), 5, fill=(210, 20, 30))
    return out


def photo(page: Image.Image, angle: float, long_side: int = 1200) -> Image.Image:
    rotated = page.rotate(angle, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    factor = long_side / max(rotated.size)
    return rotated.resize((round(rotated.width * factor), round(rotated.height * factor)), Image.Resampling.LANCZOS)


def qr_image(text: str, size: int = 900) -> Image.Image:
    canvas = Image.new("RGB", (size, size), "white")
    code = qrcode.make(text, box_size=8, border=4).convert("RGB")
    canvas.paste(code, ((size - code.width) // 2, (size - code.height) // 2))
    return canvas


def png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


# --- the code -------------------------------------------------------------------------


def test_fs_10_code_names_agreement_and_page_and_is_short() -> None:
    """FS-10: every page carries machine-readable codes naming the agreement and page — the QR text."""
    code = page_code(SECRET, "2026200001000000123", 2, 3)
    prefix, ref, pages, check = code.split("|")
    assert (prefix, ref, pages) == ("JYXY1", "2026200001000000123", "2/3")
    assert len(check) == 8 and len(code) <= 40
    parsed = PageCode.parse(code)
    assert parsed == PageCode("2026200001000000123", 2, 3, check) and parsed.verify(SECRET)
    assert not parsed.verify(b"another secret")
    # The check covers the number, the page and the page count.
    assert page_code(SECRET, "2026200001000000124", 2, 3).split("|")[3] != check
    assert page_code(SECRET, "2026200001000000123", 1, 3).split("|")[3] != check
    assert page_code(SECRET, "2026200001000000123", 2, 4).split("|")[3] != check
    for bad in ("https://example.com/JYXY1", "JYXY1|123|3/2|AAAAAAAA", "JYXY1|12a|1/2|AAAAAAAA", "JYXY1|1|1/2|aaaa"):
        assert PageCode.parse(bad) is None, bad
    with pytest.raises(ValueError):
        page_code(SECRET, "2026-1", 1, 1)
    with pytest.raises(ValueError):
        page_code(SECRET, "1", 3, 2)


# --- stamping -------------------------------------------------------------------------


def _dark_share(img: Image.Image, box_mm: tuple[float, float, float, float]) -> float:
    gray = img.convert("L")
    px_per_mm = gray.width / 210
    region = gray.crop(tuple(round(v * px_per_mm) for v in box_mm))
    return sum(region.histogram()[:128]) / (region.width * region.height)


def test_fs_10_the_agreement_leaves_three_corners_free_and_the_codes_fill_them(
        first: tuple[dict, bytes, bytes]) -> None:
    """FS-10: every page carries machine-readable codes naming the agreement and page — in three corners,
    over nothing: the unstamped agreement is blank there, the stamped one has a code there."""
    _doc, plain, stamped = first
    c = pagecodes.CORNER_MM
    corners = {"top-left": (0, 0, c, c), "top-right": (210 - c, 0, 210, c), "bottom-left": (0, 297 - c, c, 297)}
    for before, after in zip(rasterise(plain, 100), rasterise(stamped, 100), strict=True):
        for name, box in corners.items():
            assert _dark_share(before, box) == 0, f"content in the {name} corner"
            assert _dark_share(after, box) > 0.1, f"no code in the {name} corner"
        seal_corner = (210 - c, 297 - c, 210, 297)
        assert _dark_share(after, seal_corner) == _dark_share(before, seal_corner) < 0.01


def test_fs_10_stamped_pdf_keeps_its_pages_and_text(first: tuple[dict, bytes, bytes], tmp_path: Path) -> None:
    """FS-10: every page carries machine-readable codes naming the agreement and page — the agreement
    itself is unchanged: same page count, same text, the agreement number still extractable."""
    doc, plain, stamped = first
    assert pagecodes.page_count(stamped) == pagecodes.page_count(plain) == 2
    reader = PdfReader(io.BytesIO(stamped))
    assert doc["agreement_no"] in reader.pages[0].extract_text()
    assert doc["agreement_no"] in reader.pages[1].extract_text()  # the running head of page 2
    assert pdf_text(stamped, tmp_path) == pdf_text(plain, tmp_path)


# --- reading photos -------------------------------------------------------------------


def test_fs_10_every_stamped_page_matches_its_own_page_number(first: tuple[dict, bytes, bytes]) -> None:
    """FS-10: an uploaded image is matched — each sealed page, straight, is its own page of its agreement."""
    doc, _plain, stamped = first
    pages = rasterise(stamped)
    for number, page in enumerate(pages, start=1):
        result = match_page(sealed(page), SECRET, doc["agreement_no"])
        assert (result.kind, result.page, result.total) == ("match", number, 2)
        assert describe(result) == f"与本协议第{number}页（共2页）相符"


@pytest.mark.parametrize("angle", [-10, -6, 5, 8])
def test_fs_10_a_tilted_phone_sized_photo_still_matches(first: tuple[dict, bytes, bytes], angle: float) -> None:
    """FS-10: an uploaded image is matched — rotated a few degrees, long side 1,200 px, sent as JPEG."""
    doc, _plain, stamped = first
    for number, page in enumerate(rasterise(stamped), start=1):
        shot = photo(sealed(page), angle)
        assert max(shot.size) == 1200
        buf = io.BytesIO()
        shot.save(buf, format="JPEG", quality=80)
        result = match_page(buf.getvalue(), SECRET, doc["agreement_no"])
        assert result == PageMatch("match", number, 2), (angle, number, result)


def test_fs_10_exif_orientation_is_applied(first: tuple[dict, bytes, bytes]) -> None:
    """FS-10: an uploaded image is matched — a phone's sideways JPEG with its Orientation tag."""
    doc, _plain, stamped = first
    page = photo(sealed(rasterise(stamped)[1]), 0, 1600).rotate(90, expand=True)  # stored sideways
    assert page.width > page.height
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": undoes the rotate(90) above
    buf = io.BytesIO()
    page.save(buf, format="JPEG", quality=85, exif=exif)
    upright = pagecodes._open(buf.getvalue())
    assert upright.height > upright.width
    assert match_page(buf.getvalue(), SECRET, doc["agreement_no"]) == PageMatch("match", 2, 2)


def test_fs_10_a_page_of_another_agreement_is_refused(
        first: tuple[dict, bytes, bytes], second: tuple[dict, bytes]) -> None:
    """FS-10: a page of another agreement is refused — it is "other", and its number is not on show."""
    doc, _plain, _stamped = first
    other_doc, other_pdf = second
    assert other_doc["agreement_no"] != doc["agreement_no"]
    for page in rasterise(other_pdf):
        result = match_page(photo(sealed(page), 7), SECRET, doc["agreement_no"])
        assert result.kind == "other" and result.page is None and result.total is None
        assert describe(result) == "另一份协议的页面"
        assert other_doc["agreement_no"] not in repr(result) + describe(result)
        assert result.other_ref == other_doc["agreement_no"]  # for logs and reviewers


def test_fs_10_blank_foreign_and_forged_images_match_nothing(first: tuple[dict, bytes, bytes]) -> None:
    """FS-10: a page of another agreement is refused — and so is an image with no genuine code:
    blank, a foreign QR code, our format with a wrong check, or a right check under another secret."""
    doc, _plain, _stamped = first
    ref = doc["agreement_no"]
    genuine = page_code(SECRET, ref, 1, 2)
    forged = genuine[:-8] + ("A" * 8 if not genuine.endswith("A" * 8) else "B" * 8)
    images = {
        "blank": Image.new("RGB", (1200, 1600), "white"),
        "foreign": qr_image("https://example.com/agreements/verify/abc"),
        "wrong check": qr_image(forged),
        "other secret": qr_image(page_code(b"not our secret", ref, 1, 2)),
    }
    for name, image in images.items():
        result = match_page(png(image), SECRET, ref)
        assert result.kind == "none", name
        assert describe(result) == "未识别到页面二维码"
    # The forged one is read — it is refused for its check, not missed.
    assert [c.doc_ref for c in read_codes(images["wrong check"])] == [ref]
    assert read_codes(images["foreign"]) == []
    assert match_page(qr_image(genuine), SECRET, ref) == PageMatch("match", 1, 2)


def test_fs_10_a_twelve_megapixel_photo_is_read_quickly(first: tuple[dict, bytes, bytes]) -> None:
    """FS-10: an uploaded image is matched — a 12-megapixel photo, and a blank one that takes every retry,
    in well under a second each (times printed; ``bench/bench_pagecodes.py`` measures more)."""
    doc, _plain, stamped = first
    page = rasterise(stamped, 300)[0]
    shot = photo(sealed(page), -6, 4000)
    canvas = Image.new("RGB", (4000, 3000) if shot.width > shot.height else (3000, 4000), "white")
    canvas.paste(shot, ((canvas.width - shot.width) // 2, (canvas.height - shot.height) // 2))
    buf = io.BytesIO()
    canvas.save(buf, format="JPEG", quality=85)
    data = buf.getvalue()
    blank = png(Image.new("RGB", (3000, 4000), "white"))

    start = time.perf_counter()
    result = match_page(data, SECRET, doc["agreement_no"])
    found = time.perf_counter() - start
    start = time.perf_counter()
    nothing = match_page(blank, SECRET, doc["agreement_no"])
    missed = time.perf_counter() - start
    print(f"\n12 MP photo with codes: {found * 1000:.0f} ms; 12 MP blank (all retries): {missed * 1000:.0f} ms")
    assert result == PageMatch("match", 1, 2) and nothing.kind == "none"
    assert found < 2.0 and missed < 2.0
