"""What every page of the graduates' web shares: the blueprint, the gates, and how a refusal is shown.

The blueprint keeps the name ``auth`` its URLs have always had. The pages are thin: they read a
form, call one domain service (the same ones the mini-program's API calls), commit, and
redirect with a flash message (POST-redirect-GET), or show the form again with each field's
error next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, url_for

from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import module_state
from wxbackend.auth.principals import current_graduate_web, graduate_required
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, NotFound

bp = Blueprint("auth", __name__)

T = TypeVar("T")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"fmt": timeutil.fmt}


def me() -> Graduate:
    graduate = current_graduate_web()
    assert graduate is not None
    return graduate


def confirmed_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A signed-in graduate who confirmed their basic info (L-3); else the login page or the gate."""

    @graduate_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if me().confirmed_at is None:
            flash("请先核对基本信息并确认", "warning")
            return redirect(url_for("auth.graduate_home"))
        return view(*args, **kwargs)

    return wrapped


def module_required(key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Open module *key* only when it is available; else its page, which says why (L-5)."""

    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        @confirmed_required
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            graduate = me()
            if not module_state(graduate, graduate.school, key).available:
                return redirect(url_for("auth.module_page", key=key))
            return view(*args, **kwargs)

        return wrapped

    return deco


def owned(load: Callable[[], T]) -> T:
    """Load one of the graduate's own records through its service; anybody else's is a plain 404."""
    try:
        return load()
    except NotFound:
        abort(404)


def refused(err: ApiError, target: str) -> Any:
    """Undo the request's changes, say why in a flash message, go to *target* (PRG)."""
    db.session.rollback()
    flash(err.message, "error")
    return redirect(target)
