"""WX-3 and L-8: pages opened in WeChat sign in through the official account's OAuth.

The WeChat side is the platform's own stand-in (``wxbackend.standin``), served on 127.0.0.1 by a real
WSGI server, and the platform talks to it through the real wechatpy client (``WeChatOAuth``), as it
would to api.weixin.qq.com. The browser is Flask's test client with WeChat's User-Agent.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from wxbackend import standin
from wxbackend.accounts.models import WechatBinding
from wxbackend.config import ConfigError, Settings
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.standin import wechat as fake

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
SAFARI_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Version/17.4 Mobile/15E148 Safari/604.1")
PUBLIC = "http://testserver.local"


@pytest.fixture()
def wechat_standin() -> Iterator[str]:
    """The stand-in on its own server (as WeChat would be): yields its base URL."""
    app = Flask("standin-under-test")
    app.config["SECRET_KEY"] = "stand-in-secret"
    app.config["WECHAT_STANDIN_REDIRECT_ORIGIN"] = PUBLIC
    app.register_blueprint(fake.bp, url_prefix=fake.PREFIX)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture()
def settings_overrides(wechat_standin: str) -> dict[str, Any]:
    base = wechat_standin + fake.PREFIX
    return {"WECHAT_APPID": fake.OA_APPID, "WECHAT_SECRET": fake.OA_SECRET,
            "WECHAT_MINI_APPID": fake.MINI_APPID, "WECHAT_MINI_SECRET": fake.MINI_SECRET,
            "WECHAT_API_ORIGIN": base, "WECHAT_OAUTH_URL": base + "/connect/oauth2/authorize",
            "PUBLIC_URL": PUBLIC}


def _local(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


class WxBrowser:
    """A test client that sends WeChat's User-Agent and can take the stand-in's authorize page."""

    def __init__(self, client: Any, standin_url: str) -> None:
        self.client = client
        self.standin = standin_url

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers={"User-Agent": WECHAT_UA}, **kw)

    def to_authorize(self, path: str) -> str:
        """Open *path*; follow our redirects up to WeChat's authorize page; return its URL."""
        resp = self.get(path)
        while resp.status_code == 302 and not resp.headers["Location"].startswith(self.standin):
            resp = self.get(_local(resp.headers["Location"]))
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp.headers["Location"]  # type: ignore[no-any-return]

    def choose(self, authorize_url: str, who: str) -> str:
        """On the stand-in's page pick identity *who* ('' = 取消); return the callback URL WeChat sends back."""
        page = requests.get(authorize_url, timeout=10)
        assert page.status_code == 200 and "以哪个微信身份登录" in page.text
        if who:
            href = re.search(rf'data-identity="{who}" href="([^"]+)"', page.text)
        else:
            href = re.search(r'id="cancel" href="([^"]+)"', page.text)
        assert href, page.text
        back = requests.get(self.standin + href.group(1).replace("&amp;", "&"), allow_redirects=False,
                            timeout=10)
        assert back.status_code == 302
        location = back.headers["Location"]
        assert location.startswith(PUBLIC + "/auth/wx/oauth/callback?")
        return _local(location)

    def sign_in(self, path: str, who: str) -> Any:
        """Open *path* in WeChat as *who*; return our callback's response."""
        return self.get(self.choose(self.to_authorize(path), who))


@pytest.fixture()
def wx(client: Any, wechat_standin: str) -> WxBrowser:
    return WxBrowser(client, wechat_standin)


@pytest.fixture()
def other_wx(app: Any, wechat_standin: str) -> WxBrowser:
    """A second phone (its own cookies)."""
    return WxBrowser(app.test_client(), wechat_standin)


def _bind(graduate: Any, who: str, *, oa: bool = True, mini: bool = False) -> WechatBinding:
    person = fake.identity(who)
    binding = WechatBinding(graduate_id=graduate.id, oa_openid=person.oa_openid if oa else None,
                            openid=person.mini_openid if mini else None, unionid=person.unionid)
    db.session.add(binding)
    db.session.commit()
    return binding


def _binding_of(graduate: Any) -> WechatBinding | None:
    db.session.expire_all()
    return db.session.scalar(select(WechatBinding).where(WechatBinding.graduate_id == graduate.id))


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _login_page_error(wx: WxBrowser, resp: Any) -> str:
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/login"
    page = wx.get("/login")
    assert page.status_code == 200 and 'name="username"' in page.get_data(as_text=True)
    return page.get_data(as_text=True)


# --- signing in ------------------------------------------------------------------------------------


def test_wx_3_bound_graduate_opening_a_page_in_wechat_goes_straight_in(wx, make_graduate):
    graduate = make_graduate(name="王堃")
    _bind(graduate, "wangkun")
    authorize = wx.to_authorize("/graduate/destination")
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(wx.standin + "/_wechat/connect/oauth2/authorize?")
    assert query["appid"] == [fake.OA_APPID] and query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"] == [PUBLIC + "/auth/wx/oauth/callback"]
    resp = wx.get(wx.choose(authorize, "wangkun"))
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/graduate/destination"
    home = wx.get("/graduate/")
    assert home.status_code == 200 and "王堃" in home.get_data(as_text=True)
    assert "auth.wx_oauth_login" in _actions()


def test_wx_3_l_8_unbound_identity_signs_in_with_chsi_once_then_goes_straight_in(
        wx, other_wx, csrf_token, make_graduate, make_local_account):
    graduate = make_graduate(name="李玥")
    account = make_local_account(id_number=graduate.id_number)
    resp = wx.sign_in("/graduate/", "liyue")
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/login?next=/graduate/"
    login = wx.get("/login?next=/graduate/")
    page = login.get_data(as_text=True)
    assert login.status_code == 200 and 'id="wx-pending"' in page and "当前微信尚未绑定毕业生账号" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = wx.client.post("/login?next=/graduate/", headers={"User-Agent": WECHAT_UA},
                          data={"username": account.username, "password": "chsi-pass-1", "csrf_token": token})
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/graduate/"
    binding = _binding_of(graduate)
    person = fake.identity("liyue")
    assert binding is not None and (binding.oa_openid, binding.unionid, binding.openid) == (
        person.oa_openid, person.unionid, None)
    assert "auth.wechat_bind" in _actions()
    # next time, on a phone with no session yet: straight in
    resp = other_wx.sign_in("/graduate/", "liyue")
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/graduate/"
    assert "李玥" in other_wx.get("/graduate/").get_data(as_text=True)


def test_wx_3_l_8_unionid_links_the_binding_made_in_the_mini_program(wx, client, make_graduate, make_local_account):
    graduate = make_graduate(name="张喆")
    account = make_local_account(id_number=graduate.id_number)
    # the mini-program first: wx.login (the stand-in's jscode2session) and a password bind
    first = client.post("/api/v1/auth/wx-login", json={"code": "visitor:1"}).get_json()
    assert first["bind_required"] is True
    bound = client.post("/api/v1/auth/bind", json={"bind_ticket": first["bind_ticket"],
                                                   "username": account.username, "password": "chsi-pass-1"})
    assert bound.status_code == 200, bound.get_json()
    person = fake.identity("visitor")
    assert _binding_of(graduate).openid == person.mini_openid and _binding_of(graduate).oa_openid is None
    # then a page opened in WeChat: same person (unionid), so straight in, and the binding gains oa_openid
    resp = wx.sign_in("/graduate/", "visitor")
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/graduate/"
    binding = _binding_of(graduate)
    assert (binding.openid, binding.oa_openid, binding.unionid) == (person.mini_openid, person.oa_openid,
                                                                    person.unionid)
    assert "auth.wechat_link" in _actions()


# --- state and code ------------------------------------------------------------------------------------


def test_wx_3_tampered_state_is_refused(wx, make_graduate):
    _bind(make_graduate(), "wangkun")
    callback = wx.choose(wx.to_authorize("/graduate/"), "wangkun")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")
    page = _login_page_error(wx, wx.get(parts.path + "?" + urlencode(query)))
    assert "微信授权参数无效" in page
    assert wx.get("/graduate/").status_code == 302  # not signed in
    assert "auth.wx_oauth_refused" in _actions()


def test_wx_3_replayed_state_is_refused_and_another_browsers_state_too(wx, other_wx, make_graduate):
    _bind(make_graduate(), "wangkun")
    callback = wx.choose(wx.to_authorize("/graduate/"), "wangkun")
    assert _local(wx.get(callback).headers["Location"]) == "/graduate/"
    # the same browser, signed out, the same callback again: the state was spent
    with wx.client.session_transaction() as sess:
        sess.clear()
    assert "微信授权参数无效" in _login_page_error(wx, wx.get(callback))
    # a state made for one phone does not sign in another (its session has no such nonce)
    with wx.client.session_transaction() as sess:
        sess.clear()
    stolen = wx.choose(wx.to_authorize("/graduate/"), "wangkun")
    other_wx.get("/login")  # has a session of its own
    assert "微信授权参数无效" in _login_page_error(other_wx, other_wx.get(stolen))


def test_wx_3_replayed_state_with_its_session_restored_is_refused(wx, make_graduate):
    _bind(make_graduate(), "wangkun")
    authorize = wx.to_authorize("/graduate/")
    with wx.client.session_transaction() as sess:
        saved = dict(sess)
    callback = wx.choose(authorize, "wangkun")
    assert _local(wx.get(callback).headers["Location"]) == "/graduate/"
    with wx.client.session_transaction() as sess:  # an old cookie played back with the old state
        sess.clear()
        sess.update(saved)
    assert "微信授权已使用过" in _login_page_error(wx, wx.get(callback))


def test_wx_3_a_code_is_exchanged_once(wx, other_wx, make_graduate):
    _bind(make_graduate(), "wangkun")
    callback = wx.choose(wx.to_authorize("/graduate/"), "wangkun")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert _local(wx.get(callback).headers["Location"]) == "/graduate/"
    # a fresh, genuine state on another phone, carrying the used code
    fresh = other_wx.choose(other_wx.to_authorize("/graduate/"), "")
    state = parse_qs(urlsplit(fresh).query)["state"][0]
    resp = other_wx.get("/auth/wx/oauth/callback?" + urlencode({"code": code, "state": state}))
    assert "微信授权码已使用过" in _login_page_error(other_wx, resp)
    assert other_wx.get("/graduate/").status_code == 302


def test_wx_3_refusing_in_wechat_lands_on_the_login_page_with_a_message(wx):
    page = _login_page_error(wx, wx.sign_in("/graduate/", ""))
    assert "你没有同意微信授权，请使用学信网账号登录" in page
    # and the login page does not send the browser round again
    assert wx.get("/login").status_code == 200


def test_wx_3_a_code_wechat_does_not_know_is_refused(wx):
    callback = wx.choose(wx.to_authorize("/graduate/"), "wangkun")
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    query["code"] = "not-a-code"
    assert "微信授权码无效" in _login_page_error(wx, wx.get("/auth/wx/oauth/callback?" + urlencode(query)))


# --- L-8 conflicts -------------------------------------------------------------------------------------


def _post_login(wx: WxBrowser, account: Any, next_path: str = "/graduate/") -> Any:
    page = wx.get(f"/login?next={next_path}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return wx.client.post(f"/login?next={next_path}", headers={"User-Agent": WECHAT_UA},
                          data={"username": account.username, "password": "chsi-pass-1", "csrf_token": token})


def test_l_8_a_graduate_bound_to_another_wechat_is_not_bound_again(wx, make_graduate, make_local_account):
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    _bind(graduate, "wangkun")
    assert _local(wx.sign_in("/graduate/", "visitor").headers["Location"]) == "/login?next=/graduate/"
    resp = _post_login(wx, account)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and 'data-code="graduate_bound"' in page
    assert "该毕业生已绑定其他微信，如需更换微信请联系所在院系" in page and 'href="/graduate/"' in page
    assert _binding_of(graduate).oa_openid == fake.identity("wangkun").oa_openid
    assert wx.get("/graduate/").status_code == 200  # the CHSI sign-in itself stands
    assert "auth.wx_bind_refused" in _actions()


def test_l_8_an_identity_bound_to_someone_else_meanwhile_is_not_bound_again(
        wx, make_graduate, make_local_account):
    first, second = make_graduate(), make_graduate()
    account = make_local_account(id_number=second.id_number)
    assert _local(wx.sign_in("/graduate/", "visitor").headers["Location"]) == "/login?next=/graduate/"
    _bind(first, "visitor")  # e.g. on another phone, before this one finished
    resp = _post_login(wx, account)
    assert resp.status_code == 409 and "该微信已绑定其他毕业生" in resp.get_data(as_text=True)
    assert _binding_of(second) is None


def test_l_8_a_mini_program_identity_on_another_graduate_blocks_the_official_account_openid(
        wx, make_graduate, make_local_account):
    first, second = make_graduate(), make_graduate()
    account = make_local_account(id_number=second.id_number)
    person = fake.identity("visitor")
    db.session.add(WechatBinding(graduate_id=first.id, openid=person.mini_openid, unionid=person.unionid,
                                 oa_openid="oa-some-other-account"))
    db.session.commit()
    assert _local(wx.sign_in("/graduate/", "visitor").headers["Location"]) == "/login?next=/graduate/"
    resp = _post_login(wx, account)
    assert resp.status_code == 409 and "该微信已绑定其他毕业生" in resp.get_data(as_text=True)


# --- outside WeChat, and after 退出 ---------------------------------------------------------------------


def test_wx_3_outside_wechat_nothing_changes(client, make_graduate):
    _bind(make_graduate(), "wangkun")
    resp = client.get("/graduate/", headers={"User-Agent": SAFARI_UA})
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/login?next=/graduate/"
    login = client.get("/login?next=/graduate/", headers={"User-Agent": SAFARI_UA})
    assert login.status_code == 200 and 'name="username"' in login.get_data(as_text=True)
    assert 'id="wx-pending"' not in login.get_data(as_text=True)


def test_wx_3_after_logout_wechat_does_not_sign_the_graduate_straight_back_in(wx, make_graduate):
    _bind(make_graduate(), "wangkun")
    assert _local(wx.sign_in("/graduate/", "wangkun").headers["Location"]) == "/graduate/"
    page = wx.get("/graduate/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert wx.client.post("/logout", headers={"User-Agent": WECHAT_UA}, data={"csrf_token": token}).status_code == 302
    assert wx.get("/login").status_code == 200


def test_wx_3_without_official_account_settings_pages_in_wechat_are_unchanged(app, client):
    settings = app.config["SETTINGS"]
    import dataclasses

    app.config["SETTINGS"] = dataclasses.replace(settings, WECHAT_APPID="", WECHAT_SECRET="")
    login = client.get("/login", headers={"User-Agent": WECHAT_UA})
    assert login.status_code == 200
    assert client.get("/auth/wx/oauth/start").status_code == 404


# --- the stand-in --------------------------------------------------------------------------------------


def test_standin_refuses_to_start_beside_real_wechat_settings():
    with pytest.raises(ConfigError, match="WECHAT_STANDIN=on"):
        Settings(WECHAT_STANDIN="on", WECHAT_APPID="wx1234567890", WECHAT_SECRET="real").validate()
    with pytest.raises(ConfigError, match="WECHAT_MINI_APPID"):
        Settings.from_env({"WECHAT_STANDIN": "on", "WECHAT_MINI_APPID": "wx1", "WECHAT_MINI_SECRET": "s"})
    with pytest.raises(ConfigError, match="WECHAT_STANDIN"):
        Settings.from_env({"WECHAT_STANDIN": "maybe"})
    real = Settings(WECHAT_APPID="wx1234567890", WECHAT_SECRET="real")
    assert standin.apply(real) is real and "使用真实微信接口" in standin.describe(real)


def test_standin_is_used_only_without_real_settings():
    wired = standin.apply(Settings(PUBLIC_URL="http://127.0.0.1:5000"))
    assert standin.is_active(wired)
    assert wired.WECHAT_API_ORIGIN == "http://127.0.0.1:5000/_wechat"
    assert wired.WECHAT_OAUTH_URL == "http://127.0.0.1:5000/_wechat/connect/oauth2/authorize"
    assert (wired.WECHAT_APPID, wired.WECHAT_MINI_APPID) == (fake.OA_APPID, fake.MINI_APPID)
    assert standin.describe(wired).startswith("使用本地微信模拟服务")
    off = Settings(WECHAT_STANDIN="off")
    assert not standin.is_active(standin.apply(off)) and "WECHAT_STANDIN=off" in standin.describe(off)


def test_standin_is_mounted_in_the_app_only_when_wired(app, client, db_url, tmp_path, caplog):
    from tests.conftest import make_settings
    from wxbackend import create_app

    assert client.get("/_wechat/").status_code == 404  # real (test) settings: not mounted
    settings = make_settings(db_url, STORAGE_DIR=str(tmp_path / "files"), WECHAT_MINI_APPID="",
                             WECHAT_MINI_SECRET="")
    with caplog.at_level("INFO"):
        wired = create_app({"TESTING": True}, settings=settings)
    assert "使用本地微信模拟服务" in caplog.text
    with wired.app_context():
        page = wired.test_client().get("/_wechat/")
        assert page.status_code == 200 and "本地微信模拟服务" in page.get_data(as_text=True)


def test_standin_logs_messages_and_the_menu_and_checks_the_token(wechat_standin):
    base = wechat_standin + fake.PREFIX
    token = requests.get(base + "/cgi-bin/token", params={"grant_type": "client_credential", "appid": fake.OA_APPID,
                                                          "secret": fake.OA_SECRET}, timeout=10).json()
    assert token["expires_in"] == 7200
    bad = requests.get(base + "/cgi-bin/token", params={"appid": fake.OA_APPID, "secret": "x"}, timeout=10).json()
    assert bad["errcode"] == 40013
    for path in ("/cgi-bin/message/template/send", "/cgi-bin/message/subscribe/send", "/cgi-bin/menu/create"):
        ok = requests.post(base + path, params={"access_token": token["access_token"]}, json={"touser": "o1"},
                           timeout=10).json()
        assert ok["errcode"] == 0, path
        assert requests.post(base + path, params={"access_token": "nope"}, json={}, timeout=10).json()[
            "errcode"] == 40001
    index = requests.get(base + "/", timeout=10).text
    assert "template" in index and "menu" in index


def test_standin_jscode2session_codes_work_once(wechat_standin):
    from wechatpy import WeChatClient

    from wxbackend.auth.wechat import RewriteOriginAdapter

    client = WeChatClient(fake.MINI_APPID, fake.MINI_SECRET)
    client._http.mount("https://api.weixin.qq.com/", RewriteOriginAdapter(wechat_standin + fake.PREFIX))
    result = client.wxa.code_to_session("liyue:abc")
    assert result["openid"] == fake.identity("liyue").mini_openid
    assert result["unionid"] == fake.identity("liyue").unionid
    from wechatpy.exceptions import WeChatClientException

    with pytest.raises(WeChatClientException) as exc:
        client.wxa.code_to_session("liyue:abc")
    assert exc.value.errcode == 40163
    assert client.wxa.code_to_session("a-devtools-code")["openid"] == fake.IDENTITIES[0].mini_openid


# --- bind_wechat across the two apps (L-8) ------------------------------------------------------------


def test_l_8_the_other_apps_openid_joins_a_binding_only_on_a_matching_unionid(app, make_graduate):
    from wxbackend.auth import service
    from wxbackend.core.errors import Conflict

    graduate = make_graduate()
    service.bind_wechat(graduate, oa_openid="oa-1", unionid="un-1")
    # the mini-program, same person (unionid): the binding gains its openid
    binding = service.bind_wechat(graduate, "mp-1", "un-1")
    assert (binding.openid, binding.oa_openid, binding.unionid) == ("mp-1", "oa-1", "un-1")
    # binding the same identity again is a no-op
    assert service.bind_wechat(graduate, "mp-1", "un-1").id == binding.id
    other = make_graduate()
    service.bind_wechat(other, oa_openid="oa-2")
    # without a unionid there is no proof it is the same person: the graduate has an identity already
    with pytest.raises(Conflict) as exc:
        service.bind_wechat(other, "mp-2", None)
    assert exc.value.code == "graduate_bound"
    # an identity bound to someone else, by any of its ids
    for kwargs in ({"openid": "mp-1"}, {"oa_openid": "oa-1"}, {"oa_openid": "oa-9", "unionid": "un-1"}):
        with pytest.raises(Conflict) as exc:
            service.bind_wechat(make_graduate(), **kwargs)
        assert exc.value.code == "openid_bound", kwargs
    db.session.commit()


def test_l_8_a_mini_program_rebind_may_add_the_unionid_to_its_own_openid(app, make_graduate):
    from wxbackend.auth import service

    graduate = make_graduate()
    service.bind_wechat(graduate, "mp-1", None)
    assert service.bind_wechat(graduate, "mp-1", "un-1").unionid == "un-1"
    db.session.commit()


def test_wx_3_a_pending_bind_older_than_ten_minutes_is_not_made(wx, csrf_token, make_graduate, make_local_account,
                                                                 frozen_now):
    from datetime import timedelta

    from wxbackend.core import timeutil

    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    start = timeutil.now()
    frozen_now(start)
    assert _local(wx.sign_in("/graduate/", "visitor").headers["Location"]) == "/login?next=/graduate/"
    frozen_now(start + timedelta(minutes=11))
    page = wx.get("/login?next=/graduate/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = wx.client.post("/login?next=/graduate/", headers={"User-Agent": WECHAT_UA},
                          data={"username": account.username, "password": "chsi-pass-1", "csrf_token": token})
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/graduate/"
    assert "微信绑定已超时" in wx.get("/graduate/").get_data(as_text=True)
    assert _binding_of(graduate) is None
