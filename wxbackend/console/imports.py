"""Console: the school's spreadsheet import of graduates' basic information (L-6).

School reviewers only: department reviewers and admins get 403, another school's
batch is 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from wxbackend.accounts import imports as svc
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import ImportBatch, User
from wxbackend.auth.principals import current_staff, staff_required, staff_user
from wxbackend.console.views import bp, too_large_page
from wxbackend.core import once, timeutil
from wxbackend.core.db import db

RECENT = 20


def _user() -> User:
    return staff_user("school")


def _batch(user: User, batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.school_id != user.school_id:
        abort(404)
    return batch


def _page(user: User, error: str | None = None, status: int = 200) -> Any:
    batches = db.session.scalars(
        select(ImportBatch).where(ImportBatch.school_id == user.school_id)
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()).limit(RECENT)
    ).all()
    settings = current_app.config["SETTINGS"]
    return render_template(
        "console/imports.html", batches=batches, error=error, max_rows=svc.MAX_ROWS,
        max_mb=settings.MAX_UPLOAD_MB, inline_max=settings.IMPORT_INLINE_MAX_ROWS,
        states=svc.STATE_LABELS, fmt=timeutil.fmt,
    ), status


@bp.route("/imports", methods=["GET"])
@staff_required("school")
def imports():  # type: ignore[no-untyped-def]
    return _page(_user())


@bp.route("/imports", methods=["POST"])
@staff_required("school")
def imports_upload():  # type: ignore[no-untyped-def]
    user = _user()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(user, "请选择要导入的 .xlsx 或 .csv 文件", 400)
    try:
        content = upload.read()
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    key = once.claim("import.upload", message="该文件已提交导入，请勿重复提交",
                     fallback=url_for("console.imports"))
    try:
        started = svc.start_import(
            actor_for(user), user, upload.filename, content,
            created=lambda batch: once.done(key, url_for("console.import_detail", batch_id=batch.id)))
    except svc.ImportRefused as refused:
        db.session.rollback()
        return _page(user, refused.message, 400)
    return redirect(url_for("console.import_detail", batch_id=started.batch.id))


@too_large_page("console.imports_upload")
def _too_large(err: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    """An oversize upload: say so next to the file field instead of a bare error page."""
    user = current_staff()
    if request.endpoint != "console.imports_upload" or user is None or user.role != "school":
        return err
    limit = current_app.config["SETTINGS"].MAX_UPLOAD_MB
    return _page(user, f"文件过大：单次上传不能超过 {limit} MB，请拆分后分批导入", 413)


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    ascii_name = filename if filename.isascii() else "graduates." + filename.rsplit(".", 1)[-1]
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition,
                                                      "Cache-Control": "no-store"})


@bp.route("/imports/template.xlsx")
@staff_required("school")
def import_template_xlsx():  # type: ignore[no-untyped-def]
    user = _user()
    return _download(svc.template_xlsx(user.school_id), "毕业生基本信息导入模板.xlsx", svc.XLSX_MIME)


@bp.route("/imports/template.csv")
@staff_required("school")
def import_template_csv():  # type: ignore[no-untyped-def]
    user = _user()
    data = svc.template_csv(user.school_id)
    return _download(data, "毕业生基本信息导入模板.csv", "text/csv")  # Flask adds "; charset=utf-8"


@bp.route("/imports/<int:batch_id>")
@staff_required("school")
def import_detail(batch_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    batch = _batch(user, batch_id)
    return render_template(
        "console/import_detail.html", batch=batch, p=svc.progress(batch),
        errors=list(svc.iter_errors(batch)), shown=svc.ERRORS_SHOWN, fmt=timeutil.fmt,
    )


@bp.route("/imports/<int:batch_id>/status")
@staff_required("school")
def import_status(batch_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    resp = jsonify(svc.progress(_batch(user, batch_id)))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/imports/<int:batch_id>/errors.xlsx")
@staff_required("school")
def import_errors_xlsx(batch_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    batch = _batch(user, batch_id)
    if batch.state != "done":
        abort(404)
    return _download(svc.errors_xlsx(batch), f"导入错误-{batch.id}.xlsx", svc.XLSX_MIME)
