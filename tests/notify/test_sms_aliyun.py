"""The Aliyun Dysms provider against a fake endpoint on 127.0.0.1 (MS-2, MS-3): the real SDK signs and
sends SendSms over http; outcomes map to sent, retried with the sender's backoff, or failed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jobs.scheduler import tick
from tests.notify.fakes import FakeAliyunSms, aliyun_sms  # noqa: F401
from wxbackend import notify
from wxbackend.config import ConfigError, Settings
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.notify import sender
from wxbackend.notify.aliyun_sms import AliyunSmsProvider
from wxbackend.notify.models import NotificationOutbox

NOTHING = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
BODY = "请通过以下链接上传签约材料：http://127.0.0.1:5000/u/abc"
PARAMS = {"company": "华东软件有限公司", "url": "http://127.0.0.1:5000/u/abc"}
KEY_ID, SECRET = "LTAI-test-key-id", "test-key-secret"


@pytest.fixture()
def settings_overrides(aliyun_sms: FakeAliyunSms) -> dict[str, Any]:  # noqa: F811
    return {"SMS_PROVIDER": "aliyun", "SMS_ALIYUN_ACCESS_KEY_ID": KEY_ID, "SMS_ALIYUN_ACCESS_KEY_SECRET": SECRET,
            "SMS_SIGN_NAME": "就业网", "SMS_ALIYUN_ENDPOINT": aliyun_sms.endpoint,
            "SMS_TEMPLATES": json.dumps({"upload_link": "SMS_123456789"})}


def _row() -> NotificationOutbox:
    db.session.expire_all()
    (row,) = db.session.scalars(select(NotificationOutbox))
    return row


def _owe_sms(kind: str = "upload_link", data: dict[str, Any] | None = None) -> NotificationOutbox:
    data = {"agreement_id": 7, "sms_params": PARAMS} if data is None else data
    row = notify.notify_phone("13900139000", kind, "上传材料", BODY, data)
    db.session.commit()
    return row


def test_ms_3_the_aliyun_provider_sends_a_signed_sendsms(app, aliyun_sms, drain_jobs) -> None:  # noqa: F811
    """MS-3: SendSms carries the number, sign name, template code, sms_params as JSON and the row id as
    OutId, signed with the AccessKey by the SDK; Code OK is sent."""
    assert isinstance(sender.transports()["sms"].provider, AliyunSmsProvider)
    row = _owe_sms()
    assert notify.delivery_state(row.id) == "pending"
    drain_jobs()
    (request,) = aliyun_sms.requests
    assert request["action"] == "SendSms" and request["path"] == "/"
    params = {k: v for k, v in request["params"].items() if k != "Action"}
    assert params == {"PhoneNumbers": "13900139000", "SignName": "就业网", "TemplateCode": "SMS_123456789",
                      "TemplateParam": json.dumps(PARAMS, ensure_ascii=False, sort_keys=True), "OutId": str(row.id)}
    assert json.loads(params["TemplateParam"]) == PARAMS
    assert FakeAliyunSms.signed_by(request, KEY_ID, SECRET)
    assert not FakeAliyunSms.signed_by(request, KEY_ID, "another-secret")
    sent = _row()
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None and sent.last_error is None
    assert notify.delivery_state(row.id) == "sent"


def test_ms_2_throttling_is_retried_with_the_senders_backoff(app, aliyun_sms, drain_jobs,  # noqa: F811
                                                             frozen_now) -> None:
    """MS-2: isv.BUSINESS_LIMIT_CONTROL, then Throttling.User (HTTP 400) wait 1 min and 5 min, then OK; the
    scheduler's run picks the retries up and every attempt has the same OutId."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    aliyun_sms.answers = [
        {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1", "RequestId": "r1"},
        (400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.",
               "RequestId": "r2"}),
    ]
    row = _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 1
    assert msg.last_error.startswith("isv.BUSINESS_LIMIT_CONTROL")
    assert msg.next_attempt_at == timeutil.now() + sender.BACKOFF[0]
    assert notify.delivery_state(row.id) == "pending"
    assert sender.send_pending() == NOTHING  # not due yet
    frozen_now(timeutil.now() + sender.BACKOFF[0])
    assert tick(app, None) is True
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 2 and "Throttling.User" in msg.last_error
    assert msg.next_attempt_at == timeutil.now() + sender.BACKOFF[1]
    frozen_now(timeutil.now() + sender.BACKOFF[1])
    assert sender.send_pending() == {**NOTHING, "sent": 1}
    msg = _row()
    assert msg.status == "sent" and msg.attempts == 3 and msg.last_error is None and msg.next_attempt_at is None
    assert [r["params"]["OutId"] for r in aliyun_sms.requests] == [str(row.id)] * 3


def test_ms_3_a_permanent_error_fails_with_the_code(app, aliyun_sms, drain_jobs, frozen_now) -> None:  # noqa: F811
    """MS-3: isv.MOBILE_NUMBER_ILLEGAL will not get better: failed at once, the code in last_error, no retry;
    delivery_state answers failed (the page then says 短信发送失败，请重试)."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    aliyun_sms.answers = [{"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "r1"}]
    row = _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "failed" and msg.attempts == 1 and msg.next_attempt_at is None
    assert msg.last_error.startswith("isv.MOBILE_NUMBER_ILLEGAL") and "非法手机号" in msg.last_error
    assert notify.delivery_state(row.id) == "failed"
    frozen_now(timeutil.now() + timedelta(hours=3))
    assert sender.send_pending() == NOTHING
    assert len(aliyun_sms.requests) == 1


def test_ms_3_an_invalid_access_key_fails(app, aliyun_sms, drain_jobs) -> None:  # noqa: F811
    """MS-3: an HTTP 4xx with a non-throttling code (a wrong AccessKey) needs new settings: failed."""
    aliyun_sms.answers = [(404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found.",
                                 "RequestId": "r1"})]
    _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "failed" and msg.last_error.startswith("HTTP 404 InvalidAccessKeyId.NotFound")


def test_ms_2_an_http_5xx_is_retried(app, aliyun_sms, drain_jobs, frozen_now) -> None:  # noqa: F811
    """MS-2: a 503 (JSON error body) and a 502 that is not even JSON are transient: retried, then sent."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    aliyun_sms.answers = [503, (502, b"<html><h1>502 Bad Gateway</h1></html>")]
    row = _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 1 and msg.last_error.startswith("HTTP 503 ServiceUnavailable")
    assert msg.next_attempt_at == timeutil.now() + sender.BACKOFF[0]
    frozen_now(timeutil.now() + sender.BACKOFF[0])
    assert sender.send_pending() == {**NOTHING, "retry": 1}
    msg = _row()
    assert msg.attempts == 2 and "Bad Gateway" in msg.last_error
    frozen_now(timeutil.now() + sender.BACKOFF[1])
    assert sender.send_pending() == {**NOTHING, "sent": 1}
    assert notify.delivery_state(row.id) == "sent" and len(aliyun_sms.requests) == 3


def test_ms_2_a_closed_connection_is_retried(app, aliyun_sms, drain_jobs) -> None:  # noqa: F811
    """MS-2: the server closing the connection without an answer is a network error: retried; the user's
    action was committed long before."""
    aliyun_sms.answers = ["drop"]
    row = _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 1 and msg.next_attempt_at is not None
    assert "RetryError" in msg.last_error and len(aliyun_sms.requests) == 1
    assert notify.delivery_state(row.id) == "pending"


def test_ms_2_an_unreachable_endpoint_is_retried(app, aliyun_sms, drain_jobs) -> None:  # noqa: F811
    """MS-2: nothing listening at the endpoint (connection refused) is retried like a timeout."""
    settings = Settings(**{**app.config["SETTINGS"].__dict__, "SMS_ALIYUN_ENDPOINT": "http://127.0.0.1:9"})
    sender.transports()["sms"].provider = AliyunSmsProvider.from_settings(settings)
    _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 1 and "RetryError" in msg.last_error
    assert "13900139000" not in msg.last_error  # the SDK's message repeats the URL; it is cut
    assert aliyun_sms.requests == []


def test_ms_2_a_read_timeout_is_retried(app, aliyun_sms, drain_jobs) -> None:  # noqa: F811
    """MS-2: an answer slower than the read timeout is a transient error: retried (the app's client waits
    5 s to connect and 10 s for an answer; this one 0.2 s)."""
    client = sender.transports()["sms"].provider.client
    assert (client._connect_timeout, client._read_timeout) == (5_000, 10_000)
    settings = app.config["SETTINGS"]
    protocol, endpoint = settings.sms_aliyun_endpoint
    sender.transports()["sms"].provider = AliyunSmsProvider(
        KEY_ID, SECRET, "就业网", settings.sms_templates, endpoint=endpoint, protocol=protocol, read_timeout_ms=200)
    aliyun_sms.answers = [1.0]
    _owe_sms()
    drain_jobs()
    msg = _row()
    assert msg.status == "pending" and msg.attempts == 1 and "Read timed out" in msg.last_error
    assert "13900139000" not in msg.last_error


def test_ms_3_a_kind_without_a_template_fails_without_a_request(app, aliyun_sms, drain_jobs) -> None:  # noqa: F811
    """MS-3: a kind missing from SMS_TEMPLATES, or a row without sms_params, is a configuration error:
    failed with the reason, nothing is sent to Aliyun."""
    no_template = _owe_sms("invitation_sms")
    no_params = _owe_sms(data={"agreement_id": 7})
    drain_jobs()
    db.session.expire_all()
    first, second = db.session.get(NotificationOutbox, no_template.id), db.session.get(NotificationOutbox, no_params.id)
    assert first.status == "failed" and "SMS_TEMPLATES has no template code for 'invitation_sms'" in first.last_error
    assert second.status == "failed" and "no sms_params" in second.last_error
    assert aliyun_sms.requests == []
    assert notify.delivery_state(no_template.id) == notify.delivery_state(no_params.id) == "failed"


def test_ms_3_delivery_state_of_a_skipped_or_missing_row(app, aliyun_sms) -> None:  # noqa: F811
    """MS-3: a skipped row (nothing more will be tried) shows as failed; an unknown id as None."""
    row = _owe_sms()
    row.status, row.last_error = "skipped", sender.TOO_OLD
    db.session.commit()
    assert notify.delivery_state(row.id) == "failed"
    assert notify.delivery_state(row.id + 1000) is None


def test_ms_3_aliyun_settings_are_validated() -> None:
    """MS-3: SMS_PROVIDER=aliyun without its AccessKey, sign name or templates, a bad SMS_TEMPLATES, a bad
    endpoint or an unknown provider stop start-up with the variable's name; the default stays log/http."""
    full = {"SMS_PROVIDER": "aliyun", "SMS_ALIYUN_ACCESS_KEY_ID": "id", "SMS_ALIYUN_ACCESS_KEY_SECRET": "secret",
            "SMS_SIGN_NAME": "就业网", "SMS_TEMPLATES": '{"upload_link": "SMS_1"}'}
    settings = Settings.from_env(full)
    assert settings.sms_provider == "aliyun" and settings.sms_templates == {"upload_link": "SMS_1"}
    assert settings.sms_aliyun_endpoint == ("https", "dysmsapi.aliyuncs.com")
    assert Settings.from_env({**full, "SMS_ALIYUN_ENDPOINT": "http://127.0.0.1:8080"}).sms_aliyun_endpoint == (
        "http", "127.0.0.1:8080")
    with pytest.raises(ConfigError, match="SMS_PROVIDER must be log, http or aliyun"):
        Settings.from_env({"SMS_PROVIDER": "tencent"})
    with pytest.raises(ConfigError, match="SMS_PROVIDER=aliyun needs SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_TEMPLATES"):
        Settings.from_env({**full, "SMS_ALIYUN_ACCESS_KEY_SECRET": "", "SMS_TEMPLATES": ""})
    with pytest.raises(ConfigError, match="SMS_TEMPLATES is not JSON"):
        Settings.from_env({**full, "SMS_TEMPLATES": "{upload_link: SMS_1}"})
    with pytest.raises(ConfigError, match="SMS_TEMPLATES must map each kind to a template code"):
        Settings.from_env({**full, "SMS_TEMPLATES": '{"upload_link": {"code": "SMS_1"}}'})
    with pytest.raises(ConfigError, match="SMS_ALIYUN_ENDPOINT"):
        Settings.from_env({**full, "SMS_ALIYUN_ENDPOINT": "https://dysmsapi.aliyuncs.com/path"})
    with pytest.raises(ConfigError, match="SMS_PROVIDER=http needs SMS_API_URL"):
        Settings.from_env({"SMS_PROVIDER": "http"})
    assert Settings.from_env({}).sms_provider == "log"
    assert Settings.from_env({"SMS_API_URL": "https://sms.example.com/send", "SMS_API_KEY": "k",
                              "SMS_SIGN_NAME": "就业网"}).sms_provider == "http"
