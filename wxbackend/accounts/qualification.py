"""单位资质审核 (EM-1): an employer invites only once the platform admin has checked its qualification.

A new employer is 待审核 (``pending``). It submits its 单位名称 and 统一社会信用代码 with an image of
its 营业执照; the platform admin compares the three and approves or sends the submission back with a
reason. An approved employer may later ask to change its name or code: the change is a new submission,
and until it is approved the employer keeps inviting under the name and code that were checked.

The platform admin reviews, not a school: an employer invites graduates of every school, so one
review must hold for all of them, and no school answers for another school's approval.

One submission waits at a time (a partial unique index), and a decision is an UPDATE of a row that
is still pending, so two admins deciding at once, or a decision racing a resubmission, leave one result.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Employer, EmployerQualification, User
from wxbackend.accounts.validation import credit_code_error, normalise_credit_code
from wxbackend.core import audit, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden, NotFound

#: The attachment kind of the 营业执照 image (``attachment.kind``).
KIND = "employer_qualification"
NAME_MAX = 100
REASON_MAX = 200

MSG_NOT_QUALIFIED = {
    "pending": "单位资质尚未审核通过：请在“单位资质”页上传营业执照，平台审核通过后即可发起签约邀请",
    "rejected": "单位资质审核未通过：请按退回原因修改后重新提交，审核通过后即可发起签约邀请",
}
MSG_CODE_TAKEN = "该统一社会信用代码已由其他单位注册"

audit.register_labels({
    "employer.qualification_submit": "提交单位资质审核",
    "employer.qualification_approve": "单位资质审核通过",
    "employer.qualification_reject": "单位资质审核退回",
})


def require_qualified(employer: Employer) -> None:
    """Raise 403 ``employer_not_qualified`` unless the employer's qualification is approved (EM-1)."""
    if not employer.qualified:
        raise ApiError("employer_not_qualified", MSG_NOT_QUALIFIED[employer.qualification_status], status=403)


def pending_submission(employer_id: int) -> EmployerQualification | None:
    return db.session.scalar(select(EmployerQualification).where(
        EmployerQualification.employer_id == employer_id, EmployerQualification.status == "pending"))


def submissions(employer_id: int) -> list[EmployerQualification]:
    """The employer's submissions, newest first (the history on both sides)."""
    return list(db.session.scalars(
        select(EmployerQualification).where(EmployerQualification.employer_id == employer_id)
        .order_by(EmployerQualification.submitted_at.desc(), EmployerQualification.id.desc())))


def clean(form: Any, employer: Employer) -> tuple[dict[str, str], dict[str, str]]:
    """(values, {field: message}) of a submission form: the name and code it asks to be checked."""
    name = str(form.get("name") or "").strip()
    code = normalise_credit_code(form.get("credit_code"))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写单位名称（与营业执照一致）"
    elif len(name) > NAME_MAX:
        errors["name"] = f"单位名称不能超过{NAME_MAX}个字"
    if not code:
        errors["credit_code"] = "请填写统一社会信用代码"
    else:
        problem = credit_code_error(code)
        if problem:
            errors["credit_code"] = problem
        elif db.session.scalar(select(Employer.id).where(Employer.credit_code == code, Employer.id != employer.id)):
            errors["credit_code"] = MSG_CODE_TAKEN
    return {"name": name, "credit_code": code}, errors


def submit(user: User, values: dict[str, str]) -> EmployerQualification:
    """Queue a submission of the clean *values* for review; the caller attaches the 营业执照 and commits.

    A submission of an approved employer that changes neither the name nor the code is refused:
    there is nothing to review.
    """
    employer = user.employer
    if user.role != "employer" or employer is None:
        raise Forbidden("只有用人单位账号可以提交单位资质")
    if employer.qualified and (values["name"], values["credit_code"]) == (employer.name, employer.credit_code):
        raise ApiError("nothing_changed", "单位名称和统一社会信用代码都没有变化，无需重新审核",
                       {"name": "如需变更，请填写新的单位名称或统一社会信用代码"})
    if pending_submission(employer.id) is not None:
        raise Conflict("qualification_pending", "已有一份单位资质正在审核，请等待审核结果后再提交")
    row = EmployerQualification(employer_id=employer.id, name=values["name"], credit_code=values["credit_code"],
                                status="pending", submitted_at=timeutil.now(), submitted_by=user.id)
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a concurrent submission of the same employer got in first
        raise Conflict("qualification_pending", "已有一份单位资质正在审核，请等待审核结果后再提交") from None
    audit.record(actor_for(user), "employer.qualification_submit", employer, submission_id=row.id,
                 name=row.name, credit_code=row.credit_code, change=employer.qualified)
    return row


def pending_count() -> int:
    return db.session.scalar(select(func.count()).where(EmployerQualification.status == "pending")) or 0


def get_submission(admin: User, submission_id: int) -> EmployerQualification:
    if admin.role != "admin":
        raise Forbidden("只有平台管理员可以审核单位资质")
    row = db.session.get(EmployerQualification, submission_id)
    if row is None:
        raise NotFound()
    return row


def decide(admin: User, submission_id: int, approve: bool, reason: str = "") -> EmployerQualification:
    """Approve or send back a pending submission; the caller commits.

    Approving copies the submitted name and code onto the employer (the ones later invitations
    carry); invitations already sent keep theirs. Sending back needs a reason; an employer that was
    approved before stays approved under its old name and code.
    """
    row = get_submission(admin, submission_id)
    reason = (reason or "").strip()
    if not approve:
        if not reason:
            raise ApiError("invalid_fields", "请填写退回原因", {"reason": "请填写退回原因，单位将看到它"})
        if len(reason) > REASON_MAX:
            raise ApiError("invalid_fields", "退回原因过长", {"reason": f"退回原因不能超过{REASON_MAX}个字"})
    now = timeutil.now()
    status = "approved" if approve else "rejected"
    # only a row that is still pending is decided: of two admins deciding at once, one wins
    won = db.session.execute(
        update(EmployerQualification)
        .where(EmployerQualification.id == row.id, EmployerQualification.status == "pending")
        .values(status=status, decided_at=now, decided_by=admin.id, reason=None if approve else reason)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not won:
        db.session.rollback()
        raise Conflict("already_decided", "该资质申请已由其他管理员审核，请刷新后查看")
    db.session.refresh(row)
    employer = db.session.get(Employer, row.employer_id, with_for_update=True)
    assert employer is not None
    before = {"name": employer.name, "credit_code": employer.credit_code, "status": employer.qualification_status}
    if approve:
        employer.name, employer.credit_code = row.name, row.credit_code
        employer.qualification_status = "approved"
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:  # another employer registered the code after it was submitted
            db.session.rollback()
            raise Conflict("duplicate", f"不能通过：{MSG_CODE_TAKEN}，请退回并说明原因",
                           {"credit_code": MSG_CODE_TAKEN}) from None
    elif not employer.qualified:
        employer.qualification_status = "rejected"
    audit.record(actor_for(admin), f"employer.qualification_{'approve' if approve else 'reject'}", employer,
                 submission_id=row.id, before=before, name=row.name, credit_code=row.credit_code,
                 reason=row.reason)
    return row
