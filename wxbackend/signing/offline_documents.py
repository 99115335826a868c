"""The offline e-agreement as a document: what it says, its printable PDF with page codes, its QR check link.

After the school passes the agreement review (FS-3) the job ``jobs.pdf.render_offline_agreement_pdf``
renders the 电子就业协议书 on the same template as an online agreement (``signing.pdf``), stamps every
page with its page codes (``documents.pagecodes``, FS-10) and stores it once; the first render wins
``pdf_file_id``. Graduates and the employer's link download that stored file: what was printed and
stamped is byte for byte what the reviewers' codes refer to.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import update

from wxbackend.accounts.models import Graduate, School
from wxbackend.core import timeutil, tokens
from wxbackend.core.codes import code_list, region_name
from wxbackend.core.db import db
from wxbackend.documents.store import discard, store_pdf
from wxbackend.signing import offline_forms
from wxbackend.signing.documents import graduate_section
from wxbackend.signing.models import OfflineAgreement

log = logging.getLogger(__name__)
VERIFY_PURPOSE = "offline-verify"


def verify_token(record: OfflineAgreement) -> str:
    return tokens.dumps(VERIFY_PURPOSE, [record.id, record.agreement_no])


def record_for_token(token: str) -> OfflineAgreement | None:
    """The offline agreement a QR token names, or None for a forged or foreign token."""
    data = tokens.loads(VERIFY_PURPOSE, token)
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int)):
        return None
    record = db.session.get(OfflineAgreement, data[0])
    if record is None or record.agreement_no is None or record.agreement_no != data[1]:
        return None
    return record


def verify_url(record: OfflineAgreement) -> str:
    base = current_app.config["SETTINGS"].PUBLIC_URL.rstrip("/")
    return f"{base}/agreements/verify/{verify_token(record)}"


def _v(value: Any) -> str:
    return "--" if value in (None, "") else str(value)


def sections(record: OfflineAgreement, graduate: Graduate, school: School) -> list[dict[str, Any]]:
    """The agreement's sections (fig. 21's blocks in fig. 9's order) for the PDF, the API and the console."""
    unit = record.unit_info or {}
    terms = {key: shown for key, _label, shown in offline_forms.display_rows({}, record.terms, "terms")}
    labels = {f.key: f.field.label for f in offline_forms.fields()}

    def rows(keys: tuple[str, ...]) -> list[list[str]]:
        return [[labels[k], terms[k]] for k in keys]

    def label(list_name: str, code: str | None) -> str:
        return code_list(list_name).label(code) if code else "--"

    return [
        graduate_section(graduate, school),
        {"title": "用人单位信息", "rows": [
            ["单位名称", _v(unit.get("unit_name"))], ["统一社会信用代码", _v(unit.get("credit_code"))],
            ["单位性质", label("unit_nature", unit.get("unit_nature"))],
            ["单位行业", label("industry", unit.get("industry"))],
            ["通讯地址", region_name(unit["address_region"]) if unit.get("address_region") else "--"],
            ["详细地址", _v(unit.get("address_detail"))], ["单位联系人", _v(unit.get("contact_name"))],
            ["联系人固话", _v(unit.get("contact_phone"))], ["联系人手机", _v(unit.get("contact_mobile"))],
            ["联系人邮箱", _v(unit.get("contact_email"))],
        ]},
        {"title": "签约信息", "rows": [
            ["协议编号", record.agreement_no or "协议审核通过后生成"], ["签约类型", record.mode_label],
            ["签约状态", record.status_label],
            *rows(("job_category", "position", "trial_period", "trial_pay", "regular_pay", "penalty",
                   "report_place", "report_deadline", "work_region", "work_address")),
        ]},
        {"title": "档案转递", "rows": rows(("archive_transfer_type", "archive_unit_name", "archive_unit_address",
                                            "archive_contact", "archive_phone", "archive_postcode"))},
        {"title": "户口迁移", "rows": rows(("hukou_transfer_type", "hukou_address"))},
        {"title": "协议补充内容", "rows": rows(("addendum",))},
    ]


def build_doc(record: OfflineAgreement) -> dict[str, Any]:
    """The document the agreement template renders (``signing.pdf.render_agreement``)."""
    graduate = db.session.get(Graduate, record.graduate_id)
    school = db.session.get(School, record.school_id)
    assert graduate is not None and school is not None
    reviews = [["申请提交时间", timeutil.fmt(record.submitted_at)],
               ["协议审核通过时间", timeutil.fmt(record.agreement_passed_at)]]
    return {
        "title": "全国普通高等学校毕业生就业协议书",
        "agreement_no": record.agreement_no or "协议审核通过后生成",
        "sign_type": record.mode_label,
        "status_label": "就业协议审核通过，待用人单位盖章",
        "parties": {"employer": record.unit_name, "graduate": graduate.name, "school": school.name},
        "sections": sections(record, graduate, school),
        "reviews": reviews,
        "verify_url": verify_url(record),
        "generated_at": timeutil.fmt(timeutil.now()),
    }


def render_printable(record_id: int) -> bool:
    """Render the e-agreement to print, each page with its page codes, and store it once (FS-3, FS-10)."""
    from wxbackend.documents import pagecodes
    from wxbackend.signing.documents import page_secret
    from wxbackend.signing.pdf import render_agreement

    record = db.session.get(OfflineAgreement, record_id, populate_existing=True)
    if record is None or record.pdf_file_id is not None or record.agreement_no is None:
        return False
    data = pagecodes.stamp_pages(render_agreement(build_doc(record)), page_secret(), record.agreement_no)
    pages = pagecodes.page_count(data)
    stored = store_pdf(data, key_prefix="offline-agreements", filename=f"{record.agreement_no}.pdf",
                       owner_graduate_id=record.graduate_id)
    result = db.session.execute(
        update(OfflineAgreement).where(OfflineAgreement.id == record.id, OfflineAgreement.pdf_file_id.is_(None))
        .values(pdf_file_id=stored.id, pdf_pages=pages).execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]  # a concurrent render won
        db.session.rollback()
        discard(stored)
        return False
    db.session.commit()
    log.info("offline agreement %s rendered: %d pages, %d bytes", record.agreement_no, pages, len(data))
    return True


def render_signed(record_id: int) -> bool:
    """签约完成: the printed pages as stored, followed by the 签约过程记录 page, stored once (FS-7, FS-10).

    The record page prints the SHA-256 of the stored printable file — the very pages the employer
    stamped and the reviewers matched — so the signed file proves which agreement was signed.
    """
    import hashlib

    from wxbackend.documents.assemble import append_pdfs
    from wxbackend.files.storage import get_storage
    from wxbackend.signing import offline
    from wxbackend.signing.documents import process_rows
    from wxbackend.signing.pdf import render_process_record

    record = db.session.get(OfflineAgreement, record_id, populate_existing=True)
    if record is None or record.signed_pdf_file_id is not None or record.status not in ("signed", "terminated"):
        return False
    printable = offline.pdf_file(record)
    if printable is None:  # pragma: no cover - a signed e-agreement always has its printable file
        return False
    pages = get_storage().get(printable.key)
    page = render_process_record({
        "agreement_no": record.agreement_no, "generated_at": timeutil.fmt(timeutil.now()),
        "pages": record.pdf_pages or 0, "pages_sha256": hashlib.sha256(pages).hexdigest(),
        "events": process_rows(offline.timeline(record)),
    })
    data = append_pdfs(pages, page)
    stored = store_pdf(data, key_prefix="offline-agreements", filename=f"{record.agreement_no}.pdf",
                       owner_graduate_id=record.graduate_id)
    result = db.session.execute(
        update(OfflineAgreement)
        .where(OfflineAgreement.id == record.id, OfflineAgreement.signed_pdf_file_id.is_(None))
        .values(signed_pdf_file_id=stored.id).execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        discard(stored)
        return False
    db.session.commit()
    return True
