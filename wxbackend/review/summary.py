"""Where each of many records stands in review, for lists: a fixed number of queries for any number."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import func, or_, select

from wxbackend.core.audit import ROLE_LABELS
from wxbackend.core.db import db
from wxbackend.review.models import ACTION_LABELS, ReviewEvent, ReviewItem

DECISIONS = ("pass", "return", "reject")


#: Inside ``for_graduate``: (graduate id, the graduate's states by (review kind, subject id), or None until
#: the first ``review_state`` call reads them).
_prefetch: ContextVar[tuple[int, dict[tuple[str, int], dict[str, Any]] | None] | None] = ContextVar(
    "review_state_prefetch", default=None)


@contextmanager
def for_graduate(graduate_id: int) -> Iterator[None]:
    """Within the block, ``review_state`` answers every kind from one read of the graduate's review items.

    A list of one graduate's records of several kinds (the destination home: other destinations,
    invitations, terminations, offline applications) asked each kind in turn, two statements each;
    inside this block the first call reads the latest item of every record of the graduate and their
    last events and decisions — two statements in all — and later calls read from that. For read-only
    blocks: what the block writes is not seen by later calls."""
    token = _prefetch.set((graduate_id, None))
    try:
        yield
    finally:
        _prefetch.reset(token)


def review_state(kind: str, subject_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Latest review item, its withdrawability and latest decision per record — two queries for any number
    (none more inside ``for_graduate``, once the graduate's are read)."""
    if not subject_ids:
        return {}
    prefetch = _prefetch.get()
    if prefetch is not None:
        graduate_id, states = prefetch
        if states is None:
            latest = (select(func.max(ReviewItem.id)).where(ReviewItem.graduate_id == graduate_id)
                      .group_by(ReviewItem.kind, ReviewItem.subject_id))
            items = list(db.session.scalars(select(ReviewItem).where(ReviewItem.id.in_(latest))))
            states = {(i.kind, i.subject_id): state for i, state in zip(items, _states(items), strict=True)}
            _prefetch.set((graduate_id, states))
        # a record of this graduate's has its items among them (items carry their record's graduate)
        return {sid: states[(kind, sid)] for sid in subject_ids if (kind, sid) in states}
    latest_item_ids = (
        select(func.max(ReviewItem.id))
        .where(ReviewItem.kind == kind, ReviewItem.subject_id.in_(subject_ids))
        .group_by(ReviewItem.subject_id)
    )
    items = list(db.session.scalars(select(ReviewItem).where(ReviewItem.id.in_(latest_item_ids))))
    return {i.subject_id: state for i, state in zip(items, _states(items), strict=True)}


def _states(items: list[ReviewItem]) -> list[dict[str, Any]]:
    """The state of each of *items* (latest items of their records), with one statement for their events."""
    item_ids = [i.id for i in items]
    last_events: dict[int, ReviewEvent] = {}
    last_decisions: dict[int, ReviewEvent] = {}
    if item_ids:
        # one statement for both: each item's last event and its last decision (often the same row)
        last_ids = (select(func.max(ReviewEvent.id)).where(ReviewEvent.item_id.in_(item_ids))
                    .group_by(ReviewEvent.item_id))
        decision_ids = (select(func.max(ReviewEvent.id))
                        .where(ReviewEvent.item_id.in_(item_ids), ReviewEvent.action.in_(DECISIONS))
                        .group_by(ReviewEvent.item_id))
        for e in db.session.scalars(select(ReviewEvent).where(
                or_(ReviewEvent.id.in_(last_ids), ReviewEvent.id.in_(decision_ids))).order_by(ReviewEvent.id)):
            last_events[e.item_id] = e  # ascending: the last one seen is the item's last event
            if e.action in DECISIONS:
                last_decisions[e.item_id] = e
    out: list[dict[str, Any]] = []
    for item in items:
        last = last_events.get(item.id)
        decision = last_decisions.get(item.id)
        out.append({
            "item": item,
            "withdrawable": item.status == "pending" and last is not None and last.action in ("submit", "resubmit"),
            "last_decision": None if decision is None else {
                "action": decision.action,
                "label": ACTION_LABELS[decision.action],
                "by": ROLE_LABELS.get(decision.role, decision.role),
                "at": decision.at,
                "reason": decision.reason,
            },
        })
    return out
