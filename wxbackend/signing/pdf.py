"""The electronic employment agreement PDF (电子就业协议书, ON-8): its layout on the shared renderer.

``render_agreement(doc)`` turns a plain document dict (built from the database by
``signing.documents.build_doc``) into an A4 PDF through ``documents.render``: pure, no database
and no Flask app. The template is ``templates/pdf/agreement.html``; the QR code in its corner
carries the document's ``verify_url``.

``render_signed(doc, record, secret)`` makes the file a signed agreement is stored as: the agreement
pages with their page codes (``documents.pagecodes``, FS-10), then the 签约过程记录 page
(``templates/pdf/process_record.html``) with the SHA-256 of those agreement pages. It returns the
agreement pages and their hash beside the whole file, so what the record page prints can be
checked against the very bytes it was computed from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from wxbackend.documents import pagecodes, render
from wxbackend.documents.assemble import append_pdfs
from wxbackend.documents.layout import chinese_number, grid_rows

TEMPLATE_NAME = "agreement.html"
RECORD_TEMPLATE_NAME = "process_record.html"

#: Sections of at most this many table rows are kept on one page.
KEEP_TOGETHER_ROWS = 4


def _context(doc: dict[str, Any]) -> dict[str, Any]:
    sections = []
    for i, s in enumerate(doc["sections"], start=1):
        rows = [(label, value if value not in (None, "") else "--") for label, value in s["rows"]]
        grid = grid_rows(rows)
        sections.append({
            "number": chinese_number(i),
            "title": s["title"],
            "rows": rows,
            # A section that is one text under its own title (协议补充内容) prints as a text box.
            "textbox": len(rows) == 1 and rows[0][0] == s["title"],
            "grid": grid,
            "keep": len(grid) <= KEEP_TOGETHER_ROWS,
        })
    n = len(sections)
    numbers = [chinese_number(n + 1), chinese_number(n + 2)]
    return {"doc": doc, "sections": sections, "numbers": numbers, "qr": render.qr_data_uri(doc["verify_url"])}


def render_html(doc: dict[str, Any]) -> str:
    """The agreement as HTML (what ``render_agreement`` hands to WeasyPrint)."""
    return render.render_html(TEMPLATE_NAME, **_context(doc))


def render_agreement(doc: dict[str, Any]) -> bytes:
    """Render the agreement PDF (A4) from a plain document dict; pure: no DB, no Flask app needed."""
    return render.render_pdf(TEMPLATE_NAME, **_context(doc))


def render_process_record(record: dict[str, Any]) -> bytes:
    """The 签约过程记录 page(s): *record* has ``agreement_no``, ``generated_at``, ``pages`` (the agreement's
    page count), ``pages_sha256`` and ``events`` (dicts of ``at``, ``event``, ``actor``, ``role``, ``channel``)."""
    return render.render_pdf(RECORD_TEMPLATE_NAME, record=record)


@dataclass(frozen=True)
class SignedPdf:
    """A signed agreement's file and the agreement pages it starts with."""

    #: The agreement pages as stamped with their page codes (before the record page).
    pages: bytes
    #: SHA-256 (hex) of ``pages``: what the 签约过程记录 page prints.
    pages_sha256: str
    #: How many pages ``pages`` has; the file has the record page(s) after them.
    page_count: int
    #: The whole file: ``pages`` followed by the 签约过程记录.
    pdf: bytes


def render_signed(doc: dict[str, Any], events: list[dict[str, Any]], secret: bytes) -> SignedPdf:
    """Agreement → page codes (``secret``, the agreement number) → SHA-256 → 签约过程记录 → appended."""
    pages = pagecodes.stamp_pages(render_agreement(doc), secret, doc["agreement_no"])
    digest = hashlib.sha256(pages).hexdigest()
    count = pagecodes.page_count(pages)
    record = render_process_record({
        "agreement_no": doc["agreement_no"], "generated_at": doc["generated_at"], "pages": count,
        "pages_sha256": digest, "events": events,
    })
    return SignedPdf(pages=pages, pages_sha256=digest, page_count=count, pdf=append_pdfs(pages, record))
