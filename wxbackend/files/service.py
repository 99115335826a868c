"""Storing uploads and compressing them later (FS-5).

``store_upload`` validates and normalises the image, stores it, and — when it is over
300 KB — leaves it ``pending`` and queues ``jobs.images.compress_image`` after commit.
The record that refers to the file can be submitted at once; compression does not block it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from sqlalchemy import delete, func, select

from wxbackend.core import audit, timeutil
from wxbackend.core.audit import Actor
from wxbackend.core.db import db
from wxbackend.core.errors import Forbidden
from wxbackend.core.jobs import enqueue
from wxbackend.files.images import COMPRESS_LIMIT, compress_to_limit, validate_and_normalise
from wxbackend.files.models import Attachment, StoredFile
from wxbackend.files.storage import get_storage

log = logging.getLogger(__name__)

_USER_ACTORS = ("staff", "employer")


def _new_key(suffix: str = "") -> str:
    now = timeutil.now()
    return f"images/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}.jpg"


def store_upload(
    actor: Actor,
    data: bytes,
    filename: str | None,
    owner_graduate_id: int | None = None,
    attach_to: tuple[str, int] | None = None,
) -> StoredFile:
    """Validate, normalise and store an uploaded image; commit; queue compression if needed.

    Raises ``ApiError`` (nothing stored) for a refused file. A graduate may only upload
    for themselves. With *attach_to* ``(kind, subject_id)`` the file is attached to that
    record in the same transaction, after the record's existing attachments.
    """
    if actor.actor_type == "graduate":
        if owner_graduate_id is not None and owner_graduate_id != actor.actor_id:
            raise Forbidden("只能为本人上传材料")
        owner_graduate_id = actor.actor_id
    image = validate_and_normalise(data, filename)
    storage = get_storage()
    key = _new_key()
    storage.put(key, image.data)
    needs_compression = len(image.data) > COMPRESS_LIMIT
    row = StoredFile(
        key=key,
        content_type=image.content_type,
        size=len(image.data),
        sha256=hashlib.sha256(image.data).hexdigest(),
        width=image.width,
        height=image.height,
        original_name=(filename or "")[:200] or None,
        owner_graduate_id=owner_graduate_id,
        uploaded_by_user_id=actor.actor_id if actor.actor_type in _USER_ACTORS else None,
        compression_state="pending" if needs_compression else "not_needed",
    )
    try:
        db.session.add(row)
        db.session.flush()
        if attach_to is not None:
            attach(attach_to[0], attach_to[1], row.id)
        audit.record(
            actor, "file.upload", row, size=row.size, width=row.width, height=row.height,
            source_format=image.source_format, original_size=len(data),
        )
        if needs_compression:

            enqueue("jobs.images.compress_image", row.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage.delete(key)
        raise
    return row


def attach(kind: str, subject_id: int, file_id: int) -> Attachment:
    """Attach file *file_id* to record ``(kind, subject_id)`` after its other attachments."""
    last = db.session.scalar(
        select(func.max(Attachment.position)).where(Attachment.kind == kind, Attachment.subject_id == subject_id)
    )
    row = Attachment(kind=kind, subject_id=subject_id, file_id=file_id, position=(last or 0) + 1,
                     created_at=timeutil.now())
    db.session.add(row)
    db.session.flush()
    return row


def attached_files(kind: str, subject_ids: list[int]) -> dict[int, list[StoredFile]]:
    """{subject_id: [files in order]} for many records of *kind*, in one query."""
    out: dict[int, list[StoredFile]] = {i: [] for i in subject_ids}
    if not subject_ids:
        return out
    rows = db.session.execute(
        select(Attachment.subject_id, StoredFile)
        .join(StoredFile, StoredFile.id == Attachment.file_id)
        .where(Attachment.kind == kind, Attachment.subject_id.in_(subject_ids))
        .order_by(Attachment.subject_id, Attachment.position, Attachment.id)
    )
    for subject_id, file in rows:
        out[subject_id].append(file)
    return out


def detach(kind: str, subject_id: int, file_id: int) -> bool:
    """Remove file *file_id* from the record; the stored file is kept for the history. True if removed."""
    result = db.session.execute(
        delete(Attachment).where(Attachment.kind == kind, Attachment.subject_id == subject_id,
                                 Attachment.file_id == file_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def file_response(row: StoredFile) -> Any:
    """The file's bytes with headers that keep it private and un-sniffed; 404 if storage lost it."""
    from flask import Response, abort

    from wxbackend.files.storage import StorageKeyError

    try:
        data = get_storage().get(row.key)
    except (FileNotFoundError, StorageKeyError):
        abort(404)
    response = Response(data, mimetype=row.content_type)
    response.headers["Cache-Control"] = "private, no-store"  # personal images and scans
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response


def compress_stored(file_id: int) -> bool:
    """Compress file *file_id* if it is pending; True when it did. Safe to run twice."""
    row = db.session.get(StoredFile, file_id, with_for_update=True, populate_existing=True)
    if row is None or row.compression_state != "pending":
        db.session.rollback()
        return False
    storage = get_storage()
    result = compress_to_limit(storage.get(row.key))
    old_key = row.key
    new_key = _new_key("-c")
    storage.put(new_key, result.data)
    row.key = new_key
    row.size = len(result.data)
    row.sha256 = hashlib.sha256(result.data).hexdigest()
    row.width, row.height = result.width, result.height
    row.compression_state = "done"
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage.delete(new_key)
        raise
    storage.delete(old_key)
    log.info("compressed file %s to %d bytes (%dx%d q%d)", file_id, row.size, row.width, row.height, result.quality)
    return True
