"""Invitations, agreements and termination requests as the graduate's clients read them (§4.1, §4.2).

One builder for the API's JSON and the graduate web. The caller passes in where the signed
agreement's PDF is served (``pdf_url``), so the domain never names an endpoint of a web layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wxbackend.accounts.models import Graduate
from wxbackend.review import history
from wxbackend.signing import documents, services
from wxbackend.signing.home import agreement_entries, termination_entries
from wxbackend.signing.models import OnlineAgreement, TerminationRequest

#: agreement id → the URL its PDF is downloaded from.
PdfUrl = Callable[[int], str]


def history_rows(kind: str, subject_id: int) -> list[dict[str, Any]]:
    """The record's timeline (``review.history``): its own events and its review events, oldest first."""
    return [{"at": e.at, "action": e.action, "action_label": e.action_label, "by": e.role_label, "reason": e.reason,
             "stage": e.stage, "stage_label": e.stage_label, "actor_name": e.actor_name, "source": e.source}
            for e in history.timeline(kind, subject_id)]


def agreement_payload(graduate: Graduate, row: OnlineAgreement, pdf_url: PdfUrl) -> dict[str, Any]:
    """Fig. 9: 签约信息, 单位信息, archive and hukou blocks, the student, history and terminations."""
    (summary,) = agreement_entries(graduate, only=row.id)
    doc_sections = documents.agreement_sections(row, graduate, graduate.school)
    return {
        **summary,
        "sections": [{"title": s["title"], "rows": [{"label": k, "value": v} for k, v in s["rows"]]}
                     for s in doc_sections],
        "terms": row.terms,
        "pdf_url": pdf_url(row.id) if summary["actions"]["pdf"] else None,
        "history": history_rows(services.KIND, row.id),
        "terminations": termination_entries(graduate, agreement_id=row.id),
        "termination_reasons": [{"code": c, "label": label} for c, label in services.termination_reasons()],
        "explanation_max": services.EXPLANATION_MAX,
    }


def termination_payload(graduate: Graduate, req: TerminationRequest) -> dict[str, Any]:
    (summary,) = termination_entries(graduate, only=req.id)
    return {**summary, "history": history_rows(services.TERMINATION_KIND, req.id)}
