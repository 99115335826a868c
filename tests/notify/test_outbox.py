"""WeChat reminders (§9): the outbox is sent as subscribe messages by a job, with retries (MS-1, MS-2).

The real wechatpy client talks to the fake WeChat server on 127.0.0.1 (token + subscribe/send).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.auth.fakes import FakeServer, fake_server  # noqa: F401
from tests.conftest import IS_PG
from tests.signing.conftest import (  # noqa: F401
    Api,
    employer_user,
    graduate_api,
    invite,
    review_all,
    world,
)
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import WechatBinding
from wxbackend.auth.wechat import build_client
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.notify import sender
from wxbackend.notify.models import NotificationOutbox
from wxbackend.signing import services

TEMPLATES = {
    "invitation_received": {"template_id": "TPL-INVITE", "page": "pages/destination/destination",
                            "fields": {"thing1": "title", "thing2": "body", "time3": "created_at"}},
    "review_result": {"template_id": "TPL-REVIEW", "fields": {"thing1": "title", "thing2": "body"}},
    "invitation_expired": {"template_id": "TPL-INVITE", "fields": {"thing1": "title", "thing2": "body",
                                                                   "time3": "created_at"}},
    "termination_received": {"template_id": "TPL-TERM", "fields": {"thing1": "title", "phrase2": "text:待回应"}},
}


@pytest.fixture()
def settings_overrides(fake_server: FakeServer) -> dict[str, Any]:  # noqa: F811
    return {"WECHAT_API_ORIGIN": fake_server.url, "WECHAT_MINI_APPID": fake_server.appid,
            "WECHAT_MINI_SECRET": fake_server.secret, "WECHAT_MESSAGE_TEMPLATES": json.dumps(TEMPLATES)}


def _bind(graduate: Any, openid: str | None = None) -> str:
    openid = openid or f"openid-{graduate.id}"
    db.session.add(WechatBinding(graduate_id=graduate.id, openid=openid))
    db.session.commit()
    return openid


def _rows(kind: str | None = None) -> list[NotificationOutbox]:
    db.session.expire_all()
    stmt = select(NotificationOutbox).order_by(NotificationOutbox.id)
    if kind:
        stmt = stmt.where(NotificationOutbox.kind == kind)
    return list(db.session.scalars(stmt))


def test_ms_1_invitation_review_result_and_termination_reach_the_bound_graduate(
        fake_server, graduate_api, employer_user, invite, review_all, drain_jobs) -> None:  # noqa: F811
    """MS-1: a new invitation, each review result and the employer's termination request are sent."""
    graduate, api = graduate_api()
    openid = _bind(graduate)
    user = employer_user(name="学信咨询服务有限公司")
    row = invite(user, graduate)
    drain_jobs()
    (first,) = fake_server.messages
    assert first["touser"] == openid and first["template_id"] == "TPL-INVITE"
    assert first["page"] == "pages/destination/destination"
    assert first["data"]["thing1"]["value"] == "收到签约邀请"
    assert len(first["data"]["thing2"]["value"]) <= 20 and first["data"]["thing2"]["value"].endswith("…")
    assert _rows("invitation_received")[0].status == "sent"

    assert api.post(f"/agreements/{row.id}/accept").status_code == 200
    review_all("online_agreement", row.id)
    drain_jobs()
    reviews = [m for m in fake_server.messages if m["template_id"] == "TPL-REVIEW"]
    assert [m["data"]["thing1"]["value"] for m in reviews] == ["网上签约院系审核通过", "网上签约审核通过"]

    services.start_termination("employer", actor_for(user), row, "05", None, user=user)
    db.session.commit()
    drain_jobs()
    assert fake_server.messages[-1]["template_id"] == "TPL-TERM"
    assert fake_server.messages[-1]["data"]["phrase2"]["value"] == "待回应"
    assert {r.status for r in _rows()} == {"sent"}


def test_ms_1_unbound_graduate_and_kinds_without_template_are_skipped(
        fake_server, graduate_api, employer_user, invite, drain_jobs) -> None:  # noqa: F811
    """MS-1: without a WeChat binding there is nobody to send to; the row says why."""
    graduate, _api = graduate_api()
    invite(employer_user(), graduate)
    drain_jobs()
    (row,) = _rows()
    assert row.status == "skipped" and row.last_error == "未绑定微信" and fake_server.messages == []


def test_ms_2_a_failed_send_never_fails_the_action_and_is_retried_later(
        fake_server, graduate_api, employer_user, invite, drain_jobs, frozen_now, app) -> None:  # noqa: F811
    """MS-2: WeChat busy → the invitation stands, the message waits 1 min, then goes out."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    graduate, _api = graduate_api()
    _bind(graduate)
    fake_server.message_failures = [-1]
    row = invite(employer_user(), graduate)
    drain_jobs()
    (msg,) = _rows()
    assert row.id and msg.status == "pending" and msg.attempts == 1 and msg.last_error.startswith("-1")
    assert msg.next_attempt_at == timeutil.now() + timedelta(minutes=1)
    assert sender.send_pending() == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}  # not due yet
    frozen_now(timeutil.now() + timedelta(minutes=2))
    assert sender.send_pending()["sent"] == 1
    (msg,) = _rows()
    assert msg.status == "sent" and msg.attempts == 2 and len(fake_server.messages) == 1


def test_ms_2_gives_up_after_five_attempts_and_skips_refusals(
        fake_server, graduate_api, employer_user, invite, drain_jobs, frozen_now) -> None:  # noqa: F811
    """MS-2: five transient failures → failed; 43101 (user refused) → skipped without retrying."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    graduate, _api = graduate_api()
    _bind(graduate)
    fake_server.message_failures = [45009] * 5 + [43101]
    invite(employer_user(), graduate)
    drain_jobs()
    for pause in sender.BACKOFF:
        frozen_now(timeutil.now() + pause)
        sender.send_pending()
    (msg,) = _rows()
    assert msg.status == "failed" and msg.attempts == 5 and msg.last_error.startswith("45009")
    invite(employer_user(), graduate)
    drain_jobs()
    refused = _rows()[-1]
    assert refused.status == "skipped" and refused.attempts == 1 and refused.last_error.startswith("43101")
    assert fake_server.messages == []


def test_ms_2_wechat_unreachable_is_retried_and_old_reminders_are_dropped(
        fake_server, graduate_api, employer_user, invite, drain_jobs, frozen_now, app) -> None:  # noqa: F811
    """MS-2: network errors are retried; a reminder older than MESSAGE_MAX_AGE_HOURS is not sent late."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    graduate, _api = graduate_api()
    _bind(graduate)
    settings = app.config["SETTINGS"]
    # the app's client now points at a port where nothing listens
    app.extensions["wx_mini_client"] = build_client(dataclasses.replace(settings, WECHAT_API_ORIGIN="http://127.0.0.1:9"))
    try:
        invite(employer_user(), graduate)
        drain_jobs()
    finally:
        app.extensions.pop("wx_mini_client", None)
    (msg,) = _rows()
    assert msg.status == "pending" and msg.attempts == 1 and "ConnectionError" in msg.last_error
    frozen_now(timeutil.now() + timedelta(hours=settings.MESSAGE_MAX_AGE_HOURS, minutes=1))
    sender.send_pending()
    (msg,) = _rows()
    assert msg.status == "skipped" and msg.last_error == "消息已过时，不再发送" and fake_server.messages == []


def test_ms_1_expired_invitations_are_announced(fake_server, graduate_api, employer_user, invite,  # noqa: F811
                                                 drain_jobs, frozen_now) -> None:
    """MS-1, ON-3: the expiry job's messages go out too."""
    from jobs.expiry import expire_invitations
    from wxbackend.core.jobs import enqueue_now

    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    graduate, _api = graduate_api()
    _bind(graduate)
    row = invite(employer_user(), graduate, days=1)
    drain_jobs()
    frozen_now(row.deadline + timedelta(minutes=1))
    enqueue_now(expire_invitations)
    drain_jobs()
    drain_jobs()  # the sender queued by the expiry job
    assert [m["data"]["thing1"]["value"] for m in fake_server.messages] == ["收到签约邀请", "签约邀请已失效"]


def test_message_templates_for_the_mini_program(graduate_api) -> None:  # noqa: F811
    """MS-1: the mini-program asks the user to subscribe to these template ids."""
    _graduate, api = graduate_api()
    body = api.get("/me/message-templates").get_json()
    assert sorted(body["template_ids"]) == ["TPL-INVITE", "TPL-REVIEW", "TPL-TERM"]
    assert sorted(body["kinds"]["TPL-INVITE"]) == ["invitation_expired", "invitation_received"]


@pytest.mark.skipif(not IS_PG, reason="concurrent writers need PostgreSQL")
def test_ms_2_two_senders_at_once_send_each_message_once(app, fake_server, graduate_api,  # noqa: F811
                                                          drain_jobs) -> None:
    """MS-2: rows are claimed (a committed lease) before sending: parallel workers never send twice."""
    graduate, _api = graduate_api()
    _bind(graduate)
    for _ in range(120):
        db.session.add(NotificationOutbox(graduate_id=graduate.id, kind="review_result", title="审核通过",
                                          body="您的毕业去向登记已通过学校审核。", data={}, status="pending",
                                          created_at=timeutil.now(), attempts=0))
    db.session.commit()
    barrier = threading.Barrier(3)
    results: list[dict[str, int]] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            results.append(sender.send_pending())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r["sent"] for r in results) == 120
    assert len(fake_server.messages) == 120
    assert {r.status for r in _rows()} == {"sent"}


def test_ms_1_bindings_are_looked_up_once_per_batch(app, fake_server, make_graduate,  # noqa: F811
                                                   count_queries) -> None:
    """MS-1: the WeChat transport reads the batch's openids in one query, whatever the batch's size."""

    def owe(count: int) -> None:
        for _ in range(count):
            graduate = make_graduate()
            _bind(graduate)
            db.session.add(NotificationOutbox(graduate_id=graduate.id, kind="review_result", title="审核通过",
                                              body="您的毕业去向登记已通过学校审核。", data={}, status="pending",
                                              created_at=timeutil.now(), attempts=0))
        db.session.commit()

    counts = []
    for size in (2, 8):
        owe(size)
        with count_queries() as q:
            assert sender.send_pending()["sent"] == size
        assert len([s for s in q.statements if "wechat_binding" in s]) == 1
        counts.append(q.count)
    assert counts[0] == counts[1], counts
    assert len(fake_server.messages) == 10 and {r.channel for r in _rows()} == {"wechat"}


def test_ms_1_expiry_rows_written_by_insert_select_are_wechat_rows(graduate_api, employer_user, invite,  # noqa: F811
                                                                   drain_jobs, frozen_now) -> None:
    """MS-1, ON-3: the expiry job's INSERT … SELECT leaves channel to its default, wechat, to the graduate."""
    from wxbackend.signing.services import expire_due, fan_out_pending

    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    graduate, _api = graduate_api()
    row = invite(employer_user(), graduate, days=1)
    frozen_now(row.deadline + timedelta(minutes=1))
    assert expire_due() == 1
    db.session.commit()
    assert fan_out_pending() == 1
    db.session.commit()
    (expired,) = _rows("invitation_expired")
    assert (expired.channel, expired.graduate_id, expired.phone) == ("wechat", graduate.id, None)
