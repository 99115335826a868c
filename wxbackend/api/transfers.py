"""API: archive (档案) and hukou (户口) registration and change requests (AR-1…AR-5, HK-1, HK-2).

``<module>`` is ``archive`` or ``hukou``; the two are one implementation. Flow: GET /transfers/<module>
(current info and its source, the open registration, the form with the 转回生源地 prefill, whether a
registration or a change may start) → POST …/registrations (purpose registration | change; ``submit:
true`` to 提交 at once) → PUT …/registrations/<id> (also while pending, before any reviewer acted: it is
withdrawn and resubmitted, AR-5) → POST …/submit; POST …/withdraw before review; images: POST/DELETE
…/images (optional, at most 3); DELETE …/registrations/<id> cancels a draft (kept as 已撤销).
"""

from __future__ import annotations

from typing import Any

from flask import g, url_for

from wxbackend.accounts.models import Graduate
from wxbackend.api import bp
from wxbackend.api.destinations import file_payload
from wxbackend.api.offline import _upload
from wxbackend.api.schemas import (
    StoredFileOut,
    TransferModuleOut,
    TransferRecordOut,
    TransferRegistrationIn,
    error_responses,
)
from wxbackend.api.spec import multipart
from wxbackend.auth.tokens import token_required
from wxbackend.core.db import db
from wxbackend.core.errors import NotFound
from wxbackend.transfers import payload, registration
from wxbackend.transfers.models import MODULES, TransferRegistration

TAG = ["档案与户口"]
ERRORS = error_responses(
    _400="字段有误（invalid_fields，fields 中逐项说明；转回生源地时跨省为 fields.*_region）", _401="未登录",
    _403="未确认基本信息（basic_info_unconfirmed）、模块不可用（module_locked，如户口未转入学校）",
    _404="模块或记录不存在，或不是本人的",
    _409="不能登记（registration_refused：已有当前信息或未完成的登记）、状态不允许（not_editable / "
         "not_submittable / not_pending）、审核人员已处理（already_reviewed）、记录已变化（record_changed）",
)


def _module(module: str) -> str:
    if module not in MODULES:
        raise NotFound()
    return module


def _file_url(file_id: int) -> str:
    return url_for("api.file_content", file_id=file_id)


def _own(module: str, record_id: int) -> tuple[Graduate, TransferRegistration]:
    graduate: Graduate = g.graduate
    return graduate, registration.get_own(graduate, _module(module), record_id)


def _out(record: TransferRegistration) -> dict[str, Any]:
    db.session.refresh(record)
    return payload.record_payload(record, _file_url)


@bp.get("/transfers/<module>")
@bp.output(TransferModuleOut)
@bp.doc(summary="档案/户口信息：当前信息、登记记录与登记表", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="current 为当前信息及其来源（网上签约、线下签约、登记或修改审核通过、学校直接录入，AR-4）；"
                    "有当前信息时不能再登记，只能提交修改申请（can_change）。prefill 为转回生源地的预填值（AR-2）。")
@token_required
def transfer_module(module: str) -> dict[str, Any]:
    return payload.module_payload(g.graduate, _module(module), _file_url)


@bp.post("/transfers/<module>/registrations")
@bp.input(TransferRegistrationIn, arg_name="data")
@bp.output(TransferRecordOut, status_code=201)
@bp.doc(summary="保存档案/户口信息登记或修改申请（草稿）", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="保存时只校验已填写的项；submit 为 true 时随即提交审核，校验全部必填项（不通过则不保存）。")
@token_required
def transfer_create(module: str, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    graduate: Graduate = g.graduate
    module = _module(module)
    if data.get("submit"):  # the whole form first: a refusal leaves no stray draft
        registration.check_complete(graduate, module, data.get("fields"))
    record = registration.create(graduate, module, data.get("purpose"), data.get("fields"))
    if data.get("submit"):
        registration.submit(graduate, record)
    db.session.commit()
    return _out(record), 201


@bp.get("/transfers/<module>/registrations/<int:record_id>")
@bp.output(TransferRecordOut)
@bp.doc(summary="登记或修改申请详情（含审核历史）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def transfer_detail(module: str, record_id: int) -> dict[str, Any]:
    _graduate, record = _own(module, record_id)
    return _out(record)


@bp.put("/transfers/<module>/registrations/<int:record_id>")
@bp.input(TransferRegistrationIn, arg_name="data")
@bp.output(TransferRecordOut)
@bp.doc(summary="修改登记或修改申请", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="未提交或退回修改时可改；审核中时仅在审核人员处理前可改（撤回并按 submit 重新提交，AR-5），"
                    "否则返回 409 already_reviewed。审核中修改时不带 submit 则保存为未提交。")
@token_required
def transfer_update(module: str, record_id: int, data: dict[str, Any]) -> dict[str, Any]:
    graduate, record = _own(module, record_id)
    registration.update(graduate, record, data.get("fields"))
    if data.get("submit"):
        registration.submit(graduate, record)
    db.session.commit()
    return _out(record)


@bp.post("/transfers/<module>/registrations/<int:record_id>/submit")
@bp.output(TransferRecordOut)
@bp.doc(summary="提交审核", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def transfer_submit(module: str, record_id: int) -> dict[str, Any]:
    graduate, record = _own(module, record_id)
    registration.submit(graduate, record)
    db.session.commit()
    return _out(record)


@bp.post("/transfers/<module>/registrations/<int:record_id>/withdraw")
@bp.output(TransferRecordOut)
@bp.doc(summary="撤回（审核人员处理前）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def transfer_withdraw(module: str, record_id: int) -> dict[str, Any]:
    graduate, record = _own(module, record_id)
    registration.withdraw(graduate, record)
    db.session.commit()
    return _out(record)


@bp.delete("/transfers/<module>/registrations/<int:record_id>")
@bp.output(TransferRecordOut)
@bp.doc(summary="撤销未提交的登记或修改申请（记录保留为已撤销）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def transfer_cancel(module: str, record_id: int) -> dict[str, Any]:
    graduate, record = _own(module, record_id)
    registration.cancel(graduate, record)
    db.session.commit()
    return _out(record)


@bp.post("/transfers/<module>/registrations/<int:record_id>/images")
@multipart()
@bp.output(StoredFileOut, status_code=201)
@bp.doc(summary="上传一张图片（multipart，字段 file；选填，最多3张）", tags=TAG, security="BearerAuth",
        responses=ERRORS)
@token_required
def transfer_image_upload(module: str, record_id: int) -> tuple[dict[str, Any], int]:
    graduate, record = _own(module, record_id)
    data, filename = _upload()
    stored = registration.add_image(graduate, record, data, filename)
    return file_payload(stored), 201


@bp.delete("/transfers/<module>/registrations/<int:record_id>/images/<int:file_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="删除一张图片", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def transfer_image_delete(module: str, record_id: int, file_id: int) -> tuple[str, int]:
    graduate, record = _own(module, record_id)
    registration.remove_image(graduate, record, file_id)
    db.session.commit()
    return "", 204
