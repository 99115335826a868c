"""Fixtures for graduate sign-in tests: the fakes, and helpers that go through the real endpoints."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.auth.fakes import FakeServer, fake_server  # noqa: F401


@pytest.fixture()
def settings_overrides(fake_server: FakeServer) -> dict[str, Any]:  # noqa: F811
    """Every auth test talks to the fake WeChat; CAS tests switch the provider themselves."""
    return {"WECHAT_API_ORIGIN": fake_server.url, "PUBLIC_URL": "http://testserver.local"}


@pytest.fixture()
def csrf_token(client: Any) -> Callable[[str], str]:
    """The CSRF token of the form on *path*."""

    def get(path: str = "/login") -> str:
        page = client.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    return get


@pytest.fixture()
def web_login(client: Any, csrf_token: Callable[[str], str]) -> Callable[..., Any]:
    """Post the graduate login form with its CSRF token."""

    def login(username: str, password: str = "chsi-pass-1") -> Any:
        return client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token("/login")})

    return login


@pytest.fixture()
def wx_token(client: Any, fake_server: FakeServer) -> Callable[..., str]:  # noqa: F811
    """Sign in through the mini-program path (wx-login + bind with a local account); return the token."""
    counter = iter(range(1, 10_000))

    def get(account: Any, password: str = "chsi-pass-1", openid: str | None = None) -> str:
        n = next(counter)
        code = f"code-{n}-{account.username}"
        fake_server.add_wx_code(code, openid or f"openid-{account.username}")
        first = client.post("/api/v1/auth/wx-login", json={"code": code}).get_json()
        if not first["bind_required"]:
            return first["token"]  # type: ignore[no-any-return]
        resp = client.post("/api/v1/auth/bind", json={"bind_ticket": first["bind_ticket"],
                                                      "username": account.username, "password": password})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["token"]  # type: ignore[no-any-return]

    return get


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
