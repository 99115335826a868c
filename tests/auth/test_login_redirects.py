"""Login redirects name the page asked for, with no stray "?" when it had no query."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from wxbackend.core.urls import safe_next


def _next(location: str) -> str:
    return parse_qs(urlsplit(location).query)["next"][0]


@pytest.mark.parametrize(("path", "login"), [
    ("/console/review", "/console/login"),
    ("/employer/", "/employer/login"),
    ("/graduate/", "/login"),
])
def test_login_redirect_has_no_trailing_question_mark(client, path: str, login: str) -> None:
    res = client.get(path)
    assert res.status_code == 302
    assert urlsplit(res.headers["Location"]).path.endswith(login)
    assert _next(res.headers["Location"]) == path
    assert not res.headers["Location"].endswith("?") and "%3F" not in res.headers["Location"]


def test_login_redirect_keeps_a_real_query(client) -> None:
    res = client.get("/console/review?department=3")
    assert _next(res.headers["Location"]) == "/console/review?department=3"


def test_console_login_follows_next_without_a_question_mark(client, make_school, make_user, csrf_off) -> None:
    user = make_user("school", school_id=make_school().id)
    location = client.get("/console/review").headers["Location"]
    res = client.post(location, data={"username": user.username, "password": "secret-pass-1"})
    assert res.status_code == 302 and res.headers["Location"] == "/console/review"


def test_safe_next_drops_an_empty_query() -> None:
    assert safe_next("/console/review?", "/console/") == "/console/review"
    assert safe_next("/console/review?a=1", "/console/") == "/console/review?a=1"
