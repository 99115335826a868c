"""Reviewer accounts of a school (学校 and 院系 reviewers): create, edit scope, disable, reset password.

Who may manage whom is decided here, once (:func:`can_manage`, :func:`manageable_filter`): a school
reviewer manages the reviewer accounts of their own school, the platform admin those of every
school; nobody manages admin or employer accounts here, and nobody disables, resets or re-scopes
their own account (they use the change-password page). Disabling or resetting ends the account's
sessions (``session_version``); a password somebody else set must be changed at the next login.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, false, select

from wxbackend.accounts import passwords
from wxbackend.accounts.models import Department, School, User
from wxbackend.accounts.organisation import apply_changes, department_of_school
from wxbackend.core import audit
from wxbackend.core.audit import Actor
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Forbidden

REVIEWER_ROLES = ("school", "department")
DISPLAY_MAX = 100
#: The ``scope`` form value that means "the whole school" (a 学校 reviewer); a department id otherwise.
WHOLE_SCHOOL = "school"


def manageable_filter(by: User) -> ColumnElement[bool]:
    """A WHERE clause limiting accounts to those *by* may manage."""
    reviewer = User.role.in_(REVIEWER_ROLES)
    if by.role == "school":
        return and_(reviewer, User.school_id == by.school_id)
    if by.role == "admin":
        return reviewer
    return false()


def can_manage(by: User, target: User) -> bool:
    """May *by* see and change *target*'s account (their own only through the password page)."""
    if target.role not in REVIEWER_ROLES:
        return False
    if by.role == "admin":
        return True
    return by.role == "school" and target.school_id == by.school_id


def can_create_in(by: User, school: School) -> bool:
    return by.role == "admin" or (by.role == "school" and by.school_id == school.id)


def scope_choices(by: User, school: School) -> list[tuple[str, str]]:
    """(value, label) of the scopes *by* may give an account of *school*."""
    choices = [(WHOLE_SCHOOL, "学校（全校审核、管理基本信息）")]
    if by.role in ("school", "admin"):
        depts = db.session.scalars(select(Department).where(Department.school_id == school.id)
                                   .order_by(Department.code)).all()
        choices += [(str(d.id), f"院系：{d.name}") for d in depts]
    return choices


def scope_value(user: User) -> str:
    return WHOLE_SCHOOL if user.role == "school" else str(user.department_id)


def _clean_scope(form: Mapping[str, Any], school: School, errors: dict[str, str]) -> tuple[str, int | None]:
    raw = str(form.get("scope") or "").strip()
    if raw == WHOLE_SCHOOL:
        return "school", None
    dept = department_of_school(school.id, raw)
    if dept is None:
        errors["scope"] = "请选择账号的审核范围"
        return "", None
    return "department", dept.id


def _clean_display_name(form: Mapping[str, Any], errors: dict[str, str]) -> str:
    name = str(form.get("display_name") or "").strip()
    if not name:
        errors["display_name"] = "请填写姓名或名称"
    elif len(name) > DISPLAY_MAX:
        errors["display_name"] = f"姓名或名称不能超过{DISPLAY_MAX}个字"
    return name


def _chosen_password(form: Mapping[str, Any], errors: dict[str, str]) -> tuple[str, bool]:
    """(password, generated?) from the form's ``password_mode`` (generate | set)."""
    if str(form.get("password_mode") or "generate") != "set":
        return passwords.generate(), True
    password = str(form.get("password") or "")
    errors.update(passwords.password_errors(password, str(form.get("password_confirm") or "")))
    return password, False


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ApiError("invalid", "；".join(errors.values()), errors)


def create_reviewer(actor: Actor, by: User, school: School, form: Mapping[str, Any]) -> tuple[User, str | None]:
    """Create a 学校 or 院系 reviewer account of *school*; returns it and the generated password (or None).

    The new account must change its password at the first login.
    """
    if not can_create_in(by, school):
        raise Forbidden("只能为本校创建账号")
    errors: dict[str, str] = {}
    username = str(form.get("username") or "").strip()
    if not passwords.USERNAME.match(username):
        errors["username"] = "用户名为4–32位字母、数字或 _ . @ -" if username else "请填写用户名"
    elif db.session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = "该用户名已被使用，请换一个"
    display_name = _clean_display_name(form, errors)
    role, department_id = _clean_scope(form, school, errors)
    if by.role == "admin" and role != "school":
        errors["scope"] = "平台管理员只创建学校账号；院系账号由学校创建"
    password, generated = _chosen_password(form, errors)
    _refuse(errors)
    user = User(username=username, display_name=display_name, role=role, school_id=school.id,
                department_id=department_id, must_change_password=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, object_type="user", school_id=school.id, username=username,
                 role=role, department_id=department_id)
    return user, (password if generated else None)


def _not_self(by: User, target: User, message: str) -> None:
    if by.id == target.id:
        raise Forbidden(message)


def _check(by: User, target: User) -> None:
    if not can_manage(by, target):
        raise Forbidden("无权管理该账号")


def update_reviewer(actor: Actor, by: User, target: User, form: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Change the display name and the scope (whole school or one department) of *target*."""
    _check(by, target)
    school = db.session.get(School, target.school_id)
    assert school is not None
    errors: dict[str, str] = {}
    display_name = _clean_display_name(form, errors)
    role, department_id = _clean_scope(form, school, errors)
    if "scope" not in errors and by.id == target.id and (role, department_id) != (target.role, target.department_id):
        errors["scope"] = "不能修改自己账号的审核范围"
    _refuse(errors)
    values = {"display_name": display_name, "role": role, "department_id": department_id}
    changes = apply_changes(target, values)
    if changes:
        audit.record(actor, "user.update", target, object_type="user", changes=changes)
    return changes


def set_active(actor: Actor, by: User, target: User, active: bool) -> bool:
    """Enable or disable *target*; disabling ends its sessions at once. Returns whether anything changed."""
    _check(by, target)
    _not_self(by, target, "不能停用自己的账号")
    if target.active == active:
        return False
    target.active = active
    if not active:
        passwords.end_sessions(target)
    audit.record(actor, "user.enable" if active else "user.disable", target, object_type="user",
                 username=target.username)
    return True


def reset_password(actor: Actor, by: User, target: User, form: Mapping[str, Any]) -> str | None:
    """Give *target* a new password (generated, or typed by *by*); it must be changed at the next login.

    Ends the account's sessions. Returns the generated password, or None when *by* typed one.
    """
    _check(by, target)
    _not_self(by, target, "请在“修改密码”页面修改自己的密码")
    errors: dict[str, str] = {}
    password, generated = _chosen_password(form, errors)
    _refuse(errors)
    target.set_password(password)
    target.must_change_password = True
    passwords.end_sessions(target)
    audit.record(actor, "user.password_reset", target, object_type="user", generated=generated)
    return password if generated else None


def visible_account(by: User, user_id: int) -> User | None:
    """The account *user_id* if *by* may manage it (None otherwise: the same answer as a missing one)."""
    target = db.session.get(User, user_id)
    return target if target is not None and can_manage(by, target) else None


