"""Reading a PDF the way a person or a machine would, for the document tests.

poppler's ``pdftotext``/``pdffonts``/``pdftoppm`` give the text, the fonts and a picture of a page;
the embedded font program is opened with fontTools, because ``pdftotext`` prints Chinese even when
every glyph is an empty box.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import IndirectObject


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: run `make system-deps` (apt-get install poppler-utils)")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True, timeout=60).stdout


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return poppler("pdftotext", "-enc", "UTF-8", str(path), "-")


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
