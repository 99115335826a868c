"""The HTTP SMS provider against a fake gateway on 127.0.0.1 (MS-2, MS-3): JSON post, retries, refusals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jobs.scheduler import tick
from tests.notify.fakes import FakeSmsGateway, sms_gateway  # noqa: F401
from wxbackend import notify
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.notify import sender
from wxbackend.notify.models import NotificationOutbox
from wxbackend.notify.sms import HttpSmsProvider

NOTHING = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
BODY = "请通过以下链接上传签约材料：http://127.0.0.1:5000/u/abc"


@pytest.fixture()
def settings_overrides(sms_gateway: FakeSmsGateway) -> dict[str, Any]:  # noqa: F811
    return {"SMS_API_URL": sms_gateway.endpoint, "SMS_API_KEY": "sms-secret-key", "SMS_SIGN_NAME": "就业网"}


def _row() -> NotificationOutbox:
    db.session.expire_all()
    (row,) = db.session.scalars(select(NotificationOutbox))
    return row


def _owe_sms() -> NotificationOutbox:
    row = notify.notify_phone("13900139000", "upload_link", "上传材料", BODY, {"agreement_id": 7})
    db.session.commit()
    return row


def test_ms_3_the_http_provider_posts_json_to_the_gateway(app, sms_gateway, drain_jobs) -> None:  # noqa: F811
    """MS-3: the message is posted as JSON with the key, the sign name and the row id; a 2xx is sent."""
    assert isinstance(sender.transports()["sms"].provider, HttpSmsProvider)
    row = _owe_sms()
    drain_jobs()
    (post,) = sms_gateway.posts
    assert post["json"] == {"phone": "13900139000", "sign_name": "就业网", "content": BODY, "kind": "upload_link",
                            "message_id": row.id}
    assert post["headers"]["Authorization"] == "Bearer sms-secret-key"
    assert post["headers"]["Content-Type"] == "application/json"
    sent = _row()
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None and sent.last_error is None


def test_ms_2_a_gateway_5xx_is_retried_with_backoff(app, sms_gateway, drain_jobs, frozen_now) -> None:  # noqa: F811
    """MS-2: 503 → waits 1 min, 502 → waits 5 min, then sent; the scheduler's run picks the retries up."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    sms_gateway.statuses = [503, 502]
    row = _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 1 and msg.last_error.startswith("HTTP 503")
    assert msg.next_attempt_at == timeutil.now() + sender.BACKOFF[0]
    assert sender.send_pending() == NOTHING  # not due yet
    frozen_now(timeutil.now() + sender.BACKOFF[0])
    assert tick(app, None) is True  # the periodic sender runs although WeChat is not configured
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 2 and msg.last_error.startswith("HTTP 502")
    assert msg.next_attempt_at == timeutil.now() + sender.BACKOFF[1]
    frozen_now(timeutil.now() + sender.BACKOFF[1])
    assert sender.send_pending() == {**NOTHING, "sent": 1}
    msg = _row()
    assert msg.status == "sent" and msg.attempts == 3 and msg.last_error is None and msg.next_attempt_at is None
    assert [p["json"]["message_id"] for p in sms_gateway.posts] == [row.id] * 3


def test_ms_3_a_gateway_4xx_fails_without_retrying(app, sms_gateway, drain_jobs, frozen_now) -> None:  # noqa: F811
    """MS-3: a refused request (400) will not get better: the row is failed with the gateway's answer."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    sms_gateway.statuses = [400]
    _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "failed" and msg.attempts == 1 and msg.next_attempt_at is None
    assert msg.last_error.startswith("HTTP 400") and "fake failure 400" in msg.last_error
    frozen_now(timeutil.now() + timedelta(hours=3))
    assert sender.send_pending() == NOTHING
    assert len(sms_gateway.posts) == 1


def test_ms_2_an_unreachable_gateway_is_retried(app, sms_gateway, drain_jobs) -> None:  # noqa: F811
    """MS-2: a network error is transient; the user's action was committed long before."""
    sender.transports()["sms"].provider.url = "http://127.0.0.1:9/sms/send"  # nothing listens there
    _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 1 and "ConnectionError" in msg.last_error
    assert sms_gateway.posts == []
