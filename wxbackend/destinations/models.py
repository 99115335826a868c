"""Other destinations (§4.5) and the one-current-destination claim (D-1).

``DestinationClaim`` holds, per graduate, the one record that is their *current destination*
(an other-destination record pending, returned or approved; later an accepted online agreement
or a live offline application). Its primary key is the graduate: a second claim fails in the
database, so D-1 holds whatever the number of concurrent requests and whichever modules race.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base

STATUSES = ("draft", "pending", "returned", "approved", "rejected", "voided")
#: Statuses in which a graduate has an open other-destination record (at most one).
OPEN_STATUSES = ("draft", "pending", "returned", "approved")
STATUS_LABELS = {
    "draft": "未提交",
    "pending": "审核中",
    "returned": "退回修改",
    "approved": "审核通过",
    "rejected": "审核不通过",
    "voided": "已作废",
}


class OtherDestination(Base):
    """One registration of 其他形式就业 / 升学 / 未就业 (§4.5), its fields held per the catalogue."""

    __tablename__ = "other_destination"
    __audit_type__ = "other_destination"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    #: Sub-kind key of the catalogue (``wxbackend/data/codes.json`` → destination.subkinds).
    subkind: Mapped[str] = mapped_column(String(32))
    #: other_employment | further_study | unemployed
    group: Mapped[str] = mapped_column(String(20))
    #: National 毕业去向 code, derived from the sub-kind and its fields.
    destination_code: Mapped[str | None] = mapped_column(String(4))
    #: {field key: value} as cleaned by ``catalogue.clean_fields``.
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    #: Bumped on every change; writes are conditional on it.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        CheckConstraint(
            "status IN ('draft','pending','returned','approved','rejected','voided')", name="status_known"
        ),
        CheckConstraint("status <> 'voided' OR voided_at IS NOT NULL", name="voided_has_time"),
        Index(
            "uq_other_destination_open",
            "graduate_id",
            unique=True,
            sqlite_where=text("status IN ('draft','pending','returned','approved')"),
            postgresql_where=text("status IN ('draft','pending','returned','approved')"),
        ),
        Index("ix_other_destination_school_status", "school_id", "status"),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class DestinationClaim(Base):
    """The graduate's one current destination (D-1): a row exists while it is current."""

    __tablename__ = "destination_claim"

    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), primary_key=True)
    #: other_destination | online_agreement | offline_agreement
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    claimed_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (UniqueConstraint("kind", "subject_id", name="uq_destination_claim_subject"),)
