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
