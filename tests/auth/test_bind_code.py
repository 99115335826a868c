"""Binding the mini-program with a code from the mobile web (L-8): no web-view, no 学信网 password in it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.auth.conftest import bearer
from wxbackend.accounts.models import WechatBinding
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.timeutil import SHANGHAI


def _ticket(client: Any, fake: Any, code: str, openid: str, unionid: str | None = None) -> str:
    fake.add_wx_code(code, openid, unionid)
    body = client.post("/api/v1/auth/wx-login", json={"code": code}).get_json()
    assert body["bind_required"] is True
    assert body["bind_code_url"] == "http://testserver.local/graduate/bind-code"
    return body["bind_ticket"]  # type: ignore[no-any-return]


def _web_code(client: Any, csrf_token: Any) -> str:
    page = client.post("/graduate/bind-code", data={"csrf_token": csrf_token("/graduate/bind-code")})
    assert page.status_code == 200
    match = re.search(r'id="bind-code">(\d{6})<', page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)
    return match.group(1)


def _bind(client: Any, ticket: str, code: str) -> Any:
    return client.post("/api/v1/auth/bind-code", json={"bind_ticket": ticket, "code": code})


def test_l_8_code_from_the_mobile_web_binds_the_mini_program(client, fake_server, make_graduate,
                                                             make_local_account, web_login, csrf_token):
    graduate = make_graduate(confirmed_at=timeutil.now())
    account = make_local_account(id_number=graduate.id_number)
    assert web_login(account.username).status_code == 302
    home = client.get("/graduate/").get_data(as_text=True)
    assert "绑定小程序" in home and "/graduate/bind-code" in home
    code = _web_code(client, csrf_token)
    ticket = _ticket(client, fake_server, "c1", "openid-bc", "union-bc")
    resp = _bind(client, ticket, code)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["graduate"]["id"] == graduate.id and body["expires_at"]
    assert client.get("/api/v1/me", headers=bearer(body["token"])).status_code == 200
    binding = db.session.scalar(select(WechatBinding))
    assert (binding.graduate_id, binding.openid, binding.unionid) == (graduate.id, "openid-bc", "union-bc")
    # the code is not a bearer token
    assert client.get("/api/v1/me", headers=bearer(code)).status_code == 401


def test_l_8_bind_code_is_single_use(client, fake_server, make_graduate, make_local_account, web_login,
                                     csrf_token):
    graduate = make_graduate()
    web_login(make_local_account(id_number=graduate.id_number).username)
    code = _web_code(client, csrf_token)
    assert _bind(client, _ticket(client, fake_server, "c1", "openid-a"), code).status_code == 200
    again = _bind(client, _ticket(client, fake_server, "c2", "openid-b"), code)
    assert again.status_code == 400 and again.get_json()["error"]["code"] == "bind_code_used"
    assert db.session.scalar(select(func.count(WechatBinding.id))) == 1


def test_l_8_bind_code_expires_after_10_minutes(client, fake_server, make_graduate, make_local_account,
                                                web_login, csrf_token, frozen_now):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
    frozen_now(start)
    graduate = make_graduate()
    web_login(make_local_account(id_number=graduate.id_number).username)
    code = _web_code(client, csrf_token)
    frozen_now(start + timedelta(minutes=9))
    ticket = _ticket(client, fake_server, "c1", "openid-x")  # a fresh ticket: only the code is stale
    frozen_now(start + timedelta(minutes=10))
    resp = _bind(client, ticket, code)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bind_code_expired"
    assert db.session.scalar(select(func.count(WechatBinding.id))) == 0
    timeutil.freeze(None)


def test_l_8_bind_code_refused_when_graduate_already_bound_keeps_the_code(
        client, fake_server, make_graduate, make_local_account, web_login, csrf_token):
    graduate = make_graduate()
    web_login(make_local_account(id_number=graduate.id_number).username)
    first = _web_code(client, csrf_token)
    assert _bind(client, _ticket(client, fake_server, "c1", "openid-1"), first).status_code == 200
    second = _web_code(client, csrf_token)
    resp = _bind(client, _ticket(client, fake_server, "c2", "openid-2"), second)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "graduate_bound"
    assert db.session.scalar(select(func.count(WechatBinding.id))) == 1


def test_l_8_wrong_bind_codes_are_rate_limited_per_wechat_identity(client, fake_server, make_graduate):
    ticket = _ticket(client, fake_server, "c1", "openid-guesser")
    codes = [_bind(client, ticket, f"{n:06d}").status_code for n in range(6)]
    assert codes[:5] == [400] * 5 and codes[5] == 429
    bad = _bind(client, ticket, "12ab")
    assert bad.status_code == 429


def test_bind_code_needs_a_valid_bind_ticket(client, fake_server):
    resp = _bind(client, "not-a-ticket", "123456")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bind_ticket_invalid"


def test_bind_code_page_needs_a_web_sign_in(client):
    resp = client.get("/graduate/bind-code")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_l_8_bind_code_of_a_deleted_graduate_is_refused(client, fake_server, make_graduate, make_local_account,
                                                       web_login, csrf_token):
    graduate = make_graduate()
    web_login(make_local_account(id_number=graduate.id_number).username)
    code = _web_code(client, csrf_token)
    graduate.deleted_at = timeutil.now()
    db.session.commit()
    resp = _bind(client, _ticket(client, fake_server, "c1", "openid-d"), code)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "basic_info_missing"
    assert db.session.scalar(select(func.count(WechatBinding.id))) == 0
