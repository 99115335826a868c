"""Other destinations (§4.5, OD-1…OD-4, D-1, D-2): every transition of a record, one function each.

Functions add to the session and flush; callers commit (uploads commit themselves, see
``files.service.store_upload``). Record writes are conditional on ``(id, status, version)``,
so a double click or two devices produce one change and a clean Conflict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts import deadlines
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, User
from wxbackend.accounts.modules import require_module
from wxbackend.core import audit, signals, timeutil
from wxbackend.core.audit import Actor
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, NotFound
from wxbackend.destinations import catalogue
from wxbackend.destinations.catalogue import SubKind
from wxbackend.destinations.editor import editor_fields
from wxbackend.destinations.models import DestinationClaim, OtherDestination
from wxbackend.review import engine as review
from wxbackend.review import history, lifecycle
from wxbackend.transfers import policy as transfer_policy

KIND = "other_destination"
#: Where the graduate may still change the record.
EDITABLE = ("draft", "returned")

#: Display names of the kinds that can hold the claim (D-1).
CLAIM_LABELS = {
    "other_destination": "其他毕业去向登记",
    "online_agreement": "网上签约",
    "offline_agreement": "电子就业协议书线下签约",
    "paper_agreement": "已签协议信息登记",
}


# --- D-1: the one current destination ---------------------------------------------------


def current_claim(graduate_id: int, fresh: bool = True) -> DestinationClaim | None:
    """The graduate's current destination (D-1). *fresh* reads the row again even when this session
    holds it (every write path does); a read-only page that read it a moment ago may pass False."""
    return db.session.get(DestinationClaim, graduate_id, populate_existing=fresh)


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
    changed(graduate_id, kind, subject_id, "claimed")
    return row


def release(graduate_id: int, kind: str, subject_id: int) -> bool:
    """End ``(kind, subject_id)`` as the current destination; True if it was."""
    result = db.session.execute(
        delete(DestinationClaim).where(DestinationClaim.graduate_id == graduate_id,
                                       DestinationClaim.kind == kind, DestinationClaim.subject_id == subject_id)
        .execution_options(synchronize_session=False)
    )
    released = bool(result.rowcount)  # type: ignore[attr-defined]
    if released:
        changed(graduate_id, kind, subject_id, "released")
    return released


def changed(graduate_id: int, kind: str, subject_id: int, status: str) -> None:
    """Tell every listener that the graduate's destination changed (``core.signals.destination_changed``)."""
    signals.destination_changed.send(kind, graduate_id=graduate_id, kind=kind, subject_id=subject_id, status=status)


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


# --- the graduate's actions -----------------------------------------------------------------


def create(graduate: Graduate, subkind: Any, values: Any) -> OtherDestination:
    """Start a record of *subkind* as a draft (OD-1); one open record per graduate."""
    deadlines.require_open(graduate)  # RP-2
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
    deadlines.require_open(graduate)  # RP-2
    require_module(graduate, graduate.school, "destination")
    if record.status not in EDITABLE:
        raise Conflict("not_editable", f"当前状态（{record.status_label}）不能修改；审核前可先撤回")
    kind = _subkind_for(graduate, subkind if subkind is not None else record.subkind)
    clean = _clean(graduate, kind, values, require=False)
    before = {"subkind": record.subkind, **record.fields}
    lifecycle.write(record, subkind=kind.key, group=kind.group, destination_code=kind.national_code(clean),
                    fields=clean)
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
    lifecycle.submit(actor_for(graduate), RECORD, record, graduate, fields=clean,
                     destination_code=kind.national_code(clean))
    return record


def withdraw(graduate: Graduate, record: OtherDestination) -> OtherDestination:
    """撤回修改 before any reviewer acted (RV-3, OD-2): back to a draft, no longer current."""
    lifecycle.withdraw(actor_for(graduate), RECORD, record)
    return record


def void(graduate: Graduate, record: OtherDestination) -> OtherDestination:
    """作废 an approved record, with no review (OD-4); reviewers still see it."""
    deadlines.require_open(graduate)  # RP-2
    if record.status != "approved":
        raise Conflict("not_voidable", "只有审核通过的登记可以作废")
    now = timeutil.now()
    lifecycle.write(record, status="voided", voided_at=now)
    release(graduate.id, KIND, record.id)
    audit.record(actor_for(graduate), "destination.void", record)
    history.record(actor_for(graduate), KIND, record.id, "void", graduate_id=graduate.id,
                   school_id=record.school_id, at=now)
    changed(graduate.id, KIND, record.id, record.status)
    return record


def add_proof(actor: Actor, record: OtherDestination, data: bytes, filename: str | None,
              user: User | None = None) -> Any:
    """Upload one proof image to *record* (FS-5 pipeline); a reviewer's upload is an edit (RV-5)."""
    return lifecycle.add_attachment(actor, RECORD, record, data, filename, user=user)


def remove_proof(actor: Actor, record: OtherDestination, file_id: int, user: User | None = None) -> None:
    """Detach one proof image; a reviewer's removal is an edit (RV-5). The caller commits."""
    lifecycle.remove_attachment(actor, RECORD, record, file_id, user=user)


# --- the reviewer's direct edit (OD-3, RV-5) ---------------------------------------------------


def reviewer_edit(user: User, record: OtherDestination, subkind: Any, values: Any,
                  expected_version: int | None = None) -> OtherDestination:
    """Change the sub-kind and fields while reviewing; recorded before/after, graduate notified.

    *expected_version* is the review item's version the reviewer saw; the edit is refused when the
    item moved on since. The console reaches the same editor through the lifecycle.
    """
    item = review.open_item(KIND, record.id)
    if item is None:
        raise Conflict("not_waiting", "该事项已被处理或不在您的审核环节")
    data = {**(values if isinstance(values, dict) else {}), "subkind": subkind if subkind is not None else ""}
    lifecycle.reviewer_edit(user, item, data, expected_version)
    db.session.refresh(record)
    return record


class DestinationEditor:
    """The reviewer's direct edit of an other destination: the sub-kind and every field (OD-3)."""

    def form(self, record: OtherDestination, graduate: Graduate, data: Any, errors: dict[str, str]
             ) -> lifecycle.EditForm:
        current = catalogue.subkind(record.subkind)
        assert current is not None
        chosen = catalogue.subkind((data or {}).get("subkind") or "") or current
        if catalogue.subkind_refusal(graduate, chosen):
            chosen = current
        if data is None or "version" not in data:  # the record as stored, or a sub-kind switch (GET)
            values = dict(record.fields) if chosen.key == current.key else {
                k: v for k, v in record.fields.items() if chosen.field(k) is not None}
        else:
            values = {f.field.key: data.get(f.field.key, "") for f in chosen.fields if not f.source}
        readonly = catalogue.readonly_values(graduate, chosen)
        groups = [(g.label, [(k.key, k.label) for k in catalogue.subkinds()
                             if k.group == g.key and catalogue.subkind_refusal(graduate, k) is None])
                  for g in catalogue.groups()]
        notice = None
        if chosen.key != current.key:
            notice = (f"将把毕业去向类型由“{current.label}”改为“{chosen.label}”。同名的信息已保留，"
                      "请补全其余各项后保存。")
        proof = f"证明材料：{chosen.proof.label}" + (f"（至少 {chosen.proof.min} 张）" if chosen.proof.min else "")
        return lifecycle.EditForm(
            title="毕业去向登记",
            fields=editor_fields(chosen, values, readonly, errors),
            choice=lifecycle.EditChoice(name="subkind", label="毕业去向类型", value=chosen.key,
                                        groups=[g for g in groups if g[1]], error=errors.get("subkind"),
                                        notice=notice),
            notes=[f"{proof}；图片请在审核页面补充或删除。"],
            hidden={"subkind": chosen.key},
        )

    def apply(self, user: User, record: OtherDestination, graduate: Graduate, data: Any) -> dict[str, list[Any]]:
        kind = _subkind_for(graduate, data.get("subkind") or record.subkind)
        values = {f.field.key: _posted(data.get(f.field.key)) for f in kind.fields if not f.source}
        clean = _clean(graduate, kind, values, require=True)
        changes = _display_diff(record.subkind, record.fields, kind.key, clean)
        if changes:
            lifecycle.write(record, subkind=kind.key, group=kind.group, destination_code=kind.national_code(clean),
                   fields=clean)
        return changes


def _posted(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


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


# --- the lifecycle declaration -------------------------------------------------------------------


def _proof_policy(record: OtherDestination) -> lifecycle.AttachmentPolicy | None:
    kind = catalogue.subkind(record.subkind)
    if kind is None:  # pragma: no cover - the catalogue never loses a sub-kind
        return None
    return lifecycle.AttachmentPolicy(kind.proof.label, kind.proof.min, kind.proof.max, kind.proof.hint)


def _before_submit(record: OtherDestination, graduate: Graduate, phase: lifecycle.Phase) -> None:
    claim(graduate.id, KIND, record.id)


def _after_change(record: OtherDestination, old: str, new: str, outcome: Any) -> None:
    """Withdrawn or rejected: the record no longer holds the graduate's current destination (OD-2, D-1)."""
    if new in ("draft", "rejected") and old != new:
        release(record.graduate_id, KIND, record.id)
    if old != new:
        changed(record.graduate_id, KIND, record.id, new)


RECORD = lifecycle.RecordKind(
    name=KIND,
    model=OtherDestination,
    phases=(lifecycle.Phase(KIND, "毕业去向登记"),),
    attachments=_proof_policy,
    editor=DestinationEditor(),
    before_submit=_before_submit,
    after_change=_after_change,
    stamps={"pending": "submitted_at", "approved": "approved_at"},
)


# --- AR-8: what the archive and hukou forms' hint needs of the current destination -------------------

#: Sub-kinds whose archive and hukou rule is not the one of their group (AR-8).
_POLICY_SUBKINDS = {
    "overseas_study": transfer_policy.Situation(transfer_policy.ABROAD),
    "overseas_work": transfer_policy.Situation(transfer_policy.ABROAD),
    "conscript": transfer_policy.Situation(transfer_policy.EMPLOYED, "40"),
    "military_officer": transfer_policy.Situation(transfer_policy.EMPLOYED, "40"),
    "directed": transfer_policy.Situation(transfer_policy.EMPLOYED, directed=True),
}
_POLICY_GROUPS = {"other_employment": transfer_policy.EMPLOYED, "further_study": transfer_policy.FURTHER_STUDY}


def policy_situation(graduate: Graduate) -> transfer_policy.Situation | None:
    """The situation of a graduate whose current destination is an other-destination record (None otherwise)."""
    claim = current_claim(graduate.id)
    if claim is None or claim.kind != KIND:
        return None
    record = db.session.get(OtherDestination, claim.subject_id)
    if record is None:
        return None
    special = _POLICY_SUBKINDS.get(record.subkind)
    if special is not None:
        return special
    return transfer_policy.Situation(_POLICY_GROUPS.get(record.group, transfer_policy.UNEMPLOYED),
                                     record.fields.get("unit_nature"))
