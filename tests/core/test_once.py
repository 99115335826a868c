"""One-time form keys: double-clicking 发布 publishes a notice once (every create form is idempotent)."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import IS_PG
from wxbackend.accounts.models import Notice
from wxbackend.core import once, timeutil
from wxbackend.core.db import db
from wxbackend.core.once import FormSubmission


def _form(client: Any) -> dict[str, str]:
    page = client.get("/console/notices/new").get_data(as_text=True)
    return {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            for name in ("csrf_token", "form_key")}


def _count() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(Notice)) or 0)


def test_a_notice_form_submitted_twice_publishes_once(client: Any, make_user: Any, staff_login: Any) -> None:
    staff_login(make_user("admin"))
    data = {**_form(client), "title": "关于毕业去向登记的通知", "body": "正文", "published": "1"}
    first = client.post("/console/notices/new", data=data)
    second = client.post("/console/notices/new", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _count() == 1
    assert "请勿重复提交" in client.get(second.headers["Location"]).get_data(as_text=True)
    # a fresh form (a new key) publishes a second notice
    client.post("/console/notices/new", data={**data, **_form(client)})
    assert _count() == 2


def test_a_form_with_errors_keeps_its_key_usable(client: Any, make_user: Any, staff_login: Any) -> None:
    """A refused submission claims nothing: the corrected form (same key) still creates."""
    staff_login(make_user("admin"))
    form = _form(client)
    assert client.post("/console/notices/new", data={**form, "title": "", "body": "正文"}).status_code == 400
    assert client.post("/console/notices/new", data={**form, "title": "标题", "body": "正文"}).status_code == 302
    assert _count() == 1


@pytest.mark.skipif(not IS_PG, reason="concurrent writers with row locks need PostgreSQL")
def test_two_simultaneous_submissions_of_one_form_create_one_notice(app: Any, make_user: Any) -> None:
    """The key is claimed in the creating transaction: two requests released together create one row."""
    admin = make_user("admin")
    with app.test_client() as c0:
        page = c0.get("/console/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        c0.post("/console/login", data={"username": admin.username, "password": "secret-pass-1", "csrf_token": token})
        form = _form(c0)
        cookie = c0.get_cookie("session")
    assert cookie is not None
    barrier = threading.Barrier(4)
    codes: list[int] = []

    def post() -> None:
        with app.test_client() as c:
            c.set_cookie("session", cookie.value)
            barrier.wait(timeout=30)
            codes.append(c.post("/console/notices/new",
                                data={**form, "title": "并发通知", "body": "正文", "published": "1"}).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert codes == [302] * 4
    assert _count() == 1


def test_old_keys_are_purged(app: Any) -> None:
    db.session.add(FormSubmission(key="old", scope="x", created_at=timeutil.now() - timedelta(days=3)))
    db.session.add(FormSubmission(key="new", scope="x", created_at=timeutil.now()))
    db.session.commit()
    assert once.purge() == 1
    db.session.commit()
    assert [r.key for r in db.session.scalars(select(FormSubmission))] == ["new"]
