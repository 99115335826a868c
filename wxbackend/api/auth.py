"""API: mini-program sign-in (§1 way 1) — wx.login code, binding to an account (L-8), tokens."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import String
from apiflask.validators import Length
from flask import current_app, g, request, url_for

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import ApiToken, Graduate
from wxbackend.api import bp
from wxbackend.api.schemas import (
    BindIn,
    LogoutOut,
    TokenOut,
    WxLoginIn,
    WxLoginOut,
    error_responses,
)
from wxbackend.auth import service, tokens, wechat
from wxbackend.auth.identity import InvalidCredentials, LocalProvider
from wxbackend.core import audit
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.ratelimit import client_ip, failed, limiter, login_limit

#: Wrong bind codes tolerated per address and per WeChat identity (six digits are guessable).
BIND_CODE_LIMIT = "5 per 10 minutes"

REFUSALS = {
    "_401": "用户名或密码错误（invalid_credentials）",
    "_403": "无法登录：学校尚未上传基本信息（basic_info_missing，L-1）"
            "或学信网账号未绑定学籍（account_not_bound，L-2）",
}


def graduate_brief(graduate: Graduate) -> dict[str, Any]:
    return {"id": graduate.id, "name": graduate.name, "school": graduate.school.name,
            "confirmed": graduate.confirmed_at is not None}


def token_response(graduate: Graduate) -> dict[str, Any]:
    token, row = service.issue_token(graduate)
    return {"token": token, "expires_at": row.expires_at, "graduate": graduate_brief(graduate)}


@bp.post("/auth/wx-login")
@bp.input(WxLoginIn, arg_name="data")
@bp.output(WxLoginOut)
@bp.doc(summary="小程序登录：wx.login code 换取令牌", tags=["登录"],
        description="微信已绑定毕业生时直接返回 token；否则返回 bind_required 与 10 分钟有效的 bind_ticket，"
                    "用内置账号（/auth/bind）或网页版绑定码（/auth/bind-code）完成绑定（L-8）。",
        responses=error_responses(_400="code 无效或已使用（wx_code_invalid）",
                                  _502="微信服务不可用（wechat_unavailable）",
                                  _503="小程序登录暂未开通（wechat_not_configured）"))
def wx_login(data: dict[str, Any]) -> dict[str, Any]:
    session = wechat.code_to_session(data["code"])
    graduate = service.graduate_for_openid(session.openid)
    if graduate is not None:
        audit.record(actor_for(graduate), "auth.login", graduate, provider="wechat", channel="wx")
        out = {"bind_required": False, **token_response(graduate)}
        db.session.commit()
        return out
    ticket, expires = service.make_bind_ticket(session.openid, session.unionid)
    out = {"bind_required": True, "bind_ticket": ticket, "bind_ticket_expires_at": expires}
    # with 学信网 (CAS) the account is never typed into the mini-program: a code from the web binds it
    out["bind_method"] = "code" if current_app.config["SETTINGS"].IDENTITY_PROVIDER == "cas" else "password"
    out["bind_code_url"] = bind_code_url()
    return out


def bind_code_url() -> str:
    settings = current_app.config["SETTINGS"]
    return settings.PUBLIC_URL.rstrip("/") + url_for("auth.bind_code_page")


class BindCodeIn(Schema):
    bind_ticket = String(required=True, validate=Length(1, 2000))
    code = String(required=True, validate=Length(1, 20),
                  metadata={"description": "网页版“绑定小程序”给出的 6 位绑定码（10 分钟内有效，只能使用一次）"})


def _bind_code_openid_key() -> str:
    """Count wrong codes per WeChat identity too: a new address does not reset them."""
    body = request.get_json(silent=True) or {}
    ticket = body.get("bind_ticket") if isinstance(body, dict) else None
    try:
        openid, _ = service.read_bind_ticket(str(ticket or ""))
    except ApiError:
        openid = "invalid-ticket"
    return f"bindcode:openid:{openid}"


@bp.post("/auth/bind-code")
@bp.input(BindCodeIn, arg_name="data")
@bp.output(TokenOut)
@bp.doc(summary="用网页版绑定码绑定微信", tags=["登录"],
        description="毕业生在网页版（/graduate/，任意浏览器）用学信网账号登录后点“绑定小程序”，得到 10 分钟内有效、"
                    "只能使用一次的 6 位绑定码；小程序把它与 wx-login 的 bind_ticket 一起提交，完成绑定（L-8）并返回 "
                    "token。小程序不经手学信网密码，也无需在 web-view 中打开学信网。",
        responses=error_responses(
            _400="绑定码不正确、已使用或已过期（bind_code_invalid / bind_code_used / bind_code_expired），"
                 "或绑定凭证无效、过期或已使用（bind_ticket_used）",
            _403="毕业生基本信息已删除（basic_info_missing）",
            _409="该毕业生已绑定其他微信（graduate_bound）或该微信已绑定其他毕业生（openid_bound）",
            _429="绑定码错误次数过多（rate_limited），请稍后再试"))
@limiter.limit(BIND_CODE_LIMIT, key_func=lambda: f"bindcode:ip:{client_ip()}", methods=["POST"],
               deduct_when=failed)
@limiter.limit(BIND_CODE_LIMIT, key_func=_bind_code_openid_key, methods=["POST"], deduct_when=failed)
def bind_code(data: dict[str, Any]) -> dict[str, Any]:
    openid, unionid = service.read_bind_ticket(data["bind_ticket"])
    graduate = service.redeem_bind_code(data["code"])
    service.spend_bind_ticket(data["bind_ticket"])
    service.bind_wechat(graduate, openid, unionid)
    audit.record(actor_for(graduate), "auth.login", graduate, provider="bind_code", channel="wx")
    out = token_response(graduate)
    db.session.commit()
    return out


@bp.post("/auth/bind")
@bp.input(BindIn, arg_name="data")
@bp.output(TokenOut)
@bp.doc(summary="账号登录并绑定微信", tags=["登录"],
        description="用账号密码登录一次，把微信绑定到该毕业生（L-8），返回 token。",
        responses=error_responses(
            _400="绑定凭证无效、过期或已使用（bind_ticket_used），或当前平台需使用学信网登录（bind_method_cas）",
            _409="该毕业生已绑定其他微信（graduate_bound）或该微信已绑定其他毕业生（openid_bound）",
            _429="登录失败次数过多（rate_limited），请稍后再试", **REFUSALS))
@login_limit()
def bind(data: dict[str, Any]) -> dict[str, Any]:
    if current_app.config["SETTINGS"].IDENTITY_PROVIDER != "local":
        raise ApiError("bind_method_cas", "请在网页版用学信网账号登录后点“绑定小程序”，用绑定码完成绑定")
    openid, unionid = service.read_bind_ticket(data["bind_ticket"])
    try:
        identity = LocalProvider().authenticate(data["username"], data["password"])
    except InvalidCredentials as exc:
        service.record_failed_login("local", data["username"], "wx", exc.code)
        raise
    graduate = service.login_identity(identity, channel="wx")
    service.spend_bind_ticket(data["bind_ticket"])
    service.bind_wechat(graduate, openid, unionid)
    out = token_response(graduate)
    db.session.commit()
    return out


@bp.post("/auth/logout")
@bp.output(LogoutOut)
@bp.doc(summary="退出登录（注销令牌）", tags=["登录"], security="BearerAuth",
        responses=error_responses(_401="未登录或令牌无效"))
@tokens.token_required
def logout() -> dict[str, Any]:
    graduate: Graduate = g.graduate
    api_token: ApiToken = g.api_token
    revoked = tokens.revoke(tokens.bearer() or "")
    audit.record(actor_for(graduate), "auth.logout", graduate, token_id=api_token.id, channel="wx")
    db.session.commit()
    return {"revoked": revoked}
