"""去向登记确认 (CF-1 … CF-5): the graduate answers what the school last reported of them.

The page shows the last report (:func:`wxbackend.reporting.services.last_report`) and its date. The
graduate confirms (CF-2) or says it is wrong or has changed (CF-3: the error kinds, a 情况说明 of at
most 500 characters for each chosen kind, a contact mobile), and may take an error report back
(CF-4). One current answer per graduate, guarded by the database.

When does an answer stop holding (CF-5)? A confirmation falls away as soon as the info it confirmed
changes — a destination taken or ended, archive or hukou info set or voided, basic info edited or
deleted (the domain signals) — and again when a new report carries the graduate. An error report stays
while the graduate corrects the info (the school needs to see it), until the next report carrying them
resolves it; the graduate then answers the new report. Between a change and the next report the
graduate cannot confirm: what they would confirm is no longer what was reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import require_module
from wxbackend.accounts.validation import PHONE
from wxbackend.confirmation.models import (
    DESTINATION_CHOICES,
    ERROR_KINDS,
    EXPLANATION_LABELS,
    EXPLANATION_MAX,
    DestinationConfirmation,
)
from wxbackend.core import audit, timeutil
from wxbackend.core.codes import code_list, region_name
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.reporting import services as reporting
from wxbackend.reporting.models import ReportSnapshot

MODULE = "confirmation"
audit.ACTION_LABELS.update({
    "confirmation.confirm": "确认登记去向", "confirmation.report_error": "提交去向信息有误",
    "confirmation.revoke": "撤销信息有误的确认",
})

STATE_MESSAGES = {
    "open": "请根据实际情况，认真核对确认。",
    "awaiting_report": "你的登记信息在上报后已有变化，待学校重新上报后再进行确认。",
    "confirmed": "你已确认登记去向。",
    "error": "你的去向登记信息不准确，请按之前的登记方式更新为正确信息，待学校重新上报后再次进行登记确认。",
}
MSG_REPORT_CHANGED = "学校已重新上报你的去向信息，请核对新的信息后再确认"


@dataclass
class View:
    """What the confirmation page shows: the reported info and what the graduate may do now."""

    #: open | awaiting_report | confirmed | error
    state: str
    snapshot: ReportSnapshot
    reported_at: datetime
    rows: list[dict[str, str]]
    answer: DestinationConfirmation | None
    message: str
    can_answer: bool = False
    can_revoke: bool = False
    errors: list[dict[str, str]] = field(default_factory=list)


def _type_label(code: str | None) -> str:
    return code_list("transfer_type").label(code) if code else "-"


def reported_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    """The lines of fig. 40 from a report snapshot (a line without info reads "-")."""
    rows = [{"label": "毕业去向", "value": data.get("destination_label") or "-"}]
    if data.get("unit_name"):
        rows.append({"label": "单位名称", "value": data["unit_name"]})
    if data.get("admit_school"):
        rows.append({"label": "升学院校", "value": data["admit_school"]})
    rows += [
        {"label": "档案转递类型", "value": _type_label(data.get("archive_transfer_type"))},
        {"label": "档案转递单位名称", "value": data.get("archive_unit_name") or "-"},
        {"label": "档案转递单位所在地", "value": region_name(data.get("archive_unit_region"))},
        {"label": "户口迁移类型", "value": _type_label(data.get("hukou_transfer_type"))},
        {"label": "户口迁移所在地", "value": region_name(data.get("hukou_region"))},
    ]
    return rows


def error_lines(answer: DestinationConfirmation) -> list[dict[str, str]]:
    """An error report as lines: kind (with 有变化/有错误 for the destination) and its explanation."""
    out = []
    for kind, label in ERROR_KINDS.items():
        item = (answer.errors or {}).get(kind)
        if not item:
            continue
        choice = DESTINATION_CHOICES.get(item.get("choice") or "")
        out.append({"kind": kind, "label": f"{label}{choice}" if choice else f"{label}有变化或存在错误",
                    "explanation": item.get("explanation") or ""})
    return out


def current_answer(graduate_id: int) -> DestinationConfirmation | None:
    return db.session.scalar(select(DestinationConfirmation).where(
        DestinationConfirmation.graduate_id == graduate_id, DestinationConfirmation.status == "current"))


def view(graduate: Graduate) -> View | None:
    """The page for *graduate*; None while nothing of theirs has been reported (CF-1)."""
    last = reporting.last_report(graduate.id)
    if last is None:
        return None
    snap, reported_at = last
    answer = current_answer(graduate.id)
    rows = reported_rows(snap.data or {})
    if answer is not None and answer.answer == "confirmed":
        return View("confirmed", snap, reported_at, rows, answer, STATE_MESSAGES["confirmed"])
    if answer is not None:
        return View("error", snap, reported_at, rows, answer, STATE_MESSAGES["error"], can_revoke=True,
                    errors=error_lines(answer))
    if reporting.current_digest(graduate) != snap.digest:
        return View("awaiting_report", snap, reported_at, rows, None, STATE_MESSAGES["awaiting_report"])
    return View("open", snap, reported_at, rows, None, STATE_MESSAGES["open"], can_answer=True)


def facts(graduate: Graduate) -> dict[str, bool]:
    """The module facts (``accounts.modules``): reported at all (CF-1), confirmed and holding (VA-1)."""
    reported = reporting.last_report(graduate.id) is not None
    answer = current_answer(graduate.id) if reported else None
    return {"destination_reported": reported,
            "destination_confirmed": answer is not None and answer.answer == "confirmed"}


def _open_view(graduate: Graduate, snapshot_id: int | None) -> View:
    require_module(graduate, graduate.school, MODULE)
    page = view(graduate)
    if page is None:  # the module lock said so already; kept for a report withdrawn meanwhile
        raise Conflict("not_reported", "学校尚未上报你的毕业去向信息，上报后才能确认")
    if snapshot_id is not None and snapshot_id != page.snapshot.id:
        raise Conflict("report_changed", MSG_REPORT_CHANGED)
    if page.state == "confirmed":
        raise Conflict("already_confirmed", "你已确认登记去向，无需重复提交")
    if page.state == "error":
        raise Conflict("error_reported", "你已提交信息有误；如实际信息无误，请先撤销后再确认")
    if page.state == "awaiting_report":
        raise Conflict("awaiting_report", STATE_MESSAGES["awaiting_report"])
    return page


def _insert(row: DestinationConfirmation) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # uq_destination_confirmation_current: a concurrent 提交 won
        raise Conflict("already_answered", "你已提交过确认，请刷新页面查看") from None


def confirm(graduate: Graduate, snapshot_id: int | None = None) -> DestinationConfirmation:
    """信息无误，确认登记去向 (CF-2). *snapshot_id* is the report the page showed (409 if a newer one came)."""
    page = _open_view(graduate, snapshot_id)
    row = DestinationConfirmation(graduate_id=graduate.id, school_id=graduate.school_id,
                                  department_id=graduate.department_id, answer="confirmed",
                                  snapshot_id=page.snapshot.id, digest=page.snapshot.digest)
    _insert(row)
    audit.record(actor_for(graduate), "confirmation.confirm", row, graduate_id=graduate.id,
                 snapshot_id=page.snapshot.id)
    return row


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def clean_error_report(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The error kinds with their explanations, and the mobile; field errors as ``ApiError`` (CF-3)."""
    errors: dict[str, str] = {}
    chosen: dict[str, Any] = {}
    choice = _text(data.get("destination"))
    if choice and choice not in DESTINATION_CHOICES:
        errors["destination"] = "请选择“有变化”或“有错误”"
    elif choice:
        chosen["destination"] = {"choice": choice}
    for kind in ("archive", "hukou"):
        if data.get(kind) in (True, "1", "on", "true", 1):
            chosen[kind] = {}
    if not chosen and not errors:
        errors["kinds"] = "请至少选择一项错误信息情况"
    for kind, item in chosen.items():
        key = f"{kind}_explanation"
        text = _text(data.get(key))
        if not text:
            errors[key] = f"请填写{EXPLANATION_LABELS[kind]}"
        elif len(text) > EXPLANATION_MAX:
            errors[key] = f"{EXPLANATION_LABELS[kind]}不能超过{EXPLANATION_MAX}字（现为{len(text)}字）"
        else:
            item["explanation"] = text
    mobile = _text(data.get("mobile"))
    if not mobile:
        errors["mobile"] = "请填写手机号码"
    elif not PHONE.match(mobile):
        errors["mobile"] = "手机号码应为11位数字，以1开头"
    if errors:
        raise ApiError("invalid_fields", "请按提示填写错误信息情况", errors)
    return chosen, mobile


def report_error(graduate: Graduate, data: dict[str, Any], snapshot_id: int | None = None) -> DestinationConfirmation:
    """信息有误，需更新后确认 (CF-3): what is wrong or changed, why, and how to reach the graduate."""
    page = _open_view(graduate, snapshot_id)
    chosen, mobile = clean_error_report(data)
    row = DestinationConfirmation(graduate_id=graduate.id, school_id=graduate.school_id,
                                  department_id=graduate.department_id, answer="error",
                                  snapshot_id=page.snapshot.id, digest=page.snapshot.digest, errors=chosen,
                                  mobile=mobile)
    _insert(row)
    audit.record(actor_for(graduate), "confirmation.report_error", row, graduate_id=graduate.id,
                 snapshot_id=page.snapshot.id, kinds=sorted(chosen))
    return row


def revoke(graduate: Graduate) -> DestinationConfirmation:
    """实际信息无误，撤销确认 (CF-4): the error report ends; the graduate may then confirm."""
    require_module(graduate, graduate.school, MODULE)
    answer = current_answer(graduate.id)
    if answer is None or answer.answer != "error":
        raise Conflict("nothing_to_revoke", "没有可撤销的信息有误确认")
    done = db.session.execute(
        update(DestinationConfirmation)
        .where(DestinationConfirmation.id == answer.id, DestinationConfirmation.status == "current")
        .values(status="revoked", ended_at=timeutil.now(), end_reason="revoked")
        .execution_options(synchronize_session=False)).rowcount
    if not done:  # a concurrent revoke or a new report got there first
        raise Conflict("nothing_to_revoke", "没有可撤销的信息有误确认")
    db.session.refresh(answer)
    audit.record(actor_for(graduate), "confirmation.revoke", answer, graduate_id=graduate.id)
    return answer


# -- CF-5: the answer falls away (receivers of the domain signals) -------------------------------------------


def _end_confirmations(graduate_ids: Any, reason: str) -> None:
    db.session.execute(
        update(DestinationConfirmation)
        .where(DestinationConfirmation.graduate_id.in_(graduate_ids), DestinationConfirmation.status == "current",
               DestinationConfirmation.answer == "confirmed")
        .values(status="void", ended_at=timeutil.now(), end_reason=reason)
        .execution_options(synchronize_session=False))


def on_info_changed(_sender: Any, *, graduate_id: int, **_data: Any) -> None:
    """destination_changed / transfer_info_changed: a confirmation of the old info no longer holds."""
    _end_confirmations([graduate_id], "info_changed")


def on_basic_info_changed(_sender: Any, *, graduate_ids: list[int], **_data: Any) -> None:
    _end_confirmations(graduate_ids, "info_changed")


def on_info_reported(_sender: Any, *, batch_id: int, **_data: Any) -> None:
    """A new report of these graduates: confirmations end, error reports are resolved — answer it anew."""
    reported = select(ReportSnapshot.graduate_id).where(ReportSnapshot.batch_id == batch_id)
    _end_confirmations(reported, "reported_again")
    db.session.execute(
        update(DestinationConfirmation)
        .where(DestinationConfirmation.graduate_id.in_(reported), DestinationConfirmation.status == "current",
               DestinationConfirmation.answer == "error")
        .values(status="resolved", ended_at=timeutil.now(), end_reason="reported_again")
        .execution_options(synchronize_session=False))


# -- the school's view: who has not confirmed, who reported an error -----------------------------------------

#: A graduate's confirmation state as the school reads it.
SCHOOL_STATES = {"not_reported": "未上报", "unconfirmed": "未确认", "confirmed": "已确认", "error": "信息有误"}


def _school_state() -> Any:
    from sqlalchemy import case

    from wxbackend.reporting.models import GraduateReport

    return case(
        (GraduateReport.graduate_id.is_(None), "not_reported"),
        (DestinationConfirmation.id.is_(None), "unconfirmed"),
        else_=DestinationConfirmation.answer,
    )


def school_query(school_id: int, year: int, *, department_id: int | None = None, state: str | None = None) -> Any:
    """Rows (Graduate, state, reported_at, answer) of the school's graduates of *year*, by student number."""
    from wxbackend.reporting import snapshot
    from wxbackend.reporting.models import GraduateReport

    state_col = _school_state().label("state")
    stmt = (select(Graduate, state_col, GraduateReport.reported_at, DestinationConfirmation)
            .outerjoin(GraduateReport, GraduateReport.graduate_id == Graduate.id)
            .outerjoin(DestinationConfirmation, (DestinationConfirmation.graduate_id == Graduate.id)
                       & (DestinationConfirmation.status == "current"))
            .where(*snapshot.year_filter(school_id, year)))
    if department_id is not None:
        stmt = stmt.where(Graduate.department_id == department_id)
    if state in SCHOOL_STATES:
        stmt = stmt.where(_school_state() == state)
    return stmt.order_by(Graduate.student_no, Graduate.id)


def school_counts(school_id: int, year: int, *, department_id: int | None = None) -> dict[str, int]:
    from sqlalchemy import func

    sub = school_query(school_id, year, department_id=department_id).order_by(None).subquery()
    out = dict.fromkeys(SCHOOL_STATES, 0)
    for state, n in db.session.execute(select(sub.c.state, func.count()).group_by(sub.c.state)):
        out[state] = n
    return out
