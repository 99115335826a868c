"""单位资质 (EM-1): the employer submits its 营业执照 with its name and code, and sees the review.

The page shows the current status, the submission under review (if any), the history with the
reasons given, and — when nothing is waiting — the form: 单位名称 and 统一社会信用代码 as they should
read (filled in with the current ones) and the 营业执照 image. The image is checked and stored in the
submission's own transaction, so a refused file leaves no submission behind.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from wxbackend.accounts import qualification
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import EmployerQualification
from wxbackend.core import once, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.employer.views import bp, employer_required, employer_user, the_employer
from wxbackend.files.service import attached_files, file_response, store_upload


def _render(values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
            message: str | None = None, status: int = 200) -> Any:
    employer = the_employer()
    rows = qualification.submissions(employer.id)
    files = attached_files(qualification.KIND, [r.id for r in rows])
    pending = next((r for r in rows if r.status == "pending"), None)
    if values is None:
        values = {"name": employer.name, "credit_code": employer.credit_code}
    return render_template("employer/qualification.html", employer=employer, rows=rows, files=files,
                           pending=pending, values=values, errors=errors or {}, message=message,
                           fmt=timeutil.fmt), status


@bp.route("/qualification", methods=["GET", "POST"], endpoint="qualification")
@employer_required
def qualification_page():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _render()
    user = employer_user()
    employer = the_employer()
    key = once.claim("employer.qualification", message="单位资质已提交，请勿重复提交",
                     fallback=url_for("employer.qualification"))
    values, errors = qualification.clean(request.form, employer)
    upload = request.files.get("license")
    if upload is None or not upload.filename:
        errors["license"] = "请上传营业执照照片或扫描件"
    if errors:
        db.session.rollback()
        return _render(values, errors, "资质信息有误，请按提示修改", 400)
    assert upload is not None
    try:
        row = qualification.submit(user, values)
        once.done(key, url_for("employer.qualification"))
        store_upload(actor_for(user), upload.read(), upload.filename, attach_to=(qualification.KIND, row.id))
    except ApiError as err:  # store_upload rolled the submission back with the refused file
        db.session.rollback()
        # a refused image names no field: its message goes under the file input
        fields = dict(err.fields) or ({} if err.code == "qualification_pending" else {"license": err.message})
        return _render(values, fields, err.message, err.status)
    flash("单位资质已提交，平台审核后将在本页显示结果", "success")
    return redirect(url_for("employer.qualification"))


@bp.get("/qualification/<int:submission_id>/license/<int:file_id>")
@employer_required
def qualification_license(submission_id: int, file_id: int):  # type: ignore[no-untyped-def]
    """The employer's own 营业执照 image of one of its submissions; another employer's is 404."""
    row = db.session.get(EmployerQualification, submission_id)
    if row is None or row.employer_id != the_employer().id:
        abort(404)
    stored = next((f for f in attached_files(qualification.KIND, [row.id])[row.id] if f.id == file_id), None)
    if stored is None:
        abort(404)
    return file_response(stored)
