"""The graduates' web: offline signing with the e-agreement (§4.3, figs. 21–25), the paper agreement and
offline termination (§4.4, figs. 27–28).

The same services and payload builders as the mini-program's API (``signing.offline``,
``signing.offline_payload``); this module passes in its own URLs. 签就业协议书就业 → “向学校申请电子就业
协议书线下登记” (or 已签协议信息登记) → the form of fig. 21 (保存 / 提交, FS-1) → 撤回修改 before any
reviewer acted (FS-2) → once 就业协议审核通过 the PDF to print (FS-3) → the stamped pages uploaded here
and 本人回传协议书, or 用人单位协助回传协议书 by an SMS link (FS-4, FS-8) → 撤回修改 while unreviewed (FS-6)
→ 签约完成 and the signed PDF → 申请解约 (FT-1) with its letter, reviewed (FT-2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from wxbackend.accounts.actors import actor_for
from wxbackend.core import once
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.core.fields import FormField, form_field
from wxbackend.documents.store import pdf_download
from wxbackend.files.images import MAX_IMAGE_BYTES
from wxbackend.graduate.destination import file_url
from wxbackend.graduate.web import bp, me, module_required, owned, refused
from wxbackend.signing import forms, offline, offline_forms, offline_payload
from wxbackend.signing.models import OFFLINE_MODES, OfflineAgreement, OfflineTermination

URLS = offline_payload.Urls(
    file=file_url,
    pdf=lambda record_id: url_for("auth.offline_pdf", record_id=record_id),
    signed_pdf=lambda record_id: url_for("auth.offline_signed_pdf", record_id=record_id),
)

#: The form's sections (fig. 21): the employer first, then the agreement's terms as fig. 9 groups them.
SECTIONS = (("unit", "用人单位信息"), ("job", "签约信息"), ("archive", "档案转递"), ("hukou", "户口迁移"),
            ("addendum", "协议补充内容"))

#: What the detail page says under the status (the guide's words, figs. 22–25).
STATUS_NOTES = {
    "draft": "尚未提交。填写完整后点击“提交”，由院系及学校审核。",
    "agreement_review": "已提交，等待院系及学校协议审核。审核老师处理前可“撤回修改”。",
    "agreement_returned": "协议审核待提交（老师退回）：请按退回原因修改后重新提交。",
    "agreement_failed": "就业协议审核不通过，本申请已失效。如需签约，请重新填写申请。",
    "agreement_passed": "就业协议审核通过。请点击下载电子协议书，打印后由用人单位盖章，"
                        "再选择“本人回传协议书”或“用人单位协助回传协议书”。",
    "signing_review": "盖章后的协议书已回传，等待院系及学校签约审核。审核老师处理前可“撤回修改”重新回传。",
    "signing_returned": "签约审核退回：请按退回原因重新上传盖章后的协议书并提交。",
    "signing_failed": "签约审核不通过，本协议已失效。如需签约，请重新填写申请。",
    "signed": "签约完成。如与用人单位协商一致解除协议，可在下方申请解约。",
    "terminated": "已解约，本协议已失效。",
}


@dataclass
class FormSection:
    title: str
    fields: list[FormField]
    note: str | None = None


def _section_of(f: offline_forms.FormField) -> str:
    if f.block == "unit":
        return "unit"
    for prefix in ("archive", "hukou", "addendum"):
        if f.key.startswith(prefix):
            return prefix
    return "job"


def form_sections(values: dict[str, Any], errors: dict[str, str]) -> list[FormSection]:
    """Every field of fig. 21 as the page draws it, with the typed value and its error."""
    by: dict[str, list[FormField]] = {key: [] for key, _title in SECTIONS}
    switches: dict[str, set[str]] = {key: set() for key, _title in SECTIONS}
    for f in offline_forms.fields():
        value = values.get(f.key)
        shown = form_field(f.field, "" if value is None else value, required=f.required, error=errors.get(f.key))
        if f.mobile:  # the SMS upload link goes there (FS-4): a landline will not do
            shown = replace(shown, hint="11位手机号码；选择用人单位协助回传时，回传链接以短信发到此号码")
        by[_section_of(f)].append(shown)
        if f.unit_receive:
            switches[_section_of(f)].add(f.unit_receive)
    unit_codes = [c for c, _label in code_list("transfer_type").choices() if forms.is_unit_receive(c)]
    unit_labels = "、".join(code_list("transfer_type").label(c) for c in unit_codes)
    out = []
    for key, title in SECTIONS:
        if not by[key]:
            continue
        note = "；".join(f"{offline_forms.field(k).field.label}为{unit_labels}时，其余各项必填"
                        for k in sorted(switches[key])) or None
        out.append(FormSection(title, by[key], note))
    return out


def posted_values() -> dict[str, str]:
    """What the form sent for every field of fig. 21 (empty ones too: 保存 clears them)."""
    return {f.key: (request.form.get(f.key) or "").strip() for f in offline_forms.fields()}


def _field_errors(err: ApiError) -> dict[str, str]:
    return {k.removeprefix("fields."): v for k, v in err.fields.items()}


def _is_xhr() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _mode(value: str | None) -> str | None:
    return value if value in OFFLINE_MODES else None


def _own(record_id: int) -> OfflineAgreement:
    graduate = me()
    return owned(lambda: offline.get_own(graduate, record_id))


def _own_termination(termination_id: int) -> OfflineTermination:
    graduate = me()
    return owned(lambda: offline.get_termination(graduate, termination_id))


def _detail_url(record: OfflineAgreement, anchor: str = "") -> str:
    return url_for("auth.offline_page", record_id=record.id) + anchor


# --- a new application: the form of fig. 21 (FS-1, FS-9) ---------------------------------------------


def _new_page(mode: str, values: dict[str, Any], errors: dict[str, str], message: str | None,
              status: int = 200) -> Any:
    return render_template("graduate/offline_new.html", mode=mode, mode_label=OFFLINE_MODES[mode],
                           sections=form_sections(values, errors), message=message), status


@bp.get("/graduate/offline/new")
@module_required("destination")
def offline_new():  # type: ignore[no-untyped-def]
    """“向学校申请电子就业协议书线下登记” (``mode=eagreement``) or 已签协议信息登记 (``mode=paper``)."""
    mode = _mode(request.args.get("mode"))
    if mode is None:
        abort(404)
    graduate = me()
    current = offline.current_of(graduate)
    if current is not None:
        flash("你已有一份未结束的线下签约申请，请在这里继续办理", "warning")
        return redirect(_detail_url(current))
    return _new_page(mode, {}, {}, None)


@bp.post("/graduate/offline/new")
@module_required("destination")
def offline_create():  # type: ignore[no-untyped-def]
    """保存 (a draft: only what was typed is checked) or 提交 (every required field, FS-1)."""
    graduate = me()
    mode = _mode(request.form.get("mode"))
    if mode is None:
        flash("请选择签约方式", "error")
        return redirect(url_for("auth.destination_home"))
    values = posted_values()
    key = once.claim("graduate.offline_create", message="申请已保存，请勿重复提交",
                     fallback=url_for("auth.destination_home"))
    try:
        record = offline.create(graduate, mode, values)
        target = once.done(key, _detail_url(record))
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if not err.fields or err.code != "invalid_fields":
            return refused(err, url_for("auth.destination_home"))
        return _new_page(mode, values, _field_errors(err), err.message, 400)
    if request.form.get("action") == "submit" and mode == "eagreement":
        try:
            offline.submit(graduate, record)
            db.session.commit()
        except ApiError as err:
            db.session.rollback()  # the draft stays saved
            return _detail_page(_own(record.id), values, _field_errors(err),
                                "已保存，但还不能提交：" + err.message, 400)
        flash("已提交，等待院系及学校协议审核", "success")
        return redirect(target)
    flash("已保存。请上传已签协议书的图片，然后提交。" if mode == "paper" else "已保存，可继续修改后提交",
          "success")
    return redirect(target + ("#proofs" if mode == "paper" else ""))


# --- one application ------------------------------------------------------------------------------------


def _detail_page(record: OfflineAgreement, values: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None, message: str | None = None, status: int = 200,
                 termination_form: dict[str, str] | None = None) -> Any:
    graduate = me()
    db.session.refresh(record)
    data = offline_payload.offline_payload(graduate, record, URLS)
    editable = bool(data["actions"]["edit"])
    errors = errors or {}
    if values is None:
        values = offline_forms.values_of(record.unit_info, record.terms)
    paper = record.mode == "paper"
    files_open = (paper and editable) or bool(data["actions"]["upload_pages"])
    return render_template(
        "graduate/offline.html", record=record, o=data, editable=editable, errors=errors, message=message,
        sections=form_sections(values, errors) if editable else [], paper=paper, files_open=files_open,
        status_note=STATUS_NOTES.get(record.status), max_mb=MAX_IMAGE_BYTES // 1024 // 1024,
        reasons=offline.termination_reasons(), explanation_max=offline.EXPLANATION_MAX,
        tform=termination_form or {}), status


@bp.get("/graduate/offline/<int:record_id>")
@module_required("destination")
def offline_page(record_id: int):  # type: ignore[no-untyped-def]
    """Status, the form or its sections, the PDF, the stamped pages, the SMS link, history, 申请解约."""
    return _detail_page(_own(record_id))


@bp.post("/graduate/offline/<int:record_id>")
@module_required("destination")
def offline_save(record_id: int):  # type: ignore[no-untyped-def]
    """保存 or 提交 the form of a draft or a returned application; a refused submit keeps what was saved."""
    graduate = me()
    record = _own(record_id)
    values = posted_values()
    try:
        offline.update_fields(graduate, record, values)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if not err.fields:
            return refused(err, _detail_url(record))
        return _detail_page(_own(record_id), values, _field_errors(err), err.message, 400)
    if request.form.get("action") != "submit":
        flash("已保存", "success")
        return redirect(_detail_url(record))
    return _submit(graduate, record, values)


def _submit(graduate: Any, record: OfflineAgreement, values: dict[str, Any] | None = None) -> Any:
    try:
        offline.submit(graduate, record)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if not err.fields or err.code == "proof_required":
            return refused(err, _detail_url(record, "#proofs" if err.code == "proof_required" else ""))
        return _detail_page(_own(record.id), values, _field_errors(err), "还不能提交：" + err.message, 400)
    db.session.refresh(record)
    flash("已提交，等待院系及学校签约审核" if record.status == "signing_review" else
          "已提交，等待院系及学校协议审核", "success")
    return redirect(_detail_url(record))


@bp.post("/graduate/offline/<int:record_id>/submit")
@module_required("destination")
def offline_submit(record_id: int):  # type: ignore[no-untyped-def]
    """提交: a paper agreement with its images (FS-9), or 本人回传协议书 of the stamped pages (FS-4)."""
    return _submit(me(), _own(record_id))


@bp.post("/graduate/offline/<int:record_id>/withdraw")
@module_required("destination")
def offline_withdraw(record_id: int):  # type: ignore[no-untyped-def]
    """撤回修改 before any reviewer acted: the form back to editing (FS-2) or the pages to replacing (FS-6)."""
    graduate = me()
    record = _own(record_id)
    pages_phase = record.status == "signing_review" and record.mode == "eagreement"
    try:
        offline.withdraw(graduate, record)
        db.session.commit()
    except ApiError as err:
        return refused(err, _detail_url(record))
    flash("已撤回，可重新上传盖章后的协议书再提交" if pages_phase else "已撤回，可修改后重新提交", "success")
    return redirect(_detail_url(record))


# --- stamped pages / images of the signed agreement (FS-5, FS-6, FS-9, FS-10) ---------------------------


@bp.post("/graduate/offline/<int:record_id>/pages")
@module_required("destination")
def offline_page_upload(record_id: int):  # type: ignore[no-untyped-def]
    """One or more images (multipart field ``file``); the page's script sends them one by one with progress."""
    graduate = me()
    record = _own(record_id)
    target = _detail_url(record, "#proofs")
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    ok = False
    if not uploads:
        flash("请选择要上传的图片", "error")
    for upload in uploads:
        try:
            offline.add_page(actor_for(graduate), record, upload.read(), upload.filename)
            db.session.commit()
            ok = True
        except ApiError as err:
            db.session.rollback()
            flash(f"{upload.filename}：{err.message}", "error")
            record = _own(record_id)
    if ok:
        flash("图片已上传", "success")
    if _is_xhr():
        return jsonify({"ok": ok, "redirect": target}), 200 if ok else 400
    return redirect(target)


@bp.post("/graduate/offline/<int:record_id>/pages/<int:file_id>/delete")
@module_required("destination")
def offline_page_delete(record_id: int, file_id: int):  # type: ignore[no-untyped-def]
    graduate = me()
    record = _own(record_id)
    target = _detail_url(record, "#proofs")
    try:
        offline.remove_page(actor_for(graduate), record, file_id)
        db.session.commit()
    except ApiError as err:
        if err.status == 404:
            abort(404)
        return refused(err, target)
    flash("已删除该图片", "success")
    return redirect(target)


@bp.post("/graduate/offline/<int:record_id>/employer-link")
@module_required("destination")
def offline_employer_link(record_id: int):  # type: ignore[no-untyped-def]
    """用人单位协助回传协议书: the SMS link to the employer contact (FS-4, FS-8); again after a failure (MS-3)."""
    graduate = me()
    record = _own(record_id)
    target = _detail_url(record, "#employer-link")
    try:
        offline.request_employer_upload(graduate, record)
        db.session.commit()
    except ApiError as err:
        return refused(err, target)
    flash(f"已向用人单位联系人 {offline.mask_phone(record.link_phone)} 发送协议回传链接短信", "success")
    return redirect(target)


# --- the PDFs (FS-3, FS-7) ---------------------------------------------------------------------------------


def _pdf(record_id: int, signed: bool) -> Any:
    """Mirrors the API's ``pdf_response``: the stored file, or a flash on the detail page."""
    record = _own(record_id)
    try:
        if signed and record.status not in ("signed", "terminated"):
            raise Conflict("not_signed", "签约完成后才能下载含签约过程记录的协议书")
        if not signed and (record.mode != "eagreement" or record.status not in offline.PDF_STATUSES):
            raise Conflict("not_available", "就业协议审核通过后才能下载电子就业协议书")
        stored = offline.pdf_file(record, signed=signed)
        if stored is None:
            raise ApiError("pdf_pending", "电子就业协议书正在生成，请稍后刷新", status=409)
    except ApiError as err:
        flash(err.message, "warning" if err.code == "pdf_pending" else "error")
        return redirect(_detail_url(record))
    response = pdf_download(stored, f"{record.agreement_no}{'（签约完成）' if signed else ''}.pdf")
    if not request.args.get("download"):
        response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
            "attachment", "inline", 1)
    return response


@bp.get("/graduate/offline/<int:record_id>/pdf")
@module_required("destination")
def offline_pdf(record_id: int):  # type: ignore[no-untyped-def]
    """点击下载电子协议书 (FS-3): the printable agreement with its page codes; ``?download=1`` saves it."""
    return _pdf(record_id, signed=False)


@bp.get("/graduate/offline/<int:record_id>/signed-pdf")
@module_required("destination")
def offline_signed_pdf(record_id: int):  # type: ignore[no-untyped-def]
    """The signed agreement with its 签约过程记录 (FS-7)."""
    return _pdf(record_id, signed=True)


# --- offline termination (FT-1, FT-2) -------------------------------------------------------------------


def _termination_url(row: OfflineTermination, anchor: str = "") -> str:
    return url_for("auth.offline_termination_page", termination_id=row.id) + anchor


@bp.post("/graduate/offline/<int:record_id>/termination")
@module_required("destination")
def offline_termination_start(record_id: int):  # type: ignore[no-untyped-def]
    """申请解约 (fig. 28): 解约原因 (required), 解约说明 (≤200), the termination letter, 提交 — one form."""
    graduate = me()
    record = _own(record_id)
    form = {"reason": request.form.get("reason") or "", "explanation": request.form.get("explanation") or ""}
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    errors: dict[str, str] = {}
    key = once.claim("graduate.offline_termination", message="解约申请已提交，请勿重复提交",
                     fallback=_detail_url(record))
    row = None
    try:
        row = offline.start_termination(graduate, record, form["reason"] or None, form["explanation"])
    except ApiError as err:
        if not err.fields:
            return refused(err, _detail_url(record))
        errors.update(err.fields)
    if not uploads:
        errors["file"] = "请上传单位盖章的解约函"
    if errors or row is None:
        db.session.rollback()
        return _detail_page(_own(record_id), errors=errors, message="解约申请有误，请按提示修改", status=400,
                            termination_form=form)
    target = once.done(key, _termination_url(row))
    db.session.commit()
    problems = []
    for upload in uploads:
        try:
            offline.add_termination_file(graduate, row, upload.read(), upload.filename)
            db.session.commit()
        except ApiError as err:
            db.session.rollback()
            problems.append(f"{upload.filename}：{err.message}")
    row = _own_termination(row.id)
    if problems:
        for p in problems:
            flash(p, "error")
        flash("解约申请已保存但未提交，请重新上传解约函后提交", "warning")
        return redirect(target)
    try:
        offline.submit_termination(graduate, row)
        db.session.commit()
    except ApiError as err:
        return refused(err, target)
    flash("解约申请已提交，等待院系及学校审核", "success")
    return redirect(target)


def _termination_page(row: OfflineTermination, form: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None, message: str | None = None, status: int = 200) -> Any:
    graduate = me()
    db.session.refresh(row)
    data = offline_payload.termination_payload(graduate, row, URLS)
    editable = bool(data["actions"]["edit"])
    if form is None:
        form = {"reason": row.reason_code or "", "explanation": row.explanation or ""}
    return render_template("graduate/offline_termination.html", row=row, t=data, editable=editable,
                           form=form, errors=errors or {}, message=message, reasons=offline.termination_reasons(),
                           explanation_max=offline.EXPLANATION_MAX, max_mb=MAX_IMAGE_BYTES // 1024 // 1024), status


@bp.get("/graduate/offline-terminations/<int:termination_id>")
@module_required("destination")
def offline_termination_page(termination_id: int):  # type: ignore[no-untyped-def]
    """The termination: status, reason, letter images, history; edit, withdraw or delete where allowed."""
    return _termination_page(_own_termination(termination_id))


@bp.post("/graduate/offline-terminations/<int:termination_id>")
@module_required("destination")
def offline_termination_save(termination_id: int):  # type: ignore[no-untyped-def]
    """保存 or 提交 a draft or returned termination (FT-1)."""
    graduate = me()
    row = _own_termination(termination_id)
    form = {"reason": request.form.get("reason") or "", "explanation": request.form.get("explanation") or ""}
    try:
        offline.update_termination(graduate, row, form["reason"] or None, form["explanation"])
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if not err.fields:
            return refused(err, _termination_url(row))
        return _termination_page(_own_termination(termination_id), form, err.fields, err.message, 400)
    if request.form.get("action") != "submit":
        flash("已保存", "success")
        return redirect(_termination_url(row))
    return _termination_submit(graduate, row)


def _termination_submit(graduate: Any, row: OfflineTermination) -> Any:
    try:
        offline.submit_termination(graduate, row)
        db.session.commit()
    except ApiError as err:
        return refused(err, _termination_url(row, "#proofs" if err.code == "proof_required" else ""))
    flash("解约申请已提交，等待院系及学校审核", "success")
    return redirect(_termination_url(row))


@bp.post("/graduate/offline-terminations/<int:termination_id>/<any(submit, withdraw, cancel):action>")
@module_required("destination")
def offline_termination_action(termination_id: int, action: str):  # type: ignore[no-untyped-def]
    """提交, 撤回 (before any reviewer acted) or 删除 a draft that was never submitted."""
    graduate = me()
    row = _own_termination(termination_id)
    if action == "submit":
        return _termination_submit(graduate, row)
    agreement_id = row.agreement_id
    try:
        if action == "withdraw":
            offline.withdraw_termination(graduate, row)
        else:
            offline.cancel_termination(graduate, row)
        db.session.commit()
    except ApiError as err:
        return refused(err, _termination_url(row))
    if action == "cancel":
        flash("已撤销未提交的解约申请，协议仍有效", "success")
        return redirect(url_for("auth.offline_page", record_id=agreement_id))
    flash("已撤回解约申请，可修改后重新提交", "success")
    return redirect(_termination_url(row))


@bp.post("/graduate/offline-terminations/<int:termination_id>/files")
@module_required("destination")
def offline_termination_upload(termination_id: int):  # type: ignore[no-untyped-def]
    """Images of the employer-stamped termination letter, with the page's progress script."""
    graduate = me()
    row = _own_termination(termination_id)
    target = _termination_url(row, "#proofs")
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    ok = False
    if not uploads:
        flash("请选择要上传的图片", "error")
    for upload in uploads:
        try:
            offline.add_termination_file(graduate, row, upload.read(), upload.filename)
            db.session.commit()
            ok = True
        except ApiError as err:
            db.session.rollback()
            flash(f"{upload.filename}：{err.message}", "error")
            row = _own_termination(termination_id)
    if ok:
        flash("解约函已上传", "success")
    if _is_xhr():
        return jsonify({"ok": ok, "redirect": target}), 200 if ok else 400
    return redirect(target)


@bp.post("/graduate/offline-terminations/<int:termination_id>/files/<int:file_id>/delete")
@module_required("destination")
def offline_termination_file_delete(termination_id: int, file_id: int):  # type: ignore[no-untyped-def]
    graduate = me()
    row = _own_termination(termination_id)
    target = _termination_url(row, "#proofs")
    try:
        offline.remove_termination_file(graduate, row, file_id)
        db.session.commit()
    except ApiError as err:
        if err.status == 404:
            abort(404)
        return refused(err, target)
    flash("已删除该图片", "success")
    return redirect(target)
