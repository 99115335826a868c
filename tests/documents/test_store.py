"""documents.store: a rendered PDF is stored once with its SHA-256 and served from storage (ON-8 uses it)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from wxbackend.core.db import db
from wxbackend.documents.store import discard, pdf_download, store_pdf
from wxbackend.files.models import StoredFile
from wxbackend.files.storage import get_storage

DATA = b"%PDF-1.7\n% not a real document, storage does not look inside\n%%EOF\n"


def test_store_pdf_keeps_the_bytes_with_their_sha256_name_and_owner(make_graduate: Callable[..., Any]) -> None:
    graduate = make_graduate()
    stored = store_pdf(DATA, key_prefix="agreements", filename="2026410999000000001.pdf",
                       owner_graduate_id=graduate.id)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(StoredFile, stored.id)
    assert row is not None
    assert row.key.startswith("agreements/") and row.key.endswith(".pdf")
    assert (row.content_type, row.size, row.sha256) == ("application/pdf", len(DATA), hashlib.sha256(DATA).hexdigest())
    assert (row.original_name, row.owner_graduate_id, row.compression_state) == (
        "2026410999000000001.pdf", graduate.id, "not_needed")
    assert get_storage().get(row.key) == DATA


def test_discard_removes_the_file_of_a_rolled_back_row(app: Any) -> None:
    stored = store_pdf(DATA, key_prefix="agreements", filename="x.pdf", owner_graduate_id=None)
    key = stored.key
    db.session.rollback()
    assert get_storage().exists(key)
    discard(stored)
    assert not get_storage().exists(key)
    assert db.session.query(StoredFile).count() == 0


@pytest.mark.parametrize(("filename", "disposition"), [
    ("2026410999000000001.pdf", 'attachment; filename="2026410999000000001.pdf"'),
    ("就业协议书.pdf", "attachment; filename=\"?????.pdf\"; filename*=UTF-8''"
                       "%E5%B0%B1%E4%B8%9A%E5%8D%8F%E8%AE%AE%E4%B9%A6.pdf"),
])
def test_pdf_download_serves_the_stored_bytes_as_an_attachment(app: Any, filename: str, disposition: str) -> None:
    stored = store_pdf(DATA, key_prefix="agreements", filename="stored.pdf", owner_graduate_id=None)
    db.session.commit()
    with app.test_request_context():
        response = pdf_download(stored, filename)
    assert response.status_code == 200 and response.get_data() == DATA
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(DATA).hexdigest()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
