"""Who may see what: the one place that turns an account into query filters (RV-4, §1)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, false, true

from wxbackend.accounts.models import Graduate, User
from wxbackend.core.errors import NotFound


class Scoped(Protocol):
    """A record that belongs to one school and one of its departments (a graduate, a review item, …)."""

    school_id: Any
    department_id: Any


def scope_filter(user: User, model: type[Scoped]) -> ColumnElement[bool]:
    """A WHERE clause limiting rows of *model* (with ``school_id`` and ``department_id``) to *user*'s scope.

    A school account sees its school, a department account its department of that school, the
    platform admin everything, anybody else nothing. Callers that give the admin less (the review
    queue and review items: the admin reviews nothing) say so themselves.
    """
    if user.role == "school":
        return model.school_id == user.school_id  # type: ignore[no-any-return]
    if user.role == "department":
        return and_(model.school_id == user.school_id, model.department_id == user.department_id)
    if user.role == "admin":
        return true()
    return false()


def in_scope(user: User, obj: Scoped) -> bool:
    """``scope_filter`` for a loaded record."""
    if user.role == "school":
        return bool(obj.school_id == user.school_id)
    if user.role == "department":
        return bool(obj.school_id == user.school_id and obj.department_id == user.department_id)
    return user.role == "admin"


def graduate_filter(user: User) -> ColumnElement[bool]:
    """A WHERE clause limiting graduates to *user*'s scope."""
    return scope_filter(user, Graduate)


def can_see_graduate(user: User, graduate: Graduate) -> bool:
    return in_scope(user, graduate)


def can_manage_basic_info(user: User, graduate: Graduate | None = None) -> bool:
    """Only the school manages basic info (§1 note: 院系 contact the school to change it)."""
    if user.role != "school":
        return False
    return graduate is None or graduate.school_id == user.school_id


def get_visible_graduate(user: User, graduate_id: int) -> Graduate:
    """Load a graduate *user* may see, or 404 — the same answer whether it exists or not."""
    from wxbackend.core.db import db

    graduate = db.session.get(Graduate, graduate_id)
    if graduate is None or not can_see_graduate(user, graduate):
        raise NotFound()
    return graduate
