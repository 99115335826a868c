"""Reminders as official-account template messages (WX-4, MS-1), through the outbox and its sender.

A real review pass through the services writes the outbox rows; the sender sends them with the real
wechatpy client to the fake WeChat server.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from tests.signing.conftest import (  # noqa: F401
    Api,
    employer_user,
    graduate_api,
    invite,
    review_all,
    world,
)
from tests.wechat.fakes import MINI_APPID, FakeWeChat
from wxbackend.accounts.models import WechatBinding, WechatFollower
from wxbackend.config import ConfigError, Settings
from wxbackend.core.db import db
from wxbackend.notify import sender
from wxbackend.notify.models import NotificationOutbox

TEMPLATE = "/cgi-bin/message/template/send"
SUBSCRIBE = "/cgi-bin/message/subscribe/send"
OA_TEMPLATES = {
    "review_result": {"template_id": "OA-REVIEW", "fields": {"first": "title", "keyword1": "body",
                                                             "keyword2": "created_at", "remark": "text:请及时查看"},
                      "page": "pages/modules/modules",
                      "pages": {"online_agreement": "pages/agreement/agreement?id={subject_id}"},
                      "url": "/graduate/"},
    "invitation_received": {"template_id": "OA-INVITE", "fields": {"first": "title", "keyword1": "body"},
                            "page": "pages/agreement/agreement?id={agreement_id}", "url": "/graduate/"},
}
SUBSCRIBE_TEMPLATES = {"review_result": {"template_id": "MINI-REVIEW", "fields": {"thing1": "title"}}}
CHANNEL = "template"


@pytest.fixture()
def settings_overrides(oa_settings: dict[str, Any]) -> dict[str, Any]:
    return {**oa_settings, "WECHAT_MESSAGE_CHANNEL": CHANNEL, "WECHAT_OA_TEMPLATES": json.dumps(OA_TEMPLATES),
            "WECHAT_MESSAGE_TEMPLATES": json.dumps(SUBSCRIBE_TEMPLATES)}


def _rows(kind: str) -> list[NotificationOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == kind)
                                   .order_by(NotificationOutbox.id)))


def _accepted_invitation(graduate_api: Any, employer_user: Any, invite: Any, drain_jobs: Any) -> tuple[Any, Any]:  # noqa: F811
    graduate, api = graduate_api()
    row = invite(employer_user(name="学信咨询服务有限公司"), graduate)
    assert api.post(f"/agreements/{row.id}/accept").status_code == 200
    drain_jobs()
    return graduate, row


def test_wx_4_ms_1_review_result_goes_as_a_template_message_opening_the_agreement_page(
        fake_wechat: FakeWeChat, graduate_api, employer_user, invite, review_all, drain_jobs) -> None:  # noqa: F811
    """WX-4, MS-1: each review result of an online agreement reaches the graduate's official-account openid
    as a template message that opens the agreement's mini-program page (web fallback /graduate/)."""
    graduate, api = graduate_api()
    db.session.add(WechatBinding(graduate_id=graduate.id, openid="mini-1", oa_openid="oa-1"))
    db.session.commit()
    row = invite(employer_user(name="学信咨询服务有限公司"), graduate)
    assert api.post(f"/agreements/{row.id}/accept").status_code == 200
    review_all("online_agreement", row.id)
    drain_jobs()
    sent = fake_wechat.posts[TEMPLATE]
    reviews = [m for m in sent if m["template_id"] == "OA-REVIEW"]
    assert [m["data"]["first"]["value"] for m in reviews] == ["网上签约院系审核通过", "网上签约审核通过"]
    first = reviews[0]
    assert first["touser"] == "oa-1"
    assert first["miniprogram"] == {"appid": MINI_APPID, "pagepath": f"pages/agreement/agreement?id={row.id}"}
    assert first["url"] == "https://job.example.edu.cn/graduate/"
    assert first["data"]["remark"]["value"] == "请及时查看"
    assert SUBSCRIBE not in fake_wechat.posts  # template channel only
    assert {r.status for r in _rows("review_result")} == {"sent"}
    assert fake_wechat.tokens_issued == {"wxoaappid0001": 1}


def test_wx_4_a_follower_found_through_the_unionid_gets_it(fake_wechat: FakeWeChat, graduate_api,  # noqa: F811
                                                          employer_user, invite, drain_jobs) -> None:  # noqa: F811
    """WX-4: a graduate bound in the mini-program only is reached through the follower with the same unionid."""
    graduate, _api = graduate_api()
    db.session.add(WechatBinding(graduate_id=graduate.id, openid="mini-2", unionid="union-2"))
    db.session.add(WechatFollower(oa_openid="oa-2", unionid="union-2", subscribed=True))
    db.session.commit()
    row = invite(employer_user(), graduate)
    drain_jobs()
    (message,) = fake_wechat.posts[TEMPLATE]
    assert message["touser"] == "oa-2" and message["template_id"] == "OA-INVITE"
    assert message["miniprogram"]["pagepath"] == f"pages/agreement/agreement?id={row.id}"


def test_wx_4_not_following_is_not_retried_and_is_remembered(fake_wechat: FakeWeChat, graduate_api,  # noqa: F811
                                                              employer_user, invite, drain_jobs) -> None:  # noqa: F811
    """WX-4, MS-2: 43004 (the user does not follow the account) → skipped, no retry; the follower is marked."""
    graduate, _api = graduate_api()
    db.session.add(WechatBinding(graduate_id=graduate.id, oa_openid="oa-3"))
    db.session.commit()
    fake_wechat.failures[TEMPLATE] = [43004]
    invite(employer_user(), graduate)
    drain_jobs()
    (row,) = _rows("invitation_received")
    assert row.status == "skipped" and row.last_error.startswith("43004") and row.attempts == 1
    assert db.session.get(WechatFollower, "oa-3").subscribed is False
    assert TEMPLATE not in fake_wechat.posts


def test_wx_4_a_refused_token_is_refreshed_once_and_the_message_sent(fake_wechat: FakeWeChat, graduate_api,  # noqa: F811
                                                                      employer_user, invite, drain_jobs) -> None:  # noqa: F811
    """WX-4: 40001/42001 → one new token and one retry; persistent failures go to the usual backoff."""
    graduate, _api = graduate_api()
    db.session.add(WechatBinding(graduate_id=graduate.id, oa_openid="oa-4"))
    db.session.commit()
    fake_wechat.failures[TEMPLATE] = [42001]
    invite(employer_user(), graduate)
    drain_jobs()
    assert _rows("invitation_received")[0].status == "sent"
    assert fake_wechat.tokens_issued == {"wxoaappid0001": 2}
    fake_wechat.failures[TEMPLATE] = [40001, 40001]
    invite(employer_user(name="另一家单位"), graduate)
    drain_jobs()
    second = _rows("invitation_received")[1]
    assert second.status == "pending" and second.last_error.startswith("40001") and second.next_attempt_at


def test_wx_4_without_an_official_account_openid_the_row_is_skipped(fake_wechat: FakeWeChat, graduate_api,  # noqa: F811
                                                                     employer_user, invite, drain_jobs) -> None:  # noqa: F811
    """WX-4: with the template channel only, a graduate bound in the mini-program alone cannot be reached."""
    graduate, _api = graduate_api()
    db.session.add(WechatBinding(graduate_id=graduate.id, openid="mini-5"))
    db.session.commit()
    invite(employer_user(), graduate)
    drain_jobs()
    (row,) = _rows("invitation_received")
    assert row.status == "skipped" and row.last_error == "未关注公众号，无法发送模板消息"
    assert not fake_wechat.posts


class TestBoth:
    """WECHAT_MESSAGE_CHANNEL=both: a template message when possible, else the subscribe message."""

    @pytest.fixture()
    def settings_overrides(self, oa_settings: dict[str, Any]) -> dict[str, Any]:
        return {**oa_settings, "WECHAT_MESSAGE_CHANNEL": "both", "WECHAT_OA_TEMPLATES": json.dumps(OA_TEMPLATES),
                "WECHAT_MESSAGE_TEMPLATES": json.dumps(SUBSCRIBE_TEMPLATES)}

    def test_wx_4_both_prefers_template_and_falls_back_to_subscribe(self, app, fake_wechat: FakeWeChat,
                                                                    make_graduate, drain_jobs) -> None:
        """WX-4, MS-1: one graduate follows the account, the other only uses the mini-program."""
        follows, mini_only = make_graduate(), make_graduate()
        db.session.add(WechatBinding(graduate_id=follows.id, oa_openid="oa-6"))
        db.session.add(WechatBinding(graduate_id=mini_only.id, openid="mini-6"))
        for g in (follows, mini_only):
            db.session.add(NotificationOutbox(graduate_id=g.id, kind="review_result", title="基本信息审核通过",
                                              body="您的基本信息已通过学校审核。", data={"kind": "basic_info"}))
        db.session.commit()
        assert sender.send_pending()["sent"] == 2
        (template,) = fake_wechat.posts[TEMPLATE]
        assert template["touser"] == "oa-6" and template["miniprogram"]["pagepath"] == "pages/modules/modules"
        (subscribe,) = fake_wechat.posts[SUBSCRIBE]
        assert subscribe["touser"] == "mini-6" and subscribe["template_id"] == "MINI-REVIEW"
        assert fake_wechat.tokens_issued == {"wxoaappid0001": 1, MINI_APPID: 1}


@pytest.mark.parametrize(("env", "words"), [
    ({"WECHAT_MESSAGE_CHANNEL": "email"}, "WECHAT_MESSAGE_CHANNEL"),
    ({"WECHAT_OA_TEMPLATES": "{"}, "not JSON"),
    ({"WECHAT_OA_TEMPLATES": '{"review_result": {"template_id": "x"}}'}, "must map"),
    ({"WECHAT_OA_TEMPLATES": '{"review_result": {"template_id": "x", "fields": {}, "url": "https://evil"}}'},
     "path under PUBLIC_URL"),
    ({"WECHAT_OA_TEMPLATES": '{"review_result": {"template_id": "x", "fields": {}, "colour": "red"}}'}, "must map"),
    ({"WECHAT_ENCODING_AES_KEY": "short"}, "43 characters"),
])
def test_wx_4_bad_settings_are_refused_at_start(env: dict[str, str], words: str) -> None:
    """WX-4: the official account's settings are parsed strictly, naming the variable."""
    with pytest.raises(ConfigError, match=words):
        Settings.from_env(env)
