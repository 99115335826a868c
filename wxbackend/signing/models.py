"""Online signing (§4.1) and online termination (§4.2): invitations that become agreements.

One ``OnlineAgreement`` row is the employer's invitation and, once the graduate accepts, the
agreement itself (fig. 9 shows one record whose 签约状态 moves on). Its terms and the employer
block are copied at invitation time: an agreement never changes because an employer later
edits its profile.

Database guards:

* ``uq_online_agreement_waiting`` — one waiting invitation per (employer, graduate) (ON-6);
* ``uq_online_agreement_live`` — one accepted/under-review/signed agreement per graduate (ON-4),
  next to the cross-module ``destination_claim`` (D-1);
* ``uq_termination_open`` — one open termination request per agreement (OT-4);
* ``agreement_no`` unique, drawn from ``agreement_serial`` (one row per school, year and kind).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, Integer, String, Text, and_, or_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wxbackend.accounts.models import Employer, Graduate
from wxbackend.core import timeutil
from wxbackend.core.db import Base

STATUSES = ("waiting", "declined", "expired", "withdrawn", "reviewing", "signed", "failed", "terminated")
STATUS_LABELS = {
    "waiting": "等待应约",
    "declined": "已拒绝",
    "expired": "已失效",
    "withdrawn": "已撤回",
    "reviewing": "签约审核中",
    "signed": "签约完成",
    "failed": "签约失败",
    "terminated": "已解约",
}
#: Statuses in which the agreement is the graduate's current destination (ON-4, D-1).
LIVE_STATUSES = ("reviewing", "signed")

TERMINATION_STATUSES = ("waiting", "declined", "cancelled", "reviewing", "approved", "rejected")
TERMINATION_LABELS = {
    "waiting": "等待对方回应",
    "declined": "对方拒绝解约",
    "cancelled": "已撤销",
    "reviewing": "解约审核中",
    "approved": "解约完成",
    "rejected": "解约失败",
}
#: Statuses in which a termination request is open (OT-4).
TERMINATION_OPEN = ("waiting", "reviewing")
PARTY_LABELS = {"graduate": "毕业生", "employer": "用人单位"}


def _in(values: tuple[str, ...]) -> str:
    return ",".join(f"'{v}'" for v in values)


class OnlineAgreement(Base):
    """An employer's 签约邀请 and, after acceptance, the online agreement (§4.1)."""

    __tablename__ = "online_agreement"
    __audit_type__ = "online_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"))
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    invited_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(12))
    invited_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    #: 应约有效期 in days, and the 应约截止时间 it gives (ON-2).
    response_days: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    #: When the invitation was marked 已失效; the expiry job's batch marker too.
    expired_at: Mapped[datetime | None]
    #: The invitation's terms as cleaned by ``signing.forms`` (职位类别, 岗位名称, 档案/户口 blocks, …).
    terms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The employer block of fig. 9 as it stood when the invitation was sent.
    employer_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unit_name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18))
    #: 协议编号, generated when the school passes the agreement (ON-8).
    agreement_no: Mapped[str | None] = mapped_column(String(24))
    signed_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    failed_reason: Mapped[str | None] = mapped_column(Text)
    #: The graduate's optional reason for declining, shown to the employer (ON-12).
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    #: When the employer withdrew the waiting invitation (ON-11).
    withdrawn_at: Mapped[datetime | None]
    terminated_at: Mapped[datetime | None]
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    employer: Mapped[Employer] = relationship()
    graduate: Mapped[Graduate] = relationship()

    __table_args__ = (
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status_known"),
        CheckConstraint("response_days BETWEEN 1 AND 90", name="response_days_range"),
        CheckConstraint("status <> 'signed' OR agreement_no IS NOT NULL", name="signed_has_number"),
        Index("uq_online_agreement_waiting", "employer_id", "graduate_id", unique=True,
              sqlite_where=text("status = 'waiting'"), postgresql_where=text("status = 'waiting'")),
        Index("uq_online_agreement_live", "graduate_id", unique=True,
              sqlite_where=text(f"status IN ({_in(LIVE_STATUSES)})"),
              postgresql_where=text(f"status IN ({_in(LIVE_STATUSES)})")),
        # Partial: the many invitations without a number cost no index entries.
        Index("uq_online_agreement_agreement_no", "agreement_no", unique=True,
              sqlite_where=text("agreement_no IS NOT NULL"), postgresql_where=text("agreement_no IS NOT NULL")),
        Index("ix_online_agreement_graduate", "graduate_id", "id"),
        Index("ix_online_agreement_employer", "employer_id", "id"),
        # The expiry job's scan: only waiting rows, by deadline.
        Index("ix_online_agreement_waiting_deadline", "deadline",
              sqlite_where=text("status = 'waiting'"), postgresql_where=text("status = 'waiting'")),
        # The fan-out of an expiry batch finds its rows by the instant it stamped.
        Index("ix_online_agreement_expired_at", "expired_at",
              sqlite_where=text("status = 'expired'"), postgresql_where=text("status = 'expired'")),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    # --- the effective status (ON-3): the one place it is derived ---------------------------------
    # Expiry is computed on read: a waiting invitation past its 应约截止时间 is 已失效 at once,
    # whether or not the expiry job has marked the row yet; the job only stamps it and notifies.

    def is_overdue(self, now: datetime) -> bool:
        """Still marked waiting, but past its deadline: 已失效, not yet stamped by the expiry job."""
        return self.status == "waiting" and self.deadline <= now

    def effective_status(self, now: datetime) -> str:
        """The status users read at *now*: ``expired`` for an overdue invitation, else the row's own."""
        return "expired" if self.is_overdue(now) else self.status

    def effective_status_label(self, now: datetime) -> str:
        return STATUS_LABELS[self.effective_status(now)]

    @classmethod
    def effective_status_where(cls, status: str, now: datetime) -> ColumnElement[bool]:
        """SQL for ``effective_status(now) == status``, for list filters (plain column tests, no CASE)."""
        if status == "waiting":
            return and_(cls.status == "waiting", cls.deadline > now)
        if status == "expired":
            return or_(cls.status == "expired", and_(cls.status == "waiting", cls.deadline <= now))
        return cls.status == status


class InvitationExpiry(Base):
    """One run of the expiry (ON-3): the instant it stamped on the invitations, how many, and whether
    their messages and ``expire`` record events were written yet (the fan-out).

    Expiring is one UPDATE; what follows from it (a message to every graduate, an event in every
    timeline) is derived from this row afterwards, in a transaction of its own, so the invitations
    are marked 已失效 as fast as a bare UPDATE marks them, and a fan-out that fails is retried by
    the next run (``fanned_out_at`` is still empty) without writing anything twice.
    """

    __tablename__ = "invitation_expiry"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The ``expired_at`` the run stamped on its rows.
    at: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer)
    fanned_out_at: Mapped[datetime | None]

    __table_args__ = (
        # The runs still to fan out: a handful at most, found without reading the history.
        Index("ix_invitation_expiry_pending", "id", sqlite_where=text("fanned_out_at IS NULL"),
              postgresql_where=text("fanned_out_at IS NULL")),
    )


class TerminationRequest(Base):
    """A 解约申请 on a signed online agreement (§4.2, OT-1…OT-5)."""

    __tablename__ = "termination_request"
    __audit_type__ = "termination_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("online_agreement.id"))
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    #: graduate | employer: who started it; the other side answers (OT-2).
    initiator: Mapped[str] = mapped_column(String(10))
    initiator_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason_code: Mapped[str] = mapped_column(String(4))
    explanation: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    answered_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    agreement: Mapped[OnlineAgreement] = relationship()

    __table_args__ = (
        CheckConstraint(f"status IN ({_in(TERMINATION_STATUSES)})", name="status_known"),
        CheckConstraint("initiator IN ('graduate','employer')", name="initiator_known"),
        Index("uq_termination_open", "agreement_id", unique=True,
              sqlite_where=text(f"status IN ({_in(TERMINATION_OPEN)})"),
              postgresql_where=text(f"status IN ({_in(TERMINATION_OPEN)})")),
        Index("ix_termination_school_status", "school_id", "status"),
    )

    @property
    def status_label(self) -> str:
        return TERMINATION_LABELS[self.status]

    @property
    def other_party(self) -> str:
        return "employer" if self.initiator == "graduate" else "graduate"


class AgreementSerial(Base):
    """The last 9-digit serial used for 协议编号 per school, year and kind (4 online, 2 offline)."""

    __tablename__ = "agreement_serial"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)



# --- offline signing (§4.3), the paper agreement, offline termination (§4.4) ----------------------

OFFLINE_STATUSES = ("draft", "agreement_review", "agreement_returned", "agreement_failed", "agreement_passed",
                    "signing_review", "signing_returned", "signing_failed", "signed", "terminated")
OFFLINE_LABELS = {
    "draft": "未提交",
    "agreement_review": "协议审核中",
    "agreement_returned": "协议审核待提交（老师退回）",
    "agreement_failed": "就业协议审核不通过",
    "agreement_passed": "就业协议审核通过",
    "signing_review": "签约审核中",
    "signing_returned": "签约审核退回",
    "signing_failed": "签约审核不通过",
    "signed": "签约完成",
    "terminated": "已解约",
}
#: Statuses after which the application is over; a new one must be filled (FS-3, FS-7, FT-2).
OFFLINE_ENDED = ("agreement_failed", "signing_failed", "terminated")
OFFLINE_MODES = {"eagreement": "电子就业协议书线下签约", "paper": "已签协议信息登记"}

OFFLINE_TERMINATION_STATUSES = ("draft", "pending", "returned", "approved", "rejected", "cancelled")
OFFLINE_TERMINATION_LABELS = {
    "draft": "未提交",
    "pending": "解约审核中",
    "returned": "退回修改",
    "approved": "解约完成",
    "rejected": "解约失败",
    "cancelled": "已撤销",
}
OFFLINE_TERMINATION_OPEN = ("draft", "pending", "returned")
PAGE_RESULTS = ("match", "other", "none")


class OfflineAgreement(Base):
    """An offline agreement: the e-agreement applied for at the school (§4.3), or one signed on paper.

    ``mode`` eagreement: the form (fig. 21) → 协议审核 → the printable 电子就业协议书 with its 协议编号 →
    the employer stamps it → the stamped pages are returned by the graduate or, through an SMS link,
    by the employer → 签约审核 → 签约完成. ``mode`` paper: an agreement already signed and stamped on paper
    is registered with the same form and its images, and goes to one 签约审核 (FS-9).
    """

    __tablename__ = "offline_agreement"
    __audit_type__ = "offline_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    #: eagreement | paper
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    #: The employer block of fig. 21 (单位名称 … 联系人邮箱), as cleaned by ``signing.offline_forms``.
    unit_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The agreement's terms (职位类别 … 协议补充内容), the same fields as an online invitation's.
    terms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    credit_code: Mapped[str | None] = mapped_column(String(18))
    #: 协议编号 (kind digit 2), given when the agreement review passes (e-agreement) or on submission (paper).
    agreement_no: Mapped[str | None] = mapped_column(String(24))
    #: The printable e-agreement, each page with its page codes (FS-10), and how many pages it has.
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    pdf_pages: Mapped[int | None] = mapped_column(Integer)
    #: After 签约完成: the agreement pages followed by the 签约过程记录 page.
    signed_pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    #: graduate | employer: who submitted the stamped pages last (本人回传 / 用人单位协助回传).
    pages_submitted_by: Mapped[str | None] = mapped_column(String(10))
    #: The employer's upload link (FS-8): its per-link nonce (None: no live link), when and where it was sent.
    link_nonce: Mapped[str | None] = mapped_column(String(32))
    link_sent_at: Mapped[datetime | None]
    link_phone: Mapped[str | None] = mapped_column(String(20))
    link_outbox_id: Mapped[int | None] = mapped_column(ForeignKey("notification_outbox.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    submitted_at: Mapped[datetime | None]
    agreement_passed_at: Mapped[datetime | None]
    pages_submitted_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    terminated_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    graduate: Mapped[Graduate] = relationship()

    __table_args__ = (
        CheckConstraint(f"status IN ({_in(OFFLINE_STATUSES)})", name="status_known"),
        CheckConstraint("mode IN ('eagreement','paper')", name="mode_known"),
        CheckConstraint("status <> 'signed' OR agreement_no IS NOT NULL", name="signed_has_number"),
        CheckConstraint("mode = 'eagreement' OR status NOT IN ('agreement_review','agreement_returned',"
                        "'agreement_failed','agreement_passed')", name="paper_has_one_review"),
        # One offline application per graduate until it ends (failed or terminated).
        Index("uq_offline_agreement_open", "graduate_id", unique=True,
              sqlite_where=text(f"status NOT IN ({_in(OFFLINE_ENDED)})"),
              postgresql_where=text(f"status NOT IN ({_in(OFFLINE_ENDED)})")),
        Index("uq_offline_agreement_agreement_no", "agreement_no", unique=True,
              sqlite_where=text("agreement_no IS NOT NULL"), postgresql_where=text("agreement_no IS NOT NULL")),
        Index("ix_offline_agreement_school_status", "school_id", "status"),
    )

    @property
    def status_label(self) -> str:
        return OFFLINE_LABELS[self.status]

    @property
    def mode_label(self) -> str:
        return OFFLINE_MODES[self.mode]


class OfflinePage(Base):
    """What the page codes of one uploaded image said (FS-10): this agreement's page k, or no code."""

    __tablename__ = "offline_page"

    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("offline_agreement.id"), index=True)
    #: match | none (a page of another agreement is refused at upload and never stored)
    result: Mapped[str] = mapped_column(String(8))
    page: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (CheckConstraint("result IN ('match','other','none')", name="result_known"),)


class OfflineTermination(Base):
    """A 线下解约 application on a completed offline agreement (§4.4, FT-1, FT-2)."""

    __tablename__ = "offline_termination"
    __audit_type__ = "offline_termination"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("offline_agreement.id"))
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    reason_code: Mapped[str] = mapped_column(String(4))
    explanation: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    agreement: Mapped[OfflineAgreement] = relationship()

    __table_args__ = (
        CheckConstraint(f"status IN ({_in(OFFLINE_TERMINATION_STATUSES)})", name="status_known"),
        Index("uq_offline_termination_open", "agreement_id", unique=True,
              sqlite_where=text(f"status IN ({_in(OFFLINE_TERMINATION_OPEN)})"),
              postgresql_where=text(f"status IN ({_in(OFFLINE_TERMINATION_OPEN)})")),
        Index("ix_offline_termination_school_status", "school_id", "status"),
    )

    @property
    def status_label(self) -> str:
        return OFFLINE_TERMINATION_LABELS[self.status]
