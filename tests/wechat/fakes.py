"""A fake WeChat API (official account and mini-program) on 127.0.0.1, driven by the real wechatpy client,
and helpers that sign callback requests the way WeChat does."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlencode

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from tests.http_fakes import FakeHandler, serving

OA_APPID, OA_SECRET = "wxoaappid0001", "oasecret"
MINI_APPID, MINI_SECRET = "wxminiappid", "minisecret"
TOKEN = "callbacktoken"
#: 43 characters, as the official account shows it.
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")


class FakeWeChat:
    """What the fake received; errcodes to answer the next calls with, per path."""

    def __init__(self) -> None:
        self.url = ""
        self.apps = {OA_APPID: OA_SECRET, MINI_APPID: MINI_SECRET}
        #: appid → number of access tokens handed out
        self.tokens_issued: dict[str, int] = {}
        #: valid access tokens → appid
        self.valid: dict[str, str] = {}
        #: path → list of JSON bodies received
        self.posts: dict[str, list[dict[str, Any]]] = {}
        #: path → errcodes to answer the next posts with, in order (then success)
        self.failures: dict[str, list[int]] = {}
        #: official-account openid → unionid, for user/info
        self.unionids: dict[str, str] = {}
        self.lock = threading.Lock()

    def user_info(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("access_token") not in self.valid:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        openid = query.get("openid", "")
        info: dict[str, Any] = {"subscribe": 1, "openid": openid}
        if openid in self.unionids:
            info["unionid"] = self.unionids[openid]
        return info

    def token(self, query: dict[str, str]) -> dict[str, Any]:
        appid = query.get("appid", "")
        if self.apps.get(appid) != query.get("secret"):
            return {"errcode": 40013, "errmsg": "invalid appid"}
        with self.lock:
            self.tokens_issued[appid] = self.tokens_issued.get(appid, 0) + 1
            token = f"TOKEN-{appid}-{self.tokens_issued[appid]}-{secrets.token_hex(4)}"
            self.valid[token] = appid
        return {"access_token": token, "expires_in": 7200}

    def revoke_tokens(self) -> None:
        """Every token handed out so far stops working (as when someone else fetched a new one)."""
        with self.lock:
            self.valid.clear()

    def post(self, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if query.get("access_token") not in self.valid:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        with self.lock:
            queue = self.failures.get(path) or []
            if queue:
                errcode = queue.pop(0)
                return {"errcode": errcode, "errmsg": f"fake failure {errcode}"}
            self.posts.setdefault(path, []).append(body)
        if path == "/cgi-bin/message/template/send":
            return {"errcode": 0, "errmsg": "ok", "msgid": 200228332}
        return {"errcode": 0, "errmsg": "ok"}


def _handler(fake: FakeWeChat) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        def do_GET(self) -> None:  # noqa: N802
            path, query = self.target()
            if path == "/cgi-bin/token":
                self.send_json(fake.token(query))
            elif path == "/cgi-bin/user/info":
                self.send_json(fake.user_info(query))
            else:
                self.send_json({"errcode": 404, "errmsg": "not found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            path, query = self.target()
            self.send_json(fake.post(path, query, self.json_body()))

    return Handler


@pytest.fixture()
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat()
    with serving(_handler(fake)) as url:
        fake.url = url
        yield fake


# --- signing callback requests as WeChat does -------------------------------------------------

def sign(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def signed_query(timestamp: int, nonce: str | None = None, token: str = TOKEN, **extra: str) -> str:
    nonce = nonce or secrets.token_hex(6)
    params = {"signature": sign(token, str(timestamp), nonce), "timestamp": str(timestamp), "nonce": nonce}
    params.update(extra)
    return urlencode(params)


def xml_body(fields: dict[str, Any]) -> str:
    return xmltodict.unparse({"xml": fields}, full_document=False)


def encrypt(plain: str, timestamp: int, nonce: str, as_json: bool) -> tuple[str, str]:
    """The safe-mode envelope of *plain* (XML or JSON) and its msg_signature."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, OA_APPID)
    envelope = xmltodict.parse(crypto.encrypt_message(plain, nonce, str(timestamp)))["xml"]
    if as_json:
        body = json.dumps({"ToUserName": "gh_fake", "Encrypt": envelope["Encrypt"]})
    else:
        body = xml_body({"ToUserName": "gh_fake", "Encrypt": envelope["Encrypt"]})
    return body, envelope["MsgSignature"]


def decrypt_reply(body: str | bytes, as_json: bool) -> str:
    crypto = WeChatCrypto(TOKEN, AES_KEY, OA_APPID)
    if as_json:
        data = json.loads(body)
        return crypto.decrypt_message({"Encrypt": data["Encrypt"]}, data["MsgSignature"], str(data["TimeStamp"]),
                                      data["Nonce"])
    data = xmltodict.parse(body)["xml"]
    return crypto.decrypt_message(body, data["MsgSignature"], data["TimeStamp"], data["Nonce"])
