"""The employer's upload link through the real Aliyun SDK against a fake endpoint (FS-4, FS-8, MS-3): the SMS
carries this agreement's link; a send the gateway refuses is shown to the graduate, who sends it again."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.notify.fakes import FakeAliyunSms, aliyun_sms  # noqa: F401
from tests.signing.offline_helpers import review_phase
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.signing import offline
from wxbackend.signing.models import OfflineAgreement


@pytest.fixture()
def settings_overrides(aliyun_sms: FakeAliyunSms) -> dict[str, Any]:  # noqa: F811
    return {"SMS_PROVIDER": "aliyun", "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI-test", "SMS_ALIYUN_ACCESS_KEY_SECRET": "s",
            "SMS_SIGN_NAME": "就业网", "SMS_ALIYUN_ENDPOINT": aliyun_sms.endpoint,
            "SMS_TEMPLATES": json.dumps({"upload_link": "SMS_200000001"})}


def test_ms_3_the_link_goes_out_as_a_template_sms_and_a_refused_send_can_be_repeated(
        grad: Callable[..., Any], applied: Callable[..., Any], world: dict[str, Any], aliyun_sms: FakeAliyunSms,  # noqa: F811
        drain_jobs: Callable[[], None]) -> None:
    """MS-3, FS-8: the template SMS carries the token of this agreement's link; the gateway refuses the
    first send (bad number) → 短信发送失败，请重试; a second request sends a new link that works."""
    g = grad()
    record = applied(g)
    review_phase(world, offline.KIND, record.id)
    drain_jobs()
    aliyun_sms.answers = [{"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "r1"}]
    url = offline.request_employer_upload(g, db.session.get(OfflineAgreement, record.id, populate_existing=True))
    db.session.commit()
    drain_jobs()
    (first,) = aliyun_sms.requests
    params = json.loads(first["params"]["TemplateParam"])
    assert first["params"]["PhoneNumbers"] == "13111111111" and url.endswith("/u/" + params["token"])
    assert params["number"] == db.session.get(OfflineAgreement, record.id).agreement_no
    state = offline.link_state(db.session.get(OfflineAgreement, record.id, populate_existing=True))
    assert (state["delivery"], state["delivery_label"]) == ("failed", "短信发送失败，请重试")
    timeutil.freeze(timeutil.now() + timedelta(minutes=2))
    try:
        again = offline.request_employer_upload(g, db.session.get(OfflineAgreement, record.id,
                                                                  populate_existing=True))
        db.session.commit()
        drain_jobs()
        assert len(aliyun_sms.requests) == 2
        state = offline.link_state(db.session.get(OfflineAgreement, record.id, populate_existing=True))
        assert state["delivery"] == "sent"
        assert offline.record_for_link(again.rsplit("/", 1)[1]).id == record.id
        with pytest.raises(offline.LinkRefused):
            offline.record_for_link(url.rsplit("/", 1)[1])
    finally:
        timeutil.freeze(None)
