"""Mini-program sign-in (§1 way 1): wx.login → code2session on a fake WeChat → bind (L-8) → token."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.auth.conftest import bearer
from tests.conftest import IS_PG
from wxbackend.accounts.models import ApiToken, Graduate, WechatBinding
from wxbackend.core import timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.core.timeutil import SHANGHAI


def _wx_login(client: Any, fake: Any, code: str, openid: str, unionid: str | None = None) -> Any:
    fake.add_wx_code(code, openid, unionid)
    return client.post("/api/v1/auth/wx-login", json={"code": code})


def _bind(client: Any, ticket: str, username: str, password: str = "chsi-pass-1") -> Any:
    return client.post("/api/v1/auth/bind",
                       json={"bind_ticket": ticket, "username": username, "password": password})


def _binds_at_once(app: Any, tickets: list[str], username: str) -> list[Any]:
    """One bind request per ticket, each from its own thread and client, released together; their statuses
    (or the exception a request raised, which the caller's assertion then shows)."""
    barrier = threading.Barrier(len(tickets))
    results: list[Any] = []

    def bind(ticket: str) -> None:
        c = app.test_client()
        barrier.wait()
        try:
            results.append(_bind(c, ticket, username).status_code)
        except Exception as exc:  # surfaced by the caller's assertion
            results.append(exc)

    threads = [threading.Thread(target=bind, args=(t,)) for t in tickets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_wx_login_unbound_openid_asks_for_account_login(client, fake_server):
    resp = _wx_login(client, fake_server, "c1", "openid-1")
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["bind_required"] is True and body["bind_method"] == "password"
    assert body["bind_ticket"] and "token" not in body
    # wechatpy fetched its access token and called code2session on the fake, not on api.weixin.qq.com
    assert fake_server.requests == ["/cgi-bin/token", "/sns/jscode2session"]


def test_l_8_bind_after_account_login_then_wx_login_gives_token(client, fake_server, make_graduate,
                                                                 make_local_account):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    ticket = _wx_login(client, fake_server, "c1", "openid-1", "union-1").get_json()["bind_ticket"]
    resp = _bind(client, ticket, account.username)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["token"].startswith("wxg_")
    assert body["graduate"] == {"id": graduate.id, "name": "陈诚", "school": graduate.school.name,
                                "confirmed": False}
    binding = db.session.scalar(select(WechatBinding))
    assert (binding.graduate_id, binding.openid, binding.unionid) == (graduate.id, "openid-1", "union-1")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["auth.login", "auth.wechat_bind"]

    # next time, wx.login alone is enough
    again = _wx_login(client, fake_server, "c2", "openid-1").get_json()
    assert again["bind_required"] is False and again["token"] and again["graduate"]["id"] == graduate.id
    assert client.get("/api/v1/me", headers=bearer(again["token"])).status_code == 200


def test_l_8_second_graduate_cannot_bind_the_same_openid(client, fake_server, make_graduate,
                                                         make_local_account):
    first, second = make_graduate(), make_graduate()
    acc1 = make_local_account(id_number=first.id_number)
    acc2 = make_local_account(id_number=second.id_number)
    ticket = _wx_login(client, fake_server, "c1", "openid-1").get_json()["bind_ticket"]
    # a ticket issued for the same openid before the first bind (e.g. a second phone session)
    earlier = _wx_login(client, fake_server, "c0", "openid-1").get_json()["bind_ticket"]
    assert _bind(client, ticket, acc1.username).status_code == 200
    resp = _bind(client, earlier, acc2.username)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "openid_bound"
    assert db.session.scalar(select(func.count(WechatBinding.id))) == 1


def test_l_8_graduate_cannot_be_bound_to_a_second_openid(client, fake_server, make_graduate,
                                                         make_local_account):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    t1 = _wx_login(client, fake_server, "c1", "openid-1").get_json()["bind_ticket"]
    assert _bind(client, t1, account.username).status_code == 200
    t2 = _wx_login(client, fake_server, "c2", "openid-2").get_json()["bind_ticket"]
    resp = _bind(client, t2, account.username)
    assert resp.status_code == 409
    assert resp.get_json()["error"] == {"code": "graduate_bound", "fields": {},
                                        "message": "该毕业生已绑定其他微信，如需更换微信请联系所在院系"}
    assert db.session.scalars(select(WechatBinding.openid)).all() == ["openid-1"]


@pytest.mark.postgres
@pytest.mark.skipif(not IS_PG, reason="concurrent writers need PostgreSQL")
def test_l_8_concurrent_binds_of_one_graduate_to_two_openids_bind_once(app, client, fake_server,
                                                                        make_graduate, make_local_account):
    graduate = make_graduate()
    username = make_local_account(id_number=graduate.id_number).username
    for round_ in range(3):
        db.session.execute(WechatBinding.__table__.delete())
        db.session.commit()
        tickets = [
            _wx_login(client, fake_server, f"r{round_}c{i}", f"openid-{round_}-{i}").get_json()["bind_ticket"]
            for i in range(2)
        ]
        results = _binds_at_once(app, tickets, username)
        assert sorted(results) == [200, 409], results
        db.session.expire_all()
        assert db.session.scalar(select(func.count(WechatBinding.id))) == 1


def test_l_1_bind_refused_when_school_has_not_uploaded_basic_info(client, fake_server, make_local_account):
    from tests.factories import id_number

    account = make_local_account(id_number=id_number())
    ticket = _wx_login(client, fake_server, "c1", "openid-1").get_json()["bind_ticket"]
    resp = _bind(client, ticket, account.username)
    assert resp.status_code == 403
    error = resp.get_json()["error"]
    assert error["code"] == "basic_info_missing"
    assert "学校尚未上传你的毕业生基本信息" in error["message"] and "联系所在院系" in error["message"]
    assert db.session.scalar(select(func.count(WechatBinding.id))) == 0
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login_refused"))
    assert refused.data["reason"] == "basic_info_missing" and refused.data["channel"] == "wx"


def test_l_2_bind_refused_when_chsi_account_has_no_student_record(client, fake_server, make_local_account):
    account = make_local_account(id_number=None)
    ticket = _wx_login(client, fake_server, "c1", "openid-1").get_json()["bind_ticket"]
    resp = _bind(client, ticket, account.username)
    assert resp.status_code == 403
    assert resp.get_json()["error"] == {
        "code": "account_not_bound", "fields": {},
        "message": "你的学信网账号尚未绑定学籍信息，请先登录学信网绑定学籍后再登录。"}


def test_bind_with_wrong_password_is_refused_and_nothing_bound(client, fake_server, make_graduate,
                                                               make_local_account):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    ticket = _wx_login(client, fake_server, "c1", "openid-1").get_json()["bind_ticket"]
    resp = _bind(client, ticket, account.username, "wrong-password")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "invalid_credentials"
    assert resp.get_json()["error"]["message"] == "用户名或密码错误"
    assert db.session.scalar(select(func.count(WechatBinding.id))) == 0


def test_invalid_wx_code_gives_clear_error(client, fake_server):
    resp = client.post("/api/v1/auth/wx-login", json={"code": "never-issued"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "wx_code_invalid"
    assert "微信登录凭证无效" in resp.get_json()["error"]["message"]


def test_wx_login_without_code_is_a_validation_error(client, fake_server):
    resp = client.post("/api/v1/auth/wx-login", json={})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"] == {"code": "必填"}


def test_bind_ticket_expires_after_ten_minutes(client, fake_server, make_graduate, make_local_account,
                                               frozen_now):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    start = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
    frozen_now(start)
    ticket = _wx_login(client, fake_server, "c1", "openid-1").get_json()["bind_ticket"]
    frozen_now(start + timedelta(minutes=10, seconds=1))
    resp = _bind(client, ticket, account.username)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bind_ticket_expired"
    tampered = _bind(client, ticket[:-2] + "xx", account.username)
    assert tampered.get_json()["error"]["code"] == "bind_ticket_invalid"


def test_token_expires(client, make_graduate, make_local_account, wx_token, frozen_now):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    start = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
    frozen_now(start)
    token = wx_token(account)
    frozen_now(start + timedelta(hours=72) - timedelta(seconds=1))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    frozen_now(start + timedelta(hours=72))
    resp = client.get("/api/v1/me", headers=bearer(token))
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "token_expired"


def test_logout_revokes_the_token(client, make_graduate, make_local_account, wx_token):
    graduate = make_graduate()
    token = wx_token(make_local_account(id_number=graduate.id_number))
    resp = client.post("/api/v1/auth/logout", headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json() == {"revoked": True}
    after = client.get("/api/v1/me", headers=bearer(token))
    assert after.status_code == 401 and after.get_json()["error"]["code"] == "token_revoked"
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    logout = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.logout"))
    assert logout.object_id == graduate.id


def test_requests_without_token_are_refused(client):
    resp = client.get("/api/v1/modules")
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"
    bad = client.get("/api/v1/modules", headers=bearer("wxg_nope"))
    assert bad.get_json()["error"]["code"] == "token_invalid"


def test_deleted_graduate_token_stops_working(client, make_graduate, make_local_account, wx_token):
    graduate = make_graduate()
    token = wx_token(make_local_account(id_number=graduate.id_number))
    db.session.get(Graduate, graduate.id).deleted_at = timeutil.now()
    db.session.commit()
    resp = client.get("/api/v1/me", headers=bearer(token))
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "graduate_deleted"


def test_deleted_graduate_binding_no_longer_signs_in(client, fake_server, make_graduate, make_local_account,
                                                     wx_token):
    graduate = make_graduate()
    wx_token(make_local_account(id_number=graduate.id_number), openid="openid-x")
    db.session.get(Graduate, graduate.id).deleted_at = timeutil.now()
    db.session.commit()
    body = _wx_login(client, fake_server, "again", "openid-x").get_json()
    assert body["bind_required"] is True


def test_l_8_a_bind_ticket_binds_once_but_survives_a_mistyped_password(client, fake_server, make_graduate,
                                                                       make_local_account):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    ticket = _wx_login(client, fake_server, "c1", "openid-1").get_json()["bind_ticket"]
    assert _bind(client, ticket, account.username, "wrong-password").status_code == 401
    assert _bind(client, ticket, account.username).status_code == 200
    replay = _bind(client, ticket, account.username)
    assert replay.status_code == 400 and replay.get_json()["error"]["code"] == "bind_ticket_used"
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1  # the replay minted no second token
    # a new wx.login gives a new ticket (here: straight to a token, the openid being bound)
    assert _wx_login(client, fake_server, "c2", "openid-1").get_json()["bind_required"] is False


@pytest.mark.skipif(not IS_PG, reason="concurrent writers need PostgreSQL")
def test_l_8_two_requests_racing_with_one_bind_ticket_bind_once(app, client, fake_server, make_graduate,
                                                               make_local_account):
    graduate = make_graduate()
    username = make_local_account(id_number=graduate.id_number).username
    ticket = _wx_login(client, fake_server, "c1", "openid-1").get_json()["bind_ticket"]
    results = _binds_at_once(app, [ticket, ticket], username)
    assert sorted(results) == [200, 400], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1
