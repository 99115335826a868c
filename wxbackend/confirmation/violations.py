"""违反“四不准”行为举报 (CF-6): a graduate's report goes to the platform admin, never to the school.

Only the platform admin lists and handles reports; no school-scoped page, list or history reads the
``violation_report`` table, and its audit events carry no school, so a school cannot learn who
reported it. The graduate sees their own reports and whether they were handled.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, User
from wxbackend.accounts.modules import require_confirmed
from wxbackend.accounts.validation import PHONE
from wxbackend.confirmation.models import VIOLATION_KINDS, VIOLATION_TEXT_MAX, ViolationReport
from wxbackend.core import audit, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden, NotFound

PARTY_MAX = 100
NOTE_MAX = 500
audit.ACTION_LABELS.update({"violation.report": "提交违反“四不准”行为举报", "violation.handle": "处理“四不准”举报"})


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    raw = data.get("kinds") or []
    kinds = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list | tuple) else []
    if not kinds:
        errors["kinds"] = "请选择举报的行为"
    elif any(k not in VIOLATION_KINDS for k in kinds):
        errors["kinds"] = "举报的行为不在列表中"
    description = _text(data.get("description"))
    if not description:
        errors["description"] = "请填写情况说明"
    elif len(description) > VIOLATION_TEXT_MAX:
        errors["description"] = f"情况说明不能超过{VIOLATION_TEXT_MAX}字（现为{len(description)}字）"
    party = _text(data.get("party"))
    if len(party) > PARTY_MAX:
        errors["party"] = f"被举报单位或部门不能超过{PARTY_MAX}字"
    mobile = _text(data.get("mobile"))
    if mobile and not PHONE.match(mobile):
        errors["mobile"] = "手机号码应为11位数字，以1开头"
    if errors:
        raise ApiError("invalid_fields", "请按提示填写举报内容", errors)
    return {"kinds": [k for k in VIOLATION_KINDS if k in kinds], "description": description,
            "party": party or None, "mobile": mobile or None}


def file_report(graduate: Graduate, data: dict[str, Any]) -> ViolationReport:
    require_confirmed(graduate)
    values = clean(data)
    row = ViolationReport(graduate_id=graduate.id, concerned_school_id=graduate.school_id, **values)
    db.session.add(row)
    db.session.flush()
    audit.record(actor_for(graduate), "violation.report", row, kinds=values["kinds"])
    return row


def own_reports(graduate_id: int) -> list[ViolationReport]:
    return list(db.session.scalars(select(ViolationReport).where(ViolationReport.graduate_id == graduate_id)
                                   .order_by(ViolationReport.id.desc())))


def _require_admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("“四不准”举报仅由平台管理员查看和处理")


def reports_query(user: User, status: str | None = None) -> Any:
    _require_admin(user)
    stmt = select(ViolationReport).order_by(ViolationReport.id.desc())
    if status in ("new", "handled"):
        stmt = stmt.where(ViolationReport.status == status)
    return stmt


def get_report(user: User, report_id: int) -> ViolationReport:
    _require_admin(user)
    row = db.session.get(ViolationReport, report_id)
    if row is None:
        raise NotFound()
    return row


def handle(user: User, report: ViolationReport, note: str, version: int | None) -> ViolationReport:
    """The admin records what was done; once, with the version the page showed (a second admin gets 409)."""
    _require_admin(user)
    text = _text(note)
    if not text:
        raise ApiError("invalid_fields", "请填写处理情况", {"note": "请填写处理情况"})
    if len(text) > NOTE_MAX:
        raise ApiError("invalid_fields", f"处理情况不能超过{NOTE_MAX}字", {"note": f"不能超过{NOTE_MAX}字"})
    done = db.session.execute(
        update(ViolationReport)
        .where(ViolationReport.id == report.id, ViolationReport.status == "new",
               ViolationReport.version == (version if version is not None else report.version))
        .values(status="handled", handled_by=user.id, handled_at=timeutil.now(), handled_note=text,
                version=ViolationReport.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict("already_handled", "该举报已被处理或已变化，请刷新页面")
    db.session.refresh(report)
    audit.record(actor_for(user), "violation.handle", report)
    return report
