"""The graduate's destination home (§4, fig. 6): registration entries and the 登记记录 list.

The list is assembled from *sources*, one per kind of record (other destinations here; online
invitations and agreements plug in later). Each source answers for all of the graduate's
records of its kind in a fixed number of queries, so the whole screen costs a bounded number
of SQL queries however many records there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from wxbackend.accounts.models import Graduate
from wxbackend.core.db import db
from wxbackend.destinations import catalogue
from wxbackend.destinations.models import OPEN_STATUSES, STATUS_LABELS, OtherDestination
from wxbackend.destinations.services import CLAIM_LABELS, KIND, current_claim
from wxbackend.files.models import Attachment
from wxbackend.review import history, lifecycle, summary
from wxbackend.review.models import STAGE_LABELS, ReviewItem
from wxbackend.review.summary import review_state

#: The graduate's own ways into 签就业协议书就业 (the signing module serves both).
OFFLINE_MODES = (("eagreement", "向学校申请电子就业协议书线下签约"), ("paper", "已签协议信息登记"))
#: Statuses after which an offline application no longer blocks a new registration.
OFFLINE_ENDED = ("agreement_failed", "signing_failed", "terminated")

#: A source returns the graduate's records of one kind as dicts with at least ``type`` and ``sort_at``.
Source = Callable[[Graduate], list[dict[str, Any]]]
SOURCES: list[Source] = []


def add_source(fn: Source) -> Source:
    """Add a kind of record to the 登记记录 list (each module does so from its ``init_app``)."""
    if fn not in SOURCES:
        SOURCES.append(fn)
    return fn


def status_text(status: str, stage: str | None) -> str:
    """What the list shows: 待院系审核 / 待学校审核 while pending, else the record's status."""
    if status == "pending" and stage in ("department", "school"):
        return "待" + STAGE_LABELS[stage]
    return STATUS_LABELS[status]


def other_destinations(graduate: Graduate, only: int | None = None) -> list[dict[str, Any]]:
    """The graduate's other-destination records as list entries (only record *only*, when given)."""
    # each record with its proof count, in one statement
    proofs = (select(func.count()).where(Attachment.kind == KIND, Attachment.subject_id == OtherDestination.id)
              .correlate(OtherDestination).scalar_subquery())
    stmt = select(OtherDestination, proofs).where(OtherDestination.graduate_id == graduate.id)
    if only is not None:
        stmt = stmt.where(OtherDestination.id == only)
    rows = db.session.execute(stmt.order_by(OtherDestination.id.desc())).all()
    records = [r for r, _n in rows]
    proof_counts = {r.id: n for r, n in rows}
    states = review_state(KIND, [r.id for r in records])
    out = []
    for r in records:
        kind = catalogue.subkind(r.subkind)
        state = states.get(r.id, {})
        item: ReviewItem | None = state.get("item")
        stage = item.stage if item is not None and r.status == "pending" else None
        out.append({
            "type": KIND,
            "id": r.id,
            "group": r.group,
            "group_label": catalogue.group(r.group).label,
            "subkind": r.subkind,
            "subkind_label": kind.label if kind else r.subkind,
            "destination_code": r.destination_code,
            "title": f"{catalogue.group(r.group).label} · {kind.label if kind else r.subkind}",
            "status": r.status,
            "status_label": status_text(r.status, stage),
            "stage": stage,
            "stage_label": STAGE_LABELS[stage] if stage else None,
            "last_decision": state.get("last_decision"),
            "proof_count": proof_counts.get(r.id, 0),
            "proof_min": kind.proof.min if kind else 0,
            "actions": {
                "edit": r.status in ("draft", "returned"),
                "submit": r.status in ("draft", "returned"),
                "withdraw": bool(state.get("withdrawable")) and r.status == "pending",
                "void": r.status == "approved",
            },
            "created_at": r.created_at,
            "submitted_at": r.submitted_at,
            "updated_at": r.updated_at,
            "sort_at": r.updated_at,
        })
    return out


def entries(graduate: Graduate, blocked: str | None) -> list[dict[str, Any]]:
    """The four registration entries of fig. 6 with each sub-kind and whether it can be chosen.

    *blocked* says why no new registration can start now (a current destination or an open record).
    """
    out = []
    for g in catalogue.groups():
        kinds = []
        for k in catalogue.subkinds():
            if k.group != g.key:
                continue
            reason = catalogue.subkind_refusal(graduate, k)
            kinds.append({"key": k.key, "label": k.label, "code": k.code, "available": reason is None,
                          "reason": reason})
        if g.key == "agreement":
            # 线上签约 starts with the employer's invitation (answered in 登记记录); the graduate may apply for
            # an e-agreement to sign offline (§4.3) or register an agreement already signed on paper.
            reason = "定向/委培毕业生不可网签，" + catalogue.MSG_DIRECTED_ONLY[len("定向/委培毕业生"):] \
                if graduate.is_directed else blocked
            modes = [{"key": key, "label": label, "code": "10", "available": reason is None, "reason": reason}
                     for key, label in OFFLINE_MODES]
            out.append({"key": g.key, "label": g.label, "available": reason is None, "reason": reason,
                        "subkinds": modes, "note": "线上签约：由用人单位在平台发起签约邀请，在登记记录中应约。"})
            continue
        available = any(k["available"] for k in kinds)
        reason = blocked if available else catalogue.MSG_DIRECTED_ONLY
        out.append({"key": g.key, "label": g.label, "available": reason is None, "reason": reason,
                    "subkinds": kinds})
    return out


def records_of(graduate: Graduate) -> list[dict[str, Any]]:
    """Every record of the 登记记录 list, of every kind (every source), newest first."""
    records: list[dict[str, Any]] = []
    with summary.for_graduate(graduate.id):  # every kind's review states from one read
        for fn in SOURCES:
            records.extend(fn(graduate))
    records.sort(key=lambda r: r["sort_at"].timestamp() if r["sort_at"] else 0.0, reverse=True)
    for r in records:
        r.pop("sort_at", None)
    return records


def _review_kinds(kind: str) -> list[str] | None:
    """The review kinds of a record kind's phases when its module declared them (else the kind itself)."""
    try:
        return [p.review_kind for p in lifecycle.kind_of(kind).phases]
    except KeyError:
        return None


def overview(graduate: Graduate) -> dict[str, Any]:
    """What a reviewer sees of a graduate's destination: the current one (D-1) and every record with its history.

    ``current`` is None without a current destination; otherwise its kind label, since when, and the
    record's list entry (``record``, None if no source lists that kind). Each record carries
    ``timeline`` (``review.history``, oldest first) and ``item_id``, its latest review item.
    """
    claim = current_claim(graduate.id)
    records = records_of(graduate)
    ids: dict[str, list[int]] = defaultdict(list)
    for r in records:
        ids[r["type"]].append(r["id"])
    streams = {kind: history.timelines(kind, subject_ids, _review_kinds(kind)) for kind, subject_ids in ids.items()}
    latest: dict[tuple[str, int], int] = {}
    for item in db.session.scalars(select(ReviewItem).where(ReviewItem.graduate_id == graduate.id)
                                   .order_by(ReviewItem.id)):
        declared = lifecycle.for_item(item)
        latest[(declared.name if declared else item.kind, item.subject_id)] = item.id
    for r in records:
        r["timeline"] = streams[r["type"]].get(r["id"], [])
        r["item_id"] = latest.get((r["type"], r["id"]))
    current = None
    if claim is not None:
        record = next((r for r in records if r["type"] == claim.kind and r["id"] == claim.subject_id), None)
        current = {"type": claim.kind, "type_label": CLAIM_LABELS.get(claim.kind, claim.kind),
                   "id": claim.subject_id, "since": claim.claimed_at, "record": record}
    return {"current": current, "records": records}


def destination_home(graduate: Graduate) -> dict[str, Any]:
    claim = current_claim(graduate.id)
    records = records_of(graduate)
    blocked = None
    if claim is not None:
        blocked = f"已有当前毕业去向（{CLAIM_LABELS.get(claim.kind, claim.kind)}），需先结束后才能再登记"
    elif any(r["type"] == KIND and r["status"] in OPEN_STATUSES for r in records):
        blocked = "已有未提交的毕业去向登记，请在登记记录中继续填写或修改"
    elif any(r["type"] in ("offline_agreement", "paper_agreement") and r["status"] not in OFFLINE_ENDED
             for r in records):
        blocked = "已有未结束的线下签约申请，请在登记记录中继续办理"
    return {
        "current": None if claim is None else {
            "type": claim.kind,
            "type_label": CLAIM_LABELS.get(claim.kind, claim.kind),
            "id": claim.subject_id,
            "since": claim.claimed_at,
        },
        "directed": graduate.is_directed,
        "entries": entries(graduate, blocked),
        "records": records,
        "notice": "请先阅读“高校毕业生毕业去向分类及证明材料”说明，根据实际情况准确选择毕业去向类型。"
                  "实习、见习材料不能作为就业证明。",
    }
