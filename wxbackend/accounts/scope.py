"""Who may see what: the one place that turns an account into query filters (RV-4, §1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, true

from wxbackend.accounts.models import Graduate, User
from wxbackend.core.errors import NotFound


def graduate_filter(user: User) -> Any:
    """A WHERE clause limiting graduates to *user*'s scope."""
    if user.role == "school":
        return Graduate.school_id == user.school_id
    if user.role == "department":
        return (Graduate.school_id == user.school_id) & (Graduate.department_id == user.department_id)
    if user.role == "admin":
        return true()
    return false()


def can_see_graduate(user: User, graduate: Graduate) -> bool:
    if user.role == "admin":
        return True
    if user.role == "school":
        return graduate.school_id == user.school_id
    if user.role == "department":
        return graduate.school_id == user.school_id and graduate.department_id == user.department_id
    return False


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
