"""Graduate web login with the built-in provider, the basic-info gate (L-3) and the module page (L-5)."""

from __future__ import annotations

import re

from sqlalchemy import select

from wxbackend.accounts.models import Graduate
from wxbackend.core import timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db


def test_login_page_has_the_account_form_and_the_two_reasons(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'name="username"' in page
    assert "没有在学信网绑定学籍信息" in page


def test_l_1_web_login_refused_without_uploaded_basic_info(client, web_login, make_local_account):
    from tests.factories import id_number

    account = make_local_account(id_number=id_number())
    resp = web_login(account.username)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert 'data-code="basic_info_missing"' in page and "学校尚未上传你的毕业生基本信息" in page
    assert client.get("/graduate/").status_code == 302  # not signed in


def test_l_2_web_login_refused_for_account_without_student_record(client, web_login, make_local_account):
    account = make_local_account(id_number=None)
    resp = web_login(account.username)
    assert resp.status_code == 403
    assert "你的学信网账号尚未绑定学籍信息" in resp.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login_refused"))
    assert event.data == {"reason": "account_not_bound", "provider": "local", "subject": account.username,
                          "channel": "web"}


def test_web_login_wrong_password(client, web_login, make_graduate, make_local_account):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    resp = web_login(account.username, "wrong")
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)


def test_web_login_form_needs_csrf_token(client, make_graduate, make_local_account):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    resp = client.post("/login", data={"username": account.username, "password": "chsi-pass-1"})
    assert resp.status_code == 400


def test_l_3_first_login_shows_basic_info_gate_until_confirmed(client, web_login, csrf_token, make_graduate,
                                                               make_local_account):
    graduate = make_graduate(hukou_at_school=None, archive_at_school=False, student_no=None)
    account = make_local_account(id_number=graduate.id_number)
    resp = web_login(account.username)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/graduate/")
    page = client.get("/graduate/").get_data(as_text=True)
    assert "信息确认无误，进入系统" in page and "退出" in page
    assert 'id="modules"' not in page
    # fig. 4 rendering: school name, labels of codes, region name, -/是/否
    assert graduate.school.name in page and "北京市东城区" in page
    assert "<th>档案是否转入学校</th><td>否</td>" in page
    assert "<th>户口是否转入学校</th><td>-</td>" in page
    assert "<th>学号</th><td>-</td>" in page

    token = csrf_token("/graduate/")
    confirmed = client.post("/graduate/confirm", data={"csrf_token": token})
    assert confirmed.status_code == 302
    page = client.get("/graduate/").get_data(as_text=True)
    assert 'id="modules"' in page and "信息确认无误，进入系统" not in page
    db.session.expire_all()
    assert db.session.get(Graduate, graduate.id).confirmed_at is not None
    confirm_events = select(AuditEvent).where(AuditEvent.action == "graduate.confirm")
    confirms = db.session.scalars(confirm_events).all()
    assert [(e.actor_type, e.actor_id, e.object_id) for e in confirms] == [("graduate", graduate.id,
                                                                             graduate.id)]

    # confirming again changes nothing and records nothing
    client.post("/graduate/confirm", data={"csrf_token": token})
    assert len(db.session.scalars(confirm_events).all()) == 1


def test_l_3_exit_logs_out(client, web_login, csrf_token, make_graduate, make_local_account):
    graduate = make_graduate()
    web_login(make_local_account(id_number=graduate.id_number).username)
    token = csrf_token("/graduate/")
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    assert client.get("/graduate/").status_code == 302
    assert db.session.get(Graduate, graduate.id).confirmed_at is None


def test_l_5_module_page_shows_five_modules_with_locks(client, web_login, make_graduate, make_local_account):
    graduate = make_graduate(hukou_at_school=False, confirmed_at=timeutil.now())
    web_login(make_local_account(id_number=graduate.id_number).username)
    page = client.get("/graduate/").get_data(as_text=True)
    for name in ("毕业去向填报", "档案信息登记", "户口信息登记", "去向登记确认", "核验授权"):
        assert name in page
    assert re.search(r'data-module="destination"\s+data-available="true"', page)
    assert re.search(r'data-module="hukou"\s+data-available="false"', page)
    assert "户口未转入学校，不可使用户口信息登记" in page
    assert "需完成去向登记确认才能进行核验授权" in page


def test_deleted_graduate_web_session_ends(client, web_login, make_graduate, make_local_account):
    graduate = make_graduate()
    web_login(make_local_account(id_number=graduate.id_number).username)
    assert client.get("/graduate/").status_code == 200
    db.session.get(Graduate, graduate.id).deleted_at = timeutil.now()
    db.session.commit()
    assert client.get("/graduate/").status_code == 302


def test_l_4_contact_fields_follow_the_chsi_account(client, web_login, make_graduate, make_local_account):
    graduate = make_graduate(phone="13800138000", email=None)
    account = make_local_account(id_number=graduate.id_number, phone="13912345678", email="chen@example.com")
    web_login(account.username)
    db.session.expire_all()
    fresh = db.session.get(Graduate, graduate.id)
    assert (fresh.phone, fresh.email) == ("13912345678", "chen@example.com")
    sync = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "graduate.contact_sync"))
    assert sync.data["changes"] == {"phone": ["13800138000", "13912345678"],
                                    "email": [None, "chen@example.com"]}


def test_login_picks_the_latest_graduation_when_several_schools_uploaded(client, web_login, make_graduate,
                                                                        make_local_account):
    bachelor = make_graduate(graduate_ym="202306", enrol_ym="201909")
    master = make_graduate(id_number=bachelor.id_number, graduate_ym="202606", enrol_ym="202309")
    web_login(make_local_account(id_number=bachelor.id_number).username)
    page = client.get("/graduate/").get_data(as_text=True)
    assert master.school.name in page and bachelor.school.name not in page
