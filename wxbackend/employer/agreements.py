"""Employer portal: send an invitation (§4.1.1), follow it, download the agreement, terminate it (§4.2).

The invitation is two steps. The employer names one graduate (姓名 plus 身份证号 or 考生号,
``signing.services.find_graduate`` — there is no list to browse); the page then carries that
graduate to the form in a signed, expiring token bound to the employer, never as a raw id.
Every change goes through ``signing.services``; this module reads forms and renders pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from wxbackend.accounts import qualification
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, User
from wxbackend.accounts.validation import mask_id_number
from wxbackend.core import audit, once, timeutil, tokens
from wxbackend.core.audit import ROLE_LABELS
from wxbackend.core.codes import code_list, region_name
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, NotFound
from wxbackend.core.fields import FormField, form_field
from wxbackend.core.ratelimit import lookup_limit
from wxbackend.core.urls import safe_next
from wxbackend.employer.views import bp, employer_required, employer_user, shown_status
from wxbackend.review import engine, history
from wxbackend.review.history import TimelineEvent
from wxbackend.signing import documents, forms, services
from wxbackend.signing.models import PARTY_LABELS, TERMINATION_OPEN, OnlineAgreement, TerminationRequest

TOKEN_PURPOSE = "employer-invite"
#: How long the found graduate stays selected for the invitation form.
TOKEN_MAX_AGE = 3600
MSG_TOKEN_EXPIRED = "毕业生查找结果已过期，请重新查找"
DEADLINE_RULE = "应约截止时间为邀约日期加有效期天数后的次日零时"


# --- the found graduate, carried in a signed token ------------------------------------------------


def graduate_token(employer_id: int, graduate_id: int) -> str:
    return tokens.dumps(TOKEN_PURPOSE, {"e": employer_id, "g": graduate_id})


def graduate_from_token(token: str, employer_id: int) -> Graduate | None:
    """The graduate a token names, if it is genuine, under an hour old and issued to this employer."""
    data = tokens.loads(TOKEN_PURPOSE, token, max_age=TOKEN_MAX_AGE)
    if not isinstance(data, dict) or data.get("e") != employer_id or not isinstance(data.get("g"), int):
        return None
    graduate = db.session.get(Graduate, data["g"])
    if graduate is None or graduate.deleted_at is not None:
        return None
    return graduate


def graduate_rows(graduate: Graduate) -> list[tuple[str, str]]:
    """What an employer may see of a graduate it names: no full ID number, no contact details."""
    return [
        ("姓名", graduate.name),
        ("毕业院校", graduate.school.name),
        ("院系", graduate.department.name),
        ("专业", graduate.major.name),
        ("学历", code_list("education").label(graduate.education)),
        ("身份证号", mask_id_number(graduate.id_number)),
    ]


# --- the invitation form (fig. 9), rendered from signing.forms ---------------------------------------

SECTIONS = (("job", "岗位信息"), ("archive", "档案转递"), ("hukou", "户口迁移"), ("addendum", "协议补充内容"))


@dataclass
class InviteField(FormField):
    """A field of ``core.fields.form_field`` plus what the invitation form adds to it."""

    #: The transfer-type field that makes this one required when it is a 单位接收 kind.
    unit_receive: str | None = None
    #: Bounds of a ``number`` input.
    min: int | None = None
    max: int | None = None


def _section(key: str) -> str:
    for prefix in ("archive", "hukou", "addendum"):
        if key.startswith(prefix):
            return prefix
    return "job"


@dataclass
class InviteSection:
    title: str
    fields: list[InviteField]
    #: Says when the 单位接收 details of the section become required.
    note: str | None = None


def invite_sections(values: dict[str, Any], errors: dict[str, str]) -> list[InviteSection]:
    """Every field of ``signing.forms.fields()`` as the page draws it, grouped as fig. 9 groups them."""
    by_section: dict[str, list[InviteField]] = {key: [] for key, _label in SECTIONS}
    for f in forms.fields():
        shown = form_field(f.field, values.get(f.key), required=f.required, error=errors.get(f.key))
        by_section[_section(f.key)].append(
            InviteField(**vars(shown), unit_receive=f.unit_receive, min=f.field.min, max=f.field.max))
    unit_labels = "、".join(code_list("transfer_type").label(c) for c in _unit_receive_codes())
    out = []
    for key, title in SECTIONS:
        fields = by_section[key]
        if not fields:
            continue
        switches = sorted({f.unit_receive for f in fields if f.unit_receive})
        note = "；".join(f"{forms.field(k).field.label}为{unit_labels}时，其余各项必填" for k in switches) or None
        out.append(InviteSection(title, fields, note))
    return out


def _unit_receive_codes() -> list[str]:
    return [code for code, _label in code_list("transfer_type").choices() if forms.is_unit_receive(code)]


def _render_find(values: dict[str, str], errors: dict[str, str], message: str | None = None,
                 status: int = 200) -> Any:
    return render_template("employer/invite.html", step=1, values=values, errors=errors, message=message), status


def _pending_invitation(employer_id: int, graduate_id: int) -> OnlineAgreement | None:
    """A still-answerable invitation of this employer to this graduate (shown before the form, ON-6)."""
    return db.session.scalar(select(OnlineAgreement).where(
        OnlineAgreement.employer_id == employer_id, OnlineAgreement.graduate_id == graduate_id,
        OnlineAgreement.effective_status_where("waiting", timeutil.now())))


MSG_SIGNED_ELSEWHERE = "该毕业生已与其他单位签约完成。按规定仍可发送邀请（毕业生需先解约才能接受新的邀请）。"
MSG_SIGNED_HERE = "该毕业生已与贵单位签约完成，仍可发送邀请。"


def _signed_notice(employer_id: int, graduate_id: int) -> str | None:
    """Say before sending that the graduate is signed (ON-5 allows the invitation), never with whom."""
    signed_with = list(db.session.scalars(select(OnlineAgreement.employer_id).where(
        OnlineAgreement.graduate_id == graduate_id, OnlineAgreement.status == "signed").limit(2)))
    if not signed_with:
        return None
    return MSG_SIGNED_HERE if employer_id in signed_with else MSG_SIGNED_ELSEWHERE


def _render_form(user: User, graduate: Graduate, token: str, values: dict[str, Any], errors: dict[str, str],
                 message: str | None = None, status: int = 200) -> Any:
    days = forms.response_days_range()
    today = timeutil.today()
    chosen = str(values.get("response_days") or days["default"])
    preview_days = int(chosen) if chosen.isdigit() and days["min"] <= int(chosen) <= days["max"] else None
    preview = timeutil.fmt(services.deadline_for(timeutil.now(), preview_days)) if preview_days else "--"
    assert user.employer_id is not None
    return render_template(
        "employer/invite.html",
        step=2,
        graduate=graduate,
        graduate_rows=graduate_rows(graduate),
        token=token,
        sections=invite_sections(values, errors),
        values=values,
        errors=errors,
        message=message,
        days=days,
        response_days=chosen,
        today=today.isoformat(),
        deadline_preview=preview,
        deadline_rule=DEADLINE_RULE,
        unit_receive_codes=_unit_receive_codes(),
        pending=_pending_invitation(user.employer_id, graduate.id),
        signed=_signed_notice(user.employer_id, graduate.id),
        # D-2, said before the form is filled in; services.invite refuses it anyway
        refusal=f"{services.MSG_DIRECTED}，不能向其发起签约邀请" if graduate.is_directed else None,
        fmt=timeutil.fmt,
    ), status


@bp.route("/invite", methods=["GET", "POST"])
@employer_required
@lookup_limit()
def invite():  # type: ignore[no-untyped-def]
    """发起签约邀请: step 1 finds the graduate, step 2 sends the invitation (§4.1.1, ON-1, ON-2, ON-6).

    An employer whose qualification is not approved yet (EM-1) finds nobody: it is sent to the
    qualification page before any lookup, so new accounts cannot probe 身份证号 either.
    """
    employer = employer_user().employer
    assert employer is not None
    if not employer.qualified:
        flash(qualification.MSG_NOT_QUALIFIED[employer.qualification_status], "warning")
        return redirect(url_for("employer.qualification"))
    if request.method == "GET":
        again = request.args.get("again", type=int)
        return _invite_again(employer_user(), again) if again else _render_find({}, {})
    if request.form.get("step") == "send":
        return _send_invitation(employer_user())
    return _find_graduate(employer_user())


def _find_graduate(user: User) -> Any:
    values = {"name": (request.form.get("name") or "").strip(),
              "identifier": (request.form.get("identifier") or "").strip().upper()}
    actor = actor_for(user)
    try:
        graduate = services.find_graduate(values["name"], values["identifier"])
    except ApiError as err:
        db.session.rollback()
        if err.code == "graduate_not_found":  # kept, so repeated guessing shows in the audit trail
            audit.record(actor, "employer.find_graduate", object_type="graduate", found=False,
                         identifier=mask_id_number(values["identifier"]))
            db.session.commit()
        return _render_find(values, err.fields, err.message, 400)
    audit.record(actor, "employer.find_graduate", graduate, found=True)
    db.session.commit()
    assert user.employer_id is not None
    return _render_form(user, graduate, graduate_token(user.employer_id, graduate.id), {}, {})


#: Statuses after which the employer may invite the same graduate again (ON-6, ON-9, ON-11).
ENDED = ("declined", "expired", "withdrawn", "failed")


def _invite_again(user: User, agreement_id: int) -> Any:
    """再次邀请 from one of the employer's ended invitations: the same graduate, the earlier terms filled in.

    The graduate was found before, so there is no lookup (and nothing to audit as one); the page
    carries them on in the same signed token as a fresh lookup.
    """
    row = _own(agreement_id)
    graduate = db.session.get(Graduate, row.graduate_id)
    if graduate is None or graduate.deleted_at is not None:
        abort(404)
    assert user.employer_id is not None
    values: dict[str, Any] = {k: "" if v is None else str(v) for k, v in row.terms.items()}
    values["response_days"] = str(row.response_days)
    return _render_form(user, graduate, graduate_token(user.employer_id, graduate.id), values, {})


def _send_invitation(user: User) -> Any:
    assert user.employer_id is not None
    token = request.form.get("token") or ""
    graduate = graduate_from_token(token, user.employer_id)
    if graduate is None:
        flash(MSG_TOKEN_EXPIRED, "warning")
        return redirect(url_for("employer.invite"))
    terms = {f.key: (request.form.get(f.key) or "").strip() for f in forms.fields()}
    days = (request.form.get("response_days") or "").strip()
    values: dict[str, Any] = {**terms, "response_days": days}
    key = once.claim("employer.invite", message="该签约邀请已发出，请勿重复提交",
                     fallback=url_for("employer.home"))
    try:
        row = services.invite(user, graduate, days, terms)
        target = once.done(key, url_for("employer.agreement", agreement_id=row.id))
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if isinstance(err, NotFound):
            flash(MSG_TOKEN_EXPIRED, "warning")
            return redirect(url_for("employer.invite"))
        errors = {key.removeprefix("terms."): message for key, message in err.fields.items()}
        return _render_form(user, graduate, token, values, errors, err.message, err.status)
    flash(f"已向{graduate.name}发出签约邀请，应约截止时间 {timeutil.fmt(row.deadline)}", "success")
    return redirect(target)


# --- the agreement page -----------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: str
    who: str
    text: str
    reason: str | None = None
    kind: str = "info"


#: How the portal words the record's own events (``review.history``), and whether they read well or badly.
RECORD_TEXTS = {
    (services.KIND, "decline"): ("拒绝签约邀请", "bad"),
    (services.KIND, "expire"): ("超过应约截止时间，签约邀请已失效", "bad"),
    (services.KIND, "fail"): ("签约失败", "bad"),
    (services.KIND, "terminate"): ("解约审核通过，协议已解约", "bad"),
    (services.TERMINATION_KIND, "decline"): ("拒绝解约", "bad"),
}


def _event_entry(e: TimelineEvent, kind: str) -> TimelineEntry:
    """One event of ``history.timeline`` of a record of *kind* as a line of the portal's timeline."""
    who = e.actor_name if e.role == "graduate" and e.actor_name else e.role_label
    text, tone, reason = e.action_label, "info", e.reason
    if e.source == "review":
        if e.action in ("submit", "resubmit"):
            text = f"{e.action_label}，进入{e.stage_label or '审核'}"
        elif e.action in ("pass", "reject", "return"):
            # the reviewer's personal name is not the employer's business: the level is shown instead
            who = {"department": "院系", "school": "学校"}.get(e.stage or "", who)
            text = f"审核{e.action_label}"
        tone = {"pass": "ok", "reject": "bad", "return": "bad"}.get(e.action, "info")
    elif e.action == "invite":
        text = f"发出签约邀请，应约有效期{e.data.get('response_days')}天"
    elif e.action == "sign":
        text, tone = f"签约完成，协议编号 {e.data.get('agreement_no')}", "ok"
    elif e.action == "start":
        code = e.data.get("reason_code")
        text = f"{e.action_label}（{code_list('termination_reason').label(code)}）" if code else e.action_label
    elif (kind, e.action) in RECORD_TEXTS:
        text, tone = RECORD_TEXTS[(kind, e.action)]
        reason = None if e.action == "fail" else reason  # the school's reject just above says why
    return TimelineEntry(timeutil.fmt(e.at), who, text, reason, tone)


def _entries(kind: str, events: list[TimelineEvent]) -> list[TimelineEntry]:
    """One line per event, except that an acceptance and the review submission it causes read as one line."""
    out: list[TimelineEntry] = []
    for i, e in enumerate(events):
        if i and e.source == "review" and e.action == "submit" and events[i - 1].action == "accept" \
                and events[i - 1].source == "record":
            out[-1].text += f"，进入{e.stage_label or '审核'}"
            continue
        out.append(_event_entry(e, kind))
    return out


def agreement_timeline(row: OnlineAgreement, graduate: Graduate) -> list[TimelineEntry]:
    """邀约, the graduate's answer, each review step (with reasons) and the outcome, oldest first.

    Read from the one history stream; an invitation past its deadline whose expire event is not written
    yet (the expiry job has not reached it, or has marked it and not fanned out its run yet) already
    reads 已失效 (ON-3: the effective state is computed on read).
    """
    events = history.timeline(services.KIND, row.id)
    out = _entries(services.KIND, events)
    if row.effective_status(timeutil.now()) == "expired" and not any(
            e.source == "record" and e.action == "expire" for e in events):
        text, tone = RECORD_TEXTS[(services.KIND, "expire")]
        out.append(TimelineEntry(timeutil.fmt(row.expired_at or row.deadline), ROLE_LABELS["system"], text,
                                 kind=tone))
    return out


def termination_histories(requests: list[TerminationRequest]) -> dict[int, list[TimelineEntry]]:
    """The timeline of every termination request of the page, in one ``history.timelines`` call."""
    timelines = history.timelines(services.TERMINATION_KIND, [r.id for r in requests])
    return {r.id: _entries(services.TERMINATION_KIND, timelines[r.id]) for r in requests}


def terms_sections(terms: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The invitation's terms (``signing.forms.display_rows``) in fig. 9's groups."""
    groups: dict[str, list[tuple[str, str]]] = {key: [] for key, _label in SECTIONS}
    for key, label, shown in forms.display_rows(terms):
        groups[_section(key)].append((label, shown))
    return [(label, groups[key]) for key, label in SECTIONS if groups[key]]


def employer_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    """The employer block of fig. 9 as it stood when the invitation was sent."""

    def v(key: str) -> str:
        value = info.get(key)
        return "--" if value in (None, "") else str(value)

    def coded(key: str, list_name: str) -> str:
        return code_list(list_name).label(info[key]) if info.get(key) else "--"

    return [
        ("单位名称", v("name")), ("统一社会信用代码", v("credit_code")),
        ("单位性质", coded("unit_nature", "unit_nature")), ("单位行业", coded("industry", "industry")),
        ("通讯地址", region_name(info["address_region"]) if info.get("address_region") else "--"),
        ("详细地址", v("address_detail")), ("单位联系人", v("contact_name")),
        ("联系人固话", v("contact_phone")), ("联系人手机", v("contact_mobile")), ("联系人邮箱", v("contact_email")),
    ]


#: The road of fig. 9's 签约状态, for the progress bar.
ROAD = (("waiting", "等待应约"), ("department", "院系审核"), ("school", "学校审核"), ("signed", "签约完成"))


def _road_position(row: OnlineAgreement, stage: str | None) -> int:
    if row.effective_status(timeutil.now()) == "waiting":
        return 0
    if row.status == "reviewing":
        return 2 if stage == "school" else 1
    if row.status in ("signed", "terminated"):
        return 3
    return -1  # declined, expired, withdrawn, failed: the road ended early


def _own(agreement_id: int) -> OnlineAgreement:
    try:
        return services.get_for_employer(employer_user(), agreement_id)
    except NotFound:
        abort(404)


def _own_termination(termination_id: int) -> TerminationRequest:
    try:
        req = services.get_termination(termination_id)
    except NotFound:
        abort(404)
    if req.employer_id != employer_user().employer_id:
        abort(404)
    return req


def _render_agreement(row: OnlineAgreement, *, form: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None, message: str | None = None, status: int = 200) -> Any:
    graduate = db.session.get(Graduate, row.graduate_id)
    assert graduate is not None
    item = engine.open_item(services.KIND, row.id)
    stage = item.stage if item is not None else None
    label, badge = shown_status(row, stage, timeutil.now())
    requests = list(db.session.scalars(
        select(TerminationRequest).where(TerminationRequest.agreement_id == row.id)
        .order_by(TerminationRequest.created_at.desc(), TerminationRequest.id.desc())))
    open_req = next((r for r in requests if r.status in TERMINATION_OPEN), None)
    sign_rows = [
        ("协议编号", row.agreement_no or "签约完成后生成"),
        ("签约类型", "线上签约"),
        ("签约状态", label),
        ("邀约时间", timeutil.fmt(row.invited_at)),
        ("应约有效期", f"{row.response_days}天"),
        ("应约截止时间", timeutil.fmt(row.deadline)),
        ("毕业生应约时间", timeutil.fmt(row.answered_at)),
    ]
    if row.signed_at:
        sign_rows.append(("签约完成时间", timeutil.fmt(row.signed_at)))
    if row.status == "declined":
        sign_rows.append(("拒绝原因", row.decline_reason or "毕业生未填写"))
    if row.withdrawn_at:
        sign_rows.append(("撤回时间", timeutil.fmt(row.withdrawn_at)))
    if row.status == "failed":
        sign_rows.append(("签约失败原因", row.failed_reason or "--"))
    if row.terminated_at:
        sign_rows.append(("解约时间", timeutil.fmt(row.terminated_at)))
    return render_template(
        "employer/agreement.html",
        row=row,
        graduate=graduate,
        status_label=label,
        status_badge=badge,
        effective_status=row.effective_status(timeutil.now()),
        can_invite_again=row.effective_status(timeutil.now()) in ENDED,
        road=ROAD,
        road_position=_road_position(row, stage),
        sign_rows=sign_rows,
        graduate_rows=[r for r in graduate_rows(graduate) if r[0] != "身份证号"],
        employer_rows=employer_rows(row.employer_info),
        terms_sections=terms_sections(row.terms),
        timeline_entries=agreement_timeline(row, graduate),
        requests=requests,
        request_history=termination_histories(requests),
        open_req=open_req,
        can_terminate=row.status == "signed" and open_req is None,
        has_pdf=row.agreement_no is not None and row.status in ("signed", "terminated"),
        reasons=services.termination_reasons(),
        reason_label=code_list("termination_reason").label,
        party_labels=PARTY_LABELS,
        explanation_max=services.EXPLANATION_MAX,
        form=form or {},
        errors=errors or {},
        message=message,
        fmt=timeutil.fmt,
    ), status


@bp.route("/agreements/<int:agreement_id>")
@employer_required
def agreement(agreement_id: int):  # type: ignore[no-untyped-def]
    """签约邀请 / 就业协议 detail: fig. 9's fields, the review progress and the termination block."""
    return _render_agreement(_own(agreement_id))


@bp.route("/agreements/<int:agreement_id>/withdraw", methods=["POST"])
@employer_required
def withdraw_invitation(agreement_id: int):  # type: ignore[no-untyped-def]
    """撤回 a waiting invitation before the graduate answers (ON-11); back to the page it was asked from."""
    row = _own(agreement_id)
    graduate = db.session.get(Graduate, row.graduate_id)
    name = graduate.name if graduate else ""
    back = safe_next(request.form.get("next"), url_for("employer.agreement", agreement_id=row.id))
    try:
        services.withdraw_invitation(employer_user(), row.id)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        flash(f"撤回失败：{err.message}", "error")
        return redirect(back)
    flash(f"已撤回对{name}的签约邀请；如需要，可再次邀请该毕业生", "success")
    return redirect(back)


@bp.route("/agreements/<int:agreement_id>/pdf")
@employer_required
def agreement_pdf(agreement_id: int):  # type: ignore[no-untyped-def]
    """下载电子就业协议书 (ON-8); while it is still being rendered, say so and come back."""
    row = _own(agreement_id)
    try:
        return documents.pdf_response(row)
    except ApiError as err:
        if err.code == "pdf_pending":
            flash("电子就业协议书正在生成，请稍后刷新", "warning")
        else:
            flash(err.message, "error")
        return redirect(url_for("employer.agreement", agreement_id=row.id))


def _to_terminations(row_id: int) -> Any:
    return redirect(url_for("employer.agreement", agreement_id=row_id) + "#terminations")


@bp.route("/agreements/<int:agreement_id>/terminations", methods=["POST"])
@employer_required
def start_termination(agreement_id: int):  # type: ignore[no-untyped-def]
    """申请解约 (OT-1): a reason from the list and an optional explanation of at most 200 characters."""
    user = employer_user()
    row = _own(agreement_id)
    # Browsers send textarea line breaks as CRLF; count one character per break, as the counter does.
    explanation = (request.form.get("explanation") or "").replace("\r\n", "\n")
    form = {"reason": request.form.get("reason") or "", "explanation": explanation}
    key = once.claim("employer.start_termination", message="解约申请已提交，请勿重复提交",
                     fallback=url_for("employer.agreement", agreement_id=row.id) + "#terminations")
    try:
        services.start_termination("employer", actor_for(user), row, form["reason"] or None,
                                   explanation, user=user)
        once.done(key, url_for("employer.agreement", agreement_id=row.id) + "#terminations")
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        return _render_agreement(_own(agreement_id), form=form, errors=err.fields, message=err.message,
                                 status=err.status)
    flash("已提交解约申请，等待毕业生回应", "success")
    return _to_terminations(row.id)


@bp.route("/terminations/<int:termination_id>/answer", methods=["POST"])
@employer_required
def answer_termination(termination_id: int):  # type: ignore[no-untyped-def]
    """接受 / 拒绝 the graduate's termination request (OT-2); acceptance starts the two reviews (OT-3)."""
    user = employer_user()
    req = _own_termination(termination_id)
    decision = request.form.get("decision")
    if decision not in ("accept", "decline"):
        abort(400)
    try:
        services.answer_termination("employer", actor_for(user), req, decision == "accept")
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        return _render_agreement(_own(req.agreement_id), message=err.message, status=err.status)
    if decision == "accept":
        flash("已同意解约，解约申请已提交院系、学校审核", "success")
    else:
        flash("已拒绝解约，就业协议继续有效", "success")
    return _to_terminations(req.agreement_id)


@bp.route("/terminations/<int:termination_id>/cancel", methods=["POST"])
@employer_required
def cancel_termination(termination_id: int):  # type: ignore[no-untyped-def]
    """撤销 the employer's own request while the graduate has not answered it."""
    user = employer_user()
    req = _own_termination(termination_id)
    try:
        services.cancel_termination("employer", actor_for(user), req)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        return _render_agreement(_own(req.agreement_id), message=err.message, status=err.status)
    flash("已撤销解约申请", "success")
    return _to_terminations(req.agreement_id)

