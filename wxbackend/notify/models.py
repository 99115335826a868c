"""The notification outbox: one row per message owed to someone, on one channel (MS-1, MS-2, MS-3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base

WECHAT = "wechat"
SMS = "sms"
CHANNELS = (WECHAT, SMS)
STATUSES = ("pending", "sent", "skipped", "failed")


class NotificationOutbox(Base):
    """A message owed to a graduate (WeChat) or a phone number (SMS); the sender delivers it (MS-1…MS-3)."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    #: wechat (subscribe message to the graduate's bound openid) | sms (text message to ``phone``).
    #: Only a server default: a Python-side one would be sent as NULL from the expiry job's INSERT in a WITH.
    channel: Mapped[str] = mapped_column(String(8), server_default=WECHAT)
    #: The recipient of a wechat row.
    graduate_id: Mapped[int | None] = mapped_column(ForeignKey("graduate.id"), index=True)
    #: The recipient of an sms row (e.g. an employer contact's mobile number).
    phone: Mapped[str | None] = mapped_column(String(20))
    #: review_result | info_edited | invitation_received | invitation_expired | termination_received | …
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: pending → sent | skipped (no recipient, no template, refused by the user, too old) | failed.
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    sent_at: Mapped[datetime | None]
    #: Delivery attempts so far; a retryable failure waits until ``next_attempt_at``.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When the row is due again: after a backoff, or when a sender's lease on it ends.
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        CheckConstraint("status IN ('pending','sent','skipped','failed')", name="status_known"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        CheckConstraint("channel IN ('wechat','sms')", name="channel_known"),
        CheckConstraint(
            "(channel = 'wechat' AND graduate_id IS NOT NULL) OR (channel = 'sms' AND phone IS NOT NULL)",
            name="has_recipient",
        ),
        Index(
            "ix_notification_outbox_unsent",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


class WechatTemplateConsent(Base):
    """What a WeChat user last chose for one subscribe-message template (accept or reject).

    Written from the callback's ``subscribe_msg_popup_event`` / ``subscribe_msg_change_event`` /
    ``subscribe_msg_sent_event``; the mini-program's "已开启消息提醒" is true only when the graduate
    accepted at least one template (:func:`wxbackend.notify.official_account.reminders_enabled`).
    """

    __tablename__ = "wechat_template_consent"

    #: The user's openid under the app that pushed the event (mini-program or official account).
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    #: accept | reject.
    status: Mapped[str] = mapped_column(String(8))
    #: WeChat's CreateTime of the event that set it (an older event never overwrites a newer one).
    changed_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (CheckConstraint("status IN ('accept','reject')", name="status_known"),)
