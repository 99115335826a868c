"""The graduates' web: 毕业去向填报 (§4, fig. 6) and other destinations (§4.5, OD-1…OD-4, D-1, D-2).

The same services as the mini-program's API (``destinations.services``, ``destinations.home``,
``destinations.payload``): the home lists the registration entries and every record, invitation
and termination (登记记录); a record is created as a draft from the chosen sub-kind's fields,
gets its proof images, is submitted, withdrawn (RV-3), edited and resubmitted after a return,
and voided after approval (OD-4).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from wxbackend.accounts.actors import actor_for
from wxbackend.auth.principals import graduate_required
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.fields import FormField
from wxbackend.destinations import catalogue, payload, services
from wxbackend.destinations.catalogue import SubKind
from wxbackend.destinations.editor import editor_fields
from wxbackend.destinations.home import destination_home as home_data
from wxbackend.destinations.models import OtherDestination
from wxbackend.files.images import MAX_IMAGE_BYTES
from wxbackend.files.models import StoredFile
from wxbackend.files.service import file_response
from wxbackend.graduate.web import bp, me, module_required, owned, refused

#: Where each kind of entry of the 登记记录 list is opened.
ENTRY_PAGES = {
    services.KIND: ("auth.record_page", "record_id"),
    "online_agreement": ("auth.agreement_page", "agreement_id"),
    "termination": ("auth.termination_page", "termination_id"),
    "offline_agreement": ("auth.offline_page", "record_id"),
    "paper_agreement": ("auth.offline_page", "record_id"),
    "offline_termination": ("auth.offline_termination_page", "termination_id"),
}


def file_url(file_id: int) -> str:
    return url_for("auth.file_content", file_id=file_id)


def entry_url(entry: dict[str, Any]) -> str | None:
    page = ENTRY_PAGES.get(entry["type"])
    return url_for(page[0], **{page[1]: entry["id"]}) if page else None


def field_errors(err: ApiError) -> dict[str, str]:
    """The service's ``{"fields.unit_name": …}`` as ``{"unit_name": …}``, next to each input."""
    return {k.removeprefix("fields."): v for k, v in err.fields.items()}


def posted_values(kind: SubKind) -> dict[str, str]:
    """What the form sent for the sub-kind's editable fields (read-only ones come from basic info, D-2)."""
    return {f.field.key: (request.form.get(f.field.key) or "").strip() for f in kind.fields if f.source is None}


def form_fields(kind: SubKind, values: dict[str, Any], errors: dict[str, str]) -> list[FormField]:
    return editor_fields(kind, values, catalogue.readonly_values(me(), kind), errors)


def _is_xhr() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


# --- the home (fig. 6) -----------------------------------------------------------------------------


@bp.get("/graduate/destination")
@module_required("destination")
def destination_home():  # type: ignore[no-untyped-def]
    """Registration entries with whether each can be chosen and why not; the 登记记录 list (§4, D-1)."""
    data = home_data(me())
    for entry in data["records"]:
        entry["url"] = entry_url(entry)
    current = data["current"]
    if current is not None:
        current["url"] = entry_url({"type": current["type"], "id": current["id"]})
    todo = sum(1 for r in data["records"] if r["type"] != services.KIND and r.get("can_answer"))
    return render_template("graduate/destination.html", home=data, todo=todo)


# --- a new record: choose the sub-kind, fill its fields, save a draft (OD-1) ------------------------


def _chooser() -> list[dict[str, Any]]:
    """The three self-registered groups with their sub-kinds, as fig. 6's entries show them."""
    data = home_data(me())
    return [e for e in data["entries"] if e["key"] != "agreement"]


@bp.get("/graduate/destination/new")
@module_required("destination")
def record_new():  # type: ignore[no-untyped-def]
    kind = catalogue.subkind(request.args.get("subkind") or "")
    entries = _chooser()
    if kind is None:
        return render_template("graduate/record_choose.html", entries=entries,
                               group=request.args.get("group"))
    refusal = catalogue.subkind_refusal(me(), kind)
    blocked = next((e["reason"] for e in entries if e["key"] == kind.group and not e["available"]), None)
    if refusal or blocked:
        flash(refusal or blocked or "", "warning")
        return redirect(url_for("auth.destination_home"))
    return render_template("graduate/record_new.html", kind=kind, fields=form_fields(kind, {}, {}), message=None)


@bp.post("/graduate/destination/new")
@module_required("destination")
def record_create():  # type: ignore[no-untyped-def]
    graduate = me()
    kind = catalogue.subkind(request.form.get("subkind") or "")
    if kind is None:
        flash("请选择有效的毕业去向类型", "error")
        return redirect(url_for("auth.record_new"))
    values = posted_values(kind)
    try:
        record = services.create(graduate, kind.key, values)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if not err.fields or err.code in ("record_exists", "destination_exists", "subkind_not_allowed"):
            return refused(err, url_for("auth.destination_home"))
        return render_template("graduate/record_new.html", kind=kind, message=err.message,
                               fields=form_fields(kind, values, field_errors(err))), 400
    flash("已保存。请上传证明材料，然后提交审核。", "success")
    return redirect(url_for("auth.record_page", record_id=record.id) + "#proofs")


# --- one record ------------------------------------------------------------------------------------


def _own_record(record_id: int) -> OtherDestination:
    graduate = me()
    return owned(lambda: services.get_own(graduate, record_id))


def _chosen_kind(record: OtherDestination, key: str | None) -> SubKind:
    """The sub-kind the form is drawn for: the record's, or another one the graduate may choose."""
    current = catalogue.subkind(record.subkind)
    assert current is not None
    chosen = catalogue.subkind(key or "")
    if chosen is None or catalogue.subkind_refusal(me(), chosen) is not None:
        return current
    return chosen


def _switch_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(group label, [(sub-kind key, label)]) the graduate may switch a draft to."""
    graduate = me()
    return [(g.label, [(k.key, k.label) for k in catalogue.subkinds()
                       if k.group == g.key and catalogue.subkind_refusal(graduate, k) is None])
            for g in catalogue.groups()]


def _record_page(record: OtherDestination, values: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None, message: str | None = None, status: int = 200,
                 kind: SubKind | None = None) -> Any:
    graduate = me()
    data = payload.record_payload(graduate, record, file_url)
    kind = kind or _chosen_kind(record, None)
    editable = bool(data["actions"]["edit"])
    errors = errors or {}
    if values is None:  # the stored values; on a switch, those the new sub-kind has too
        values = {k: v for k, v in record.fields.items() if kind.field(k) is not None}
    fields = form_fields(kind, values, errors) if editable else []
    switching = kind.key != record.subkind
    return render_template("graduate/record.html", record=record, rec=data, kind=kind, fields=fields,
                           errors=errors, message=message, editable=editable, switching=switching,
                           choices=_switch_choices() if editable else [],
                           max_mb=MAX_IMAGE_BYTES // 1024 // 1024), status


@bp.get("/graduate/destination/records/<int:record_id>")
@module_required("destination")
def record_page(record_id: int):  # type: ignore[no-untyped-def]
    """The record; ``?subkind=`` draws an editable record's form for another sub-kind (saved on 保存)."""
    record = _own_record(record_id)
    return _record_page(record, kind=_chosen_kind(record, request.args.get("subkind")))


@bp.post("/graduate/destination/records/<int:record_id>")
@module_required("destination")
def record_save(record_id: int):  # type: ignore[no-untyped-def]
    """保存 or 提交审核 (resubmit after a return, OD-2). A refused submit keeps what was saved."""
    graduate = me()
    record = _own_record(record_id)
    kind = _chosen_kind(record, request.form.get("subkind"))
    values = posted_values(kind)
    try:
        services.update_fields(graduate, record, kind.key, values)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if not err.fields:
            return refused(err, url_for("auth.record_page", record_id=record.id))
        return _record_page(_own_record(record_id), values, field_errors(err), err.message, 400, kind)
    if request.form.get("action") != "submit":
        flash("已保存", "success")
        return redirect(url_for("auth.record_page", record_id=record.id))
    try:
        services.submit(graduate, record)
        db.session.commit()
    except ApiError as err:
        db.session.rollback()  # the fields saved above stay saved
        if not err.fields:
            return refused(err, url_for("auth.record_page", record_id=record.id))
        return _record_page(_own_record(record_id), values, field_errors(err),
                            "已保存，但还不能提交：" + err.message, 400, kind)
    flash("已提交审核", "success")
    return redirect(url_for("auth.record_page", record_id=record.id))


def _transition(record_id: int, action: Any, done: str) -> Any:
    graduate = me()
    record = _own_record(record_id)
    target = url_for("auth.record_page", record_id=record.id)
    try:
        action(graduate, record)
        db.session.commit()
    except ApiError as err:
        return refused(err, target)
    flash(done, "success")
    return redirect(target)


@bp.post("/graduate/destination/records/<int:record_id>/withdraw")
@module_required("destination")
def record_withdraw(record_id: int):  # type: ignore[no-untyped-def]
    """撤回修改 before any reviewer acted (RV-3, OD-2)."""
    return _transition(record_id, services.withdraw, "已撤回，可修改后重新提交")


@bp.post("/graduate/destination/records/<int:record_id>/void")
@module_required("destination")
def record_void(record_id: int):  # type: ignore[no-untyped-def]
    """作废 after approval, with no review (OD-4)."""
    return _transition(record_id, services.void, "已作废，可重新登记毕业去向或签约")


# --- proof images ------------------------------------------------------------------------------------


@bp.post("/graduate/destination/records/<int:record_id>/proofs")
@module_required("destination")
def proof_upload(record_id: int):  # type: ignore[no-untyped-def]
    """One or more images (multipart field ``file``); the page's script sends them one by one with progress."""
    graduate = me()
    record = _own_record(record_id)
    target = url_for("auth.record_page", record_id=record.id) + "#proofs"
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    ok = False
    if not uploads:
        flash("请选择要上传的图片", "error")
    for upload in uploads:
        try:
            services.add_proof(actor_for(graduate), record, upload.read(), upload.filename)
            db.session.commit()
            ok = True
        except ApiError as err:
            db.session.rollback()
            flash(f"{upload.filename}：{err.message}", "error")
            record = _own_record(record_id)
    if ok:
        flash("证明材料已上传", "success")
    if _is_xhr():
        return jsonify({"ok": ok, "redirect": target}), 200 if ok else 400
    return redirect(target)


@bp.post("/graduate/destination/records/<int:record_id>/proofs/<int:file_id>/delete")
@module_required("destination")
def proof_delete(record_id: int, file_id: int):  # type: ignore[no-untyped-def]
    graduate = me()
    record = _own_record(record_id)
    target = url_for("auth.record_page", record_id=record.id) + "#proofs"
    try:
        services.remove_proof(actor_for(graduate), record, file_id)
        db.session.commit()
    except ApiError as err:
        if err.status == 404:
            abort(404)
        return refused(err, target)
    flash("已删除该图片", "success")
    return redirect(target)


@bp.get("/graduate/files/<int:file_id>")
@graduate_required
def file_content(file_id: int):  # type: ignore[no-untyped-def]
    """An image the graduate uploaded, only to its owner."""
    row = db.session.get(StoredFile, file_id)
    if row is None or row.owner_graduate_id != me().id:
        abort(404)
    return file_response(row)

