"""学信网 (CHSI) sign-in through CAS, against a fake CAS server, with the real python-cas client."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.auth.conftest import bearer
from tests.auth.fakes import FakeServer
from tests.factories import id_number
from wxbackend.accounts.models import Graduate, WechatBinding
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db


@pytest.fixture()
def settings_overrides(fake_server: FakeServer) -> dict[str, Any]:
    return {"IDENTITY_PROVIDER": "cas", "CAS_SERVER_URL": fake_server.url + "/cas/",
            "WECHAT_API_ORIGIN": fake_server.url, "PUBLIC_URL": "http://testserver.local"}


def _follow_cas(client: Any, cas_login_url: str, username: str) -> Any:
    """Sign in at the fake CAS as *username* and follow its redirect back into the app."""
    resp = requests.get(cas_login_url, params={"username": username}, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text
    back = urlsplit(resp.headers["Location"])
    assert back.netloc == "testserver.local"
    return client.get(f"{back.path}?{back.query}")


def _web_cas_login(client: Any, username: str) -> Any:
    page = client.get("/login").get_data(as_text=True)
    href = html.unescape(re.search(r'id="cas-login" href="([^"]+)"', page).group(1))
    return _follow_cas(client, href, username)


def test_login_page_sends_to_chsi_with_our_callback_as_service(client, fake_server):
    page = client.get("/login").get_data(as_text=True)
    href = html.unescape(re.search(r'id="cas-login" href="([^"]+)"', page).group(1))
    parts = urlsplit(href)
    assert href.startswith(fake_server.url + "/cas/login?")
    assert parse_qs(parts.query)["service"] == ["http://testserver.local/login/cas/callback"]


def test_cas_login_signs_in_and_syncs_contact_fields_l_4(client, fake_server, make_graduate):
    graduate = make_graduate(phone="13800138000", email=None)
    fake_server.add_cas_user("chen", idNumber=graduate.id_number, name="陈诚", mobile="13912345678",
                             email="chen@example.com")
    resp = _web_cas_login(client, "chen")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/graduate/")
    assert "信息确认无误，进入系统" in client.get("/graduate/").get_data(as_text=True)
    db.session.expire_all()
    fresh = db.session.get(Graduate, graduate.id)
    assert (fresh.phone, fresh.email) == ("13912345678", "chen@example.com")
    login = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert login.data == {"provider": "cas", "subject": "chen", "channel": "web"}


def test_l_2_cas_account_without_student_record_is_refused(client, fake_server):
    fake_server.add_cas_user("nobody", name="某某")
    resp = _web_cas_login(client, "nobody")
    assert resp.status_code == 403
    page = resp.get_data(as_text=True)
    assert 'data-code="account_not_bound"' in page and "尚未绑定学籍信息" in page


def test_l_1_cas_account_whose_school_has_not_uploaded_is_refused(client, fake_server):
    fake_server.add_cas_user("chen", idNumber=id_number())
    resp = _web_cas_login(client, "chen")
    assert resp.status_code == 403
    assert "学校尚未上传你的毕业生基本信息" in resp.get_data(as_text=True)


def test_bad_or_replayed_ticket_is_refused(client, fake_server, make_graduate):
    resp = client.get("/login/cas/callback?ticket=ST-forged")
    assert resp.status_code == 401 and "学信网登录票据无效或已过期" in resp.get_data(as_text=True)

    graduate = make_graduate()
    fake_server.add_cas_user("chen", idNumber=graduate.id_number)
    ticket = fake_server.issue_ticket("chen", "http://testserver.local/login/cas/callback")
    assert client.get(f"/login/cas/callback?ticket={ticket}").status_code == 302
    replay = client.application.test_client().get(f"/login/cas/callback?ticket={ticket}")
    assert replay.status_code == 401


def test_ticket_for_another_service_is_refused(client, fake_server, make_graduate):
    graduate = make_graduate()
    fake_server.add_cas_user("chen", idNumber=graduate.id_number)
    ticket = fake_server.issue_ticket("chen", "http://evil.example/callback")
    assert client.get(f"/login/cas/callback?ticket={ticket}").status_code == 401


# --- the mini-program with 学信网 as the provider -------------------------------------------------


def test_l_8_with_chsi_wx_login_asks_for_a_bind_code_and_the_web_view_leg_is_gone(client, fake_server):
    """A web-view cannot open 学信网's host: wx-login says to bind by a code from the web; no /auth/wx/cas."""
    fake_server.add_wx_code("c1", "openid-1")
    body = client.post("/api/v1/auth/wx-login", json={"code": "c1"}).get_json()
    assert body["bind_required"] and body["bind_method"] == "code" and "bind_url" not in body
    assert body["bind_code_url"].endswith("/graduate/bind-code")
    assert client.get("/auth/wx/cas?bind_ticket=x").status_code == 404
    assert client.post("/api/v1/auth/exchange", json={"code": "x"}).status_code in (404, 405)


def test_password_bind_is_refused_when_chsi_is_the_provider(client, fake_server):
    fake_server.add_wx_code("c1", "openid-1")
    ticket = client.post("/api/v1/auth/wx-login", json={"code": "c1"}).get_json()["bind_ticket"]
    resp = client.post("/api/v1/auth/bind", json={"bind_ticket": ticket, "username": "x", "password": "y"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bind_method_cas"
    assert "绑定码" in resp.get_json()["error"]["message"]


def test_l_8_with_chsi_the_mini_program_binds_by_a_code_from_the_mobile_web(client, fake_server, make_graduate):
    """Production path: 学信网 sign-in in a browser, 绑定小程序 → 6-digit code → /auth/bind-code; no web-view."""
    graduate = make_graduate()
    fake_server.add_cas_user("chen", idNumber=graduate.id_number, name="陈诚")
    assert _web_cas_login(client, "chen").status_code == 302
    page = client.get("/graduate/bind-code").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    issued = client.post("/graduate/bind-code", data={"csrf_token": token}).get_data(as_text=True)
    code = re.search(r'id="bind-code">(\d{6})<', issued).group(1)
    fake_server.add_wx_code("wx-1", "openid-chen")
    first = client.post("/api/v1/auth/wx-login", json={"code": "wx-1"}).get_json()
    assert first["bind_required"] and first["bind_code_url"] == "http://testserver.local/graduate/bind-code"
    resp = client.post("/api/v1/auth/bind-code", json={"bind_ticket": first["bind_ticket"], "code": code})
    assert resp.status_code == 200, resp.get_json()
    assert db.session.scalar(select(WechatBinding.graduate_id).where(WechatBinding.openid == "openid-chen")) \
        == graduate.id
    assert client.get("/api/v1/me", headers=bearer(resp.get_json()["token"])).status_code == 200
