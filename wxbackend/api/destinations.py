"""API: the graduate's destination home (§4) and other destinations (§4.5, OD-1…OD-4, D-1, D-2).

Flow in the mini-program: GET /destination (entries and 登记记录) → GET /destination/kinds
(the chosen sub-kind's fields and proof materials) → POST /destination/records (draft) →
POST …/proofs once per image (wx.uploadFile) → POST …/submit. After a return: PUT …, then
submit again. Before any reviewer acted: …/withdraw. After approval: …/void.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, request, url_for

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import require_module
from wxbackend.api import bp
from wxbackend.api.schemas import (
    DestinationHomeOut,
    KindsOut,
    RecordCreateIn,
    RecordIn,
    RecordOut,
    StoredFileOut,
    error_responses,
)
from wxbackend.api.spec import binary, multipart
from wxbackend.auth.tokens import token_required
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, NotFound
from wxbackend.destinations import catalogue, payload, services
from wxbackend.destinations.home import destination_home
from wxbackend.destinations.models import OtherDestination
from wxbackend.files.images import MAX_IMAGE_BYTES
from wxbackend.files.models import StoredFile
from wxbackend.files.service import file_response

TAG = ["毕业去向"]
COMMON = {"_401": "未登录",
          "_403": "未确认基本信息（basic_info_unconfirmed）或不可选择该类型（subkind_not_allowed，D-2）"}
RECORD_ERRORS = error_responses(
    _400="字段有误（invalid_fields，fields 中逐项说明）、缺少证明材料（proof_required）", _404="记录不存在",
    _409="状态不允许（not_editable/not_submittable/not_pending/not_voidable）、已有当前毕业去向"
         "（destination_exists，D-1）、已有未作废登记（record_exists）、记录已变化（record_changed）",
    **COMMON,
)


def file_payload(f: StoredFile) -> dict[str, Any]:
    return payload.file_payload(f, _file_url)


def record_payload(graduate: Graduate, record: OtherDestination) -> dict[str, Any]:
    """The record as the list shows it, plus its fields, proofs and history (``destinations.payload``)."""
    return payload.record_payload(graduate, record, _file_url)


def _file_url(file_id: int) -> str:
    return url_for("api.file_content", file_id=file_id)


# --- home and catalogue ------------------------------------------------------------------------


@bp.get("/destination")
@bp.output(DestinationHomeOut)
@bp.doc(summary="毕业去向填报主界面（图6）", tags=TAG, security="BearerAuth",
        description="去向填报入口（签就业协议书就业、其他形式就业、升学、未就业，各类型是否可选及原因）、"
                    "当前毕业去向（D-1）和登记记录（每条记录的类型、状态、审核环节、最近一次审核结果及原因）。",
        responses=error_responses(**COMMON))
@token_required
def destination_index() -> dict[str, Any]:
    graduate: Graduate = g.graduate
    require_module(graduate, graduate.school, "destination")
    return destination_home(graduate)


@bp.get("/destination/kinds")
@bp.output(KindsOut)
@bp.doc(summary="毕业去向类型、所需字段及证明材料", tags=TAG, security="BearerAuth",
        description="每个子类型的代码、字段（类型、是否必填、代码表选项、是否只读）和证明材料要求；"
                    "available/reason 说明本人能否选择（D-2：定向/委培毕业生只能选补充登记）。",
        responses=error_responses(_401="未登录"))
@token_required
def destination_kinds() -> dict[str, Any]:
    graduate: Graduate = g.graduate
    kinds = []
    for k in catalogue.subkinds():
        reason = catalogue.subkind_refusal(graduate, k)
        entry = k.to_dict()
        entry.update(group_label=k.group_label, available=reason is None, reason=reason,
                     preset=catalogue.readonly_values(graduate, k) if reason is None else {})
        kinds.append(entry)
    return {"groups": [{"key": x.key, "label": x.label} for x in catalogue.groups()], "kinds": kinds}


# --- records -------------------------------------------------------------------------------------


@bp.post("/destination/records")
@token_required  # before the body is validated: without a token, 401 and nothing about the body
@bp.input(RecordCreateIn, arg_name="data")
@bp.output(RecordOut, status_code=201)
@bp.doc(summary="登记其他毕业去向（保存，可同时提交）", tags=TAG, security="BearerAuth",
        description="选择子类型并填写字段（OD-1）。保存时只校验已填字段的格式；submit=true 时同时提交审核"
                    "（需填完必填项并已上传证明材料——通常先保存、上传图片，再调用 /submit）。",
        responses=RECORD_ERRORS)
def record_create(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    graduate: Graduate = g.graduate
    record = services.create(graduate, data.get("subkind"), data.get("fields"))
    db.session.commit()
    if data.get("submit"):
        services.submit(graduate, record)
        db.session.commit()
    return record_payload(graduate, record), 201


@bp.get("/destination/records/<int:record_id>")
@bp.output(RecordOut)
@bp.doc(summary="登记详情：字段、证明材料、审核历史", tags=TAG, security="BearerAuth", responses=RECORD_ERRORS)
@token_required
def record_detail(record_id: int) -> dict[str, Any]:
    graduate: Graduate = g.graduate
    return record_payload(graduate, services.get_own(graduate, record_id))


@bp.put("/destination/records/<int:record_id>")
@bp.input(RecordIn, arg_name="data")
@bp.output(RecordOut)
@bp.doc(summary="修改登记（未提交、撤回后或退回修改时）", tags=TAG, security="BearerAuth",
        description="整体替换子类型和字段；定向/委培单位等只读字段以学校上传为准（D-2）。", responses=RECORD_ERRORS)
@token_required
def record_update(record_id: int, data: dict[str, Any]) -> dict[str, Any]:
    graduate: Graduate = g.graduate
    record = services.get_own(graduate, record_id)
    services.update_fields(graduate, record, data.get("subkind"), data.get("fields"))
    db.session.commit()
    if data.get("submit"):
        services.submit(graduate, record)
        db.session.commit()
    return record_payload(graduate, record)


@bp.post("/destination/records/<int:record_id>/submit")
@bp.output(RecordOut)
@bp.doc(summary="提交审核（退回修改后为重新提交）", tags=TAG, security="BearerAuth",
        description="校验必填项和证明材料张数，成为当前毕业去向（D-1），进入院系审核（学校关闭院系审核时直接学校审核）。",
        responses=RECORD_ERRORS)
@token_required
def record_submit(record_id: int) -> dict[str, Any]:
    return _transition(record_id, services.submit)


@bp.post("/destination/records/<int:record_id>/withdraw")
@bp.output(RecordOut)
@bp.doc(summary="撤回修改（审核人员处理前）", tags=TAG, security="BearerAuth",
        description="RV-3/OD-2：院系或学校处理前可撤回，回到可编辑状态，不再是当前毕业去向。", responses=RECORD_ERRORS)
@token_required
def record_withdraw(record_id: int) -> dict[str, Any]:
    return _transition(record_id, services.withdraw)


@bp.post("/destination/records/<int:record_id>/void")
@bp.output(RecordOut)
@bp.doc(summary="作废（审核通过后）", tags=TAG, security="BearerAuth",
        description="OD-4：审核通过后可作废，无需审核；院系和学校仍可查看作废记录。作废后可重新登记或签约。",
        responses=RECORD_ERRORS)
@token_required
def record_void(record_id: int) -> dict[str, Any]:
    return _transition(record_id, services.void)


def _transition(record_id: int, action: Callable[[Graduate, OtherDestination], Any]) -> dict[str, Any]:
    """Apply one of the graduate's transitions to their own record, commit, answer with the record."""
    graduate: Graduate = g.graduate
    record = services.get_own(graduate, record_id)
    action(graduate, record)
    db.session.commit()
    return record_payload(graduate, record)


# --- proof images ------------------------------------------------------------------------------


@bp.post("/destination/records/<int:record_id>/proofs")
@multipart()
@bp.output(StoredFileOut, status_code=201)
@bp.doc(summary="上传证明材料图片（multipart，字段 file）", tags=TAG, security="BearerAuth",
        description="JPG、PNG、HEIC；单张不超过 15 MB、8000 万像素。自动按拍摄方向旋转并去除位置等元数据；"
                    "超过 300 KB 的图片在后台压缩到 300 KB 以内（FS-5），压缩完成前即可提交。"
                    "文件不合格时返回具体原因，登记保持原样。",
        responses=error_responses(
            _400="missing_file / empty_file / unsupported_type / too_large / image_too_large_pixels / "
                 "corrupt_image / too_many_proofs", _404="记录不存在", _409="当前状态不能修改证明材料（not_editable）",
            _413="请求超过上传上限（too_large）", _401="未登录"))
@token_required
def proof_upload(record_id: int) -> tuple[dict[str, Any], int]:
    graduate: Graduate = g.graduate
    record = services.get_own(graduate, record_id)
    refuse_oversized_request()
    upload = request.files.get("file")
    if upload is None:
        raise ApiError("missing_file", "请选择要上传的图片", {"file": "缺少文件（multipart 字段名 file）"})
    stored = services.add_proof(actor_for(graduate), record, upload.read(), upload.filename)
    return file_payload(stored), 201


@bp.delete("/destination/records/<int:record_id>/proofs/<int:file_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="删除一张证明材料", tags=TAG, security="BearerAuth", responses=RECORD_ERRORS)
@token_required
def proof_delete(record_id: int, file_id: int) -> tuple[str, int]:
    graduate: Graduate = g.graduate
    record = services.get_own(graduate, record_id)
    services.remove_proof(actor_for(graduate), record, file_id)
    db.session.commit()
    return "", 204


@bp.get("/files/<int:file_id>")
@binary("image/jpeg", "image/png", description="图片")
@bp.doc(summary="查看本人上传的图片", tags=TAG, security="BearerAuth",
        responses=error_responses(_404="不存在或不是本人的文件", _401="未登录"))
@token_required
def file_content(file_id: int) -> Any:
    graduate: Graduate = g.graduate
    row = db.session.get(StoredFile, file_id)
    if row is None or row.owner_graduate_id != graduate.id:
        raise NotFound("文件不存在或无权查看")
    return file_response(row)


def refuse_oversized_request() -> None:
    """Refuse a request body over the upload limit before parsing it (no temporary file is written)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length and request.content_length > limit:
        mb = limit // 1024 // 1024
        raise ApiError("too_large", f"上传内容过大：单张图片不能超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB，"
                                    f"单次请求不能超过 {mb} MB", {"file": "文件过大"}, status=413)
