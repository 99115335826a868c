"""The electronic employment agreement PDF (电子就业协议书, ON-8): its layout on the shared renderer.

``render_agreement(doc)`` turns a plain document dict (built from the database by
``signing.documents.build_doc``) into an A4 PDF through ``documents.render``: pure, no database
and no Flask app. The template is ``templates/pdf/agreement.html``; the QR code in its corner
carries the document's ``verify_url``.
"""

from __future__ import annotations

from typing import Any

from wxbackend.documents import render
from wxbackend.documents.layout import chinese_number, grid_rows

TEMPLATE_NAME = "agreement.html"

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
