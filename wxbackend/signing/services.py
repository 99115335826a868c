"""Online signing (ON-1…ON-10) and online termination (OT-1…OT-5): every transition, one function each.

Functions add to the session and flush; callers commit. Every state change is a conditional
UPDATE on the row's expected status (and, for answers, on the deadline), so two devices, a
double click or the expiry job racing a graduate produce one change and a clean refusal.
The graduate's one current destination is ``destination_claim`` (D-1), claimed in the
accepting transaction and released when the agreement fails or is terminated.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from stdnum.cn import uscc

from wxbackend.accounts import deadlines, qualification
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Employer, Graduate, School, User
from wxbackend.accounts.scope import scope_filter
from wxbackend.core import audit, timeutil
from wxbackend.core.audit import Actor
from wxbackend.core.codes import code_list, region_at_start
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden, NotFound
from wxbackend.core.jobs import enqueue
from wxbackend.destinations import services as destinations
from wxbackend.notify import NotificationOutbox, notify_graduate, queue_sender
from wxbackend.review import engine as review
from wxbackend.review import history
from wxbackend.review.engine import Outcome
from wxbackend.signing import forms
from wxbackend.signing.models import (
    STATUS_LABELS,
    AgreementSerial,
    InvitationExpiry,
    OnlineAgreement,
    TerminationRequest,
)
from wxbackend.transfers import services as transfers
from wxbackend.transfers.models import TransferInfo

KIND = "online_agreement"
TERMINATION_KIND = "termination"
#: The kind digit of 协议编号: 4 online, 2 offline.
ONLINE_DIGIT = "4"
EXPLANATION_MAX = 200

MSG_EXPIRED = "已超过应约截止时间，签约邀请已失效"
MSG_SIGNED_ELSEWHERE = "你已接受其他单位的签约邀请，其他邀请只能查看，不能操作"
MSG_DIRECTED = "定向/委培毕业生不可网签"


# --- ON-2: the deadline -----------------------------------------------------------------


def deadline_for(invited_at: datetime, days: int) -> datetime:
    """应约截止时间: 00:00 of the day after (invitation date + days), Asia/Shanghai (ON-2)."""
    return timeutil.start_of_day(timeutil.local(invited_at).date() + timedelta(days=days + 1))


# --- loading ------------------------------------------------------------------------------


def get_for_graduate(graduate: Graduate, agreement_id: int) -> OnlineAgreement:
    row = db.session.get(OnlineAgreement, agreement_id, populate_existing=True)
    if row is None or row.graduate_id != graduate.id:
        raise NotFound()
    return row


def get_for_employer(user: User, agreement_id: int) -> OnlineAgreement:
    row = db.session.get(OnlineAgreement, agreement_id, populate_existing=True)
    if row is None or user.role != "employer" or row.employer_id != user.employer_id:
        raise NotFound()
    return row


def find_graduate(name: str, identifier: str) -> Graduate:
    """The graduate an employer names: exact 姓名 plus 身份证号 or 考生号 — never a browsable list."""
    name = (name or "").strip()
    identifier = (identifier or "").strip().upper()
    errors = {}
    if not name:
        errors["name"] = "请填写毕业生姓名"
    if not identifier:
        errors["identifier"] = "请填写身份证号或考生号"
    if errors:
        raise ApiError("invalid_fields", "请填写毕业生姓名和身份证号（或考生号）", errors)
    column = Graduate.id_number if len(identifier) == 18 else Graduate.exam_no
    found = list(db.session.scalars(
        select(Graduate).where(Graduate.name == name, column == identifier, Graduate.deleted_at.is_(None))
        .order_by(Graduate.id.desc()).limit(2)
    ))
    if not found:
        raise ApiError("graduate_not_found", "未找到姓名与身份证号（或考生号）一致的毕业生，请核对后重试",
                       {"identifier": "未找到相符的毕业生"}, status=404)
    return found[0]


# --- ON-1, ON-5, ON-6: inviting -----------------------------------------------------------


def employer_info(employer: Employer) -> dict[str, Any]:
    """The employer block of fig. 9 as it stands now (copied into each invitation)."""
    return {
        "name": employer.name,
        "credit_code": employer.credit_code,
        "unit_nature": employer.unit_nature,
        "industry": employer.industry,
        "address_region": employer.address_region,
        "address_detail": employer.address_detail,
        "contact_name": employer.contact_name,
        "contact_phone": employer.contact_phone,
        "contact_mobile": employer.contact_mobile,
        "contact_email": employer.contact_email,
    }


def _employer_of(user: User) -> Employer:
    if user.role != "employer" or user.employer is None or not user.active:
        raise Forbidden("只有已注册的用人单位可以发起签约邀请")
    return user.employer


def invite(user: User, graduate: Graduate, response_days: Any, terms: Any) -> OnlineAgreement:
    """Send a 签约邀请 (§4.1.1). Being signed elsewhere does not stop it (ON-5)."""
    employer = _employer_of(user)
    qualification.require_qualified(employer)  # EM-1
    if not uscc.is_valid(employer.credit_code):  # ON-1: registration checks it; guard old rows too
        raise ApiError("invalid_credit_code", "单位统一社会信用代码无效（校验位不符），不能发起签约邀请",
                       {"credit_code": "统一社会信用代码无效"}, status=403)
    if graduate.deleted_at is not None:
        raise NotFound()
    if graduate.is_directed:
        raise ApiError("graduate_directed", f"{MSG_DIRECTED}，不能向其发起签约邀请", status=409)
    errors: dict[str, str] = {}
    days = clean = None
    try:
        days = forms.clean_response_days(response_days)
    except ApiError as err:
        errors.update(err.fields)
    try:
        clean = forms.clean_terms(terms)
    except ApiError as err:
        errors.update({f"terms.{k}" if k != "terms" else k: v for k, v in err.fields.items()})
    if errors:
        raise ApiError("invalid_fields", "签约信息有误，请按提示修改", errors)
    assert days is not None and clean is not None
    now = timeutil.now()
    _expire(and_(OnlineAgreement.employer_id == employer.id, OnlineAgreement.graduate_id == graduate.id), now,
            fan_out_now=True)
    pending = _waiting_invitation(employer.id, graduate.id)
    if pending is not None:
        raise _already_invited(pending)
    info = employer_info(employer)
    row = OnlineAgreement(
        employer_id=employer.id, graduate_id=graduate.id, school_id=graduate.school_id,
        department_id=graduate.department_id, invited_by_user_id=user.id, status="waiting", invited_at=now,
        response_days=days, deadline=deadline_for(now, days), terms=clean, employer_info=info,
        unit_name=employer.name, credit_code=employer.credit_code, updated_at=now, version=1,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent invitation to the same graduate won (ON-6)
        db.session.rollback()
        pending = _waiting_invitation(employer.id, graduate.id)
        raise _already_invited(pending) from None
    audit.record(actor_for(user), "signing.invite", row, graduate_id=graduate.id, deadline=row.deadline)
    history.record(actor_for(user), KIND, row.id, "invite", graduate_id=graduate.id, school_id=row.school_id,
                   at=now, response_days=days)
    notify_graduate(graduate.id, "invitation_received", "收到签约邀请",
                    f"{employer.name}向您发起了签约邀请（{forms.field('position').field.display(clean['position'])}），"
                    f"请在{timeutil.fmt(row.deadline)}前登录回应。", {"agreement_id": row.id})
    return row


def _waiting_invitation(employer_id: int, graduate_id: int) -> OnlineAgreement | None:
    return db.session.scalar(select(OnlineAgreement).where(
        OnlineAgreement.employer_id == employer_id, OnlineAgreement.graduate_id == graduate_id,
        OnlineAgreement.status == "waiting"))


def _already_invited(pending: OnlineAgreement | None) -> Conflict:
    until = f"（应约截止时间 {timeutil.fmt(pending.deadline)}）" if pending else ""
    return Conflict("already_invited",
                    f"您对该毕业生的签约邀请仍在应约有效期内{until}，不能重复邀请；毕业生拒绝或邀请失效后可再次邀请")


# --- ON-3, ON-4: the graduate's answer ---------------------------------------------------------


def answer_refusal(row: OnlineAgreement, now: datetime, claim_kind: str | None, claim_id: int | None,
                   answer: str) -> str | None:
    """Why the graduate cannot accept/decline *row* now, or None (shown in lists and enforced)."""
    if row.status != "waiting":
        return f"该签约邀请当前状态为“{STATUS_LABELS[row.status]}”，不能再回应"
    if row.is_overdue(now):
        return MSG_EXPIRED
    if claim_kind == KIND and claim_id != row.id:
        return MSG_SIGNED_ELSEWHERE
    if answer == "accept" and claim_kind is not None:
        label = destinations.CLAIM_LABELS.get(claim_kind, claim_kind)
        return f"你已有当前毕业去向（{label}），需先结束后才能接受签约邀请"
    return None


def accept(graduate: Graduate, agreement_id: int) -> OnlineAgreement:
    """接受: the agreement goes to department, then school review (ON-3, ON-4, ON-8, D-1)."""
    deadlines.require_open(graduate)  # RP-2
    row = get_for_graduate(graduate, agreement_id)
    now = _check_answerable(graduate, row, "accept")
    # The claim decides between concurrent accepts (D-1): the losers fail here, on its key.
    try:
        destinations.claim(graduate.id, KIND, row.id)
    except Conflict:
        claim = destinations.current_claim(graduate.id)
        if claim is None or claim.kind != KIND:
            raise
        if claim.subject_id == row.id:  # a double tap: this invitation was just accepted
            raise Conflict("not_waiting", "该签约邀请已接受，正在审核中") from None
        raise Conflict("signed_elsewhere", MSG_SIGNED_ELSEWHERE) from None
    try:
        answered = _answer(row, now, status="reviewing", answered_at=now)
    except IntegrityError:  # uq_online_agreement_live: another agreement of this graduate is live (ON-4)
        db.session.rollback()
        raise Conflict("signed_elsewhere", MSG_SIGNED_ELSEWHERE) from None
    if not answered:
        conflict = _answer_conflict(row)
        db.session.rollback()  # drop the claim taken above
        raise conflict
    history.record(actor_for(graduate), KIND, row.id, "accept", graduate_id=graduate.id, school_id=row.school_id,
                   at=now)
    review.submit(actor_for(graduate), KIND, row.id, graduate, allow_return=False)
    audit.record(actor_for(graduate), "signing.accept", row)
    return row


DECLINE_REASON_MAX = 200


def clean_decline_reason(reason: Any) -> str | None:
    """The graduate's optional 拒绝原因 (ON-12): text of at most 200 characters, or None."""
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise ApiError("invalid_fields", "拒绝原因应为文字", {"reason": "应为文字"})
    reason = reason.strip()
    if len(reason) > DECLINE_REASON_MAX:
        raise ApiError("invalid_fields", f"拒绝原因不能超过{DECLINE_REASON_MAX}字",
                       {"reason": f"不能超过{DECLINE_REASON_MAX}字（现为{len(reason)}字）"})
    return reason or None


def decline(graduate: Graduate, agreement_id: int, reason: Any = None) -> OnlineAgreement:
    """拒绝, with an optional reason the employer sees (ON-12).

    The invitation ends; the employer may invite again (ON-6).
    """
    deadlines.require_open(graduate)  # RP-2
    text = clean_decline_reason(reason)
    row = get_for_graduate(graduate, agreement_id)
    now = _check_answerable(graduate, row, "decline")
    if not _answer(row, now, status="declined", answered_at=now, decline_reason=text):
        raise _answer_conflict(row)
    audit.record(actor_for(graduate), "signing.decline", row, reason=text)
    history.record(actor_for(graduate), KIND, row.id, "decline", graduate_id=graduate.id, school_id=row.school_id,
                   at=now, reason=text)
    return row


def withdraw_invitation(user: User, agreement_id: int) -> OnlineAgreement:
    """撤回 a waiting invitation before the graduate answers (ON-11); the employer may then invite again (ON-6).

    The same conditional UPDATE as the graduate's answer: of a withdrawal and an answer arriving
    together exactly one wins, and the other gets a clean refusal.
    """
    row = get_for_employer(user, agreement_id)
    now = timeutil.now()
    if row.status != "waiting" or row.is_overdue(now):
        raise Conflict("not_waiting", f"该签约邀请当前状态为“{row.effective_status_label(now)}”，不能撤回；"
                                      "只有等待毕业生应约的邀请可以撤回")
    if not _answer(row, now, status="withdrawn", withdrawn_at=now):
        conflict = _answer_conflict(row)
        raise Conflict(conflict.code, conflict.message.replace("不能再回应", "不能撤回"))
    actor = actor_for(user)
    audit.record(actor, "signing.withdraw_invitation", row, graduate_id=row.graduate_id)
    history.record(actor, KIND, row.id, "withdraw", graduate_id=row.graduate_id, school_id=row.school_id, at=now)
    notify_graduate(row.graduate_id, "invitation_withdrawn", "签约邀请已撤回",
                    f"{row.unit_name}已撤回对您的签约邀请。", {"agreement_id": row.id})
    return row


def _check_answerable(graduate: Graduate, row: OnlineAgreement, answer: str) -> datetime:
    now = timeutil.now()
    if graduate.is_directed:
        raise ApiError("graduate_directed", MSG_DIRECTED, status=403)
    if row.is_overdue(now):  # ON-3: whether or not the job has run
        raise Conflict("invitation_expired", MSG_EXPIRED)
    claim = destinations.current_claim(graduate.id)
    reason = answer_refusal(row, now, claim.kind if claim else None, claim.subject_id if claim else None, answer)
    if reason is not None:
        code = "not_waiting" if row.status != "waiting" else (
            "signed_elsewhere" if reason == MSG_SIGNED_ELSEWHERE else "destination_exists")
        raise Conflict(code, reason)
    return now


def _answer(row: OnlineAgreement, now: datetime, **values: Any) -> bool:
    """waiting → *values*, only before the deadline and only if nobody changed it meanwhile."""
    result = db.session.execute(
        update(OnlineAgreement)
        .where(OnlineAgreement.id == row.id, OnlineAgreement.status == "waiting", OnlineAgreement.deadline > now)
        .values(version=OnlineAgreement.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.refresh(row)
    return True


def _answer_conflict(row: OnlineAgreement) -> Conflict:
    db.session.refresh(row)
    if row.status == "waiting":
        return Conflict("invitation_expired", MSG_EXPIRED)
    return Conflict("not_waiting", f"该签约邀请当前状态为“{row.status_label}”，不能再回应")


# --- ON-3: the expiry job ----------------------------------------------------------------------


def _expire(where: Any, now: datetime, *, fan_out_now: bool) -> int:
    """Mark waiting invitations past their deadline as 已失效 (ON-3) and note the run; returns how many.

    One UPDATE, which re-checks ``status = 'waiting'`` row by row, so an answer committed meanwhile
    is never overwritten (the stale-guard), and one ``InvitationExpiry`` row for the run. The message
    to each graduate and each invitation's ``expire`` record event are derived from that row by
    ``fan_out`` — in this transaction with *fan_out_now* (a few rows expired on the way), otherwise
    in the next one (the scheduled job), so marking half a million invitations costs what a bare
    UPDATE costs and the messages follow within seconds.
    """
    result = db.session.execute(
        update(OnlineAgreement)
        .where(where, OnlineAgreement.status == "waiting", OnlineAgreement.deadline <= now)
        .values(status="expired", expired_at=now, updated_at=now, version=OnlineAgreement.version + 1)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0  # type: ignore[attr-defined]
    if count:
        run = InvitationExpiry(at=now, count=count)
        db.session.add(run)
        db.session.flush()
        if fan_out_now:
            fan_out(run)
    return count


def expire_due(now: datetime | None = None) -> int:
    """The scheduled job's first transaction: every waiting invitation past its deadline, in one UPDATE.

    Its messages and events are written by ``fan_out_pending`` once this has committed."""
    return _expire(true(), now or timeutil.now(), fan_out_now=False)


def fan_out_pending() -> int:
    """Fan out every expiry run not fanned out yet (the job's second transaction, and the retry of a
    run whose fan-out failed); returns how many messages it queued. Concurrent callers skip the runs
    another has locked."""
    runs = db.session.scalars(
        select(InvitationExpiry).where(InvitationExpiry.fanned_out_at.is_(None))
        .order_by(InvitationExpiry.id).with_for_update(skip_locked=True)
    ).all()
    return sum(fan_out(run) for run in runs)


def fan_out(run: InvitationExpiry) -> int:
    """One message and one system ``expire`` record event (RV-6) for each invitation *run* expired.

    Set-based: INSERT … SELECT from the invitations stamped with the run's instant. An invitation
    that already has its expire event is skipped, so a run fanned out again (a retry after a failure,
    or two runs under one frozen clock) writes nothing twice. On PostgreSQL both INSERTs are one
    statement fed by one scan; SQLite cannot put an INSERT in a WITH, so there they are two.
    """
    now = timeutil.now()
    system = audit.SYSTEM
    a = OnlineAgreement.__table__.alias("a")
    done = (select(history.RecordEvent.id)
            .where(history.RecordEvent.kind == KIND, history.RecordEvent.subject_id == a.c.id,
                   history.RecordEvent.action == "expire"))
    due = (a.c.status == "expired", a.c.expired_at == run.at, ~done.exists())
    columns = ["created_at", "graduate_id", "kind", "title", "body", "data", "attempts", "status"]
    event_columns = ["at", "kind", "subject_id", "graduate_id", "school_id", "actor_type", "actor_name", "role",
                     "action", "data", "channel"]

    def message(source: Any, payload: Any) -> Any:
        return select(literal(now, type_=NotificationOutbox.created_at.type), source.c.graduate_id,
                      literal("invitation_expired"), literal("签约邀请已失效"),
                      source.c.unit_name.concat("的签约邀请已超过应约截止时间，已失效。"), payload, literal(0),
                      literal("pending"))

    def event(source: Any, payload: Any) -> Any:
        return select(literal(run.at, type_=history.RecordEvent.at.type), literal(KIND), source.c.id,
                      source.c.graduate_id, source.c.school_id, literal(system.actor_type), literal(system.name),
                      literal(system.role), literal("expire"), payload, literal("system"))

    if db.engine.dialect.name == "postgresql":
        rows = select(a.c.id, a.c.graduate_id, a.c.school_id, a.c.unit_name).where(*due).cte("due")
        queued = insert(NotificationOutbox).from_select(
            columns, message(rows, func.jsonb_build_object("agreement_id", rows.c.id))
        ).returning(NotificationOutbox.id).cte("queued")
        recorded = insert(history.RecordEvent).from_select(
            event_columns, event(rows, func.jsonb_build_object())
        ).returning(history.RecordEvent.id).cte("recorded")
        # psycopg reports no row count for a WITH … INSERT; the statement counts its own rows.
        # ``recorded`` is not read: add_cte puts it in the WITH, where PostgreSQL runs it to completion.
        sent = db.session.scalar(select(func.count()).select_from(queued).add_cte(recorded)) or 0
    else:
        sent = db.session.execute(insert(NotificationOutbox).from_select(
            columns, message(a, func.json_object("agreement_id", a.c.id)).where(*due))
        ).rowcount or 0  # type: ignore[attr-defined]
        db.session.execute(insert(history.RecordEvent).from_select(
            event_columns, event(a, func.json_object()).where(*due)))
    db.session.execute(update(InvitationExpiry).where(InvitationExpiry.id == run.id)
                       .values(fanned_out_at=now).execution_options(synchronize_session=False))
    if sent:
        queue_sender()  # the INSERT … SELECT wrote the messages without going through notify_graduate()
    return sent


# --- ON-8, ON-9, ON-10: review outcomes -----------------------------------------------------


def next_agreement_no(school: School, when: datetime, digit: str = ONLINE_DIGIT) -> str:
    """协议编号 = year + kind digit + 5-digit school code + 9-digit serial.

    The serial comes from one counter row per (school, year, kind), incremented in place: the
    row lock serialises concurrent passes and the unique ``agreement_no`` backs it up.
    """
    year = timeutil.local(when).year
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(AgreementSerial).values(school_id=school.id, year=year, kind=digit, last=0)
        .on_conflict_do_nothing()
    )
    serial = db.session.execute(
        update(AgreementSerial)
        .where(AgreementSerial.school_id == school.id, AgreementSerial.year == year, AgreementSerial.kind == digit)
        .values(last=AgreementSerial.last + 1).returning(AgreementSerial.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"{year}{digit}{int(school.code):05d}{serial:09d}"


def _set(row: OnlineAgreement | TerminationRequest, expected: str, **values: Any) -> bool:
    """Move *row* from status *expected* to *values* (conditional UPDATE, version bumped); True if it moved."""
    model = type(row)
    if model is OnlineAgreement:
        values.setdefault("updated_at", timeutil.now())
    result = db.session.execute(
        update(model).where(model.id == row.id, model.status == expected)
        .values(version=model.version + 1, **values).execution_options(synchronize_session=False)
    )
    db.session.refresh(row)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _agreement_reviewed(outcome: Outcome) -> None:
    row = db.session.get(OnlineAgreement, outcome.item.subject_id, populate_existing=True)
    if row is None:  # pragma: no cover - an item without its agreement (engine tests use bare items)
        return
    now = timeutil.now()
    if outcome.action == "reject":  # ON-9: 签约失败; the graduate is free again (ON-4)
        _set(row, "reviewing", status="failed", failed_at=now, failed_reason=outcome.reason)
        history.record(audit.SYSTEM, KIND, row.id, "fail", graduate_id=row.graduate_id, school_id=row.school_id,
                       reason=outcome.reason, at=now, item_id=outcome.item.id)
        destinations.release(row.graduate_id, KIND, row.id)
    elif outcome.action == "pass" and outcome.final:  # ON-8
        school = db.session.get(School, row.school_id)
        assert school is not None
        _set(row, "reviewing", status="signed", signed_at=now, agreement_no=next_agreement_no(school, now))
        history.record(audit.SYSTEM, KIND, row.id, "sign", graduate_id=row.graduate_id, school_id=row.school_id,
                       at=now, agreement_no=row.agreement_no, item_id=outcome.item.id)
        destinations.changed(row.graduate_id, KIND, row.id, "signed")
        sync_transfer_info(row, school)
        enqueue("jobs.pdf.render_agreement_pdf", row.id)


def sync_transfer_info(row: OnlineAgreement, school: School) -> list[TransferInfo]:
    """ON-10: copy the archive and hukou blocks into the modules the school has enabled."""
    return sync_terms(row.graduate_id, school, KIND, row.id, row.terms)


def sync_terms(graduate_id: int, school: School, source_kind: str, source_id: int,
               terms: dict[str, Any]) -> list[TransferInfo]:
    """The archive and hukou blocks of a signed agreement's *terms* (online or offline) into transfers.

    The agreement's forms have an address line and no region field; the region the line starts with
    (北京市海淀区… → 110108) becomes the info's region, as the modules' own forms have it, so reports,
    the dispatch and verification reports name the 所在地. A line that starts with no region name leaves
    it out."""
    graduate = db.session.get(Graduate, graduate_id)
    assert graduate is not None
    archive = hukou = None
    if school.archive_module_enabled:
        archive = {k: terms.get(k) for k in (
            "archive_transfer_type", "archive_unit_name", "archive_unit_address", "archive_contact",
            "archive_phone", "archive_postcode")}
        region = region_at_start(terms.get("archive_unit_address"))
        if region:
            archive["archive_unit_region"] = region
    if school.hukou_module_enabled and graduate.hukou_at_school is True:
        hukou = {k: terms.get(k) for k in ("hukou_transfer_type", "hukou_address")}
        region = region_at_start(terms.get("hukou_address"))
        if region:
            hukou["hukou_region"] = region
    return transfers.sync_from_source(graduate_id, source_kind=source_kind, source_id=source_id,
                                      archive=archive, hukou=hukou)


# --- OT-1…OT-4: termination ---------------------------------------------------------------


def termination_reasons() -> list[tuple[str, str]]:
    return code_list("termination_reason").choices()


def open_termination(agreement_id: int) -> TerminationRequest | None:
    return db.session.scalar(select(TerminationRequest).where(
        TerminationRequest.agreement_id == agreement_id, TerminationRequest.status.in_(("waiting", "reviewing"))))


#: 其他原因 in the termination_reason list: it says nothing by itself, so 解约说明 is then required.
REASON_OTHER = "99"
MSG_OTHER_NEEDS_EXPLANATION = "解约原因为“其他原因”时，请填写解约说明"


def start_termination(party: str, actor: Actor, row: OnlineAgreement, reason_code: Any, explanation: Any,
                      user: User | None = None) -> TerminationRequest:
    """申请解约 by the graduate or the employer (OT-1); the other side answers (OT-2)."""
    if party == "graduate":
        deadlines.require_open(row.graduate)  # RP-2
    errors: dict[str, str] = {}
    code = code_list("termination_reason").resolve(str(reason_code)) if reason_code not in (None, "") else None
    if code is None:
        errors["reason"] = "请选择解约原因" if reason_code in (None, "") else "解约原因不在列表中"
    text = explanation.strip() if isinstance(explanation, str) else ""
    if explanation is not None and not isinstance(explanation, str):
        errors["explanation"] = "解约说明应为文字"
    elif len(text) > EXPLANATION_MAX:
        errors["explanation"] = f"解约说明不能超过{EXPLANATION_MAX}个字（现为{len(text)}个字）"
    elif code == REASON_OTHER and not text:
        errors["explanation"] = MSG_OTHER_NEEDS_EXPLANATION
    if errors:
        raise ApiError("invalid_fields", "解约申请有误，请按提示修改", errors)
    db.session.refresh(row)
    if row.status != "signed":
        raise Conflict("not_signed", f"只有签约完成的网上签约可以申请解约（当前：{row.status_label}）")
    if open_termination(row.id) is not None:
        raise Conflict("termination_open", "该协议已有进行中的解约申请")
    req = TerminationRequest(
        agreement_id=row.id, graduate_id=row.graduate_id, employer_id=row.employer_id, school_id=row.school_id,
        department_id=row.department_id, initiator=party, initiator_user_id=user.id if user else None,
        reason_code=code, explanation=text or None, status="waiting", created_at=timeutil.now(), version=1,
    )
    db.session.add(req)
    try:
        db.session.flush()
    except IntegrityError:  # OT-4 under concurrency
        db.session.rollback()
        raise Conflict("termination_open", "该协议已有进行中的解约申请") from None
    audit.record(actor, "signing.termination_start", req, agreement_id=row.id, initiator=party, reason=code)
    history.record(actor, TERMINATION_KIND, req.id, "start", graduate_id=req.graduate_id, school_id=req.school_id,
                   reason=req.explanation, at=req.created_at, initiator=party, agreement_id=row.id, reason_code=code)
    if party == "employer":
        notify_graduate(row.graduate_id, "termination_received", "收到解约申请",
                        f"{row.unit_name}向您发起了解约申请，请登录查看并回应。", {"termination_id": req.id})
    return req


def get_termination(termination_id: int) -> TerminationRequest:
    req = db.session.get(TerminationRequest, termination_id, populate_existing=True)
    if req is None:
        raise NotFound()
    return req


def answer_termination(party: str, actor: Actor, req: TerminationRequest, accept: bool) -> TerminationRequest:
    """The other side accepts (→ department and school review) or rejects (→ fails, OT-2)."""
    if req.initiator == party:
        raise Forbidden("解约申请需由另一方回应", code="not_other_party")
    if party == "graduate":
        deadlines.require_open(req.agreement.graduate)  # RP-2
    now = timeutil.now()
    if not _set(req, "waiting", status="reviewing" if accept else "declined", answered_at=now):
        raise Conflict("not_waiting", f"该解约申请当前状态为“{req.status_label}”，不能再回应")
    audit.record(actor, "signing.termination_accept" if accept else "signing.termination_decline", req)
    history.record(actor, TERMINATION_KIND, req.id, "accept" if accept else "decline", graduate_id=req.graduate_id,
                   school_id=req.school_id, at=now)
    if accept:
        graduate = db.session.get(Graduate, req.graduate_id)
        assert graduate is not None
        review.submit(actor, TERMINATION_KIND, req.id, graduate, allow_return=False)
    elif party == "employer":
        notify_graduate(req.graduate_id, "termination_declined", "解约申请被拒绝",
                        "用人单位拒绝了您的解约申请，签约仍有效。", {"termination_id": req.id})
    return req


def cancel_termination(party: str, actor: Actor, req: TerminationRequest) -> TerminationRequest:
    """The side that started it may withdraw it while the other side has not answered."""
    if req.initiator != party:
        raise Forbidden("只有发起方可以撤销解约申请", code="not_initiator")
    if not _set(req, "waiting", status="cancelled"):
        raise Conflict("not_waiting", f"该解约申请当前状态为“{req.status_label}”，不能撤销")
    audit.record(actor, "signing.termination_cancel", req)
    history.record(actor, TERMINATION_KIND, req.id, "cancel", graduate_id=req.graduate_id, school_id=req.school_id)
    return req


def _termination_reviewed(outcome: Outcome) -> None:
    req = db.session.get(TerminationRequest, outcome.item.subject_id, populate_existing=True)
    if req is None:  # pragma: no cover - an item without its request (engine tests use bare items)
        return
    now = timeutil.now()
    if outcome.action == "reject":  # OT-3: the agreement stays valid
        _set(req, "reviewing", status="rejected", decided_at=now, decided_reason=outcome.reason)
    elif outcome.action == "pass" and outcome.final:  # OT-3: 已解约, the graduate is free again
        _set(req, "reviewing", status="approved", decided_at=now)
        row = db.session.get(OnlineAgreement, req.agreement_id, populate_existing=True)
        assert row is not None
        _set(row, "signed", status="terminated", terminated_at=now)
        history.record(audit.SYSTEM, KIND, row.id, "terminate", graduate_id=row.graduate_id,
                       school_id=row.school_id, at=now, termination_id=req.id)
        destinations.release(row.graduate_id, KIND, row.id)
        transfers.void_from_source(KIND, row.id)


def waiting_terminations(user: User) -> Any:
    """OT-5: requests still waiting for the other side, in the reviewer's scope, oldest first.

    Reviewers only: the platform admin, who sees every graduate, is refused here.
    """
    if not user.is_reviewer:
        raise Forbidden()
    return (select(TerminationRequest)
            .where(TerminationRequest.status == "waiting", scope_filter(user, TerminationRequest))
            .order_by(TerminationRequest.created_at, TerminationRequest.id))
