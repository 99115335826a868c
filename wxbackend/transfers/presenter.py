"""Archive and hukou registrations as reviewers see them: one presenter for the four kinds."""

from __future__ import annotations

from sqlalchemy import select

from wxbackend.accounts.models import Graduate
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.review import lifecycle, subjects
from wxbackend.review.models import ReviewItem
from wxbackend.transfers import forms
from wxbackend.transfers import policy as transfer_policy
from wxbackend.transfers.models import TransferInfo, TransferRegistration
from wxbackend.transfers.registration import kind_of, source_label


def present(item: ReviewItem) -> subjects.Subject:
    record = db.session.get(TransferRegistration, item.subject_id)
    if record is None:  # pragma: no cover - items are never orphaned
        return subjects.Subject(title="档案/户口信息", status_label="记录不存在")
    kind = kind_of(record)
    policy = kind.policy(record)
    assert policy is not None
    rows = [(label, value) for _k, label, value in forms.display_rows(record.module, record.fields)]
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    if record.replaces_info_id is not None:
        old = db.session.get(TransferInfo, record.replaces_info_id)
        if old is not None:
            sections.append((f"修改前的{forms.MODULE_LABELS[record.module]}信息（来自{source_label(old.source_kind)}）",
                             [(label, value) for _k, label, value in forms.display_rows(record.module, old.data)
                              if value != "-"]))
    return subjects.Subject(
        title=forms.kind_label(record.module, record.purpose), status_label=record.status_label,
        banner=_policy_banner(record), rows=rows, sections=sections,
        files=lifecycle.attachments(kind, record), editable=record.status == "pending",
        files_label=policy.label, files_hint=policy.hint, files_min=policy.min, files_max=policy.max)


def _policy_banner(record: TransferRegistration) -> str | None:
    """AR-8 for reviewers: the same hint the graduate saw, while the chosen type does not fit the destination."""
    graduate = db.session.get(Graduate, record.graduate_id)
    chosen = record.fields.get(forms.form(record.module).type_field)
    if graduate is None or not chosen or record.status not in ("pending", "returned"):
        return None
    hint = transfer_policy.hint(graduate, record.module)
    return None if chosen in hint["recommended"] else "提示：" + hint["message"]


def type_labels(ids: list[int]) -> dict[int, str]:
    """{registration id: 转递/迁移类型} for the queue's 类型 column."""
    out = {}
    for rid, module, fields in db.session.execute(select(
            TransferRegistration.id, TransferRegistration.module, TransferRegistration.fields)
            .where(TransferRegistration.id.in_(ids))):
        code = (fields or {}).get(forms.form(module).type_field)
        if code:
            out[rid] = code_list("transfer_type").label(code)
    return out
