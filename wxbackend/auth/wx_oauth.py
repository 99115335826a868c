"""Pages opened inside WeChat: the official account's web OAuth (snsapi_base) → an openid (WX-3).

- :func:`authorize_url`: where to send the browser; ``state`` is signed, short-lived and carries a
  nonce that the web layer also keeps in the browser's session, so a state is good for one
  browser, once.
- :func:`read_state`: check all of that; a state is spent by claiming its nonce (``core.once``).
- :func:`exchange_code`: a code works once — its hash is claimed before WeChat is asked, so a
  replayed code is refused here even if WeChat would answer.
- pending binds: an identity that is not bound yet waits (signed, 10 minutes) until the graduate
  signs in with their CHSI account, then :func:`wxbackend.auth.service.bind_wechat` binds it (L-8).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from wxbackend.auth.wechat import WECHAT_ORIGIN, RewriteOriginAdapter
from wxbackend.config import Settings
from wxbackend.core import once
from wxbackend.core import tokens as signed
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError

log = logging.getLogger(__name__)

STATE_PURPOSE = "wx-oauth-state"
PENDING_PURPOSE = "wx-oauth-pending"
#: WeChat's own codes live 5 minutes; a state older than that cannot meet a fresh code.
STATE_SECONDS = 300
PENDING_SECONDS = 600
WECHAT_OAUTH_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"

MSG_RETRY = "微信授权登录未完成，请使用学信网账号登录"


def is_wechat_browser(user_agent: str | None) -> bool:
    """WeChat's built-in browser says MicroMessenger in its User-Agent (the mini-program's web-view too)."""
    return "micromessenger" in (user_agent or "").lower()


def _oauth(settings: Settings, redirect_uri: str = "", state: str = "") -> WeChatOAuth:
    if not settings.official_account_enabled:
        raise ApiError("wechat_not_configured", "公众号网页授权暂未开通，请使用学信网账号登录", status=503)
    oauth = WeChatOAuth(settings.WECHAT_APPID, settings.WECHAT_SECRET, redirect_uri, scope="snsapi_base",
                        state=state)
    origin = settings.WECHAT_API_ORIGIN.rstrip("/")
    if origin != WECHAT_ORIGIN:
        oauth._http.mount(WECHAT_ORIGIN + "/", RewriteOriginAdapter(origin))
    return oauth


def _settings() -> Settings:
    return current_app.config["SETTINGS"]  # type: ignore[no-any-return]


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def authorize_url(redirect_uri: str, nonce: str, next_url: str) -> str:
    """The official account's authorize page for this browser (whose session keeps *nonce*)."""
    settings = _settings()
    state = signed.dumps(STATE_PURPOSE, {"n": nonce, "next": next_url})
    url = _oauth(settings, redirect_uri, state).authorize_url
    if settings.WECHAT_OAUTH_URL != WECHAT_OAUTH_URL:
        url = settings.WECHAT_OAUTH_URL + url[len(WECHAT_OAUTH_URL):]
    return url


def read_state(state: str, session_nonce: str | None) -> str:
    """The ``next`` page of a genuine, fresh, unspent state made for this browser; spend it."""
    try:
        data = signed.verify(STATE_PURPOSE, state, max_age=STATE_SECONDS)
    except signed.ExpiredToken:
        raise ApiError("wx_state_expired", "微信授权已超时，请重新打开页面") from None
    except signed.InvalidToken:
        raise ApiError("wx_state_invalid", "微信授权参数无效，请重新打开页面") from None
    if not isinstance(data, dict) or not session_nonce or not secrets.compare_digest(
            str(data.get("n", "")), session_nonce):
        raise ApiError("wx_state_invalid", "微信授权参数无效，请重新打开页面")
    try:
        once.claim(STATE_PURPOSE, hashlib.sha256(session_nonce.encode()).hexdigest())
    except once.AlreadySubmitted:
        raise ApiError("wx_state_used", "微信授权已使用过，请重新打开页面") from None
    return str(data.get("next") or "")


#: WeChat errcode → (our code, message).
_ERRORS = {
    40029: ("wx_code_invalid", "微信授权码无效，请重新打开页面"),
    40163: ("wx_code_used", "微信授权码已使用过，请重新打开页面"),
    41008: ("wx_code_invalid", "缺少微信授权码，请重新打开页面"),
    42003: ("wx_code_expired", "微信授权码已过期，请重新打开页面"),
}


@dataclass(frozen=True)
class OaIdentity:
    """Who WeChat says opened the page: the openid under the official account, and the unionid."""

    oa_openid: str
    unionid: str | None


def exchange_code(code: str) -> OaIdentity:
    """Spend *code* (once, whatever WeChat says) and return the identity it stands for.

    The claim on the code is committed before WeChat is asked, so a failure later in the request
    cannot make the code usable again.
    """
    code = (code or "").strip()
    if not code or len(code) > 512:
        raise ApiError("wx_code_invalid", "缺少微信授权码，请重新打开页面")
    try:
        once.claim("wx-oauth-code", hashlib.sha256(code.encode()).hexdigest())
    except once.AlreadySubmitted:
        raise ApiError("wx_code_used", "微信授权码已使用过，请重新打开页面") from None
    db.session.commit()
    try:
        result: dict[str, Any] = _oauth(_settings()).fetch_access_token(code)
    except WeChatOAuthException as exc:
        if exc.errcode in _ERRORS:
            our_code, message = _ERRORS[exc.errcode]
        else:
            log.warning("OAuth code exchange failed: errcode=%s errmsg=%s", exc.errcode, exc.errmsg)
            our_code, message = "wechat_error", f"微信授权失败（错误码 {exc.errcode}），请使用学信网账号登录"
        raise ApiError(our_code, message, status=400) from None
    except requests.RequestException:
        log.exception("WeChat OAuth unreachable")
        raise ApiError("wechat_unavailable", "微信服务暂时无法访问，请使用学信网账号登录", status=502) from None
    openid = result.get("openid")
    if not openid:
        raise ApiError("wechat_error", "微信授权失败：未返回用户标识", status=502)
    return OaIdentity(oa_openid=str(openid), unionid=result.get("unionid") or None)


def make_pending(identity: OaIdentity, next_url: str) -> str:
    """A signed note that this browser's WeChat identity waits to be bound after the CHSI sign-in."""
    return signed.dumps(PENDING_PURPOSE, {"o": identity.oa_openid, "u": identity.unionid, "next": next_url})


def read_pending(token: str) -> tuple[OaIdentity, str] | None:
    """(identity, next page) of a fresh pending note, or None (expired or not genuine)."""
    data = signed.loads(PENDING_PURPOSE, token, max_age=PENDING_SECONDS)
    if not isinstance(data, dict) or not data.get("o"):
        return None
    return OaIdentity(str(data["o"]), data.get("u") or None), str(data.get("next") or "")
