"""Console: the school's 院系 and 专业 — list and search, add, edit, delete when unused.

School reviewers only, for their own school (another school's department or major is 404);
department reviewers and the admin get 403. Every change goes through
:mod:`wxbackend.accounts.organisation`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from wxbackend.accounts import organisation as org
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Department, Graduate, Major, User
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.console.views import bp
from wxbackend.core import audit, once, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import paginate

PAGE_SIZE = 50


def _user() -> User:
    return staff_user("school")


def _department(user: User, department_id: int) -> Department:
    dept = db.session.get(Department, department_id)
    if dept is None or dept.school_id != user.school_id:
        abort(404)
    return dept


def _major(user: User, major_id: int) -> Major:
    major = db.session.get(Major, major_id)
    if major is None or major.school_id != user.school_id:
        abort(404)
    return major


def _live_graduates(column: Any) -> Any:
    return (select(func.count(Graduate.id)).where(Graduate.deleted_at.is_(None), column)
            .correlate_except(Graduate).scalar_subquery())


def _q() -> str:
    return request.args.get("q", "").strip()[:50]


# --- departments --------------------------------------------------------------------------------


@bp.route("/departments")
@staff_required("school")
def departments():  # type: ignore[no-untyped-def]
    user = _user()
    q = _q()
    majors = (select(func.count(Major.id)).where(Major.department_id == Department.id)
              .correlate_except(Major).scalar_subquery())
    accounts = (select(func.count(User.id)).where(User.department_id == Department.id)
                .correlate_except(User).scalar_subquery())
    stmt = (select(Department.id, Department.code, Department.name, majors.label("majors"),
                   _live_graduates(Graduate.department_id == Department.id).label("graduates"),
                   accounts.label("accounts"))
            .where(Department.school_id == user.school_id).order_by(Department.code, Department.id))
    if q:
        stmt = stmt.where(or_(Department.code.contains(q, autoescape=True),
                              Department.name.contains(q, autoescape=True)))
    page = paginate(stmt, request.args.get("page"), PAGE_SIZE)
    return render_template("console/departments.html", page=page, q=q, args={"q": q} if q else {})


def _department_form(dept: Department | None, values: dict[str, Any], errors: dict[str, str],
                     message: str | None = None, status: int = 200) -> Any:
    history = audit.history("department", dept.id) if dept is not None else []
    return render_template("console/department_form.html", dept=dept, values=values, errors=errors,
                           message=message, history=history, fmt=timeutil.fmt), status


@bp.route("/departments/new", methods=["GET", "POST"])
@staff_required("school")
def department_new():  # type: ignore[no-untyped-def]
    user = _user()
    if request.method == "GET":
        return _department_form(None, {}, {})
    values = {k: request.form.get(k, "") for k in ("code", "name")}
    key = once.claim("department.create", message="该院系已提交，请勿重复提交",
                     fallback=url_for("console.departments"))
    try:
        dept = org.create_department(actor_for(user), user.school_id, request.form)  # type: ignore[arg-type]
    except ApiError as err:
        db.session.rollback()  # the key too: the corrected form submits again
        return _department_form(None, values, err.fields, "院系未保存", 400)
    target = once.done(key, url_for("console.departments", q=dept.code))
    db.session.commit()
    flash(f"已新增院系“{dept.name}”", "success")
    return redirect(target)


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@staff_required("school")
def department_edit(department_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    dept = _department(user, department_id)
    if request.method == "GET":
        return _department_form(dept, {"code": dept.code, "name": dept.name}, {})
    values = {k: request.form.get(k, "") for k in ("code", "name")}
    try:
        changes = org.update_department(actor_for(user), dept, request.form)
    except ApiError as err:
        db.session.rollback()
        return _department_form(_department(user, department_id), values, err.fields, "院系未保存", 400)
    db.session.commit()
    flash(f"院系“{dept.name}”已保存" if changes else "没有修改任何内容", "success")
    return redirect(url_for("console.departments"))


@bp.route("/departments/<int:department_id>/delete", methods=["POST"])
@staff_required("school")
def department_delete(department_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    dept = _department(user, department_id)
    name = dept.name
    try:
        org.delete_department(actor_for(user), dept)
    except ApiError as err:
        db.session.rollback()
        dept = _department(user, department_id)
        return _department_form(dept, {"code": dept.code, "name": dept.name}, {}, err.message, 409)
    db.session.commit()
    flash(f"已删除院系“{name}”", "success")
    return redirect(url_for("console.departments"))


# --- majors -------------------------------------------------------------------------------------


def _school_departments(user: User) -> list[Any]:
    return list(db.session.execute(select(Department.id, Department.code, Department.name)
                                   .where(Department.school_id == user.school_id)
                                   .order_by(Department.code)).all())


@bp.route("/majors")
@staff_required("school")
def majors():  # type: ignore[no-untyped-def]
    user = _user()
    q = _q()
    raw = request.args.get("department", "").strip()
    department_id = int(raw) if raw.isdigit() else None
    stmt = (select(Major.id, Major.code, Major.name, Major.department_id, Department.name.label("department_name"),
                   _live_graduates(Graduate.major_id == Major.id).label("graduates"))
            .join(Department, Department.id == Major.department_id)
            .where(Major.school_id == user.school_id).order_by(Department.code, Major.code, Major.id))
    if department_id:
        stmt = stmt.where(Major.department_id == department_id)
    if q:
        stmt = stmt.where(or_(Major.code.contains(q, autoescape=True), Major.name.contains(q, autoescape=True)))
    page = paginate(stmt, request.args.get("page"), PAGE_SIZE)
    args = {k: v for k, v in {"department": department_id, "q": q}.items() if v}
    return render_template("console/majors.html", page=page, q=q, department_id=department_id, args=args,
                           departments=_school_departments(user))


def _major_form(user: User, major: Major | None, values: dict[str, Any], errors: dict[str, str],
                message: str | None = None, status: int = 200) -> Any:
    history = audit.history("major", major.id) if major is not None else []
    return render_template("console/major_form.html", major=major, values=values, errors=errors,
                           message=message, history=history, departments=_school_departments(user),
                           fmt=timeutil.fmt), status


def _major_values(form: Any) -> dict[str, str]:
    return {k: form.get(k, "") for k in ("department", "code", "name")}


@bp.route("/majors/new", methods=["GET", "POST"])
@staff_required("school")
def major_new():  # type: ignore[no-untyped-def]
    user = _user()
    if request.method == "GET":
        return _major_form(user, None, {"department": request.args.get("department", "")}, {})
    values = _major_values(request.form)
    key = once.claim("major.create", message="该专业已提交，请勿重复提交",
                     fallback=url_for("console.majors"))
    try:
        major = org.create_major(actor_for(user), user.school_id, request.form)  # type: ignore[arg-type]
    except ApiError as err:
        db.session.rollback()
        return _major_form(user, None, values, err.fields, "专业未保存", 400)
    target = once.done(key, url_for("console.majors", department=major.department_id))
    db.session.commit()
    flash(f"已新增专业“{major.name}”", "success")
    return redirect(target)


@bp.route("/majors/<int:major_id>/edit", methods=["GET", "POST"])
@staff_required("school")
def major_edit(major_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    major = _major(user, major_id)
    if request.method == "GET":
        values = {"department": str(major.department_id), "code": major.code, "name": major.name}
        return _major_form(user, major, values, {})
    values = _major_values(request.form)
    try:
        changes = org.update_major(actor_for(user), major, request.form)
    except ApiError as err:
        db.session.rollback()
        return _major_form(user, _major(user, major_id), values, err.fields, "专业未保存", 400)
    db.session.commit()
    flash(f"专业“{major.name}”已保存" if changes else "没有修改任何内容", "success")
    return redirect(url_for("console.majors", department=major.department_id))


@bp.route("/majors/<int:major_id>/delete", methods=["POST"])
@staff_required("school")
def major_delete(major_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    major = _major(user, major_id)
    name, department_id = major.name, major.department_id
    try:
        org.delete_major(actor_for(user), major)
    except ApiError as err:
        db.session.rollback()
        major = _major(user, major_id)
        values = {"department": str(major.department_id), "code": major.code, "name": major.name}
        return _major_form(user, major, values, {}, err.message, 409)
    db.session.commit()
    flash(f"已删除专业“{name}”", "success")
    return redirect(url_for("console.majors", department=department_id))
