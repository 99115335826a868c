"""Console: the reviewer's queue and item page (RV-1…RV-6; §4.5.2, OD-3, OD-4).

Department and school reviewers see the items waiting for them, pass a batch, or open one item:
its graduate, the record (through the module's presenter, :mod:`wxbackend.review.subjects`),
its images, its whole history, and — while it waits for them — the decision form. Other
destinations can also be edited by the reviewer (OD-3, RV-5). Every change goes through the
review engine or the module's service; this module only reads forms and renders pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Department, Graduate, Major, User
from wxbackend.accounts.scope import can_see_graduate
from wxbackend.accounts.validation import mask_id_number
from wxbackend.auth.principals import current_staff, staff_required, staff_user
from wxbackend.console.graduates import Change
from wxbackend.console.views import bp, too_large_page
from wxbackend.core import once, timeutil
from wxbackend.core.codes import code_list
from wxbackend.core.daterange import DayRange, day_range
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, NotFound
from wxbackend.core.pagination import paginate
from wxbackend.core.urls import safe_next
from wxbackend.files.images import MAX_IMAGE_BYTES
from wxbackend.files.models import StoredFile
from wxbackend.files.service import file_response
from wxbackend.review import engine, history, lifecycle, subjects
from wxbackend.review.models import STAGE_LABELS, ReviewItem

REVIEWERS = ("school", "department")
PAGE_SIZE = 50
REASON_MAX = 500
#: Decision radio values → what the flash message says after it.
DONE_MESSAGES = {"pass": "已通过", "return": "已退回修改", "reject": "已审核不通过"}
STALE_MESSAGE = "该事项已被他人处理或已不在您的审核环节，您的操作未生效。页面已显示最新状态。"


def _user() -> User:
    return staff_user()


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def _scoped_item(item_id: int) -> ReviewItem:
    """The item if the reviewer may see it (own school, own department); 404 otherwise (RV-4)."""
    item = db.session.get(ReviewItem, item_id, populate_existing=True)
    if item is None or not engine.can_see(_user(), item):
        abort(404)
    return item


def _to_item(item: ReviewItem, anchor: str | None = None) -> Response:
    url = url_for("console.review_item", item_id=item.id)
    return redirect(f"{url}#{anchor}" if anchor else url)  # type: ignore[return-value]


# --- the queue -------------------------------------------------------------------------------


@dataclass
class QueueFilters:
    kind: str | None = None
    department_id: int | None = None
    major_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def args(self) -> dict[str, Any]:
        """Query arguments that reproduce these filters (for pagination and the batch redirect)."""
        values = {"kind": self.kind, "department": self.department_id, "major": self.major_id,
                  "from": self.date_from.isoformat() if self.date_from else None,
                  "to": self.date_to.isoformat() if self.date_to else None}
        return {k: v for k, v in values.items() if v}


def _queue_filters(user: User) -> QueueFilters:
    f = QueueFilters()
    kind = request.args.get("kind", "")
    f.kind = kind if kind in engine.KIND_LABELS else None
    f.department_id = user.department_id if user.role == "department" else _int(request.args.get("department"))
    f.major_id = _int(request.args.get("major"))
    days = day_range(request.args, f.errors)
    f.date_from, f.date_to = days.start, days.end
    return f


def _queue_conditions(f: QueueFilters) -> list[Any]:
    """Filters on top of the engine's scope; the dates are whole Asia/Shanghai days."""
    conditions: list[Any] = []
    if f.department_id:
        conditions.append(ReviewItem.department_id == f.department_id)
    if f.major_id:
        conditions.append(Graduate.major_id == f.major_id)
    conditions.extend(DayRange(f.date_from, f.date_to).where(ReviewItem.submitted_at))
    return conditions


@bp.route("/review")
@staff_required(*REVIEWERS)
def review_queue():  # type: ignore[no-untyped-def]
    """Items waiting for this reviewer, filtered and paginated in SQL, oldest submission first."""
    user = _user()
    f = _queue_filters(user)
    page = paginate(
        engine.waiting_for(user, f.kind)
        .join(Graduate, Graduate.id == ReviewItem.graduate_id)
        .join(Department, Department.id == ReviewItem.department_id)
        .join(Major, Major.id == Graduate.major_id)
        .where(*_queue_conditions(f))
        .add_columns(Graduate.name, Graduate.student_no, Graduate.id_number,
                     Department.name.label("department_name"), Major.name.label("major_name")),
        request.args.get("page"),
        PAGE_SIZE,
    )
    types = subjects.type_labels(r.ReviewItem for r in page.items)

    departments: list[Any] = []
    if user.role == "school":
        departments = db.session.execute(
            select(Department.id, Department.name).where(Department.school_id == user.school_id)
            .order_by(Department.code)
        ).all()
    majors: list[Any] = []
    if f.department_id:
        majors = db.session.execute(
            select(Major.id, Major.name)
            .where(Major.school_id == user.school_id, Major.department_id == f.department_id)
            .order_by(Major.code)
        ).all()

    return render_template(
        "console/review_queue.html",
        user=user,
        rows=page.items,
        types=types,
        page=page,
        filters=f,
        args=f.args(),
        kinds=engine.KIND_LABELS,
        departments=departments,
        majors=majors,
        mask_id_number=mask_id_number,
        fmt=timeutil.fmt,
        stage_labels=STAGE_LABELS,
    )


def _picked(values: list[str]) -> list[tuple[int, int | None]]:
    """``["12:3", "15:1"]`` → [(item id, version seen)], de-duplicated, at most one page."""
    out: dict[int, int | None] = {}
    for value in values:
        item_id, _, version = value.partition(":")
        iid = _int(item_id)
        if iid is not None:
            out.setdefault(iid, _int(version))
    return list(out.items())[:PAGE_SIZE]


MSG_NOTHING_TICKED = "请先勾选要通过的记录"


@bp.route("/review/batch-pass", methods=["POST"])
@staff_required(*REVIEWERS)
def review_batch_pass():  # type: ignore[no-untyped-def]
    """Pass every ticked item still waiting for this reviewer, each in its own transaction (RV-4).

    Each checkbox carries the version the reviewer saw: an item decided, edited or resubmitted
    since the list was loaded is left alone and counted as not handled.
    """
    user = _user()
    back = safe_next(request.form.get("next"), url_for("console.review_queue"))
    if not back.startswith(url_for("console.review_queue")):
        back = url_for("console.review_queue")
    picked = _picked(request.form.getlist("item"))
    if not picked:
        flash(MSG_NOTHING_TICKED, "warning")
        return redirect(back)
    passed = skipped = 0
    for item_id, version in picked:
        try:
            engine.decide(user, item_id, "pass", expected_version=version)
            db.session.commit()
            passed += 1
        except ApiError:
            db.session.rollback()
            skipped += 1
    if skipped:
        flash(f"已通过 {passed} 项；{skipped} 项未处理（已被他人处理或不在您的环节）", "warning")
    else:
        flash(f"已通过 {passed} 项", "success")
    return redirect(back)


# --- the item page ---------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    at: str
    who: str
    role: str
    action: str
    action_key: str
    stage: str | None
    reason: str | None
    changes: list[Change]


def _shown(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)


def history_entries(events: list[history.TimelineEvent]) -> list[HistoryEntry]:
    """The record's timeline (``review.history``) as the item page shows it, oldest first (RV-6)."""
    return [
        HistoryEntry(
            at=timeutil.fmt(e.at),
            who=e.actor_name or "-",
            role=e.role_label,
            action=e.action_label,
            action_key=e.action,
            stage=e.stage_label if e.source == "review" and e.action in ("pass", "return", "reject", "edit") else None,
            reason=e.reason,
            changes=[Change(label, _shown(pair[0]), _shown(pair[1]))
                     for label, pair in e.changes.items() if isinstance(pair, list) and len(pair) == 2],
        )
        for e in events
    ]


def item_timeline(item: ReviewItem) -> list[history.TimelineEvent]:
    """The whole history of the record behind *item*: every phase's review and the record's own events."""
    kind = lifecycle.for_item(item)
    if kind is None:
        return history.timeline(item.kind, item.subject_id)
    return history.timeline(kind.name, item.subject_id, [p.review_kind for p in kind.phases])


def _graduate_rows(graduate: Graduate) -> list[tuple[str, str]]:
    rows = [
        ("姓名", graduate.name),
        ("学号", graduate.student_no or "-"),
        ("身份证号", mask_id_number(graduate.id_number)),
        ("院系", graduate.department.name),
        ("专业", graduate.major.name),
        ("培养方式", code_list("training_mode").label(graduate.training_mode)),
    ]
    if graduate.is_directed:
        rows.append(("定向/委培单位", graduate.sponsor_unit or "-"))
    return rows


def _render_item(item: ReviewItem, *, status: int = 200, form: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, message: str | None = None,
                 upload_error: str | None = None):  # type: ignore[no-untyped-def]
    user = _user()
    graduate = db.session.get(Graduate, item.graduate_id)
    assert graduate is not None
    subject = subjects.present(item)
    latest = engine.latest_item(item.kind, item.subject_id)
    waiting = engine.is_waiting_for(user, item)
    return render_template(
        "console/review_item.html",
        user=user,
        item=item,
        kind_label=engine.kind_label(item.kind),
        graduate=graduate,
        graduate_rows=_graduate_rows(graduate),
        subject=subject,
        history=history_entries(item_timeline(item)),
        newer=latest if latest is not None and latest.id != item.id else None,
        waiting=waiting,
        can_edit=subject.editable and lifecycle.can_edit(user, item),
        can_change_files=subject.editable and lifecycle.can_change_files(user, item),
        form=form or {},
        errors=errors or {},
        message=message,
        upload_error=upload_error,
        fmt=timeutil.fmt,
        reason_max=REASON_MAX,
        max_image_mb=MAX_IMAGE_BYTES // 1024 // 1024,
    ), status


@bp.route("/review/items/<int:item_id>")
@staff_required(*REVIEWERS)
def review_item(item_id: int):  # type: ignore[no-untyped-def]
    return _render_item(_scoped_item(item_id))


@bp.route("/review/items/<int:item_id>/decide", methods=["POST"])
@staff_required(*REVIEWERS)
def review_decide(item_id: int):  # type: ignore[no-untyped-def]
    """通过 / 退回修改 / 不通过 with a reason (RV-1), conditional on the version shown (RV-4)."""
    item = _scoped_item(item_id)
    user = _user()
    outcome = request.form.get("outcome", "")
    reason = (request.form.get("reason") or "").strip()
    version = _int(request.form.get("version"))
    form = {"outcome": outcome, "reason": reason}
    errors: dict[str, str] = {}
    if outcome not in engine.OUTCOMES:
        errors["outcome"] = "请选择审核结果"
    elif outcome != "pass" and not reason:
        errors["reason"] = "退回修改或不通过时必须填写原因"
    elif outcome == "return" and not item.allow_return:
        errors["outcome"] = "该事项不支持退回修改，只能通过或不通过"
    if len(reason) > REASON_MAX:
        errors["reason"] = f"原因不能超过{REASON_MAX}个字"
    if version is None:
        errors["outcome"] = "页面已过期，请刷新后重试"
    if errors:
        return _render_item(item, status=400, form=form, errors=errors, message="请按提示修改后重新提交")
    try:
        engine.decide(user, item.id, outcome, reason or None, expected_version=version)
        db.session.commit()
    except NotFound:
        db.session.rollback()
        abort(404)
    except ApiError as err:
        db.session.rollback()
        item = _scoped_item(item_id)
        if err.code == "not_waiting":
            return _render_item(item, status=409, message=STALE_MESSAGE)
        fields = {k: v for k, v in err.fields.items() if k in ("outcome", "reason")}
        return _render_item(item, status=400, form=form, errors=fields or {"outcome": err.message},
                            message=err.message)
    graduate = db.session.get(Graduate, item.graduate_id)
    assert graduate is not None
    flash(f"{DONE_MESSAGES[outcome]}：{graduate.name} 的{engine.kind_label(item.kind)}", "success")
    return _to_item(item)


# --- images (the reviewer adds or removes them while reviewing, RV-5) ------------------------------


def _files_record(item: ReviewItem) -> tuple[lifecycle.RecordKind, Any]:
    """The record behind *item* and its declaration; 404 for a kind that takes no images."""
    kind = lifecycle.for_item(item)
    if kind is None or kind.attachments is None:
        abort(404)
    return kind, lifecycle.record_of(item)


@bp.route("/review/items/<int:item_id>/proofs", methods=["POST"])
@staff_required(*REVIEWERS)
def review_add_proof(item_id: int):  # type: ignore[no-untyped-def]
    item = _scoped_item(item_id)
    kind, record = _files_record(item)
    user = _user()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render_item(item, status=400, upload_error="请选择要上传的图片")
    # committed with the image by add_attachment; a refused upload rolls the key back
    key = once.claim("review.add_proof", message="该图片已上传，请勿重复提交",
                     fallback=url_for("console.review_item", item_id=item.id))
    once.done(key, url_for("console.review_item", item_id=item.id) + "#proofs")
    try:
        lifecycle.add_attachment(actor_for(user), kind, record, upload.read(), upload.filename, user=user)
    except ApiError as err:
        db.session.rollback()
        item = _scoped_item(item_id)
        if err.code == "not_waiting":
            return _render_item(item, status=409, message=STALE_MESSAGE)
        return _render_item(item, status=400, upload_error=err.message)
    flash("已上传证明材料；修改已记入审核记录并通知毕业生", "success")
    return _to_item(item, "proofs")


@too_large_page("console.review_add_proof")
def _proof_too_large(err: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    """An upload over the request limit: the item page with the reason next to the file field."""
    user = current_staff()
    item_id = (request.view_args or {}).get("item_id")
    item = db.session.get(ReviewItem, item_id) if user is not None and isinstance(item_id, int) else None
    if user is None or not user.is_reviewer or item is None or not engine.can_see(user, item):
        return err  # no page of ours to show (an error handler must not abort)
    limit = current_app.config["SETTINGS"].MAX_UPLOAD_MB
    return _render_item(item, status=413, upload_error=(
        f"上传内容过大：单张图片不能超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB，单次上传不能超过 {limit} MB"))


@bp.route("/review/items/<int:item_id>/proofs/<int:file_id>/delete", methods=["POST"])
@staff_required(*REVIEWERS)
def review_remove_proof(item_id: int, file_id: int):  # type: ignore[no-untyped-def]
    item = _scoped_item(item_id)
    kind, record = _files_record(item)
    user = _user()
    try:
        lifecycle.remove_attachment(actor_for(user), kind, record, file_id, user=user)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if err.code == "not_waiting":
            return _render_item(_scoped_item(item_id), status=409, message=STALE_MESSAGE)
        flash(err.message, "error")
        return _to_item(item, "proofs")
    flash("已删除该证明材料；修改已记入审核记录并通知毕业生", "success")
    return _to_item(item, "proofs")


# --- the reviewer's direct edit (RV-5), through the kind's declared editor ---------------------------


def _render_edit(item: ReviewItem, graduate: Graduate, form: lifecycle.EditForm, message: str | None = None,
                 status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("console/review_edit.html", item=item, graduate=graduate, form=form,
                           message=message), status


def _edit_errors(err: ApiError) -> dict[str, str]:
    """The service's ``{"fields.position": …, "subkind": …}`` → ``{"position": …, "subkind": …}``."""
    return {k.removeprefix("fields."): v for k, v in err.fields.items()}


@bp.route("/review/items/<int:item_id>/edit", methods=["GET", "POST"])
@staff_required(*REVIEWERS)
def review_edit(item_id: int):  # type: ignore[no-untyped-def]
    """Change any field of a record waiting for this reviewer, through its kind's editor (RV-5, OD-3)."""
    item = _scoped_item(item_id)
    kind = lifecycle.for_item(item)
    if kind is None or kind.editor is None:
        abort(404)
    user = _user()
    if not lifecycle.can_edit(user, item):
        flash("该事项已被处理或不在您的审核环节，不能修改", "warning")
        return _to_item(item)
    graduate = db.session.get(Graduate, item.graduate_id)
    assert graduate is not None
    if request.method == "GET":
        return _render_edit(item, graduate, lifecycle.edit_form(user, item, request.args or None))
    version = _int(request.form.get("version"))
    if version != item.version:
        flash("该事项在您修改期间已被他人处理或修改，请查看最新内容后重试", "warning")
        return _to_item(item)
    try:
        changed = lifecycle.reviewer_edit(user, item, request.form, version)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if err.code in ("not_waiting", "record_changed"):
            flash("该事项在您修改期间已被他人处理或修改，请查看最新内容后重试", "warning")
            return _to_item(item)
        item = _scoped_item(item_id)
        errors = _edit_errors(err) or {"form": err.message}
        return _render_edit(item, graduate, lifecycle.edit_form(user, item, request.form, errors), err.message, 400)
    if changed:
        flash("已保存修改；修改前后的内容已记入审核记录，并已通知毕业生", "success")
    else:
        flash("没有修改任何内容", "info")
    return _to_item(item, "history")


# --- stored images -------------------------------------------------------------------------------


@bp.route("/files/<int:file_id>")
@staff_required("admin", "school", "department", "employer")
def stored_file(file_id: int):  # type: ignore[no-untyped-def]
    """An uploaded image, only for a reviewer who can see its graduate; everyone else gets 404."""
    user = _user()
    row = db.session.get(StoredFile, file_id)
    if row is None or row.owner_graduate_id is None or not user.is_reviewer:
        abort(404)
    graduate = db.session.get(Graduate, row.owner_graduate_id)
    if graduate is None or not can_see_graduate(user, graduate):
        abort(404)
    return file_response(row)
