"""Console: 档案转递 (AR-9) — candidates with their pre-flight, 生成转递编号, batches, the mailing list, the
carrier's tracking file.

Only school reviewers (学校管理员) use these pages: mailing archives is the school's step, like 上报,
and the candidate list shows every graduate's recipient address and phone. Department reviewers get
403 (there is nothing for them to do here; their graduates' page shows the archive info itself).
Every change goes through :mod:`wxbackend.transfers.dispatch`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from wxbackend.accounts.imports import ImportRefused
from wxbackend.accounts.models import Department
from wxbackend.accounts.validation import mask_id_number
from wxbackend.auth.principals import current_staff, staff_required, staff_user
from wxbackend.console.views import bp, too_large_page
from wxbackend.core import ids, once, timeutil
from wxbackend.core.codes import region_name
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import Page, page_number, paginate
from wxbackend.transfers import dispatch
from wxbackend.transfers.models import DISPATCH_STATE_LABELS

PAGE_SIZE = 100
#: Rows of the tracking import's error table shown on the page.
ERRORS_SHOWN = 500
#: Candidate filters: all, ready (no problem), warned (to confirm), blocked (incomplete).
SHOWS = {"": "全部", "ready": "无问题", "warned": "需核实", "blocked": "信息不完整"}


def _school_id() -> int:
    user = staff_user("school")
    assert user.school_id is not None
    return user.school_id


def _departments(school_id: int) -> list[Department]:
    return list(db.session.scalars(select(Department).where(Department.school_id == school_id)
                                   .order_by(Department.code)))


def _department_arg(school_id: int) -> int | None:
    raw = request.values.get("department", "")
    if not raw.isdigit():
        return None
    wanted = int(raw)
    return wanted if any(d.id == wanted for d in _departments(school_id)) else -1


def _shown(candidates: list[dispatch.Candidate], show: str) -> list[dispatch.Candidate]:
    if show == "ready":
        return [c for c in candidates if not c.problems]
    if show == "warned":
        return [c for c in candidates if c.warned and not c.blocking]
    if show == "blocked":
        return [c for c in candidates if c.blocking]
    return candidates


def _page(error: str | None = None, error_fields: dict[str, str] | None = None, selected: set[int] | None = None,
          confirm: bool = False, status: int = 200) -> Any:
    school_id = _school_id()
    department_id = _department_arg(school_id)
    show = request.values.get("show", "")
    show = show if show in SHOWS else ""
    everyone = dispatch.candidates(school_id, department_id)
    shown = _shown(everyone, show)
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    number = min(page_number(request.values.get("page")), pages)
    page = Page(items=shown[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], total=len(shown), page=number,
                per_page=PAGE_SIZE)
    counts = {"": len(everyone), "ready": len(_shown(everyone, "ready")), "warned": len(_shown(everyone, "warned")),
              "blocked": len(_shown(everyone, "blocked"))}
    args = {k: v for k, v in {"department": department_id if department_id and department_id > 0 else "",
                              "show": show}.items() if v}
    return render_template(
        "console/dispatch.html", page=page, counts=counts, shows=SHOWS, show=show, args=args,
        departments=_departments(school_id), department_id=department_id, batches=dispatch.batches(school_id)[:10],
        error=error, error_fields=error_fields or {}, selected=selected or set(), confirm=confirm, fmt=timeutil.fmt,
    ), status


@bp.route("/dispatch")
@staff_required("school")
def dispatch_home():  # type: ignore[no-untyped-def]
    return _page()


@bp.route("/dispatch/issue", methods=["POST"])
@staff_required("school")
def dispatch_issue():  # type: ignore[no-untyped-def]
    user = staff_user("school")
    school_id = _school_id()
    confirm = request.form.get("confirm") == "1"
    if request.form.get("mode") == "all_ready":
        chosen = [c.graduate_id for c in dispatch.candidates(school_id, _department_arg(school_id)) if not c.problems]
    else:
        chosen = [int(v) for v in request.form.getlist("graduate") if v.isdigit()]
    key = once.claim("archive_dispatch.issue", message="转递编号已生成，请勿重复提交",
                     fallback=url_for("console.dispatch_home"))
    try:
        result = dispatch.issue(user, school_id, chosen, confirm_warnings=confirm)
    except ApiError as err:
        db.session.rollback()  # the form key too: the corrected form submits again
        return _page(err.message, err.fields, set(chosen), confirm, 409 if err.status == 409 else 400)
    target = once.done(key, url_for("console.dispatch_batch", batch_id=result.batch.id))
    db.session.commit()
    skipped = f"；{result.skipped} 人已生成过或不再需要转递，已跳过" if result.skipped else ""
    flash(f"已为 {result.issued} 名毕业生生成转递编号{skipped}。请下载邮寄清单寄出档案，寄出后导入运单。", "success")
    return redirect(target)


@bp.route("/dispatch/batches")
@staff_required("school")
def dispatch_batches():  # type: ignore[no-untyped-def]
    return render_template("console/dispatch_batches.html", batches=dispatch.batches(_school_id()),
                           fmt=timeutil.fmt)


@bp.route("/dispatch/batches/<int:batch_id>")
@staff_required("school")
def dispatch_batch(batch_id: int):  # type: ignore[no-untyped-def]
    school_id = _school_id()
    summary = dispatch.get_batch(school_id, batch_id)
    state = request.args.get("state", "")
    state = state if state in DISPATCH_STATE_LABELS else ""
    page = paginate(dispatch.batch_rows_stmt(school_id, batch_id, state), request.args.get("page"), PAGE_SIZE)
    return render_template(
        "console/dispatch_batch.html", summary=summary, page=page, state=state, states=DISPATCH_STATE_LABELS,
        args={"batch_id": batch_id, **({"state": state} if state else {})}, mask=mask_id_number,
        display=ids.display, address=dispatch.full_address, region_name=region_name, fmt=timeutil.fmt)


@bp.route("/dispatch/batches/<int:batch_id>.xlsx")
@staff_required("school")
def dispatch_export(batch_id: int):  # type: ignore[no-untyped-def]
    school_id = _school_id()
    summary = dispatch.get_batch(school_id, batch_id)
    name = f"档案邮寄清单_{timeutil.local(summary.batch.created_at):%Y%m%d%H%M}_{batch_id}.xlsx"
    return _download(dispatch.export_xlsx(school_id, batch_id), name)


@bp.route("/dispatch/<int:dispatch_id>/cancel", methods=["POST"])
@staff_required("school")
def dispatch_cancel(dispatch_id: int):  # type: ignore[no-untyped-def]
    user = staff_user("school")
    row = dispatch.get_dispatch(_school_id(), dispatch_id)
    batch_id = row.batch_id
    try:
        dispatch.cancel(user, row, request.form.get("reason", ""))
    except ApiError as err:
        db.session.rollback()
        flash(f"转递编号 {ids.display(row.transfer_no)} 未作废：{err.message}", "error")
        return redirect(url_for("console.dispatch_batch", batch_id=batch_id))
    db.session.commit()
    flash(f"已作废转递编号 {ids.display(row.transfer_no)}；该毕业生重新出现在待转递名单中", "success")
    return redirect(url_for("console.dispatch_batch", batch_id=batch_id))


# --- the carrier's tracking file -------------------------------------------------------------------


def _tracking_page(error: str | None = None, result: dispatch.TrackingResult | None = None, filename: str = "",
                   status: int = 200) -> Any:
    return render_template("console/dispatch_tracking.html", error=error, result=result, filename=filename,
                           max_rows=dispatch.MAX_ROWS, shown=ERRORS_SHOWN), status


@bp.route("/dispatch/tracking", methods=["GET", "POST"])
@staff_required("school")
def dispatch_tracking():  # type: ignore[no-untyped-def]
    user = staff_user("school")
    if request.method == "GET":
        return _tracking_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _tracking_page("请选择要导入的 .xlsx 运单文件", status=400)
    # no one-time key: a file imported twice records nothing new (identical rows are 未变)
    try:
        content = upload.read()
    finally:
        upload.close()
    filename = upload.filename
    try:
        result = dispatch.import_tracking(user, _school_id(), filename, content)
    except ImportRefused as refused:
        db.session.rollback()
        return _tracking_page(refused.message, filename=filename, status=400)
    except ApiError as err:
        db.session.rollback()
        return _tracking_page(err.message, filename=filename, status=err.status)
    if not result.ok:
        db.session.rollback()
        return _tracking_page(result=result, filename=filename, status=400)
    db.session.commit()
    blank = f"，{result.blank} 行未填写运单（未处理）" if result.blank else ""
    flash(f"导入完成：登记寄出 {result.sent} 份档案并已通知毕业生，未变 {result.unchanged} 份{blank}", "success")
    return redirect(url_for("console.dispatch_batches"))


@too_large_page("console.dispatch_tracking")
def _too_large(err: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    """An oversize upload: say so next to the file field."""
    user = current_staff()
    if user is None or user.role != "school":
        return err
    limit = current_app.config["SETTINGS"].MAX_UPLOAD_MB
    return _tracking_page(f"文件过大：单次上传不能超过 {limit} MB，请拆分后分批导入", status=413)


@bp.route("/dispatch/tracking-template.xlsx")
@staff_required("school")
def dispatch_tracking_template():  # type: ignore[no-untyped-def]
    return _download(dispatch.tracking_template_xlsx(), "档案寄出运单模板.xlsx")


def _download(data: bytes, filename: str) -> Response:
    disposition = f"attachment; filename=\"archive-dispatch.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, mimetype=dispatch.XLSX_MIME,
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})
