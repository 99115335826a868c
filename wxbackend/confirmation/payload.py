"""The confirmation page as data, for the API (mini-program) and the graduates' web alike (GW-1)."""

from __future__ import annotations

from typing import Any

from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import module_state
from wxbackend.confirmation import services, violations
from wxbackend.confirmation.models import (
    DESTINATION_CHOICES,
    ERROR_KINDS,
    EXPLANATION_LABELS,
    EXPLANATION_MAX,
    VIOLATION_KINDS,
    VIOLATION_TEXT_MAX,
    ViolationReport,
)
from wxbackend.core import timeutil


def _date(value: Any) -> str:
    local = timeutil.local(value)
    return f"{local.year}年{local.month:02d}月{local.day:02d}日"


def page_payload(graduate: Graduate) -> dict[str, Any]:
    """GET /confirmation: the reported info of fig. 40, the state, what may be done, the form of fig. 41."""
    state = module_state(graduate, graduate.school, services.MODULE)
    page = services.view(graduate) if state.available else None
    out: dict[str, Any] = {
        "available": state.available,
        "reason": state.reason,
        "state": page.state if page else None,
        "message": page.message if page else state.reason,
        "report": None,
        "answer": None,
        "can_answer": bool(page and page.can_answer),
        "can_revoke": bool(page and page.can_revoke),
        "error_form": {
            "kinds": [{"key": k, "label": label, "explanation_label": EXPLANATION_LABELS[k],
                       "choices": ([{"value": v, "label": lbl} for v, lbl in DESTINATION_CHOICES.items()]
                                   if k == "destination" else [])}
                      for k, label in ERROR_KINDS.items()],
            "explanation_max": EXPLANATION_MAX,
        },
    }
    if page is not None:
        out["report"] = {"id": page.snapshot.id, "reported_at": timeutil.fmt(page.reported_at),
                         "reported_on": _date(page.reported_at), "name": graduate.name, "rows": page.rows,
                         "note": f"以上毕业去向信息于{_date(page.reported_at)}上报，请根据实际情况，认真核对确认。"}
        if page.answer is not None:
            out["answer"] = {"answer": page.answer.answer, "label": page.answer.answer_label,
                             "at": timeutil.fmt(page.answer.created_at), "errors": page.errors,
                             "mobile": page.answer.mobile}
    return out


def violation_payload(row: ViolationReport) -> dict[str, Any]:
    return {"id": row.id, "kinds": row.kinds, "kind_labels": [VIOLATION_KINDS[k] for k in row.kinds],
            "party": row.party, "description": row.description, "mobile": row.mobile, "status": row.status,
            "status_label": row.status_label, "created_at": timeutil.fmt(row.created_at),
            "handled_at": timeutil.fmt(row.handled_at) if row.handled_at else None,
            "handled_note": row.handled_note}


def violation_form(graduate: Graduate) -> dict[str, Any]:
    """GET /violation-reports: the four kinds, the limits, the graduate's own reports."""
    return {"kinds": [{"key": k, "label": v} for k, v in VIOLATION_KINDS.items()],
            "description_max": VIOLATION_TEXT_MAX, "party_max": violations.PARTY_MAX,
            "notice": "举报内容直接提交平台管理员处理，不会告知你的学校是谁举报。",
            "reports": [violation_payload(r) for r in violations.own_reports(graduate.id)]}
