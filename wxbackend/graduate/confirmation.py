"""The graduates' web: 去向登记确认 (§7, figs. 40–42) and the 违反“四不准”行为举报 form (CF-6).

The same payload and services as the mini-program's API (``confirmation.payload``,
``confirmation.services``, ``confirmation.violations``; GW-1). The page shows what the school last
reported and the state of the graduate's answer: one form with the radio 信息无误 / 信息有误 and, for
有误, the error kinds of fig. 41 with their 情况说明 and the contact mobile; the page's script only
hides what is not chosen yet, so the form works without it. Every answer carries the report id the
page showed: a report made meanwhile is refused (409) with its message, and the page shows the new one.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from wxbackend.confirmation import payload, services, violations
from wxbackend.core import once
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.graduate.web import bp, confirmed_required, me, refused

#: The inputs of fig. 41 (names as the service reads them).
ERROR_INPUTS = ("destination", "archive", "hukou", "destination_explanation", "archive_explanation",
                "hukou_explanation", "mobile")
ANSWERS = ("confirmed", "error")


def _home_url(anchor: str = "") -> str:
    return url_for("auth.confirmation_home") + anchor


def _report_id() -> int | None:
    """The report the page showed (hidden ``report_id``); None when absent, as the API allows."""
    raw = (request.form.get("report_id") or "").strip()
    return int(raw) if raw.isdigit() else None


def _posted_answer() -> dict[str, str]:
    return {key: (request.form.get(key) or "").strip() for key in ERROR_INPUTS}


def _page(values: dict[str, str] | None = None, answer: str = "", errors: dict[str, str] | None = None,
          message: str | None = None, status: int = 200) -> Any:
    graduate = me()
    data = payload.page_payload(graduate)
    values = values if values is not None else {"mobile": graduate.phone or ""}
    return render_template("graduate/confirmation.html", c=data, values=values, answer=answer,
                           errors=errors or {}, message=message), status


@bp.get("/graduate/confirmation")
@confirmed_required
def confirmation_home():  # type: ignore[no-untyped-def]
    """Fig. 40: the reported info and the answer; fig. 42 while an error report stands; or why it is locked."""
    return _page()


@bp.post("/graduate/confirmation")
@confirmed_required
def confirmation_answer():  # type: ignore[no-untyped-def]
    """提交: 信息无误，确认登记去向 (CF-2) or 信息有误，需更新后确认 with the form of fig. 41 (CF-3)."""
    graduate = me()
    answer = request.form.get("answer") or ""
    values = _posted_answer()
    if answer not in ANSWERS:
        return _page(values, "", {"answer": "请选择“信息无误”或“信息有误”"}, "请确认您的去向登记信息", 400)
    try:
        if answer == "confirmed":
            services.confirm(graduate, _report_id())
        else:
            services.report_error(graduate, values, _report_id())
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if err.code == "invalid_fields" and err.fields:
            return _page(values, answer, dict(err.fields), err.message, 400)
        return refused(err, _home_url())
    if answer == "confirmed":
        flash("已确认登记去向", "success")
    else:
        flash("已提交信息有误。请按之前的登记方式更新为正确信息，待学校重新上报后再次确认。", "success")
    return redirect(_home_url())


@bp.post("/graduate/confirmation/revoke")
@confirmed_required
def confirmation_revoke():  # type: ignore[no-untyped-def]
    """实际信息无误，撤销确认 (CF-4, fig. 42): the error report ends; the graduate may then confirm."""
    try:
        services.revoke(me())
        db.session.commit()
    except ApiError as err:
        return refused(err, _home_url())
    flash("已撤销信息有误的确认，请重新选择“信息无误，确认登记去向”提交", "success")
    return redirect(_home_url("#answer-form"))


# --- 违反“四不准”行为举报 (CF-6) ------------------------------------------------------------------------


def _violation_page(values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    message: str | None = None, status: int = 200) -> Any:
    data = payload.violation_form(me())
    return render_template("graduate/violation_report.html", v=data, values=values or {"kinds": []},
                           errors=errors or {}, message=message), status


@bp.get("/graduate/violation-report")
@confirmed_required
def violation_report():  # type: ignore[no-untyped-def]
    """The four kinds, 被举报单位或部门, 情况说明, an optional mobile; the graduate's own reports below."""
    return _violation_page()


@bp.post("/graduate/violation-report")
@confirmed_required
def violation_create():  # type: ignore[no-untyped-def]
    """File a report to the platform admin; the school is not told who reported (CF-6)."""
    values: dict[str, Any] = {"kinds": request.form.getlist("kinds"),
                              **{k: (request.form.get(k) or "").strip() for k in ("party", "description", "mobile")}}
    key = once.claim("graduate.violation_report", message="举报已提交，请勿重复提交",
                     fallback=url_for("auth.violation_report") + "#own-reports")
    try:
        row = violations.file_report(me(), values)
        target = once.done(key, url_for("auth.violation_report") + f"#violation-{row.id}")
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if err.code == "invalid_fields" and err.fields:
            return _violation_page(values, dict(err.fields), err.message, 400)
        return refused(err, url_for("auth.violation_report"))
    flash("举报已提交平台管理员处理", "success")
    return redirect(target)
