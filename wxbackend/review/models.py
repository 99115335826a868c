"""Tables of the two-level review engine (RV-1…RV-6).

State table of a ``ReviewItem`` (stage and status are separate fields):

==========================  =================  ==============================  =======================
from (stage / status)       action             to (stage / status)             who
==========================  =================  ==============================  =======================
—                           submit             first / pending                 submitter
first / pending             withdraw (RV-3)    first / withdrawn               submitter, nobody acted
department / pending        pass (RV-2)        school / pending                department reviewer
school / pending            pass (RV-2)        done / approved                 school reviewer
department|school / pending return (RV-1)      same stage / returned           reviewer, allow_return
department|school / pending reject (RV-1)      same stage / rejected           reviewer
any / returned              resubmit           first / pending                 submitter
department|school / pending edit (RV-5)        unchanged (version bumped)      reviewer of that stage
==========================  =================  ==============================  =======================

"first" is ``school`` when the school has switched department review off, else ``department``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base

STATUSES = ("pending", "returned", "rejected", "approved", "withdrawn")

STAGE_LABELS = {"department": "院系审核", "school": "学校审核", "done": "审核完成"}
STATUS_LABELS = {
    "pending": "待审核",
    "returned": "退回修改",
    "rejected": "不通过",
    "approved": "审核通过",
    "withdrawn": "已撤回",
}
ACTION_LABELS = {
    "submit": "提交",
    "withdraw": "撤回修改",
    "pass": "通过",
    "return": "退回修改",
    "reject": "不通过",
    "edit": "修改信息",
    "resubmit": "重新提交",
}


class ReviewItem(Base):
    """One submission under two-level review; the module's own record is ``(kind, subject_id)``."""

    __tablename__ = "review_item"
    __audit_type__ = "review_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    #: What is reviewed: other_destination, online_agreement, termination, archive, hukou, …
    kind: Mapped[str] = mapped_column(String(32))
    #: Id of the record in the module's own table.
    subject_id: Mapped[int] = mapped_column(Integer)
    #: department | school | done — whose turn it is (done only once approved).
    stage: Mapped[str] = mapped_column(String(16))
    #: pending | returned | rejected | approved | withdrawn — the outcome so far.
    status: Mapped[str] = mapped_column(String(16))
    #: False for online signing and termination: no 退回修改 (RV-1).
    allow_return: Mapped[bool] = mapped_column(Boolean, default=True)
    submitted_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    decided_at: Mapped[datetime | None]
    #: Reason of the latest return/reject, shown to the submitter.
    last_reason: Mapped[str | None] = mapped_column(Text)
    #: Bumped on every transition; decisions are conditional updates on it (RV-4).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        CheckConstraint("stage IN ('department','school','done')", name="stage_known"),
        CheckConstraint(
            "status IN ('pending','returned','rejected','approved','withdrawn')", name="status_known"
        ),
        CheckConstraint(
            "(status = 'approved' AND stage = 'done') OR (status <> 'approved' AND stage <> 'done')",
            name="done_iff_approved",
        ),
        CheckConstraint("status <> 'returned' OR allow_return", name="return_allowed"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_review_item_subject", "kind", "subject_id"),
        Index(
            "uq_review_item_open_subject",
            "kind",
            "subject_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_review_item_queue", "school_id", "stage", "status"),
    )

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class ReviewEvent(Base):
    """Append-only history of one item (RV-6); the database refuses UPDATE and DELETE."""

    __tablename__ = "review_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_item.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=timeutil.now)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    actor_name: Mapped[str | None] = mapped_column(String(100))
    #: The role acted in: graduate, department, school, system, …
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str | None] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    #: ``{field: [before, after]}`` for edits (RV-5); empty otherwise.
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: How the action reached the platform (``core.channel``): miniprogram, web, console, sms_link, system, …
    channel: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint(
            "action IN ('submit','withdraw','pass','return','reject','edit','resubmit')", name="action_known"
        ),
    )

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

