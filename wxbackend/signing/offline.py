"""Offline signing (§4.3, FS-1…FS-10), the paper agreement (FS-9) and offline termination (§4.4, FT-1, FT-2).

Everything here is a record of the reviewed-record lifecycle (``review.lifecycle``), declared once:

* ``OFFLINE`` — the e-agreement application, two phases on one row: 协议审核 of the form (fig. 21), then,
  once the school passed it and the printable 电子就业协议书 with its 协议编号 exists, 签约审核 of the
  employer-stamped pages (本人回传 or 用人单位协助回传 through an SMS link, FS-4, FS-8);
* ``PAPER`` — an agreement already signed on paper: the same form and the images of the signed
  agreement, one 签约审核 (FS-9);
* ``TERMINATION`` — 线下解约 of a completed offline agreement: reason, explanation, the stamped
  termination letter, one review (FT-1, FT-2).

State table of an ``OfflineAgreement`` (the lifecycle moves it; the phase mappings below declare it):

==================  ========================  ==================  =========================================
from                event                     to                  also
==================  ========================  ==================  =========================================
—                   保存 (create)              draft
draft, *returned    提交 (FS-1)                agreement_review    claims the current destination (D-1)
agreement_review    撤回修改 (FS-2)            draft               releases the claim
agreement_review    pass, pass (FS-3)         agreement_passed    协议编号 (kind digit 2), the PDF rendered
agreement_review    return (FS-3)             agreement_returned  edit and resubmit
agreement_review    reject (FS-3)             agreement_failed    void; the claim released
agreement_passed,   stamped pages submitted   signing_review      by the graduate or the employer's link;
signing_returned    (FS-4, FS-5)                                  the link stops working (FS-8)
signing_review      撤回修改 (FS-6)            agreement_passed    pages can be replaced
signing_review      pass, pass (FS-7)         signed              签约完成: archive/hukou synced, signed PDF
signing_review      return (FS-7)             signing_returned    upload again
signing_review      reject (FS-7)             signing_failed      void; the claim released
signed              termination passed (FT-2) terminated          the claim released, synced info voided
==================  ========================  ==================  =========================================

A paper agreement goes draft → signing_review (提交 with its images) and on from there; its
协议编号 is given on its first submission (the number every list and check page shows).

Functions add to the session; callers commit. Uploads commit themselves (``files.service``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts import deadlines
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, School
from wxbackend.accounts.modules import require_module
from wxbackend.core import audit, timeutil, tokens
from wxbackend.core.audit import SYSTEM, Actor
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, NotFound
from wxbackend.core.jobs import enqueue
from wxbackend.destinations import services as destinations
from wxbackend.files.models import StoredFile
from wxbackend.notify import notify_graduate, notify_phone
from wxbackend.review import engine, history, lifecycle
from wxbackend.signing import offline_forms
from wxbackend.signing.models import (
    OFFLINE_ENDED,
    OfflineAgreement,
    OfflinePage,
    OfflineTermination,
)
from wxbackend.transfers import services as transfers

KIND = "offline_agreement"
SIGNING_REVIEW = "offline_signing"
PAPER_KIND = "paper_agreement"
TERMINATION_KIND = "offline_termination"
#: The kind digit of an offline 协议编号 (online agreements have 4).
OFFLINE_DIGIT = "2"
EXPLANATION_MAX = 200

#: The employer's upload link (FS-8). Seven days: the employer has to print the agreement, get it
#: stamped by whoever keeps the seal and photograph it — rarely the same afternoon — and seven days is
#: also the default 应约有效期 of an online invitation. A new request revokes the old link at once, and
#: any link stops working as soon as the pages are submitted or the application changes state, so a
#: forwarded or leaked link is useful for at most that window and only for this one agreement.
LINK_PURPOSE = "offline-upload"
LINK_MAX_AGE = 7 * 24 * 3600
#: A new SMS to the same agreement only after this pause (no SMS bombing through our gateway).
LINK_RESEND_AFTER = timedelta(seconds=60)
#: Statuses in which stamped pages can be uploaded and submitted.
PAGES_OPEN = ("agreement_passed", "signing_returned")
#: Statuses in which the printable e-agreement can be downloaded (FS-3).
PDF_STATUSES = ("agreement_passed", "signing_review", "signing_returned", "signed", "terminated")

MSG_OTHER_AGREEMENT = "这张图片是另一份就业协议书的页面，请上传本协议（协议编号 {no}）盖章后的页面"
MSG_LINK_EXPIRED = "链接已过期，请联系毕业生重新发送"
MSG_LINK_INVALID = "链接无效或已失效"


class LinkRefused(Exception):
    """The employer's link cannot be used: *reason* is expired | invalid (the page says no more)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return MSG_LINK_EXPIRED if self.reason == "expired" else MSG_LINK_INVALID


# --- loading ------------------------------------------------------------------------------------


def get_own(graduate: Graduate, record_id: int) -> OfflineAgreement:
    """The graduate's own offline agreement, or 404 (the same answer whether it exists or not)."""
    record = db.session.get(OfflineAgreement, record_id, populate_existing=True)
    if record is None or record.graduate_id != graduate.id:
        raise NotFound()
    return record


def record_kind(record: OfflineAgreement) -> lifecycle.RecordKind:
    return OFFLINE if record.mode == "eagreement" else PAPER


def _event(actor: Actor, record: OfflineAgreement, action: str, **data: Any) -> None:
    """One record event of the application (RV-6), filed under its kind."""
    history.record(actor, _k(record), record.id, action, graduate_id=record.graduate_id, school_id=record.school_id,
                   **data)


def _k(record: OfflineAgreement) -> str:
    """The record's kind name: what its claim (D-1), its history and its synced transfer info are filed under."""
    return record_kind(record).name


def current_of(graduate: Graduate) -> OfflineAgreement | None:
    """The graduate's offline application that has not ended, if any (at most one)."""
    return db.session.scalar(select(OfflineAgreement).where(
        OfflineAgreement.graduate_id == graduate.id, OfflineAgreement.status.not_in(OFFLINE_ENDED)))


# --- the graduate's steps ---------------------------------------------------------------------------


def _editable(record: OfflineAgreement) -> tuple[str, ...]:
    return ("draft", "agreement_returned") if record.mode == "eagreement" else ("draft", "signing_returned")


def create(graduate: Graduate, mode: Any, values: Any) -> OfflineAgreement:
    """保存: start an e-agreement application or a paper-agreement registration as a draft (FS-1, FS-9)."""
    deadlines.require_open(graduate)  # RP-2
    require_module(graduate, graduate.school, "destination")
    if mode not in ("eagreement", "paper"):
        raise ApiError("invalid_fields", "请选择签约方式",
                       {"mode": "应为 eagreement（申请电子就业协议书）或 paper（已签协议登记）"})
    if graduate.is_directed:
        raise ApiError("graduate_directed", "定向/委培毕业生请登记“定向/委培毕业去向补充登记”，不能申请线下签约",
                       status=403)
    unit, terms = offline_forms.clean(values if values is not None else {}, require=False)
    claim = destinations.current_claim(graduate.id)
    if claim is not None:
        raise destinations.claim_refusal(claim)
    if current_of(graduate) is not None:
        raise _open_exists()
    now = timeutil.now()
    record = OfflineAgreement(
        graduate_id=graduate.id, school_id=graduate.school_id, department_id=graduate.department_id, mode=mode,
        status="draft", unit_info=unit, terms=terms, unit_name=unit.get("unit_name", ""),
        credit_code=unit.get("credit_code"), created_at=now, updated_at=now, version=1,
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:  # uq_offline_agreement_open: a concurrent create won
        db.session.rollback()
        raise _open_exists() from None
    audit.record(actor_for(graduate), "offline.create", record, mode=mode)
    return record


def _open_exists() -> Conflict:
    return Conflict("record_exists", "你已有一份未结束的线下签约申请，请在登记记录中继续办理")


def check_complete(values: Any) -> None:
    """Raise the field errors 提交 would give for *values* (FS-1), without saving anything."""
    offline_forms.clean(values if values is not None else {}, require=True)


def update_fields(graduate: Graduate, record: OfflineAgreement, values: Any) -> OfflineAgreement:
    """保存 again: replace the form of a draft or a returned application; invalid input changes nothing."""
    deadlines.require_open(graduate)  # RP-2
    if record.status not in _editable(record):
        raise Conflict("not_editable", f"当前状态（{record.status_label}）不能修改协议信息；审核前可先撤回修改")
    unit, terms = offline_forms.clean(values, require=False)
    before = offline_forms.values_of(record.unit_info, record.terms)
    lifecycle.write(record, unit_info=unit, terms=terms, unit_name=unit.get("unit_name", ""),
                    credit_code=unit.get("credit_code"))
    after = offline_forms.values_of(unit, terms)
    audit.record(actor_for(graduate), "offline.update", record,
                 changes={k: [before.get(k), after.get(k)] for k in {*before, *after} if before.get(k) != after.get(k)})
    return record


def submit(graduate: Graduate, record: OfflineAgreement) -> OfflineAgreement:
    """提交: the form to 协议审核 (e-agreement), or form and images to 签约审核 (paper); every field checked."""
    require_module(graduate, graduate.school, "destination")
    if record.status not in _editable(record):
        if record.mode == "eagreement" and record.status in PAGES_OPEN:
            return submit_pages(actor_for(graduate), record, graduate, by="graduate")
        raise Conflict("not_submittable", f"当前状态（{record.status_label}）不能提交")
    unit, terms = offline_forms.clean(offline_forms.values_of(record.unit_info, record.terms), require=True)
    values: dict[str, Any] = {"unit_info": unit, "terms": terms, "submitted_at": timeutil.now()}
    if record.mode == "paper":
        values.update(pages_submitted_by="graduate")
        if record.agreement_no is None:  # the registration's 协议编号, given on its first submission
            from wxbackend.signing.services import next_agreement_no

            values["agreement_no"] = next_agreement_no(graduate.school, timeutil.now(), OFFLINE_DIGIT)
    lifecycle.submit(actor_for(graduate), record_kind(record), record, graduate, **values)
    return record


def submit_pages(actor: Actor, record: OfflineAgreement, graduate: Graduate, by: str) -> OfflineAgreement:
    """The stamped pages to 签约审核 (FS-4): by the graduate (本人回传) or the employer (用人单位协助回传).

    The employer's link stops working here (FS-8): the nonce it was signed with is cleared in the same
    conditional UPDATE that moves the record, so of two concurrent submissions exactly one goes through.
    """
    if record.mode != "eagreement":
        raise Conflict("not_submittable", "已签协议登记请直接提交")
    if record.status not in PAGES_OPEN:
        raise Conflict("not_submittable", f"当前状态（{record.status_label}）不能回传协议书")
    lifecycle.submit(actor, OFFLINE, record, graduate, review_kind=SIGNING_REVIEW, pages_submitted_by=by,
                     link_nonce=None)
    if by == "employer":
        notify_graduate(record.graduate_id, "pages_submitted", "用人单位已回传协议书",
                        f"{record.unit_name}已回传盖章的电子就业协议书，等待院系及学校签约审核。",
                        {"offline_agreement_id": record.id})
    return record


def withdraw(graduate: Graduate, record: OfflineAgreement) -> OfflineAgreement:
    """撤回修改 before any reviewer acted: the form back to editing (FS-2), or the pages back to replacing (FS-6)."""
    if record.graduate_id != graduate.id:
        raise NotFound()
    if record.status == "agreement_review":
        lifecycle.withdraw(actor_for(graduate), OFFLINE, record)
    elif record.status == "signing_review":
        kind = record_kind(record)
        lifecycle.withdraw(actor_for(graduate), kind, record,
                           review_kind=SIGNING_REVIEW if record.mode == "eagreement" else PAPER_KIND)
    else:
        raise Conflict("not_pending", "只有审核中的申请可以撤回")
    return record


# --- pages (FS-5, FS-6, FS-10) ------------------------------------------------------------------------


def add_page(actor: Actor, record: OfflineAgreement, data: bytes, filename: str | None,
             delegate: bool = False) -> StoredFile:
    """Upload one image of the stamped agreement (FS-5: compressed to ≤300 KB by the pipeline).

    An e-agreement page is read for its page codes first (FS-10): a page of another agreement is
    refused with nothing stored; a page of this one is recorded as "page k of n"; an image with no
    readable code is kept and shown to the reviewer as such.
    """
    kind = record_kind(record)
    result = None
    if record.mode == "eagreement" and record.agreement_no and record.status in kind.files_editable:
        from wxbackend.documents import pagecodes
        from wxbackend.signing.documents import page_secret

        try:
            result = pagecodes.match_page(data, page_secret(), record.agreement_no)
        except Exception:  # noqa: BLE001 - not an image we can read: the upload pipeline says why, below
            result = None
        if result is not None and result.kind == "other":
            raise ApiError("page_of_other_agreement", MSG_OTHER_AGREEMENT.format(no=record.agreement_no),
                           {"file": "不是本协议的页面"}, status=422)
    stored = lifecycle.add_attachment(actor, kind, record, data, filename, delegate=delegate)
    if record.mode == "eagreement" and record.agreement_no:
        db.session.add(OfflinePage(file_id=stored.id, agreement_id=record.id,
                                   result=result.kind if result is not None else "none",
                                   page=result.page if result is not None else None,
                                   total=result.total if result is not None else None, checked_at=timeutil.now()))
        db.session.commit()
    return stored


def remove_page(actor: Actor, record: OfflineAgreement, file_id: int, delegate: bool = False) -> None:
    """Detach one uploaded image before review (FS-6); the caller commits."""
    lifecycle.remove_attachment(actor, record_kind(record), record, file_id, delegate=delegate)
    db.session.execute(delete(OfflinePage).where(OfflinePage.file_id == file_id,
                                                 OfflinePage.agreement_id == record.id))


def pages(record: OfflineAgreement) -> list[tuple[StoredFile, OfflinePage | None]]:
    """The record's images in upload order, each with what its page codes said (None: not read)."""
    stored = lifecycle.attachments(record_kind(record), record)
    found = {p.file_id: p for p in db.session.scalars(
        select(OfflinePage).where(OfflinePage.agreement_id == record.id))}
    return [(f, found.get(f.id)) for f in stored]


def page_note(page: OfflinePage | None, number: str | None) -> str | None:
    """What the reviewer reads next to an image (FS-10)."""
    if page is None:
        return None
    if page.result == "match":
        return f"与协议 {number} 第{page.page}页（共{page.total}页）相符"
    if page.result == "other":
        return "另一份协议的页面"
    return "未识别到页面二维码，请人工核对"


def page_coverage(record: OfflineAgreement) -> dict[str, Any]:
    """Which pages of the e-agreement the uploaded images cover (for both front-ends and the reviewer)."""
    found = pages(record)
    matched = sorted({p.page for _f, p in found if p is not None and p.result == "match" and p.page})
    total = record.pdf_pages or 0
    missing = [n for n in range(1, total + 1) if n not in matched]
    unread = sum(1 for _f, p in found if p is not None and p.result == "none")
    return {"total": total, "matched": matched, "missing": missing, "unread": unread, "count": len(found)}


# --- the employer's upload link (FS-4, FS-8, MS-3) ---------------------------------------------------------


def link_url(token: str) -> str:
    base = current_app.config["SETTINGS"].PUBLIC_URL.rstrip("/")
    return f"{base}/u/{token}"


def request_employer_upload(graduate: Graduate, record: OfflineAgreement) -> str:
    """用人单位协助回传协议书: text the employer contact a link to this agreement; returns the link.

    A new request revokes the previous link (a new nonce). The SMS goes through the outbox: a
    slow or failing gateway never fails this request, and the graduate sees whether it went (MS-3).
    """
    deadlines.require_open(graduate)  # RP-2
    if record.graduate_id != graduate.id:
        raise NotFound()
    if record.mode != "eagreement" or record.status not in PAGES_OPEN:
        raise Conflict("not_uploadable", f"当前状态（{record.status_label}）不能请用人单位回传协议书")
    if record.pdf_file_id is None:
        raise Conflict("pdf_pending", "电子就业协议书正在生成，请稍后再试")
    phone = (record.unit_info or {}).get("contact_mobile")
    if not phone or not offline_forms.MOBILE.match(phone):
        raise ApiError("no_contact_mobile", "协议中没有单位联系人手机号码，无法发送短信",
                       {"contact_mobile": "缺少手机号码"})
    now = timeutil.now()
    if record.link_sent_at is not None and now - record.link_sent_at < LINK_RESEND_AFTER:
        wait = int((LINK_RESEND_AFTER - (now - record.link_sent_at)).total_seconds()) + 1
        raise ApiError("too_soon", f"短信刚刚发送过，请{wait}秒后再试", status=429)
    nonce = secrets.token_hex(8)
    token = tokens.dumps(LINK_PURPOSE, [record.id], nonce=nonce)
    url = link_url(token)
    contact = record.unit_info.get("contact_name") or ""
    body = (f"【就业协议回传】{contact}您好，{graduate.name}请贵单位回传盖章的电子就业协议书"
            f"（编号{record.agreement_no}），"
            f"请在7天内打开链接下载、盖章并上传：{url}")
    message = notify_phone(phone, "upload_link", "电子就业协议书回传", body,
                           {"offline_agreement_id": record.id,
                            "sms_params": {"name": graduate.name, "number": record.agreement_no or "",
                                           "token": token}})
    db.session.flush()
    lifecycle.write(record, link_nonce=nonce, link_sent_at=now, link_phone=phone, link_outbox_id=message.id)
    actor = actor_for(graduate)
    audit.record(actor, "offline.send_link", record, phone=mask_phone(phone))
    history.record(actor, KIND, record.id, "send_link", graduate_id=record.graduate_id, school_id=record.school_id,
                   at=now, phone=mask_phone(phone))
    return url


def mask_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else (phone or "")


def link_state(record: OfflineAgreement) -> dict[str, Any] | None:
    """The last upload link as the graduate sees it: when, to whom, and whether the SMS went (MS-3)."""
    if record.link_sent_at is None:
        return None
    from wxbackend.notify import delivery_state

    state = delivery_state(record.link_outbox_id) if record.link_outbox_id else None
    live = record.link_nonce is not None and record.status in PAGES_OPEN and (
        timeutil.now() - record.link_sent_at).total_seconds() < LINK_MAX_AGE
    return {
        "sent_at": record.link_sent_at,
        "phone": mask_phone(record.link_phone),
        "delivery": state or "pending",
        "delivery_label": {"sent": "短信已发送", "failed": "短信发送失败，请重试"}.get(state or "", "短信发送中"),
        "live": live,
        "expires_at": record.link_sent_at + timedelta(seconds=LINK_MAX_AGE),
    }


def record_for_link(token: str) -> OfflineAgreement:
    """The agreement an upload link reaches, or LinkRefused (expired | invalid) — nothing else is said."""
    payload = tokens.peek(LINK_PURPOSE, token)
    if not (isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], int)):
        raise LinkRefused("invalid")
    record = db.session.get(OfflineAgreement, payload[0], populate_existing=True)
    if record is None or record.link_nonce is None:
        raise LinkRefused("invalid")
    try:
        tokens.verify(LINK_PURPOSE, token, max_age=LINK_MAX_AGE, nonce=record.link_nonce)
    except tokens.ExpiredToken:
        raise LinkRefused("expired") from None
    except tokens.InvalidToken:
        raise LinkRefused("invalid") from None
    if record.status not in PAGES_OPEN:
        raise LinkRefused("invalid")
    return record


def employer_actor(record: OfflineAgreement) -> Actor:
    """The employer acting through its link: no account, named by the unit and its contact."""
    contact = (record.unit_info or {}).get("contact_name")
    return Actor("employer", None, "employer", f"{record.unit_name}（{contact}）" if contact else record.unit_name)


# --- review outcomes -------------------------------------------------------------------------------------


def _before_submit(record: OfflineAgreement, graduate: Graduate, phase: lifecycle.Phase) -> None:
    """The application is the graduate's current destination from its first submission (D-1)."""
    if phase.review_kind in (KIND, PAPER_KIND):
        destinations.claim(graduate.id, _k(record), record.id)
    elif record.mode == "eagreement" and record.pdf_file_id is None:
        raise Conflict("pdf_pending", "电子就业协议书正在生成，请稍后再试")
    if phase.review_kind == SIGNING_REVIEW and record.pdf_pages:
        count = lifecycle.attachment_count(OFFLINE, record)
        if count < record.pdf_pages:
            raise ApiError("proof_required",
                           f"协议书共{record.pdf_pages}页，请每页上传一张盖章后的照片（已上传{count}张）",
                           {"proofs": f"至少上传{record.pdf_pages}张"})


def _after_change(record: OfflineAgreement, old: str, new: str, outcome: engine.Outcome | None) -> None:
    if old == new:
        return
    now = timeutil.now()
    reason = outcome.reason if outcome is not None else None
    if new == "draft":  # withdrawn before any review: no longer the current destination (FS-2)
        destinations.release(record.graduate_id, _k(record), record.id)
    elif new == "agreement_passed" and old == "agreement_review":  # FS-3: number and PDF
        school = db.session.get(School, record.school_id)
        assert school is not None
        from wxbackend.signing.services import next_agreement_no

        lifecycle.write(record, agreement_no=next_agreement_no(school, now, OFFLINE_DIGIT))
        _event(SYSTEM, record, "issue", at=now, agreement_no=record.agreement_no)
        enqueue("jobs.pdf.render_offline_agreement_pdf", record.id)
    elif new in ("agreement_failed", "signing_failed"):  # FS-3, FS-7: void, a new one must be filled
        if record.link_nonce is not None:
            lifecycle.write(record, link_nonce=None)
        _event(SYSTEM, record, "fail", at=now, reason=reason)
        destinations.release(record.graduate_id, _k(record), record.id)
    elif new == "signed":  # FS-7, FS-9: 签约完成
        school = db.session.get(School, record.school_id)
        assert school is not None
        _event(SYSTEM, record, "sign", at=now, agreement_no=record.agreement_no)
        from wxbackend.signing.services import sync_terms

        sync_terms(record.graduate_id, school, _k(record), record.id, record.terms)
        if record.mode == "eagreement":
            enqueue("jobs.pdf.render_offline_signed_pdf", record.id)
    destinations.changed(record.graduate_id, _k(record), record.id, new)


def _pages_policy(record: OfflineAgreement) -> lifecycle.AttachmentPolicy:
    need = (record.pdf_pages or 1) if record.status in PAGES_OPEN else 0
    return lifecycle.AttachmentPolicy("单位盖章的电子就业协议书", min=need, max=12,
                                      hint="每页拍一张，完整清晰，页面三个角的二维码不要遮挡")


def _paper_policy(record: OfflineAgreement) -> lifecycle.AttachmentPolicy:
    return lifecycle.AttachmentPolicy("已签订并盖章的就业协议书", min=1, max=12, hint="每页拍一张，须能看清单位公章")


OFFLINE_STAMPS = {"agreement_passed": "agreement_passed_at", "signing_review": "pages_submitted_at",
                  "signed": "signed_at", "agreement_failed": "failed_at", "signing_failed": "failed_at"}

OFFLINE = lifecycle.RecordKind(
    name=KIND,
    model=OfflineAgreement,
    phases=(
        lifecycle.Phase(KIND, "电子就业协议书申请", statuses={
            "pending": "agreement_review", "returned": "agreement_returned", "rejected": "agreement_failed",
            "approved": "agreement_passed", "withdrawn": "draft"},
            submittable_from=("draft", "agreement_returned")),
        lifecycle.Phase(SIGNING_REVIEW, "电子就业协议书签约材料", statuses={
            "pending": "signing_review", "returned": "signing_returned", "rejected": "signing_failed",
            "approved": "signed", "withdrawn": "agreement_passed"},
            submittable_from=PAGES_OPEN),
    ),
    attachments=_pages_policy,
    before_submit=_before_submit,
    after_change=_after_change,
    files_editable=PAGES_OPEN,
    stamps=OFFLINE_STAMPS,
)

PAPER = lifecycle.RecordKind(
    name=PAPER_KIND,
    model=OfflineAgreement,
    phases=(lifecycle.Phase(PAPER_KIND, "已签协议信息登记", statuses={
        "pending": "signing_review", "returned": "signing_returned", "rejected": "signing_failed",
        "approved": "signed", "withdrawn": "draft"},
        submittable_from=("draft", "signing_returned")),),
    attachments=_paper_policy,
    before_submit=_before_submit,
    after_change=_after_change,
    files_editable=("draft", "signing_returned"),
    stamps=OFFLINE_STAMPS,
)


# --- offline termination (FT-1, FT-2) ----------------------------------------------------------------------


def termination_reasons() -> list[tuple[str, str]]:
    return code_list("termination_reason").choices()


def _clean_termination(reason_code: Any, explanation: Any) -> tuple[str, str | None]:
    errors: dict[str, str] = {}
    code = code_list("termination_reason").resolve(str(reason_code)) if reason_code not in (None, "") else None
    if code is None:
        errors["reason"] = "请选择解约原因" if reason_code in (None, "") else "解约原因不在列表中"
    text = explanation.strip() if isinstance(explanation, str) else ""
    if explanation is not None and not isinstance(explanation, str):
        errors["explanation"] = "解约说明应为文字"
    elif len(text) > EXPLANATION_MAX:
        errors["explanation"] = f"解约说明不能超过{EXPLANATION_MAX}个字（现为{len(text)}个字）"
    elif code == "99" and not text:
        errors["explanation"] = "解约原因为“其他原因”时，请填写解约说明"
    if errors:
        raise ApiError("invalid_fields", "解约申请有误，请按提示修改", errors)
    assert code is not None
    return code, text or None


def open_termination(record_id: int) -> OfflineTermination | None:
    return db.session.scalar(select(OfflineTermination).where(
        OfflineTermination.agreement_id == record_id,
        OfflineTermination.status.in_(("draft", "pending", "returned"))))


def get_termination(graduate: Graduate, termination_id: int) -> OfflineTermination:
    row = db.session.get(OfflineTermination, termination_id, populate_existing=True)
    if row is None or row.graduate_id != graduate.id:
        raise NotFound()
    return row


def start_termination(graduate: Graduate, record: OfflineAgreement, reason_code: Any,
                      explanation: Any) -> OfflineTermination:
    """申请解约 (FT-1): reason and explanation now, the stamped termination letter next, then 提交."""
    deadlines.require_open(graduate)  # RP-2
    if record.graduate_id != graduate.id:
        raise NotFound()
    code, text = _clean_termination(reason_code, explanation)
    if record.status != "signed":
        raise Conflict("not_signed", f"只有签约完成的线下签约可以申请解约（当前：{record.status_label}）")
    if open_termination(record.id) is not None:
        raise Conflict("termination_open", "该协议已有进行中的解约申请")
    now = timeutil.now()
    row = OfflineTermination(agreement_id=record.id, graduate_id=record.graduate_id, school_id=record.school_id,
                             department_id=record.department_id, reason_code=code, explanation=text, status="draft",
                             created_at=now, updated_at=now, version=1)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("termination_open", "该协议已有进行中的解约申请") from None
    actor = actor_for(graduate)
    audit.record(actor, "offline.termination_start", row, agreement_id=record.id, reason=code)
    history.record(actor, TERMINATION_KIND, row.id, "start", graduate_id=row.graduate_id, school_id=row.school_id,
                   at=now, reason=text, agreement_id=record.id, reason_code=code)
    return row


def update_termination(graduate: Graduate, row: OfflineTermination, reason_code: Any,
                       explanation: Any) -> OfflineTermination:
    deadlines.require_open(graduate)  # RP-2
    if row.status not in ("draft", "returned"):
        raise Conflict("not_editable", f"当前状态（{row.status_label}）不能修改；审核前可先撤回")
    code, text = _clean_termination(reason_code, explanation)
    lifecycle.write(row, reason_code=code, explanation=text)
    audit.record(actor_for(graduate), "offline.termination_update", row, reason=code)
    return row


def add_termination_file(graduate: Graduate, row: OfflineTermination, data: bytes,
                         filename: str | None) -> StoredFile:
    """One image of the employer-stamped termination letter (FT-1; FS-5 pipeline)."""
    return lifecycle.add_attachment(actor_for(graduate), TERMINATION, row, data, filename)


def remove_termination_file(graduate: Graduate, row: OfflineTermination, file_id: int) -> None:
    lifecycle.remove_attachment(actor_for(graduate), TERMINATION, row, file_id)


def submit_termination(graduate: Graduate, row: OfflineTermination) -> OfflineTermination:
    lifecycle.submit(actor_for(graduate), TERMINATION, row, graduate)
    return row


def withdraw_termination(graduate: Graduate, row: OfflineTermination) -> OfflineTermination:
    lifecycle.withdraw(actor_for(graduate), TERMINATION, row)
    return row


def cancel_termination(graduate: Graduate, row: OfflineTermination) -> None:
    """撤销 a termination that is not under review (a draft, or withdrawn back to one): the agreement stays.

    The row is kept as 已撤销 with its history (the history is append-only), so a later application
    starts a history of its own.
    """
    deadlines.require_open(graduate)  # RP-2
    if row.status != "draft":
        raise Conflict("not_editable", "只有未提交的解约申请可以撤销")
    actor = actor_for(graduate)
    lifecycle.write(row, status="cancelled")
    audit.record(actor, "offline.termination_cancel", row)
    history.record(actor, TERMINATION_KIND, row.id, "cancel", graduate_id=row.graduate_id, school_id=row.school_id)


def _termination_before_submit(row: OfflineTermination, graduate: Graduate, phase: lifecycle.Phase) -> None:
    record = db.session.get(OfflineAgreement, row.agreement_id, populate_existing=True)
    if record is None or record.status != "signed":
        raise Conflict("not_signed", "只有签约完成的线下签约可以申请解约")


def _termination_changed(row: OfflineTermination, old: str, new: str, outcome: engine.Outcome | None) -> None:
    """FT-2: pass → the agreement terminated, the graduate free again; reject → the agreement stays valid."""
    if new != "approved" or old == new:
        return
    now = timeutil.now()
    record = db.session.get(OfflineAgreement, row.agreement_id, populate_existing=True)
    assert record is not None
    result = db.session.execute(
        update(OfflineAgreement).where(OfflineAgreement.id == record.id, OfflineAgreement.status == "signed")
        .values(status="terminated", terminated_at=now, updated_at=now, version=OfflineAgreement.version + 1)
        .execution_options(synchronize_session=False))
    db.session.refresh(record)
    if not result.rowcount:  # type: ignore[attr-defined]  # pragma: no cover - the review checked it
        raise Conflict("not_signed", "该协议已不是签约完成状态")
    _event(SYSTEM, record, "terminate", at=now, termination_id=row.id)
    destinations.release(record.graduate_id, _k(record), record.id)
    transfers.void_from_source(_k(record), record.id)
    destinations.changed(record.graduate_id, _k(record), record.id, "terminated")


TERMINATION = lifecycle.RecordKind(
    name=TERMINATION_KIND,
    model=OfflineTermination,
    phases=(lifecycle.Phase(TERMINATION_KIND, "线下解约申请"),),
    attachments=lambda row: lifecycle.AttachmentPolicy("单位盖章的解约函", min=1, max=6,
                                                       hint="解约函等材料，须能看清单位公章"),
    before_submit=_termination_before_submit,
    after_change=_termination_changed,
    stamps={"pending": "submitted_at", "approved": "decided_at", "rejected": "decided_at"},
)


# --- documents ------------------------------------------------------------------------------------------


def timeline(record: OfflineAgreement) -> list[history.TimelineEvent]:
    """Everything that happened to the application: both reviews and the record's own events (RV-6)."""
    kind = record_kind(record)
    return history.timeline(kind.name, record.id, review_kinds=[p.review_kind for p in kind.phases])


def termination_timeline(row: OfflineTermination) -> list[history.TimelineEvent]:
    return history.timeline(TERMINATION_KIND, row.id)


def pdf_file(record: OfflineAgreement, signed: bool = False) -> StoredFile | None:
    file_id = record.signed_pdf_file_id if signed else record.pdf_file_id
    return db.session.get(StoredFile, file_id) if file_id else None
