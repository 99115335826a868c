"""Console: reviewer accounts (学校 and 院系) and every console user's own password.

A school reviewer manages the reviewer accounts of their own school; the platform admin those of
every school (and creates each school's first 学校 account from the school's page). Another school's
account, an admin or an employer account is 404; department reviewers get 403. The rules live in
:mod:`wxbackend.accounts.staff` and :mod:`wxbackend.accounts.passwords`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from wxbackend.accounts import passwords, staff
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Department, School, User
from wxbackend.auth.principals import StaffPrincipal, sign_in, staff_required, staff_user
from wxbackend.console.views import bp
from wxbackend.core import audit, once, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import paginate
from wxbackend.core.ratelimit import login_limit

PAGE_SIZE = 50
MANAGERS = ("school", "admin")
STATUSES = {"active": "正常", "disabled": "已停用"}


def _user() -> User:
    return staff_user()


def _account(by: User, user_id: int) -> User:
    target = staff.visible_account(by, user_id)
    if target is None:
        abort(404)
    return target


def _school_for_new(by: User, raw: Any) -> School:
    """The school a new account is for: the user's own, or for the admin the ``school`` argument."""
    if by.role == "school":
        school = db.session.get(School, by.school_id)
    else:
        school = db.session.get(School, int(raw)) if str(raw or "").isdigit() else None
    if school is None:
        abort(404)
    return school


def _no_store(response: Any) -> Any:
    """Pages that show a one-time password are never cached."""
    resp = make_response(response)
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --- list ---------------------------------------------------------------------------------------


@bp.route("/accounts")
@staff_required(*MANAGERS)
def accounts():  # type: ignore[no-untyped-def]
    user = _user()
    q = request.args.get("q", "").strip()[:50]
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    raw_school = request.args.get("school", "").strip()
    school_id = user.school_id if user.role == "school" else (int(raw_school) if raw_school.isdigit() else None)
    stmt = (select(User.id, User.username, User.display_name, User.role, User.active, User.must_change_password,
                   User.last_login_at, School.name.label("school_name"), Department.name.label("department_name"))
            .join(School, School.id == User.school_id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(staff.manageable_filter(user))
            .order_by(School.code, User.role.desc(), Department.code, User.username))
    if school_id:
        stmt = stmt.where(User.school_id == school_id)
    if status:
        stmt = stmt.where(User.active.is_(status == "active"))
    if q:
        stmt = stmt.where(or_(User.username.contains(q, autoescape=True),
                              User.display_name.contains(q, autoescape=True),
                              Department.name.contains(q, autoescape=True)))
    page = paginate(stmt, request.args.get("page"), PAGE_SIZE)
    args = {k: v for k, v in {"q": q, "status": status, "school": school_id if user.role == "admin" else None}.items()
            if v}
    school = db.session.get(School, school_id) if school_id else None
    return render_template("console/accounts.html", user=user, page=page, q=q, status=status, statuses=STATUSES,
                           school=school, args=args, fmt=timeutil.fmt)


# --- create -------------------------------------------------------------------------------------


def _create_form(by: User, school: School, values: dict[str, Any], errors: dict[str, str],
                 message: str | None = None, status: int = 200) -> Any:
    choices = staff.scope_choices(by, school)
    if by.role == "admin":
        choices = choices[:1]  # the admin creates 学校 accounts; the school creates its 院系 accounts
    return render_template("console/account_form.html", school=school, values=values, errors=errors,
                           message=message, choices=choices, password_min=passwords.PASSWORD_MIN), status


@bp.route("/accounts/new", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def account_new():  # type: ignore[no-untyped-def]
    user = _user()
    school = _school_for_new(user, request.values.get("school"))
    if request.method == "GET":
        return _create_form(user, school, {"password_mode": "generate",
                                           "scope": staff.WHOLE_SCHOOL if user.role == "admin" else ""}, {})
    values = {k: request.form.get(k, "") for k in ("username", "display_name", "scope", "password_mode")}
    key = once.claim("user.create", message="该账号已创建，请勿重复提交",
                     fallback=url_for("console.accounts"))
    try:
        account, generated = staff.create_reviewer(actor_for(user), user, school, request.form)
    except ApiError as err:
        db.session.rollback()  # the form key too: the corrected form submits again
        if err.status == 403:
            abort(403)
        return _create_form(user, school, values, err.fields, "账号未创建", 400)
    detail = url_for("console.account_detail", user_id=account.id)
    once.done(key, detail)
    db.session.commit()
    if generated is None:
        flash(f"已创建账号“{account.username}”，请将密码告知本人；首次登录须修改密码", "success")
        return redirect(detail)
    return _no_store(render_template("console/account_password.html", account=account, password=generated,
                                     created=True))


# --- detail: edit, disable/enable, reset password -------------------------------------------------


def _detail(by: User, target: User, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
            message: str | None = None, reset_errors: dict[str, str] | None = None, status: int = 200) -> Any:
    school = db.session.get(School, target.school_id)
    assert school is not None
    return render_template(
        "console/account_detail.html", user=by, account=target, school=school,
        values=values or {"display_name": target.display_name, "scope": staff.scope_value(target)},
        errors=errors or {}, reset_errors=reset_errors or {}, message=message,
        choices=staff.scope_choices(by, school), history=audit.history("user", target.id),
        is_self=by.id == target.id, password_min=passwords.PASSWORD_MIN, fmt=timeutil.fmt,
    ), status


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def account_detail(user_id: int):  # type: ignore[no-untyped-def]
    """The account, its history, and (POST) a change of its name or scope."""
    by = _user()
    target = _account(by, user_id)
    if request.method == "GET":
        return _detail(by, target)
    values = {k: request.form.get(k, "") for k in ("display_name", "scope")}
    try:
        changes = staff.update_reviewer(actor_for(by), by, target, request.form)
    except ApiError as err:
        db.session.rollback()
        return _detail(by, _account(by, user_id), values, err.fields, "账号信息未保存", status=400)
    db.session.commit()
    flash("账号信息已保存" if changes else "没有修改任何内容", "success")
    return redirect(url_for("console.account_detail", user_id=user_id))


@bp.route("/accounts/<int:user_id>/active", methods=["POST"])
@staff_required(*MANAGERS)
def account_active(user_id: int):  # type: ignore[no-untyped-def]
    """Disable (``active=0``: its sessions end at once) or enable (``active=1``) an account."""
    by = _user()
    target = _account(by, user_id)
    active = request.form.get("active") == "1"
    try:
        staff.set_active(actor_for(by), by, target, active)
    except ApiError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("console.account_detail", user_id=user_id))
    db.session.commit()
    flash(f"账号“{target.username}”已{'启用' if active else '停用，已登录的会话已退出'}", "success")
    return redirect(url_for("console.account_detail", user_id=user_id))


@bp.route("/accounts/<int:user_id>/password", methods=["POST"])
@staff_required(*MANAGERS)
def account_reset_password(user_id: int):  # type: ignore[no-untyped-def]
    """Reset the password: generated (shown once, on this response only) or typed; changed at next login."""
    by = _user()
    target = _account(by, user_id)
    try:
        generated = staff.reset_password(actor_for(by), by, target, request.form)
    except ApiError as err:
        db.session.rollback()
        target = _account(by, user_id)
        if err.status == 403:
            flash(err.message, "error")
            return redirect(url_for("console.account_detail", user_id=user_id))
        return _detail(by, target, reset_errors=err.fields, message="密码未重置", status=400)
    db.session.commit()
    if generated is None:
        flash(f"账号“{target.username}”的密码已重置，请告知本人；登录后须修改密码", "success")
        return redirect(url_for("console.account_detail", user_id=user_id))
    return _no_store(render_template("console/account_password.html", account=target, password=generated,
                                     created=False))


# --- one's own password ---------------------------------------------------------------------------


@bp.route("/password", methods=["GET", "POST"])
@staff_required()
@login_limit()
def password():  # type: ignore[no-untyped-def]
    """Change one's own password (current one, new one twice); the other sessions end."""
    user = _user()
    if request.method == "GET":
        return render_template("console/password.html", user=user, errors={}, password_min=passwords.PASSWORD_MIN)
    errors = passwords.change_own_password(user, request.form, "user.password_change")
    if errors:
        db.session.rollback()
        return render_template("console/password.html", user=_user(), errors=errors,
                               password_min=passwords.PASSWORD_MIN), 400
    db.session.commit()
    sign_in(StaffPrincipal(user), keep_session=True)  # this session continues with the new session version
    flash("密码已修改；其他设备上的登录已退出", "success")
    return redirect(url_for("console.home"))
