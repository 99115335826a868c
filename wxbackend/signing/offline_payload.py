"""Offline agreements and offline terminations as the graduate's clients read them (§4.3, §4.4).

One builder for the API's JSON and the graduate web: each caller passes in its own URLs (``Urls``),
so the domain never names an endpoint of a web layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wxbackend.accounts.models import Graduate
from wxbackend.destinations.payload import file_payload
from wxbackend.review import lifecycle
from wxbackend.signing import offline, offline_documents, offline_forms
from wxbackend.signing.home import offline_entries, offline_termination_entries
from wxbackend.signing.models import OFFLINE_MODES, OfflineAgreement, OfflineTermination


@dataclass(frozen=True)
class Urls:
    #: file id → where the client fetches an uploaded image
    file: Callable[[int], str]
    #: record id → the printable e-agreement
    pdf: Callable[[int], str]
    #: record id → the signed agreement with its 签约过程记录 page
    signed_pdf: Callable[[int], str]


def form_payload() -> dict[str, Any]:
    """Fig. 21 as data: both blocks' fields, the two ways in, the termination reasons."""
    return {
        "fields": [f.to_dict() for f in offline_forms.fields()],
        "modes": [{"code": k, "label": v} for k, v in OFFLINE_MODES.items()],
        "termination_reasons": [{"code": c, "label": label} for c, label in offline.termination_reasons()],
        "explanation_max": offline.EXPLANATION_MAX,
    }


def _history(record_kind: str, subject_id: int, review_kinds: list[str]) -> list[dict[str, Any]]:
    from wxbackend.review import history

    return [{"at": e.at, "action": e.action, "action_label": e.action_label, "by": e.role_label,
             "reason": e.reason, "stage": e.stage, "stage_label": e.stage_label, "actor_name": e.actor_name,
             "source": e.source, "channel": e.channel_label}
            for e in history.timeline(record_kind, subject_id, review_kinds)]


def offline_payload(graduate: Graduate, record: OfflineAgreement, urls: Urls) -> dict[str, Any]:
    (summary,) = offline_entries(graduate, only=record.id)
    kind = offline.record_kind(record)
    policy = kind.policy(record)
    pages = []
    for f, p in offline.pages(record):
        pages.append({**file_payload(f, urls.file), "page_result": p.result if p else None,
                      "page": p.page if p else None, "page_total": p.total if p else None,
                      "page_note": offline.page_note(p, record.agreement_no)})
    eagreement = record.mode == "eagreement"
    return {
        **summary,
        "mode": record.mode,
        "fields": offline_forms.values_of(record.unit_info, record.terms),
        "sections": [{"title": s["title"], "rows": [{"label": k, "value": v} for k, v in s["rows"]]}
                     for s in offline_documents.sections(record, graduate, graduate.school)],
        "pages": pages,
        "page_requirement": {"label": policy.label, "min": max(policy.min, 1), "max": policy.max,
                             "hint": policy.hint} if policy else None,
        "coverage": offline.page_coverage(record) if eagreement and record.pdf_pages else None,
        "pdf_pages": record.pdf_pages,
        "pdf_url": urls.pdf(record.id) if summary["actions"]["pdf"] else None,
        "signed_pdf_url": urls.signed_pdf(record.id) if summary["actions"]["signed_pdf"] else None,
        "pdf_pending": eagreement and record.agreement_no is not None and record.pdf_file_id is None,
        "link": offline.link_state(record),
        "pages_submitted_by": record.pages_submitted_by,
        "history": _history(kind.name, record.id, [p.review_kind for p in kind.phases]),
        "terminations": offline_termination_entries(graduate, agreement_id=record.id),
    }


def termination_payload(graduate: Graduate, row: OfflineTermination, urls: Urls) -> dict[str, Any]:
    (summary,) = offline_termination_entries(graduate, only=row.id)
    return {
        **summary,
        "files": [file_payload(f, urls.file) for f in lifecycle.attachments(offline.TERMINATION, row)],
        "history": _history(offline.TERMINATION_KIND, row.id, [offline.TERMINATION_KIND]),
    }


__all__ = ["Urls", "form_payload", "offline_payload", "termination_payload"]
