"""What the graduate's clients get for the archive or hukou module (AR-1…AR-5): one payload for both.

The module's state carries its own record list (登记记录): archive and hukou are not destinations
(D-1 does not apply), so they are not in the destination home's list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import module_state
from wxbackend.core import timeutil
from wxbackend.files.models import StoredFile
from wxbackend.review import engine, history, lifecycle
from wxbackend.review.models import STAGE_LABELS
from wxbackend.transfers import dispatch, forms, policy, registration, services
from wxbackend.transfers.models import TransferRegistration

FileUrl = Callable[[int], str]


def _file(f: StoredFile, file_url: FileUrl) -> dict[str, Any]:
    return {"id": f.id, "url": file_url(f.id), "content_type": f.content_type, "size": f.size, "width": f.width,
            "height": f.height, "compression_state": f.compression_state, "original_name": f.original_name}


def _rows(module: str, values: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": k, "label": label, "value": v} for k, label, v in forms.display_rows(module, values)]


def summary(record: TransferRegistration) -> dict[str, Any]:
    """One line of the record list: what, its status (待院系审核 / 待学校审核 while pending), the last reason."""
    kind = registration.kind_of(record)
    latest = engine.latest_item(kind.name, record.id)
    stage = latest.stage if latest is not None and record.status == "pending" else None
    status_label = "待" + STAGE_LABELS[stage] if stage in ("department", "school") else record.status_label
    return {
        "id": record.id, "module": record.module, "purpose": record.purpose,
        "title": forms.kind_label(record.module, record.purpose),
        "status": record.status, "status_label": status_label, "stage": stage,
        "reason": latest.last_reason if latest is not None and record.status in ("returned", "rejected") else None,
        "created_at": record.created_at, "submitted_at": record.submitted_at, "approved_at": record.approved_at,
    }


def record_payload(record: TransferRegistration, file_url: FileUrl) -> dict[str, Any]:
    kind = registration.kind_of(record)
    policy = kind.policy(record)
    assert policy is not None
    events = history.timeline(kind.name, record.id)
    return {
        **summary(record),
        "fields": record.fields,
        "rows": _rows(record.module, record.fields),
        "images": [_file(f, file_url) for f in lifecycle.attachments(kind, record)],
        "image_requirement": {"label": policy.label, "min": policy.min, "max": policy.max, "hint": policy.hint},
        "editable": record.status in ("draft", "returned", "pending"),
        "cancellable": record.status == "draft",
        "history": [{
            "at": e.at, "action": e.action, "action_label": e.action_label, "by": e.role_label, "reason": e.reason,
            "stage": e.stage, "changes": [{"field": k, "before": v[0], "after": v[1]} for k, v in e.changes.items()],
        } for e in events],
    }


def module_payload(graduate: Graduate, module: str, file_url: FileUrl) -> dict[str, Any]:
    """GET /transfers/<module>: current info with its source, the open registration, the form and the rules."""
    state = module_state(graduate, graduate.school, module)
    current = services.current(graduate.id, module)
    open_record = registration.open_registration(graduate.id, module)
    f = forms.form(module)
    return {
        "module": module,
        "label": f.label,
        "available": state.available,
        "reason": state.reason,
        "current": None if current is None else {
            "source_kind": current.source_kind, "source_label": registration.source_label(current.source_kind),
            "synced_at": timeutil.fmt(current.synced_at), "fields": current.data,
            "rows": [r for r in _rows(module, current.data) if r["value"] != "-"],
        },
        "open": record_payload(open_record, file_url) if open_record is not None else None,
        "records": [summary(r) for r in registration.registrations(graduate.id, module)],
        "fields": [ff.to_dict() for ff in f.fields],
        "type_field": f.type_field,
        "region_field": f.region_field,
        "origin_region": graduate.origin_region,
        "prefill": registration.prefill(graduate, module) if state.available else {},
        "can_register": registration.registration_refusal(graduate, module, "registration") is None,
        "register_refusal": registration.registration_refusal(graduate, module, "registration"),
        "can_change": registration.registration_refusal(graduate, module, "change") is None,
        "change_refusal": registration.registration_refusal(graduate, module, "change"),
        "image_max": forms.IMAGES_MAX,
        # AR-8: shown, never enforced, while the chosen type is not one of ``recommended``
        "policy": policy.hint(graduate, module) if state.available else None,
        # AR-9: the school's dispatch of the archive (待寄出 / 已寄出 with date, carrier and number)
        "dispatch": dispatch.graduate_view(graduate.id) if module == "archive" else None,
    }
