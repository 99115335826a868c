"""Settings for the official account against the fake WeChat server; a helper that talks like WeChat."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from typing import Any

import pytest
import xmltodict

from tests.wechat.fakes import (
    AES_KEY,
    MINI_APPID,
    MINI_SECRET,
    OA_APPID,
    OA_SECRET,
    TOKEN,
    FakeWeChat,
    decrypt_reply,
    encrypt,
    fake_wechat,  # noqa: F401
    signed_query,
    xml_body,
)

#: Where the XML form nests a subscribe-message event's List.
CONTAINERS = {
    "subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
    "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
    "subscribe_msg_sent_event": "SubscribeMsgSentEvent",
}


@pytest.fixture(params=["plain", "safe"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture()
def oa_settings(fake_wechat: FakeWeChat) -> dict[str, Any]:  # noqa: F811
    return {"WECHAT_API_ORIGIN": fake_wechat.url, "WECHAT_APPID": OA_APPID, "WECHAT_SECRET": OA_SECRET,
            "WECHAT_MINI_APPID": MINI_APPID, "WECHAT_MINI_SECRET": MINI_SECRET, "WECHAT_TOKEN": TOKEN,
            "PUBLIC_URL": "https://job.example.edu.cn"}


class WeChatSide:
    """Sends callback requests as WeChat does: signed, in plain or safe mode, as XML or JSON."""

    _clock = itertools.count(1)

    def __init__(self, client: Any, mode: str, fmt: str) -> None:
        self.client, self.mode, self.fmt = client, mode, fmt

    @property
    def as_json(self) -> bool:
        return self.fmt == "json"

    def message(self, msg_type: str, openid: str = "oa-openid-1", **fields: Any) -> dict[str, Any]:
        base = {"ToUserName": "gh_fake", "FromUserName": openid,
                "CreateTime": int(time.time()) + next(self._clock), "MsgType": msg_type}
        base.update(fields)
        return base

    def event(self, event: str, openid: str = "oa-openid-1", items: list[dict[str, Any]] | dict[str, Any] | None = None,
              **fields: Any) -> dict[str, Any]:
        msg = self.message("event", openid, Event=event, **fields)
        if items is not None:
            if self.as_json:
                msg["List"] = items
            else:
                msg[CONTAINERS[event]] = {"List": items}
        return msg

    def body(self, message: dict[str, Any]) -> str:
        return json.dumps(message, ensure_ascii=False) if self.as_json else xml_body(message)

    def post(self, message: dict[str, Any], *, timestamp: int | None = None, nonce: str | None = None,
             query: str | None = None) -> Any:
        timestamp = timestamp or int(time.time())
        nonce = nonce or secrets.token_hex(6)
        body = self.body(message)
        if self.mode == "safe":
            body, msg_signature = encrypt(body, timestamp, nonce, self.as_json)
            query = query or signed_query(timestamp, nonce, encrypt_type="aes", msg_signature=msg_signature)
        else:
            query = query or signed_query(timestamp, nonce)
        content_type = "application/json" if self.as_json else "text/xml"
        return self.client.post(f"/wechat/callback?{query}", data=body.encode(), content_type=content_type)

    def reply(self, response: Any) -> dict[str, Any]:
        """The reply's fields, decrypted in safe mode."""
        text = response.get_data(as_text=True)
        if self.mode == "safe":
            text = decrypt_reply(text, self.as_json)
        return json.loads(text) if self.as_json else xmltodict.parse(text)["xml"]


@pytest.fixture(params=["xml", "json"])
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture()
def settings_overrides(oa_settings: dict[str, Any], mode: str) -> dict[str, Any]:
    return {**oa_settings, "WECHAT_ENCODING_AES_KEY": AES_KEY if mode == "safe" else ""}


@pytest.fixture()
def wechat(client: Any, mode: str, fmt: str) -> WeChatSide:
    return WeChatSide(client, mode, fmt)
