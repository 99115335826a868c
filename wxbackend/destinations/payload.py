"""Other-destination records as the graduate's clients read them (§4.5): the API's JSON and the graduate web.

The web layer that calls these knows its own URLs: it passes in how a stored file is reached
(``file_url``), so the domain never names an endpoint of any web layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wxbackend.accounts.models import Graduate
from wxbackend.destinations import catalogue
from wxbackend.destinations.home import other_destinations
from wxbackend.destinations.models import OtherDestination
from wxbackend.destinations.services import KIND
from wxbackend.files.models import StoredFile
from wxbackend.files.service import attached_files
from wxbackend.review import history

#: file id → the URL the client fetches the file from.
FileUrl = Callable[[int], str]


def file_payload(f: StoredFile, file_url: FileUrl) -> dict[str, Any]:
    return {
        "id": f.id,
        "url": file_url(f.id),
        "content_type": f.content_type,
        "size": f.size,
        "width": f.width,
        "height": f.height,
        "compression_state": f.compression_state,
        "original_name": f.original_name,
    }


def record_payload(graduate: Graduate, record: OtherDestination, file_url: FileUrl) -> dict[str, Any]:
    """The record as the list shows it, plus its fields, proofs and history."""
    (summary,) = other_destinations(graduate, only=record.id)
    kind = catalogue.subkind(record.subkind)
    assert kind is not None
    history_rows = [{
        "at": e.at, "action": e.action, "action_label": e.action_label, "by": e.role_label, "reason": e.reason,
        "stage": e.stage, "stage_label": e.stage_label, "actor_name": e.actor_name,
        "changes": [{"field": k, "before": v[0], "after": v[1]} for k, v in e.changes.items()],
    } for e in history.timeline(KIND, record.id)]
    return {
        **summary,
        "fields": record.fields,
        "rows": [{"key": k, "label": label, "value": v} for k, label, v in catalogue.display_rows(kind, record.fields)],
        "readonly_fields": [f.field.key for f in kind.fields if f.source],
        "proof_requirement": {"label": kind.proof.label, "min": kind.proof.min, "max": kind.proof.max,
                              "hint": kind.proof.hint},
        "proofs": [file_payload(f, file_url) for f in attached_files(KIND, [record.id])[record.id]],
        "history": history_rows,
        "approved_at": record.approved_at,
        "voided_at": record.voided_at,
    }
