"""Fake SMS services on 127.0.0.1 — a JSON gateway and an Aliyun Dysms endpoint — driven over real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, quote

import pytest

from tests.http_fakes import FakeHandler, serving


class FakeSmsGateway:
    """What the gateway received, and the HTTP statuses to answer the next posts with."""

    path = "/sms/send"

    def __init__(self) -> None:
        self.url = ""
        #: ``{"headers": {...}, "json": {...}}`` of every post, in order.
        self.posts: list[dict[str, Any]] = []
        #: statuses to answer the next posts with, in order (then 200)
        self.statuses: list[int] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return self.url + self.path

    def answer(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.posts.append({"headers": headers, "json": body})
            status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            return status, {"code": "OK", "message_id": body.get("message_id")}
        return status, {"code": "ERROR", "message": f"fake failure {status}"}


def _handler(fake: FakeSmsGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.json_body()
            if self.path != fake.path:
                self.send_json({"code": "NOT_FOUND"}, 404)
                return
            status, data = fake.answer(dict(self.headers), body)
            self.send_json(data, status)

    return Handler


@pytest.fixture()
def sms_gateway() -> Iterator[FakeSmsGateway]:
    """The fake gateway on a random port."""
    fake = FakeSmsGateway()
    with serving(_handler(fake)) as url:
        fake.url = url
        yield fake


class FakeAliyunSms:
    """A fake Aliyun Dysms endpoint: what the SDK sent, and scripted answers to the next requests.

    An answer is a dict (HTTP 200 with that body, e.g. ``{"Code": "isv.BUSINESS_LIMIT_CONTROL", …}``),
    an int (that HTTP status with an Aliyun error body), a (status, JSON body or raw bytes) pair, or ``"drop"`` (the
    connection is closed without an answer) or a float (seconds to wait before answering OK). With
    nothing scripted the answer is ``Code: OK``.
    """

    def __init__(self) -> None:
        self.url = ""
        #: ``{"path", "action", "params" (query and form), "query", "headers", "body"}`` of every request.
        self.requests: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any] | int | tuple[int, dict[str, Any] | bytes] | str | float] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        """The value for SMS_ALIYUN_ENDPOINT: ``http://127.0.0.1:<port>``."""
        return self.url

    @staticmethod
    def signed_by(request: dict[str, Any], access_key_id: str, secret: str) -> bool:
        """Whether *request* carries a valid ACS3-HMAC-SHA256 signature (V3) made with this AccessKey.

        Recomputed from what arrived (method, path, query, the signed headers and the body hash), as
        Aliyun's server does; a request signed with another secret, or altered after signing, fails.
        """
        auth = request["headers"].get("Authorization", "")
        algorithm, _, rest = auth.partition(" ")
        fields = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
        if algorithm != "ACS3-HMAC-SHA256" or fields.get("Credential") != access_key_id:
            return False
        headers = {k.lower(): v.strip() for k, v in request["headers"].items()}
        signed = fields.get("SignedHeaders", "").split(";")
        if "host" not in signed or "x-acs-date" not in signed:
            return False
        query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in sorted(request["query"].items()))
        canonical = "\n".join(["POST", request["path"], query, "".join(f"{h}:{headers.get(h, '')}\n" for h in signed),
                               ";".join(signed), hashlib.sha256(request["body"]).hexdigest()])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))

    def answer(self, path: str, query: dict[str, str], form: dict[str, str], headers: dict[str, str],
               body: bytes) -> Any:
        with self.lock:
            n = len(self.requests) + 1
            params = {**query, **form}
            self.requests.append({"path": path, "action": params.get("Action") or headers.get("x-acs-action"),
                                  "params": params, "query": query, "headers": headers, "body": body})
            scripted = self.answers.pop(0) if self.answers else None
        if scripted is None:
            return {"Code": "OK", "Message": "OK", "BizId": f"biz-{n}", "RequestId": f"req-{n}"}
        return scripted


def _aliyun_handler(fake: FakeAliyunSms) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        def do_POST(self) -> None:  # noqa: N802
            path, query = self.target()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            answer = fake.answer(path, query, form, dict(self.headers), body)
            if isinstance(answer, float):
                time.sleep(answer)
                answer = {"Code": "OK", "Message": "OK", "BizId": "late", "RequestId": "late"}
            if answer == "drop":
                self.close_connection = True
                return
            if isinstance(answer, int):
                self.send_json({"Code": "ServiceUnavailable" if answer >= 500 else "InvalidParameter",
                                "Message": f"fake failure {answer}", "RequestId": "req-err"}, answer)
                return
            if isinstance(answer, tuple) and isinstance(answer[1], bytes):
                self.send_body(answer[0], {"Content-Type": "text/html"}, answer[1])
                return
            if isinstance(answer, tuple):
                self.send_json(answer[1], answer[0])
                return
            self.send_json(answer)

    return Handler


@pytest.fixture()
def aliyun_sms() -> Iterator[FakeAliyunSms]:
    """The fake Aliyun SMS endpoint on a random port."""
    fake = FakeAliyunSms()
    with serving(_aliyun_handler(fake)) as url:
        fake.url = url
        yield fake
