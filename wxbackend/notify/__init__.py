"""Notifications: an outbox written with the change that caused it, sent afterwards on one channel (§9).

Why an outbox: whatever someone must be told (a review result, an invitation, an expired invitation,
a termination request, a reviewer's edit, an employer's upload link) is a ``notification_outbox`` row
added in the transaction that caused it. It exists exactly when that change committed, and sending
happens later, in a job queued after the commit — a slow or failing WeChat or SMS gateway never fails
or delays the user's action (MS-2).

Channels: a row goes either to a graduate over WeChat (subscribe message to the bound openid, MS-1)
or to a phone number by SMS (MS-3); the database checks that each row has its channel's recipient.
One sender loop (:mod:`wxbackend.notify.sender`) claims due rows with a committed lease, so parallel
senders never send a row twice, and hands each to its channel's transport (:mod:`.wechat`, :mod:`.sms`).

Modules call :func:`notify_graduate` or :func:`notify_phone` and commit; nothing else. What a user
should be shown about one message (e.g. "短信发送失败，请重试") comes from :func:`delivery_state`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from wxbackend.core import audit, timeutil
from wxbackend.core.db import db
from wxbackend.notify import sender
from wxbackend.notify.models import CHANNELS, SMS, WECHAT, NotificationOutbox
from wxbackend.notify.sender import send_pending
from wxbackend.notify.sms import SmsTransport, provider_for
from wxbackend.notify.wechat import WeChatSubscribeTransport

__all__ = [
    "CHANNELS",
    "SMS",
    "WECHAT",
    "NotificationOutbox",
    "delivery_state",
    "init_app",
    "notify_graduate",
    "notify_phone",
    "queue_sender",
    "send_pending",
]

SENDER_JOB = "jobs.messages.send_messages"


def notify_graduate(graduate_id: int, kind: str, title: str, body: str, data: dict[str, Any]) -> NotificationOutbox:
    """Owe the graduate a WeChat message (MS-1); it is sent by a job once this transaction commits (MS-2)."""
    return _add(NotificationOutbox(channel=WECHAT, graduate_id=graduate_id, kind=kind, title=title, body=body,
                                   data=audit._jsonable(data)))


def notify_phone(phone: str, kind: str, title: str, body: str, data: dict[str, Any]) -> NotificationOutbox:
    """Owe *phone* a text message (MS-3), e.g. an employer contact's link; sent after the commit (MS-2)."""
    phone = phone.strip()
    if not phone:
        raise ValueError("notify_phone needs a phone number")
    return _add(NotificationOutbox(channel=SMS, phone=phone, kind=kind, title=title, body=body,
                                   data=audit._jsonable(data)))


#: What the user sees of a row's status: waiting or being retried, sent, or given up on.
_SHOWN = {"pending": "pending", "sent": "sent", "failed": "failed", "skipped": "failed"}


def delivery_state(row_id: int) -> str | None:
    """``"pending"`` (not sent yet, or waiting for a retry), ``"sent"``, ``"failed"`` (failed or skipped:
    nothing more will be tried), or None when there is no outbox row *row_id*."""
    status = db.session.scalar(select(NotificationOutbox.status).where(NotificationOutbox.id == row_id))
    return None if status is None else _SHOWN[status]


def queue_sender(channel: str = WECHAT) -> None:
    """Queue one run of the sender after this transaction commits (once per transaction).

    Nothing is queued while *channel* is disabled (WeChat without its mini-program and templates);
    SMS is always enabled. Code that writes rows itself (the expiry job's INSERT … SELECT) calls this.
    """
    transport = sender.transports().get(channel)
    if transport is None or not transport.enabled:
        return
    from wxbackend.core.jobs import enqueue

    enqueue(SENDER_JOB, once=True)


def init_app(app: Flask) -> None:
    """Register the channels' transports: WeChat subscribe messages and SMS (log, HTTP gateway or Aliyun)."""
    settings = app.config["SETTINGS"]
    sender.register(app, WeChatSubscribeTransport(settings))
    sender.register(app, SmsTransport(provider_for(settings)))


def _add(row: NotificationOutbox) -> NotificationOutbox:
    row.created_at, row.attempts, row.status = timeutil.now(), 0, "pending"
    db.session.add(row)
    queue_sender(row.channel)
    return row
