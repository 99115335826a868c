"""Online agreements and termination requests as reviewers see them (§4.1.3, §4.2.3).

Registered with :mod:`wxbackend.review.subjects` by ``signing.init_app``: the generic item page shows the
agreement's fig. 9 fields (or the termination's reason and explanation) next to the decision
form, which offers only 通过 / 不通过 for these kinds (RV-1).
"""

from __future__ import annotations

from sqlalchemy import select

from wxbackend.core import timeutil
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.review import subjects
from wxbackend.review.models import ReviewItem
from wxbackend.signing import documents
from wxbackend.signing.models import PARTY_LABELS, OnlineAgreement, TerminationRequest


def _agreement_rows(row: OnlineAgreement) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for section in documents.agreement_sections(row, row.graduate, row.graduate.school):
        if section["title"] == "毕业生信息":
            continue  # the item page shows the graduate already
        rows += [(f"{section['title']} · {label}", value) for label, value in section["rows"]]
    return rows


def present_agreement(item: ReviewItem) -> subjects.Subject:
    row = db.session.get(OnlineAgreement, item.subject_id)
    if row is None:  # pragma: no cover - items are never orphaned
        return subjects.Subject(title="网上签约", status_label="记录不存在")
    rows = [("邀约时间", timeutil.fmt(row.invited_at)), ("毕业生应约时间", timeutil.fmt(row.answered_at))]
    return subjects.Subject(title=f"网上签约 · {row.unit_name}", status_label=row.status_label,
                            rows=rows + _agreement_rows(row))


def present_termination(item: ReviewItem) -> subjects.Subject:
    req = db.session.get(TerminationRequest, item.subject_id)
    if req is None:  # pragma: no cover
        return subjects.Subject(title="解约申请", status_label="记录不存在")
    row = req.agreement
    rows = [
        ("解约申请人", PARTY_LABELS[req.initiator]),
        ("解约单位名称", row.unit_name),
        ("协议编号", row.agreement_no or "--"),
        ("解约原因", code_list("termination_reason").label(req.reason_code)),
        ("解约说明", req.explanation or "--"),
        ("申请时间", timeutil.fmt(req.created_at)),
        ("对方同意时间", timeutil.fmt(req.answered_at)),
        ("签约完成时间", timeutil.fmt(row.signed_at)),
    ]
    return subjects.Subject(title=f"解约申请 · {row.unit_name}", status_label=req.status_label,
                            rows=rows + _agreement_rows(row))


def unit_labels(agreement_ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(select(OnlineAgreement.id, OnlineAgreement.unit_name)
                                   .where(OnlineAgreement.id.in_(agreement_ids))).all())


def termination_labels(ids: list[int]) -> dict[int, str]:
    return {i: f"{name}（{PARTY_LABELS[who]}发起）" for i, name, who in db.session.execute(
        select(TerminationRequest.id, OnlineAgreement.unit_name, TerminationRequest.initiator)
        .join(OnlineAgreement, OnlineAgreement.id == TerminationRequest.agreement_id)
        .where(TerminationRequest.id.in_(ids)))}

