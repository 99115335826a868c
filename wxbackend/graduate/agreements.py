"""The graduates' web: invitations and online agreements (§4.1, figs. 8–12) and termination (§4.2, figs. 14–18).

The same services as the mini-program's API (``signing.services``, ``signing.payload``): the
invitation in the sections of fig. 9 with its 应约截止时间 and, while it can be answered, 接受 and
拒绝 (with an optional reason, ON-12); the review progress; once signed, the PDF (inline or as a
download, served with the web session only); 申请解约 and the answers to the employer's request.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from wxbackend.accounts.actors import actor_for
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, NotFound
from wxbackend.graduate.web import bp, me, module_required, owned, refused
from wxbackend.signing import documents, payload, services
from wxbackend.signing.models import OnlineAgreement, TerminationRequest


def pdf_url(agreement_id: int) -> str:
    return url_for("auth.agreement_pdf", agreement_id=agreement_id)


def _own(agreement_id: int) -> OnlineAgreement:
    graduate = me()
    return owned(lambda: services.get_for_graduate(graduate, agreement_id))


def _own_termination(termination_id: int) -> TerminationRequest:
    def load() -> TerminationRequest:
        req = services.get_termination(termination_id)
        if req.graduate_id != me().id:
            raise NotFound()
        return req

    return owned(load)


#: Fig. 9 reads from the signing to the student; the domain lists the student first (as the PDF does).
SECTION_ORDER = ("签约信息", "用人单位信息", "档案转递", "户口迁移", "协议补充内容", "毕业生信息")


def _agreement_page(row: OnlineAgreement, *, form: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None, message: str | None = None, status: int = 200) -> Any:
    data = payload.agreement_payload(me(), row, pdf_url)
    data["sections"].sort(key=lambda s: SECTION_ORDER.index(s["title"]) if s["title"] in SECTION_ORDER else 99)
    return render_template("graduate/agreement.html", a=data, form=form or {}, errors=errors or {},
                           message=message, decline_max=services.DECLINE_REASON_MAX), status


@bp.get("/graduate/agreements/<int:agreement_id>")
@module_required("destination")
def agreement_page(agreement_id: int):  # type: ignore[no-untyped-def]
    return _agreement_page(_own(agreement_id))


@bp.post("/graduate/agreements/<int:agreement_id>/accept")
@module_required("destination")
def agreement_accept(agreement_id: int):  # type: ignore[no-untyped-def]
    """接受 before the deadline (ON-3); then department and school review (ON-8); others view-only (ON-4)."""
    row = _own(agreement_id)
    target = url_for("auth.agreement_page", agreement_id=row.id)
    try:
        services.accept(me(), row.id)
        db.session.commit()
    except ApiError as err:
        return refused(err, target)
    flash("已接受签约邀请，等待院系及学校审核", "success")
    return redirect(target)


@bp.post("/graduate/agreements/<int:agreement_id>/decline")
@module_required("destination")
def agreement_decline(agreement_id: int):  # type: ignore[no-untyped-def]
    """拒绝 before the deadline, with an optional reason the employer sees (ON-3, ON-6, ON-12)."""
    row = _own(agreement_id)
    target = url_for("auth.agreement_page", agreement_id=row.id)
    reason = (request.form.get("reason") or "").strip() or None
    try:
        services.decline(me(), row.id, reason=reason)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if err.fields:
            return _agreement_page(_own(agreement_id), form={"decline_reason": reason or ""},
                                   errors={f"decline_{k}": v for k, v in err.fields.items()},
                                   message=err.message, status=400)
        return refused(err, target)
    flash("已拒绝签约邀请", "success")
    return redirect(target)


@bp.get("/graduate/agreements/<int:agreement_id>/pdf")
@module_required("destination")
def agreement_pdf(agreement_id: int):  # type: ignore[no-untyped-def]
    """The signed agreement's PDF (ON-8): ``?download=1`` saves it, otherwise the browser shows it inline."""
    row = _own(agreement_id)
    try:
        response = documents.pdf_response(row)
    except ApiError as err:
        if err.code == "pdf_pending":
            flash("电子就业协议书正在生成，请稍后刷新", "warning")
        else:
            flash(err.message, "error")
        return redirect(url_for("auth.agreement_page", agreement_id=row.id))
    if not request.args.get("download"):
        response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
            "attachment", "inline", 1)
    return response


# --- termination (OT-1…OT-4) --------------------------------------------------------------------------


@bp.post("/graduate/agreements/<int:agreement_id>/termination")
@module_required("destination")
def termination_start(agreement_id: int):  # type: ignore[no-untyped-def]
    """申请解约: a reason from the list and an explanation of at most 200 characters (OT-1)."""
    row = _own(agreement_id)
    form = {"reason": request.form.get("reason") or "", "explanation": request.form.get("explanation") or ""}
    try:
        req = services.start_termination("graduate", actor_for(me()), row, form["reason"] or None,
                                         form["explanation"])
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if err.fields:
            return _agreement_page(_own(agreement_id), form=form, errors=err.fields, message=err.message,
                                   status=400)
        return refused(err, url_for("auth.agreement_page", agreement_id=row.id))
    flash("解约申请已提交，等待用人单位回应", "success")
    return redirect(url_for("auth.termination_page", termination_id=req.id))


@bp.get("/graduate/terminations/<int:termination_id>")
@module_required("destination")
def termination_page(termination_id: int):  # type: ignore[no-untyped-def]
    req = _own_termination(termination_id)
    return render_template("graduate/termination.html", t=payload.termination_payload(me(), req))


@bp.post("/graduate/terminations/<int:termination_id>/<any(accept, decline, cancel):action>")
@module_required("destination")
def termination_action(termination_id: int, action: str):  # type: ignore[no-untyped-def]
    """Answer the employer's request (OT-2), or cancel one's own before the employer answers."""
    req = _own_termination(termination_id)
    target = url_for("auth.termination_page", termination_id=req.id)
    actor = actor_for(me())
    try:
        if action == "cancel":
            services.cancel_termination("graduate", actor, req)
        else:
            services.answer_termination("graduate", actor, req, accept=action == "accept")
        db.session.commit()
    except ApiError as err:
        return refused(err, target)
    flash({"accept": "已同意解约，等待院系及学校审核", "decline": "已拒绝解约，签约仍有效",
           "cancel": "已撤销解约申请"}[action], "success")
    return redirect(target)
