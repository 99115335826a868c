"""WX-3 with 学信网 CAS as the identity provider: an unbound WeChat identity is bound after the CHSI sign-in (L-8)."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.auth.fakes import FakeServer
from tests.auth.test_wx_oauth import PUBLIC, WxBrowser, _local, wechat_standin, wx  # noqa: F401
from wxbackend.accounts.models import WechatBinding
from wxbackend.core.db import db
from wxbackend.standin import wechat as fake


@pytest.fixture()
def settings_overrides(fake_server: FakeServer, wechat_standin: str) -> dict[str, Any]:  # noqa: F811
    base = wechat_standin + fake.PREFIX
    return {"IDENTITY_PROVIDER": "cas", "CAS_SERVER_URL": fake_server.url + "/cas/",
            "WECHAT_APPID": fake.OA_APPID, "WECHAT_SECRET": fake.OA_SECRET,
            "WECHAT_API_ORIGIN": base, "WECHAT_OAUTH_URL": base + "/connect/oauth2/authorize",
            "PUBLIC_URL": PUBLIC}


def test_wx_3_l_8_unbound_identity_is_bound_after_the_chsi_cas_sign_in(wx, fake_server, make_graduate):  # noqa: F811
    graduate = make_graduate(name="刘昇")
    fake_server.add_cas_user("liusheng", idNumber=graduate.id_number, name="刘昇")
    resp = wx.sign_in("/graduate/destination", "visitor")
    assert _local(resp.headers["Location"]) == "/login?next=/graduate/destination"
    page = wx.get("/login?next=/graduate/destination").get_data(as_text=True)
    assert 'id="wx-pending"' in page
    href = html.unescape(re.search(r'id="cas-login" href="([^"]+)"', page).group(1))
    chsi = requests.get(href, params={"username": "liusheng"}, allow_redirects=False, timeout=5)
    back = urlsplit(chsi.headers["Location"])
    resp = wx.get(f"{back.path}?{back.query}")
    # the next page the graduate asked for survives the trip through CHSI
    assert resp.status_code == 302 and _local(resp.headers["Location"]) == "/graduate/destination"
    db.session.expire_all()
    binding = db.session.scalar(select(WechatBinding).where(WechatBinding.graduate_id == graduate.id))
    assert binding is not None and binding.oa_openid == fake.identity("visitor").oa_openid
