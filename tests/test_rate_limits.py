"""Rate limits on password logins and on the employers' graduate lookup (security, §1 actors).

Failed logins count per address and account name; the employer lookup counts per account.
Limits are lowered here so the tests stay short; the real ones are settings.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    return {"LOGIN_RATE_LIMIT": "3 per 15 minutes", "LOOKUP_RATE_LIMIT": "2 per hour",
            "REGISTER_RATE_LIMIT": "2 per hour"}


def _login(client: Any, path: str, username: str, password: str) -> Any:
    return client.post(path, data={"username": username, "password": password})


@pytest.mark.parametrize("path,role", [("/console/login", "school"), ("/employer/login", "employer")])
def test_failed_logins_are_limited_per_account_name_and_address(client, csrf_off, make_user, make_school,
                                                                make_employer, path, role) -> None:
    scope = ({"school_id": make_school().id} if role == "school" else {"employer_id": make_employer().id})
    make_user(role, username="target", password="right-pass-1", **scope)
    make_user(role, username="other", password="right-pass-1", **scope)
    for _ in range(3):
        assert _login(client, path, "target", "wrong").status_code == 400
    refused = _login(client, path, "target", "right-pass-1")
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "尝试次数过多，请稍后再试" in html
    # another account from the same address is not locked out
    assert _login(client, path, "other", "right-pass-1").status_code == 302


def test_successful_logins_do_not_count(client, csrf_off, make_user, make_school) -> None:
    make_user("school", username="often", password="right-pass-1", school_id=make_school().id)
    for _ in range(6):
        assert _login(client, "/console/login", "often", "right-pass-1").status_code == 302
        client.post("/console/logout")


def test_graduate_web_login_is_limited(client, csrf_off, make_local_account) -> None:
    make_local_account(username="chsi-user", password="chsi-pass-1")
    for _ in range(3):
        assert _login(client, "/login", "chsi-user", "wrong").status_code >= 400
    assert _login(client, "/login", "chsi-user", "chsi-pass-1").status_code == 429


def test_employer_graduate_lookup_is_limited_per_account(client, csrf_off, make_user, make_employer) -> None:
    """Employers cannot enumerate 姓名 + 身份证号 pairs: searches are counted per account."""
    make_user("employer", username="hr", password="right-pass-1", employer_id=make_employer().id)
    assert _login(client, "/employer/login", "hr", "right-pass-1").status_code == 302
    search = {"step": "find", "name": "王堃", "identifier": "110101200203150011"}
    for _ in range(2):
        assert client.post("/employer/invite", data=search).status_code in (200, 400, 404)
    resp = client.post("/employer/invite", data=search)
    assert resp.status_code == 429 and "尝试次数过多" in resp.get_data(as_text=True)


def test_a_client_cannot_choose_the_address_its_failed_logins_count_under(client, csrf_off, make_user,
                                                                          make_school) -> None:
    """Without trusted proxies (the default) X-Real-IP and X-Forwarded-For are the client's own words."""
    make_user("school", username="target", password="right-pass-1", school_id=make_school().id)
    for i in range(3):
        spoof = {"X-Real-IP": f"10.0.0.{i}", "X-Forwarded-For": f"10.1.0.{i}"}
        assert client.post("/console/login", data={"username": "target", "password": "wrong"},
                           headers=spoof).status_code == 400
    locked = client.post("/console/login", data={"username": "target", "password": "right-pass-1"},
                         headers={"X-Real-IP": "10.0.0.99", "X-Forwarded-For": "10.1.0.99"})
    assert locked.status_code == 429



@pytest.mark.parametrize("path,role", [("/console/login", "school"), ("/employer/login", "employer"),
                                       ("/login", "graduate")])
def test_every_refused_login_does_the_same_password_hash_work(client, csrf_off, make_user, make_school,
                                                              make_employer, make_local_account, monkeypatch,
                                                              path, role) -> None:
    """An unknown name, an account of another portal and a wrong password each check one hash of the
    same kind, so the answer's timing does not tell which account names exist."""
    from werkzeug import security

    from wxbackend.accounts import models

    if role == "graduate":
        make_local_account(username="known", password="right-pass-1")
    else:
        scope = ({"school_id": make_school().id} if role == "school" else {"employer_id": make_employer().id})
        make_user(role, username="known", password="right-pass-1", **scope)
    make_user("admin", username="other-portal", password="right-pass-1")
    checked: list[str] = []

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])  # the method and its cost parameters
        return security.check_password_hash(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", spy)
    names = ["known", "nobody-" + role, "other-portal"]
    for name in names:
        assert _login(client, path, name, "wrong-pass-9").status_code in (400, 401)
    assert len(checked) == len(names) and len(set(checked)) == 1


def test_em_2_employer_registration_is_limited_per_address(app, csrf_off) -> None:
    """EM-2: registrations count per client address; a refused form does not count; another address registers."""
    from sqlalchemy import func, select

    from tests.employer.test_portal import REGISTRATION
    from tests.factories import credit_code
    from wxbackend.accounts.models import Employer
    from wxbackend.core.db import db

    def register(n: int, address: str, **changes: str) -> int:
        browser = app.test_client()  # a new browser each time: a registration logs the browser in
        form = {**REGISTRATION, "name": f"北京注册测试{n}有限公司", "credit_code": credit_code(9000 + n),
                "username": f"reg_user_{n}", **changes}
        return int(browser.post("/employer/register", data=form, environ_base={"REMOTE_ADDR": address}).status_code)

    assert register(1, "198.51.100.1", contact_mobile="123") == 400  # refused: not counted
    assert [register(n, "198.51.100.1") for n in (2, 3)] == [302, 302]
    assert register(4, "198.51.100.1") == 429
    assert register(5, "198.51.100.2") == 302
    assert db.session.scalar(select(func.count(Employer.id))) == 3
