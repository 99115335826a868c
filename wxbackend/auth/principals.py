"""Who is asking: console/portal sessions (flask-login), graduate web sessions, API tokens.

flask-login holds one id per session. Staff and employer accounts are ``u:<id>:<version>``
(the version ends every session when a password changes or an account is disabled);
graduates who signed in on the web are ``g:<id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, flash, redirect, request, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user, login_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from sqlalchemy.orm import undefer

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, User, password_matches
from wxbackend.core import audit, ratelimit, timeutil
from wxbackend.core.audit import ANONYMOUS, Actor
from wxbackend.core.db import db
from wxbackend.core.urls import current_path

MSG_BAD_LOGIN = "用户名或密码错误"

login_manager = LoginManager()
csrf = CSRFProtect()


class StaffPrincipal:
    """A logged-in staff or employer account, as flask-login sees it."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    kind = "staff"

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"u:{self.user.id}:{self.user.session_version}"

    @property
    def actor(self) -> Actor:
        return actor_for(self.user)


class GraduatePrincipal:
    """A graduate signed in through the web path (§1 way 2)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    kind = "graduate"

    def __init__(self, graduate: Graduate) -> None:
        self.graduate = graduate

    def get_id(self) -> str:
        return f"g:{self.graduate.id}"

    @property
    def actor(self) -> Actor:
        return actor_for(self.graduate)


class Anonymous(AnonymousUserMixin):
    kind = "anonymous"


def _load(session_id: str) -> Any:
    kind, _, rest = session_id.partition(":")
    if kind == "u":
        uid, _, version = rest.partition(":")
        # the console checks must_change_password on every request: load it with the account
        user = db.session.get(User, int(uid), options=[undefer(User.must_change_password)])
        if user is None or not user.active or str(user.session_version) != version:
            return None
        return StaffPrincipal(user)
    if kind == "g":
        graduate = db.session.get(Graduate, int(rest))
        if graduate is None or graduate.deleted_at is not None:
            return None
        return GraduatePrincipal(graduate)
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "strong"
    login_manager.login_view = "console.login"
    login_manager.login_message = "请先登录"
    csrf.init_app(app)
    ratelimit.count_per_account(app, _staff_id)


def _staff_id() -> int | None:
    user = current_staff()
    return user.id if user is not None else None


def current_staff() -> User | None:
    if getattr(current_user, "kind", None) == "staff":
        return current_user.user  # type: ignore[no-any-return]
    return None


def staff_user(*roles: str) -> User:
    """The signed-in account of a view that ``staff_required(*roles)`` guards."""
    user = current_staff()
    assert user is not None and (not roles or user.role in roles), "the view must be guarded by staff_required"
    return user


def current_graduate_web() -> Graduate | None:
    if getattr(current_user, "kind", None) == "graduate":
        return current_user.graduate  # type: ignore[no-any-return]
    return None


def staff_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a logged-in account with one of *roles* (any staff role when empty)."""

    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_staff()
            if user is None and current_graduate_web() is not None:
                abort(403)  # a graduate: the error page says where their own pages are
            if user is None:
                flash("请先登录", "warning")
                return redirect(url_for("console.login", next=current_path()))
            allowed = roles or ("admin", "school", "department")
            if user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return deco


def graduate_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_graduate_web() is None:
            return redirect(url_for("auth.graduate_login", next=current_path()))
        return view(*args, **kwargs)

    return wrapped


def check_account_login(roles: tuple[str, ...], failed_action: str,
                        disabled_message: str) -> tuple[User | None, str, dict[str, str]]:
    """Check the posted username and password of an account with one of *roles*.

    Returns (user or None, the username as typed, {field: error}). A wrong password, an unknown
    name and an account of another role get the same answer and an audit event.
    """
    errors: dict[str, str] = {}
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    if not username:
        errors["username"] = "请输入用户名"
    if not password:
        errors["password"] = "请输入密码"
    if errors:
        return None, username, errors
    user = db.session.scalar(select(User).where(User.username == username))
    # the hash is checked first: a wrong role or an unknown name costs the same time as a wrong password
    if not password_matches(user, password) or user is None or user.role not in roles:
        audit.record(ANONYMOUS, failed_action, object_type="user", object_id=user.id if user else None,
                     username=username)
        db.session.commit()
        return None, username, {"password": MSG_BAD_LOGIN}
    if not user.active:
        return None, username, {"username": disabled_message}
    return user, username, {}


def sign_in_account(user: User, action: str, **data: Any) -> None:
    """Start the session of an account that passed :func:`check_account_login`, and record it."""
    user.last_login_at = timeutil.now()
    principal = StaffPrincipal(user)
    audit.record(principal.actor, action, object_type="user", object_id=user.id, **data)
    db.session.commit()
    login_user(principal)
