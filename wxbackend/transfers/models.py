"""The graduate's archive and hukou transfer info, one ``current`` row per module (ON-10).

Database guard: ``uq_transfer_info_current`` — at most one current row per (graduate, module).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base

MODULES = ("archive", "hukou")


class TransferInfo(Base):
    """Archive or hukou transfer info synced from a source record, e.g. a signed agreement (ON-10).

    The archive and hukou modules read the graduate's ``current`` row as their starting point;
    a row becomes ``void`` when a newer one replaces it or its source is undone (an agreement terminated).
    """

    __tablename__ = "transfer_info"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"))
    #: archive | hukou
    module: Mapped[str] = mapped_column(String(8))
    #: Where it came from: online_agreement (later offline_agreement, the module's own form).
    source_kind: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(8), default="current")
    synced_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (
        CheckConstraint("module IN ('archive','hukou')", name="module_known"),
        CheckConstraint("status IN ('current','void')", name="status_known"),
        Index("uq_transfer_info_current", "graduate_id", "module", unique=True,
              sqlite_where=text("status = 'current'"), postgresql_where=text("status = 'current'")),
    )


class ReceivingOffice(Base):
    """One office of the directory of 档案接收单位 (AR-7): who receives a graduate's archive in a region.

    ``school_id`` NULL is a platform-wide entry (the platform admin's); otherwise the school's own.
    ``name_key`` is the name normalised by ``transfers.directory.name_key`` (NFKC, case-folded, no
    spaces or punctuation): searches and the uniqueness guard compare it, and its index serves a
    prefix search on both databases (``text_pattern_ops`` on PostgreSQL, see the directory's module
    docstring).

    Database guards: ``uq_receiving_office_school`` and ``uq_receiving_office_platform`` — one entry
    per (owner, region, name); NULL owners are handled by two partial indexes, since a plain unique
    index treats NULLs as distinct on both SQLite and PostgreSQL.
    """

    __tablename__ = "receiving_office"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    #: Six-digit GB/T 2260 code of a district, a city or a province.
    region_code: Mapped[str] = mapped_column(String(6))
    #: The detail line of the address (street, number, room).
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(6))
    contact: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        CheckConstraint("length(region_code) = 6", name="region_code_six_digits"),
        Index("uq_receiving_office_school", "school_id", "region_code", "name_key", unique=True,
              sqlite_where=text("school_id IS NOT NULL"), postgresql_where=text("school_id IS NOT NULL")),
        Index("uq_receiving_office_platform", "region_code", "name_key", unique=True,
              sqlite_where=text("school_id IS NULL"), postgresql_where=text("school_id IS NULL")),
        Index("ix_receiving_office_name_key", "name_key", postgresql_ops={"name_key": "text_pattern_ops"}),
        Index("ix_receiving_office_region", "region_code"),
    )


#: registration: the first archive/hukou info (AR-1, HK-2); change: a change of the current info (AR-5).
PURPOSES = ("registration", "change")
REGISTRATION_STATUSES = ("draft", "pending", "returned", "approved", "rejected", "cancelled")
#: A graduate has at most one registration of these statuses per module.
OPEN_REGISTRATION = ("draft", "pending", "returned")
REGISTRATION_STATUS_LABELS = {
    "draft": "未提交",
    "pending": "审核中",
    "returned": "退回修改",
    "approved": "审核通过",
    "rejected": "审核不通过",
    "cancelled": "已撤销",
}


class TransferRegistration(Base):
    """The graduate's archive or hukou registration, or a change request of the current info (AR-1…AR-5).

    One model for both modules and both purposes; its reviewed-record kind is ``{module}_{purpose}``
    (``transfers.registration.KINDS``). Approval makes ``fields`` the graduate's current
    :class:`TransferInfo` (``info_id``); a change names the row it replaces (``replaces_info_id``).

    Database guard: ``uq_transfer_registration_open`` — at most one open (draft, pending, returned)
    registration per (graduate, module), whichever the purpose.
    """

    __tablename__ = "transfer_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    #: archive | hukou
    module: Mapped[str] = mapped_column(String(8))
    #: registration | change
    purpose: Mapped[str] = mapped_column(String(12))
    #: {field key: value} as cleaned by ``transfers.forms.clean``.
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12))
    replaces_info_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_info.id"))
    #: The current-info row its approval wrote.
    info_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_info.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        CheckConstraint("module IN ('archive','hukou')", name="module_known"),
        CheckConstraint("purpose IN ('registration','change')", name="purpose_known"),
        CheckConstraint("status IN ('draft','pending','returned','approved','rejected','cancelled')",
                        name="status_known"),
        Index("uq_transfer_registration_open", "graduate_id", "module", unique=True,
              sqlite_where=text("status IN ('draft','pending','returned')"),
              postgresql_where=text("status IN ('draft','pending','returned')")),
        Index("ix_transfer_registration_school_status", "school_id", "status"),
    )

    @property
    def kind(self) -> str:
        """The reviewed-record kind, also the review item kind and the attachment kind."""
        return f"{self.module}_{self.purpose}"

    @property
    def status_label(self) -> str:
        return REGISTRATION_STATUS_LABELS[self.status]
