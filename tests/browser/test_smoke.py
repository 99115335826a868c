"""The console login page renders in Chromium and rejects a wrong password next to the field."""

from __future__ import annotations


def test_console_login_page_in_chromium(live_server, page, make_school, make_user, screenshot_dir) -> None:
    user = make_user("school", school_id=make_school().id)
    page.goto(live_server + "/console/login")
    page.fill("#username", user.username)
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text(".field-error")
    page.fill("#password", "secret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/console/")
    page.screenshot(path=str(screenshot_dir / "console-home.png"))
    assert user.display_name in page.inner_text("body")
