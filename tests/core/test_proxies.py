"""Behind ``TRUSTED_PROXIES`` reverse proxies, the client address is the one the nearest proxy saw."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    return {"TRUSTED_PROXIES": 1, "LOGIN_RATE_LIMIT": "3 per 15 minutes"}


def test_behind_one_trusted_proxy_the_address_it_saw_is_counted(client, csrf_off, make_user, make_school) -> None:
    make_user("school", username="target", password="right-pass-1", school_id=make_school().id)

    def attempt(client_address: str, password: str) -> int:
        # our proxy appends the address it saw; whatever comes before it is the client's own claim
        return int(client.post("/console/login", data={"username": "target", "password": password},
                               headers={"X-Forwarded-For": f"6.6.6.6, {client_address}"}).status_code)

    assert [attempt("203.0.113.7", "wrong") for _ in range(3)] == [400] * 3
    assert attempt("203.0.113.7", "right-pass-1") == 429
    assert attempt("203.0.113.8", "right-pass-1") == 302  # another client behind the same proxy


def test_trusted_proxies_must_be_a_small_count() -> None:
    from wxbackend.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        Settings.from_env({"TRUSTED_PROXIES": "-1"})
