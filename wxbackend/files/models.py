"""StoredFile: one uploaded file, its storage key and its compression state (FS-5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base


class StoredFile(Base):
    __tablename__ = "stored_file"
    __audit_type__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Storage key (see ``wxbackend.files.storage``); changes when the compressed copy replaces it.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    #: The name the uploader gave (display only; never used to build a path).
    original_name: Mapped[str | None] = mapped_column(String(200))
    owner_graduate_id: Mapped[int | None] = mapped_column(ForeignKey("graduate.id"), index=True)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    compression_state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (
        CheckConstraint(
            "compression_state IN ('pending','done','not_needed')", name="compression_state_known"
        ),
    )

    def __repr__(self) -> str:
        return f"StoredFile({self.id}, {self.key!r}, {self.compression_state})"


class Attachment(Base):
    """A stored file attached to one record of a module, in display order (proof materials)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The record's kind, as in ``review_item.kind`` (other_destination, …).
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    #: A file belongs to one record at most.
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (Index("ix_attachment_subject", "kind", "subject_id", "position"),)
