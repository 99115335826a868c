"""Console: the directory of 档案接收单位 — list and search, add, edit, delete, xlsx import and template.

Who maintains what: a school reviewer (学校管理员) keeps the school's own entries, the platform admin
the platform-wide ones; department reviewers see the list (the platform's and their school's) and
change nothing. An entry of another owner is 404 for edits. Every change goes through
:mod:`wxbackend.transfers.directory`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.imports import ImportRefused
from wxbackend.accounts.models import User
from wxbackend.auth.principals import current_staff, staff_required, staff_user
from wxbackend.console.views import bp, too_large_page
from wxbackend.core import audit, once, timeutil
from wxbackend.core.codes import region_name, resolve_region
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import paginate
from wxbackend.transfers import directory
from wxbackend.transfers.models import ReceivingOffice

PAGE_SIZE = 50
#: Rows of the import's error table shown on the page.
ERRORS_SHOWN = 500
MAINTAINERS = ("admin", "school")
FORM_KEYS = ("name", "region", "address", "postcode", "contact", "phone")


def _owner(user: User) -> int | None:
    """The school whose entries *user* maintains or sees; None for the platform admin (platform-wide)."""
    return None if user.role == "admin" else user.school_id


def _maintained(user: User, office_id: int) -> ReceivingOffice:
    office = directory.owned(office_id, _owner(user))
    if office is None:
        abort(404)
    return office


def _region_label(code: str) -> str:
    return f"{region_name(code)}（{code}）"


@bp.route("/receiving-offices")
@staff_required()
def receiving_offices():  # type: ignore[no-untyped-def]
    user = staff_user()
    q = request.args.get("q", "").strip()[:50]
    region = request.args.get("region", "").strip()[:50]
    region_code = resolve_region(region) if region else None
    stmt = directory.listing(_owner(user), q, region)
    page = paginate(stmt, request.args.get("page"), PAGE_SIZE)
    args = {k: v for k, v in {"q": q, "region": region}.items() if v}
    return render_template(
        "console/receiving_offices.html", page=page, q=q, region=region, args=args, user=user,
        can_edit=user.role in MAINTAINERS, owner=_owner(user), counts=directory.counts(_owner(user)),
        region_error="所在地区无效：请填写6位行政区划代码或全称" if region and region_code is None else None,
        region_hint=_region_label(region_code) if region_code else None, region_name=region_name)


def _values(form: Any) -> dict[str, str]:
    out = {k: str(form.get(k, "")) for k in FORM_KEYS}
    out["active"] = "1" if form.get("active") else ""
    return out


def _form(office: ReceivingOffice | None, values: dict[str, str], errors: dict[str, str],
          message: str | None = None, status: int = 200) -> Any:
    history = audit.history("receiving_office", office.id) if office is not None else []
    code = resolve_region(values.get("region")) if values.get("region") else None
    return render_template("console/receiving_office_form.html", office=office, values=values, errors=errors,
                           message=message, history=history, fmt=timeutil.fmt,
                           region_hint=_region_label(code) if code and "region" not in errors else None), status


def _office_values(office: ReceivingOffice) -> dict[str, str]:
    return {"name": office.name, "region": office.region_code, "address": office.address,
            "postcode": office.postcode or "", "contact": office.contact or "", "phone": office.phone or "",
            "active": "1" if office.active else ""}


@bp.route("/receiving-offices/new", methods=["GET", "POST"])
@staff_required(*MAINTAINERS)
def receiving_office_new():  # type: ignore[no-untyped-def]
    user = staff_user(*MAINTAINERS)
    if request.method == "GET":
        return _form(None, {"active": "1"}, {})
    values = _values(request.form)
    key = once.claim("receiving_office.create", message="该单位已提交，请勿重复提交",
                     fallback=url_for("console.receiving_offices"))
    try:
        office = directory.create(actor_for(user), _owner(user), values)
    except ApiError as err:
        db.session.rollback()  # the key too: the corrected form submits again
        return _form(None, values, err.fields, "档案接收单位未保存", 400)
    target = once.done(key, url_for("console.receiving_offices", q=office.name))
    db.session.commit()
    flash(f"已新增档案接收单位“{office.name}”", "success")
    return redirect(target)


@bp.route("/receiving-offices/<int:office_id>/edit", methods=["GET", "POST"])
@staff_required(*MAINTAINERS)
def receiving_office_edit(office_id: int):  # type: ignore[no-untyped-def]
    user = staff_user(*MAINTAINERS)
    office = _maintained(user, office_id)
    if request.method == "GET":
        return _form(office, _office_values(office), {})
    values = _values(request.form)
    raw_version = request.form.get("version", "")
    try:
        changes = directory.update(actor_for(user), office, values,
                                   int(raw_version) if raw_version.isdigit() else None)
    except ApiError as err:
        db.session.rollback()
        message = "档案接收单位未保存" if err.fields else err.message
        return _form(_maintained(user, office_id), values, err.fields, message, err.status)
    db.session.commit()
    flash(f"档案接收单位“{office.name}”已保存" if changes else "没有修改任何内容", "success")
    return redirect(url_for("console.receiving_offices"))


@bp.route("/receiving-offices/<int:office_id>/delete", methods=["POST"])
@staff_required(*MAINTAINERS)
def receiving_office_delete(office_id: int):  # type: ignore[no-untyped-def]
    user = staff_user(*MAINTAINERS)
    office = _maintained(user, office_id)
    name = office.name
    directory.remove(actor_for(user), office)
    db.session.commit()
    flash(f"已删除档案接收单位“{name}”", "success")
    return redirect(url_for("console.receiving_offices"))


# --- import and template -------------------------------------------------------------------------


def _import_page(error: str | None = None, result: directory.ImportResult | None = None, filename: str = "",
                 status: int = 200) -> Any:
    return render_template("console/receiving_office_import.html", error=error, result=result, filename=filename,
                           max_rows=directory.MAX_ROWS, shown=ERRORS_SHOWN), status


@bp.route("/receiving-offices/import", methods=["GET", "POST"])
@staff_required(*MAINTAINERS)
def receiving_office_import():  # type: ignore[no-untyped-def]
    user = staff_user(*MAINTAINERS)
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page("请选择要导入的 .xlsx 文件", status=400)
    # no one-time key: an import is an upsert, so a second submission of the same file changes nothing
    try:
        content = upload.read()
    finally:
        upload.close()
    filename = upload.filename
    try:
        result = directory.import_xlsx(actor_for(user), _owner(user), filename, content)
    except ImportRefused as refused:
        db.session.rollback()
        return _import_page(refused.message, filename=filename, status=400)
    if not result.ok:
        db.session.rollback()
        return _import_page(result=result, filename=filename, status=400)
    db.session.commit()
    flash(f"导入完成：新增 {result.created} 个，更新 {result.updated} 个，未变 {result.unchanged} 个", "success")
    return redirect(url_for("console.receiving_offices"))


@too_large_page("console.receiving_office_import")
def _too_large(err: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    """An oversize upload: say so next to the file field."""
    user = current_staff()
    if user is None or user.role not in MAINTAINERS:
        return err
    limit = current_app.config["SETTINGS"].MAX_UPLOAD_MB
    return _import_page(f"文件过大：单次上传不能超过 {limit} MB，请拆分后分批导入", status=413)


def _download(data: bytes, filename: str) -> Response:
    disposition = f"attachment; filename=\"receiving-offices.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, mimetype=directory.XLSX_MIME,
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


@bp.route("/receiving-offices/template.xlsx")
@staff_required(*MAINTAINERS)
def receiving_office_template():  # type: ignore[no-untyped-def]
    return _download(directory.template_xlsx(), "档案接收单位导入模板.xlsx")


@bp.route("/receiving-offices/export.xlsx")
@staff_required(*MAINTAINERS)
def receiving_office_export():  # type: ignore[no-untyped-def]
    user = staff_user(*MAINTAINERS)
    return _download(directory.template_xlsx(directory.owned_entries(_owner(user))), "档案接收单位.xlsx")
