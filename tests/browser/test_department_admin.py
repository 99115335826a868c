"""Playwright in Debian's Chromium at phone size (390×844): a school reviewer adds a 院系 from the nav.

The form first shows its error next to the empty field and keeps what was typed; the list then
shows the new department inside its scrolling table wrapper, so the page itself does not scroll
sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def test_school_reviewer_adds_a_department_on_a_phone(live_server, phone, make_school, make_department,
                                                      make_major, make_user, screenshot_dir) -> None:
    school = make_school(name="北京测试大学")
    for n, name in enumerate(["计算机科学与技术学院", "外国语学院", "马克思主义学院"], start=1):
        make_major(make_department(school, code=f"A{n:02d}", name=name))
    reviewer = make_user("school", school_id=school.id)
    page = phone
    page.goto(live_server + "/console/login")
    page.fill("#username", reviewer.username)
    page.fill("#password", "secret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/console/")

    page.click("#nav-departments")
    page.wait_for_url(live_server + "/console/departments")
    page.click("#new-department")
    page.fill("#code", "B07")
    page.click("#department-form button[type=submit]")
    assert "请填写院系名称" in page.inner_text("#error-name")
    assert page.input_value("#code") == "B07"
    page.fill("#name", "经济与管理学院")
    page.click("#department-form button[type=submit]")
    page.wait_for_url(live_server + "/console/departments?q=B07")
    assert "经济与管理学院" in page.inner_text("#departments")
    page.goto(live_server + "/console/departments")
    assert page.locator("#departments tbody tr").count() == 4
    assert page.locator("#departments").evaluate("t => t.closest('.table-wrap') !== null")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(screenshot_dir / "departments-phone.png"), full_page=True)
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 390px"
