"""API: 核验授权 (VA-1 … VA-8) — set a validity date, get the 核验编号 and the report PDF, end it early.

GET /verifications → both modules (archive, hukou) with whether they can be set and the active one;
POST /verifications {module, valid_until} → a new 核验编号 (an active one of that module ends);
POST /verifications/<id>/close → 提前结束 (the number stops verifying at once);
GET /verifications/<id>/pdf → 去向登记信息表 with its QR code.
"""

from __future__ import annotations

from typing import Any

from flask import g

from wxbackend.api import bp
from wxbackend.api.schemas import VerificationIn, VerificationOut, VerificationsOut, error_responses
from wxbackend.api.spec import binary
from wxbackend.auth.tokens import token_required
from wxbackend.core.db import db
from wxbackend.verification import documents, payload, services

TAG = ["核验授权"]
ERRORS = error_responses(
    _400="字段有误（invalid_fields：module、valid_until 早于今天或晚于毕业后第六个月的最后一天）", _401="未登录",
    _403="未完成去向登记确认（module_locked）", _404="不存在或不是本人的",
    _409="不能设置（verification_refused：该模块没有已确认的信息）、已结束（not_active）",
)


@bp.get("/verifications")
@bp.output(VerificationsOut)
@bp.doc(summary="核验授权：档案与户口核验的状态", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def verifications() -> dict[str, Any]:
    return payload.page_payload(g.graduate)


@bp.post("/verifications")
@bp.input(VerificationIn, arg_name="data")
@bp.output(VerificationOut, status_code=201)
@bp.doc(summary="设置有效期，生成核验编号", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="有效期至当天 23:59:59；最晚为毕业时间后第六个月的最后一天。"
                    "已有生效中的同类核验时，旧编号立即失效。")
@token_required
def verification_create(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    row = services.create(g.graduate, data.get("module"), data.get("valid_until"))
    db.session.commit()
    return payload.verification_payload(row), 201


@bp.post("/verifications/<int:verification_id>/close")
@bp.output(VerificationOut)
@bp.doc(summary="提前结束核验", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def verification_close(verification_id: int) -> dict[str, Any]:
    row = services.close(g.graduate, services.get_own(g.graduate, verification_id))
    db.session.commit()
    return payload.verification_payload(row)


@bp.get("/verifications/<int:verification_id>/pdf")
@binary("application/pdf", description="去向登记信息表 PDF")
@bp.doc(summary="下载去向登记信息表（PDF，含核验二维码）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def verification_pdf(verification_id: int) -> Any:
    return documents.download(services.get_own(g.graduate, verification_id))
