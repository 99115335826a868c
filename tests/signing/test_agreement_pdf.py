"""ON-8: the graduate can preview and download the electronic agreement — the PDF itself.

No database here: ``render_agreement`` is pure. The checks read the PDF the way a person or a
machine would: poppler's ``pdftotext``/``pdffonts``/``pdftoppm``, and the embedded font program
opened with fontTools, because ``pdftotext`` prints Chinese even when every glyph is an empty box.
"""

from __future__ import annotations

import base64
import io
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from wxbackend.signing import pdf

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
RARE_NAMES = ("王堃", "李玥", "张喆", "刘昇")
A4 = (595.28, 841.89)


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: run `make system-deps` (apt-get install poppler-utils)")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True, timeout=60).stdout


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return poppler("pdftotext", "-enc", "UTF-8", str(path), "-")


@pytest.fixture(scope="module")
def agreement() -> bytes:
    """The sample agreement, rendered once for the module."""
    return pdf.render_agreement(pdf.sample_doc("王堃"))


# --- reading embedded fonts -----------------------------------------------------------

_BFCHAR = re.compile(r"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(r"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_RANGE = re.compile(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])")


def _utf16(hexstr: str) -> str:
    return bytes.fromhex(hexstr).decode("utf-16-be")


def parse_to_unicode(cmap: str) -> dict[str, int]:
    """{character: cid} from a ToUnicode CMap (bfchar and bfrange entries; ligatures skipped)."""
    out: dict[str, int] = {}

    def put(cid: int, text: str) -> None:
        if len(text) == 1:
            out.setdefault(text, cid)

    for block in _BFCHAR.findall(cmap):
        for src, dst in _PAIR.findall(block):
            put(int(src, 16), _utf16(dst))
    for block in _BFRANGE.findall(cmap):
        for lo, hi, dst in _RANGE.findall(block):
            start, end = int(lo, 16), int(hi, 16)
            if dst.startswith("["):
                for cid, item in zip(range(start, end + 1), re.findall(r"<([0-9a-fA-F]+)>", dst), strict=False):
                    put(cid, _utf16(item))
            else:
                first = bytes.fromhex(dst[1:-1])
                for offset in range(end - start + 1):
                    last = int.from_bytes(first[-2:], "big") + offset
                    put(start + offset, (first[:-2] + last.to_bytes(2, "big")).decode("utf-16-be"))
    return out


@dataclass
class EmbeddedFont:
    name: str
    font: TTFont
    gids: dict[str, int]

    def has_glyph(self, char: str) -> bool:
        """True when *char* maps to a real glyph (not .notdef, in range) that has an outline."""
        gid = self.gids.get(char)
        if gid is None or gid == 0 or gid >= self.font["maxp"].numGlyphs:
            return False
        name = self.font.getGlyphName(gid)
        if name == ".notdef":
            return False
        glyphs = self.font.getGlyphSet()
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        return pen.bounds is not None


def embedded_fonts(data: bytes) -> list[EmbeddedFont]:
    """Every Type0 font of every page, with its font program and its character → glyph id map."""
    fonts: dict[str, EmbeddedFont] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            name = str(font["/BaseFont"])
            assert font["/Subtype"] == "/Type0", f"{name}: expected a Type0 (CID) font, got {font['/Subtype']}"
            if name in fonts:
                continue
            cid_font = font["/DescendantFonts"][0].get_object()
            descriptor = cid_font["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            assert program is not None, f"{name} is not embedded"
            program = program.get_object()
            subtype = program.get("/Subtype")
            assert subtype in (None, "/OpenType"), f"{name}: bare CFF ({subtype}) is not handled by this test"
            cids = parse_to_unicode(font["/ToUnicode"].get_object().get_data().decode("latin-1"))
            to_gid = cid_font.get("/CIDToGIDMap", "/Identity")
            if to_gid == "/Identity":
                gids = cids
            else:
                table = to_gid.get_object().get_data()
                gids = {c: int.from_bytes(table[2 * cid:2 * cid + 2], "big") for c, cid in cids.items()}
            fonts[name] = EmbeddedFont(name, TTFont(io.BytesIO(program.get_data())), gids)
    return list(fonts.values())


def images(data: bytes) -> list[object]:
    """The distinct image XObjects of the document (pages share them), looking into form XObjects too."""
    found: dict[object, object] = {}

    def walk(resources: Any) -> None:
        xobjects = resources.get("/XObject", {}).get_object()
        for key in xobjects:
            ref = xobjects.raw_get(key)
            xobject = ref.get_object()
            if xobject["/Subtype"] == "/Image":
                found[(ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else id(xobject)] = xobject
            elif "/Resources" in xobject:
                walk(xobject["/Resources"].get_object())

    for page in PdfReader(io.BytesIO(data)).pages:
        walk(page["/Resources"].get_object())
    return list(found.values())


# --- the agreement ----------------------------------------------------------------------


def test_on_8_text_holds_graduate_unit_and_agreement_number(agreement: bytes, tmp_path: Path) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — its text is all there."""
    doc = pdf.sample_doc("王堃")
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


def test_on_8_glyph_check_can_fail() -> None:
    """ON-8: the graduate can preview and download the electronic agreement — the glyph check is not vacuous."""
    data = pdf.html_to_pdf('<html lang="zh-CN"><body>王堃 \U00017000</body></html>')  # a Tangut letter
    fonts = embedded_fonts(data)
    assert any(f.has_glyph("堃") for f in fonts)
    # No installed font holds Tangut: Pango draws a missing glyph, which the check refuses.
    assert not any(f.has_glyph("\U00017000") for f in fonts)
    # A character that is not in the text is not in the subset; a space has no outline.
    assert not any(f.has_glyph("龘") for f in fonts)
    assert not any(f.has_glyph(" ") for f in fonts)


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
    # The QR code in the top right corner is about half dark modules.
    qr_box = (round(gray.width * 0.78), round(gray.height * 0.04), round(gray.width * 0.94), round(gray.height * 0.14))
    assert dark_share(qr_box) > 0.25
    # The title is centred in the top band.
    assert dark_share((round(gray.width * 0.2), 0, round(gray.width * 0.78), round(gray.height * 0.1))) > 0.01


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
    doc = pdf.sample_doc("李玥")
    attack = '<img src="file:///etc/passwd">'
    doc["sections"][-1]["rows"] = [["协议补充内容", f"甲方承诺{attack}按时发薪"]]
    doc["parties"]["employer"] = '<b onload="x">学信</b>'
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in pdf.render_html(doc)
    data = pdf.render_agreement(doc)
    text = pdf_text(data, tmp_path)
    assert attack in text
    assert '<b onload="x">学信</b>' in text
    assert len(images(data)) == 1  # the QR code only


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://example.com/",
    "https://example.com/logo.png",
    "ftp://example.com/x",
    "/etc/passwd",
    "../secret.css",
    "javascript:alert(1)",
])
def test_on_8_fetcher_refuses_everything_but_data_uris(url: str) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — the PDF reads no file or URL."""
    with pytest.raises(pdf.FetchRefused):
        pdf.data_only_fetcher().fetch(url)
    with pytest.raises(pdf.FetchRefused):
        pdf.data_only_fetcher()(url)


def test_on_8_fetcher_serves_data_uris() -> None:
    """ON-8: the graduate can preview and download the electronic agreement — inline data still works."""
    response = pdf.data_only_fetcher().fetch("data:text/plain;base64," + base64.b64encode(b"hi").decode())
    try:
        assert response.read() == b"hi"
    finally:
        response.close()


def test_on_8_rendering_uses_the_fetcher(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — a file: image is not embedded."""
    picture = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), "red").save(picture)
    inline = "data:image/png;base64," + base64.b64encode(picture.read_bytes()).decode()

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        refused = pdf.html_to_pdf(f'<img src="{picture.as_uri()}"><link rel="stylesheet" href="{picture.as_uri()}">')
    assert images(refused) == []
    assert "FetchRefused" in caplog.text
    # The same picture inline is embedded: the check above would have seen it.
    assert len(images(pdf.html_to_pdf(f'<img src="{inline}">'))) == 1


def test_on_8_long_values_take_a_row_of_their_own() -> None:
    """ON-8: the graduate can preview and download the electronic agreement — the tables stay legible."""
    rows = [("姓名", "王堃"), ("性别", "男"), ("地址", "北京市海淀区中关村大街1号学信大厦8层"), ("学号", "1"),
            ("备注", "第一行\n第二行")]
    assert pdf.grid_rows(rows) == [
        [("姓名", "王堃", False), ("性别", "男", False)],
        [("地址", "北京市海淀区中关村大街1号学信大厦8层", True)],
        [("学号", "1", True)],
        [("备注", "第一行\n第二行", True)],
    ]
