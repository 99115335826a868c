"""ON-8: the graduate can preview and download the electronic agreement — the PDF itself.

No database here: ``render_agreement`` is pure. The checks read the PDF the way a person or a
machine would (tests/documents/pdf_reading.py): poppler's ``pdftotext``/``pdffonts``/``pdftoppm``,
and the embedded font program opened with fontTools, because ``pdftotext`` prints Chinese even when
every glyph is an empty box. The renderer's own guarantees (data-only fetcher, layout helpers) are
tested in tests/documents/test_render.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.documents.pdf_reading import embedded_fonts, images, pdf_text, poppler
from tests.signing.sample_agreement import sample_doc
from wxbackend.signing import pdf

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
RARE_NAMES = ("王堃", "李玥", "张喆", "刘昇")
A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def agreement() -> bytes:
    """The sample agreement, rendered once for the module."""
    return pdf.render_agreement(sample_doc("王堃"))


# --- the agreement ----------------------------------------------------------------------


def test_on_8_text_holds_graduate_unit_and_agreement_number(agreement: bytes, tmp_path: Path) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — its text is all there."""
    doc = sample_doc("王堃")
    text = pdf_text(agreement, tmp_path)
    for expected in ("王堃", doc["parties"]["employer"], doc["agreement_no"], doc["title"], "扫码核验",
                     "甲方", "乙方", "丙方", "无需另行盖章", "学校审核通过", doc["generated_at"]):
        assert expected in text, expected
    # pdftotext drops the spaces between CJK characters.
    assert re.search(r"第\s*1\s*页\s*/\s*共\s*[12]\s*页", text)


def test_on_8_embedded_font_draws_every_rare_name_character(agreement: bytes) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — names are real glyphs, not boxes."""
    fonts = embedded_fonts(agreement)
    assert fonts
    for char in "".join(RARE_NAMES):
        assert any(f.has_glyph(char) for f in fonts), f"no drawable glyph for {char!r} in {[f.name for f in fonts]}"


def test_on_8_page_one_renders_to_a_png_that_is_not_blank(agreement: bytes, tmp_path: Path) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — page 1 as a picture."""
    source = tmp_path / "agreement.pdf"
    source.write_bytes(agreement)
    OUTPUT.mkdir(exist_ok=True)
    target = OUTPUT / "agreement-page1"
    poppler("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(source), str(target))
    with Image.open(target.with_suffix(".png")) as png:
        gray = png.convert("L")
    assert abs(gray.width - 661) <= 2 and abs(gray.height - 935) <= 2  # A4 at 80 dpi

    def dark_share(box: tuple[int, int, int, int]) -> float:
        region = gray.crop(box)
        dark = sum(region.histogram()[:128])
        return dark / (region.width * region.height)

    assert 0.02 < dark_share((0, 0, gray.width, gray.height)) < 0.35
    # The verify QR code at the top right of the content (below the page-code corner) is about half dark modules.
    qr_box = (round(gray.width * 0.78), round(gray.height * 0.09), round(gray.width * 0.94), round(gray.height * 0.17))
    assert dark_share(qr_box) > 0.25
    # The title is centred in the top band.
    assert dark_share((round(gray.width * 0.2), 0, round(gray.width * 0.78), round(gray.height * 0.17))) > 0.01


def test_on_8_fonts_are_embedded_and_none_is_type3(agreement: bytes, tmp_path: Path) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — it reads the same anywhere."""
    path = tmp_path / "agreement.pdf"
    path.write_bytes(agreement)
    lines = poppler("pdffonts", str(path)).splitlines()[2:]
    assert lines, "no fonts at all"
    for line in lines:
        assert "Type 3" not in line, line
        emb, _sub, _uni, _obj, _gen = line.split()[-5:]
        assert emb == "yes", line
    assert any("WenQuanYi" in line or "NotoSansCJK" in line for line in lines), lines


def test_on_8_every_page_is_a4(agreement: bytes) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — on A4 paper."""
    pages = PdfReader(io.BytesIO(agreement)).pages
    assert 1 <= len(pages) <= 2
    for page in pages:
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1


def test_on_8_the_qr_code_is_the_only_image(agreement: bytes) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — one QR code to verify it."""
    assert len(images(agreement)) == 1


# --- security: markup stays text, only data: URIs are fetched ---------------------------


def test_on_8_markup_in_a_value_is_printed_as_text(tmp_path: Path) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — user text never becomes markup."""
    doc = sample_doc("李玥")
    attack = '<img src="file:///etc/passwd">'
    doc["sections"][-1]["rows"] = [["协议补充内容", f"甲方承诺{attack}按时发薪"]]
    doc["parties"]["employer"] = '<b onload="x">学信</b>'
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in pdf.render_html(doc)
    data = pdf.render_agreement(doc)
    text = pdf_text(data, tmp_path)
    assert attack in text
    assert '<b onload="x">学信</b>' in text
    assert len(images(data)) == 1  # the QR code only
