"""Playwright at 390 × 844 with WeChat's User-Agent: the graduates' web opened in WeChat signs in through
the official account's OAuth on the local stand-in, as ``make run`` serves it (WX-3, L-8).

The app runs with no real WeChat setting, so the stand-in is mounted in the same app under /_wechat/ and
the real wechatpy client calls it over HTTP, as the embedded default does.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from wxbackend import standin
from wxbackend.accounts.models import WechatBinding
from wxbackend.core.db import db

pytestmark = pytest.mark.browser

WECHAT_PHONE = {
    "locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
    "user_agent": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                   "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI "
                   "Language/zh_CN"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def port() -> int:
    return _free_port()


@pytest.fixture()
def settings_overrides(port: int) -> dict[str, Any]:
    # no WeChat settings at all: the stand-in is wired in, on the app's own origin
    return {"JOBS_MODE": "thread", "REDIS_URL": "", "WECHAT_MINI_APPID": "", "WECHAT_MINI_SECRET": "",
            "WECHAT_STANDIN": "on", "PUBLIC_URL": f"http://127.0.0.1:{port}"}


@pytest.fixture()
def wx_live(app: Any, port: int) -> Iterator[str]:
    assert standin.is_active(app.config["SETTINGS"])
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _shot(page: Any, screenshot_dir: Path, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"wx-oauth-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: the page is {width}px wide at a 390px viewport"


def test_wx_3_graduate_web_opened_in_wechat_signs_in_through_the_official_account(
        wx_live, browser, make_graduate, make_local_account, screenshot_dir: Path) -> None:
    kun = make_graduate(name="王堃")
    person = standin.identity("wangkun")
    db.session.add(WechatBinding(graduate_id=kun.id, oa_openid=person.oa_openid, unionid=person.unionid))
    yue = make_graduate(name="李玥")
    account = make_local_account(id_number=yue.id_number)
    db.session.commit()

    # a bound identity: the page opened in WeChat lands on the graduate's home
    context = browser.new_context(**WECHAT_PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(wx_live + "/graduate/")
    page.wait_for_url(lambda url: "/_wechat/connect/oauth2/authorize?" in url)
    assert page.get_by_text("以哪个微信身份登录").is_visible()
    _shot(page, screenshot_dir, "1-authorize")
    page.click('a[data-identity="wangkun"]')
    page.wait_for_url(wx_live + "/graduate/")
    assert page.get_by_text("信息确认无误，进入系统").is_visible()
    assert "王堃" in page.content()
    _shot(page, screenshot_dir, "2-home-bound")
    context.close()

    # an unbound identity: the 学信网 login once, then bound; the next visit goes straight in
    context = browser.new_context(**WECHAT_PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(wx_live + "/graduate/")
    page.click('a[data-identity="liyue"]')
    page.wait_for_url(lambda url: "/login?next=" in url)
    assert page.locator("#wx-pending").is_visible()
    _shot(page, screenshot_dir, "3-login-to-bind")
    page.fill("#username", account.username)
    page.fill("#password", "chsi-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(wx_live + "/graduate/")
    assert page.get_by_text("已绑定当前微信").is_visible() and "李玥" in page.content()
    _shot(page, screenshot_dir, "4-home-just-bound")
    context.close()
    db.session.expire_all()
    assert db.session.scalar(select(WechatBinding.graduate_id).where(
        WechatBinding.oa_openid == standin.identity("liyue").oa_openid)) == yue.id

    context = browser.new_context(**WECHAT_PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(wx_live + "/graduate/")
    page.click('a[data-identity="liyue"]')
    page.wait_for_url(wx_live + "/graduate/")
    assert "李玥" in page.content()
    context.close()
