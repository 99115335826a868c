"""Fake CHSI CAS and WeChat API servers on 127.0.0.1, driven over real HTTP by python-cas and wechatpy."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from xml.sax.saxutils import escape

import pytest

from tests.http_fakes import FakeHandler, serving

CAS_NS = "http://www.yale.edu/tp/cas"


class FakeServer:
    """State of both fakes; tests register CAS users and wx.login codes on it."""

    def __init__(self) -> None:
        self.url = ""
        #: CAS username → attributes (idNumber, name, mobile, email)
        self.cas_users: dict[str, dict[str, str]] = {}
        #: service ticket → (username, service); removed when validated (single use)
        self.tickets: dict[str, tuple[str, str]] = {}
        #: wx.login code → (openid, unionid or None); removed when used
        self.wx_codes: dict[str, tuple[str, str | None]] = {}
        self.appid = "wxminiappid"
        self.secret = "minisecret"
        self.requests: list[str] = []
        #: subscribe messages received (POST /cgi-bin/message/subscribe/send bodies)
        self.messages: list[dict[str, Any]] = []
        #: errcodes to answer the next sends with, in order (then success)
        self.message_failures: list[int] = []
        self.lock = threading.Lock()

    def add_cas_user(self, username: str, **attributes: str) -> None:
        self.cas_users[username] = attributes

    def issue_ticket(self, username: str, service: str) -> str:
        ticket = "ST-" + secrets.token_hex(8)
        with self.lock:
            self.tickets[ticket] = (username, service)
        return ticket

    def add_wx_code(self, code: str, openid: str, unionid: str | None = None) -> None:
        self.wx_codes[code] = (openid, unionid)

    # --- CAS -----------------------------------------------------------------------------

    def cas_login(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        service = query.get("service", "")
        username = query.get("username", "")
        if username not in self.cas_users or not service:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, "<form>学信网登录</form>".encode()
        ticket = self.issue_ticket(username, service)
        sep = "&" if "?" in service else "?"
        return 302, {"Location": f"{service}{sep}ticket={ticket}"}, b""

    def service_validate(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        ticket, service = query.get("ticket", ""), query.get("service", "")
        with self.lock:
            entry = self.tickets.pop(ticket, None)
        if entry is None or entry[1] != service:
            body = (f'<cas:serviceResponse xmlns:cas="{CAS_NS}">'
                    '<cas:authenticationFailure code="INVALID_TICKET">'
                    f"Ticket {escape(ticket)} not recognized</cas:authenticationFailure>"
                    "</cas:serviceResponse>")
        else:
            username = entry[0]
            attrs = "".join(f"<cas:{k}>{escape(v)}</cas:{k}>" for k, v in self.cas_users[username].items())
            body = (f'<cas:serviceResponse xmlns:cas="{CAS_NS}"><cas:authenticationSuccess>'
                    f"<cas:user>{escape(username)}</cas:user><cas:attributes>{attrs}</cas:attributes>"
                    "</cas:authenticationSuccess></cas:serviceResponse>")
        return 200, {"Content-Type": "application/xml; charset=utf-8"}, body.encode()

    # --- WeChat ---------------------------------------------------------------------------

    def wx_token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        return {"access_token": "FAKE_ACCESS_TOKEN", "expires_in": 7200}

    def wx_jscode2session(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        with self.lock:
            entry = self.wx_codes.pop(query.get("js_code", ""), None)
        if entry is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        out = {"openid": entry[0], "session_key": secrets.token_urlsafe(16)}
        if entry[1]:
            out["unionid"] = entry[1]
        return out


    def wx_subscribe_send(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if query.get("access_token") != "FAKE_ACCESS_TOKEN":
            return {"errcode": 40001, "errmsg": "invalid credential"}
        with self.lock:
            if self.message_failures:
                errcode = self.message_failures.pop(0)
                return {"errcode": errcode, "errmsg": f"fake failure {errcode}"}
            self.messages.append(body)
        return {"errcode": 0, "errmsg": "ok"}


def _handler(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        def do_POST(self) -> None:  # noqa: N802
            path, query = self.target()
            body = self.json_body()
            fake.requests.append(path)
            if path == "/cgi-bin/message/subscribe/send":
                self.send_json(fake.wx_subscribe_send(query, body))
            else:
                self.send_body(404, {"Content-Type": "text/plain"}, b"not found")

        def do_GET(self) -> None:  # noqa: N802
            path, query = self.target()
            fake.requests.append(path)
            if path == "/cas/login":
                self.send_body(*fake.cas_login(query))
            elif path == "/cas/serviceValidate":
                self.send_body(*fake.service_validate(query))
            elif path == "/cgi-bin/token":
                self.send_json(fake.wx_token(query))
            elif path == "/sns/jscode2session":
                self.send_json(fake.wx_jscode2session(query))
            else:
                self.send_body(404, {"Content-Type": "text/plain"}, b"not found")

    return Handler


@pytest.fixture()
def fake_server() -> Iterator[FakeServer]:
    """Both fakes on one random port: CAS under /cas/, WeChat at the root."""
    fake = FakeServer()
    with serving(_handler(fake)) as url:
        fake.url = url
        yield fake
