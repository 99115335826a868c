"""用人单位协助回传协议书 (FS-4, FS-8): the page behind the SMS link ``/u/<token>``, no account needed.

The graduate asks for it (``signing.offline.request_employer_upload``); the unit's contact opens it on a
phone, downloads the printable e-agreement, uploads one photo per stamped page (each read for its page
codes, FS-10) and confirms. Every request checks the link first (``offline.record_for_link``): an
expired, altered, revoked or used link, or one whose application moved on, gets one plain page that
says nothing about any agreement — 410 when expired, 404 otherwise — and a file is only ever served or
deleted if it is attached to the link's own record.

The token is in the URL, so every answer here is ``no-store``, ``noindex`` and sends no Referer.
Forms carry the usual CSRF token: Flask-WTF keeps its secret in the session cookie, which an anonymous
visitor has as well, so no account is needed for it. Refused link checks are counted per address
(``core.ratelimit.link_limit``): guessing tokens is slowed down, the employer's own work is not.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for

from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, error_page, json_error, wants_json
from wxbackend.core.ratelimit import link_limit
from wxbackend.documents.store import pdf_download
from wxbackend.files.models import StoredFile
from wxbackend.files.service import file_response
from wxbackend.signing import offline
from wxbackend.signing.models import OfflineAgreement

bp = Blueprint("upload_link", __name__)

#: Headers of every /u/ answer: the token is in the URL (no cache, no search engine, no Referer).
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "same-origin"}
#: What the page tells the employer about an image (the reviewer's wording asks for a manual check).
NOTE_NONE = "未识别到页面二维码，请确认拍全整页、三个角的二维码清晰后重新上传"
DONE_KEY = "upload_link_done"


@bp.after_request
def _private(response: Any) -> Any:
    for name, value in PRIVATE_HEADERS.items():
        response.headers[name] = value
    return response


class Refused(Exception):
    """Raised inside a view when the link cannot be used; answered by :func:`_refused`."""

    def __init__(self, refusal: offline.LinkRefused) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


@bp.errorhandler(Refused)
def _refused(err: Refused) -> Any:
    refusal = err.refusal
    status = 410 if refusal.reason == "expired" else 404
    if wants_json(request) or _is_xhr():
        return json_error(status, f"link_{refusal.reason}", refusal.message)
    title = "链接已过期" if refusal.reason == "expired" else "链接不可用"
    return error_page(status, refusal.message, title)


def _record(token: str) -> OfflineAgreement:
    """The record the link reaches — checked on every request before anything else."""
    try:
        return offline.record_for_link(token)
    except offline.LinkRefused as refusal:
        db.session.rollback()
        raise Refused(refusal) from None


def _own_file(record: OfflineAgreement, file_id: int) -> StoredFile:
    """An image attached to *record*; a file of any other record is refused like a bad link."""
    for stored, _page in offline.pages(record):
        if stored.id == file_id:
            return stored
    raise Refused(offline.LinkRefused("invalid"))


def _is_xhr() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def mask_name(name: str | None) -> str:
    """陈小明 → 陈**: the employer knows whom the agreement is with; a leaked link shows no more."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def _note(record: OfflineAgreement, page: Any) -> tuple[str, str]:
    if page is None:
        return "none", NOTE_NONE
    if page.result == "match":
        return "match", f"与协议{record.agreement_no}第{page.page}页（共{page.total}页）相符"
    return page.result, NOTE_NONE if page.result == "none" else (offline.page_note(page, record.agreement_no) or "")


def coverage_text(record: OfflineAgreement) -> tuple[str, bool]:
    """("共2页，已识别第1页、第2页", complete?) — what is still missing is named."""
    cov = offline.page_coverage(record)
    total = cov["total"]
    if not total:
        return (f"已上传{cov['count']}张" if cov["count"] else "尚未上传"), bool(cov["count"])
    if not cov["count"]:
        return f"共{total}页，尚未上传", False
    got = "、".join(f"第{n}页" for n in cov["matched"])
    text = f"共{total}页，" + (f"已识别{got}" if got else "尚未识别到任何一页")
    if cov["missing"]:
        text += f"；还缺{'、'.join(f'第{n}页' for n in cov['missing'])}"
    if cov["unread"]:
        text += f"；{cov['unread']}张未识别到页面二维码"
    return text, not cov["missing"] and cov["count"] >= total


def _summary(record: OfflineAgreement) -> list[tuple[str, str]]:
    graduate = record.graduate
    terms = record.terms or {}
    return [
        ("协议编号", record.agreement_no or "--"),
        ("毕业生", mask_name(graduate.name)),
        ("毕业院校", graduate.school.name),
        ("用人单位", record.unit_name),
        ("岗位", str(terms.get("position") or "--")),
        ("状态", "请下载协议书，盖章后逐页拍照上传" if record.status == "agreement_passed"
         else f"{record.status_label}，请按学校的退回意见重新上传"),
    ]


@bp.get("/<token>")
@link_limit()
def page(token: str) -> Any:
    record = _record(token)
    found = offline.pages(record)
    coverage, complete = coverage_text(record)
    link = offline.link_state(record)
    return render_template(
        "employer/upload_link.html", token=token, record=record, summary=_summary(record),
        files=[(f, _note(record, p)) for f, p in found], coverage=coverage, complete=complete,
        total=record.pdf_pages or 0, pdf_ready=record.pdf_file_id is not None,
        expires_at=timeutil.fmt(link["expires_at"]) if link else None,
        max_mb=_max_mb(),
    )


def _max_mb() -> int:
    from flask import current_app

    return int(current_app.config["SETTINGS"].MAX_UPLOAD_MB)


@bp.get("/<token>/pdf")
@link_limit()
def pdf(token: str) -> Any:
    record = _record(token)
    stored = offline.pdf_file(record)
    if stored is None:
        raise ApiError("pdf_pending", "电子就业协议书正在生成，请稍后再试", status=409)
    return pdf_download(stored, f"{record.agreement_no}.pdf")


@bp.get("/<token>/files/<int:file_id>")
@link_limit()
def file(token: str, file_id: int) -> Any:
    record = _record(token)
    return file_response(_own_file(record, file_id))


@bp.post("/<token>/pages")
@link_limit()
def upload(token: str) -> Any:
    """One stamped page (multipart ``file``): JSON for the page's script, a redirect with a flash without it."""
    record = _record(token)
    back = url_for("upload_link.page", token=token) + "#pages"
    upload = request.files.get("file")
    xhr = _is_xhr() or wants_json(request)
    try:
        if upload is None or not upload.filename:
            raise ApiError("missing_file", "请选择要上传的照片", {"file": "缺少文件"})
        stored = offline.add_page(offline.employer_actor(record), record, upload.read(), upload.filename,
                                  delegate=True)
    except ApiError as err:
        db.session.rollback()
        if xhr:
            return json_error(err.status, err.code, err.message, err.fields)
        flash(err.message, "error")
        return redirect(back)
    db.session.refresh(record)
    found = dict(offline.pages(record))
    kind, note = _note(record, next((p for f, p in found.items() if f.id == stored.id), None))
    coverage, complete = coverage_text(record)
    if xhr:
        return jsonify({"file_id": stored.id, "note": note, "result": kind, "coverage": coverage,
                        "complete": complete, "redirect": back}), 201
    flash(f"已上传：{note}", "success" if kind == "match" else "warning")
    return redirect(back)


@bp.post("/<token>/pages/<int:file_id>/delete")
@link_limit()
def delete(token: str, file_id: int) -> Any:
    record = _record(token)
    _own_file(record, file_id)
    offline.remove_page(offline.employer_actor(record), record, file_id, delegate=True)
    db.session.commit()
    flash("已删除该照片", "success")
    return redirect(url_for("upload_link.page", token=token) + "#pages")


@bp.post("/<token>/submit")
@link_limit()
def submit(token: str) -> Any:
    """确认提交: the pages to 签约审核 (FS-4); the link stops working in the same UPDATE (FS-8)."""
    record = _record(token)
    graduate = record.graduate
    count = len(offline.pages(record))
    try:
        offline.submit_pages(offline.employer_actor(record), record, graduate, by="employer")
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("upload_link.page", token=token) + "#submit")
    session[DONE_KEY] = {"no": record.agreement_no, "count": count}
    return redirect(url_for("upload_link.done"))


@bp.get("/done")
def done() -> Any:
    """The page after 确认提交 (the link itself no longer opens anything)."""
    shown = session.get(DONE_KEY)
    return render_template("employer/upload_done.html", shown=shown if isinstance(shown, dict) else None)
