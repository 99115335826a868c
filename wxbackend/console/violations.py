"""Console: 违反“四不准”行为举报 (CF-6) — the platform admin's list, detail and handling.

Only the platform admin (平台管理员) reaches these pages; school and department reviewers get 403, so
no school learns who reported it.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from wxbackend.accounts.models import Graduate, School
from wxbackend.accounts.validation import mask_id_number
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.confirmation import violations
from wxbackend.confirmation.models import VIOLATION_KINDS, VIOLATION_STATUSES, ViolationReport
from wxbackend.console.views import bp
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import paginate

PAGE_SIZE = 50


@bp.route("/violations")
@staff_required("admin")
def violation_list():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "")
    status = status if status in VIOLATION_STATUSES else ""
    base = violations.reports_query(staff_user(), status or None)
    stmt = (base.add_columns(Graduate, School).join(Graduate, Graduate.id == ViolationReport.graduate_id)
            .join(School, School.id == ViolationReport.concerned_school_id))
    page = paginate(stmt, request.args.get("page"), PAGE_SIZE)
    return render_template("console/violations.html", page=page, status=status, statuses=VIOLATION_STATUSES,
                           kinds=VIOLATION_KINDS, fmt=timeutil.fmt, args={"status": status} if status else {})


def _detail(report: ViolationReport, error: str | None = None, note: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    graduate = db.session.get(Graduate, report.graduate_id)
    school = db.session.get(School, report.concerned_school_id)
    handler = None
    if report.handled_by:
        from wxbackend.accounts.models import User

        handler = db.session.scalar(select(User.display_name).where(User.id == report.handled_by))
    return render_template("console/violation.html", report=report, graduate=graduate, school=school,
                           handler=handler, kinds=VIOLATION_KINDS, error=error, note=note,
                           mask=mask_id_number, fmt=timeutil.fmt), status


@bp.route("/violations/<int:report_id>", methods=["GET", "POST"])
@staff_required("admin")
def violation_detail(report_id: int):  # type: ignore[no-untyped-def]
    user = staff_user()
    report = violations.get_report(user, report_id)
    if request.method == "GET":
        return _detail(report)
    note = request.form.get("note", "")
    raw = request.form.get("version", "")
    try:
        violations.handle(user, report, note, int(raw) if raw.isdigit() else None)
    except ApiError as err:
        db.session.rollback()
        report = violations.get_report(user, report_id)
        return _detail(report, (err.fields or {}).get("note") or err.message, note, err.status)
    db.session.commit()
    flash("已记录处理情况", "success")
    return redirect(url_for("console.violation_detail", report_id=report_id))
