"""Put PDFs together; pure: no database, no Flask app.

``append_pdfs(first, *more)`` is *first* followed by the pages of each of *more*, in order — e.g. a
signed agreement's pages and the 签约过程记录 page after them. Pages are copied as they are
(content, fonts, images); the document information of *first* is kept.
"""

from __future__ import annotations

import io


def append_pdfs(first: bytes, *more: bytes) -> bytes:
    """One PDF of the pages of *first*, then those of each of *more*."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(first)))
    for data in more:
        writer.append(PdfReader(io.BytesIO(data)), import_outline=False)
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
