"""The WeChat channel (MS-1, WX-4): mini-program subscribe messages or official-account template messages.

``WECHAT_MESSAGE_CHANNEL`` chooses: ``subscribe`` (default) sends each kind with its template of
``WECHAT_MESSAGE_TEMPLATES`` to the binding's mini-program openid; ``template`` sends it with its template
of ``WECHAT_OA_TEMPLATES`` to the graduate's official-account openid (the binding's ``oa_openid``, or a
follower with the binding's unionid); ``both`` prefers the template message and falls back to the
subscribe message. A kind without a template, or a graduate without a WeChat binding, is ``skipped``.
The channel is enabled only when one of the ways is configured (``Settings.messages_enabled``); until
then its rows stay pending.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from wxbackend.accounts.models import WechatBinding
from wxbackend.config import Settings
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.notify.models import WECHAT, NotificationOutbox
from wxbackend.notify.sender import SENT, Result, Transport, failed, retry, skipped

#: WeChat errors that will not get better by retrying: the user refused or unsubscribed (43101),
#: the openid is not this app's (40003), the template or its data is wrong (40037, 47003).
PERMANENT = {43101: "用户未订阅或已拒收", 40003: "openid 无效", 40037: "模板 ID 无效", 47003: "模板参数不正确"}
#: Limits of subscribe-message values by key prefix (WeChat's rules).
LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32}


def template_data(row: NotificationOutbox, fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """``{"thing1": {"value": …}, …}`` from the row: each template key names its source.

    Sources: ``title``, ``body``, ``created_at`` (time), ``text:<literal>``, or ``data.<key>``.
    Values are cut to WeChat's limit for the key's type (``thing`` ≤ 20 characters, …).
    """
    out: dict[str, dict[str, str]] = {}
    for key, source in fields.items():
        if source == "title":
            value = row.title
        elif source == "body":
            value = row.body
        elif source == "created_at":
            value = timeutil.fmt(row.created_at, with_seconds=False)
        elif source.startswith("text:"):
            value = source[5:]
        elif source.startswith("data."):
            value = str((row.data or {}).get(source[5:], ""))
        else:
            value = ""
        limit = next((n for prefix, n in LIMITS.items() if key.startswith(prefix)), None)
        if limit and len(value) > limit:
            value = value[: limit - 1] + "…"
        out[key] = {"value": value or "-"}
    return out


def _client() -> Any:
    """The mini-program's wechatpy client (built once per app; access token shared through Redis)."""
    from wxbackend.auth.wechat import mini_client

    return mini_client()


def _oa_client() -> Any:
    from wxbackend.auth.wechat import oa_client

    return oa_client()


#: Official-account template-message errors: the user does not follow the account (43004), the openid
#: is not this account's (40003), the template or its data is wrong (40037, 47003).
OA_PERMANENT = {43004: "用户未关注公众号", 40003: "openid 无效", 40037: "模板 ID 无效", 47003: "模板参数不正确"}
SUBSCRIBE, TEMPLATE = "mini:", "oa:"
#: A bound graduate no configured way reaches (template-only, and no official-account openid).
NO_WAY = "none"


def _fill(pattern: str, row: NotificationOutbox) -> str:
    """``pages/record/record?kind={kind}&id={subject_id}`` with the row's data; missing keys are empty."""
    data = {k: "" if v is None else v for k, v in (row.data or {}).items()}
    return pattern.format_map(_Missing(data))


class _Missing(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


class WeChatSubscribeTransport(Transport):
    """Sends a row over WeChat (MS-1, WX-4): as a mini-program subscribe message, an official-account
    template message, or — with ``WECHAT_MESSAGE_CHANNEL=both`` — a template message when the graduate
    can get one and a subscribe message otherwise.

    The address of a row says which: ``oa:<official-account openid>`` or ``mini:<mini-program openid>``.
    """

    channel = WECHAT

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.templates = settings.message_templates if settings.subscribe_messages_enabled else {}
        self.oa_templates = settings.oa_templates if settings.template_messages_enabled else {}
        self._enabled = settings.messages_enabled

    @property
    def enabled(self) -> bool:
        return self._enabled

    def addresses(self, rows: Sequence[NotificationOutbox]) -> Mapping[int, str | None]:
        """Where each row goes: one query for the mini-program openids, one for the official account's."""
        graduate_ids = {row.graduate_id for row in rows if row.graduate_id is not None}
        bound: dict[int, str | None] = {graduate_id: openid for graduate_id, openid in db.session.execute(
            select(WechatBinding.graduate_id, WechatBinding.openid).where(WechatBinding.graduate_id.in_(graduate_ids)))}
        mini = {gid: openid for gid, openid in bound.items() if openid} if self.templates else {}
        oa: dict[int, str] = {}
        if self.oa_templates:
            from wxbackend.notify.official_account import oa_openids

            oa = oa_openids(graduate_ids)
        out: dict[int, str | None] = {}
        for row in rows:
            gid = row.graduate_id
            if gid in oa and row.kind in self.oa_templates:
                out[row.id] = TEMPLATE + oa[gid]
            elif gid in mini and row.kind in self.templates:
                out[row.id] = SUBSCRIBE + mini[gid]
            elif gid in oa or gid in mini:
                out[row.id] = ""  # bound, but no template for this kind on its ways
            elif gid in bound:
                out[row.id] = NO_WAY
            else:
                out[row.id] = None
        return out

    def refuse(self, row: NotificationOutbox, address: str | None) -> str | None:
        if address is None:
            return "未绑定微信"
        if address == NO_WAY:
            if not self.templates:
                return "未关注公众号，无法发送模板消息"
            return "未绑定小程序，无法发送订阅消息" if not self.oa_templates else "未绑定小程序，也未关注公众号"
        if not address:
            return f"未配置消息模板（{row.kind}）"
        return None

    def deliver(self, row: NotificationOutbox, address: str) -> Result:
        if address.startswith(TEMPLATE):
            return self._send_template(row, address[len(TEMPLATE):])
        openid = address[len(SUBSCRIBE):]
        template = self.templates[row.kind]
        try:
            _client().wxa.send_subscribe_message(openid, template["template_id"],
                                                 template_data(row, template["fields"]), page=template.get("page"))
        except WeChatClientException as exc:
            if exc.errcode in PERMANENT:
                reason = f"{exc.errcode} {PERMANENT[exc.errcode]}"
                return skipped(reason) if exc.errcode == 43101 else failed(reason)
            return retry(f"{exc.errcode} {exc.errmsg}")
        except (requests.RequestException, ApiError) as exc:
            return retry(f"{type(exc).__name__}: {exc}")
        return SENT

    def _send_template(self, row: NotificationOutbox, openid: str) -> Result:
        """One official-account template message, opening the mini-program page (or the mobile web page)."""
        from wxbackend.auth.wechat import call_with_fresh_token

        template = self.oa_templates[row.kind]
        mini_program = None
        page = template.get("pages", {}).get(str((row.data or {}).get("kind", ""))) or template.get("page")
        if page and self.settings.WECHAT_MINI_APPID:
            mini_program = {"appid": self.settings.WECHAT_MINI_APPID, "pagepath": _fill(page, row)}
        url = None
        if template.get("url"):
            url = self.settings.PUBLIC_URL.rstrip("/") + _fill(template["url"], row)
        data = template_data(row, template["fields"])
        try:
            call_with_fresh_token(_oa_client(), lambda client: client.message.send_template(
                openid, template["template_id"], data, url=url, mini_program=mini_program))
        except WeChatClientException as exc:
            if exc.errcode in OA_PERMANENT:
                reason = f"{exc.errcode} {OA_PERMANENT[exc.errcode]}"
                if exc.errcode == 43004:
                    from wxbackend.notify.official_account import mark_not_following

                    mark_not_following(openid, timeutil.now())
                    return skipped(reason)
                return failed(reason)
            return retry(f"{exc.errcode} {exc.errmsg}")
        except (requests.RequestException, ApiError) as exc:
            return retry(f"{type(exc).__name__}: {exc}")
        return SENT
