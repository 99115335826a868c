"""Verification authorisations (核验授权, VA-1 … VA-8) and the record of every public lookup (VA-5, VA-7).

Database guards: ``verification.number`` unique; ``uq_verification_active`` — at most one active
verification per (graduate, module), so setting a new one ends the old one in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base

MODULES = {"archive": "档案信息核验", "hukou": "户口信息核验"}
#: active 生效中; closed: ended early by the graduate (VA-8); replaced: a new one was set.
STATUS_LABELS = {"active": "生效中", "closed": "已结束", "replaced": "已重新设置"}
#: The effective state a reader sees (``services.state``): an active row past its date is expired, and one
#: whose confirmation no longer holds (CF-5) is void; neither verifies.
STATE_LABELS = {"active": "生效中", "expired": "已过期", "void": "已失效", "closed": "已结束",
                "replaced": "已重新设置"}


class Verification(Base):
    """One 核验授权: a number, a validity date, and the report content it shows verifiers (VA-4)."""

    __tablename__ = "verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    #: archive | hukou
    module: Mapped[str] = mapped_column(String(8))
    #: 核验编号, canonical (``core.ids``).
    number: Mapped[str] = mapped_column(String(20), unique=True)
    #: The confirmation the report rests on: when it stops holding (CF-5) the number stops verifying.
    confirmation_id: Mapped[int] = mapped_column(ForeignKey("destination_confirmation.id"))
    #: 有效期至: valid through 23:59:59 of this day (Asia/Shanghai).
    valid_until: Mapped[date]
    status: Mapped[str] = mapped_column(String(8), default="active")
    #: What the report says (去向登记信息表): sections of label/value rows, fixed when it is set.
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    digest: Mapped[str] = mapped_column(String(64))
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    ended_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("module IN ('archive','hukou')", name="module_known"),
        CheckConstraint("status IN ('active','closed','replaced')", name="status_known"),
        Index("uq_verification_active", "graduate_id", "module", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )

    @property
    def label(self) -> str:
        return MODULES[self.module]


class VerificationLookup(Base):
    """One public lookup: when, from where, how (form or QR), and whether it found a valid report."""

    __tablename__ = "verification_lookup"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=timeutil.now, index=True)
    #: form | qr
    channel: Mapped[str] = mapped_column(String(4))
    module: Mapped[str] = mapped_column(String(8))
    #: The number as typed, normalised and cut to 24 characters (misses included: guessing shows).
    number: Mapped[str] = mapped_column(String(24))
    ip: Mapped[str | None] = mapped_column(String(64))
    found: Mapped[bool]
    #: verification | dispatch (a 转递编号, VA-6) when found.
    source: Mapped[str | None] = mapped_column(String(12))
    verification_id: Mapped[int | None] = mapped_column(ForeignKey("verification.id"))
