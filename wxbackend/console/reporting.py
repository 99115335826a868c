"""Console: 上报 — the school's graduates of a year with their report state, reporting, the deadline (RP-1…RP-3).

Only school reviewers (学校管理员) report and set the deadline: reporting is the school's step. The list
shows every graduate of the chosen graduation year as 新增 (never reported), 有改动 (what changed, by
column) or 已上报; 上报 takes the first two into a dated batch whose xlsx uses the national codes.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for

from wxbackend.accounts import deadlines
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.validation import mask_id_number
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.console.views import bp
from wxbackend.core import audit, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import Page, page_number
from wxbackend.reporting import services
from wxbackend.reporting.models import STATE_LABELS

PAGE_SIZE = 50


def _year(school_id: int) -> int:
    years = services.years(school_id)
    raw = request.values.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return years[0] if years else timeutil.today().year


def _page(year: int, deadline_error: str | None = None, deadline_value: str | None = None,
          status: int = 200):  # type: ignore[no-untyped-def]
    user = staff_user()
    school_id = user.school_id
    assert school_id is not None
    state = request.args.get("state", "")
    all_rows = services.rows(school_id, year)
    shown = [r for r in all_rows if r.state == state] if state in STATE_LABELS else all_rows
    per = PAGE_SIZE
    pages = max(1, -(-len(shown) // per))
    number = min(page_number(request.args.get("page")), pages)
    page = Page(items=shown[(number - 1) * per:number * per], total=len(shown), page=number, per_page=per)
    deadline = deadlines.deadline_for(school_id, year)
    return render_template(
        "console/reporting.html", year=year, years=sorted({*services.years(school_id), year}, reverse=True),
        state=state if state in STATE_LABELS else "", states=STATE_LABELS, page=page,
        counts=services.counts(all_rows), batches=services.batches(school_id, year), deadline=deadline,
        deadline_closed=deadlines.is_closed(deadline), deadline_error=deadline_error,
        deadline_value=deadline_value if deadline_value is not None else deadline.isoformat(),
        mask=mask_id_number, fmt=timeutil.fmt, args={k: v for k, v in {"year": year, "state": state}.items() if v},
    ), status


@bp.route("/reporting")
@staff_required("school")
def reporting():  # type: ignore[no-untyped-def]
    user = staff_user()
    assert user.school_id is not None
    return _page(_year(user.school_id))


@bp.route("/reporting/submit", methods=["POST"])
@staff_required("school")
def reporting_submit():  # type: ignore[no-untyped-def]
    user = staff_user()
    assert user.school_id is not None
    year = _year(user.school_id)
    try:
        batch = services.report(user, user.school_id, year)
    except ApiError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("console.reporting", year=year))
    db.session.commit()
    flash(f"已上报{year}届毕业生 {batch.new_count + batch.changed_count} 人（新增 {batch.new_count}，"
          f"有改动 {batch.changed_count}）", "success")
    return redirect(url_for("console.reporting", year=year))


@bp.route("/reporting/batches/<int:batch_id>.xlsx")
@staff_required("school")
def reporting_export(batch_id: int):  # type: ignore[no-untyped-def]
    user = staff_user()
    assert user.school_id is not None
    batch = services.get_batch(user.school_id, batch_id)
    name = f"{batch.graduation_year}届毕业去向上报_{timeutil.local(batch.reported_at):%Y%m%d%H%M}.xlsx"
    return Response(services.export(batch),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@bp.route("/reporting/deadline", methods=["POST"])
@staff_required("school")
def reporting_deadline():  # type: ignore[no-untyped-def]
    user = staff_user()
    assert user.school_id is not None
    year = _year(user.school_id)
    raw = request.form.get("deadline", "").strip()
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return _page(year, "请选择截止日期（年-月-日）", raw, 400)
    if not (year <= value.year <= year + 1):
        return _page(year, f"截止日期应在{year}年或{year + 1}年内", raw, 400)
    before = deadlines.deadline_for(user.school_id, year)
    deadlines.set_deadline(user.school_id, year, value, user.id)
    audit.record(actor_for(user), "report.deadline", object_type="school", object_id=user.school_id,
                 school_id=user.school_id, year=year,
                 before=before.isoformat(), after=value.isoformat())
    db.session.commit()
    flash(f"{year}届毕业生上报截止日期已设为{value.year}年{value.month}月{value.day}日", "success")
    return redirect(url_for("console.reporting", year=year))
