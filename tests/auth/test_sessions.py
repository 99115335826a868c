"""Browser sessions end on the server at logout: a copied session cookie stops working at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from wxbackend.accounts.models import WebSession
from wxbackend.core import timeutil
from wxbackend.core.db import db


def _copy(app: Any, client: Any) -> Any:
    """A second browser holding a copy of *client*'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


@pytest.mark.parametrize("login,home,logout,role", [
    ("/console/login", "/console/", "/console/logout", "school"),
    ("/employer/login", "/employer/", "/employer/logout", "employer"),
])
def test_logout_ends_a_copied_staff_session_too(app, client, csrf_off, make_user, make_school, make_employer,
                                                login, home, logout, role) -> None:
    scope = ({"school_id": make_school().id} if role == "school" else {"employer_id": make_employer().id})
    make_user(role, username="who", password="right-pass-1", **scope)
    assert client.post(login, data={"username": "who", "password": "right-pass-1"}).status_code == 302
    thief = _copy(app, client)
    assert thief.get(home).status_code == 200  # the copy works while the session lives
    assert client.post(logout).status_code == 302
    assert thief.get(home).status_code in (302, 401)
    assert client.get(home).status_code in (302, 401)
    assert db.session.scalar(select(func.count()).select_from(WebSession).where(WebSession.ended_at.is_(None))) == 0


def test_logout_ends_a_copied_graduate_web_session(app, client, csrf_off, make_graduate, make_local_account) -> None:
    graduate = make_graduate()
    make_local_account(username="chsi-user", password="chsi-pass-1", id_number=graduate.id_number,
                       name=graduate.name)
    assert client.post("/login", data={"username": "chsi-user", "password": "chsi-pass-1"}).status_code == 302
    thief = _copy(app, client)
    assert thief.get("/graduate/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert thief.get("/graduate/").status_code in (302, 401)


def test_one_logout_leaves_the_accounts_other_sessions(app, client, csrf_off, make_user, make_school) -> None:
    make_user("school", username="who", password="right-pass-1", school_id=make_school().id)
    phone, desk = app.test_client(), app.test_client()
    for browser in (phone, desk):
        assert browser.post("/console/login", data={"username": "who", "password": "right-pass-1"}).status_code == 302
    phone.post("/console/logout")
    assert desk.get("/console/").status_code == 200


def test_a_forged_or_old_style_session_id_is_nobody(app, client, make_user, make_school) -> None:
    user = make_user("school", username="who", password="right-pass-1", school_id=make_school().id)
    for forged in (f"u:{user.id}:{user.session_version}", f"u:{user.id}:{user.session_version}:made-up", "u:x",
                   f"g:{user.id}", f"g:{user.id}:made-up"):
        with client.session_transaction() as sess:
            sess["_user_id"] = forged
        assert client.get("/console/").status_code == 302, forged


def test_housekeeping_ends_sessions_after_thirty_days_and_forgets_ended_ones(app, client, csrf_off, make_user,
                                                                     make_school, frozen_now) -> None:
    from wxbackend.auth.principals import purge_sessions

    make_user("school", username="who", password="right-pass-1", school_id=make_school().id)
    start = timeutil.now()
    client.post("/console/login", data={"username": "who", "password": "right-pass-1"})
    other = app.test_client()  # isolated: the client fixture set the class
    other.post("/console/login", data={"username": "who", "password": "right-pass-1"})
    other.post("/console/logout")
    frozen_now(start + timedelta(days=29))
    assert client.get("/console/").status_code == 200
    assert purge_sessions() == 1  # the ended one
    db.session.commit()
    frozen_now(start + timedelta(days=30, seconds=1))
    assert purge_sessions() == 1
    db.session.commit()
    assert client.get("/console/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(WebSession)) == 0
