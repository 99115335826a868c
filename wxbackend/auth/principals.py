"""Who is asking: console/portal sessions (flask-login), graduate web sessions, API tokens.

flask-login holds one id per session. Staff and employer accounts are ``u:<id>:<version>:<session>``
(the version ends every session when a password changes or an account is disabled);
graduates who signed in on the web are ``g:<id>:<session>``. ``<session>`` names a ``web_session`` row:
logging out ends it on the server, so a copied cookie is worth nothing afterwards. Loading the principal
and checking its session is one query.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask, abort, flash, redirect, request, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import delete, select, update
from sqlalchemy.orm import undefer

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import WEB_SESSION_DAYS, Graduate, User, WebSession, password_matches
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

    def __init__(self, user: User, session_id: str = "") -> None:
        self.user = user
        self.session_id = session_id

    def get_id(self) -> str:
        return f"u:{self.user.id}:{self.user.session_version}:{self.session_id}"

    @property
    def actor(self) -> Actor:
        return actor_for(self.user)


class GraduatePrincipal:
    """A graduate signed in through the web path (§1 way 2)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    kind = "graduate"

    def __init__(self, graduate: Graduate, session_id: str = "") -> None:
        self.graduate = graduate
        self.session_id = session_id

    def get_id(self) -> str:
        return f"g:{self.graduate.id}:{self.session_id}"

    @property
    def actor(self) -> Actor:
        return actor_for(self.graduate)


class Anonymous(AnonymousUserMixin):
    kind = "anonymous"


def _live(session_id: str) -> Any:
    """The ``web_session`` row *session_id* while it has not ended (the housekeeping job forgets rows
    older than ``WEB_SESSION_DAYS``, which ends them)."""
    return (WebSession.id == session_id) & WebSession.ended_at.is_(None)


def _load(login_id: str) -> Any:
    kind, _, rest = login_id.partition(":")
    if kind == "u":
        uid, version, session_id = (rest.split(":") + ["", ""])[:3]
        if not uid.isdigit() or not session_id:
            return None
        # the console checks must_change_password on every request: load it with the account
        user = db.session.scalar(select(User).join(WebSession, (WebSession.user_id == User.id) & _live(session_id))
                                 .where(User.id == int(uid)).options(undefer(User.must_change_password)))
        if user is None or not user.active or str(user.session_version) != version:
            return None
        return StaffPrincipal(user, session_id)
    if kind == "g":
        gid, _, session_id = rest.partition(":")
        if not gid.isdigit() or not session_id:
            return None
        graduate = db.session.scalar(select(Graduate).join(
            WebSession, (WebSession.graduate_id == Graduate.id) & _live(session_id)).where(Graduate.id == int(gid)))
        if graduate is None or graduate.deleted_at is not None:
            return None
        return GraduatePrincipal(graduate, session_id)
    return None


def sign_in(principal: StaffPrincipal | GraduatePrincipal, keep_session: bool = False) -> None:
    """Log *principal* in with a new server-side session (commits), or, with *keep_session*, in the
    session of whoever is logged in now (after a password change the same browser stays in)."""
    current = getattr(current_user, "session_id", "") if keep_session else ""
    if not current:
        current = secrets.token_urlsafe(32)
        if isinstance(principal, StaffPrincipal):
            db.session.add(WebSession(id=current, user_id=principal.user.id))
        else:
            db.session.add(WebSession(id=current, graduate_id=principal.graduate.id))
        db.session.commit()
    principal.session_id = current
    login_user(principal)


def sign_out() -> None:
    """End this browser's session on the server (a copy of its cookie stops working too) and log out."""
    session_id = getattr(current_user, "session_id", "")
    if session_id:
        db.session.execute(update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None))
                           .values(ended_at=timeutil.now()))
        db.session.commit()
    logout_user()


def purge_sessions() -> int:
    """Forget sessions that ended, or began more than ``WEB_SESSION_DAYS`` ago (a periodic job)."""
    cutoff = timeutil.now() - timedelta(days=WEB_SESSION_DAYS)
    result = db.session.execute(delete(WebSession).where(
        (WebSession.created_at < cutoff) | (WebSession.ended_at < timeutil.now() - timedelta(days=1))))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
    sign_in(principal)
