"""Console for the platform admin: 单位资质审核 (EM-1) — the submissions, one submission, the decision.

The admin sees the 营业执照 image next to the name and code the employer submitted (and, for a
change, the ones it has now), checks that they agree, and approves or sends the submission back
with a reason the employer reads. School and department reviewers get 403.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from wxbackend.accounts import qualification
from wxbackend.accounts.models import SUBMISSION_LABELS, Employer, EmployerQualification, User
from wxbackend.accounts.validation import credit_code_error
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.console.views import bp
from wxbackend.core import audit, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import paginate
from wxbackend.files.service import attached_files, file_response

PAGE_SIZE = 50


@bp.route("/employers/qualifications")
@staff_required("admin")
def qualifications():  # type: ignore[no-untyped-def]
    """The submissions, the waiting ones first by default (oldest first: first come, first checked)."""
    status = request.args.get("status", "pending")
    status = status if status in SUBMISSION_LABELS or status == "all" else "pending"
    q = request.args.get("q", "").strip()[:50]
    stmt = (select(EmployerQualification, Employer)
            .join(Employer, Employer.id == EmployerQualification.employer_id))
    if status != "all":
        stmt = stmt.where(EmployerQualification.status == status)
    if q:
        stmt = stmt.where(or_(EmployerQualification.name.contains(q, autoescape=True),
                              EmployerQualification.credit_code.startswith(q.upper(), autoescape=True),
                              Employer.name.contains(q, autoescape=True)))
    at = EmployerQualification.submitted_at
    order = at.asc() if status == "pending" else at.desc()
    page = paginate(stmt.order_by(order, EmployerQualification.id), request.args.get("page"), PAGE_SIZE)
    args = {k: v for k, v in {"status": status if status != "pending" else "", "q": q}.items() if v}
    return render_template("console/qualifications.html", page=page, status=status, q=q, args=args,
                           statuses=SUBMISSION_LABELS, fmt=timeutil.fmt)


def _detail(row: EmployerQualification, errors: dict[str, str] | None = None, reason: str = "",
            message: str | None = None, status: int = 200) -> Any:
    employer = db.session.get(Employer, row.employer_id)
    assert employer is not None
    names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_([i for i in (row.submitted_by, row.decided_by) if i]))).all())
    return render_template(
        "console/qualification.html", row=row, employer=employer,
        files=attached_files(qualification.KIND, [row.id])[row.id],
        earlier=[r for r in qualification.submissions(employer.id) if r.id != row.id],
        code_problem=credit_code_error(row.credit_code), change=employer.qualified and row.status == "pending",
        names=names, errors=errors or {}, reason=reason, message=message,
        history=audit.history("employer", employer.id), fmt=timeutil.fmt,
    ), status


@bp.route("/employers/qualifications/<int:submission_id>", methods=["GET", "POST"])
@staff_required("admin")
def qualification_detail(submission_id: int):  # type: ignore[no-untyped-def]
    admin = staff_user("admin")
    row = qualification.get_submission(admin, submission_id)
    if request.method == "GET":
        return _detail(row)
    decision = request.form.get("decision")
    reason = request.form.get("reason", "")
    if decision not in ("approve", "reject"):
        return _detail(row, message="请选择通过或退回", reason=reason, status=400)
    try:
        qualification.decide(admin, row.id, decision == "approve", reason)
    except ApiError as err:
        db.session.rollback()
        row = qualification.get_submission(admin, submission_id)
        return _detail(row, err.fields, reason, err.message, err.status)
    db.session.commit()
    flash(f"已{'通过' if decision == 'approve' else '退回'}：{row.name}", "success")
    return redirect(url_for("console.qualifications"))


@bp.get("/employers/qualifications/<int:submission_id>/license/<int:file_id>")
@staff_required("admin")
def qualification_license(submission_id: int, file_id: int):  # type: ignore[no-untyped-def]
    row = qualification.get_submission(staff_user("admin"), submission_id)
    stored = next((f for f in attached_files(qualification.KIND, [row.id])[row.id] if f.id == file_id), None)
    if stored is None:
        abort(404)
    return file_response(stored)
