"""The reviewed-record lifecycle every module declares once (RV-1…RV-6).

The engine (:mod:`wxbackend.review.engine`) knows review items. A module's own record — an
other destination, an offline agreement, an archive registration — goes through the same steps
around them: the submitter submits it (or resubmits it after a return), withdraws it before any
reviewer acted (RV-3), attaches images within a per-kind minimum and maximum, the reviewer whose
turn it is edits it directly or changes its images (RV-5, recorded before/after), and the record's
own status follows its review item. A module declares that once as a :class:`RecordKind`:

* ``model``: its table; the lifecycle writes it with a conditional UPDATE on (id, status, version);
* ``phases``: one :class:`Phase` per review the record goes through (most have one; the offline
  e-agreement has 协议审核 and then 签约审核), each with its review kind and the declared mapping
  *review item status → record status*;
* ``attachments``: the :class:`AttachmentPolicy` for a record (label, min, max, hint), if any;
* ``editor``: the reviewer's direct edit (an :class:`Editor`: the form to show and how to apply it);
* ``before_submit`` / ``after_change``: the module's checks before a submission (complete fields,
  the D-1 claim) and its reactions after any status change (release the claim, stamp a time).

Transitions are one function each here; the module's services call them with its record.
A **system decision** (:func:`close`) ends a pending item without a reviewer, e.g. when the school
deletes the graduate (L-7): the item becomes 不通过 by ``系统`` and the record follows its mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select, update

from wxbackend.accounts import deadlines
from wxbackend.accounts.models import Graduate, User
from wxbackend.core import audit, timeutil
from wxbackend.core.audit import SYSTEM, Actor
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, NotFound
from wxbackend.files import service as files
from wxbackend.files.models import Attachment, StoredFile
from wxbackend.review import engine
from wxbackend.review.models import ReviewItem

#: The mapping most one-phase records use: a draft is submitted, returned, rejected or approved.
DEFAULT_STATUSES: Mapping[str, str] = {
    "pending": "pending",
    "returned": "returned",
    "rejected": "rejected",
    "approved": "approved",
    "withdrawn": "draft",
}


@dataclass(frozen=True)
class Phase:
    """One review a record goes through."""

    #: The review item kind of this phase (``ReviewItem.kind``), unique across the platform.
    review_kind: str
    #: How the console and messages name it (审核事项类型).
    label: str
    #: Review item status → the record's status (the module's state table).
    statuses: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_STATUSES))
    #: Record statuses from which the submitter may change the record and submit it in this phase.
    submittable_from: tuple[str, ...] = ("draft", "returned")
    #: False when the reviewer may only pass or reject (RV-1).
    allow_return: bool = True


@dataclass(frozen=True)
class AttachmentPolicy:
    """The images a record takes: what they are, how many at least (to submit) and at most."""

    label: str = "证明材料"
    min: int = 0
    max: int = 9
    hint: str | None = None


@dataclass
class EditChoice:
    """A selector above an edit form that reloads it (e.g. the sub-kind of an other destination)."""

    name: str
    label: str
    value: str
    #: [(group label, [(value, label), …]), …]
    groups: list[tuple[str, list[tuple[str, str]]]]
    error: str | None = None
    #: Shown when the chosen value differs from the record's (e.g. "将把…改为…").
    notice: str | None = None


@dataclass
class EditForm:
    """What the console's edit page draws for one record."""

    title: str
    fields: list[Any]
    choice: EditChoice | None = None
    notes: list[str] = field(default_factory=list)
    #: Hidden values the POST carries back (e.g. the chosen sub-kind).
    hidden: dict[str, str] = field(default_factory=dict)


class Editor(Protocol):
    """The reviewer's direct edit of one kind of record (RV-5)."""

    def form(self, record: Any, graduate: Graduate, data: Mapping[str, str] | None,
             errors: dict[str, str]) -> EditForm:
        """The form: *data* is what was posted (or the GET arguments), None for the record as stored."""
        ...

    def apply(self, user: User, record: Any, graduate: Graduate, data: Mapping[str, str]) -> dict[str, list[Any]]:
        """Validate *data* and write it to *record*; return ``{label: [before, after]}`` of what changed.

        Raise ``ApiError`` with ``fields`` for invalid input (nothing is written). The lifecycle records
        the change in the item's history and tells the graduate.
        """
        ...


#: ``after_change(record, old_status, new_status, outcome)`` — outcome is None for the submitter's own steps.
AfterChange = Callable[[Any, str, str, "engine.Outcome | None"], None]
#: ``before_submit(record, graduate, phase)`` — raise to refuse (fields incomplete, D-1 claim taken).
BeforeSubmit = Callable[[Any, Graduate, Phase], None]


@dataclass(frozen=True)
class RecordKind:
    """A kind of reviewed record, declared once by its module and registered from ``create_app``."""

    #: The record's name, also the attachment kind of its images (``attachment.kind``).
    name: str
    model: type
    phases: tuple[Phase, ...]
    attachments: Callable[[Any], AttachmentPolicy | None] | None = None
    editor: Editor | None = None
    before_submit: BeforeSubmit | None = None
    after_change: AfterChange | None = None
    #: Record statuses in which the submitter may add or remove images.
    files_editable: tuple[str, ...] = ("draft", "returned")
    #: Record status → the time column stamped when the record enters it (e.g. approved → approved_at).
    stamps: Mapping[str, str] = field(default_factory=dict)

    def phase(self, review_kind: str | None = None) -> Phase:
        if review_kind is None:
            return self.phases[0]
        for p in self.phases:
            if p.review_kind == review_kind:
                return p
        raise KeyError(review_kind)

    def policy(self, record: Any) -> AttachmentPolicy | None:
        return self.attachments(record) if self.attachments else None


_kinds: dict[str, RecordKind] = {}
_by_review_kind: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    """Declare *kind*: its phases' review kinds get their labels and the status-mirroring hook."""
    _kinds[kind.name] = kind
    for p in kind.phases:
        _by_review_kind[p.review_kind] = kind
        engine.KIND_LABELS.setdefault(p.review_kind, p.label)
        engine.on_outcome(p.review_kind)(_mirror_outcome)
    return kind


def kind_of(name: str) -> RecordKind:
    return _kinds[name]


def for_item(item: ReviewItem) -> RecordKind | None:
    """The record kind behind a review item, if its module declared one."""
    return _by_review_kind.get(item.kind)


def record_of(item: ReviewItem) -> Any:
    """The record behind *item* (NotFound for an item of an undeclared kind)."""
    kind = for_item(item)
    if kind is None:
        raise NotFound()
    record = db.session.get(kind.model, item.subject_id, populate_existing=True)
    if record is None:  # pragma: no cover - items are never orphaned
        raise NotFound()
    return record


# --- writing the record ------------------------------------------------------------------------


def write(record: Any, **values: Any) -> None:
    """Conditional UPDATE on (id, status, version); Conflict when someone changed it meanwhile."""
    model = type(record)
    if hasattr(model, "updated_at"):
        values.setdefault("updated_at", timeutil.now())
    result = db.session.execute(
        update(model)
        .where(model.id == record.id, model.status == record.status, model.version == record.version)
        .values(version=model.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("record_changed", "该登记已被修改或状态已变化，请刷新后重试")
    db.session.refresh(record)


def _move(kind: RecordKind, record: Any, new_status: str, outcome: engine.Outcome | None = None,
          **values: Any) -> None:
    old = record.status
    column = kind.stamps.get(new_status)
    if column is not None:
        values.setdefault(column, timeutil.now())
    if new_status != old or values:
        write(record, status=new_status, **values)
    if kind.after_change is not None:
        kind.after_change(record, old, new_status, outcome)


# --- the submitter's steps -----------------------------------------------------------------------


def _require_open(actor: Actor, graduate: Graduate | int) -> None:
    """RP-2: past the school's reporting deadline a graduate changes nothing of their own (reviewers still may)."""
    if actor.actor_type != "graduate":
        return
    found = graduate if isinstance(graduate, Graduate) else db.session.get(Graduate, graduate)
    if found is not None:
        deadlines.require_open(found)


def submit(actor: Actor, kind: RecordKind, record: Any, graduate: Graduate, review_kind: str | None = None,
           **values: Any) -> ReviewItem:
    """Submit *record* in its phase, or resubmit it after a return; the record follows the mapping.

    Checks the attachment minimum, then the module's ``before_submit`` (complete fields, D-1
    claim), then opens (or reopens) the review item. *values* are written with the status.
    """
    _require_open(actor, graduate)
    phase = kind.phase(review_kind)
    if record.status not in phase.submittable_from:
        raise Conflict("not_submittable", f"当前状态（{record.status_label}）不能提交")
    policy = kind.policy(record)
    if policy is not None and policy.min:
        count = attachment_count(kind, record)
        if count < policy.min:
            raise ApiError("proof_required", f"请上传{policy.label}（至少{policy.min}张）",
                           {"proofs": f"至少上传{policy.min}张"})
    if kind.before_submit is not None:
        kind.before_submit(record, graduate, phase)
    latest = engine.latest_item(phase.review_kind, record.id)
    _move(kind, record, phase.statuses["pending"], **values)
    if latest is not None and latest.status == "returned":
        return engine.resubmit(actor, latest)
    return engine.submit(actor, phase.review_kind, record.id, graduate, allow_return=phase.allow_return)


def withdraw(actor: Actor, kind: RecordKind, record: Any, review_kind: str | None = None) -> ReviewItem:
    """撤回 before any reviewer acted (RV-3): the item is withdrawn, the record follows the mapping."""
    _require_open(actor, record.graduate_id)
    phase = kind.phase(review_kind)
    item = engine.open_item(phase.review_kind, record.id)
    if item is None or record.status != phase.statuses["pending"]:
        raise Conflict("not_pending", "只有审核中的登记可以撤回")
    engine.withdraw(actor, item)
    _move(kind, record, phase.statuses["withdrawn"])
    return item


def close(item: ReviewItem, reason: str, actor: Actor = SYSTEM) -> ReviewItem | None:
    """A system decision: the pending *item* becomes 不通过 with *reason*, and its record follows.

    For rules such as L-7 (the school deleted the graduate: pending applications end 审核不通过).
    An item that is no longer pending is left alone (None).
    """
    return engine.close(item, reason, actor)


def close_open(graduate_id: int, reason: str) -> int:
    """Close every pending item of *graduate_id* of a declared kind; how many were closed."""
    items = list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.graduate_id == graduate_id, ReviewItem.status == "pending",
                                 ReviewItem.kind.in_(list(_by_review_kind)))
        .order_by(ReviewItem.id)
    ))
    return sum(1 for item in items if close(item, reason) is not None)


def _mirror_outcome(outcome: engine.Outcome) -> None:
    """After a decision (or a system close): the record takes the status its phase maps to."""
    item = outcome.item
    kind = _by_review_kind[item.kind]
    phase = kind.phase(item.kind)
    record = db.session.get(kind.model, item.subject_id, populate_existing=True)
    if record is None:  # pragma: no cover - items are never orphaned
        return
    new_status = phase.statuses.get(item.status, record.status)
    _move(kind, record, new_status, outcome)


# --- attachments (the submitter's, and the reviewer's as an edit, RV-5) ---------------------------


def attachment_count(kind: RecordKind, record: Any) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Attachment)
        .where(Attachment.kind == kind.name, Attachment.subject_id == record.id)
    ) or 0


def attachments(kind: RecordKind, record: Any) -> list[StoredFile]:
    return files.attached_files(kind.name, [record.id])[record.id]


def waiting_item(user: User, kind: RecordKind, record: Any, expected_version: int | None = None) -> ReviewItem:
    """The record's open item if it waits for *user* (at *expected_version*, when given), else Conflict."""
    for phase in kind.phases:
        item = engine.open_item(phase.review_kind, record.id)
        if item is not None:
            break
    if item is None or not engine.is_waiting_for(user, item) or (
            expected_version is not None and item.version != expected_version):
        raise Conflict("not_waiting", "该事项已被处理或不在您的审核环节")
    return item


def _files_item(actor: Actor, kind: RecordKind, record: Any, user: User | None,
                delegate: bool = False) -> ReviewItem | None:
    """Refuse a change of images the actor may not make now; for a reviewer, the item waiting for them.

    *delegate*: the caller has established that *actor* acts for the submitter on this one record
    (an employer through a signed upload link); the record's status still decides.
    """
    if user is not None:
        return waiting_item(user, kind, record)
    if not delegate and (actor.actor_type != "graduate" or actor.actor_id != record.graduate_id):
        raise NotFound()
    if record.status not in kind.files_editable:
        raise Conflict("not_editable", f"当前状态（{record.status_label}）不能修改证明材料")
    return None


def add_attachment(actor: Actor, kind: RecordKind, record: Any, data: bytes, filename: str | None,
                   user: User | None = None, delegate: bool = False) -> StoredFile:
    """Upload one image to *record* (FS-5 pipeline); a refused file changes nothing.

    With *user* (the reviewer whose turn it is) the addition is an edit (RV-5): the history row,
    the graduate's notification, the file and its attachment are committed together.
    """
    _require_open(actor, record.graduate_id)
    policy = kind.policy(record)
    if policy is None:
        raise NotFound()
    item = _files_item(actor, kind, record, user, delegate)
    count = attachment_count(kind, record)
    if count >= policy.max:
        raise ApiError("too_many_proofs", f"最多上传{policy.max}张证明材料", {"file": "已达上限"})
    try:
        if item is not None and user is not None:
            _record_file_change(user, item, policy, count, count + 1)
        return files.store_upload(actor, data, filename, owner_graduate_id=record.graduate_id,
                                  attach_to=(kind.name, record.id))
    except Exception:
        db.session.rollback()
        raise


def remove_attachment(actor: Actor, kind: RecordKind, record: Any, file_id: int, user: User | None = None,
                      delegate: bool = False) -> None:
    """Detach one image; a reviewer's removal is an edit (RV-5). The caller commits."""
    _require_open(actor, record.graduate_id)
    policy = kind.policy(record)
    if policy is None:
        raise NotFound()
    item = _files_item(actor, kind, record, user, delegate)
    count = attachment_count(kind, record)
    if not files.detach(kind.name, record.id, file_id):
        raise NotFound("该证明材料不存在")
    if item is not None and user is not None:
        _record_file_change(user, item, policy, count, count - 1)
    audit.record(actor, f"{kind.name}.remove_attachment", record, file_id=file_id)


def _record_file_change(user: User, item: ReviewItem, policy: AttachmentPolicy, before: int, after: int) -> None:
    """The history shows the image count before and after (the files themselves are on the item page)."""
    engine.record_edit(user, item, {"证明材料": [f"{before}张", f"{after}张"]})


# --- the reviewer's direct edit (RV-5) -------------------------------------------------------------


def can_edit(user: User, item: ReviewItem) -> bool:
    """Whether the item page offers 直接修改 and image changes: a declared editor, the reviewer's turn."""
    kind = for_item(item)
    return kind is not None and kind.editor is not None and engine.is_waiting_for(user, item)


def can_change_files(user: User, item: ReviewItem) -> bool:
    kind = for_item(item)
    return kind is not None and kind.attachments is not None and engine.is_waiting_for(user, item)


def edit_form(user: User, item: ReviewItem, data: Mapping[str, str] | None = None,
              errors: dict[str, str] | None = None) -> EditForm:
    kind = for_item(item)
    if kind is None or kind.editor is None:
        raise NotFound()
    record = record_of(item)
    graduate = db.session.get(Graduate, record.graduate_id)
    assert graduate is not None
    return kind.editor.form(record, graduate, data, errors or {})


def reviewer_edit(user: User, item: ReviewItem, data: Mapping[str, str], expected_version: int | None) -> bool:
    """Apply the reviewer's edit through the kind's editor; recorded before/after, graduate told (RV-5).

    *expected_version* is the item version the reviewer saw: the edit is refused (Conflict
    ``not_waiting``) when the item moved on since. Returns False when nothing changed.
    """
    kind = for_item(item)
    if kind is None or kind.editor is None:
        raise NotFound()
    record = record_of(item)
    item = waiting_item(user, kind, record, expected_version)
    graduate = db.session.get(Graduate, record.graduate_id)
    assert graduate is not None
    before = record.version
    changes = kind.editor.apply(user, record, graduate, data)
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    if not changes:
        return False
    if record.version == before:  # the editor validated but left the writing to us
        raise AssertionError("an editor must write the record it changed")  # pragma: no cover
    engine.record_edit(user, item, changes)
    return True


__all__ = [
    "DEFAULT_STATUSES", "AttachmentPolicy", "EditChoice", "EditForm", "Editor", "Phase", "RecordKind",
    "add_attachment", "attachment_count", "attachments", "can_change_files", "can_edit", "close",
    "close_open", "edit_form", "for_item", "kind_of", "record_of", "register", "remove_attachment",
    "reviewer_edit", "submit", "waiting_item", "withdraw", "write",
]
