"""Other destinations (§4.5, OD-1…OD-4, D-1, D-2): every transition of a record, one function each.

Functions add to the session and flush; callers commit (uploads commit themselves, see
``files.service.store_upload``). Record writes are conditional on ``(id, status, version)``,
so a double click or two devices produce one change and a clean Conflict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, User
from wxbackend.accounts.modules import require_module
from wxbackend.core import audit, timeutil
from wxbackend.core.audit import Actor
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, NotFound
from wxbackend.destinations import catalogue
from wxbackend.destinations.catalogue import SubKind
from wxbackend.destinations.models import DestinationClaim, OtherDestination
from wxbackend.files import service as files
from wxbackend.review import engine as review
from wxbackend.review.models import ReviewItem

KIND = "other_destination"
#: Where the graduate may still change the record.
EDITABLE = ("draft", "returned")

#: Display names of the kinds that can hold the claim (D-1).
CLAIM_LABELS = {
    "other_destination": "其他毕业去向登记",
    "online_agreement": "网上签约",
    "offline_agreement": "电子就业协议书线下签约",
}


# --- D-1: the one current destination ---------------------------------------------------


def current_claim(graduate_id: int) -> DestinationClaim | None:
    return db.session.get(DestinationClaim, graduate_id, populate_existing=True)


def claim_refusal(claim: DestinationClaim) -> Conflict:
    label = CLAIM_LABELS.get(claim.kind, claim.kind)
    return Conflict(
        "destination_exists",
        f"你已有当前毕业去向（{label}），需先结束（撤回、解约或作废）后才能再登记",
    )


def claim(graduate_id: int, kind: str, subject_id: int) -> DestinationClaim:
    """Make ``(kind, subject_id)`` the graduate's current destination, or raise Conflict (D-1).

    The graduate is the primary key of ``destination_claim``: of two concurrent claims the
    database lets exactly one in. On refusal the transaction is rolled back: the request fails whole.
    """
    existing = current_claim(graduate_id)
    if existing is not None:
        if existing.kind == kind and existing.subject_id == subject_id:
            return existing
        raise claim_refusal(existing)
    row = DestinationClaim(graduate_id=graduate_id, kind=kind, subject_id=subject_id, claimed_at=timeutil.now())
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = current_claim(graduate_id)
        raise claim_refusal(existing) if existing else Conflict(
            "destination_exists", "你已有当前毕业去向，需先结束后才能再登记") from None
    return row


def release(graduate_id: int, kind: str, subject_id: int) -> bool:
    """End ``(kind, subject_id)`` as the current destination; True if it was."""
    result = db.session.execute(
        delete(DestinationClaim).where(DestinationClaim.graduate_id == graduate_id,
                                       DestinationClaim.kind == kind, DestinationClaim.subject_id == subject_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- loading ---------------------------------------------------------------------------


def get_own(graduate: Graduate, record_id: int) -> OtherDestination:
    """The graduate's own record, or 404 (same answer whether it exists or not)."""
    record = db.session.get(OtherDestination, record_id, populate_existing=True)
    if record is None or record.graduate_id != graduate.id:
        raise NotFound()
    return record


def _subkind_for(graduate: Graduate, key: Any) -> SubKind:
    kind = catalogue.subkind(key) if isinstance(key, str) else None
    if kind is None:
        raise ApiError("invalid_subkind", "请选择有效的毕业去向类型", {"subkind": "毕业去向类型无效"})
    refusal = catalogue.subkind_refusal(graduate, kind)
    if refusal:
        raise ApiError("subkind_not_allowed", refusal, {"subkind": refusal}, status=403)
    return kind


def _clean(graduate: Graduate, kind: SubKind, values: Any, require: bool) -> dict[str, Any]:
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ApiError("invalid_fields", "去向信息格式有误", {"fields": "应为对象"})
    clean, errors = catalogue.clean_fields(kind, values, require=require,
                                           readonly=catalogue.readonly_values(graduate, kind))
    if errors:
        raise ApiError("invalid_fields", "去向信息有误，请按提示修改", {f"fields.{k}": v for k, v in errors.items()})
    return clean


def _write(record: OtherDestination, **values: Any) -> None:
    """Conditional update on (id, status, version); Conflict when someone changed it meanwhile."""
    result = db.session.execute(
        update(OtherDestination)
        .where(OtherDestination.id == record.id, OtherDestination.status == record.status,
               OtherDestination.version == record.version)
        .values(version=OtherDestination.version + 1, updated_at=timeutil.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("record_changed", "该登记已被修改或状态已变化，请刷新后重试")
    db.session.refresh(record)


# --- the graduate's actions -----------------------------------------------------------------


def create(graduate: Graduate, subkind: Any, values: Any) -> OtherDestination:
    """Start a record of *subkind* as a draft (OD-1); one open record per graduate."""
    require_module(graduate, graduate.school, "destination")
    kind = _subkind_for(graduate, subkind)
    clean = _clean(graduate, kind, values, require=False)
    existing = db.session.scalar(
        select(OtherDestination.id).where(OtherDestination.graduate_id == graduate.id,
                                          OtherDestination.status.in_(("draft", "pending", "returned", "approved")))
    )
    if existing is not None:
        raise _open_exists()
    now = timeutil.now()
    record = OtherDestination(
        graduate_id=graduate.id, school_id=graduate.school_id, department_id=graduate.department_id,
        subkind=kind.key, group=kind.group, destination_code=kind.national_code(clean), fields=clean,
        status="draft", created_at=now, updated_at=now, version=1,
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _open_exists() from None
    audit.record(actor_for(graduate), "destination.create", record, subkind=kind.key, fields=clean)
    return record


def _open_exists() -> Conflict:
    return Conflict("record_exists", "你已有一条未作废的毕业去向登记，请在登记记录中修改，或作废后再登记")


def update_fields(graduate: Graduate, record: OtherDestination, subkind: Any, values: Any) -> OtherDestination:
    """Replace the sub-kind and fields of a draft or returned record."""
    require_module(graduate, graduate.school, "destination")
    if record.status not in EDITABLE:
        raise Conflict("not_editable", f"当前状态（{record.status_label}）不能修改；审核前可先撤回")
    kind = _subkind_for(graduate, subkind if subkind is not None else record.subkind)
    clean = _clean(graduate, kind, values, require=False)
    before = {"subkind": record.subkind, **record.fields}
    _write(record, subkind=kind.key, group=kind.group, destination_code=kind.national_code(clean), fields=clean)
    audit.record(actor_for(graduate), "destination.update", record,
                 changes=_diff(before, {"subkind": kind.key, **clean}))
    return record


def submit(graduate: Graduate, record: OtherDestination) -> OtherDestination:
    """Submit (or resubmit after a return) for review: complete fields, enough proofs, D-1 claim."""
    require_module(graduate, graduate.school, "destination")
    if record.status not in EDITABLE:
        raise Conflict("not_submittable", f"当前状态（{record.status_label}）不能提交")
    kind = _subkind_for(graduate, record.subkind)
    clean = _clean(graduate, kind, record.fields, require=True)
    proofs = files.attached_files(KIND, [record.id])[record.id]
    if len(proofs) < kind.proof.min:
        raise ApiError("proof_required", f"请上传{kind.proof.label}（至少{kind.proof.min}张）",
                       {"proofs": f"至少上传{kind.proof.min}张"})
    actor = actor_for(graduate)
    was = record.status
    claim(graduate.id, KIND, record.id)
    _write(record, status="pending", fields=clean, destination_code=kind.national_code(clean),
           submitted_at=timeutil.now())
    if was == "returned":
        item = review.latest_item(KIND, record.id)
        assert item is not None and item.status == "returned"
        review.resubmit(actor, item)
    else:
        review.submit(actor, KIND, record.id, graduate)
    return record


def withdraw(graduate: Graduate, record: OtherDestination) -> OtherDestination:
    """撤回修改 before any reviewer acted (RV-3, OD-2): back to a draft, no longer current."""
    item = review.open_item(KIND, record.id)
    if record.status != "pending" or item is None:
        raise Conflict("not_pending", "只有审核中的登记可以撤回")
    review.withdraw(actor_for(graduate), item)
    _write(record, status="draft")
    release(graduate.id, KIND, record.id)
    return record


def void(graduate: Graduate, record: OtherDestination) -> OtherDestination:
    """作废 an approved record, with no review (OD-4); reviewers still see it."""
    if record.status != "approved":
        raise Conflict("not_voidable", "只有审核通过的登记可以作废")
    _write(record, status="voided", voided_at=timeutil.now())
    release(graduate.id, KIND, record.id)
    audit.record(actor_for(graduate), "destination.void", record)
    return record


def add_proof(actor: Actor, record: OtherDestination, data: bytes, filename: str | None,
              user: User | None = None) -> Any:
    """Upload one proof image to *record* (FS-5 pipeline). A refused file changes nothing.

    With *user* (a reviewer whose turn it is) the addition is an edit (RV-5): the history row,
    the graduate's notification, the file and its attachment are committed together.
    """
    kind = catalogue.subkind(record.subkind)
    assert kind is not None
    item = _check_files_editable(actor, record, user)
    count = len(files.attached_files(KIND, [record.id])[record.id])
    if count >= kind.proof.max:
        raise ApiError("too_many_proofs", f"最多上传{kind.proof.max}张证明材料", {"file": "已达上限"})
    try:
        if item is not None:
            _record_reviewer_file_change(user, item, count, count + 1)
        return files.store_upload(actor, data, filename, owner_graduate_id=record.graduate_id,
                                  attach_to=(KIND, record.id))
    except Exception:
        db.session.rollback()
        raise


def remove_proof(actor: Actor, record: OtherDestination, file_id: int, user: User | None = None) -> None:
    """Detach one proof image; a reviewer's removal is an edit (RV-5). The caller commits."""
    item = _check_files_editable(actor, record, user)
    count = len(files.attached_files(KIND, [record.id])[record.id])
    if not files.detach(KIND, record.id, file_id):
        raise NotFound("该证明材料不存在")
    if item is not None:
        _record_reviewer_file_change(user, item, count, count - 1)
    audit.record(actor, "destination.remove_proof", record, file_id=file_id)


def _check_files_editable(actor: Actor, record: OtherDestination, user: User | None) -> ReviewItem | None:
    """Refuse a proof change the actor may not make now; for a reviewer, return the item waiting for them."""
    if user is not None:
        return _waiting_item(user, record)
    if actor.actor_type != "graduate" or actor.actor_id != record.graduate_id:
        raise NotFound()
    if record.status not in EDITABLE:
        raise Conflict("not_editable", f"当前状态（{record.status_label}）不能修改证明材料")
    return None


def _waiting_item(user: User, record: OtherDestination, expected_version: int | None = None) -> ReviewItem:
    """The record's open item if it waits for *user* (at *expected_version*, when given), else Conflict."""
    item = review.open_item(KIND, record.id)
    if item is None or not review.is_waiting_for(user, item) or (
            expected_version is not None and item.version != expected_version):
        raise Conflict("not_waiting", "该事项已被处理或不在您的审核环节")
    return item


def _record_reviewer_file_change(user: User, item: ReviewItem, before_count: int, after_count: int) -> None:
    review.record_edit(user, item, {"证明材料": [f"{before_count}张", f"{after_count}张"]})


# --- the reviewer's direct edit (OD-3, RV-5) ---------------------------------------------------


def reviewer_edit(user: User, record: OtherDestination, subkind: Any, values: Any,
                  expected_version: int | None = None) -> OtherDestination:
    """Change the sub-kind and fields while reviewing; recorded before/after, graduate notified.

    *expected_version* is the review item's version the reviewer saw; the edit is refused when the
    item moved on since (the engine's update is conditional on the version read here).
    """
    item = _waiting_item(user, record, expected_version)
    graduate = db.session.get(Graduate, record.graduate_id)
    assert graduate is not None
    kind = _subkind_for(graduate, subkind if subkind is not None else record.subkind)
    clean = _clean(graduate, kind, values, require=True)
    changes = _display_diff(record.subkind, record.fields, kind.key, clean)
    if not changes:
        return record
    review.record_edit(user, item, changes)
    _write(record, subkind=kind.key, group=kind.group, destination_code=kind.national_code(clean), fields=clean)
    return record


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _display_diff(old_kind_key: str, old: dict[str, Any], new_kind_key: str, new: dict[str, Any]
                  ) -> dict[str, list[Any]]:
    """{label: [before, after]} as people read them, for the history (RV-5)."""
    old_kind, new_kind = catalogue.subkind(old_kind_key), catalogue.subkind(new_kind_key)
    assert old_kind and new_kind
    out: dict[str, list[Any]] = {}
    if old_kind.key != new_kind.key:
        out["毕业去向类型"] = [old_kind.label, new_kind.label]
    for key in dict.fromkeys([*old, *new]):
        if old.get(key) == new.get(key):
            continue
        fd = catalogue.field_def(key)
        if fd is None:
            out[key] = [old.get(key), new.get(key)]
        else:
            out[fd.label] = [fd.display(old.get(key)), fd.display(new.get(key))]
    return out


# --- review outcomes ---------------------------------------------------------------------------


@review.on_outcome(KIND)
def _after_decision(outcome: review.Outcome) -> None:
    """Mirror the review result on the record; a rejection voids it and frees the graduate (OD-2)."""
    item: ReviewItem = outcome.item
    record = db.session.get(OtherDestination, item.subject_id, populate_existing=True)
    assert record is not None
    if item.status == "returned":
        _write(record, status="returned")
    elif item.status == "rejected":
        _write(record, status="rejected")
        release(record.graduate_id, KIND, record.id)
    elif item.status == "approved":
        _write(record, status="approved", approved_at=timeutil.now())
