"""API: the graduate's side of online signing (§4.1) and online termination (§4.2).

Invitations appear in ``GET /destination``'s 登记记录 (type ``online_agreement``) with their
应约截止时间 and whether they can be answered, and why not. Then: GET /agreements/<id> (fig. 9),
POST …/accept or …/decline (before the deadline, ON-3), GET …/pdf once signed (ON-8),
POST …/termination to ask for 解约 (OT-1), and POST /terminations/<id>/accept|decline|cancel.
"""

from __future__ import annotations

from typing import Any

from flask import g

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import require_module
from wxbackend.api import bp
from wxbackend.api.schemas import (
    AgreementFieldsOut,
    AgreementOut,
    DeclineIn,
    TerminationIn,
    TerminationOut,
    error_responses,
)
from wxbackend.api.spec import binary
from wxbackend.auth.tokens import token_required
from wxbackend.core import timeutil
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.core.errors import NotFound
from wxbackend.signing import documents, forms, payload, services
from wxbackend.signing.models import OnlineAgreement, TerminationRequest

TAG = ["网上签约"]
ERRORS = error_responses(
    _400="字段有误（invalid_fields：reason、explanation 逐项说明）", _401="未登录",
    _403="未确认基本信息（basic_info_unconfirmed）、定向/委培毕业生不可网签（graduate_directed）、"
         "不是由你回应的解约申请（not_other_party）",
    _404="记录不存在或不是本人的",
    _409="已过应约截止时间（invitation_expired，ON-3）、已接受其他邀请（signed_elsewhere，ON-4）、"
         "已有当前毕业去向（destination_exists，D-1）、状态已变化（not_waiting）、未签约完成（not_signed）、"
         "已有进行中的解约申请（termination_open，OT-4）、协议书生成中（pdf_pending）",
)


def _graduate() -> Graduate:
    graduate: Graduate = g.graduate
    require_module(graduate, graduate.school, "destination")
    return graduate


def agreement_payload(graduate: Graduate, row: OnlineAgreement) -> dict[str, Any]:
    """Fig. 9 with its history and terminations (``signing.payload``); the PDF under /api/v1."""
    return payload.agreement_payload(graduate, row, lambda agreement_id: f"/api/v1/agreements/{agreement_id}/pdf")


termination_payload = payload.termination_payload


@bp.get("/agreements/<int:agreement_id>")
@bp.output(AgreementOut)
@bp.doc(summary="签约邀请 / 网上签约详情（图9）", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="签约信息、单位信息、档案与户口信息、应约截止时间、能否回应及原因、审核历史、解约申请。")
@token_required
def agreement_detail(agreement_id: int) -> dict[str, Any]:
    graduate = _graduate()
    return agreement_payload(graduate, services.get_for_graduate(graduate, agreement_id))


@bp.post("/agreements/<int:agreement_id>/accept")
@bp.output(AgreementOut)
@bp.doc(summary="接受签约邀请", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="应约截止时间前可接受（ON-3）；接受后进入院系、学校审核（ON-8），成为当前毕业去向（D-1），"
                    "其他邀请只能查看（ON-4）。")
@token_required
def agreement_accept(agreement_id: int) -> dict[str, Any]:
    graduate = _graduate()
    row = services.accept(graduate, agreement_id)
    db.session.commit()
    return agreement_payload(graduate, row)


@bp.post("/agreements/<int:agreement_id>/decline")
@bp.input(DeclineIn, arg_name="data")
@bp.output(AgreementOut)
@bp.doc(summary="拒绝签约邀请", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="应约截止时间前可拒绝，可附拒绝原因（选填，不超过200字，用人单位可见，ON-12）；"
                    "拒绝后该单位可再次发起邀请（ON-6）。")
@token_required
def agreement_decline(agreement_id: int, data: dict[str, Any]) -> dict[str, Any]:
    graduate = _graduate()
    row = services.decline(graduate, agreement_id, data.get("reason"))
    db.session.commit()
    return agreement_payload(graduate, row)


@bp.get("/agreements/<int:agreement_id>/pdf")
@binary("application/pdf", description="电子就业协议书 PDF")
@bp.doc(summary="下载电子就业协议书（PDF）", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="签约完成后可预览、下载（ON-8）。生成中返回 409 pdf_pending，稍后重试。")
@token_required
def agreement_pdf(agreement_id: int) -> Any:
    graduate = _graduate()
    return documents.pdf_response(services.get_for_graduate(graduate, agreement_id))


@bp.post("/agreements/<int:agreement_id>/termination")
@bp.input(TerminationIn, arg_name="data")
@bp.output(TerminationOut, status_code=201)
@bp.doc(summary="申请解约", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="签约完成的网上签约可申请解约（OT-1）：解约原因必选（代码见详情的 termination_reasons），"
                    "解约说明选填、不超过200字，解约原因为 99（其他原因）时必填；提交后等待用人单位回应。")
@token_required
def termination_start(agreement_id: int, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    graduate = _graduate()
    row = services.get_for_graduate(graduate, agreement_id)
    req = services.start_termination("graduate", actor_for(graduate), row, data.get("reason"),
                                     data.get("explanation"))
    db.session.commit()
    return termination_payload(graduate, req), 201


def _own_termination(graduate: Graduate, termination_id: int) -> TerminationRequest:
    req = db.session.get(TerminationRequest, termination_id, populate_existing=True)
    if req is None or req.graduate_id != graduate.id:
        raise NotFound()
    return req


@bp.get("/terminations/<int:termination_id>")
@bp.output(TerminationOut)
@bp.doc(summary="解约申请详情", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def termination_detail(termination_id: int) -> dict[str, Any]:
    graduate = _graduate()
    return termination_payload(graduate, _own_termination(graduate, termination_id))


def _termination_action(termination_id: int, action: str) -> dict[str, Any]:
    graduate = _graduate()
    req = _own_termination(graduate, termination_id)
    actor = actor_for(graduate)
    if action == "cancel":
        services.cancel_termination("graduate", actor, req)
    else:
        services.answer_termination("graduate", actor, req, accept=action == "accept")
    db.session.commit()
    return termination_payload(graduate, req)


@bp.post("/terminations/<int:termination_id>/accept")
@bp.output(TerminationOut)
@bp.doc(summary="同意用人单位的解约申请", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="回应没有时间限制（OT-2）；同意后进入院系、学校审核（OT-3）。")
@token_required
def termination_accept(termination_id: int) -> dict[str, Any]:
    return _termination_action(termination_id, "accept")


@bp.post("/terminations/<int:termination_id>/decline")
@bp.output(TerminationOut)
@bp.doc(summary="拒绝用人单位的解约申请", tags=TAG, security="BearerAuth", responses=ERRORS,
        description="拒绝后解约失败，签约仍有效（OT-2）。")
@token_required
def termination_decline(termination_id: int) -> dict[str, Any]:
    return _termination_action(termination_id, "decline")


@bp.post("/terminations/<int:termination_id>/cancel")
@bp.output(TerminationOut)
@bp.doc(summary="撤销本人发起的解约申请（用人单位回应前）", tags=TAG, security="BearerAuth", responses=ERRORS)
@token_required
def termination_cancel(termination_id: int) -> dict[str, Any]:
    return _termination_action(termination_id, "cancel")


@bp.get("/termination-reasons")
@bp.doc(summary="解约原因列表", tags=TAG)
def termination_reasons() -> dict[str, Any]:
    return {"reasons": [{"code": c, "label": label} for c, label in code_list("termination_reason").choices()],
            "explanation_max": services.EXPLANATION_MAX}


# Keep the form spec reachable for clients that render the invitation (fig. 9) themselves.
@bp.get("/agreements/fields")
@bp.output(AgreementFieldsOut)
@bp.doc(summary="签约信息字段说明（图9）", tags=TAG)
def agreement_fields() -> dict[str, Any]:
    return {"fields": [f.to_dict() for f in forms.fields()], "response_days": forms.response_days_range(),
            "deadline_rule": "应约截止时间为邀约日期加应约有效期天数后的次日 00:00（北京时间）",
            "now": timeutil.now()}
