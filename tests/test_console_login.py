"""Console login: real form with CSRF, wrong passwords, inactive accounts, employer accounts refused."""

from __future__ import annotations


def test_school_reviewer_logs_in_and_sees_home(client, make_user, make_school, staff_login) -> None:
    school = make_school()
    user = make_user("school", school_id=school.id)
    res = staff_login(user)
    assert res.status_code == 302
    home = client.get("/console/")
    assert home.status_code == 200
    assert user.display_name in home.get_data(as_text=True)


def test_wrong_password_says_so_next_to_the_field(client, make_user, make_school, csrf_off) -> None:
    user = make_user("school", school_id=make_school().id)
    res = client.post("/console/login", data={"username": user.username, "password": "nope"})
    assert res.status_code == 400
    assert "用户名或密码错误" in res.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user, make_school) -> None:
    user = make_user("school", school_id=make_school().id)
    res = client.post("/console/login", data={"username": user.username, "password": "secret-pass-1"})
    assert res.status_code == 400
    assert client.get("/console/").status_code == 302


def test_employer_account_cannot_use_the_console(client, make_user, make_employer, staff_login) -> None:
    user = make_user("employer", employer_id=make_employer().id)
    res = staff_login(user)
    assert res.status_code == 400
    assert client.get("/console/").status_code == 302


def test_disabling_an_account_ends_its_session(client, make_user, make_school, staff_login, app) -> None:
    from wxbackend.core.db import db

    user = make_user("school", school_id=make_school().id)
    staff_login(user)
    assert client.get("/console/").status_code == 200
    user.session_version += 1
    db.session.commit()
    assert client.get("/console/").status_code == 302
