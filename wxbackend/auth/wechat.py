"""WeChat clients (mini-program and official account) and ``wx.login`` code → openid (code2session).

One access-token owner (WX-4): every wechatpy client is built by :func:`wechat_client`, which keeps
the access token in Redis (wechatpy's ``RedisStorage``, key ``wechatpy:<appid>_access_token``) when
``REDIS_URL`` is configured, so web, workers and scheduler share one token — fetching a new one
invalidates the old one after a few minutes. Without Redis the token lives in the client's memory,
one per process (the embedded default runs one process).

wechatpy hard-codes ``https://api.weixin.qq.com`` in places (the access-token URL among
them). When ``WECHAT_API_ORIGIN`` names another origin (a gateway, or a fake server in
tests) a transport adapter on the client's HTTP session sends every request there.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from wxbackend.config import Settings
from wxbackend.core.errors import ApiError

log = logging.getLogger(__name__)

WECHAT_ORIGIN = "https://api.weixin.qq.com"
_lock = threading.Lock()


class RewriteOriginAdapter(HTTPAdapter):
    """Send requests for ``https://api.weixin.qq.com/...`` to another origin, path kept."""

    def __init__(self, origin: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.origin = origin.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(WECHAT_ORIGIN):
            request.url = self.origin + request.url[len(WECHAT_ORIGIN):]
        return super().send(request, **kwargs)


_redis_clients: dict[str, Any] = {}
_redis_lock = threading.Lock()


def shared_redis(url: str) -> Any:
    """One Redis client (and connection pool) per URL for the whole process, whatever app asks."""
    client = _redis_clients.get(url)
    if client is None:
        from redis import Redis

        with _redis_lock:  # not _lock: a client is built while _cached holds that one
            client = _redis_clients.setdefault(url, Redis.from_url(url))
    return client


def wechat_client(settings: Settings, appid: str, secret: str, *, auto_retry: bool = True) -> WeChatClient:
    """The one way a wechatpy client is built: token storage shared through Redis when configured."""
    storage = None
    if settings.REDIS_URL:
        from wechatpy.session.redisstorage import RedisStorage

        storage = RedisStorage(shared_redis(settings.REDIS_URL), prefix="wechatpy")
    client = WeChatClient(appid, secret, session=storage, timeout=10, auto_retry=auto_retry)
    origin = settings.WECHAT_API_ORIGIN.rstrip("/")
    if origin != WECHAT_ORIGIN:
        client._http.mount(WECHAT_ORIGIN + "/", RewriteOriginAdapter(origin))
    return client


def build_client(settings: Settings) -> WeChatClient:
    """A wechatpy client for the mini-program app."""
    if not settings.WECHAT_MINI_APPID or not settings.WECHAT_MINI_SECRET:
        raise ApiError("wechat_not_configured", "小程序登录暂未开通，请使用学信网账号登录", status=503)
    return wechat_client(settings, settings.WECHAT_MINI_APPID, settings.WECHAT_MINI_SECRET)


def build_oa_client(settings: Settings) -> WeChatClient:
    """A wechatpy client for the official account (menu, template messages, user info).

    wechatpy's own retry on 40001/42001 is off: it would loop for as long as WeChat refuses the token;
    callers refresh the token once and retry once themselves (:func:`call_with_fresh_token`).
    """
    if not settings.oa_configured:
        raise ApiError("wechat_not_configured", "公众号未配置（WECHAT_APPID / WECHAT_SECRET）", status=503)
    return wechat_client(settings, settings.WECHAT_APPID, settings.WECHAT_SECRET, auto_retry=False)


#: Errors that mean the access token was refused: refresh it once and retry once.
TOKEN_ERRORS = (40001, 40014, 42001)


def call_with_fresh_token(client: WeChatClient, call: Any) -> Any:
    """``call(client)``; when WeChat refuses the access token, fetch a new one and call once more."""
    try:
        return call(client)
    except WeChatClientException as exc:
        if exc.errcode not in TOKEN_ERRORS:
            raise
        log.info("WeChat refused the access token (%s); fetching a new one", exc.errcode)
        client.fetch_access_token()
        return call(client)


def _cached(app: Flask | None, key: str, build: Any) -> WeChatClient:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get(key)
    if client is None:
        with _lock:
            client = app.extensions.get(key)
            if client is None:
                client = build(app.config["SETTINGS"])
                app.extensions[key] = client
    return client


def mini_client(app: Flask | None = None) -> WeChatClient:
    """The app's mini-program client, built once."""
    return _cached(app, "wx_mini_client", build_client)


def oa_client(app: Flask | None = None) -> WeChatClient:
    """The app's official-account client, built once."""
    return _cached(app, "wx_oa_client", build_oa_client)


@dataclass(frozen=True)
class WxSession:
    openid: str
    unionid: str | None
    #: Only held in memory for the request; never stored.
    session_key: str


#: WeChat errcode → (our code, message, HTTP status).
_ERRORS = {
    40029: ("wx_code_invalid", "微信登录凭证无效，请重新进入小程序登录", 400),
    40163: ("wx_code_invalid", "微信登录凭证已被使用，请重新进入小程序登录", 400),
    40226: ("wx_user_blocked", "该微信用户已被微信限制登录", 403),
    45011: ("wx_rate_limited", "微信登录过于频繁，请稍后再试", 429),
    -1: ("wechat_unavailable", "微信服务繁忙，请稍后再试", 502),
}


def code_to_session(code: str) -> WxSession:
    """Exchange a ``wx.login`` code for the user's openid (and unionid when the app has one)."""
    code = (code or "").strip()
    if not code:
        raise ApiError("invalid", "缺少微信登录凭证 code", {"code": "必填"})
    try:
        result = mini_client().wxa.code_to_session(code)
    except WeChatClientException as exc:
        errcode = exc.errcode
        if errcode in _ERRORS:
            our_code, message, status = _ERRORS[errcode]
        else:
            log.warning("code2session failed: errcode=%s errmsg=%s", errcode, exc.errmsg)
            our_code, message, status = "wechat_error", f"微信登录失败（错误码 {errcode}），请稍后再试", 502
        raise ApiError(our_code, message, status=status) from None
    except requests.RequestException:
        log.exception("WeChat API unreachable")
        raise ApiError("wechat_unavailable", "微信服务暂时无法访问，请稍后再试", status=502) from None
    openid = result.get("openid") if isinstance(result, dict) else None
    if not openid:
        raise ApiError("wechat_error", "微信登录失败：未返回用户标识", status=502)
    return WxSession(openid=openid, unionid=result.get("unionid") or None,
                     session_key=result.get("session_key", ""))
