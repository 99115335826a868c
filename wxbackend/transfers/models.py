"""The graduate's archive and hukou transfer info, one ``current`` row per module (ON-10).

Database guard: ``uq_transfer_info_current`` — at most one current row per (graduate, module).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
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


#: An archive's dispatch (AR-9): prepared (转递编号 issued, on the mailing list) → sent (tracking number
#: imported); a prepared one is cancelled by the school or when the archive info it copied is replaced.
DISPATCH_STATES = ("prepared", "sent", "cancelled")
DISPATCH_STATE_LABELS = {"prepared": "待寄出", "sent": "已寄出", "cancelled": "已作废"}


class ArchiveDispatchBatch(Base):
    """One 生成转递编号 of a school: the dispatches numbered together, exported as one mailing list.

    Its state (待寄出 / 部分寄出 / 已寄出) is read from its dispatches, never stored twice.
    """

    __tablename__ = "archive_dispatch_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)


class ArchiveDispatch(Base):
    """One archive the school mails (AR-9): its 转递编号, the recipient as it was when numbered, the carrier's
    tracking number once sent.

    ``transfer_info_id`` is the graduate's archive :class:`TransferInfo` row the address was copied from;
    the recipient columns are that copy, so the mailing list and the graduate's page keep saying where
    the archive went after the info changes.

    Database guards: ``transfer_no`` unique; ``uq_archive_dispatch_live`` — at most one dispatch that is not
    cancelled per archive info row; a sent dispatch has its carrier, tracking number and date.
    """

    __tablename__ = "archive_dispatch"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("archive_dispatch_batch.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    transfer_info_id: Mapped[int] = mapped_column(ForeignKey("transfer_info.id"))
    #: 转递编号, canonical (``core.ids``: ZD + 12 random base-36 characters + Mod 37,36 check character).
    transfer_no: Mapped[str] = mapped_column(String(20), unique=True)
    #: The recipient, copied from the archive info when the number was issued.
    recipient_name: Mapped[str] = mapped_column(Text)
    #: Six-digit GB/T 2260 code of the recipient's district, city or province.
    recipient_region: Mapped[str] = mapped_column(String(6))
    recipient_address: Mapped[str] = mapped_column(Text)
    recipient_postcode: Mapped[str] = mapped_column(String(6))
    recipient_contact: Mapped[str] = mapped_column(Text)
    recipient_phone: Mapped[str] = mapped_column(Text)
    #: prepared | sent | cancelled
    state: Mapped[str] = mapped_column(String(10), default="prepared")
    #: 快递公司 and 运单号 as the carrier's file gave them.
    carrier: Mapped[str | None] = mapped_column(String(30))
    tracking_no: Mapped[str | None] = mapped_column(String(40))
    #: 寄出日期 (Asia/Shanghai) from the carrier's file.
    sent_on: Mapped[date | None]
    #: When the tracking import recorded it.
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (
        CheckConstraint("state IN ('prepared','sent','cancelled')", name="state_known"),
        CheckConstraint("state <> 'sent' OR (carrier IS NOT NULL AND tracking_no IS NOT NULL AND sent_on IS NOT NULL"
                        " AND sent_at IS NOT NULL)", name="sent_has_tracking"),
        CheckConstraint("state <> 'cancelled' OR cancelled_at IS NOT NULL", name="cancelled_has_time"),
        Index("uq_archive_dispatch_live", "transfer_info_id", unique=True,
              sqlite_where=text("state <> 'cancelled'"), postgresql_where=text("state <> 'cancelled'")),
        Index("ix_archive_dispatch_school_state", "school_id", "state"),
    )

    @property
    def state_label(self) -> str:
        return DISPATCH_STATE_LABELS[self.state]
