"""Playwright in Debian's Chromium: the employer searches the invitation list, opens one and withdraws it (ON-11),
on a phone (390×844) and on a desktop (1280 wide); the graduate's decline reason shows in the list (ON-12)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.signing.conftest import TERMS
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_on_11_on_12_search_open_and_withdraw_in_the_browser(
    device: str, live_server, browser, make_school, make_department, make_major, make_graduate, make_user,
    make_employer, screenshot_dir: Path,
) -> None:
    base = live_server
    school = make_school(name="北京测试大学")
    dept = make_department(school, code="A01", name="计算机学院")
    major = make_major(dept, code="080901", name="计算机科学与技术")
    employer = make_employer(name="北京学信咨询服务有限公司", unit_nature="31", industry="34", address_region="110102",
                             contact_name="李经理", contact_mobile="13912345678")
    user = make_user("employer", employer_id=employer.id, username="xuexin_hr", display_name=employer.name)
    target = make_graduate(major, name="周晓明", confirmed_at=timeutil.now())
    others = [make_graduate(major, name=n, confirmed_at=timeutil.now()) for n in ("吴三", "郑四", "周晓红")]
    rows = {g.name: services.invite(user, g, 3, TERMS) for g in [target, *others]}
    db.session.commit()
    services.decline(others[1], rows["郑四"].id, "已接受其他单位的录用")
    db.session.commit()

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORTS[device])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(base + "/employer/login")
        page.fill("#username", "xuexin_hr")
        page.fill("#password", "secret-pass-1")
        page.click("#login")
        page.wait_for_url(base + "/employer/")
        assert "已接受其他单位的录用" in page.inner_text("#agreement-list")  # ON-12, under the status

        # search: part of the name and the state
        page.fill("#f-name", "周晓")
        page.select_option("#f-status", "waiting")
        page.click("#search")
        page.wait_for_url(re.compile(r".*/employer/\?.*name=.*"))
        listed = page.locator("#agreement-list tbody tr")
        assert listed.count() == 2
        assert "吴三" not in page.inner_text("#agreement-list")
        assert page.input_value("#f-name") == "周晓"
        page.screenshot(path=str(screenshot_dir / f"employer-invitations-search-{device}.png"), full_page=True)

        # open 周晓明's invitation and withdraw it, confirming the dialog
        page.locator("#agreement-list a.agreement-link", has_text="周晓明").click()
        page.wait_for_url(re.compile(r".*/employer/agreements/\d+$"))
        assert page.inner_text("#agreement-status") == "等待应约"
        messages: list[str] = []

        def answer(dialog: Any) -> None:
            messages.append(dialog.message)
            dialog.accept()

        page.once("dialog", answer)
        page.click("#withdraw")
        page.wait_for_selector("#withdrawn-banner")
        assert messages and "撤回" in messages[0]
        assert page.inner_text("#agreement-status") == "已撤回"
        assert "已撤回对周晓明的签约邀请" in page.inner_text(".flash-success")
        assert page.locator("#withdraw").count() == 0
        assert page.locator("#invite-again").is_visible()
        if device == "phone":  # nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"] + 1
        page.screenshot(path=str(screenshot_dir / f"employer-invitation-withdrawn-{device}.png"), full_page=True)

        db.session.expire_all()
        assert db.session.get(OnlineAgreement, rows["周晓明"].id).status == "withdrawn"  # type: ignore[union-attr]

        # the list filtered by 已撤回 shows it; 再次邀请 opens the form for the same graduate
        page.goto(base + "/employer/?status=withdrawn")
        assert page.locator("#agreement-list tbody tr").count() == 1
        assert "已撤回" in page.inner_text("#agreement-list")
        page.locator("#agreement-list a.agreement-link", has_text="周晓明").click()
        page.click("#invite-again")
        page.wait_for_selector("#invite-form")
        assert "周晓明" in page.inner_text("#graduate-summary")
        assert page.input_value("#position") == TERMS["position"]
    finally:
        context.close()
