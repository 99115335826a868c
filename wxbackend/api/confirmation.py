"""API: 去向登记确认 (CF-1 … CF-5) and the 四不准 report (CF-6).

GET /confirmation → the last report of the graduate (fig. 40) and what may be done; POST
/confirmation/confirm (信息无误，确认登记去向); POST /confirmation/errors (信息有误，需更新后确认, fig. 41);
POST /confirmation/revoke (实际信息无误，撤销确认, fig. 42). Every answer carries ``report_id``, the
report the page showed: a report made meanwhile answers 409 ``report_changed``.
GET/POST /violation-reports: the graduate's 四不准 reports, read by the platform only.
"""

from __future__ import annotations

from typing import Any

from flask import g

from wxbackend.api import bp
from wxbackend.api.schemas import (
    ConfirmationErrorIn,
    ConfirmationOut,
    ConfirmIn,
    ViolationFormOut,
    ViolationReportIn,
    ViolationReportOut,
    error_responses,
)
from wxbackend.auth.tokens import token_required
from wxbackend.confirmation import payload, services, violations
from wxbackend.core.db import db

TAG = ["去向登记确认"]
ERRORS = error_responses(
    _400="字段有误（invalid_fields：kinds 未选错误情况、*_explanation 未填或超过500字、mobile 手机号码有误）",
    _401="未登录", _403="未确认基本信息、尚未上报（module_locked）",
    _409="已确认（already_confirmed）、已提交有误（error_reported）、信息已变化待重新上报（awaiting_report）、"
         "已重新上报（report_changed）、没有可撤销的（nothing_to_revoke）",
)


@bp.get("/confirmation")
@bp.output(ConfirmationOut)
@bp.doc(summary="去向登记确认：上报的信息与可做的操作", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def confirmation_page() -> dict[str, Any]:
    return payload.page_payload(g.graduate)


@bp.post("/confirmation/confirm")
@bp.input(ConfirmIn, arg_name="data")
@bp.output(ConfirmationOut)
@bp.doc(summary="信息无误，确认登记去向", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def confirmation_confirm(data: dict[str, Any]) -> dict[str, Any]:
    services.confirm(g.graduate, data.get("report_id"))
    db.session.commit()
    return payload.page_payload(g.graduate)


@bp.post("/confirmation/errors")
@bp.input(ConfirmationErrorIn, arg_name="data")
@bp.output(ConfirmationOut)
@bp.doc(summary="信息有误，需更新后确认", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="至少选一项错误情况；每项选中的须填写情况说明（≤500字）；联系方式为手机号码。")
@token_required
def confirmation_errors(data: dict[str, Any]) -> dict[str, Any]:
    services.report_error(g.graduate, data, data.get("report_id"))
    db.session.commit()
    return payload.page_payload(g.graduate)


@bp.post("/confirmation/revoke")
@bp.output(ConfirmationOut)
@bp.doc(summary="实际信息无误，撤销确认", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def confirmation_revoke() -> dict[str, Any]:
    services.revoke(g.graduate)
    db.session.commit()
    return payload.page_payload(g.graduate)


@bp.get("/violation-reports")
@bp.output(ViolationFormOut)
@bp.doc(summary="违反“四不准”行为举报：表单与本人的举报", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def violation_form() -> dict[str, Any]:
    return payload.violation_form(g.graduate)


@bp.post("/violation-reports")
@bp.input(ViolationReportIn, arg_name="data")
@bp.output(ViolationReportOut, status_code=201)
@bp.doc(summary="提交违反“四不准”行为举报（提交平台，不告知学校举报人）", tags=TAG, security="BearerAuth",
        responses=ERRORS)
@token_required
def violation_create(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    row = violations.file_report(g.graduate, data)
    db.session.commit()
    return payload.violation_payload(row), 201
