"""The two-level review engine every module plugs into: one function per transition.

Functions add to the current session and never commit; the caller commits. Every transition
is a conditional UPDATE on ``(id, status, stage, version)``, so two concurrent actors (two
reviewers, or a reviewer and a withdrawing graduate) produce exactly one transition (RV-4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, false, select, update
from sqlalchemy.orm import aliased

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, School, User
from wxbackend.accounts.scope import in_scope, scope_filter
from wxbackend.core import audit, channel, timeutil
from wxbackend.core.audit import SYSTEM, Actor
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden, NotFound
from wxbackend.notify import notify_graduate
from wxbackend.review.models import (
    ACTION_LABELS,
    ReviewEvent,
    ReviewItem,
)

OUTCOMES = ("pass", "return", "reject")

#: Display names of the kinds of items; modules may add theirs.
KIND_LABELS: dict[str, str] = {
    "other_destination": "毕业去向登记",
    "online_agreement": "网上签约",
    "termination": "解约申请",
    "archive": "档案",
    "hukou": "户口",
}


@dataclass(frozen=True)
class Outcome:
    """What a module's hook receives after a decision, inside the deciding transaction."""

    item: ReviewItem
    #: pass | return | reject
    action: str
    actor: Actor
    reason: str | None

    @property
    def final(self) -> bool:
        """True when the item left review for good (approved or rejected)."""
        return self.item.status in ("approved", "rejected")


Hook = Callable[[Outcome], None]
_hooks: dict[str, list[Hook]] = defaultdict(list)


def on_outcome(kind: str) -> Callable[[Hook], Hook]:
    """Register *fn* to run after every pass/return/reject of items of *kind* (same transaction)."""

    def register(fn: Hook) -> Hook:
        if fn not in _hooks[kind]:
            _hooks[kind].append(fn)
        return fn

    return register


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def first_stage(school: School) -> str:
    return "school" if school.skip_department_review else "department"


# --- transitions -------------------------------------------------------------------


def submit(actor: Actor, kind: str, subject_id: int, graduate: Graduate, allow_return: bool = True) -> ReviewItem:
    """Put a module's record under review; it starts at the school's first stage."""
    if open_item(kind, subject_id) is not None:
        raise Conflict("already_pending", "该事项已提交，正在审核中")
    stage = first_stage(graduate.school)
    item = ReviewItem(
        school_id=graduate.school_id,
        department_id=graduate.department_id,
        graduate_id=graduate.id,
        kind=kind,
        subject_id=subject_id,
        stage=stage,
        status="pending",
        allow_return=allow_return,
        submitted_at=timeutil.now(),
        version=1,
    )
    db.session.add(item)
    db.session.flush()
    _history(actor, item, "submit", None, None, stage, "pending")
    return item


def resubmit(actor: Actor, item: ReviewItem) -> ReviewItem:
    """Send a returned item back to its first stage after the submitter's edits."""
    _check_submitter(actor, item)
    if item.status != "returned":
        raise Conflict("not_returned", "只有被退回修改的事项可以重新提交")
    stage = first_stage(db.session.get(School, item.school_id))  # type: ignore[arg-type]
    old_stage, old_status = item.stage, item.status
    if not _transition(item, item.version, stage=stage, status="pending", submitted_at=timeutil.now(),
                       decided_at=None):
        raise Conflict("not_returned", "只有被退回修改的事项可以重新提交")
    _history(actor, item, "resubmit", old_stage, old_status, item.stage, item.status)
    return item


def withdraw(actor: Actor, item: ReviewItem) -> ReviewItem:
    """撤回修改: allowed only while no reviewer has acted since the last submission (RV-3)."""
    _check_submitter(actor, item)
    refused = ApiError("already_reviewed", "审核人员已处理该事项，不能撤回", status=409)
    if item.status != "pending" or _reviewer_acted(item):
        raise refused
    old_stage = item.stage
    if not _transition(item, item.version, status="withdrawn"):
        raise refused
    _history(actor, item, "withdraw", old_stage, "pending", item.stage, item.status)
    return item


def decide(
    user: User,
    item_id: int,
    outcome: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ReviewItem:
    """Pass, return or reject an item waiting for *user* (RV-1, RV-2, RV-4)."""
    if outcome not in OUTCOMES:
        raise ApiError("invalid_outcome", "审核结果无效", {"outcome": "应为通过、退回修改或不通过"})
    reason = (reason or "").strip() or None
    if outcome != "pass" and reason is None:
        raise ApiError("reason_required", "退回修改或不通过时必须填写原因", {"reason": "请填写原因"})
    item = _load_for_reviewer(user, item_id)
    if outcome == "return" and not item.allow_return:
        raise ApiError("return_not_allowed", "该事项不支持退回修改，只能通过或不通过",
                       {"outcome": "不支持退回修改"})
    version = item.version if expected_version is None else expected_version
    now = timeutil.now()
    old_stage = item.stage
    values: dict[str, Any]
    if outcome == "pass":
        if item.stage == "department":
            values = {"stage": "school"}
        else:
            values = {"stage": "done", "status": "approved", "decided_at": now}
    else:
        values = {"status": "returned" if outcome == "return" else "rejected", "decided_at": now,
                  "last_reason": reason}
    if not _transition(item, version, **values):
        raise _not_waiting()
    actor = actor_for(user)
    _history(actor, item, outcome, old_stage, "pending", item.stage, item.status, reason=reason)
    notify_graduate(item.graduate_id, "review_result", *_result_text(item, outcome, old_stage, reason),
                    {"item_id": item.id, "kind": item.kind, "subject_id": item.subject_id, "action": outcome,
                     "stage": item.stage, "status": item.status, "reason": reason})
    result = Outcome(item=item, action=outcome, actor=actor, reason=reason)
    for hook in list(_hooks.get(item.kind, ())):
        hook(result)
    return item


def close(item: ReviewItem, reason: str, actor: Actor = SYSTEM) -> ReviewItem | None:
    """A system decision: a pending item becomes 不通过 with *reason*, without a reviewer.

    Used where a rule ends applications by itself (L-7: the graduate's basic info was deleted).
    The hooks run as after a rejection. An item that is no longer pending is left alone (None).
    """
    item = db.session.get(ReviewItem, item.id, populate_existing=True)  # type: ignore[assignment]
    if item is None or item.status != "pending":
        return None
    old_stage = item.stage
    if not _transition(item, item.version, status="rejected", decided_at=timeutil.now(), last_reason=reason):
        return None
    _history(actor, item, "reject", old_stage, "pending", item.stage, item.status, reason=reason)
    label = kind_label(item.kind)
    notify_graduate(item.graduate_id, "review_result", f"{label}审核不通过",
                    f"您的{label}已由系统处理为审核不通过，原因：{reason}",
                    {"item_id": item.id, "kind": item.kind, "subject_id": item.subject_id, "action": "reject",
                     "stage": item.stage, "status": item.status, "reason": reason})
    result = Outcome(item=item, action="reject", actor=actor, reason=reason)
    for hook in list(_hooks.get(item.kind, ())):
        hook(result)
    return item


def record_edit(user: User, item: ReviewItem, changes: dict[str, Any]) -> ReviewEvent | None:
    """Record a reviewer's direct edit of the submission (RV-5) and tell the graduate.

    *changes* is ``{field: [before, after]}``; unchanged fields are dropped. The module
    applies the edit to its own record in the same transaction.
    """
    item = _load_for_reviewer(user, item.id)
    changes = {k: [v[0], v[1]] for k, v in changes.items() if v[0] != v[1]}
    if not changes:
        return None
    if not _transition(item, item.version):
        raise _not_waiting()
    event = _history(actor_for(user), item, "edit", item.stage, item.status, item.stage, item.status,
                     changes=changes)
    label = kind_label(item.kind)
    notify_graduate(item.graduate_id, "info_edited", f"{label}信息被修改",
                    f"您的{label}信息已被{user.role_label}审核人员修改，请登录查看。",
                    {"item_id": item.id, "kind": item.kind, "subject_id": item.subject_id,
                     "fields": sorted(changes)})
    return event


# --- queries -----------------------------------------------------------------------


def open_item(kind: str, subject_id: int) -> ReviewItem | None:
    """The item of this record now waiting for a reviewer, if any."""
    return db.session.scalar(
        select(ReviewItem).where(ReviewItem.kind == kind, ReviewItem.subject_id == subject_id,
                                 ReviewItem.status == "pending")
    )


def latest_item(kind: str, subject_id: int) -> ReviewItem | None:
    return db.session.scalar(
        select(ReviewItem).where(ReviewItem.kind == kind, ReviewItem.subject_id == subject_id)
        .order_by(ReviewItem.id.desc()).limit(1)
    )


def history(item: ReviewItem) -> list[ReviewEvent]:
    """The item's history, oldest first (RV-6)."""
    return list(db.session.scalars(
        select(ReviewEvent).where(ReviewEvent.item_id == item.id).order_by(ReviewEvent.id)
    ))


def subject_history(kind: str, subject_id: int) -> list[ReviewEvent]:
    """Every event of every item of one record, oldest first (RV-6).

    A withdrawal followed by a new submission opens a new item; the record's history spans both.
    """
    return list(db.session.scalars(
        select(ReviewEvent).join(ReviewItem, ReviewItem.id == ReviewEvent.item_id)
        .where(ReviewItem.kind == kind, ReviewItem.subject_id == subject_id)
        .order_by(ReviewEvent.id)
    ))


def waiting_for(user: User, kind: str | None = None) -> Select[tuple[ReviewItem]]:
    """Items waiting for *user*'s decision, oldest submission first (the console queue).

    Items of graduates the school has deleted (L-7) leave the queue; their records stay readable.
    """
    owner = aliased(Graduate)  # an alias, so callers may still join Graduate themselves
    live = exists().where(owner.id == ReviewItem.graduate_id, owner.deleted_at.is_(None))
    stmt = select(ReviewItem).where(ReviewItem.status == "pending", live)
    if user.is_reviewer:  # a department reviewer decides the department stage, a school the school stage
        stmt = stmt.where(ReviewItem.stage == user.role, scope_filter(user, ReviewItem))
    else:  # the platform admin sees every graduate but reviews nothing
        stmt = stmt.where(false())
    if kind is not None:
        stmt = stmt.where(ReviewItem.kind == kind)
    return stmt.order_by(ReviewItem.submitted_at, ReviewItem.id)


def is_waiting_for(user: User, item: ReviewItem) -> bool:
    return item.status == "pending" and item.stage == user.role and _in_scope(user, item)


def can_see(user: User, item: ReviewItem) -> bool:
    """Whether *user* may read *item* at any stage: their school, or their department (RV-4)."""
    return _in_scope(user, item)


# --- internals ---------------------------------------------------------------------


def _not_waiting() -> Conflict:
    return Conflict("not_waiting", "该事项已被处理或不在您的审核环节")


def _in_scope(user: User, item: ReviewItem) -> bool:
    """Reviewers only: unlike graduates, review items are not the platform admin's to see."""
    return user.is_reviewer and in_scope(user, item)


def _load_for_reviewer(user: User, item_id: int) -> ReviewItem:
    """Load an item *user* may decide now: NotFound outside their scope, Conflict if not their turn."""
    if not user.is_reviewer:
        raise Forbidden("只有院系或学校审核人员可以审核")
    item = db.session.get(ReviewItem, item_id, populate_existing=True)
    if item is None or not _in_scope(user, item):
        raise NotFound()
    if item.status != "pending" or item.stage != user.role:
        raise _not_waiting()
    return item


def _check_submitter(actor: Actor, item: ReviewItem) -> None:
    if actor.actor_type == "graduate" and actor.actor_id != item.graduate_id:
        raise NotFound()


def _reviewer_acted(item: ReviewItem) -> bool:
    """Whether a reviewer passed, returned, rejected or edited since the last (re)submission."""
    actions = db.session.scalars(
        select(ReviewEvent.action).where(ReviewEvent.item_id == item.id).order_by(ReviewEvent.id.desc())
    )
    for action in actions:
        if action in ("submit", "resubmit"):
            return False
        if action in ("pass", "return", "reject", "edit"):
            return True
    return False


def _transition(item: ReviewItem, version: int, **values: Any) -> bool:
    """Apply *values* only if the item is still as read (status, stage, version); bump the version."""
    result = db.session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.status == item.status, ReviewItem.stage == item.stage,
               ReviewItem.version == version)
        .values(version=ReviewItem.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.refresh(item)
    return True


def _history(
    actor: Actor,
    item: ReviewItem,
    action: str,
    from_stage: str | None,
    from_status: str | None,
    to_stage: str | None,
    to_status: str | None,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
) -> ReviewEvent:
    """Write the history row (RV-6) and the matching audit event."""
    event = ReviewEvent(
        item_id=item.id,
        at=timeutil.now(),
        actor_type=actor.actor_type,
        actor_id=actor.actor_id,
        actor_name=actor.name,
        role=actor.role,
        action=action,
        from_stage=from_stage,
        to_stage=to_stage,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changes=audit._jsonable(changes or {}),
        channel="system" if actor.actor_type == "system" else channel.current(),
    )
    db.session.add(event)
    audit.record(actor, f"review.{action}", item, kind=item.kind, subject_id=item.subject_id,
                 from_stage=from_stage, to_stage=to_stage, from_status=from_status, to_status=to_status,
                 reason=reason, changes=changes or {})
    return event


def _result_text(item: ReviewItem, outcome: str, stage: str, reason: str | None) -> tuple[str, str]:
    label = kind_label(item.kind)
    who = "院系" if stage == "department" else "学校"
    if outcome == "pass" and item.status == "pending":
        return f"{label}院系审核通过", f"您的{label}已通过院系审核，等待学校审核。"
    if outcome == "pass":
        return f"{label}审核通过", f"您的{label}已通过{who}审核。"
    body = f"您的{label}被{who}{ACTION_LABELS[outcome]}，原因：{reason}"
    if outcome == "return":
        body += "。请修改后重新提交。"
    return f"{label}{ACTION_LABELS[outcome]}", body

