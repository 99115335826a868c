"""Fixtures for the mini-program's tests: the fake WeChat, message templates, a public URL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.auth.fakes import FakeServer, fake_server  # noqa: F401

TEMPLATES = {
    "invitation_received": {"template_id": "TPL-INVITE", "page": "pages/destination/destination",
                            "fields": {"thing1": "title", "thing2": "body"}},
    "review_result": {"template_id": "TPL-REVIEW", "fields": {"thing1": "title", "thing2": "body"}},
}


@pytest.fixture()
def settings_overrides(fake_server: FakeServer) -> dict[str, Any]:  # noqa: F811
    return {"WECHAT_API_ORIGIN": fake_server.url, "PUBLIC_URL": "https://job.example.edu.cn",
            "WECHAT_MESSAGE_TEMPLATES": json.dumps(TEMPLATES)}
