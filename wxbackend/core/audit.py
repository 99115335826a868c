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

#: What every audit action is called where people read logs and histories. A test checks that
#: every action the code records has a label here; ``register_labels`` lets a module add its own.
ACTION_LABELS: dict[str, str] = {
    # sign-in
    "auth.login": "毕业生登录",
    "auth.exchange": "小程序登录",
    "auth.bind_code_issued": "获取小程序绑定码",
    "auth.logout": "退出登录",
    "auth.login_refused": "登录被拒绝",
    "auth.wechat_bind": "绑定微信",
    # the official account
    "wechat.follow": "关注公众号",
    "wechat.unfollow": "取消关注公众号",
    "wechat.template_choice": "订阅消息设置",
    "auth.wechat_link": "关联同一微信在公众号与小程序的身份",
    "auth.wx_oauth_login": "微信公众号网页授权登录",
    "auth.wx_oauth_refused": "微信网页授权未完成",
    "auth.wx_bind_refused": "绑定微信被拒绝",
    "auth.console_login": "登录审核后台",
    "auth.console_login_failed": "审核后台登录失败",
    "auth.employer_login": "用人单位登录",
    "auth.employer_login_failed": "用人单位登录失败",
    # basic information
    "graduate.create": "新增基本信息",
    "graduate.update": "修改基本信息",
    "graduate.delete": "删除基本信息",
    "graduate.reveal_id": "查看完整身份证号",
    "graduate.import_create": "导入新增基本信息",
    "graduate.import_update": "导入修改基本信息",
    "graduate.confirm": "确认基本信息无误",
    "graduate.contact_sync": "从学信网同步手机号码、电子邮箱",
    "import.finished": "导入完成",
    "import.failed": "导入失败",
    "import.resumed": "导入中断后继续",
    # schools, accounts, employers
    "school.create": "新增学校",
    "school.update": "修改学校信息",
    "department.create": "新增院系",
    "department.update": "修改院系",
    "department.delete": "删除院系",
    "major.create": "新增专业",
    "major.update": "修改专业",
    "major.delete": "删除专业",
    "user.create": "新增账号",
    "user.update": "修改账号信息或审核范围",
    "user.disable": "停用账号",
    "user.enable": "启用账号",
    "user.password_reset": "重置账号密码",
    "user.password_change": "修改本人密码",
    "employer.register": "用人单位注册",
    "employer.create": "新增用人单位",
    "employer.profile_update": "修改单位信息",
    "employer.password_change": "修改密码",
    "employer.find_graduate": "用人单位查找毕业生",
    # notices
    "notice.create": "新建通知公告",
    "notice.update": "修改通知公告",
    "notice.publish": "发布通知公告",
    "notice.unpublish": "撤回通知公告",
    # destinations and signing
    "destination.create": "登记毕业去向",
    "destination.update": "修改毕业去向登记",
    "destination.void": "作废毕业去向登记",
    "destination.remove_attachment": "删除证明材料",
    "offline.create": "创建线下签约申请",
    "offline.update": "修改线下签约申请",
    "offline.send_link": "发送协助回传短信",
    "offline.termination_start": "申请线下解约",
    "offline.termination_update": "修改线下解约申请",
    "offline.termination_cancel": "撤销线下解约申请",
    "signing.invite": "发出签约邀请",
    "signing.accept": "接受签约邀请",
    "signing.decline": "拒绝签约邀请",
    "signing.withdraw_invitation": "撤回签约邀请",
    "signing.termination_start": "申请解约",
    "signing.termination_accept": "同意解约",
    "signing.termination_decline": "拒绝解约",
    "signing.termination_cancel": "撤销解约申请",
    # archive and hukou (transfers)
    "transfer_registration.create": "新建档案/户口信息登记",
    "transfer_registration.update": "修改档案/户口信息登记",
    "transfer_registration.cancel": "撤销档案/户口信息登记",
    "transfer_info.enter": "学校直接录入档案/户口信息",
    "receiving_office.create": "新增档案接收单位",
    "receiving_office.update": "修改档案接收单位",
    "receiving_office.delete": "删除档案接收单位",
    "receiving_office.import": "导入档案接收单位",
    "archive_dispatch.batch": "生成档案转递编号",
    "archive_dispatch.issue": "生成档案转递编号",
    "archive_dispatch.cancel": "作废档案转递编号",
    "archive_dispatch.import": "导入档案寄出运单",
    "archive_dispatch.sent": "登记档案已寄出",
    # reviews (``review.<action>`` from the review engine)
    "review.submit": "提交审核",
    "review.resubmit": "重新提交审核",
    "review.withdraw": "撤回修改",
    "review.pass": "审核通过",
    "review.return": "审核退回修改",
    "review.reject": "审核不通过",
    "review.edit": "审核人员修改信息",
    # files and demo data
    "file.upload": "上传图片",
    "demo.loaded": "载入演示数据",
    "demo.destinations": "载入演示毕业去向",
    "demo.wechat": "载入演示微信绑定",
}


def register_labels(labels: dict[str, str]) -> None:
    """Add a module's audit action labels (called from the module's ``init_app``)."""
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    """The Chinese name of *action*; an unlabelled one reads as 其他操作 rather than a raw code."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return label
    if action.endswith(".remove_attachment"):
        return "删除附件"
    return "其他操作"


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
    ip, ua = _origin()
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


def _origin() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return request.remote_addr, (request.user_agent.string or "")[:300] or None


def record_select(actor: Actor, action: str, object_type: str, rows: Any) -> None:
    """One audit event per row of *rows* — a SELECT of (object id, school id, data as a SQL JSON
    object, e.g. ``core.bulk.json_object``) — in one INSERT … SELECT, for set-based changes."""
    from sqlalchemy import insert, literal

    ip, ua = _origin()
    sub = rows.subquery("audited")
    object_id, school_id, data = sub.c
    db.session.execute(insert(AuditEvent).from_select(
        ["created_at", "actor_type", "actor_id", "actor_name", "role", "action", "object_type", "object_id",
         "school_id", "ip", "user_agent", "data"],
        select(literal(timeutil.now(), type_=AuditEvent.created_at.type), literal(actor.actor_type),
               literal(actor.actor_id, type_=Integer), literal(actor.name, type_=String), literal(actor.role),
               literal(action), literal(object_type), object_id, school_id, literal(ip, type_=String),
               literal(ua, type_=String), data)))


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
