"""The one sender loop: claim due outbox rows, hand each to its channel's transport, record the outcome.

* **Claim with a lease.** A batch of due rows is claimed by pushing ``next_attempt_at`` one lease
  ahead with a conditional UPDATE, committed before anything is sent: a concurrent sender (another
  worker, or a second in-process job on SQLite) finds them not due and leaves them alone. A sender
  that dies mid-batch loses its claim when the lease ends, and the rows come back.
* **Transports.** Each channel has one :class:`Transport` registered by ``notify.init_app``. It looks
  up the batch's addresses at once (no query per row), says why a row cannot be sent at all
  (``refuse``) and makes one attempt (``deliver``), answering with a :class:`Result`. Only rows of
  enabled channels are claimed: WeChat rows wait, untouched, while WeChat messages are not configured.
* **Outcomes.** ``sent``; ``skipped`` — nothing to retry (no recipient, no template, refused by the user,
  older than ``MESSAGE_MAX_AGE_HOURS``); ``retry`` — a transient failure, tried again after 1 min,
  5 min, 30 min and 2 h, then ``failed``; ``failed`` — an error that retrying will not cure. The reason
  is kept in ``last_error``. The scheduler re-queues the sender every interval for the retries (MS-2).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.notify.models import NotificationOutbox

log = logging.getLogger(__name__)

BATCH = 50
#: How long a sender holds the rows it claimed (a crashed sender's rows come back after it).
LEASE = timedelta(minutes=5)
#: Pauses before the 2nd, 3rd, 4th and 5th attempt; after the 5th the row is ``failed``.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
OUTCOMES = ("sent", "skipped", "retry", "failed")
TOO_OLD = "消息已过时，不再发送"


@dataclass(frozen=True)
class Result:
    """The outcome of one delivery attempt: sent | skipped | retry | failed, with the reason."""

    status: str
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.status not in OUTCOMES:
            raise ValueError(f"unknown delivery outcome {self.status!r}")


SENT = Result("sent")


def skipped(reason: str) -> Result:
    """Nothing to retry: the message cannot or must not reach its recipient."""
    return Result("skipped", reason[:300])


def failed(reason: str) -> Result:
    """An error retrying will not cure (bad template, bad address, refused request)."""
    return Result("failed", reason[:300])


def retry(reason: str) -> Result:
    """A transient error (network, service busy): try again after the backoff."""
    return Result("retry", reason[:300])


class Transport(ABC):
    """How one channel delivers outbox rows; subclasses set ``channel`` and look up and deliver."""

    channel: str = ""

    @property
    def enabled(self) -> bool:
        """Whether rows of this channel are sent now; rows of a disabled channel stay pending."""
        return True

    @abstractmethod
    def addresses(self, rows: Sequence[NotificationOutbox]) -> Mapping[int, str | None]:
        """Row id → where to send it (openid, phone number) for the whole batch, in one look-up."""

    def refuse(self, row: NotificationOutbox, address: str | None) -> str | None:
        """Why *row* cannot be sent at all (it becomes ``skipped`` without an attempt), or None."""
        return None if address else "没有收件人"

    @abstractmethod
    def deliver(self, row: NotificationOutbox, address: str) -> Result:
        """Make one attempt to send *row* to *address*; answer, do not raise, for expected failures."""


def register(app: Flask, transport: Transport) -> None:
    """Make *transport* the app's transport for its channel (``notify.init_app`` registers them)."""
    app.extensions.setdefault("wx_notify", {})[transport.channel] = transport


def transports(app: Flask | None = None) -> dict[str, Transport]:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    registered: dict[str, Transport] = app.extensions.get("wx_notify", {})
    return registered


def enabled_channels() -> list[str]:
    return sorted(channel for channel, transport in transports().items() if transport.enabled)


def send_pending(max_batches: int = 200) -> dict[str, int]:
    """Send what is due on the enabled channels, batch by batch (claim, send, record); counts by outcome."""
    settings = current_app.config["SETTINGS"]
    registered = transports()
    channels = enabled_channels()
    max_age = timedelta(hours=settings.MESSAGE_MAX_AGE_HOURS)
    counts = dict.fromkeys(OUTCOMES, 0)
    if not channels:
        return counts
    for _ in range(max_batches):
        now = timeutil.now()
        ids = _claim(now, channels)
        if not ids:
            break
        rows = list(db.session.scalars(
            select(NotificationOutbox).where(NotificationOutbox.id.in_(ids)).order_by(NotificationOutbox.id)
            .execution_options(populate_existing=True)
        ))
        addresses: dict[int, str | None] = {}
        for channel in channels:
            batch = [row for row in rows if row.channel == channel]
            if batch:
                addresses.update(registered[channel].addresses(batch))
        for row in rows:
            outcome = _send(row, registered[row.channel], addresses.get(row.id), now, max_age)
            counts[outcome] += 1
        db.session.commit()
    return counts


def _claim(now: datetime, channels: Sequence[str]) -> list[int]:
    """Take up to BATCH due rows of *channels* for this sender and commit the claim before anything is sent."""
    due = (NotificationOutbox.status == "pending", NotificationOutbox.channel.in_(channels),
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


def _send(row: NotificationOutbox, transport: Transport, address: str | None, now: datetime,
          max_age: timedelta) -> str:
    reason = transport.refuse(row, address)
    if reason is not None:
        return _finish(row, "skipped", reason)
    if now - row.created_at > max_age:
        return _finish(row, "skipped", TOO_OLD)
    assert address is not None
    row.attempts += 1
    try:
        result = transport.deliver(row, address)
    except Exception as exc:  # a bug in one transport must not lose the batch's other outcomes
        log.exception("delivering message %s (%s) failed", row.id, row.channel)
        result = retry(f"{type(exc).__name__}: {exc}")
    if result.status == "sent":
        row.status, row.sent_at, row.last_error, row.next_attempt_at = "sent", now, None, None
        return "sent"
    if result.status == "retry":
        return _retry(row, now, result.reason or "")
    return _finish(row, result.status, result.reason or "")


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
