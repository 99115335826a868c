"""Delivering the notification outbox as WeChat messages (§9, MS-1, MS-2).

Every module writes what a graduate should be told into ``notification_outbox`` inside the
transaction that caused it (a review result, an invitation, an expired invitation, a termination
request, a reviewer's edit). After the commit a job (``jobs.messages.send_messages``) sends the
pending rows as mini-program subscribe messages to the graduate's bound WeChat identity.

* A row without a WeChat binding, without a configured template, refused by the user (43101) or
  older than ``MESSAGE_MAX_AGE_HOURS`` becomes ``skipped`` — nothing to retry.
* A transient failure (network, WeChat busy, rate limit) is retried with growing pauses
  (1 min, 5 min, 30 min, 2 h), then ``failed``. The scheduler re-queues the sender every interval.
* Sending happens after the user's action committed: a failed send never fails that action.
* Rows are claimed (a lease, committed before sending), so several workers — or two in-process
  jobs on SQLite — can send side by side without sending a message twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import current_app
from sqlalchemy import or_, select, update
from wechatpy.exceptions import WeChatClientException

from wxbackend.accounts.models import WechatBinding
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.review.models import NotificationOutbox

log = logging.getLogger(__name__)

BATCH = 50
#: How long a sender holds the rows it claimed (a crashed sender's rows come back after it).
LEASE = timedelta(minutes=5)
#: Pauses before the 2nd, 3rd, 4th and 5th attempt; after the 5th the row is ``failed``.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
#: WeChat errors that will not get better by retrying: the user refused or unsubscribed (43101),
#: the openid is not this app's (40003), the template or its data is wrong (40037, 47003).
PERMANENT = {43101: "用户未订阅或已拒收", 40003: "openid 无效", 40037: "模板 ID 无效", 47003: "模板参数不正确"}
#: Limits of subscribe-message values by key prefix (WeChat's rules).
LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32}


def template_data(row: NotificationOutbox, fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """``{"thing1": {"value": …}, …}`` from the row: each template key names its source.

    Sources: ``title``, ``body``, ``created_at`` (time), ``text:<literal>``, or ``data.<key>``.
    Values are cut to WeChat's limit for the key's type (``thing`` ≤ 20 characters, …).
    """
    out: dict[str, dict[str, str]] = {}
    for key, source in fields.items():
        if source == "title":
            value = row.title
        elif source == "body":
            value = row.body
        elif source == "created_at":
            value = timeutil.fmt(row.created_at, with_seconds=False)
        elif source.startswith("text:"):
            value = source[5:]
        elif source.startswith("data."):
            value = str((row.data or {}).get(source[5:], ""))
        else:
            value = ""
        limit = next((n for prefix, n in LIMITS.items() if key.startswith(prefix)), None)
        if limit and len(value) > limit:
            value = value[: limit - 1] + "…"
        out[key] = {"value": value or "-"}
    return out


def _claim(now: datetime) -> list[int]:
    """Take up to BATCH due rows for this sender and commit the claim before anything is sent.

    The claim pushes ``next_attempt_at`` one lease ahead with a conditional UPDATE: a concurrent
    sender (another worker, or a second in-process job) finds them not due and leaves them alone,
    on SQLite as on PostgreSQL. A sender that dies mid-batch loses its claim when the lease ends.
    """
    due = (NotificationOutbox.status == "pending",
           or_(NotificationOutbox.next_attempt_at.is_(None), NotificationOutbox.next_attempt_at <= now))
    ids = list(db.session.scalars(select(NotificationOutbox.id).where(*due)
                                  .order_by(NotificationOutbox.id).limit(BATCH)))
    if not ids:
        return []
    claimed = list(db.session.scalars(
        update(NotificationOutbox).where(NotificationOutbox.id.in_(ids), *due)
        .values(next_attempt_at=now + LEASE).returning(NotificationOutbox.id)
        .execution_options(synchronize_session=False)
    ))
    db.session.commit()
    return claimed


def send_pending(max_batches: int = 200) -> dict[str, int]:
    """Send what is due, batch by batch (claim, send, record); counts by outcome."""
    settings = current_app.config["SETTINGS"]
    templates = settings.message_templates
    counts = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    for _ in range(max_batches):
        now = timeutil.now()
        ids = _claim(now)
        if not ids:
            break
        rows = db.session.execute(
            select(NotificationOutbox, WechatBinding.openid)
            .outerjoin(WechatBinding, WechatBinding.graduate_id == NotificationOutbox.graduate_id)
            .where(NotificationOutbox.id.in_(ids)).order_by(NotificationOutbox.id)
            .execution_options(populate_existing=True)
        ).all()
        for row, openid in rows:
            outcome = _deliver(row, openid, templates, now, settings.MESSAGE_MAX_AGE_HOURS, _client)
            counts[outcome] += 1
        db.session.commit()
    return counts


def _client() -> Any:
    """The mini-program's wechatpy client (built once per app; access token shared through Redis)."""
    from wxbackend.auth.wechat import mini_client

    return mini_client()


def _deliver(row: NotificationOutbox, openid: str | None, templates: dict[str, Any], now: datetime,
             max_age_hours: int, client: Any) -> str:
    template = templates.get(row.kind)
    if openid is None:
        return _finish(row, "skipped", "未绑定微信")
    if template is None:
        return _finish(row, "skipped", f"未配置消息模板（{row.kind}）")
    if now - row.created_at > timedelta(hours=max_age_hours):
        return _finish(row, "skipped", "消息已过时，不再发送")
    row.attempts += 1
    try:
        client().wxa.send_subscribe_message(openid, template["template_id"], template_data(row, template["fields"]),
                                            page=template.get("page"))
    except WeChatClientException as exc:
        if exc.errcode in PERMANENT:
            return _finish(row, "skipped" if exc.errcode == 43101 else "failed",
                           f"{exc.errcode} {PERMANENT[exc.errcode]}")
        return _retry(row, now, f"{exc.errcode} {exc.errmsg}"[:300])
    except (requests.RequestException, ApiError) as exc:
        return _retry(row, now, f"{type(exc).__name__}: {exc}"[:300])
    row.status, row.sent_at, row.last_error, row.next_attempt_at = "sent", now, None, None
    return "sent"


def _finish(row: NotificationOutbox, status: str, reason: str) -> str:
    row.status, row.last_error, row.next_attempt_at = status, reason, None
    return status


def _retry(row: NotificationOutbox, now: datetime, error: str) -> str:
    if row.attempts >= MAX_ATTEMPTS:
        log.warning("message %s failed for good after %d attempts: %s", row.id, row.attempts, error)
        return _finish(row, "failed", error)
    row.last_error = error
    row.next_attempt_at = now + BACKOFF[row.attempts - 1]
    return "retry"
