"""The graduate's answer to what was reported (CF-1 … CF-5), and the 四不准 reports (CF-6).

Database guard: ``uq_destination_confirmation_current`` — at most one current answer per graduate,
so two 提交 at once leave exactly one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base, JSONType

#: What the graduate said: the info is right (CF-2), or it is wrong or has changed (CF-3).
ANSWERS = ("confirmed", "error")
ANSWER_LABELS = {"confirmed": "已确认", "error": "信息有误"}
#: current: the answer stands; revoked: the graduate took the error report back (CF-4); void: the
#: info changed after a confirmation (CF-5); resolved: a new report followed the error report.
STATUSES = ("current", "revoked", "void", "resolved")
#: The error kinds of fig. 41: 毕业去向信息 有变化 / 有错误; 档案转递信息 and 户口迁移信息 有变化或存在错误.
ERROR_KINDS = {"destination": "毕业去向信息", "archive": "档案转递信息", "hukou": "户口迁移信息"}
DESTINATION_CHOICES = {"changed": "有变化", "wrong": "有错误"}
EXPLANATION_LABELS = {"destination": "去向情况说明", "archive": "档案情况说明", "hukou": "户口情况说明"}
EXPLANATION_MAX = 500


class DestinationConfirmation(Base):
    """One answer of a graduate to their last report: confirmed, or an error report with its explanations."""

    __tablename__ = "destination_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    #: confirmed | error
    answer: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="current")
    #: The report snapshot the graduate answered, and its digest.
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("report_snapshot.id"))
    digest: Mapped[str] = mapped_column(String(64))
    #: error only: {kind: {"choice": "changed" | "wrong" (destination only), "explanation": str}}.
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: error only: the contact mobile (联系方式).
    mobile: Mapped[str | None] = mapped_column(String(11))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    ended_at: Mapped[datetime | None]
    #: revoked | info_changed | reported_again
    end_reason: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint("answer IN ('confirmed','error')", name="answer_known"),
        CheckConstraint("status IN ('current','revoked','void','resolved')", name="status_known"),
        Index("uq_destination_confirmation_current", "graduate_id", unique=True,
              sqlite_where=text("status = 'current'"), postgresql_where=text("status = 'current'")),
        Index("ix_destination_confirmation_school", "school_id", "status"),
    )

    @property
    def answer_label(self) -> str:
        return ANSWER_LABELS[self.answer]


#: The Ministry of Education's 四不准 for employment statistics: what a graduate may report (CF-6).
VIOLATION_KINDS = {
    "forced_signing": "以任何方式强迫毕业生签订就业协议和劳动合同",
    "diploma_withheld": "将毕业证书、学位证书发放与毕业生签约挂钩",
    "custody_as_employment": "以户档托管方式将未就业毕业生统计为就业",
    "internship_as_job": "将毕业生实习证明、见习材料作为就业统计依据",
}
VIOLATION_STATUSES = {"new": "待处理", "handled": "已处理"}
VIOLATION_TEXT_MAX = 500


class ViolationReport(Base):
    """A graduate's report of a 四不准 violation; read by the platform admin only (CF-6).

    The school concerned is kept as ``concerned_school_id`` (not ``school_id``), so no school-scoped
    reader — the audit history a school sees, for one — ever picks the report or its reporter up.
    """

    __tablename__ = "violation_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"))
    concerned_school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    kinds: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: Who did it (a department, an employer), as the graduate names it.
    party: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(VIOLATION_TEXT_MAX))
    #: Optional: how the platform may reach the graduate.
    mobile: Mapped[str | None] = mapped_column(String(11))
    status: Mapped[str] = mapped_column(String(8), default="new")
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now, index=True)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_at: Mapped[datetime | None]
    handled_note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (CheckConstraint("status IN ('new','handled')", name="status_known"),)

    __audit_type__ = "violation_report"

    @property
    def status_label(self) -> str:
        return VIOLATION_STATUSES[self.status]
