"""Reviewer web console (院系 and 学校 reviewers, platform admin): login, home.

Other console pages live in sibling modules that add routes to this blueprint
(``graduates``, ``imports``, ``notices``, ``departments``, ``accounts``, ``admin``); they are imported at
the bottom.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge

from wxbackend.accounts.models import Graduate, User
from wxbackend.accounts.scope import graduate_filter
from wxbackend.auth.principals import check_account_login, current_staff, sign_in_account, sign_out, staff_required
from wxbackend.core.db import db
from wxbackend.core.errors import http_error_response
from wxbackend.core.ratelimit import login_limit
from wxbackend.core.urls import safe_next
from wxbackend.review import engine
from wxbackend.review.models import ReviewItem

bp = Blueprint("console", __name__)
#: Not part of the API docs. APIFlask reads this flag of every blueprint that has a ``before_request``
#: function when it builds the OpenAPI spec; a plain Flask blueprint lacks it.
bp.enable_openapi = False  # type: ignore[attr-defined]

STAFF_ROLES = ("admin", "school", "department")

#: Upload endpoint → the page it shows for a request over MAX_CONTENT_LENGTH (see ``too_large_page``).
_TOO_LARGE_PAGES: dict[str, Callable[[RequestEntityTooLarge], Any]] = {}


def too_large_page(endpoint: str) -> Callable[[Callable[[RequestEntityTooLarge], Any]], Callable[..., Any]]:
    """Register the page *endpoint* shows for an oversize upload (next to its file field).

    The body is refused while the form is parsed — often by the CSRF check, before the view
    runs — so the blueprint has one handler that hands over to the endpoint's page.
    """

    def register(fn: Callable[[RequestEntityTooLarge], Any]) -> Callable[[RequestEntityTooLarge], Any]:
        _TOO_LARGE_PAGES[endpoint] = fn
        return fn

    return register


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    page = _TOO_LARGE_PAGES.get(request.endpoint or "")
    return page(err) if page is not None else http_error_response(err)


#: Pages an account that must change its password may still open.
_BEFORE_NEW_PASSWORD = {"console.password", "console.logout", "console.login"}


@bp.before_request
def _password_first():  # type: ignore[no-untyped-def]
    """A password somebody else set (a new account, a reset) is changed before any other page."""
    user = current_staff()
    if user is not None and user.must_change_password and request.endpoint not in _BEFORE_NEW_PASSWORD:
        flash("您的密码由管理员设置，请先修改密码", "warning")
        return redirect(url_for("console.password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@login_limit()
def login():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    username = ""
    if request.method == "POST":
        user, username, errors = check_account_login(STAFF_ROLES, "auth.console_login_failed",
                                                     "该账号已停用，请联系学校管理员")
        if user is not None:
            sign_in_account(user, "auth.console_login", school_id=user.school_id)
            return redirect(safe_next(request.args.get("next"), url_for("console.home")))
    return render_template("console/login.html", errors=errors, username=username), (400 if errors else 200)


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    sign_out()
    flash("已退出登录", "success")
    return redirect(url_for("console.login"))


@bp.route("/")
@staff_required()
def home():  # type: ignore[no-untyped-def]
    user = current_staff()
    assert user is not None
    scope = graduate_filter(user)
    live = Graduate.deleted_at.is_(None)
    total, confirmed = db.session.execute(
        select(func.count(Graduate.id), func.count(Graduate.confirmed_at)).where(scope, live)
    ).one()
    waiting: list[tuple[str, str, int]] = []
    if user.is_reviewer:
        waiting = waiting_counts(user)
    return render_template("console/home.html", user=user, total=total, confirmed=confirmed, waiting=waiting,
                           waiting_total=sum(n for _k, _l, n in waiting))


def waiting_counts(user: User) -> list[tuple[str, str, int]]:
    """(kind, label, count) of the items waiting for *user*, in one GROUP BY query."""
    counts = dict(db.session.execute(
        engine.waiting_for(user).order_by(None)
        .with_only_columns(ReviewItem.kind, func.count(ReviewItem.id))
        .group_by(ReviewItem.kind)
    ).all())
    return [(kind, engine.kind_label(kind), counts[kind]) for kind in sorted(counts, key=_kind_order)]


def _kind_order(kind: str) -> tuple[int, str]:
    keys = list(engine.KIND_LABELS)
    return (keys.index(kind) if kind in keys else len(keys), kind)


from wxbackend.console import (  # noqa: E402,F401
    accounts,
    admin,
    confirmations,
    departments,
    dispatch,
    employers,
    graduates,
    imports,
    notices,
    receiving_offices,
    reporting,
    review,
    signing,
    transfers,
    violations,
)
