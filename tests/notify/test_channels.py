"""Outbox channels (§9): a row goes to a graduate over WeChat or to a phone by SMS (MS-1, MS-2, MS-3).

These tests run with the default settings: no WeChat templates (the WeChat channel is off) and no
SMS_API_URL (SMS goes through the log provider).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wxbackend import notify
from wxbackend.config import ConfigError, Settings
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.notify import sender
from wxbackend.notify.models import NotificationOutbox
from wxbackend.notify.sms import HttpSmsProvider, LogSmsProvider, SmsTransport, provider_for


def _rows() -> list[NotificationOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(select(NotificationOutbox).order_by(NotificationOutbox.id)))


def test_ms_3_an_sms_row_is_sent_by_the_log_provider_by_default(app, make_graduate, drain_jobs, caplog) -> None:
    """MS-3, MS-2: without SMS_API_URL the message goes to the log and counts as sent, after the commit."""
    caplog.set_level(logging.INFO, logger="wxbackend.notify.sms")
    assert isinstance(sender.transports()["sms"], SmsTransport)
    assert isinstance(sender.transports()["sms"].provider, LogSmsProvider)
    row = notify.notify_phone(" 13900139000 ", "upload_link", "上传材料",
                              "请通过以下链接上传签约材料：http://127.0.0.1:5000/u/abc", {"agreement_id": 7})
    assert row.channel == "sms" and row.phone == "13900139000" and row.graduate_id is None
    db.session.commit()
    drain_jobs()
    (sent,) = _rows()
    assert sent.status == "sent" and sent.sent_at >= sent.created_at and sent.attempts == 1
    assert sent.last_error is None and sent.next_attempt_at is None and sent.data == {"agreement_id": 7}
    assert "13900139000" in caplog.text and "请通过以下链接上传签约材料" in caplog.text


def test_ms_1_wechat_rows_wait_untouched_while_wechat_is_off_and_sms_still_goes(
        app, make_graduate, drain_jobs) -> None:
    """MS-1, MS-3: without WeChat templates nothing is sent on WeChat (as before); SMS is always on."""
    graduate = make_graduate()
    assert not app.config["SETTINGS"].messages_enabled
    wechat = notify.notify_graduate(graduate.id, "review_result", "毕业去向登记审核通过",
                                    "您的毕业去向登记已通过学校审核。", {"item_id": 1})
    assert wechat.channel == "wechat" and wechat.phone is None
    assert not db.session.info.get("pending_jobs")  # no sender queued for the WeChat row
    db.session.commit()
    notify.notify_phone("13900139000", "upload_link", "上传材料", "请上传签约材料。", {})
    assert [p[:2] for p in db.session.info["pending_jobs"]] == [(notify.SENDER_JOB, ())]
    db.session.commit()
    drain_jobs()
    waiting, sms = _rows()
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at, waiting.last_error) == ("pending", 0, None, None)
    assert sms.status == "sent"
    assert sender.send_pending() == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    assert _rows()[0].next_attempt_at is None  # not even claimed


@pytest.mark.parametrize("values", [
    {"channel": "sms"},
    {"channel": "sms", "phone": None, "with_graduate": True},
    {"channel": "wechat", "phone": "13900139000"},
    {"phone": "13900139000"},
    {"channel": "email", "phone": "13900139000", "with_graduate": True},
], ids=["sms-without-phone", "sms-with-graduate-only", "wechat-without-graduate", "default-channel-without-graduate",
        "unknown-channel"])
def test_ms_3_the_database_refuses_a_row_without_its_channels_recipient(app, make_graduate,
                                                                         values: dict[str, Any]) -> None:
    """MS-1, MS-3: every row names its channel's recipient — a graduate for wechat, a phone for sms."""
    values = dict(values)
    if values.pop("with_graduate", False):
        values["graduate_id"] = make_graduate().id
    db.session.add(NotificationOutbox(kind="upload_link", title="上传材料", body="请上传签约材料。", data={},
                                      created_at=timeutil.now(), attempts=0, status="pending", **values))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert _rows() == []


def test_ms_3_notify_phone_needs_a_number(app) -> None:
    with pytest.raises(ValueError):
        notify.notify_phone("  ", "upload_link", "上传材料", "请上传签约材料。", {})


def test_ms_3_sms_settings_are_parsed_strictly(app) -> None:
    """MS-3: a gateway URL must be http(s) and comes with its key and sign name; otherwise start-up fails."""
    with pytest.raises(ConfigError, match="SMS_API_URL"):
        Settings.from_env({"SMS_API_URL": "sms.example.com/send", "SMS_API_KEY": "k", "SMS_SIGN_NAME": "就业网"})
    with pytest.raises(ConfigError, match="SMS_API_KEY and SMS_SIGN_NAME"):
        Settings.from_env({"SMS_API_URL": "https://sms.example.com/send", "SMS_SIGN_NAME": "就业网"})
    settings = Settings.from_env({"SMS_API_URL": " https://sms.example.com/send ", "SMS_API_KEY": "k",
                                  "SMS_SIGN_NAME": "就业网"})
    provider = provider_for(settings)
    assert isinstance(provider, HttpSmsProvider) and provider.url == "https://sms.example.com/send"
