"""Page codes (FS-10): a QR code in three corners of every page naming the document and the page.

A printed agreement comes back as photos of its stamped pages; the codes let the machine tell which
agreement and which page a photo shows. Pure: no database, no Flask app — the secret is a parameter
(``signing.documents.page_secret()`` derives the agreement's from the app's ``SECRET_KEY``).

The QR text is short, so the code stays small (QR version 3, 29 × 29 modules) and reads from a
phone photo::

    JYXY1|<doc_ref>|<page>/<total>|<check>

``check`` is the first 8 base32 characters (40 bits) of HMAC-SHA256(secret, "<doc_ref>|<page>/<total>"):
a code cannot be made for another number or page without the secret.

- ``page_code(secret, doc_ref, page, total)`` → the QR text of one page.
- ``stamp_pages(pdf, secret, doc_ref)`` → the PDF with the page's code in its top-left, top-right and
  bottom-left corners (``CODE_MM`` wide, ``EDGE_MM`` from the paper's edge); the bottom-right corner
  stays free for the seal. Templates keep their content out of the three corners (``CORNER_MM``).
- ``read_codes(image)`` → our codes found on a photo (bytes or a PIL image), foreign QR codes ignored.
- ``match_page(image, secret, expected_ref)`` → ``PageMatch``: ``match`` / ``other`` / ``none``;
  ``describe(match)`` says it in Chinese for reviewers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps

from wxbackend.documents import render

PREFIX = "JYXY1"
#: Width of one code on paper, and its distance from the paper's edges.
CODE_MM = 17.0
EDGE_MM = 5.0
#: What a template must leave empty in each coded corner (square from the paper's corner).
CORNER_MM = EDGE_MM + CODE_MM
#: Longest side a photo is decoded at in the scaled retry; larger photos are shrunk to it.
SCALED_SIDE = 1600

_CODE = re.compile(rf"^{PREFIX}\|(\d{{1,32}})\|(\d{{1,4}})/(\d{{1,4}})\|([A-Z2-7]{{8}})$")


def _check(secret: bytes, doc_ref: str, page: int, total: int) -> str:
    mac = hmac.new(secret, f"{doc_ref}|{page}/{total}".encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:8]


def page_code(secret: bytes, doc_ref: str, page: int, total: int) -> str:
    """The QR text of page *page* of *total* of document *doc_ref* (digits, e.g. an agreement number)."""
    if not re.fullmatch(r"\d{1,32}", doc_ref):
        raise ValueError(f"doc_ref must be digits, got {doc_ref!r}")
    if not 1 <= page <= total <= 9999:
        raise ValueError(f"page {page} of {total} is out of range")
    return f"{PREFIX}|{doc_ref}|{page}/{total}|{_check(secret, doc_ref, page, total)}"


@dataclass(frozen=True)
class PageCode:
    """One of our codes as read from an image; ``verify(secret)`` tells whether its check is genuine."""

    doc_ref: str
    page: int
    total: int
    check: str

    @classmethod
    def parse(cls, text: str) -> PageCode | None:
        """The code in QR *text*, or None when the text is not in our format."""
        m = _CODE.match(text.strip())
        if not m:
            return None
        page, total = int(m[2]), int(m[3])
        if not 1 <= page <= total:
            return None
        return cls(m[1], page, total, m[4])

    def verify(self, secret: bytes) -> bool:
        return hmac.compare_digest(self.check, _check(secret, self.doc_ref, self.page, self.total))


# --- stamping -------------------------------------------------------------------------


def page_count(pdf: bytes) -> int:
    """How many pages *pdf* has."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _qr_png_uri(text: str) -> str:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=0)
    qr.add_data(text)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image().save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _overlay_html(codes: list[str], sizes: list[tuple[float, float]]) -> str:
    """One overlay page per page of the document, each of that page's size, with its code in three corners."""
    pages = []
    for i, (code, (_w, h)) in enumerate(zip(codes, sizes, strict=True)):
        uri = _qr_png_uri(code)
        imgs = "".join(
            f'<img src="{uri}" style="{pos}">'
            for pos in (f"left:{EDGE_MM}mm;top:{EDGE_MM}mm", f"right:{EDGE_MM}mm;top:{EDGE_MM}mm",
                        f"left:{EDGE_MM}mm;bottom:{EDGE_MM}mm")
        )
        pages.append(f'<div class="p" style="page: p{i}; height: {h:.3f}pt">{imgs}</div>')
    page_rules = "".join(f"@page p{i} {{ size: {w:.3f}pt {h:.3f}pt; margin: 0 }}" for i, (w, h) in enumerate(sizes))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        f"{page_rules} html, body {{ margin: 0 }}"
        ".p { position: relative; width: 100%; break-after: page; overflow: hidden; }"
        ".p:last-child { break-after: auto; }"
        f".p img {{ position: absolute; width: {CODE_MM}mm; height: {CODE_MM}mm; image-rendering: pixelated; }}"
        "</style></head><body>" + "".join(pages) + "</body></html>"
    )


def stamp_pages(pdf: bytes, secret: bytes, doc_ref: str) -> bytes:
    """*pdf* with each page's code (``page_code``) in its top-left, top-right and bottom-left corners.

    The codes are drawn on an overlay PDF (WeasyPrint, the same page sizes, data: URIs only) merged
    onto each page with pypdf; the page content and its text stay as they were.
    """
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    codes = [page_code(secret, doc_ref, i, total) for i in range(1, total + 1)]
    overlay = PdfReader(io.BytesIO(render.html_to_pdf(_overlay_html(codes, sizes))))
    if len(overlay.pages) != total:
        raise RuntimeError(f"overlay has {len(overlay.pages)} pages for {total}")
    writer = PdfWriter(clone_from=reader)
    for page, over in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(over)
        page.compress_content_streams()  # merging leaves the combined content uncompressed
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- reading --------------------------------------------------------------------------


def _open(image: bytes | Image.Image) -> Image.Image:
    if isinstance(image, bytes | bytearray | memoryview):
        img = Image.open(io.BytesIO(bytes(image)))
        img.load()
    else:
        img = image
    img = ImageOps.exif_transpose(img) or img
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    return img


def _variants(img: Image.Image) -> Any:
    """The image as given, then a contrast-stretched grayscale, then a rescaled one: at most three decodes."""
    yield img
    gray = ImageOps.autocontrast(img.convert("L"), cutoff=1)
    yield gray
    long_side = max(gray.size)
    factor = SCALED_SIDE / long_side if long_side > SCALED_SIDE else 2.0  # a big photo shrunk, a small one doubled
    size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
    yield gray.resize(size, Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.BICUBIC)


def _decode(img: Image.Image) -> list[PageCode]:
    import zxingcpp

    found = []
    for barcode in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode):
        code = PageCode.parse(barcode.text)
        if code is not None and code not in found:
            found.append(code)
    return found


def read_codes(image: bytes | Image.Image) -> list[PageCode]:
    """Our page codes on *image* (encoded bytes or a PIL image), checks not yet verified; [] for none.

    EXIF orientation is applied. When the image as given shows none of our codes, a grayscale,
    contrast-stretched variant and then a rescaled one are tried (three decodes at most).
    """
    img = _open(image)
    for variant in _variants(img):
        found = _decode(variant)
        if found:
            return found
    return []


class PageMatch:
    """What ``match_page`` saw: ``kind`` is ``match``, ``other`` or ``none``.

    ``page``/``total`` are set for ``match``. For ``other`` the number of the agreement the page
    belongs to is kept out of the repr and equality; ``other_ref`` is for logs and reviewers only,
    never for the person who uploaded the photo (it would tell them another agreement's number).
    """

    __slots__ = ("kind", "page", "total", "_other_ref")

    def __init__(self, kind: str, page: int | None = None, total: int | None = None,
                 other_ref: str | None = None) -> None:
        if kind not in ("match", "other", "none"):
            raise ValueError(kind)
        self.kind = kind
        self.page = page
        self.total = total
        self._other_ref = other_ref

    @property
    def other_ref(self) -> str | None:
        """For logs and reviewers only: the agreement number an ``other`` page carries."""
        return self._other_ref

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PageMatch) and (self.kind, self.page, self.total) == (other.kind, other.page,
                                                                                       other.total)

    def __hash__(self) -> int:
        return hash((self.kind, self.page, self.total))

    def __repr__(self) -> str:
        return f"PageMatch({self.kind!r}, page={self.page!r}, total={self.total!r})"


def match_page(image: bytes | Image.Image, secret: bytes, expected_ref: str) -> PageMatch:
    """Which page of *expected_ref* the photo shows (``match``), a page of another agreement (``other``)
    or no genuine code at all (``none``: nothing readable, foreign QR codes, forged checks).

    A genuine code of another agreement anywhere on the photo makes it ``other``, even beside a page
    of the expected one. Codes of the expected agreement that disagree are settled by majority.
    """
    genuine = [c for c in read_codes(image) if c.verify(secret)]
    others = [c for c in genuine if c.doc_ref != expected_ref]
    if others:
        return PageMatch("other", other_ref=others[0].doc_ref)
    if not genuine:
        return PageMatch("none")
    (page, total), _n = Counter((c.page, c.total) for c in genuine).most_common(1)[0]
    return PageMatch("match", page=page, total=total)


def describe(match: PageMatch) -> str:
    """The match in Chinese, for a reviewer's page."""
    if match.kind == "match":
        return f"与本协议第{match.page}页（共{match.total}页）相符"
    if match.kind == "other":
        return "另一份协议的页面"
    return "未识别到页面二维码"
