"""API: the graduate's own basic info (§2, L-3, L-4) and module list (§3, L-5)."""

from __future__ import annotations

from typing import Any

from flask import g

from wxbackend.accounts.basic_info import MSG_READONLY, basic_info_rows
from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import module_states
from wxbackend.api import bp
from wxbackend.api.schemas import ConfirmOut, MeOut, ModulesOut, error_responses
from wxbackend.auth import service
from wxbackend.auth.tokens import token_required
from wxbackend.core.db import db
from wxbackend.core.errors import Forbidden
from wxbackend.notify import official_account

NOTICE = ("请先核对你的毕业生信息是否正确。若有误请联系学校就业部门更正！"
          "若电子邮箱或手机号码有误，请直接登录学信网在账号信息中修改。")
UNAUTHORIZED = error_responses(_401="未登录、令牌过期或已注销")


def modules_payload(graduate: Graduate) -> list[dict[str, Any]]:
    return [m.to_dict() for m in module_states(graduate, graduate.school)]


@bp.get("/me")
@bp.output(MeOut)
@bp.doc(summary="我的基本信息（图4）", tags=["毕业生"], security="BearerAuth", responses=UNAUTHORIZED)
@token_required
def me() -> dict[str, Any]:
    graduate: Graduate = g.graduate
    return {
        "id": graduate.id,
        "name": graduate.name,
        "confirmed": graduate.confirmed_at is not None,
        "confirmed_at": graduate.confirmed_at,
        "items": [row.__dict__ for row in basic_info_rows(graduate)],
        "notice": NOTICE,
    }


@bp.route("/me", methods=["PUT", "PATCH"])
@bp.doc(summary="修改基本信息（不允许）", tags=["毕业生"], security="BearerAuth",
        description="毕业生不能修改基本信息（L-4），总是返回 403 basic_info_readonly。",
        responses=error_responses(_403="basic_info_readonly：手机号码、电子邮箱在学信网修改，其他信息由学校更正",
                                  _401="未登录"))
@token_required
def me_update() -> None:
    raise Forbidden(MSG_READONLY, code="basic_info_readonly")


@bp.post("/me/confirm")
@bp.output(ConfirmOut)
@bp.doc(summary="信息确认无误，进入系统", tags=["毕业生"], security="BearerAuth",
        description="首次登录核对基本信息后确认（L-3），重复调用无副作用。", responses=UNAUTHORIZED)
@token_required
def me_confirm() -> dict[str, Any]:
    graduate: Graduate = g.graduate
    service.confirm_basic_info(graduate)
    db.session.commit()
    return {"confirmed": True, "confirmed_at": graduate.confirmed_at, "modules": modules_payload(graduate)}


@bp.get("/modules")
@bp.output(ModulesOut)
@bp.doc(summary="功能模块及是否可用", tags=["毕业生"], security="BearerAuth",
        description="五个模块（L-5）；不可用时 reason 说明原因。确认基本信息前全部不可用（L-3）。",
        responses=UNAUTHORIZED)
@token_required
def modules() -> dict[str, Any]:
    graduate: Graduate = g.graduate
    return {"confirmed": graduate.confirmed_at is not None, "modules": modules_payload(graduate)}


@bp.get("/me/message-templates")
@bp.doc(summary="消息提醒：订阅消息模板（wx.requestSubscribeMessage）", tags=["毕业生"], security="BearerAuth",
        description="小程序在用户点击时调用 wx.requestSubscribeMessage({tmplIds})，同意后即可收到签约邀请、"
                    "审核结果、解约申请、信息被修改等提醒（MS-1）。未配置时返回空列表。"
                    "reminders_enabled：平台已收到本人至少同意一个模板（微信的订阅消息事件）；"
                    "following_official_account：本人关注了公众号（可收到模板消息）。",
        responses={**UNAUTHORIZED, 200: {"description": "订阅消息模板", "content": {"application/json": {"schema": {
            "type": "object", "properties": {
                "template_ids": {"type": "array", "items": {"type": "string"}},
                "kinds": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                "reminders_enabled": {"type": "boolean"}, "following_official_account": {"type": "boolean"}}}}}}})
@token_required
def message_templates() -> dict[str, Any]:
    from flask import current_app

    templates = current_app.config["SETTINGS"].message_templates
    kinds: dict[str, list[str]] = {}
    for kind, spec in templates.items():
        kinds.setdefault(spec["template_id"], []).append(kind)
    graduate: Graduate = g.graduate
    return {"template_ids": list(kinds), "kinds": kinds,
            "reminders_enabled": official_account.reminders_enabled(graduate.id, list(kinds)),
            "following_official_account": official_account.follows_official_account(graduate.id)}
