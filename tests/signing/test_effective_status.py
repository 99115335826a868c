"""ON-3 on read: a waiting invitation past its 应约截止时间 is 已失效 everywhere at once, before the expiry job
stamps it — the graduate's list and detail, the employer's home (and its status filter) and agreement page —
all from OnlineAgreement.effective_status and its SQL form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.signing import services
from wxbackend.signing.models import STATUSES, OnlineAgreement

#: When the invitations are sent (a Monday morning, Asia/Shanghai).
SENT = datetime(2026, 3, 2, 10, 0, tzinfo=timeutil.SHANGHAI)


def test_on_3_effective_status_and_its_sql_form_agree(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                                      invite: Callable[..., Any], frozen_now: Any) -> None:
    frozen_now(SENT)
    user = employer_user()
    fresh = invite(user, grad(), days=5)
    stamped = invite(user, grad(), days=1)
    overdue = invite(user, grad(), days=2)
    answered_by = grad()
    declined = invite(user, answered_by, days=5)
    services.decline(answered_by, declined.id)
    db.session.commit()
    assert services.expire_due(stamped.deadline) == 1  # the job ran once, a day before *now*
    now = overdue.deadline  # the deadline instant itself is past (ON-3)
    rows = [fresh, stamped, overdue, declined]
    for row in rows:
        db.session.refresh(row)

    assert overdue.status == "waiting" and overdue.is_overdue(now)
    assert overdue.effective_status(now) == "expired" and overdue.effective_status_label(now) == "已失效"
    assert overdue.effective_status(now - timedelta(seconds=1)) == "waiting"
    assert stamped.effective_status(now) == "expired" and not stamped.is_overdue(now)
    assert [r.effective_status(now) for r in (fresh, declined)] == ["waiting", "declined"]
    for status in STATUSES:
        in_sql = set(db.session.scalars(
            select(OnlineAgreement.id).where(OnlineAgreement.effective_status_where(status, now))))
        assert in_sql == {r.id for r in rows if r.effective_status(now) == status}, status


def test_on_3_graduate_list_and_detail_show_expired_before_the_job(
        graduate_api: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        frozen_now: Any) -> None:
    frozen_now(SENT)
    graduate, api = graduate_api()
    row = invite(employer_user(), graduate, days=1)
    frozen_now(row.deadline)
    (entry,) = [r for r in api.home()["records"] if r["type"] == "online_agreement"]
    assert entry["status"] == "expired" and entry["status_label"] == "已失效"
    detail = api.get(f"/agreements/{row.id}").get_json()
    shown = {r["label"]: r["value"] for s in detail["sections"] for r in s["rows"]}
    assert detail["status_label"] == "已失效" and shown["签约状态"] == "已失效"
    db.session.refresh(row)
    assert row.status == "waiting"  # nothing was stamped: the list computed it


def test_on_3_employer_home_and_agreement_page_show_expired_before_the_job(
        client: Any, csrf_off: None, employer_user: Callable[..., Any], grad: Callable[..., Any],
        invite: Callable[..., Any], frozen_now: Any) -> None:
    frozen_now(SENT)
    user = employer_user()
    graduate = grad(name="王过期")
    row = invite(user, graduate, days=1)
    waiting = invite(user, grad(name="李等待"), days=5)
    assert client.post("/employer/login", data={"username": user.username, "password": "secret-pass-1"}
                       ).status_code == 302
    frozen_now(row.deadline)

    def shows_expired() -> None:
        home = client.get("/employer/").get_data(as_text=True)
        line = home[home.index(f'<tr data-id="{row.id}"'):]
        assert '<span class="badge badge-bad status">已失效</span>' in line[:line.index("</tr>")]
        expired = client.get("/employer/?status=expired").get_data(as_text=True)
        assert "王过期" in expired and "李等待" not in expired
        still_waiting = client.get("/employer/?status=waiting").get_data(as_text=True)
        assert "李等待" in still_waiting and "王过期" not in still_waiting
        page = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
        assert '<span class="badge badge-bad" id="agreement-status">已失效</span>' in page
        assert 'id="road"' not in page  # the road ended early, as for every expired invitation
        assert "超过应约截止时间，签约邀请已失效" in page and "该记录不能申请解约" in page

    shows_expired()  # before the job: computed on read
    assert services.expire_due() == 1
    db.session.commit()
    shows_expired()  # after it: the same page, now from the stamped row
    db.session.refresh(waiting)
    assert waiting.status == "waiting"
