"""Keep a rendered PDF once in storage with its SHA-256, and serve it from there.

``store_pdf`` puts the bytes under a fresh key and adds the ``StoredFile`` row (flushed, not
committed); a caller that then loses a race rolls back and calls ``discard`` for the orphan file.
``pdf_download`` answers with the stored bytes as an attachment, never re-rendering them.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from urllib.parse import quote

from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.files.models import StoredFile
from wxbackend.files.service import file_response
from wxbackend.files.storage import get_storage

CONTENT_TYPE = "application/pdf"


def store_pdf(data: bytes, *, key_prefix: str, filename: str, owner_graduate_id: int | None) -> StoredFile:
    """Store PDF *data* under ``<key_prefix>/YYYY/MM/<random>.pdf``; add and flush its ``StoredFile`` row.

    *filename* is the name a download gets (kept as ``original_name``).
    """
    key = f"{key_prefix}/{timeutil.now():%Y/%m}/{uuid.uuid4().hex}.pdf"
    get_storage().put(key, data)
    stored = StoredFile(key=key, content_type=CONTENT_TYPE, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        original_name=filename, owner_graduate_id=owner_graduate_id, compression_state="not_needed")
    db.session.add(stored)
    db.session.flush()
    return stored


def discard(stored: StoredFile) -> None:
    """Delete the bytes of a stored PDF whose row the caller rolled back (or is about to)."""
    get_storage().delete(stored.key)


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace('"', "_").replace("\\", "_")
    if ascii_name == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def pdf_download(stored: StoredFile, filename: str) -> Any:
    """The stored PDF as a download named *filename*, with its SHA-256 in ``X-Content-SHA256``."""
    response = file_response(stored)
    response.headers["Content-Disposition"] = _disposition(filename)
    response.headers["X-Content-SHA256"] = stored.sha256
    return response
