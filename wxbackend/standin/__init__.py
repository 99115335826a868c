"""A local stand-in for the WeChat endpoints the platform calls, for the embedded default (``make run``).

Mounted under ``/_wechat/`` when no real WeChat setting is present (``WECHAT_STANDIN=auto``, the
default) or on request (``on``); never beside real settings (``Settings.validate`` refuses). The app
then points ``WECHAT_API_ORIGIN`` and ``WECHAT_OAUTH_URL`` here and uses the demo appids below, so
the real wechatpy clients run unchanged: the official account's OAuth (with a page that asks which
demo WeChat identity to sign in as), ``jscode2session`` for the mini-program in WeChat DevTools, the
access token, and template / subscribe messages and the menu, which are only logged.
"""

from __future__ import annotations

import dataclasses
import logging

from wxbackend.config import Settings
from wxbackend.standin.wechat import (
    IDENTITIES,
    MINI_APPID,
    MINI_SECRET,
    OA_APPID,
    OA_SECRET,
    PREFIX,
    StandinIdentity,
    bp,
    identity,
)

__all__ = ["IDENTITIES", "StandinIdentity", "apply", "bp", "identity", "init_app", "is_active", "describe"]

log = logging.getLogger(__name__)


def apply(settings: Settings) -> Settings:
    """The settings with the stand-in wired in, when it is wanted; else *settings* unchanged."""
    if not settings.standin_wanted:
        return settings
    base = settings.PUBLIC_URL.rstrip("/") + PREFIX
    return dataclasses.replace(
        settings,
        WECHAT_APPID=OA_APPID, WECHAT_SECRET=OA_SECRET, WECHAT_MINI_APPID=MINI_APPID, WECHAT_MINI_SECRET=MINI_SECRET,
        WECHAT_API_ORIGIN=base, WECHAT_OAUTH_URL=base + "/connect/oauth2/authorize",
        extra={**settings.extra, "wechat_standin": True},
    )


def is_active(settings: Settings) -> bool:
    return bool(settings.extra.get("wechat_standin"))


def describe(settings: Settings) -> str:
    """The start-up line that says which WeChat this app talks to."""
    if is_active(settings):
        return (f"使用本地微信模拟服务（{settings.WECHAT_API_ORIGIN}/）：未配置真实的微信公众号/小程序参数，"
                f"演示公众号 appid {OA_APPID}，演示小程序 appid {MINI_APPID}")
    if settings.real_wechat:
        return (f"使用真实微信接口 {settings.WECHAT_API_ORIGIN}（公众号 {settings.WECHAT_APPID or '未配置'}，"
                f"小程序 {settings.WECHAT_MINI_APPID or '未配置'}）")
    return "未配置微信（WECHAT_STANDIN=off）：微信登录与消息不可用"


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    """Mount the stand-in when the settings wired it in, and say at start-up which WeChat is in use."""
    settings: Settings = app.config["SETTINGS"]
    if is_active(settings):
        from wxbackend.auth.principals import csrf

        csrf.exempt(bp)
        app.config.setdefault("WECHAT_STANDIN_REDIRECT_ORIGIN", settings.PUBLIC_URL)
        app.register_blueprint(bp, url_prefix=PREFIX)
    log.info("%s", describe(settings))
