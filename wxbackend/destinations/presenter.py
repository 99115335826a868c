"""Other destinations as reviewers see them (§4.5.2): the review console's presenter and lists.

Registered with :mod:`wxbackend.review.subjects` by ``destinations.init_app``, so the generic item page can show
the record's fields, its proof images and, for a record voided after approval, a banner (OD-4).
"""

from __future__ import annotations

from sqlalchemy import select

from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.destinations import catalogue
from wxbackend.destinations.models import OtherDestination
from wxbackend.destinations.services import KIND
from wxbackend.files.service import attached_files
from wxbackend.review import subjects
from wxbackend.review.models import ReviewItem


def subkind_label(key: str) -> str:
    kind = catalogue.subkind(key)
    return kind.label if kind else key


def voided_banner(record: OtherDestination) -> str | None:
    if record.status != "voided":
        return None
    return f"已作废（毕业生于 {timeutil.fmt(record.voided_at)} 作废）"


def present(item: ReviewItem) -> subjects.Subject:
    record = db.session.get(OtherDestination, item.subject_id)
    if record is None:  # pragma: no cover - items are never orphaned
        return subjects.Subject(title="毕业去向登记", status_label="记录不存在")
    kind = catalogue.subkind(record.subkind)
    rows: list[tuple[str, str]] = [
        ("去向类别", catalogue.group(record.group).label),
        ("毕业去向类型", kind.label if kind else record.subkind),
        ("毕业去向代码", record.destination_code or "-"),
    ]
    if kind is not None:
        rows += [(label, value) for _key, label, value in catalogue.display_rows(kind, record.fields)]
    return subjects.Subject(
        title=f"{catalogue.group(record.group).label} · {kind.label if kind else record.subkind}",
        status_label=record.status_label,
        rows=rows,
        files=attached_files(KIND, [record.id])[record.id],
        editable=record.status == "pending",
        banner=voided_banner(record),
        files_label=kind.proof.label if kind else "证明材料",
        files_hint=kind.proof.hint if kind else None,
        files_max=kind.proof.max if kind else None,
        files_min=kind.proof.min if kind else None,
    )


def subkind_labels(record_ids: list[int]) -> dict[int, str]:
    """{record id: sub-kind label} in one query (the queue's 类型 column)."""
    rows = db.session.execute(
        select(OtherDestination.id, OtherDestination.subkind).where(OtherDestination.id.in_(record_ids))
    )
    return {rid: subkind_label(key) for rid, key in rows}
