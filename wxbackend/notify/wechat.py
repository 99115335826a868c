"""The WeChat channel: mini-program subscribe messages to the graduate's bound openid (MS-1, WX-4).

Each outbox kind maps to a template (``WECHAT_MESSAGE_TEMPLATES``); a kind without one, or a graduate
without a WeChat binding, is ``skipped``. The channel is enabled only when the mini-program and its
templates are configured (``Settings.messages_enabled``); until then its rows stay pending.
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


class WeChatSubscribeTransport(Transport):
    """Sends a row as a subscribe message with the template configured for its kind."""

    channel = WECHAT

    def __init__(self, settings: Settings) -> None:
        self.templates = settings.message_templates
        self._enabled = settings.messages_enabled

    @property
    def enabled(self) -> bool:
        return self._enabled

    def addresses(self, rows: Sequence[NotificationOutbox]) -> Mapping[int, str | None]:
        """The bound openid of each row's graduate: one query for the batch."""
        graduate_ids = {row.graduate_id for row in rows}
        openids: dict[int, str] = {graduate_id: openid for graduate_id, openid in db.session.execute(
            select(WechatBinding.graduate_id, WechatBinding.openid).where(WechatBinding.graduate_id.in_(graduate_ids))
        )}
        return {row.id: openids.get(row.graduate_id) for row in rows}  # type: ignore[arg-type]

    def refuse(self, row: NotificationOutbox, address: str | None) -> str | None:
        if address is None:
            return "未绑定微信"
        if row.kind not in self.templates:
            return f"未配置消息模板（{row.kind}）"
        return None

    def deliver(self, row: NotificationOutbox, address: str) -> Result:
        template = self.templates[row.kind]
        try:
            _client().wxa.send_subscribe_message(address, template["template_id"],
                                                 template_data(row, template["fields"]), page=template.get("page"))
        except WeChatClientException as exc:
            if exc.errcode in PERMANENT:
                reason = f"{exc.errcode} {PERMANENT[exc.errcode]}"
                return skipped(reason) if exc.errcode == 43101 else failed(reason)
            return retry(f"{exc.errcode} {exc.errmsg}")
        except (requests.RequestException, ApiError) as exc:
            return retry(f"{type(exc).__name__}: {exc}")
        return SENT
