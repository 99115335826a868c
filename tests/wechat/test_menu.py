"""``flask wechat-menu`` (WX-2): the menu opens the mini-program at 去向登记, with a web fallback."""

from __future__ import annotations

from typing import Any

import pytest

from tests.wechat.fakes import MINI_APPID, FakeWeChat


@pytest.fixture()
def settings_overrides(oa_settings: dict[str, Any]) -> dict[str, Any]:
    return oa_settings


def test_wx_2_menu_is_created_with_the_mini_program_button(app, fake_wechat: FakeWeChat) -> None:
    """WX-2: 去向登记 is a miniprogram button (appid from settings, login page, web fallback); others are links."""
    result = app.test_cli_runner().invoke(args=["wechat-menu"])
    assert result.exit_code == 0, result.output
    assert "菜单已创建" in result.output
    (menu,) = fake_wechat.posts["/cgi-bin/menu/create"]
    register = menu["button"][0]
    assert register == {"type": "miniprogram", "name": "去向登记", "appid": MINI_APPID,
                        "pagepath": "pages/login/login", "url": "https://job.example.edu.cn/graduate/"}
    assert menu["button"][1] == {"type": "view", "name": "通知公告", "url": "https://job.example.edu.cn/notices"}
    subs = menu["button"][2]["sub_button"]
    assert {b["type"] for b in subs} == {"view", "click"}
    assert all(b["url"].startswith("https://job.example.edu.cn/") for b in subs if b["type"] == "view")
    assert "{{" not in str(menu)


@pytest.mark.parametrize(("errcode", "words"), [
    (85005, "小程序未关联公众号"), (40166, "appid 无效"), (65318, "菜单内容不符合"),
    (48001, "没有自定义菜单接口的权限"),
])
def test_wx_2_a_refused_menu_is_reported_in_chinese_with_its_code(app, fake_wechat: FakeWeChat, errcode: int,
                                                                   words: str) -> None:
    """WX-2: WeChat's refusal (e.g. 85005: the mini-program is not linked) is explained; the exit is non-zero."""
    fake_wechat.failures["/cgi-bin/menu/create"] = [errcode]
    result = app.test_cli_runner().invoke(args=["wechat-menu"])
    assert result.exit_code != 0
    assert f"错误码 {errcode}" in result.output and words in result.output
    assert "/cgi-bin/menu/create" not in fake_wechat.posts


def test_wx_2_a_stale_token_is_refreshed_once(app, fake_wechat: FakeWeChat) -> None:
    """WX-4: 40001 (token no longer valid) → one new token, one retry; the menu is created."""
    assert app.test_cli_runner().invoke(args=["wechat-menu"]).exit_code == 0
    fake_wechat.revoke_tokens()
    result = app.test_cli_runner().invoke(args=["wechat-menu"])
    assert result.exit_code == 0, result.output
    assert len(fake_wechat.posts["/cgi-bin/menu/create"]) == 2
    assert fake_wechat.tokens_issued["wxoaappid0001"] == 2


def test_wx_2_dry_run_and_missing_settings(app, fake_wechat: FakeWeChat) -> None:
    """WX-2: --dry-run prints the filled menu and sends nothing."""
    result = app.test_cli_runner().invoke(args=["wechat-menu", "--dry-run"])
    assert result.exit_code == 0 and '"pagepath": "pages/login/login"' in result.output
    assert not fake_wechat.posts and not fake_wechat.tokens_issued
