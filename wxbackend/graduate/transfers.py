"""The graduates' web: 档案信息登记 and 户口信息登记 (§5, §6, figs. 31–39): one set of pages for both modules.

The same services and payload as the mini-program's API (``transfers.registration``,
``transfers.payload``); ``<module>`` is ``archive`` or ``hukou``. The module page shows the current
info with where it came from (AR-4), the open registration, every record (登记记录), and 登记 or
修改申请 as the payload allows; the form (fig. 32 / fig. 37) is 保存 as a draft or 提交, with the
转回生源地 prefill and its locked province (AR-2), the receiving-office directory (AR-7), the
non-blocking policy hint (AR-8) and up to three images. A record is withdrawn before review (AR-3),
edited while draft or returned, and while pending before any reviewer acted — 修改申请, withdrawn and
resubmitted in one transaction as the API does (AR-5); a draft can be cancelled.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from wxbackend.accounts import deadlines
from wxbackend.core import once
from wxbackend.core.codes import region_name
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.fields import FormField, form_field
from wxbackend.files.images import MAX_IMAGE_BYTES
from wxbackend.graduate.destination import field_errors, file_url
from wxbackend.graduate.web import bp, confirmed_required, me, owned, refused
from wxbackend.review.summary import review_state
from wxbackend.transfers import forms, payload, registration
from wxbackend.transfers.models import MODULES, PURPOSES, TransferRegistration

MODULE_ROUTE = "<any(" + ", ".join(MODULES) + "):module>"

#: What the record page says under the status (the guide's words, §5.1.2, §5.2.2).
STATUS_NOTES = {
    ("draft", "registration"): "尚未提交。填写完整后点击“提交”，由院系及学校审核。",
    ("draft", "change"): "修改申请尚未提交。填写完整后点击“提交”，由院系及学校审核；审核通过前原{m}信息仍有效。",
    ("pending", "registration"): "已提交，等待院系及学校审核。审核老师处理前可撤回或修改。",
    ("pending", "change"): "修改申请已提交，等待院系及学校审核，审核通过前原{m}信息仍有效。"
                           "审核老师处理前可撤回或修改。",
    ("returned", "registration"): "审核老师退回修改，请按原因修改后重新提交。",
    ("returned", "change"): "审核老师退回修改，请按原因修改后重新提交；原{m}信息仍有效。",
    ("approved", "registration"): "审核通过，{m}信息登记完成，已显示在{m}信息栏。",
    ("approved", "change"): "审核通过，修改后的{m}信息已替换原{m}信息。",
    ("rejected", "registration"): "审核不通过，{m}信息登记失败。可查看原因后重新登记。",
    ("rejected", "change"): "审核不通过，{m}信息修改失败，原{m}信息仍有效。可查看原因后重新发起修改申请。",
    ("cancelled", "registration"): "已撤销，本条登记不再办理。",
    ("cancelled", "change"): "已撤销，本条修改申请不再办理；原{m}信息仍有效。",
}


def _module(module: str) -> str:
    if module not in MODULES:
        abort(404)
    return module


def _home_url(module: str, anchor: str = "") -> str:
    return url_for("auth.transfer_home", module=module) + anchor


def _record_url(record: TransferRegistration, anchor: str = "") -> str:
    return url_for("auth.transfer_record", module=record.module, record_id=record.id) + anchor


def _own(module: str, record_id: int) -> TransferRegistration:
    graduate = me()
    return owned(lambda: registration.get_own(graduate, _module(module), record_id))


def _is_xhr() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def posted_values(module: str) -> dict[str, str]:
    """What the form sent for every field of the module (empty ones too: 保存 clears them)."""
    return {ff.field.key: (request.form.get(ff.field.key) or "").strip() for ff in forms.form(module).fields}


def _directory_field(module: str) -> str | None:
    """The field searched in the receiving-office directory (AR-7): the archive's 档案转递单位名称."""
    keys = [ff.field.key for ff in forms.form(module).fields]
    return next((k for k, attr in registration.OFFICE_FIELDS.items() if attr == "name" and k in keys), None)


def form_fields(module: str, values: dict[str, Any], errors: dict[str, str]) -> list[FormField]:
    """Every field of fig. 32 / fig. 37 as the page draws it, with the typed value and its error."""
    directory_field = _directory_field(module)
    out = []
    for ff in forms.form(module).fields:
        shown = form_field(ff.field, values.get(ff.field.key), required=ff.required, error=errors.get(ff.field.key))
        if ff.field.key == directory_field:
            shown = replace(shown, hint=f"点击搜索档案接收单位，或直接填写（不超过 {ff.field.max} 个字）")
        elif ff.field.type == "text" and not ff.required:  # 情况说明: a text box with its 0/200 counter
            shown = replace(shown, widget="textarea", hint=f"选填（{ff.field.max}字以内）")
        out.append(shown)
    return out


def _script_data(module: str, data: dict[str, Any]) -> dict[str, Any]:
    """What the form's script needs: the type and region fields, the prefill, the policy, the directory."""
    origin = data.get("origin_region") or ""
    directory_field = _directory_field(module)
    return {
        "typeField": data["type_field"],
        "regionField": data["region_field"],
        "backToOrigin": forms.BACK_TO_ORIGIN,
        "lockProvince": (origin[:2] + "0000") if len(origin) == 6 else "",
        "prefill": (data.get("prefill") or {}).get(forms.BACK_TO_ORIGIN) or {},
        "policy": data.get("policy"),
        "directory": None if directory_field is None else {
            "field": directory_field, "url": url_for("auth.receiving_offices"),
            "fill": dict(registration.OFFICE_FIELDS),
        },
    }


def _policy_shown(data: dict[str, Any], values: dict[str, Any]) -> bool:
    """AR-8: the hint shows (never blocks) while the chosen type is not one of the recommended ones."""
    chosen = values.get(data["type_field"])
    policy = data.get("policy")
    return bool(policy and chosen and chosen not in policy["recommended"])


def _form_context(module: str, data: dict[str, Any], values: dict[str, Any], errors: dict[str, str]
                  ) -> dict[str, Any]:
    return {"fields": form_fields(module, values, errors), "script": _script_data(module, data),
            "policy_shown": _policy_shown(data, values),
            "origin_label": region_name(data["origin_region"]) if data.get("origin_region") else "",
            "errors": errors, "max_mb": MAX_IMAGE_BYTES // 1024 // 1024, "image_max": data["image_max"]}


# --- the module page (figs. 31, 33–36) -------------------------------------------------------------------


@bp.get(f"/graduate/{MODULE_ROUTE}")
@confirmed_required
def transfer_home(module: str):  # type: ignore[no-untyped-def]
    """Current info and its source (AR-4), the dispatch (AR-9), the open registration, 登记 / 修改申请, records."""
    graduate = me()
    data = payload.module_payload(graduate, _module(module), file_url)
    return render_template("graduate/transfer.html", module=module, t=data, dispatch=data.get("dispatch"),
                           closed=deadlines.refusal(graduate),
                           record_url=lambda r: url_for("auth.transfer_record", module=module, record_id=r["id"]))


# --- a new registration or change request: the form of fig. 32 / fig. 37 --------------------------------


def _purpose(value: str | None) -> str:
    return value if value in PURPOSES else "registration"


def _new_page(module: str, purpose: str, values: dict[str, Any], errors: dict[str, str], message: str | None,
              status: int = 200) -> Any:
    data = payload.module_payload(me(), module, file_url)
    return render_template("graduate/transfer_new.html", module=module, purpose=purpose, t=data,
                           title=forms.kind_label(module, purpose), message=message,
                           **_form_context(module, data, values, errors)), status


@bp.get(f"/graduate/{MODULE_ROUTE}/new")
@confirmed_required
def transfer_new(module: str):  # type: ignore[no-untyped-def]
    """``?purpose=registration`` (登记) or ``change`` (修改申请, starting from the current info, AR-5)."""
    graduate = me()
    module = _module(module)
    purpose = _purpose(request.args.get("purpose"))
    refusal = deadlines.refusal(graduate) or registration.registration_refusal(graduate, module, purpose)
    if refusal:
        open_record = registration.open_registration(graduate.id, module)
        flash(refusal, "warning")
        return redirect(_record_url(open_record) if open_record is not None else _home_url(module))
    data = payload.module_payload(graduate, module, file_url)
    values: dict[str, Any] = {}
    if purpose == "change" and data["current"] is not None:
        values = dict(data["current"]["fields"])
    elif request.args.get("type") == forms.BACK_TO_ORIGIN:  # the prefill without the page's script (AR-2)
        values = dict(data["prefill"].get(forms.BACK_TO_ORIGIN) or {})
    return _new_page(module, purpose, values, {}, None)


@bp.post(f"/graduate/{MODULE_ROUTE}/new")
@confirmed_required
def transfer_create(module: str):  # type: ignore[no-untyped-def]
    """保存 (a draft: only what was typed is checked) or 提交 (the whole form first, nothing stray saved)."""
    graduate = me()
    module = _module(module)
    purpose = _purpose(request.form.get("purpose"))
    values = posted_values(module)
    submit = request.form.get("action") == "submit"
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    key = once.claim("graduate.transfer_create", message="已保存，请勿重复提交", fallback=_home_url(module))
    try:
        if submit:
            registration.check_complete(graduate, module, values)
        record = registration.create(graduate, module, purpose, values)
        target = once.done(key, _record_url(record))
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if not err.fields or err.code != "invalid_fields":
            return refused(err, _home_url(module))
        message = err.message + ("（请重新选择图片）" if uploads else "")
        return _new_page(module, purpose, values, field_errors(err), message, 400)
    problems = _add_images(graduate, module, record.id, uploads)
    if problems:
        for p in problems:
            flash(p, "error")
        flash("已保存但未提交：请检查图片后再提交", "warning")
        return redirect(target + "#proofs")
    if not submit:
        flash("已保存，可继续修改后提交", "success")
        return redirect(target)
    record = _own(module, record.id)
    try:
        registration.submit(graduate, record)
        db.session.commit()
    except ApiError as err:
        return refused(err, target)
    flash("已提交，等待院系及学校审核", "success")
    return redirect(target)


def _add_images(graduate: Any, module: str, record_id: int, uploads: list[Any]) -> list[str]:
    """Store each upload in its own transaction (the image pipeline compresses later); what went wrong."""
    problems = []
    for upload in uploads:
        record = _own(module, record_id)
        try:
            registration.add_image(graduate, record, upload.read(), upload.filename)
            db.session.commit()
        except ApiError as err:
            db.session.rollback()
            problems.append(f"{upload.filename}：{err.message}")
    return problems


# --- one registration or change request (fig. 39) ---------------------------------------------------------


def _record_page(record: TransferRegistration, values: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None, message: str | None = None, status: int = 200,
                 change: bool = False) -> Any:
    """*change*: the form of a pending record (修改申请), opened from its button or after a refused change."""
    graduate = me()
    db.session.refresh(record)
    module = record.module
    rec = payload.record_payload(record, file_url)
    kind = registration.kind_of(record)
    state = review_state(kind.name, [record.id]).get(record.id, {})
    withdrawable = bool(state.get("withdrawable")) and record.status == "pending"
    # the form: while draft or returned, and while pending before any reviewer acted (修改申请, AR-5)
    editable = record.status in registration.EDITABLE or (withdrawable and change)
    files_open = record.status in kind.files_editable
    data = payload.module_payload(graduate, module, file_url)
    if values is None:
        values = dict(record.fields)
    label = forms.MODULE_LABELS[module]
    note = STATUS_NOTES.get((record.status, record.purpose), "").format(m=label)
    if record.status == "pending" and not withdrawable:
        note = "审核老师已开始处理，不能再撤回或修改，请等待审核结果（退回修改后可改）。"
    context = _form_context(module, data, values, errors or {}) if editable else {"errors": errors or {}}
    return render_template(
        "graduate/transfer_record.html", module=module, record=record, rec=rec, t=data, editable=editable,
        withdrawable=withdrawable, can_change=withdrawable and not editable, files_open=files_open,
        status_note=note, message=message, last_decision=state.get("last_decision"),
        **{"max_mb": MAX_IMAGE_BYTES // 1024 // 1024, **context}), status


@bp.get(f"/graduate/{MODULE_ROUTE}/records/<int:record_id>")
@confirmed_required
def transfer_record(module: str, record_id: int):  # type: ignore[no-untyped-def]
    """Status and reason, the form or the registered values, images, 撤回 / 撤销, the history (RV-5, RV-6).

    ``?change=1`` opens the form of a pending record that no reviewer has acted on (修改申请, AR-5).
    """
    return _record_page(_own(module, record_id), change=request.args.get("change") == "1")


@bp.post(f"/graduate/{MODULE_ROUTE}/records/<int:record_id>")
@confirmed_required
def transfer_save(module: str, record_id: int):  # type: ignore[no-untyped-def]
    """保存 or 提交 a draft or returned record; a pending one is changed and resubmitted at once (AR-5).

    A refused submit keeps what was saved; a refused change of a pending record leaves it pending as it was.
    """
    graduate = me()
    record = _own(module, record_id)
    values = posted_values(record.module)
    was_pending = record.status == "pending"
    try:
        registration.update(graduate, record, values)
        if was_pending:  # withdrawn and resubmitted in one transaction, as the API's PUT with submit
            registration.submit(graduate, record)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if not err.fields:
            return refused(err, _record_url(record))
        return _record_page(_own(module, record_id), values, field_errors(err), err.message, 400, change=True)
    if was_pending:
        flash("已修改并重新提交，等待院系及学校审核", "success")
        return redirect(_record_url(record))
    if request.form.get("action") != "submit":
        flash("已保存", "success")
        return redirect(_record_url(record))
    return _submit(graduate, record, values)


def _submit(graduate: Any, record: TransferRegistration, values: dict[str, Any] | None = None) -> Any:
    try:
        registration.submit(graduate, record)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()  # the fields saved before stay saved
        if not err.fields:
            return refused(err, _record_url(record))
        return _record_page(_own(record.module, record.id), values, field_errors(err),
                            "已保存，但还不能提交：" + err.message, 400)
    flash("已提交，等待院系及学校审核", "success")
    return redirect(_record_url(record))


@bp.post(f"/graduate/{MODULE_ROUTE}/records/<int:record_id>/<any(submit, withdraw, cancel):action>")
@confirmed_required
def transfer_action(module: str, record_id: int, action: str):  # type: ignore[no-untyped-def]
    """提交 as saved, 撤回 before any reviewer acted (AR-3, RV-3), 撤销 a draft (kept as 已撤销)."""
    graduate = me()
    record = _own(module, record_id)
    if action == "submit":
        return _submit(graduate, record)
    try:
        if action == "withdraw":
            registration.withdraw(graduate, record)
        else:
            registration.cancel(graduate, record)
        db.session.commit()
    except ApiError as err:
        return refused(err, _record_url(record))
    if action == "cancel":
        flash("已撤销", "success")
        return redirect(_home_url(record.module))
    flash("已撤回，可修改后重新提交", "success")
    return redirect(_record_url(record))


# --- images (optional, at most three) ------------------------------------------------------------------


@bp.post(f"/graduate/{MODULE_ROUTE}/records/<int:record_id>/images")
@confirmed_required
def transfer_image_upload(module: str, record_id: int):  # type: ignore[no-untyped-def]
    """One or more images (multipart field ``file``); the page's script sends them one by one with progress."""
    graduate = me()
    record = _own(module, record_id)
    target = _record_url(record, "#proofs")
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    if not uploads:
        flash("请选择要上传的图片", "error")
    problems = _add_images(graduate, record.module, record.id, uploads)
    for p in problems:
        flash(p, "error")
    ok = bool(uploads) and len(problems) < len(uploads)
    if ok:
        flash("图片已上传", "success")
    if _is_xhr():
        return jsonify({"ok": ok, "redirect": target}), 200 if ok else 400
    return redirect(target)


@bp.post(f"/graduate/{MODULE_ROUTE}/records/<int:record_id>/images/<int:file_id>/delete")
@confirmed_required
def transfer_image_delete(module: str, record_id: int, file_id: int):  # type: ignore[no-untyped-def]
    graduate = me()
    record = _own(module, record_id)
    target = _record_url(record, "#proofs")
    try:
        registration.remove_image(graduate, record, file_id)
        db.session.commit()
    except ApiError as err:
        if err.status == 404:
            abort(404)
        return refused(err, target)
    flash("已删除该图片", "success")
    return redirect(target)
