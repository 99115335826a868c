"""A fake SMS gateway on 127.0.0.1, driven over real HTTP by the HTTP SMS provider."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.http_fakes import serving


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
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path != fake.path:
                self._send(404, {"code": "NOT_FOUND"})
                return
            self._send(*fake.answer(dict(self.headers), body))

        def _send(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture()
def sms_gateway() -> Iterator[FakeSmsGateway]:
    """The fake gateway on a random port."""
    fake = FakeSmsGateway()
    with serving(_handler(fake)) as url:
        fake.url = url
        yield fake
