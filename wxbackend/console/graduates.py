"""Console: graduates' basic information (§1, §2) — list, detail with history, add, edit, delete (L-7).

Department reviewers read their own department only; school reviewers see and manage the
whole school. Every change goes through :mod:`wxbackend.accounts.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from wxbackend.accounts import services
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Department, Graduate, Major, User
from wxbackend.accounts.scope import can_manage_basic_info, get_visible_graduate, graduate_filter
from wxbackend.accounts.validation import CODED_FIELDS, FIELDS, LABEL_TO_FIELD, mask_id_number, mask_phone
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.console.views import bp
from wxbackend.core import audit, once, timeutil
from wxbackend.core.audit import ROLE_LABELS
from wxbackend.core.codes import code_list, region_name
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, NotFound
from wxbackend.core.pagination import paginate
from wxbackend.destinations import home as destination_home

PAGE_SIZE = 50
REVIEWERS = ("school", "department")

#: Status filter value → label. The default (empty) is every graduate not deleted.
STATUSES = {"pending": "待核对", "confirmed": "已核对", "deleted": "已删除"}


def _user() -> User:
    return staff_user()


def _visible(graduate_id: int) -> Graduate:
    """The graduate if in the user's scope; 404 otherwise (the same answer as for a missing id)."""
    try:
        return get_visible_graduate(_user(), graduate_id)
    except NotFound:
        abort(404)


def _require_manager(graduate: Graduate | None = None) -> User:
    user = _user()
    if not can_manage_basic_info(user, graduate):
        abort(403)
    return user


# --- list ------------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() else None


@bp.route("/graduates")
@staff_required(*REVIEWERS)
def graduates():  # type: ignore[no-untyped-def]
    """Graduates of the user's scope, filtered and paginated in SQL."""
    user = _user()
    if user.role == "department":
        department_id: int | None = user.department_id
    else:
        department_id = _int_arg("department")
    major_id = _int_arg("major")
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    q = request.args.get("q", "").strip()[:50]

    conditions: list[Any] = [graduate_filter(user)]
    if department_id:
        conditions.append(Graduate.department_id == department_id)
    if major_id:
        conditions.append(Graduate.major_id == major_id)
    if status == "deleted":
        conditions.append(Graduate.deleted_at.is_not(None))
    else:
        conditions.append(Graduate.deleted_at.is_(None))
        if status == "pending":
            conditions.append(Graduate.confirmed_at.is_(None))
        elif status == "confirmed":
            conditions.append(Graduate.confirmed_at.is_not(None))
    if q:
        conditions.append(
            or_(
                Graduate.name.contains(q, autoescape=True),
                Graduate.student_no.startswith(q, autoescape=True),
                Graduate.exam_no.startswith(q, autoescape=True),
                Graduate.id_number == q.upper(),
            )
        )

    page = paginate(
        select(
            Graduate.id,
            Graduate.name,
            Graduate.student_no,
            Graduate.id_number,
            Graduate.phone,
            Graduate.gender,
            Graduate.education,
            Graduate.graduate_ym,
            Graduate.confirmed_at,
            Graduate.deleted_at,
            Department.name.label("department_name"),
            Major.name.label("major_name"),
        )
        .join(Department, Department.id == Graduate.department_id)
        .join(Major, Major.id == Graduate.major_id)
        .where(*conditions)
        .order_by(Department.code, Major.code, Graduate.student_no, Graduate.id),
        request.args.get("page"),
        PAGE_SIZE,
    )

    departments = []
    if user.role == "school":
        departments = db.session.execute(
            select(Department.id, Department.name)
            .where(Department.school_id == user.school_id)
            .order_by(Department.code)
        ).all()
    majors = []
    if department_id:
        majors = db.session.execute(
            select(Major.id, Major.name)
            .where(Major.school_id == user.school_id, Major.department_id == department_id)
            .order_by(Major.code)
        ).all()

    args = {"department": department_id if user.role == "school" else None, "major": major_id,
            "status": status or None, "q": q or None}
    args = {k: v for k, v in args.items() if v}
    return render_template(
        "console/graduates.html",
        user=user,
        rows=page.items,
        page=page,
        departments=departments,
        majors=majors,
        department_id=department_id,
        major_id=major_id,
        status=status,
        statuses=STATUSES,
        q=q,
        args=args,
        can_manage=can_manage_basic_info(user),
        mask_id_number=mask_id_number,
        mask_phone=mask_phone,
        gender_label=code_list("gender").label,
        education_label=code_list("education").label,
    )


# --- detail ----------------------------------------------------------------------------


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    at: str
    who: str
    role: str
    action: str
    reason: str | None
    note: str | None
    changes: list[Change]


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("是" if value else "否")


def display_value(key: str, value: Any, names: dict[str, dict[int, str]]) -> str:
    """One stored field value as the guide shows it (labels, region names, 是/否)."""
    if value is None or value == "":
        return "-"
    if key in CODED_FIELDS:
        return code_list(CODED_FIELDS[key]).label(str(value))
    if key == "origin_region":
        return f"{region_name(str(value))}（{value}）"
    if key in ("archive_at_school", "hukou_at_school"):
        return _yes_no(bool(value))
    if key == "department_id":
        return names["department"].get(int(value), str(value))
    if key == "major_id":
        return names["major"].get(int(value), str(value))
    if key == "id_number":
        return mask_id_number(str(value))
    return str(value)


def _change_label(key: str) -> str:
    if key == "department_id":
        return FIELDS["department"]
    if key == "major_id":
        return FIELDS["major"]
    return FIELDS.get(key, key)


def build_history(graduate: Graduate) -> list[HistoryEntry]:
    """The graduate's audit events as a readable timeline (RV-6 style: who, role, when, what)."""
    events = audit.history("graduate", graduate.id)
    dept_ids: set[int] = set()
    major_ids: set[int] = set()
    for event in events:
        for key, pair in (event.data or {}).get("changes", {}).items():
            ids = {int(v) for v in pair if isinstance(v, int) or (isinstance(v, str) and v.isdigit())}
            if key == "department_id":
                dept_ids |= ids
            elif key == "major_id":
                major_ids |= ids
    names: dict[str, dict[int, str]] = {"department": {}, "major": {}}
    if dept_ids:
        names["department"] = dict(db.session.execute(
            select(Department.id, Department.name).where(Department.id.in_(dept_ids))).all())
    if major_ids:
        names["major"] = dict(db.session.execute(
            select(Major.id, Major.name).where(Major.id.in_(major_ids))).all())

    entries = []
    for event in reversed(events):  # newest first
        data = event.data or {}
        changes = [
            Change(_change_label(key), display_value(key, pair[0], names), display_value(key, pair[1], names))
            for key, pair in data.get("changes", {}).items()
            if isinstance(pair, list) and len(pair) == 2
        ]
        entries.append(HistoryEntry(
            at=timeutil.fmt(event.created_at),
            who=event.actor_name or "-",
            role=ROLE_LABELS.get(event.role, event.role),
            action=audit.action_label(event.action),
            reason=data.get("reason"),
            note=f"导入批次 {data['batch_id']} 第 {data['row']} 行" if "batch_id" in data and "row" in data else None,
            changes=changes,
        ))
    return entries


def _detail_fields(graduate: Graduate, full_id: bool) -> list[tuple[str, str, str]]:
    """(key, label, value) for every fig. 4 field, in the guide's order."""
    names = {"department": {graduate.department_id: graduate.department.name},
             "major": {graduate.major_id: graduate.major.name}}
    out: list[tuple[str, str, str]] = []
    for key, label in FIELDS.items():
        if key == "id_number":
            value = graduate.id_number if full_id else mask_id_number(graduate.id_number)
        elif key == "department":
            value = graduate.department.name
        elif key == "major":
            value = graduate.major.name
        elif key == "sponsor_unit" and not graduate.is_directed:
            continue
        elif key == "schooling_years":
            value = f"{graduate.schooling_years}"
        else:
            value = display_value(key, getattr(graduate, key), names)
        out.append((key, label, value))
        if key == "id_number":
            out.append(("school", "毕业院校", graduate.school.name))
    return out


def _destination_overview(graduate: Graduate) -> dict[str, Any]:
    """The current destination of any kind (D-1) and every record with its timeline (RV-6)."""
    from wxbackend.console.review import history_entries  # review.py imports this module

    overview = destination_home.overview(graduate)
    for record in overview["records"]:
        record["history"] = history_entries(record.pop("timeline"))
    return overview


def _render_detail(graduate: Graduate, full_id: bool = False):  # type: ignore[no-untyped-def]
    user = _user()
    overview = _destination_overview(graduate)
    return render_template(
        "console/graduate_detail.html",
        user=user,
        graduate=graduate,
        fields=_detail_fields(graduate, full_id),
        full_id=full_id,
        masked_id=mask_id_number(graduate.id_number),
        history=build_history(graduate),
        current=overview["current"],
        destinations=overview["records"],
        can_manage=can_manage_basic_info(user, graduate),
        transfers=_transfers_overview(graduate),
        fmt=timeutil.fmt,
    )


def _transfers_overview(graduate: Graduate) -> list[dict[str, Any]]:
    from wxbackend.console.transfers import overview  # transfers.py imports this module

    return overview(graduate)


@bp.route("/graduates/<int:graduate_id>")
@staff_required(*REVIEWERS)
def graduate_detail(graduate_id: int):  # type: ignore[no-untyped-def]
    return _render_detail(_visible(graduate_id))


@bp.route("/graduates/<int:graduate_id>/reveal-id", methods=["POST"])
@staff_required(*REVIEWERS)
def graduate_reveal_id(graduate_id: int):  # type: ignore[no-untyped-def]
    """Show the full 身份证号 once, to a school reviewer, and record that it was seen."""
    graduate = _visible(graduate_id)
    user = _require_manager(graduate)
    audit.record(actor_for(user), "graduate.reveal_id", graduate)
    db.session.commit()
    response = _render_detail(graduate, full_id=True)
    return response, 200, {"Cache-Control": "no-store"}


# --- add and edit ----------------------------------------------------------------------


FORM_KEYS = tuple(FIELDS)


def _form_values_from(graduate: Graduate) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in FORM_KEYS:
        if key == "department":
            values[key] = graduate.department.code
        elif key == "major":
            values[key] = graduate.major.code
        elif key in ("archive_at_school", "hukou_at_school"):
            v = getattr(graduate, key)
            values[key] = "" if v is None else ("1" if v else "0")
        else:
            v = getattr(graduate, key)
            values[key] = "" if v is None else str(v)
    return values


def _form_values_from_request() -> dict[str, str]:
    return {key: (request.form.get(key) or "").strip() for key in FORM_KEYS}


def _field_errors(err: ApiError) -> dict[str, str]:
    """Map the service's errors (keyed by Chinese label) back to form inputs."""
    out: dict[str, str] = {}
    for label, message in err.fields.items():
        out[LABEL_TO_FIELD.get(label, label)] = message
    return out


def _render_form(user: User, values: dict[str, str], errors: dict[str, str], graduate: Graduate | None,
                 message: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    departments = db.session.scalars(
        select(Department).where(Department.school_id == user.school_id).order_by(Department.code)
    ).all()
    majors = db.session.execute(
        select(Major.code, Major.name, Major.department_id).where(Major.school_id == user.school_id)
        .order_by(Major.department_id, Major.code)
    ).all()
    majors_by_department: dict[int, list[Any]] = {}
    for m in majors:
        majors_by_department.setdefault(m.department_id, []).append(m)
    region_hint = ""
    if values.get("origin_region") and "origin_region" not in errors:
        from wxbackend.core.codes import resolve_region

        code = resolve_region(values["origin_region"])
        if code:
            region_hint = f"{region_name(code)}（{code}）"
    return render_template(
        "console/graduate_form.html",
        user=user,
        graduate=graduate,
        values=values,
        errors=errors,
        message=message,
        fields=FIELDS,
        departments=departments,
        majors_by_department=majors_by_department,
        codes={key: code_list(name).choices() for key, name in CODED_FIELDS.items()},
        region_hint=region_hint,
    ), status


@bp.route("/graduates/new", methods=["GET", "POST"])
@staff_required(*REVIEWERS)
def graduate_new():  # type: ignore[no-untyped-def]
    user = _require_manager()
    if request.method == "GET":
        return _render_form(user, {"training_mode": "1"}, {}, None)
    values = _form_values_from_request()
    key = once.claim("graduate.create", message="该毕业生信息已提交，请勿重复提交",
                     fallback=url_for("console.graduates"))
    try:
        graduate = services.create_graduate(actor_for(user), user, values)
        target = once.done(key, url_for("console.graduate_detail", graduate_id=graduate.id))
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        return _render_form(user, values, _field_errors(err), None, err.message, 400)
    flash(f"已新增毕业生 {graduate.name}", "success")
    return redirect(target)


@bp.route("/graduates/<int:graduate_id>/edit", methods=["GET", "POST"])
@staff_required(*REVIEWERS)
def graduate_edit(graduate_id: int):  # type: ignore[no-untyped-def]
    graduate = _visible(graduate_id)
    user = _require_manager(graduate)
    if graduate.deleted_at is not None:
        flash("该毕业生信息已删除，不能修改；如需恢复请重新新增或导入", "warning")
        return redirect(url_for("console.graduate_detail", graduate_id=graduate.id))
    if request.method == "GET":
        return _render_form(user, _form_values_from(graduate), {}, graduate)
    values = _form_values_from_request()
    try:
        changes = services.update_graduate(actor_for(user), user, graduate, values)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        return _render_form(user, values, _field_errors(err), graduate, err.message, 400)
    flash(f"已保存，修改了 {len(changes)} 项" if changes else "没有修改任何内容", "success")
    return redirect(url_for("console.graduate_detail", graduate_id=graduate.id))


# --- delete (L-7) ----------------------------------------------------------------------


@bp.route("/graduates/<int:graduate_id>/delete", methods=["GET", "POST"])
@staff_required(*REVIEWERS)
def graduate_delete(graduate_id: int):  # type: ignore[no-untyped-def]
    """Confirm, then delete a graduate's basic info with a reason (L-7)."""
    graduate = _visible(graduate_id)
    user = _require_manager(graduate)
    if graduate.deleted_at is not None:
        if request.method == "GET":
            flash("该毕业生信息已删除", "warning")
            return redirect(url_for("console.graduate_detail", graduate_id=graduate.id))
        return render_template("console/graduate_delete.html", graduate=graduate, reason="",
                               errors={}, message="该毕业生信息已删除，不能重复删除"), 409
    if request.method == "GET":
        return render_template("console/graduate_delete.html", graduate=graduate, reason="", errors={},
                               message=None)
    reason = (request.form.get("reason") or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "请填写删除原因"
    elif len(reason) > 200:
        errors["reason"] = "删除原因不能超过200个字"
    if not request.form.get("confirm"):
        errors["confirm"] = "请勾选确认"
    if errors:
        return render_template("console/graduate_delete.html", graduate=graduate, reason=reason,
                               errors=errors, message=None), 400
    try:
        services.delete_graduate(actor_for(user), user, graduate, reason)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        return render_template("console/graduate_delete.html", graduate=graduate, reason=reason,
                               errors={}, message=err.message), err.status
    flash(f"已删除毕业生 {graduate.name} 的基本信息", "success")
    return redirect(url_for("console.graduates"))
