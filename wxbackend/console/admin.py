"""Console for the platform admin: schools — list and search, add, edit code, name and switches.

A school's page lists its reviewer accounts and links to creating its first 学校 account
(:mod:`wxbackend.console.accounts`). School and department reviewers get 403.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from wxbackend.accounts import organisation as org
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, School, User
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.console.views import bp
from wxbackend.core import audit, once, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import paginate

PAGE_SIZE = 50


def _admin() -> User:
    return staff_user("admin")


def _school(school_id: int) -> School:
    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    return school


@bp.route("/schools")
@staff_required("admin")
def schools():  # type: ignore[no-untyped-def]
    q = request.args.get("q", "").strip()[:50]
    accounts = (select(func.count(User.id)).where(User.school_id == School.id, User.role == "school")
                .correlate_except(User).scalar_subquery())
    graduates = (select(func.count(Graduate.id)).where(Graduate.school_id == School.id,
                                                       Graduate.deleted_at.is_(None))
                 .correlate_except(Graduate).scalar_subquery())
    stmt = (select(School.id, School.code, School.name, School.skip_department_review,
                   School.archive_module_enabled, School.hukou_module_enabled,
                   accounts.label("school_accounts"), graduates.label("graduates"))
            .order_by(School.code))
    if q:
        stmt = stmt.where(or_(School.code.startswith(q, autoescape=True), School.name.contains(q, autoescape=True)))
    page = paginate(stmt, request.args.get("page"), PAGE_SIZE)
    return render_template("console/schools.html", page=page, q=q, args={"q": q} if q else {})


def _form(school: School | None, values: dict[str, Any], errors: dict[str, str], message: str | None = None,
          status: int = 200) -> Any:
    history = audit.history("school", school.id) if school is not None else []
    school_accounts = []
    if school is not None:
        school_accounts = db.session.scalars(select(User).where(User.school_id == school.id, User.role == "school")
                                             .order_by(User.username)).all()
    return render_template("console/school_form.html", school=school, values=values, errors=errors,
                           message=message, switches=org.SCHOOL_SWITCHES, history=history,
                           school_accounts=school_accounts, fmt=timeutil.fmt), status


def _values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: form.get(k, "") for k in ("code", "name")}
    values.update({k: bool(form.get(k)) for k, _label in org.SCHOOL_SWITCHES})
    return values


@bp.route("/schools/new", methods=["GET", "POST"])
@staff_required("admin")
def school_new():  # type: ignore[no-untyped-def]
    admin = _admin()
    if request.method == "GET":
        return _form(None, {"archive_module_enabled": True, "hukou_module_enabled": True}, {})
    values = _values(request.form)
    key = once.claim("school.create", message="该学校已提交，请勿重复提交",
                     fallback=url_for("console.schools"))
    try:
        school = org.create_school(actor_for(admin), values["code"], values["name"],
                                   **{k: values[k] for k, _label in org.SCHOOL_SWITCHES})
    except ApiError as err:
        db.session.rollback()
        return _form(None, values, err.fields, "学校未保存", 400)
    target = once.done(key, url_for("console.school_edit", school_id=school.id))
    db.session.commit()
    flash(f"已新增学校“{school.name}”，请为其创建学校账号", "success")
    return redirect(target)


@bp.route("/schools/<int:school_id>", methods=["GET", "POST"])
@staff_required("admin")
def school_edit(school_id: int):  # type: ignore[no-untyped-def]
    admin = _admin()
    school = _school(school_id)
    if request.method == "GET":
        values: dict[str, Any] = {"code": school.code, "name": school.name}
        values.update({k: getattr(school, k) for k, _label in org.SCHOOL_SWITCHES})
        return _form(school, values, {})
    values = _values(request.form)
    try:
        changes = org.update_school(actor_for(admin), school, request.form)
    except ApiError as err:
        db.session.rollback()
        return _form(_school(school_id), values, err.fields, "学校信息未保存", 400)
    db.session.commit()
    flash(f"“{school.name}”已保存" if changes else "没有修改任何内容", "success")
    return redirect(url_for("console.school_edit", school_id=school_id))
