"""Append-only audit events: who did what to which object, from where.

The table refuses UPDATE and DELETE at the database level (triggers created by the
migration), so history cannot be rewritten through the application either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import BigInteger, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base, db


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now, index=True)
    #: graduate | staff | employer | system | anonymous
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    #: Display name of the actor at the time, so history reads well after renames.
    actor_name: Mapped[str | None] = mapped_column(String(100))
    #: The role the actor acted in: graduate, department, school, admin, employer, system.
    role: Mapped[str] = mapped_column(String(16))
    #: Dotted verb, e.g. ``graduate.update``, ``auth.login_refused``.
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None]
    #: School the object belongs to, so reviewers can be scoped when reading history.
    school_id: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)


class Actor:
    """Who is acting: a small value object every service call receives."""

    def __init__(self, actor_type: str, actor_id: int | None, role: str, name: str | None = None) -> None:
        self.actor_type = actor_type
        self.actor_id = actor_id
        self.role = role
        self.name = name

    def __repr__(self) -> str:
        return f"Actor({self.actor_type}:{self.actor_id} as {self.role})"


#: What a role is called where people read histories and timelines.
ROLE_LABELS = {
    "graduate": "毕业生",
    "department": "院系",
    "school": "学校",
    "admin": "平台管理员",
    "employer": "用人单位",
    "system": "系统",
    "anonymous": "匿名",
}

SYSTEM = Actor("system", None, "system", "系统")
ANONYMOUS = Actor("anonymous", None, "anonymous", "匿名")


def record(
    actor: Actor,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    school_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Add one audit event to the current session (committed with the change it describes)."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__audit_type__", obj.__tablename__)
        object_id = object_id if object_id is not None else obj.id
        school_id = school_id if school_id is not None else getattr(obj, "school_id", None)
    ip = ua = None
    if has_request_context():
        ip = request.headers.get("X-Real-IP") or request.remote_addr
        ua = (request.user_agent.string or "")[:300] or None
    event = AuditEvent(
        actor_type=actor.actor_type,
        actor_id=actor.actor_id,
        actor_name=actor.name,
        role=actor.role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        school_id=school_id,
        ip=ip,
        user_agent=ua,
        data=_jsonable(data),
    )
    db.session.add(event)
    return event


def history(object_type: str, object_id: int) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    return list(db.session.scalars(stmt))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return timeutil.fmt(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
