"""Where each of many records stands in review, for lists: a fixed number of queries for any number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from wxbackend.core.audit import ROLE_LABELS
from wxbackend.core.db import db
from wxbackend.review.models import ACTION_LABELS, ReviewEvent, ReviewItem

DECISIONS = ("pass", "return", "reject")


def review_state(kind: str, subject_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Latest review item, latest event and latest decision per record — three queries for any number."""
    if not subject_ids:
        return {}
    latest_item_ids = (
        select(func.max(ReviewItem.id))
        .where(ReviewItem.kind == kind, ReviewItem.subject_id.in_(subject_ids))
        .group_by(ReviewItem.subject_id)
    )
    items = {i.subject_id: i for i in db.session.scalars(select(ReviewItem).where(ReviewItem.id.in_(latest_item_ids)))}
    item_ids = [i.id for i in items.values()]
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
    out: dict[int, dict[str, Any]] = {}
    for subject_id, item in items.items():
        last = last_events.get(item.id)
        decision = last_decisions.get(item.id)
        out[subject_id] = {
            "item": item,
            "withdrawable": item.status == "pending" and last is not None and last.action in ("submit", "resubmit"),
            "last_decision": None if decision is None else {
                "action": decision.action,
                "label": ACTION_LABELS[decision.action],
                "by": ROLE_LABELS.get(decision.role, decision.role),
                "at": decision.at,
                "reason": decision.reason,
            },
        }
    return out
