"""The graduate's invitations, agreements and termination requests in the 登记记录 list (§4, fig. 8–18).

One source for the destination home: all of the graduate's invitations and termination
requests in a fixed number of queries, each with what the graduate may do now and why not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from wxbackend.accounts.models import Graduate
from wxbackend.core import timeutil
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.destinations.services import current_claim
from wxbackend.files.models import Attachment
from wxbackend.review.models import STAGE_LABELS
from wxbackend.review.summary import review_state
from wxbackend.signing import forms, offline
from wxbackend.signing.models import (
    OFFLINE_TERMINATION_OPEN,
    PARTY_LABELS,
    TERMINATION_OPEN,
    OfflineAgreement,
    OfflineTermination,
    OnlineAgreement,
    TerminationRequest,
)
from wxbackend.signing.services import KIND, TERMINATION_KIND, answer_refusal
from wxbackend.transfers import policy as transfer_policy


def status_text(row_status: str, label: str, stage: str | None) -> str:
    if row_status == "reviewing" and stage in ("department", "school"):
        return "待" + STAGE_LABELS[stage]
    return label


def _agreement_rows(graduate: Graduate, only: int | None = None) -> list[OnlineAgreement]:
    stmt = select(OnlineAgreement).where(OnlineAgreement.graduate_id == graduate.id)
    if only is not None:
        stmt = stmt.where(OnlineAgreement.id == only)
    return list(db.session.scalars(stmt.order_by(OnlineAgreement.id.desc())))


def agreement_entries(graduate: Graduate, only: int | None = None, terminations: list[Any] | None = None,
                      rows: list[OnlineAgreement] | None = None) -> list[dict[str, Any]]:
    """The graduate's invitations and agreements. The home passes *rows* and *terminations*
    (``_termination_rows``) it has read already, so each table is read once."""
    if rows is None:
        rows = _agreement_rows(graduate, only)
    if not rows:
        return []
    ids = [r.id for r in rows]
    states = review_state(KIND, ids)
    if terminations is not None:
        open_requests = {t.agreement_id: t for t, _u, _n in terminations if t.status in TERMINATION_OPEN}
    else:
        open_requests = {t.agreement_id: t for t in db.session.scalars(select(TerminationRequest).where(
            TerminationRequest.agreement_id.in_(ids), TerminationRequest.status.in_(TERMINATION_OPEN)))}
    claim = current_claim(graduate.id, fresh=False)  # the home read it a moment ago
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


def _termination_rows(graduate: Graduate, only: int | None = None, agreement_id: int | None = None) -> list[Any]:
    """(TerminationRequest, unit_name, agreement_no) of the graduate's online agreements, newest first."""
    stmt = select(TerminationRequest, OnlineAgreement.unit_name, OnlineAgreement.agreement_no).join(
        OnlineAgreement, OnlineAgreement.id == TerminationRequest.agreement_id).where(
        TerminationRequest.graduate_id == graduate.id)
    if only is not None:
        stmt = stmt.where(TerminationRequest.id == only)
    if agreement_id is not None:
        stmt = stmt.where(TerminationRequest.agreement_id == agreement_id)
    return list(db.session.execute(stmt.order_by(TerminationRequest.id.desc())).all())


def termination_entries(graduate: Graduate, only: int | None = None, agreement_id: int | None = None,
                        rows: list[Any] | None = None) -> list[dict[str, Any]]:
    if rows is None:
        rows = _termination_rows(graduate, only, agreement_id)
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


def offline_entries(graduate: Graduate, only: int | None = None) -> list[dict[str, Any]]:
    """The graduate's offline applications (e-agreement and paper) with their open termination, if any."""
    from wxbackend.signing import offline

    stmt = select(OfflineAgreement).where(OfflineAgreement.graduate_id == graduate.id)
    if only is not None:
        stmt = stmt.where(OfflineAgreement.id == only)
    rows = list(db.session.scalars(stmt.order_by(OfflineAgreement.id.desc())))
    if not rows:
        return []
    ids = [r.id for r in rows]
    states = {**review_state(offline.KIND, ids), **{
        k: v for k, v in review_state(offline.SIGNING_REVIEW, ids).items()}}
    paper_states = review_state(offline.PAPER_KIND, ids)
    terminations = {t.agreement_id: t for t in db.session.scalars(select(OfflineTermination).where(
        OfflineTermination.agreement_id.in_(ids), OfflineTermination.status.in_(OFFLINE_TERMINATION_OPEN)))}
    counts = dict(db.session.execute(
        select(Attachment.subject_id, func.count()).where(
            Attachment.kind.in_((offline.KIND, offline.PAPER_KIND)), Attachment.subject_id.in_(ids))
        .group_by(Attachment.subject_id)).all())
    out = []
    for r in rows:
        state = (states if r.mode == "eagreement" else paper_states).get(r.id, {})
        item = state.get("item")
        reviewing = r.status in ("agreement_review", "signing_review")
        stage = item.stage if item is not None and reviewing and item.status == "pending" else None
        kind = offline.record_kind(r)
        editable = r.status in (("draft", "agreement_returned") if r.mode == "eagreement" else
                                ("draft", "signing_returned"))
        pages_open = r.mode == "eagreement" and r.status in offline.PAGES_OPEN
        termination = terminations.get(r.id)
        label = "电子就业协议书" if r.mode == "eagreement" else "已签协议登记"
        out.append({
            "type": kind.name,
            "id": r.id,
            "group": "agreement",
            "group_label": "签就业协议书就业",
            "subkind": r.mode,
            "subkind_label": r.mode_label,
            "destination_code": "10",
            "title": f"{label} · {r.unit_name or '（未填写单位名称）'}",
            "unit_name": r.unit_name,
            "position": forms.field("position").field.display(r.terms.get("position")) if r.terms.get("position")
            else None,
            "status": r.status,
            "status_label": ("待" + STAGE_LABELS[stage]) if stage else r.status_label,
            "stage": stage,
            "stage_label": STAGE_LABELS[stage] if stage else None,
            "last_decision": state.get("last_decision"),
            "agreement_no": r.agreement_no,
            "open_termination_id": termination.id if termination else None,
            "actions": {
                "edit": editable,
                "submit": editable,
                "withdraw": bool(state.get("withdrawable")) and reviewing,
                "upload_pages": pages_open or (r.mode == "paper" and editable),
                "employer_link": pages_open and r.pdf_file_id is not None,
                "pdf": r.mode == "eagreement" and r.pdf_file_id is not None,
                "signed_pdf": r.signed_pdf_file_id is not None,
                "terminate": r.status == "signed" and termination is None,
                "void": False,
            },
            "proof_count": counts.get(r.id, 0),
            "proof_min": (r.pdf_pages or 1) if pages_open else (1 if r.mode == "paper" else 0),
            "created_at": r.created_at,
            "submitted_at": r.submitted_at,
            "updated_at": r.updated_at,
            "sort_at": r.updated_at,
        })
    return out


def offline_termination_entries(graduate: Graduate, only: int | None = None,
                                agreement_id: int | None = None) -> list[dict[str, Any]]:
    from wxbackend.signing import offline

    stmt = select(OfflineTermination, OfflineAgreement.unit_name, OfflineAgreement.agreement_no).join(
        OfflineAgreement, OfflineAgreement.id == OfflineTermination.agreement_id).where(
        OfflineTermination.graduate_id == graduate.id)
    if only is not None:
        stmt = stmt.where(OfflineTermination.id == only)
    if agreement_id is not None:
        stmt = stmt.where(OfflineTermination.agreement_id == agreement_id)
    rows = db.session.execute(stmt.order_by(OfflineTermination.id.desc())).all()
    if not rows:
        return []
    ids = [t.id for t, _u, _n in rows]
    states = review_state(offline.TERMINATION_KIND, ids)
    counts = dict(db.session.execute(
        select(Attachment.subject_id, func.count()).where(
            Attachment.kind == offline.TERMINATION_KIND, Attachment.subject_id.in_(ids))
        .group_by(Attachment.subject_id)).all())
    reasons = code_list("termination_reason")
    out = []
    for t, unit_name, agreement_no in rows:
        state = states.get(t.id, {})
        item = state.get("item")
        stage = item.stage if item is not None and t.status == "pending" else None
        editable = t.status in ("draft", "returned")
        out.append({
            "type": offline.TERMINATION_KIND,
            "id": t.id,
            "group": "agreement",
            "group_label": "签就业协议书就业",
            "subkind": "offline_termination",
            "subkind_label": "线下解约",
            "title": f"线下解约 · {unit_name}",
            "unit_name": unit_name,
            "agreement_id": t.agreement_id,
            "agreement_no": agreement_no,
            "reason": t.reason_code,
            "reason_label": reasons.label(t.reason_code),
            "explanation": t.explanation,
            "status": t.status,
            "status_label": ("待" + STAGE_LABELS[stage]) if stage else t.status_label,
            "stage": stage,
            "stage_label": STAGE_LABELS[stage] if stage else None,
            "last_decision": state.get("last_decision"),
            "actions": {
                "edit": editable, "submit": editable,
                "withdraw": bool(state.get("withdrawable")) and t.status == "pending",
                "cancel": t.status == "draft", "void": False,
            },
            "proof_count": counts.get(t.id, 0),
            "proof_min": 1,
            "created_at": t.created_at,
            "submitted_at": t.submitted_at,
            "updated_at": t.updated_at,
            "sort_at": t.updated_at,
        })
    return out


def signing_records(graduate: Graduate) -> list[dict[str, Any]]:
    """The signing module's part of the 登记记录 list, each table read once.

    Terminations hang off agreements: without an online agreement there is no online termination
    to look up, without an offline one no offline termination.
    """
    offline = offline_entries(graduate)
    agreements = _agreement_rows(graduate)
    terminations = _termination_rows(graduate) if agreements else []
    online = agreement_entries(graduate, terminations=terminations, rows=agreements)
    return (online + termination_entries(graduate, rows=terminations) + offline
            + (offline_termination_entries(graduate) if offline else []))


def policy_situation(graduate: Graduate) -> transfer_policy.Situation | None:
    """AR-8: an agreement (online, offline or paper) as current destination is employment with its unit's 单位性质."""
    claim = current_claim(graduate.id)
    if claim is None:
        return None
    if claim.kind == KIND:
        online = db.session.get(OnlineAgreement, claim.subject_id)
        nature = online.employer_info.get("unit_nature") if online is not None else None
    elif claim.kind in (offline.KIND, offline.PAPER_KIND):
        record = db.session.get(OfflineAgreement, claim.subject_id)
        nature = record.unit_info.get("unit_nature") if record is not None else None
    else:
        return None
    return transfer_policy.Situation(transfer_policy.EMPLOYED, nature)
