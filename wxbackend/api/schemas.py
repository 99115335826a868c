"""Request and response schemas of the mini-program API; they validate and generate OpenAPI."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length

# --- errors -------------------------------------------------------------------------------


class ErrorBodySchema(Schema):
    code = String(required=True, metadata={"description": "稳定的错误代码，如 basic_info_missing"})
    message = String(required=True, metadata={"description": "给用户看的说明"})
    fields = Dict(keys=String(), values=String(), metadata={"description": "字段 → 错误原因"})


class ErrorSchema(Schema):
    error = Nested(ErrorBodySchema, required=True)


def error_responses(**statuses: str) -> dict[int, Any]:
    """``error_responses(_401="未登录")`` → apiflask ``responses`` with the one error shape."""
    return {
        int(key.lstrip("_")): {"description": text, "content": {"application/json": {"schema": ErrorSchema}}}
        for key, text in statuses.items()
    }


# --- auth ---------------------------------------------------------------------------------


class WxLoginIn(Schema):
    code = String(required=True, validate=Length(1, 128), metadata={"description": "wx.login() 返回的 code"})


class GraduateBriefSchema(Schema):
    id = Integer()
    name = String()
    school = String(metadata={"description": "毕业院校"})
    confirmed = Boolean(metadata={"description": "是否已核对并确认基本信息（L-3）"})


class TokenOut(Schema):
    token = String(required=True, metadata={"description": "Authorization: Bearer 令牌"})
    expires_at = DateTime(required=True)
    graduate = Nested(GraduateBriefSchema, required=True)


class WxLoginOut(Schema):
    bind_required = Boolean(required=True, metadata={"description": "为 true 时需先用账号登录以绑定微信"})
    bind_ticket = String(metadata={"description": "绑定凭证，10 分钟内有效"})
    bind_ticket_expires_at = DateTime()
    bind_method = String(metadata={
        "description": "password：调用 /auth/bind；cas：在 web-view 中打开 bind_url"})
    bind_url = String(metadata={"description": "bind_method 为 cas 时在 web-view 中打开的地址"})
    token = String()
    expires_at = DateTime()
    graduate = Nested(GraduateBriefSchema)


class BindIn(Schema):
    bind_ticket = String(required=True, validate=Length(1, 2000))
    username = String(required=True, validate=Length(1, 64), metadata={"description": "学信网账号"})
    password = String(required=True, validate=Length(1, 128))


class ExchangeIn(Schema):
    code = String(required=True, validate=Length(1, 200),
                  metadata={"description": "学信网登录完成页给出的登录码"})


class LogoutOut(Schema):
    revoked = Boolean(required=True)


# --- me and modules ----------------------------------------------------------------------


class InfoRowSchema(Schema):
    key = String(required=True)
    label = String(required=True, metadata={"description": "图4中的字段名，如 毕业院校"})
    value = String(required=True, metadata={"description": "显示值；空值为 -"})


class MeOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    confirmed = Boolean(required=True)
    confirmed_at = DateTime(allow_none=True)
    items = List(Nested(InfoRowSchema), required=True, metadata={"description": "按图4顺序排列的基本信息"})
    notice = String(metadata={"description": "核对提示"})


class ModuleSchema(Schema):
    key = String(required=True,
                 metadata={"description": "destination/archive/hukou/confirmation/verification"})
    name = String(required=True)
    available = Boolean(required=True)
    reason = String(allow_none=True, metadata={"description": "不可用的原因"})


class ModulesOut(Schema):
    confirmed = Boolean(required=True)
    modules = List(Nested(ModuleSchema), required=True)


class ConfirmOut(Schema):
    confirmed = Boolean(required=True)
    confirmed_at = DateTime(required=True)
    modules = List(Nested(ModuleSchema), required=True)
