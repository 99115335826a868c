"""Employer portal over HTTP: registration (ON-1), login, the two-step invitation (ON-2, ON-6, D-2),
the agreement page, the PDF, and termination start / answer / cancel (OT-1, OT-2, OT-4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import credit_code, wrong_check_character
from tests.signing import conftest as signing
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Employer, User
from wxbackend.core import timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.review import engine
from wxbackend.signing import forms, services
from wxbackend.signing.models import OnlineAgreement, TerminationRequest

# Fixtures shared with the signing tests (a school with reviewers, graduates with API tokens, employers).
world = signing.world
graduate_api = signing.graduate_api
employer_user = signing.employer_user
invite = signing.invite
review_all = signing.review_all
TERMS = signing.TERMS

PASSWORD = "secret-pass-1"

REGISTRATION = {
    "name": "北京学信咨询服务有限公司",
    "credit_code": credit_code(424242),
    "unit_nature": "31",
    "industry": "34",
    "address_region": "北京市西城区",
    "address_detail": "西直门外大街18号",
    "contact_name": "李经理",
    "contact_phone": "010-68352260",
    "contact_mobile": "13912345678",
    "contact_email": "hr@example.com",
    "username": "xuexin_hr",
    "password": "Good-pass-2026",
    "password_confirm": "Good-pass-2026",
}




def _error(html: str, key: str) -> str:
    """The message shown next to field *key* ('' when there is none)."""
    m = re.search(rf'<div class="field-error" id="error-{re.escape(key)}">([^<]*)</div>', html)
    return m.group(1) if m else ""




@pytest.fixture()
def login(client: Any) -> Callable[[Any], Any]:
    """Log *user* into the employer portal through the real form (CSRF token included)."""

    def run(user: Any, password: str = PASSWORD) -> Any:
        page = client.get("/employer/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        data = {"username": user.username, "password": password}
        if token:
            data["csrf_token"] = token.group(1)
        return client.post("/employer/login", data=data)

    return run


@pytest.fixture()
def portal(employer_user: Callable[..., Any], login: Callable[..., Any]) -> Callable[..., Any]:
    """``portal(**employer_fields)`` → a logged-in employer account."""

    def make(**kw: Any) -> Any:
        user = employer_user(**kw)
        assert login(user).status_code == 302
        return user

    return make


def _find(client: Any, name: str, identifier: str) -> Any:
    return client.post("/employer/invite", data={"step": "find", "name": name, "identifier": identifier})


def _token(html: str) -> str:
    m = re.search(r'name="token" value="([^"]+)"', html)
    assert m, "no invitation form on the page"
    return m.group(1)


def _send(client: Any, token: str, days: Any = 3, **terms: Any) -> Any:
    data = {"step": "send", "token": token, "response_days": days,
            **{k: "" if v is None else v for k, v in {**TERMS, **terms}.items()}}
    return client.post("/employer/invite", data=data)


def _signed(graduate: Any, user: Any, invite: Callable[..., Any], review_all: Callable[..., Any]) -> OnlineAgreement:
    row = invite(user, graduate)
    services.accept(graduate, row.id)
    db.session.commit()
    review_all(services.KIND, row.id)
    db.session.refresh(row)
    assert row.status == "signed"
    return row


# --- registration -----------------------------------------------------------------------------


def test_register_creates_the_employer_and_its_account_and_logs_in(client, app, csrf_off) -> None:
    page = client.get("/employer/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label in ("单位名称", "统一社会信用代码", "单位性质", "单位行业", "通讯地址", "详细地址", "单位联系人",
                  "联系人固话", "联系人手机", "联系人邮箱", "用户名", "确认密码"):
        assert label in html

    res = client.post("/employer/register", data=REGISTRATION)
    assert res.status_code == 302 and res.headers["Location"].endswith("/employer/")
    employer = db.session.scalar(select(Employer))
    assert employer is not None
    assert (employer.name, employer.credit_code, employer.address_region) == (
        "北京学信咨询服务有限公司", REGISTRATION["credit_code"], "110102")
    user = db.session.scalar(select(User).where(User.username == "xuexin_hr"))
    assert user is not None and user.role == "employer" and user.employer_id == employer.id
    assert user.check_password("Good-pass-2026")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employer.register")) is not None

    home = client.get("/employer/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert "北京学信咨询服务有限公司" in text and REGISTRATION["credit_code"] in text and "注册成功" in text


def test_on_1_registration_with_a_wrong_check_character_is_refused_and_saves_nothing(client, csrf_off) -> None:
    """ON-1: only a 统一社会信用代码 with a valid GB 32100 check character registers an employer."""
    bad = wrong_check_character(REGISTRATION["credit_code"])
    res = client.post("/employer/register", data={**REGISTRATION, "credit_code": bad})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert _error(html, "credit_code") == "统一社会信用代码无效（校验位不符）"
    assert 'value="北京学信咨询服务有限公司"' in html  # the other values are kept
    assert signing.count_rows(Employer) == 0 and signing.count_rows(User) == 0


def test_registration_reports_every_mistake_at_once(client, csrf_off) -> None:
    res = client.post("/employer/register", data={
        **REGISTRATION, "name": "", "unit_nature": "", "address_region": "火星", "contact_mobile": "12345",
        "contact_phone": "68352260", "contact_email": "not-an-email", "credit_code": "123"})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert _error(html, "name") == "请填写单位名称"
    assert _error(html, "unit_nature") == "请选择单位性质"
    assert _error(html, "credit_code") == "统一社会信用代码应为18位"
    assert _error(html, "address_region")
    assert _error(html, "contact_mobile") == "请填写11位手机号码"
    assert _error(html, "contact_phone")
    assert _error(html, "contact_email") == "邮箱格式不正确"
    assert signing.count_rows(Employer) == 0


def test_registration_refuses_an_already_registered_code_and_username(client, make_employer, make_user,
                                                                      csrf_off) -> None:
    existing = make_employer(credit_code=REGISTRATION["credit_code"])
    make_user("employer", employer_id=existing.id, username="xuexin_hr")
    res = client.post("/employer/register", data=REGISTRATION)
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert "该统一社会信用代码已注册" in _error(html, "credit_code")
    assert "已被使用" in _error(html, "username")
    assert signing.count_rows(Employer) == 1 and signing.count_rows(User) == 1


@pytest.mark.parametrize(("password", "confirm", "message"), [
    ("short1", "short1", "密码至少8位"),
    ("onlyletters", "onlyletters", "密码须同时包含字母和数字"),
])
def test_registration_refuses_a_weak_password(client, csrf_off, password, confirm, message) -> None:
    res = client.post("/employer/register", data={**REGISTRATION, "password": password, "password_confirm": confirm})
    assert res.status_code == 400
    assert _error(res.get_data(as_text=True), "password") == message
    assert signing.count_rows(Employer) == 0


def test_registration_needs_the_same_password_twice(client, csrf_off) -> None:
    res = client.post("/employer/register", data={**REGISTRATION, "password_confirm": "Good-pass-2027"})
    assert res.status_code == 400
    assert _error(res.get_data(as_text=True), "password_confirm") == "两次输入的密码不一致"
    assert signing.count_rows(Employer) == 0


def test_a_post_without_csrf_token_is_refused(client) -> None:
    res = client.post("/employer/register", data=REGISTRATION)
    assert res.status_code == 400
    assert signing.count_rows(Employer) == 0


def test_region_cascade_lists_children(client) -> None:
    provinces = client.get("/regions").get_json()
    assert {"code": "110000", "name": "北京市", "value": "110000"} in provinces
    assert {"code": "110102", "name": "西城区", "value": "110102"} in client.get(
        "/regions?parent=110100").get_json()
    assert {"code": "130100", "name": "石家庄市", "value": "130100"} in client.get(
        "/regions?parent=130000").get_json()
    assert {"code": "130102", "name": "长安区", "value": "130102"} in client.get(
        "/regions?parent=130100").get_json()
    assert client.get("/regions?parent=x").get_json() == []


@pytest.mark.parametrize(("province", "name", "district"), [
    ("110000", "北京市", ("110101", "东城区")), ("120000", "天津市", ("120101", "和平区")),
    ("310000", "上海市", ("310101", "黄浦区")), ("500000", "重庆市", ("500229", "城口县")),
])
def test_region_cascade_puts_a_municipalitys_districts_in_the_district_box(client, province, name,
                                                                         district) -> None:
    """北京、天津、上海、重庆 have no prefecture cities: the city box shows the municipality itself
    (its input value the province code) and the districts come one level below."""
    cities = client.get(f"/regions?parent={province}").get_json()
    assert [(c["name"], c["value"]) for c in cities] == [(name, province)]
    districts = client.get(f"/regions?parent={cities[0]['code']}").get_json()
    assert {"code": district[0], "name": district[1], "value": district[0]} in districts
    assert all(d["code"][:2] == province[:2] for d in districts)


# --- login ------------------------------------------------------------------------------------


def test_only_employer_accounts_log_in(client, login, employer_user, make_user, world) -> None:
    reviewer = world["school_user"]
    res = login(reviewer)
    assert res.status_code == 400
    assert _error(res.get_data(as_text=True), "password") == "用户名或密码错误"
    assert client.get("/employer/").status_code == 302

    user = employer_user()
    assert login(user, "wrong-password-1").status_code == 400
    res = login(user)
    assert res.status_code == 302 and res.headers["Location"].endswith("/employer/")
    assert client.get("/employer/").status_code == 200
    client.post("/employer/logout", data={"csrf_token": _csrf(client)})
    assert client.get("/employer/").status_code == 302


def _csrf(client: Any) -> str:
    html = client.get("/employer/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_pages_send_strangers_to_the_portal_login_and_tell_reviewers_where_to_go(client, staff_login, world) -> None:
    res = client.get("/employer/invite")
    assert res.status_code == 302 and "/employer/login?next=" in res.headers["Location"]
    staff_login(world["school_user"])
    assert client.get("/console/").status_code == 200
    res = client.get("/employer/")
    assert res.status_code == 403 and "请退出后使用用人单位账号登录" in res.get_data(as_text=True)


def test_login_follows_only_local_next(client, employer_user, csrf_off) -> None:
    user = employer_user()
    res = client.post("/employer/login?next=https://evil.example/", data={"username": user.username,
                                                                          "password": PASSWORD})
    assert res.headers["Location"].endswith("/employer/")


# --- invitation -----------------------------------------------------------------------------------


def test_find_by_name_and_id_number_shows_a_masked_summary_and_every_form_field(
        client, portal, graduate_api, csrf_off) -> None:
    graduate, _api = graduate_api(name="陈诚")
    portal()
    res = _find(client, "陈诚", graduate.id_number.lower())
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert graduate.id_number not in html
    assert graduate.id_number[:3] + "*" * 11 + graduate.id_number[-4:] in html
    for text in (graduate.school.name, graduate.department.name, graduate.major.name, "本科"):
        assert text in html
    assert "13800138000" not in html  # no contact details
    assert str(graduate.id) not in re.findall(r'name="token" value="([^"]+)"', html)
    for f in forms.fields():
        assert f'name="{f.key}"' in html, f.key
    days = forms.response_days_range()
    assert f'name="response_days" value="{days["default"]}"' in html
    assert f'min="{days["min"]}" max="{days["max"]}"' in html
    assert "应约截止时间为邀约日期加有效期天数后的次日零时" in html
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employer.find_graduate")) is not None


def test_find_by_exam_number(client, portal, graduate_api, csrf_off) -> None:
    graduate, _api = graduate_api(name="王芳", exam_no="26110101123456")
    portal()
    res = _find(client, "王芳", "26110101123456")
    assert res.status_code == 200 and _token(res.get_data(as_text=True))


def test_find_refuses_unknown_and_mismatched_graduates(client, portal, graduate_api, csrf_off) -> None:
    graduate, _api = graduate_api(name="陈诚")
    portal()
    for name, identifier in (("陈诚", "110101200001011237"), ("陈成", graduate.id_number), ("", "")):
        res = _find(client, name, identifier)
        assert res.status_code == 400
        html = res.get_data(as_text=True)
        assert 'name="token"' not in html
        assert _error(html, "identifier")
    assert "未找到相符的毕业生" in _error(_find(client, "陈成", graduate.id_number).get_data(as_text=True),
                                           "identifier")


def test_on_2_invitation_is_sent_with_its_deadline(client, portal, graduate_api, csrf_off) -> None:
    """ON-2: 应约截止时间 = 00:00 of the day after invitation date + 应约有效期."""
    graduate, _api = graduate_api()
    user = portal()
    token = _token(_find(client, graduate.name, graduate.id_number).get_data(as_text=True))
    res = _send(client, token, days=3)
    assert res.status_code == 302
    row = db.session.scalar(select(OnlineAgreement))
    assert row is not None and row.employer_id == user.employer_id and row.graduate_id == graduate.id
    assert row.status == "waiting" and row.terms["position"] == "数据分析师" and row.terms["trial_pay"] == 8000
    assert row.deadline == services.deadline_for(row.invited_at, 3)
    assert res.headers["Location"].endswith(f"/employer/agreements/{row.id}")
    page = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    assert "等待应约" in page and "数据分析师" in page and "北京市西城区人才服务中心" in page


def test_invitation_errors_are_shown_next_to_the_fields_and_nothing_is_saved(
        client, portal, graduate_api, csrf_off) -> None:
    graduate, _api = graduate_api()
    portal()
    token = _token(_find(client, graduate.name, graduate.id_number).get_data(as_text=True))
    res = _send(client, token, position="")
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert _error(html, "position") == "请填写岗位名称"
    assert 'value="北京市西城区人才服务中心"' in html  # values kept
    res = _send(client, token, days=0)
    assert res.status_code == 400
    assert "应约有效期应在" in _error(res.get_data(as_text=True), "response_days")
    res = _send(client, token, archive_transfer_type="11", archive_unit_name="")
    assert _error(res.get_data(as_text=True), "archive_unit_name") == "请填写档案转递单位名称"
    assert signing.count_rows(OnlineAgreement) == 0


def test_on_6_second_invitation_within_the_response_period_is_refused(
        client, portal, graduate_api, csrf_off) -> None:
    """ON-6: an employer cannot invite the same graduate again while its invitation is still answerable."""
    graduate, _api = graduate_api()
    portal()
    token = _token(_find(client, graduate.name, graduate.id_number).get_data(as_text=True))
    assert _send(client, token).status_code == 302
    res = _send(client, token)
    assert res.status_code == 409
    html = res.get_data(as_text=True)
    assert "不能重复邀请" in html
    assert signing.count_rows(OnlineAgreement) == 1
    # finding the graduate again says so before the form is filled in
    again = _find(client, graduate.name, graduate.id_number).get_data(as_text=True)
    assert 'id="pending-invitation"' in again and 'id="invite-form"' not in again


def test_d_2_directed_graduate_cannot_be_invited(client, portal, graduate_api, csrf_off) -> None:
    """D-2: 定向/委培 graduates cannot sign online; the refusal is shown and nothing is saved."""
    graduate, _api = graduate_api(training_mode="2", sponsor_unit="某某市教育局")
    portal()
    html = _find(client, graduate.name, graduate.id_number).get_data(as_text=True)
    assert "定向/委培毕业生不可网签" in html
    res = _send(client, _token_for(client, graduate))
    assert res.status_code == 409 and "定向/委培毕业生不可网签" in res.get_data(as_text=True)
    assert signing.count_rows(OnlineAgreement) == 0


def _token_for(client: Any, graduate: Any) -> str:
    """A token as the find step issues it (the page of a directed graduate has no form to read it from)."""
    from wxbackend.employer.agreements import graduate_token

    with client.session_transaction() as sess:
        user_id = int(sess["_user_id"].split(":")[1])
    user = db.session.get(User, user_id)
    assert user is not None and user.employer_id is not None
    return graduate_token(user.employer_id, graduate.id)


def test_on_1_employer_with_an_invalid_code_cannot_invite(client, portal, graduate_api, csrf_off) -> None:
    """ON-1: an employer row whose code fails the check character (older data) is refused at sending."""
    graduate, _api = graduate_api()
    portal(credit_code=wrong_check_character(credit_code(777)))
    token = _token(_find(client, graduate.name, graduate.id_number).get_data(as_text=True))
    res = _send(client, token)
    assert res.status_code == 403
    assert "统一社会信用代码无效" in res.get_data(as_text=True)
    assert signing.count_rows(OnlineAgreement) == 0


def test_the_graduate_token_is_signed_and_bound_to_the_employer(
        client, portal, employer_user, login, graduate_api, csrf_off) -> None:
    graduate, _api = graduate_api()
    portal()
    token = _token(_find(client, graduate.name, graduate.id_number).get_data(as_text=True))
    forged = _send(client, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert forged.status_code == 302 and forged.headers["Location"].endswith("/employer/invite")
    other = employer_user()
    login(other)
    stolen = _send(client, token)
    assert stolen.status_code == 302 and stolen.headers["Location"].endswith("/employer/invite")
    assert signing.count_rows(OnlineAgreement) == 0


# --- home list ---------------------------------------------------------------------------------------


def test_home_lists_own_invitations_newest_first_with_review_stage(
        client, portal, employer_user, graduate_api, invite, count_queries) -> None:
    user = portal()
    other = employer_user()
    first, _ = graduate_api(name="张三")
    second, _ = graduate_api(name="李四")
    row1 = invite(user, first)
    invite(user, second, position="前端工程师")
    invite(other, first, position="别家岗位")
    services.accept(first, row1.id)
    db.session.commit()

    html = client.get("/employer/").get_data(as_text=True)
    assert html.index("李四") < html.index("张三")
    assert "院系审核中" in html and "前端工程师" in html and "别家岗位" not in html
    assert "共 <strong>2</strong> 条" in html
    filtered = client.get("/employer/?status=reviewing").get_data(as_text=True)
    assert "张三" in filtered and "李四" not in filtered

    with count_queries() as few:
        client.get("/employer/")
    for n in range(5):
        g, _ = graduate_api(name=f"学生{n}")
        invite(user, g)
    with count_queries() as many:
        assert client.get("/employer/").status_code == 200
    assert many.count == few.count  # one query for the page, not one per row


def test_home_shows_an_overdue_invitation_as_expired(client, portal, graduate_api, invite, frozen_now) -> None:
    """ON-3: past its deadline an invitation reads 已失效, whether or not the expiry job has run."""
    user = portal()
    graduate, _ = graduate_api()
    row = invite(user, graduate, days=1)
    frozen_now(row.deadline)
    html = client.get("/employer/?status=expired").get_data(as_text=True)
    assert graduate.name in html and "已失效" in html


# --- the agreement page, the PDF -------------------------------------------------------------------------


def test_an_employer_cannot_open_another_employers_agreement(
        client, portal, employer_user, graduate_api, invite, review_all, csrf_off) -> None:
    portal()
    graduate, _ = graduate_api()
    row = _signed(graduate, employer_user(), invite, review_all)
    req = services.start_termination("graduate", actor_for(graduate), row, "04", "")
    db.session.commit()
    assert client.get(f"/employer/agreements/{row.id}").status_code == 404
    assert client.get(f"/employer/agreements/{row.id}/pdf").status_code == 404
    assert client.get("/employer/agreements/999999").status_code == 404
    assert client.post(f"/employer/agreements/{row.id}/terminations", data={"reason": "07"}).status_code == 404
    assert client.post(f"/employer/terminations/{req.id}/answer", data={"decision": "accept"}).status_code == 404
    assert client.post(f"/employer/terminations/{req.id}/cancel").status_code == 404
    db.session.refresh(req)
    assert req.status == "waiting"


def test_signed_agreement_shows_number_and_progress_and_downloads_its_pdf(
        client, portal, graduate_api, invite, review_all, drain_jobs) -> None:
    """ON-8: after the school passes, 签约完成 with a 协议编号 and the electronic agreement."""
    user = portal()
    graduate, _ = graduate_api()
    row = _signed(graduate, user, invite, review_all)
    drain_jobs()
    html = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    assert "签约完成" in html and row.agreement_no in html
    steps = re.findall(r'<span class="who">([^<]*)</span><strong class="action">([^<]*)</strong>', html)
    assert ("院系", "审核通过") in steps and ("学校", "审核通过") in steps
    assert "下载电子就业协议书" in html
    res = client.get(f"/employer/agreements/{row.id}/pdf")
    assert res.status_code == 200 and res.data.startswith(b"%PDF")
    assert res.headers["Content-Disposition"].endswith(f'"{row.agreement_no}.pdf"')


def test_pdf_not_rendered_yet_says_so_and_comes_back(client, portal, graduate_api, invite, review_all,
                                                     drain_jobs) -> None:
    user = portal()
    graduate, _ = graduate_api()
    row = _signed(graduate, user, invite, review_all)
    drain_jobs()
    db.session.refresh(row)
    row.pdf_file_id = None  # as if the render had not finished yet
    db.session.commit()
    res = client.get(f"/employer/agreements/{row.id}/pdf")
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/employer/agreements/{row.id}")
    assert "正在生成，请稍后刷新" in client.get(res.headers["Location"]).get_data(as_text=True)
    drain_jobs()
    assert client.get(f"/employer/agreements/{row.id}/pdf").data.startswith(b"%PDF")


def test_failed_agreement_shows_the_reason(client, portal, graduate_api, invite, review_all) -> None:
    """ON-9: a review reject is 签约失败 with its reason."""
    user = portal()
    graduate, _ = graduate_api()
    row = invite(user, graduate)
    services.accept(graduate, row.id)
    db.session.commit()
    review_all(services.KIND, row.id, "reject", reason="岗位信息与实际不符")
    html = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    assert "签约失败" in html and "岗位信息与实际不符" in html
    assert 'id="download-pdf"' not in html and 'id="termination-form"' not in html


# --- termination -----------------------------------------------------------------------------------


def test_ot_1_explanation_over_200_characters_is_refused_and_nothing_saved(
        client, portal, graduate_api, invite, review_all, csrf_off) -> None:
    """OT-1: 解约原因 is required and 解约说明 has at most 200 characters."""
    user = portal()
    graduate, _ = graduate_api()
    row = _signed(graduate, user, invite, review_all)
    res = client.post(f"/employer/agreements/{row.id}/terminations", data={"reason": "05", "explanation": "解" * 201})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert _error(html, "explanation").startswith("解约说明不能超过200个字")
    assert "解" * 201 in html  # kept for editing
    res = client.post(f"/employer/agreements/{row.id}/terminations", data={"reason": "", "explanation": "x"})
    assert res.status_code == 400 and _error(res.get_data(as_text=True), "reason") == "请选择解约原因"
    assert signing.count_rows(TerminationRequest) == 0


def test_ot_1_other_reason_without_explanation_is_refused_next_to_the_field(
        client, portal, graduate_api, invite, review_all, csrf_off) -> None:
    """OT-1: 其他原因 needs 解约说明; the portal says so next to the field and keeps the choice."""
    user = portal()
    graduate, _ = graduate_api()
    row = _signed(graduate, user, invite, review_all)
    res = client.post(f"/employer/agreements/{row.id}/terminations", data={"reason": "99", "explanation": " "})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert _error(html, "explanation") == "解约原因为“其他原因”时，请填写解约说明"
    assert '<option value="99" selected>' in html
    assert signing.count_rows(TerminationRequest) == 0


def test_ot_1_employer_starts_a_termination_and_may_cancel_it(
        client, portal, graduate_api, invite, review_all, csrf_off) -> None:
    """OT-1, OT-4: one open request; the initiator may withdraw it before the answer."""
    user = portal()
    graduate, _ = graduate_api()
    row = _signed(graduate, user, invite, review_all)
    # 200 characters with line breaks sent as CRLF still fit
    text = "\r\n".join(["说明" * 9] * 10) + "说" * 11
    assert len(text.replace("\r\n", "\n")) == 200
    res = client.post(f"/employer/agreements/{row.id}/terminations", data={"reason": "05", "explanation": text})
    assert res.status_code == 302
    req = db.session.scalar(select(TerminationRequest))
    assert req is not None and req.initiator == "employer" and req.status == "waiting" and req.reason_code == "05"
    html = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    assert "等待对方回应" in html and 'id="cancel-termination"' in html and 'id="termination-form"' not in html
    assert "用人单位取消或调整招聘计划" in client.get("/employer/").get_data(as_text=True)
    again = client.post(f"/employer/agreements/{row.id}/terminations", data={"reason": "05"})
    assert again.status_code == 409 and "已有进行中的解约申请" in again.get_data(as_text=True)

    assert client.post(f"/employer/terminations/{req.id}/answer", data={"decision": "accept"}).status_code == 403
    assert client.post(f"/employer/terminations/{req.id}/cancel").status_code == 302
    db.session.refresh(req)
    assert req.status == "cancelled"
    assert 'id="termination-form"' in client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)


def test_ot_2_employer_answers_the_graduates_termination_request(
        client, portal, graduate_api, invite, review_all, csrf_off) -> None:
    """OT-2, OT-3: accepting sends it to department then school review; rejecting keeps the agreement."""
    user = portal()
    graduate, _ = graduate_api()
    row = _signed(graduate, user, invite, review_all)
    req = services.start_termination("graduate", actor_for(graduate), row, "03", "已另选单位")
    db.session.commit()
    home = client.get("/employer/").get_data(as_text=True)
    assert "回应（接受 / 拒绝）" in home
    page = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    assert 'id="accept-termination"' in page and "已另选单位" in page

    res = client.post(f"/employer/terminations/{req.id}/answer", data={"decision": "decline"})
    assert res.status_code == 302
    db.session.refresh(req)
    assert req.status == "declined"
    assert client.post(f"/employer/terminations/{req.id}/answer", data={"decision": "accept"}).status_code == 409

    second = services.start_termination("graduate", actor_for(graduate), row, "03", "")
    db.session.commit()
    assert client.post(f"/employer/terminations/{second.id}/answer", data={"decision": "accept"}).status_code == 302
    db.session.refresh(second)
    assert second.status == "reviewing"
    item = engine.open_item(services.TERMINATION_KIND, second.id)
    assert item is not None and item.stage == "department"
    review_all(services.TERMINATION_KIND, second.id)
    html = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    assert "已解约" in html and "解约完成" in html and 'id="termination-form"' not in html
    db.session.refresh(row)
    assert row.status == "terminated" and row.terminated_at is not None


def test_termination_of_an_unsigned_agreement_is_refused(client, portal, graduate_api, invite, csrf_off) -> None:
    """OT-1: only a completed online agreement can be terminated."""
    user = portal()
    graduate, _ = graduate_api()
    row = invite(user, graduate)
    res = client.post(f"/employer/agreements/{row.id}/terminations", data={"reason": "05"})
    assert res.status_code == 409 and "只有签约完成的网上签约可以申请解约" in res.get_data(as_text=True)
    assert signing.count_rows(TerminationRequest) == 0


def test_invitation_time_is_shown_in_shanghai_time(client, portal, graduate_api, invite) -> None:
    user = portal()
    graduate, _ = graduate_api()
    row = invite(user, graduate)
    html = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    assert timeutil.fmt(row.invited_at) in html and timeutil.fmt(row.deadline) in html


# --- the employer's own information and password -----------------------------------------------

PROFILE = {"unit_nature": "39", "industry": "34", "address_region": "110108", "address_detail": "中关村大街1号",
           "contact_name": "王主管", "contact_phone": "010-62345678", "contact_mobile": "13900001111",
           "contact_email": "hr@example.com"}


def test_employer_updates_contacts_not_identity(client, csrf_off, portal, world, graduate_api, invite) -> None:
    """Contacts change for later invitations; an invitation already sent keeps its employer block."""
    user = portal()
    graduate, _api = graduate_api()
    sent = invite(user, graduate)
    page = client.get("/employer/account").get_data(as_text=True)
    assert "单位名称和统一社会信用代码须与营业执照一致" in page  # changed only through EM-1 review
    resp = client.post("/employer/account/profile", data={**PROFILE, "name": "冒名单位",
                                                          "credit_code": "91110108749352307A"})
    assert resp.status_code == 302
    db.session.expire_all()
    employer = db.session.get(Employer, user.employer_id)
    assert employer.contact_name == "王主管" and employer.address_region == "110108"
    assert employer.name != "冒名单位" and employer.credit_code != "91110108749352307A"
    assert sent.employer_info["contact_name"] == "李经理"


def test_bad_profile_is_refused_next_to_the_field_and_nothing_changes(client, csrf_off, portal) -> None:
    user = portal()
    resp = client.post("/employer/account/profile", data={**PROFILE, "contact_mobile": "123", "industry": "XX"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请填写11位手机号码" in html and "请从列表中选择" in html
    db.session.expire_all()
    assert db.session.get(Employer, user.employer_id).contact_mobile == "13111111111"


def test_password_change_checks_the_current_one_and_ends_other_sessions(app, client, csrf_off, portal,
                                                                       login) -> None:
    user = portal()
    other = app.test_client()  # a second device, logged in before the change
    other_login = other.post("/employer/login", data={"username": user.username, "password": PASSWORD})
    assert other_login.status_code == 302 and other.get("/employer/").status_code == 200

    wrong = client.post("/employer/account/password", data={
        "current_password": "not-it-1", "new_password": "new-pass-22", "new_password_confirm": "new-pass-22"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = client.post("/employer/account/password", data={
        "current_password": PASSWORD, "new_password": "short", "new_password_confirm": "short"})
    assert weak.status_code == 400 and "密码至少8位" in weak.get_data(as_text=True)

    ok = client.post("/employer/account/password", data={
        "current_password": PASSWORD, "new_password": "new-pass-22", "new_password_confirm": "new-pass-22"})
    assert ok.status_code == 302
    assert client.get("/employer/account").status_code == 200  # this session continues
    assert other.get("/employer/").status_code == 302  # the other device is logged out
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("new-pass-22")
