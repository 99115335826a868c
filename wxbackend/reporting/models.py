"""Reports (上报) and what each graduate's last report said (RP-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base

#: A graduate's report state as the school reads it.
STATE_LABELS = {"new": "新增", "changed": "有改动", "reported": "已上报"}


class ReportBatch(Base):
    """One 上报 of a school for a graduation year: the snapshots of the graduates it carried."""

    __tablename__ = "report_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    graduation_year: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    reported_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_count: Mapped[int] = mapped_column(Integer, default=0)


class ReportSnapshot(Base):
    """What one report said of one graduate, in the national field codes (``data``) and its digest."""

    __tablename__ = "report_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("report_batch.id"), index=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"))
    #: new | changed: the graduate's state when reported.
    state: Mapped[str] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        CheckConstraint("state IN ('new','changed')", name="state_known"),
        Index("ix_report_snapshot_graduate", "graduate_id", "id"),
    )


class GraduateReport(Base):
    """The graduate's last report: its snapshot and digest, compared with the info of now (新增/有改动/已上报)."""

    __tablename__ = "graduate_report"

    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("report_snapshot.id"))
    digest: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime]
