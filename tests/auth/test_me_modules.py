"""The graduate's basic info (L-3, L-4) and modules (L-5) through the mini-program API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.auth.conftest import bearer
from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import MODULES, module_states, require_confirmed, require_module
from wxbackend.core import timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.core.errors import Forbidden

LOCKED_L3 = "请先核对基本信息并确认"


@pytest.fixture()
def signed_in(make_graduate, make_local_account, wx_token):
    """(graduate, token) for a graduate signed in through the mini-program."""

    def make(**kw):
        graduate = make_graduate(**kw)
        return graduate, wx_token(make_local_account(id_number=graduate.id_number))

    return make


def test_me_shows_fig_4_with_labels(client, signed_in):
    graduate, token = signed_in(archive_at_school=None, hukou_at_school=True, email=None,
                                student_no="2022001")
    body = client.get("/api/v1/me", headers=bearer(token)).get_json()
    items = {row["label"]: row["value"] for row in body["items"]}
    assert [row["label"] for row in body["items"]][:4] == ["考生号", "姓名", "身份证号", "毕业院校"]
    assert items["毕业院校"] == graduate.school.name
    assert items["学历"] == "本科" and items["性别"] == "男" and items["民族"] == "汉族"
    assert items["培养方式"] == "非定向" and "定向/委培单位" not in items
    assert items["生源所在地"] == "北京市东城区"
    assert items["档案是否转入学校"] == "-" and items["户口是否转入学校"] == "是"
    assert items["电子邮箱"] == "-" and items["学号"] == "2022001"
    assert items["院系"] == graduate.department.name
    assert body["confirmed"] is False and body["confirmed_at"] is None


@pytest.mark.parametrize("method", ["put", "patch"])
def test_l_4_graduate_cannot_edit_basic_info(client, signed_in, method):
    graduate, token = signed_in()
    before = {c: getattr(graduate, c) for c in ("name", "phone", "email", "origin_region")}
    resp = getattr(client, method)("/api/v1/me", headers=bearer(token),
                                   json={"name": "改名", "phone": "13700000000", "email": "x@example.com"})
    assert resp.status_code == 403
    error = resp.get_json()["error"]
    assert error["code"] == "basic_info_readonly"
    assert "学信网" in error["message"] and "学校" in error["message"]
    db.session.expire_all()
    fresh = db.session.get(Graduate, graduate.id)
    assert {c: getattr(fresh, c) for c in before} == before


def test_l_3_modules_locked_until_confirmation_then_confirm_is_audited(client, signed_in):
    graduate, token = signed_in()
    before = client.get("/api/v1/modules", headers=bearer(token)).get_json()
    assert before["confirmed"] is False
    assert [(m["available"], m["reason"]) for m in before["modules"]] == [(False, LOCKED_L3)] * 5

    resp = client.post("/api/v1/me/confirm", headers=bearer(token))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["confirmed"] is True and body["confirmed_at"]
    assert body["modules"][0] == {"key": "destination", "name": "毕业去向填报", "available": True,
                                  "reason": None}
    again = client.post("/api/v1/me/confirm", headers=bearer(token)).get_json()
    assert again["confirmed_at"] == body["confirmed_at"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "graduate.confirm")).all()
    assert len(events) == 1 and events[0].object_id == graduate.id and events[0].actor_type == "graduate"
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["confirmed"] is True


def test_l_5_five_modules_after_confirmation_with_their_locks(client, signed_in):
    _, token = signed_in(hukou_at_school=True, confirmed_at=timeutil.now())
    modules = client.get("/api/v1/modules", headers=bearer(token)).get_json()["modules"]
    assert [(m["key"], m["name"]) for m in modules] == list(MODULES)
    assert [m["name"] for m in modules] == ["毕业去向填报", "档案信息登记", "户口信息登记",
                                            "去向登记确认", "核验授权"]
    state = {m["key"]: (m["available"], m["reason"]) for m in modules}
    assert state["destination"] == (True, None)
    assert state["archive"] == (True, None)
    assert state["hukou"] == (True, None)
    assert state["confirmation"] == (False, "需完成毕业去向上报后才能确认")
    assert state["verification"] == (False, "需完成去向登记确认才能进行核验授权")


@pytest.mark.parametrize("hukou", [False, None])
def test_l_5_hukou_module_locked_when_hukou_not_at_school(client, signed_in, hukou):
    _, token = signed_in(hukou_at_school=hukou, confirmed_at=timeutil.now())
    body = client.get("/api/v1/modules", headers=bearer(token)).get_json()
    modules = {m["key"]: m for m in body["modules"]}
    assert modules["hukou"]["available"] is False
    assert modules["hukou"]["reason"] == "户口未转入学校，不可使用户口信息登记"


def test_l_5_modules_the_school_disabled_are_locked(make_graduate, make_school, make_department, make_major):
    school = make_school(archive_module_enabled=False, hukou_module_enabled=False)
    major = make_major(make_department(school))
    graduate = make_graduate(major, confirmed_at=timeutil.now())
    state = {m.key: m for m in module_states(graduate, school)}
    assert (state["archive"].available, state["archive"].reason) == (False, "学校未开通档案信息登记")
    assert (state["hukou"].available, state["hukou"].reason) == (False, "学校未开通户口信息登记")
    assert state["destination"].available


def test_l_5_later_facts_unlock_confirmation_then_verification(make_graduate):
    graduate = make_graduate(confirmed_at=timeutil.now())
    reported = {m.key: m.available
                for m in module_states(graduate, graduate.school, destination_reported=True)}
    assert reported["confirmation"] and not reported["verification"]
    both = {m.key: m.available for m in module_states(graduate, graduate.school, destination_reported=True,
                                                       destination_confirmed=True)}
    assert both["verification"]


def test_l_3_module_actions_refuse_unconfirmed_graduate(make_graduate):
    graduate = make_graduate()
    with pytest.raises(Forbidden) as info:
        require_confirmed(graduate)
    assert info.value.code == "basic_info_unconfirmed" and info.value.status == 403
    graduate.confirmed_at = timeutil.now()
    require_confirmed(graduate)
    graduate.hukou_at_school = False
    with pytest.raises(Forbidden) as locked:
        require_module(graduate, graduate.school, "hukou")
    assert locked.value.code == "module_locked" and "户口未转入学校" in locked.value.message


def test_openapi_lists_the_sign_in_and_graduate_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, method in [("/api/v1/auth/wx-login", "post"), ("/api/v1/auth/bind", "post"),
                         ("/api/v1/auth/logout", "post"),
                         ("/api/v1/me", "get"), ("/api/v1/me", "put"), ("/api/v1/me", "patch"),
                         ("/api/v1/me/confirm", "post"), ("/api/v1/modules", "get")]:
        assert method in paths[path], (path, method)
    assert spec["components"]["schemas"]["WxLoginIn"]["required"] == ["code"]
    wx_login = paths["/api/v1/auth/wx-login"]["post"]
    assert wx_login["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/WxLoginIn")
    assert "400" in wx_login["responses"]
    assert paths["/api/v1/me"]["get"]["security"] == [{"BearerAuth": []}]
    assert spec["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
