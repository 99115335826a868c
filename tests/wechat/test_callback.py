"""The official account's callback (WX-1): signatures, freshness, replays, retries, events and replies.

Every test runs in plain and safe (AES) mode; message tests also in XML and JSON.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from sqlalchemy import func, select

from tests.wechat.fakes import TOKEN, signed_query
from wxbackend.accounts.models import WechatBinding, WechatFollower
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.notify import official_account
from wxbackend.notify.models import WechatTemplateConsent


def _consents(openid: str) -> dict[str, str]:
    db.session.expire_all()
    return {row.template_id: row.status for row in db.session.scalars(
        select(WechatTemplateConsent).where(WechatTemplateConsent.openid == openid))}


def test_wx_1_server_url_check_echoes_echostr(client, mode) -> None:
    """WX-1: WeChat's GET check is answered with echostr when the signature holds (both modes)."""
    response = client.get(f"/wechat/callback?{signed_query(int(time.time()), echostr='echo-12345')}")
    assert response.status_code == 200 and response.get_data(as_text=True) == "echo-12345"


def test_wx_1_bad_signature_is_refused_before_the_body_is_read(client, wechat, mode) -> None:
    """WX-1: a wrong token's signature is a 403, on GET and POST; the body is never parsed."""
    now = int(time.time())
    assert client.get(f"/wechat/callback?{signed_query(now, token='wrong', echostr='x')}").status_code == 403
    assert client.get("/wechat/callback?echostr=x").status_code == 403
    response = client.post(f"/wechat/callback?{signed_query(now, token='wrong')}", data=b"<xml><not-closed>",
                           content_type="text/xml")
    assert response.status_code == 403
    message = wechat.event("subscribe")
    assert wechat.post(message, query=signed_query(now, token="wrong")).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(WechatFollower)) == 0


def test_wx_1_stale_timestamp_and_replay_are_refused(client, mode) -> None:
    """WX-1: a request more than five minutes old is refused, and so is the same signed request twice."""
    stale = signed_query(int(time.time()) - 301, echostr="old")
    assert client.get(f"/wechat/callback?{stale}").status_code == 403
    fresh = signed_query(int(time.time()), echostr="once")
    assert client.get(f"/wechat/callback?{fresh}").status_code == 200
    assert client.get(f"/wechat/callback?{fresh}").status_code == 403


def test_wx_1_safe_mode_refuses_plain_posts_and_bad_msg_signature(client, wechat, mode, fmt) -> None:
    """WX-1: once an EncodingAESKey is set only encrypted posts count; a wrong msg_signature is a 403."""
    now, nonce = int(time.time()), secrets.token_hex(6)
    if mode == "safe":
        plain = client.post(f"/wechat/callback?{signed_query(now)}", data=wechat.body(wechat.message("text")),
                            content_type="text/xml")
        assert plain.status_code == 403
        query = signed_query(now, nonce, encrypt_type="aes", msg_signature="0" * 40)
        assert wechat.post(wechat.message("text", Content="hi", MsgId="1"), query=query, nonce=nonce,
                           timestamp=now).status_code == 403
    else:
        query = signed_query(now, nonce, encrypt_type="aes", msg_signature="0" * 40)
        assert client.post(f"/wechat/callback?{query}", data=b"<xml><Encrypt>x</Encrypt></xml>",
                           content_type="text/xml").status_code == 403


def test_wx_1_text_message_is_answered_with_how_to_open_the_registration(wechat, mode, fmt) -> None:
    """WX-1: a text message gets a text reply: menu 去向登记, or the web link."""
    response = wechat.post(wechat.message("text", Content="怎么登记去向？", MsgId="10001"))
    assert response.status_code == 200
    reply = wechat.reply(response)
    assert reply["MsgType"] == "text" and reply["ToUserName"] == "oa-openid-1"
    assert reply["FromUserName"] == "gh_fake"
    assert "去向登记" in reply["Content"] and "https://job.example.edu.cn/graduate/" in reply["Content"]


def test_wx_1_a_retried_message_is_handled_once(wechat, mode, fmt) -> None:
    """WX-1: WeChat retries an unanswered message three times; it is handled once (MsgId, or sender + time)."""
    subscribe = wechat.event("subscribe")
    for _ in range(3):
        assert wechat.post(subscribe).status_code == 200  # new nonce each time, as WeChat's retries
    text = wechat.message("text", Content="你好", MsgId="777")
    first, again = wechat.post(text), wechat.post(text)
    assert "去向登记" in wechat.reply(first)["Content"]
    assert again.get_data(as_text=True) == "success"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "wechat.follow")) == 1


def test_wx_1_subscribe_and_unsubscribe_keep_the_follower_visible_on_the_binding(
        wechat, mode, fmt, make_graduate) -> None:
    """WX-1: subscribe/unsubscribe upsert the follower; it meets the binding on oa_openid or unionid."""
    graduate = make_graduate()
    db.session.add(WechatBinding(graduate_id=graduate.id, oa_openid="oa-bound", unionid="union-1"))
    other = make_graduate()
    db.session.add(WechatBinding(graduate_id=other.id, openid="mini-openid-2", unionid="union-2"))
    db.session.commit()

    welcome = wechat.post(wechat.event("subscribe", "oa-bound", EventKey=""))
    assert "去向登记" in wechat.reply(welcome)["Content"]
    wechat.post(wechat.event("subscribe", "oa-of-other", UnionId="union-2"))
    db.session.expire_all()
    follower = db.session.get(WechatFollower, "oa-bound")
    assert follower.subscribed and follower.unionid == "union-1"
    assert official_account.oa_openids([graduate.id, other.id]) == {graduate.id: "oa-bound",
                                                                    other.id: "oa-of-other"}
    assert official_account.follows_official_account(other.id)

    assert wechat.post(wechat.event("unsubscribe", "oa-of-other")).get_data(as_text=True) == "success"
    db.session.expire_all()
    assert not db.session.get(WechatFollower, "oa-of-other").subscribed
    assert not official_account.follows_official_account(other.id)


def test_wx_1_menu_click_and_view_events(wechat, mode, fmt) -> None:
    """WX-1, WX-2: the menu's click key is answered; view and miniprogram opens are acknowledged."""
    reply = wechat.reply(wechat.post(wechat.event("CLICK", EventKey="HOW_TO_REGISTER")))
    assert "去向登记" in reply["Content"]
    for event in ("VIEW", "view_miniprogram"):
        response = wechat.post(wechat.event(event, EventKey="https://job.example.edu.cn/notices"))
        assert response.status_code == 200 and response.get_data(as_text=True) == "success"


def _popup(template_id: str, status: str) -> dict[str, Any]:
    return {"TemplateId": template_id, "SubscribeStatusString": status, "PopupScene": "0"}


def test_wx_1_subscribe_message_events_with_one_and_many_items(wechat, mode, fmt, make_graduate) -> None:
    """WX-1, MS-1: popup/change/sent events record each template's choice; List is an object for one
    item and an array for several, in XML and JSON; reminders count as on only after an accept."""
    graduate = make_graduate()
    db.session.add(WechatBinding(graduate_id=graduate.id, openid="mini-1"))
    db.session.commit()
    assert not official_account.reminders_enabled(graduate.id)

    wechat.post(wechat.event("subscribe_msg_popup_event", "mini-1", items=_popup("TPL-A", "reject")))
    assert _consents("mini-1") == {"TPL-A": "reject"}
    assert not official_account.reminders_enabled(graduate.id)

    wechat.post(wechat.event("subscribe_msg_popup_event", "mini-1",
                             items=[_popup("TPL-A", "accept"), _popup("TPL-B", "accept"), _popup("TPL-C", "reject")]))
    assert _consents("mini-1") == {"TPL-A": "accept", "TPL-B": "accept", "TPL-C": "reject"}
    assert official_account.reminders_enabled(graduate.id)
    assert official_account.accepted_templates(graduate.id) == ["TPL-A", "TPL-B"]
    assert not official_account.reminders_enabled(graduate.id, template_ids=["TPL-C"])

    wechat.post(wechat.event("subscribe_msg_change_event", "mini-1",
                             items={"TemplateId": "TPL-A", "SubscribeStatusString": "reject"}))
    assert _consents("mini-1")["TPL-A"] == "reject"
    wechat.post(wechat.event("subscribe_msg_sent_event", "mini-1", items=[
        {"TemplateId": "TPL-B", "MsgID": "1", "ErrorCode": "43101", "ErrorStatus": "user refuse to accept the msg"},
        {"TemplateId": "TPL-C", "MsgID": "2", "ErrorCode": "0", "ErrorStatus": "success"},
    ]))
    assert _consents("mini-1") == {"TPL-A": "reject", "TPL-B": "reject", "TPL-C": "reject"}
    assert not official_account.reminders_enabled(graduate.id)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "wechat.template_choice")) == 4


def test_wx_1_token_missing_refuses_everything(app, client) -> None:
    """WX-1: without WECHAT_TOKEN nothing can be checked, so nothing is accepted."""
    app.config["SETTINGS"] = app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "WECHAT_TOKEN": ""})
    assert client.get(f"/wechat/callback?{signed_query(int(time.time()), token=TOKEN)}").status_code == 403


def test_wx_4_a_new_followers_unionid_is_fetched_so_a_mini_program_binding_meets_it(
        wechat, mode, fmt, make_graduate, fake_wechat, drain_jobs) -> None:
    """WX-4: subscribe events carry no unionid; a job asks WeChat (user/info) and the follower then
    reaches a graduate bound only in the mini-program."""
    graduate = make_graduate()
    db.session.add(WechatBinding(graduate_id=graduate.id, openid="mini-9", unionid="union-9"))
    db.session.commit()
    fake_wechat.unionids["oa-9"] = "union-9"
    wechat.post(wechat.event("subscribe", "oa-9"))
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(WechatFollower, "oa-9").unionid == "union-9"
    assert official_account.oa_openids([graduate.id]) == {graduate.id: "oa-9"}


def test_wx_4_the_mini_program_reads_whether_reminders_are_on(wechat, client, make_graduate, app) -> None:
    """WX-4, MS-1: /me/message-templates says 已开启 only after WeChat reported an accepted template."""
    from wxbackend.auth import tokens

    graduate = make_graduate()
    db.session.add(WechatBinding(graduate_id=graduate.id, openid="mini-2"))
    token, _ = tokens.issue(graduate)
    db.session.commit()
    app.config["SETTINGS"] = app.config["SETTINGS"].__class__(**{
        **app.config["SETTINGS"].__dict__,
        "WECHAT_MESSAGE_TEMPLATES": '{"review_result": {"template_id": "TPL-A", "fields": {"thing1": "title"}}}'})

    def state() -> dict[str, Any]:
        return client.get("/api/v1/me/message-templates", headers={"Authorization": f"Bearer {token}"}).get_json()

    assert state()["reminders_enabled"] is False
    wechat.post(wechat.event("subscribe_msg_popup_event", "mini-2", items=_popup("TPL-A", "reject")))
    assert state()["reminders_enabled"] is False
    wechat.post(wechat.event("subscribe_msg_popup_event", "mini-2", items=_popup("TPL-A", "accept")))
    body = state()
    assert body["reminders_enabled"] is True and body["template_ids"] == ["TPL-A"]
    assert body["following_official_account"] is False
