"""API: offline signing with the e-agreement (§4.3), the paper agreement, and offline termination (§4.4).

Flow in the mini-program: GET /offline-agreements/form (fig. 21 as data) → POST /offline-agreements
(保存, a draft; ``submit: true`` to 提交 at once) → PUT …/<id> → POST …/submit (协议审核, FS-1). Before a
reviewer acted: POST …/withdraw (FS-2). Once 就业协议审核通过: GET …/pdf (FS-3), then either POST …/pages
once per stamped page and POST …/submit-pages (本人回传, FS-4), or POST …/employer-link (用人单位协助回传:
an SMS with a link to the employer contact, FS-8). 签约完成 → GET …/signed-pdf; POST …/termination
(线下解约, FT-1), then …/files and POST /offline-terminations/<id>/submit.
"""

from __future__ import annotations

from typing import Any

from flask import g, request

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import require_module
from wxbackend.api import bp
from wxbackend.api.destinations import file_payload, refuse_oversized_request
from wxbackend.api.schemas import (
    OfflineCreateIn,
    OfflineFormOut,
    OfflineIn,
    OfflineOut,
    OfflineTerminationIn,
    OfflineTerminationOut,
    StoredFileOut,
    error_responses,
)
from wxbackend.api.spec import binary, multipart
from wxbackend.auth.tokens import token_required
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.documents.store import pdf_download
from wxbackend.signing import offline, offline_payload
from wxbackend.signing.models import OfflineAgreement

TAG = ["线下签约"]
ERRORS = error_responses(
    _400="字段有误（invalid_fields，fields 中逐项说明）、缺少图片（proof_required）", _401="未登录",
    _403="未确认基本信息（basic_info_unconfirmed）、定向/委培毕业生（graduate_directed）",
    _404="记录不存在或不是本人的",
    _409="状态不允许（not_editable / not_submittable / not_pending / not_uploadable / not_signed）、"
         "已有当前毕业去向（destination_exists，D-1）、已有未结束的线下签约（record_exists）、"
         "协议书生成中（pdf_pending）、记录已变化（record_changed）、已有进行中的解约（termination_open）",
    _422="图片是另一份协议的页面（page_of_other_agreement，FS-10）",
    _429="短信刚刚发送过（too_soon）",
)
URLS = offline_payload.Urls(
    file=lambda file_id: f"/api/v1/files/{file_id}",
    pdf=lambda record_id: f"/api/v1/offline-agreements/{record_id}/pdf",
    signed_pdf=lambda record_id: f"/api/v1/offline-agreements/{record_id}/signed-pdf",
)


def _graduate() -> Graduate:
    graduate: Graduate = g.graduate
    require_module(graduate, graduate.school, "destination")
    return graduate


def _payload(graduate: Graduate, record: OfflineAgreement) -> dict[str, Any]:
    db.session.refresh(record)
    return offline_payload.offline_payload(graduate, record, URLS)


def _upload() -> tuple[bytes, str | None]:
    refuse_oversized_request()
    upload = request.files.get("file")
    if upload is None:
        raise ApiError("missing_file", "请选择要上传的图片", {"file": "缺少文件（multipart 字段名 file）"})
    return upload.read(), upload.filename


@bp.get("/offline-agreements/form")
@bp.output(OfflineFormOut)
@bp.doc(summary="电子就业协议书申请表（图21）的各项", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="用人单位信息（单位名称、统一社会信用代码、单位性质、单位行业、通讯地址、联系人及电话）和签约信息、"
                    "档案转递、户口迁移、协议补充内容；必填项、代码表和提示。")
@token_required
def offline_form() -> dict[str, Any]:
    _graduate()
    return offline_payload.form_payload()


@bp.post("/offline-agreements")
@token_required  # before the body is validated: without a token, 401 and nothing about the body
@bp.input(OfflineCreateIn, arg_name="data")
@bp.output(OfflineOut, status_code=201)
@bp.doc(summary="保存电子就业协议书申请 / 已签协议登记（草稿）", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="mode 为 eagreement（向学校申请电子就业协议书线下签约）或 paper（已签协议信息登记）。"
                    "保存时只校验已填写的项（FS-1）；submit 为 true 时随即提交审核，校验全部必填项。")
def offline_create(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    graduate = _graduate()
    if data.get("submit"):  # check the whole form before anything is saved: a refusal leaves no stray draft
        offline.check_complete(data.get("fields"))
    record = offline.create(graduate, data.get("mode"), data.get("fields"))
    db.session.commit()
    if data.get("submit"):
        offline.submit(graduate, record)
        db.session.commit()
    return _payload(graduate, record), 201


@bp.get("/offline-agreements/<int:record_id>")
@bp.output(OfflineOut)
@bp.doc(summary="线下签约详情", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="状态（§4.3 各状态）、申请表各项、协议编号、协议书下载、已上传的盖章页及识别结果（FS-10）、"
                    "协助回传短信的发送状态（MS-3）、审核历史和解约申请。")
@token_required
def offline_detail(record_id: int) -> dict[str, Any]:
    graduate = _graduate()
    return _payload(graduate, offline.get_own(graduate, record_id))


@bp.put("/offline-agreements/<int:record_id>")
@bp.input(OfflineIn, arg_name="data")
@bp.output(OfflineOut)
@bp.doc(summary="修改申请表（草稿或被退回时）", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="保存后仍为草稿；submit 为 true 时随即提交。输入有误时不修改已保存的内容。")
@token_required
def offline_update(record_id: int, data: dict[str, Any]) -> dict[str, Any]:
    graduate = _graduate()
    record = offline.get_own(graduate, record_id)
    offline.update_fields(graduate, record, data.get("fields"))
    db.session.commit()
    if data.get("submit"):
        offline.submit(graduate, record)
        db.session.commit()
    return _payload(graduate, record)


@bp.post("/offline-agreements/<int:record_id>/submit")
@bp.output(OfflineOut)
@bp.doc(summary="提交审核", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="电子就业协议书：草稿或被退回时提交协议审核（FS-1）；协议审核通过后提交本人回传的盖章页（FS-4）。"
                    "已签协议：提交签约审核（FS-9）。提交后成为当前毕业去向（D-1）。")
@token_required
def offline_submit(record_id: int) -> dict[str, Any]:
    graduate = _graduate()
    record = offline.get_own(graduate, record_id)
    offline.submit(graduate, record)
    db.session.commit()
    return _payload(graduate, record)


@bp.post("/offline-agreements/<int:record_id>/submit-pages")
@bp.output(OfflineOut)
@bp.doc(summary="本人回传协议书：提交盖章页，进入签约审核", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="协议书每页至少一张盖章后的照片；提交后用人单位的回传链接失效（FS-8）。")
@token_required
def offline_submit_pages(record_id: int) -> dict[str, Any]:
    graduate = _graduate()
    record = offline.get_own(graduate, record_id)
    offline.submit_pages(actor_for(graduate), record, graduate, by="graduate")
    db.session.commit()
    return _payload(graduate, record)


@bp.post("/offline-agreements/<int:record_id>/withdraw")
@bp.output(OfflineOut)
@bp.doc(summary="撤回修改", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="审核人员处理前可撤回：协议审核中撤回后可修改申请表（FS-2），签约审核中撤回后可更换盖章页（FS-6）。")
@token_required
def offline_withdraw(record_id: int) -> dict[str, Any]:
    graduate = _graduate()
    record = offline.get_own(graduate, record_id)
    offline.withdraw(graduate, record)
    db.session.commit()
    return _payload(graduate, record)


@bp.get("/offline-agreements/<int:record_id>/pdf")
@binary("application/pdf", description="电子就业协议书 PDF（打印盖章用）")
@bp.doc(summary="下载电子就业协议书（打印盖章用）", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="协议审核通过后可下载（FS-3）；每页三个角印有本协议和页码的二维码（FS-10）。"
                    "生成中返回 409 pdf_pending。")
@token_required
def offline_pdf(record_id: int) -> Any:
    graduate = _graduate()
    return pdf_response(offline.get_own(graduate, record_id), signed=False)


@bp.get("/offline-agreements/<int:record_id>/signed-pdf")
@binary("application/pdf", description="签约完成的协议书 PDF")
@bp.doc(summary="下载签约完成的协议书（含签约过程记录）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def offline_signed_pdf(record_id: int) -> Any:
    graduate = _graduate()
    return pdf_response(offline.get_own(graduate, record_id), signed=True)


def pdf_response(record: OfflineAgreement, signed: bool) -> Any:
    """The stored printable (or signed) agreement, or a clear 409 while it is not there yet."""
    if signed and record.status not in ("signed", "terminated"):
        raise Conflict("not_signed", "签约完成后才能下载含签约过程记录的协议书")
    if not signed and (record.mode != "eagreement" or record.status not in offline.PDF_STATUSES):
        raise Conflict("not_available", "就业协议审核通过后才能下载电子就业协议书")
    stored = offline.pdf_file(record, signed=signed)
    if stored is None:
        raise ApiError("pdf_pending", "电子就业协议书正在生成，请稍后再试", status=409)
    return pdf_download(stored, f"{record.agreement_no}.pdf")


@bp.post("/offline-agreements/<int:record_id>/pages")
@multipart()
@bp.output(StoredFileOut, status_code=201)
@bp.doc(summary="上传一张盖章后的协议书图片 / 已签协议图片（multipart，字段 file）", tags=TAG,
        security="BearerAuth", responses=ERRORS,
        description="超过 300 KB 的图片自动压缩（FS-5）；电子就业协议书的页面按二维码识别页码，"
                    "另一份协议的页面会被拒绝（FS-10）。")
@token_required
def offline_page_upload(record_id: int) -> tuple[dict[str, Any], int]:
    graduate = _graduate()
    record = offline.get_own(graduate, record_id)
    data, filename = _upload()
    stored = offline.add_page(actor_for(graduate), record, data, filename)
    return file_payload(stored), 201


@bp.delete("/offline-agreements/<int:record_id>/pages/<int:file_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="删除一张已上传的图片（提交前或撤回后，FS-6）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def offline_page_delete(record_id: int, file_id: int) -> tuple[str, int]:
    graduate = _graduate()
    record = offline.get_own(graduate, record_id)
    offline.remove_page(actor_for(graduate), record, file_id)
    db.session.commit()
    return "", 204


@bp.post("/offline-agreements/<int:record_id>/employer-link")
@bp.output(OfflineOut)
@bp.doc(summary="用人单位协助回传协议书：短信发送回传链接", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="向协议中的单位联系人手机发送链接（FS-4），单位无需账号即可下载协议书、上传盖章页。"
                    "链接7天内有效，只能用于本协议，提交后或再次发送后旧链接失效（FS-8）；"
                    "短信发送状态见 link.delivery，失败时可重新发送（MS-3）。")
@token_required
def offline_employer_link(record_id: int) -> dict[str, Any]:
    graduate = _graduate()
    record = offline.get_own(graduate, record_id)
    offline.request_employer_upload(graduate, record)
    db.session.commit()
    return _payload(graduate, record)


# --- offline termination (FT-1, FT-2) -------------------------------------------------------------


def _termination_payload(graduate: Graduate, row: Any) -> dict[str, Any]:
    db.session.refresh(row)
    return offline_payload.termination_payload(graduate, row, URLS)


@bp.post("/offline-agreements/<int:record_id>/termination")
@bp.input(OfflineTerminationIn, arg_name="data")
@bp.output(OfflineTerminationOut, status_code=201)
@bp.doc(summary="申请线下解约（图28）", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="签约完成的线下签约可申请（FT-1）：解约原因必选，解约说明不超过200字；"
                    "再上传单位盖章的解约函（至少一张）后提交院系及学校审核（FT-2）。")
@token_required
def offline_termination_start(record_id: int, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    graduate = _graduate()
    record = offline.get_own(graduate, record_id)
    row = offline.start_termination(graduate, record, data.get("reason"), data.get("explanation"))
    db.session.commit()
    return _termination_payload(graduate, row), 201


@bp.get("/offline-terminations/<int:termination_id>")
@bp.output(OfflineTerminationOut)
@bp.doc(summary="线下解约申请详情", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def offline_termination_detail(termination_id: int) -> dict[str, Any]:
    graduate = _graduate()
    return _termination_payload(graduate, offline.get_termination(graduate, termination_id))


@bp.put("/offline-terminations/<int:termination_id>")
@bp.input(OfflineTerminationIn, arg_name="data")
@bp.output(OfflineTerminationOut)
@bp.doc(summary="修改线下解约申请（未提交或被退回时）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def offline_termination_update(termination_id: int, data: dict[str, Any]) -> dict[str, Any]:
    graduate = _graduate()
    row = offline.get_termination(graduate, termination_id)
    offline.update_termination(graduate, row, data.get("reason"), data.get("explanation"))
    db.session.commit()
    if data.get("submit"):
        offline.submit_termination(graduate, row)
        db.session.commit()
    return _termination_payload(graduate, row)


@bp.post("/offline-terminations/<int:termination_id>/files")
@multipart(description="单位盖章的解约函图片")
@bp.output(StoredFileOut, status_code=201)
@bp.doc(summary="上传单位盖章的解约函（multipart，字段 file）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def offline_termination_file(termination_id: int) -> tuple[dict[str, Any], int]:
    graduate = _graduate()
    row = offline.get_termination(graduate, termination_id)
    data, filename = _upload()
    stored = offline.add_termination_file(graduate, row, data, filename)
    return file_payload(stored), 201


@bp.delete("/offline-terminations/<int:termination_id>/files/<int:file_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="删除一张解约函图片", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def offline_termination_file_delete(termination_id: int, file_id: int) -> tuple[str, int]:
    graduate = _graduate()
    row = offline.get_termination(graduate, termination_id)
    offline.remove_termination_file(graduate, row, file_id)
    db.session.commit()
    return "", 204


@bp.post("/offline-terminations/<int:termination_id>/submit")
@bp.output(OfflineTerminationOut)
@bp.doc(summary="提交线下解约申请", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="须已上传至少一张解约函（FT-1）；院系及学校与用人单位核实后审核（FT-2）。")
@token_required
def offline_termination_submit(termination_id: int) -> dict[str, Any]:
    graduate = _graduate()
    row = offline.get_termination(graduate, termination_id)
    offline.submit_termination(graduate, row)
    db.session.commit()
    return _termination_payload(graduate, row)


@bp.post("/offline-terminations/<int:termination_id>/withdraw")
@bp.output(OfflineTerminationOut)
@bp.doc(summary="撤回线下解约申请（审核人员处理前）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def offline_termination_withdraw(termination_id: int) -> dict[str, Any]:
    graduate = _graduate()
    row = offline.get_termination(graduate, termination_id)
    offline.withdraw_termination(graduate, row)
    db.session.commit()
    return _termination_payload(graduate, row)


@bp.delete("/offline-terminations/<int:termination_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="撤销未提交的线下解约申请（记录保留为已撤销）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def offline_termination_delete(termination_id: int) -> tuple[str, int]:
    graduate = _graduate()
    row = offline.get_termination(graduate, termination_id)
    offline.cancel_termination(graduate, row)
    db.session.commit()
    return "", 204
