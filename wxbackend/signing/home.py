"""The graduate's invitations, agreements and termination requests in the 登记记录 list (§4, fig. 8–18).

One source for the destination home: all of the graduate's invitations and termination
requests in a fixed number of queries, each with what the graduate may do now and why not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wxbackend.accounts.models import Graduate
from wxbackend.core import timeutil
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.destinations.services import current_claim
from wxbackend.review.models import STAGE_LABELS
from wxbackend.review.summary import review_state
from wxbackend.signing import forms
from wxbackend.signing.models import PARTY_LABELS, OnlineAgreement, TerminationRequest
from wxbackend.signing.services import KIND, TERMINATION_KIND, answer_refusal


def status_text(row_status: str, label: str, stage: str | None) -> str:
    if row_status == "reviewing" and stage in ("department", "school"):
        return "待" + STAGE_LABELS[stage]
    return label


def agreement_entries(graduate: Graduate, only: int | None = None) -> list[dict[str, Any]]:
    stmt = select(OnlineAgreement).where(OnlineAgreement.graduate_id == graduate.id)
    if only is not None:
        stmt = stmt.where(OnlineAgreement.id == only)
    rows = list(db.session.scalars(stmt.order_by(OnlineAgreement.id.desc())))
    if not rows:
        return []
    ids = [r.id for r in rows]
    states = review_state(KIND, ids)
    open_requests = {t.agreement_id: t for t in db.session.scalars(select(TerminationRequest).where(
        TerminationRequest.agreement_id.in_(ids), TerminationRequest.status.in_(("waiting", "reviewing"))))}
    claim = current_claim(graduate.id)
    claim_kind, claim_id = (claim.kind, claim.subject_id) if claim else (None, None)
    now = timeutil.now()
    position = forms.field("position").field
    out = []
    for r in rows:
        state = states.get(r.id, {})
        item = state.get("item")
        stage = item.stage if item is not None and r.status == "reviewing" else None
        accept_refusal = answer_refusal(r, now, claim_kind, claim_id, "accept")
        decline_refusal = answer_refusal(r, now, claim_kind, claim_id, "decline")
        status = r.effective_status(now)
        pending_termination = open_requests.get(r.id)
        out.append({
            "type": KIND,
            "id": r.id,
            "group": "agreement",
            "group_label": "签就业协议书就业",
            "subkind": "online",
            "subkind_label": "线上签约",
            "destination_code": "10",
            "title": f"线上签约 · {r.unit_name}",
            "unit_name": r.unit_name,
            "position": position.display(r.terms.get("position")),
            "status": status,
            "status_label": status_text(r.status, r.effective_status_label(now), stage),
            "stage": stage,
            "stage_label": STAGE_LABELS[stage] if stage else None,
            "last_decision": state.get("last_decision"),
            "invited_at": r.invited_at,
            "response_days": r.response_days,
            "deadline": r.deadline,
            "agreement_no": r.agreement_no,
            "failed_reason": r.failed_reason,
            "decline_reason": r.decline_reason,
            "can_answer": accept_refusal is None or decline_refusal is None,
            "answer_refusal": accept_refusal if decline_refusal is None else decline_refusal,
            "accept_refusal": accept_refusal,
            "open_termination_id": pending_termination.id if pending_termination else None,
            "actions": {
                "accept": accept_refusal is None,
                "decline": decline_refusal is None,
                "terminate": r.status == "signed" and pending_termination is None,
                "pdf": r.status in ("signed", "terminated") and r.agreement_no is not None,
                "edit": False, "submit": False, "withdraw": False, "void": False,
            },
            "proof_count": 0,
            "proof_min": 0,
            "created_at": r.invited_at,
            "submitted_at": r.answered_at,
            "updated_at": r.updated_at,
            "sort_at": r.updated_at,
        })
    return out


def termination_entries(graduate: Graduate, only: int | None = None,
                        agreement_id: int | None = None) -> list[dict[str, Any]]:
    stmt = select(TerminationRequest, OnlineAgreement.unit_name, OnlineAgreement.agreement_no).join(
        OnlineAgreement, OnlineAgreement.id == TerminationRequest.agreement_id).where(
        TerminationRequest.graduate_id == graduate.id)
    if only is not None:
        stmt = stmt.where(TerminationRequest.id == only)
    if agreement_id is not None:
        stmt = stmt.where(TerminationRequest.agreement_id == agreement_id)
    rows = db.session.execute(stmt.order_by(TerminationRequest.id.desc())).all()
    if not rows:
        return []
    states = review_state(TERMINATION_KIND, [t.id for t, _u, _n in rows])
    reasons = code_list("termination_reason")
    out = []
    for t, unit_name, agreement_no in rows:
        state = states.get(t.id, {})
        item = state.get("item")
        stage = item.stage if item is not None and t.status == "reviewing" else None
        waiting_for_me = t.status == "waiting" and t.initiator == "employer"
        out.append({
            "type": TERMINATION_KIND,
            "id": t.id,
            "group": "agreement",
            "group_label": "签就业协议书就业",
            "subkind": "online_termination",
            "subkind_label": "线上解约",
            "title": f"解约申请 · {unit_name}",
            "unit_name": unit_name,
            "agreement_id": t.agreement_id,
            "agreement_no": agreement_no,
            "initiator": t.initiator,
            "initiator_label": PARTY_LABELS[t.initiator],
            "reason": t.reason_code,
            "reason_label": reasons.label(t.reason_code),
            "explanation": t.explanation,
            "status": t.status,
            "status_label": status_text(t.status, t.status_label, stage),
            "stage": stage,
            "stage_label": STAGE_LABELS[stage] if stage else None,
            "last_decision": state.get("last_decision"),
            "decided_reason": t.decided_reason,
            "can_answer": waiting_for_me,
            "answer_refusal": None if waiting_for_me else (
                "等待用人单位回应" if t.status == "waiting" else f"该解约申请{t.status_label}"),
            "actions": {
                "accept": waiting_for_me, "decline": waiting_for_me,
                "cancel": t.status == "waiting" and t.initiator == "graduate",
                "edit": False, "submit": False, "withdraw": False, "void": False,
            },
            "proof_count": 0,
            "proof_min": 0,
            "created_at": t.created_at,
            "submitted_at": t.answered_at,
            "updated_at": t.decided_at or t.answered_at or t.created_at,
            "sort_at": t.decided_at or t.answered_at or t.created_at,
        })
    return out


def signing_records(graduate: Graduate) -> list[dict[str, Any]]:
    return agreement_entries(graduate) + termination_entries(graduate)
