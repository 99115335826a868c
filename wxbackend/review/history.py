"""One history stream for every record a graduate has (RV-6): what happened, who did it, in which role.

Two append-only tables feed it:

* ``review_event`` — what the review engine did to each review item of the record (submit, pass, …,
  written by ``engine._history``);
* ``record_event`` — what happened to the record outside review: an invitation sent, answered or
  expired, an agreement signed, failed or terminated, a termination request started or cancelled,
  a record voided. Written by the module, in the transaction of the change (``record``), or by the
  module's set-based SQL (the expiry job inserts its events in the statement that expires).

``timeline(kind, subject_id)`` merges both, oldest first, and every page or API that shows a record's
history reads it from there (the graduate API, the employer portal, the console's item page).

Actions of ``record_event`` (``ACTIONS``; the module's kind names the record):

=========  ==========================================================  ===============================
action     what happened                                               actor
=========  ==========================================================  ===============================
invite     an employer sent a 签约邀请 (ON-1, ON-2)                    employer
accept     the invitation accepted (ON-3, ON-8); a termination          graduate; the other party (OT-2)
           request accepted by the other party
decline    the same, declined (ON-6, ON-12; OT-2)                      graduate; the other party
expire     the invitation passed its 应约截止时间 unanswered (ON-3)    system (the expiry job)
withdraw   the sender withdrew an unanswered invitation (ON-11)        employer
sign       the school passed: 签约完成, ``data.agreement_no`` (ON-8)   system
fail       review rejected it: 签约失败, the reason (ON-9)              system
terminate  a termination passed review: 已解约,                         system
           ``data.termination_id`` (OT-3)
start      a termination request started (OT-1), ``data.reason_code``  graduate or employer
cancel     its initiator cancelled it before the answer                graduate or employer
void       the graduate voided an approved record (OD-4)               graduate
issue      the offline e-agreement got its 协议编号 and PDF (FS-3)       system
send_link  the employer was texted an upload link (FS-4, FS-8)         graduate
=========  ==========================================================  ===============================
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import audit, channel, timeutil
from wxbackend.core.audit import ROLE_LABELS, Actor
from wxbackend.core.db import Base, db
from wxbackend.review.models import ACTION_LABELS as REVIEW_ACTION_LABELS
from wxbackend.review.models import STAGE_LABELS, ReviewEvent, ReviewItem

#: What a record event is called when the record's kind does not name it otherwise.
ACTION_LABELS: dict[str, str] = {
    "invite": "发出邀请",
    "accept": "接受",
    "decline": "拒绝",
    "expire": "已失效",
    "withdraw": "撤回",
    "sign": "签约完成",
    "fail": "签约失败",
    "terminate": "已解约",
    "start": "发起申请",
    "cancel": "撤销申请",
    "void": "作废",
    "issue": "生成电子就业协议书",
    "send_link": "发送回传链接短信",
}
ACTIONS = tuple(ACTION_LABELS)

#: The names of record events per kind; modules may add theirs.
KIND_ACTION_LABELS: dict[str, dict[str, str]] = {
    "online_agreement": {
        "invite": "发出签约邀请",
        "accept": "接受签约邀请",
        "decline": "拒绝签约邀请",
        "expire": "签约邀请已失效",
        "withdraw": "撤回签约邀请",
    },
    "termination": {"start": "申请解约", "accept": "同意解约", "decline": "拒绝解约", "cancel": "撤销解约申请"},
}

#: Record events that follow from a review decision; at the same instant they come after it.
AFTER_REVIEW = frozenset({"sign", "fail", "terminate", "void"})


class RecordEvent(Base):
    """Append-only history of a record outside its review (RV-6); the database refuses UPDATE and DELETE."""

    __tablename__ = "record_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=timeutil.now)
    #: The record's kind, as review items name it: online_agreement, termination, other_destination, …
    kind: Mapped[str] = mapped_column(String(32))
    #: Id of the record in the module's own table.
    subject_id: Mapped[int] = mapped_column(Integer)
    #: Whose record it is and which school's, to scope reads. No foreign keys, as on audit_event: history
    #: never holds its subjects back, and the expiry job's bulk INSERT pays no per-row checks.
    graduate_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    #: graduate | staff | employer | system
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    #: Display name of the actor at the time.
    actor_name: Mapped[str | None] = mapped_column(String(100))
    #: The role acted in: graduate, employer, department, school, system.
    role: Mapped[str] = mapped_column(String(16))
    #: One of ``ACTIONS`` (see the module docstring).
    action: Mapped[str] = mapped_column(String(24))
    #: The actor's words: a decline reason, a 解约说明, the reason an agreement failed.
    reason: Mapped[str | None] = mapped_column(Text)
    #: What else the event says, e.g. ``{"agreement_no": …}`` for sign.
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: How the action reached the platform (``core.channel``); the expiry job's rows are the system's.
    channel: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (Index("ix_record_event_subject", "kind", "subject_id"),)


@dataclass(frozen=True)
class TimelineEvent:
    """One line of a record's history, from either table, ready to be shown."""

    at: datetime
    actor_type: str
    actor_name: str | None
    role: str
    role_label: str
    action: str
    action_label: str
    #: The review stage it happened in (review events): the stage entered for submit/resubmit,
    #: the stage decided or edited otherwise. None for record events.
    stage: str | None
    reason: str | None
    #: ``{label: [before, after]}`` of a reviewer's edit (RV-5); empty otherwise.
    changes: dict[str, Any] = field(default_factory=dict)
    #: Record events: their data. Review events: item_id and the stage/status moves.
    data: dict[str, Any] = field(default_factory=dict)
    #: record | review — which table it came from.
    source: str = "record"
    #: How it reached the platform (``core.channel``), None for rows older than the column.
    channel: str | None = None

    @property
    def channel_label(self) -> str:
        return channel.label(self.channel)

    @property
    def stage_label(self) -> str | None:
        return STAGE_LABELS.get(self.stage) if self.stage else None


def record(actor: Actor, kind: str, subject_id: int, action: str, *, graduate_id: int, school_id: int,
           reason: str | None = None, at: datetime | None = None, **data: Any) -> RecordEvent:
    """Add one event of a record to the session (the caller commits it with the change it describes).

    *at* defaults to now; pass the time the change stamped on the row so both read the same.
    """
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown record event action {action!r}")
    event = RecordEvent(
        at=at or timeutil.now(), kind=kind, subject_id=subject_id, graduate_id=graduate_id, school_id=school_id,
        actor_type=actor.actor_type, actor_id=actor.actor_id, actor_name=actor.name, role=actor.role,
        action=action, reason=reason, data=audit._jsonable(data),
        channel="system" if actor.actor_type == "system" else channel.current(),
    )
    db.session.add(event)
    return event


def action_label(kind: str, action: str) -> str:
    return KIND_ACTION_LABELS.get(kind, {}).get(action) or ACTION_LABELS.get(action, action)


def timeline(kind: str, subject_id: int, review_kinds: Iterable[str] | None = None) -> list[TimelineEvent]:
    """Everything that happened to one record, oldest first: its record events and its review events.

    *review_kinds* are the review kinds of the record's phases when they differ from *kind* (a record
    reviewed twice, e.g. 协议审核 and 签约审核); by default the record's review items are of *kind*.
    """
    return timelines(kind, [subject_id], review_kinds)[subject_id]


def timelines(kind: str, subject_ids: Iterable[int],
              review_kinds: Iterable[str] | None = None) -> dict[int, list[TimelineEvent]]:
    """``timeline`` of many records of one kind, in two queries; every id gets a list."""
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return {}
    records: dict[int, list[TimelineEvent]] = defaultdict(list)
    for r in db.session.scalars(
        select(RecordEvent).where(RecordEvent.kind == kind, RecordEvent.subject_id.in_(ids))
        .order_by(RecordEvent.at, RecordEvent.id)
    ):
        records[r.subject_id].append(_from_record(r))
    reviews: dict[int, list[TimelineEvent]] = defaultdict(list)
    for e, subject_id in db.session.execute(
        select(ReviewEvent, ReviewItem.subject_id).join(ReviewItem, ReviewItem.id == ReviewEvent.item_id)
        .where(ReviewItem.kind.in_(list(review_kinds or (kind,))), ReviewItem.subject_id.in_(ids))
        .order_by(ReviewEvent.id)
    ):
        reviews[subject_id].append(_from_review(e))
    return {i: _merge(records.get(i, []), reviews.get(i, [])) for i in ids}


def _merge(records: list[TimelineEvent], reviews: list[TimelineEvent]) -> list[TimelineEvent]:
    """Interleave the two streams by time, each keeping its own order.

    At the same instant (one transaction under a frozen clock) a record event comes before the
    review events — an acceptance before the submission it causes — unless it follows from a
    decision (``AFTER_REVIEW``: 签约完成 after the school's pass).
    """
    out: list[TimelineEvent] = []
    i = j = 0
    while i < len(records) and j < len(reviews):
        r, v = records[i], reviews[j]
        if r.at < v.at or (r.at == v.at and r.action not in AFTER_REVIEW):
            out.append(r)
            i += 1
        else:
            out.append(v)
            j += 1
    return out + records[i:] + reviews[j:]


def _from_record(r: RecordEvent) -> TimelineEvent:
    return TimelineEvent(
        at=r.at, actor_type=r.actor_type, actor_name=r.actor_name, role=r.role,
        role_label=ROLE_LABELS.get(r.role, r.role), action=r.action, action_label=action_label(r.kind, r.action),
        stage=None, reason=r.reason, changes={}, data=dict(r.data or {}), source="record", channel=r.channel,
    )


def _from_review(e: ReviewEvent) -> TimelineEvent:
    entered = e.action in ("submit", "resubmit")
    return TimelineEvent(
        at=e.at, actor_type=e.actor_type, actor_name=e.actor_name, role=e.role,
        role_label=ROLE_LABELS.get(e.role, e.role), action=e.action,
        action_label=REVIEW_ACTION_LABELS.get(e.action, e.action),
        stage=(e.to_stage if entered else e.from_stage) or e.to_stage, reason=e.reason,
        changes=dict(e.changes or {}),
        data={"item_id": e.item_id, "from_stage": e.from_stage, "to_stage": e.to_stage,
              "from_status": e.from_status, "to_status": e.to_status},
        source="review", channel=e.channel,
    )
