"""Online agreements and termination requests as reviewers see them (§4.1.3, §4.2.3).

Registered with :mod:`wxbackend.review.subjects` by ``signing.init_app``: the generic item page shows the
agreement's fig. 9 fields (or the termination's reason and explanation) next to the decision
form, which offers only 通过 / 不通过 for these kinds (RV-1).
"""

from __future__ import annotations

from sqlalchemy import select

from wxbackend.accounts.validation import mask_id_number
from wxbackend.core import timeutil
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.review import lifecycle, subjects
from wxbackend.review.models import ReviewItem
from wxbackend.signing import documents
from wxbackend.signing.models import (
    PARTY_LABELS,
    OfflineAgreement,
    OfflineTermination,
    OnlineAgreement,
    TerminationRequest,
)

#: The agreement's sections on the reviewer's page, in fig. 9's order, and what each is called there.
SECTION_ORDER = ("签约信息", "用人单位信息", "档案转递", "户口迁移", "协议补充内容", "毕业生信息")
SECTION_TITLES = {"毕业生信息": "学生信息"}


def _agreement_sections(row: OnlineAgreement, answered: bool = True) -> list[tuple[str, list[tuple[str, str]]]]:
    """The sections of ``documents.agreement_sections`` for a reviewer: fig. 9 order, 身份证号 masked."""
    graduate = row.graduate
    by_title = {s["title"]: s for s in documents.agreement_sections(row, graduate, graduate.school)}
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for title in SECTION_ORDER:
        section = by_title.get(title)
        if section is None:
            continue
        rows = [(label, mask_id_number(value) if label == "身份证号" else value) for label, value in section["rows"]]
        if title == "签约信息" and answered:
            rows[2:2] = [("邀约时间", timeutil.fmt(row.invited_at)), ("毕业生应约时间", timeutil.fmt(row.answered_at))]
        out.append((SECTION_TITLES.get(title, title), rows))
    return out


def present_agreement(item: ReviewItem) -> subjects.Subject:
    row = db.session.get(OnlineAgreement, item.subject_id)
    if row is None:  # pragma: no cover - items are never orphaned
        return subjects.Subject(title="网上签约", status_label="记录不存在")
    return subjects.Subject(title=f"网上签约 · {row.unit_name}", status_label=row.status_label,
                            sections=_agreement_sections(row))


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
                            sections=[("解约申请", rows), *_agreement_sections(row)])


def unit_labels(agreement_ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(select(OnlineAgreement.id, OnlineAgreement.unit_name)
                                   .where(OnlineAgreement.id.in_(agreement_ids))).all())


def termination_labels(ids: list[int]) -> dict[int, str]:
    return {i: f"{name}（{PARTY_LABELS[who]}发起）" for i, name, who in db.session.execute(
        select(TerminationRequest.id, OnlineAgreement.unit_name, TerminationRequest.initiator)
        .join(OnlineAgreement, OnlineAgreement.id == TerminationRequest.agreement_id)
        .where(TerminationRequest.id.in_(ids)))}



# --- offline agreements and offline termination (§4.3, §4.4) ----------------------------------------


def _offline_sections(record: OfflineAgreement) -> list[tuple[str, list[tuple[str, str]]]]:
    from wxbackend.signing import offline_documents

    graduate = record.graduate
    by_title = {s["title"]: s for s in offline_documents.sections(record, graduate, graduate.school)}
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for title in SECTION_ORDER:
        section = by_title.get(title)
        if section is not None:
            out.append((SECTION_TITLES.get(title, title), [
                (label, mask_id_number(value) if label == "身份证号" else value) for label, value in section["rows"]]))
    return out


def present_offline(item: ReviewItem) -> subjects.Subject:
    """协议审核 shows the form; 签约审核 shows the uploaded pages with what their page codes said (FS-10)."""
    from wxbackend.signing import offline

    record = db.session.get(OfflineAgreement, item.subject_id)
    if record is None:  # pragma: no cover - items are never orphaned
        return subjects.Subject(title="线下签约", status_label="记录不存在")
    subject = subjects.Subject(title=f"{record.mode_label} · {record.unit_name}", status_label=record.status_label,
                               sections=_offline_sections(record))
    subject.banner = _demo_link_banner(record)
    if item.kind == offline.KIND:  # 协议审核: the form only
        return subject
    kind = offline.record_kind(record)
    policy = kind.policy(record)
    found = offline.pages(record)
    subject.files = [f for f, _p in found]
    subject.files_label = policy.label if policy else "签约材料"
    subject.files_hint = policy.hint if policy else None
    subject.files_min = max(policy.min, 1) if policy else 1
    subject.files_max = policy.max if policy else None
    by = {"graduate": "毕业生本人回传", "employer": "用人单位通过短信链接回传"}.get(record.pages_submitted_by or "")
    if record.mode == "eagreement":
        for f, p in found:
            note = offline.page_note(p, record.agreement_no)
            if note and p is not None:
                subject.file_notes[f.id] = (p.result, note)
        cov = offline.page_coverage(record)
        if cov["total"]:
            got = "、".join(f"第{n}页" for n in cov["matched"]) or "无"
            subject.files_summary = f"协议书共{cov['total']}页，已识别：{got}"
            if cov["missing"]:
                subject.files_summary += f"；未识别到：{'、'.join(f'第{n}页' for n in cov['missing'])}，请人工核对"
                subject.files_warning = True
            if by:
                subject.files_summary += f"（{by}）"
    elif by:
        subject.files_summary = by
    return subject


def _demo_link_banner(record: OfflineAgreement) -> str | None:
    """With the log SMS provider (the embedded demo) the console says where the last upload link went.

    The link's token is not stored (only its nonce); the log line of the SMS has the whole link.
    """
    from flask import current_app

    from wxbackend.signing import offline

    if record.link_sent_at is None or current_app.config["SETTINGS"].sms_provider != "log":
        return None
    return (f"用人单位回传链接已发送至 {offline.mask_phone(record.link_phone)}，于 {timeutil.fmt(record.link_sent_at)}"
            "（演示环境：短信未真正发送，完整链接见服务日志中的短信记录）")


def present_offline_termination(item: ReviewItem) -> subjects.Subject:
    from wxbackend.signing import offline

    row = db.session.get(OfflineTermination, item.subject_id)
    if row is None:  # pragma: no cover
        return subjects.Subject(title="线下解约申请", status_label="记录不存在")
    record = row.agreement
    rows = [
        ("解约单位名称", record.unit_name),
        ("协议编号", record.agreement_no or "--"),
        ("签约方式", record.mode_label),
        ("解约原因", code_list("termination_reason").label(row.reason_code)),
        ("解约说明", row.explanation or "--"),
        ("提交时间", timeutil.fmt(row.submitted_at)),
        ("签约完成时间", timeutil.fmt(record.signed_at)),
    ]
    policy = offline.TERMINATION.policy(row)
    assert policy is not None
    return subjects.Subject(
        title=f"线下解约申请 · {record.unit_name}", status_label=row.status_label,
        sections=[("解约申请", rows), *_offline_sections(record)],
        files=lifecycle.attachments(offline.TERMINATION, row), files_label=policy.label,
        files_hint="请与用人单位核实解约情况后审核", files_min=policy.min, files_max=policy.max)


def offline_labels(ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(select(OfflineAgreement.id, OfflineAgreement.unit_name)
                                   .where(OfflineAgreement.id.in_(ids))).all())


def offline_termination_labels(ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(
        select(OfflineTermination.id, OfflineAgreement.unit_name)
        .join(OfflineAgreement, OfflineAgreement.id == OfflineTermination.agreement_id)
        .where(OfflineTermination.id.in_(ids))).all())
