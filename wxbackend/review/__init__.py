"""Two-level review (院系 → 学校) shared by every module.

A record's whole history (its review events and its own record events) is ``review.history``.
"""

from wxbackend.review.engine import (
    KIND_LABELS,
    OUTCOMES,
    Outcome,
    can_see,
    decide,
    is_waiting_for,
    latest_item,
    on_outcome,
    open_item,
    record_edit,
    resubmit,
    subject_history,
    submit,
    waiting_for,
    withdraw,
)
from wxbackend.review.models import ReviewEvent, ReviewItem

__all__ = [
    "KIND_LABELS",
    "OUTCOMES",
    "Outcome",
    "ReviewEvent",
    "ReviewItem",
    "can_see",
    "decide",
    "is_waiting_for",
    "latest_item",
    "on_outcome",
    "open_item",
    "record_edit",
    "resubmit",
    "subject_history",
    "submit",
    "waiting_for",
    "withdraw",
]
