"""The electronic agreement (ON-8): its document, the rendered PDF in storage, and its QR link.

The PDF is rendered once by ``jobs.pdf.render_agreement_pdf`` after the school passes the
agreement, stored with its SHA-256 and served from storage after that (``documents.store``); the
first render wins the agreement's ``pdf_file_id``. The QR code carries a signed link
(``core.tokens``) to the public check page, which shows the agreement's number, parties and state.

The stored file is ``signing.pdf.render_signed``: the agreement pages with a page code in three
corners (FS-10, keyed by ``page_secret()``), then the 签约过程记录 page (every event of the
agreement's history, ``review.history.timeline``) with the SHA-256 of the agreement pages. That
hash is printed there only (no column); the whole file's hash is the ``StoredFile.sha256`` that
downloads carry in ``X-Content-SHA256``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import select, update

from wxbackend.accounts.models import Graduate, School
from wxbackend.core import timeutil, tokens
from wxbackend.core.codes import code_list, region_name
from wxbackend.core.db import db
from wxbackend.documents.store import discard, pdf_download, store_pdf
from wxbackend.files.models import StoredFile
from wxbackend.review import history
from wxbackend.review.models import ReviewEvent, ReviewItem
from wxbackend.signing import forms
from wxbackend.signing.models import OnlineAgreement

if TYPE_CHECKING:
    from wxbackend.signing.pdf import SignedPdf

log = logging.getLogger(__name__)
#: The QR link never expires: a printed agreement stays checkable.
VERIFY_PURPOSE = "agreement-verify"
#: What the page-code secret is derived for (a fixed label: changing it invalidates every printed code).
PAGE_CODE_LABEL = b"wxbackend/agreement-page-codes/v1"


def page_secret() -> bytes:
    """The key of the agreements' page codes (FS-10): HMAC-SHA256 of the app's SECRET_KEY with a fixed label.

    Modules that read photos of stamped pages (``documents.pagecodes.match_page``) import it from here.
    """
    key = current_app.config["SECRET_KEY"]
    return hmac.new(key.encode() if isinstance(key, str) else key, PAGE_CODE_LABEL, hashlib.sha256).digest()


def verify_token(row: OnlineAgreement) -> str:
    return tokens.dumps(VERIFY_PURPOSE, [row.id, row.agreement_no])


def agreement_for_token(token: str) -> OnlineAgreement | None:
    """The agreement a QR token names, or None for a forged or foreign token."""
    data = tokens.loads(VERIFY_PURPOSE, token)
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int)):
        return None
    agreement_id, number = data
    row = db.session.get(OnlineAgreement, agreement_id)
    if row is None or row.agreement_no != number:
        return None
    return row


def verify_url(row: OnlineAgreement) -> str:
    base = current_app.config["SETTINGS"].PUBLIC_URL.rstrip("/")
    return f"{base}/agreements/verify/{verify_token(row)}"


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if name else ""


def _v(value: Any) -> str:
    return "--" if value in (None, "") else str(value)


def _label(list_name: str, code: str | None) -> str:
    return code_list(list_name).label(code) if code else "--"


def review_dates(row: OnlineAgreement) -> list[list[str]]:
    """邀约/应约 times and each pass of the agreement's review, oldest first."""
    out = [["邀约时间", timeutil.fmt(row.invited_at)], ["毕业生应约时间", timeutil.fmt(row.answered_at)]]
    events = db.session.execute(
        select(ReviewEvent.from_stage, ReviewEvent.at).join(ReviewItem, ReviewItem.id == ReviewEvent.item_id)
        .where(ReviewItem.kind == "online_agreement", ReviewItem.subject_id == row.id, ReviewEvent.action == "pass")
        .order_by(ReviewEvent.id)
    ).all()
    for stage, at in events:
        out.append(["院系审核通过" if stage == "department" else "学校审核通过", timeutil.fmt(at)])
    return out


def graduate_section(graduate: Graduate, school: School) -> dict[str, Any]:
    """The 毕业生信息 block every agreement (online and offline) starts with."""
    return {"title": "毕业生信息", "rows": [
        ["姓名", graduate.name], ["性别", code_list("gender").label(graduate.gender)],
        ["身份证号", graduate.id_number], ["学历", code_list("education").label(graduate.education)],
        ["毕业院校", school.name], ["院系", graduate.department.name], ["专业", graduate.major.name],
        ["学号", _v(graduate.student_no)], ["毕业时间", graduate.graduate_ym],
        ["手机号码", _v(graduate.phone)],
    ]}


def agreement_sections(row: OnlineAgreement, graduate: Graduate, school: School) -> list[dict[str, Any]]:
    """Fig. 9 as titled (label, value) tables: the PDF, the graduate's API and the reviewer's page."""
    info = row.employer_info
    terms = {key: shown for key, _label, shown in forms.display_rows(row.terms)}
    labels = {f.key: f.field.label for f in forms.fields()}

    def rows(keys: tuple[str, ...]) -> list[list[str]]:
        return [[labels[k], terms[k]] for k in keys]

    return [
        graduate_section(graduate, school),
        {"title": "用人单位信息", "rows": [
            ["单位名称", _v(info.get("name"))], ["统一社会信用代码", _v(info.get("credit_code"))],
            ["单位性质", _label("unit_nature", info.get("unit_nature"))],
            ["单位行业", _label("industry", info.get("industry"))],
            ["通讯地址", region_name(info.get("address_region")) if info.get("address_region") else "--"],
            ["详细地址", _v(info.get("address_detail"))], ["单位联系人", _v(info.get("contact_name"))],
            ["联系人固话", _v(info.get("contact_phone"))], ["联系人手机", _v(info.get("contact_mobile"))],
            ["联系人邮箱", _v(info.get("contact_email"))],
        ]},
        {"title": "签约信息", "rows": [
            ["协议编号", row.agreement_no or "签约信息生效后生成"], ["签约类型", "线上签约"],
            ["签约状态", row.effective_status_label(timeutil.now())], ["应约有效期", f"{row.response_days}天"],
            ["应约截止时间", timeutil.fmt(row.deadline)],
            *rows(("job_category", "position", "trial_period", "trial_pay", "regular_pay", "penalty",
                   "report_place", "report_deadline", "work_region", "work_address")),
        ]},
        {"title": "档案转递", "rows": rows(("archive_transfer_type", "archive_unit_name", "archive_unit_address",
                                            "archive_contact", "archive_phone", "archive_postcode"))},
        {"title": "户口迁移", "rows": rows(("hukou_transfer_type", "hukou_address"))},
        {"title": "协议补充内容", "rows": rows(("addendum",))},
    ]


def build_doc(row: OnlineAgreement) -> dict[str, Any]:
    """The document the PDF template renders (``signing.pdf.render_agreement``)."""
    graduate = db.session.get(Graduate, row.graduate_id)
    school = db.session.get(School, row.school_id)
    assert graduate is not None and school is not None
    return {
        "title": "全国普通高等学校毕业生就业协议书",
        "agreement_no": row.agreement_no or "签约信息生效后生成",
        "sign_type": "线上签约",
        "status_label": row.status_label,
        "parties": {"employer": row.unit_name, "graduate": graduate.name, "school": school.name},
        "sections": agreement_sections(row, graduate, school),
        "reviews": review_dates(row),
        "verify_url": verify_url(row),
        "generated_at": timeutil.fmt(timeutil.now()),
    }


def process_events(row: OnlineAgreement) -> list[dict[str, str]]:
    """The agreement's history as the 签约过程记录 prints it: 时间, 事件, 操作人 (and role), 渠道."""
    return process_rows(history.timeline("online_agreement", row.id))


def process_rows(events: list[history.TimelineEvent]) -> list[dict[str, str]]:
    """Timeline events (of any agreement, online or offline) as rows of the 签约过程记录 page."""
    out = []
    for e in events:
        event = e.action_label + (f"（{e.stage_label}）" if e.stage_label else "")
        actor = e.actor_name or e.role_label
        out.append({"at": timeutil.fmt(e.at), "event": event, "actor": actor,
                    "role": "" if actor == e.role_label else e.role_label, "channel": e.channel_label})
    return out


def build_signed(row: OnlineAgreement) -> SignedPdf:
    """The signed agreement's file (``signing.pdf.SignedPdf``): stamped pages, their hash, the whole PDF."""
    from wxbackend.signing.pdf import render_signed

    assert row.agreement_no is not None
    return render_signed(build_doc(row), process_events(row), page_secret())


def render_and_store(agreement_id: int) -> bool:
    """Render the signed agreement's PDF once and store it; True when this call stored it."""
    row = db.session.get(OnlineAgreement, agreement_id, populate_existing=True)
    if row is None or row.pdf_file_id is not None or row.agreement_no is None:
        return False
    signed = build_signed(row)
    data = signed.pdf
    stored = store_pdf(data, key_prefix="agreements", filename=f"{row.agreement_no}.pdf",
                       owner_graduate_id=row.graduate_id)
    # Only the first render wins: a concurrent one finds pdf_file_id set and its file is removed.
    result = db.session.execute(
        update(OnlineAgreement).where(OnlineAgreement.id == row.id, OnlineAgreement.pdf_file_id.is_(None))
        .values(pdf_file_id=stored.id).execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        discard(stored)
        return False
    db.session.commit()
    log.info("agreement %s rendered: %d bytes, %d agreement pages sha256 %s", row.agreement_no, len(data),
             signed.page_count, signed.pages_sha256)
    return True


def pdf_file(row: OnlineAgreement) -> StoredFile | None:
    return db.session.get(StoredFile, row.pdf_file_id) if row.pdf_file_id else None


def pdf_response(row: OnlineAgreement) -> Any:
    """The stored PDF as a download, or an ApiError while it is still being rendered."""
    from wxbackend.core.errors import ApiError, Conflict

    if row.status not in ("signed", "terminated") or row.agreement_no is None:
        raise Conflict("not_signed", "签约完成后才能查看电子就业协议书")
    stored = pdf_file(row)
    if stored is None:
        from wxbackend.core.jobs import enqueue_now

        enqueue_now("jobs.pdf.render_agreement_pdf", row.id)
        raise ApiError("pdf_pending", "电子就业协议书正在生成，请稍后再试", status=409)
    return pdf_download(stored, f"{row.agreement_no}.pdf")
