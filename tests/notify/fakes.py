"""A fake SMS gateway on 127.0.0.1, driven over real HTTP by the HTTP SMS provider."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

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
