"""Playwright in Debian's Chromium: 档案信息登记 on the graduates' mobile web, reviewed in the console (§5).

On a 390×844 phone a graduate opens 档案信息登记 from the module list, chooses 转回生源地: the form is
pre-filled from the 生源所在地's receiving office and the province select is locked (AR-2); the policy
hint stays hidden for the recommended type and shows for another (AR-8); the unit is picked from the
directory search (AR-7); they complete the contact and submit (AR-1). A department reviewer edits the
邮编 in the console while passing, the school passes; the graduate sees the edited info, the edit in the
history and has a message in the outbox (RV-5). Then they request a change (档案信息修改), the school
rejects it, and the old info stays (AR-5).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in
from wxbackend.core import audit, timeutil
from wxbackend.core.db import db
from wxbackend.notify.models import NotificationOutbox
from wxbackend.transfers import directory, services
from wxbackend.transfers.models import TransferRegistration

pytestmark = pytest.mark.browser

PHONE = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 390, "height": 844},
         "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
DESKTOP = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 1280, "height": 900}}
#: The picker's select number *box* (0 province, 1 city, 2 district) of the address field.
PICKER = ".region-picker[data-target=archive_unit_region] select"


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    # the live server has no RQ worker: run jobs in-process, as the embedded default does
    return {"JOBS_MODE": "thread", "REDIS_URL": ""}


def _context(browser: Any, **options: Any) -> tuple[Any, Any]:
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def _review(browser: Any, base: str, user: Any, name: str, outcome: str, reason: str | None = None,
            postcode: str | None = None, shots: Any = None) -> str:
    """Open the graduate's item from the queue; optionally 直接修改 the 邮编 first (RV-5); decide; the status."""
    context, page = _context(browser, **DESKTOP)
    try:
        sign_in(page, base, user.username)
        page.click("#nav-review")
        page.wait_for_url(base + "/console/review")
        page.locator("#review-queue a.item-link", has_text=name).first.click()
        page.wait_for_url(re.compile(r".*/console/review/items/\d+$"))
        if postcode:
            page.click("#edit-record")
            page.wait_for_selector("#edit-form")
            page.fill("#archive_postcode", postcode)
            page.click("#save-edit")
            page.wait_for_selector("#history")
            assert "已保存修改" in page.inner_text("main")
        page.check(f"#outcome-{outcome}")
        if reason:
            page.fill("#reason", reason)
        page.click("#decide")
        page.wait_for_selector("#item-status")
        if shots is not None:
            page.screenshot(path=str(shots), full_page=True)
        return page.inner_text("#item-status")  # type: ignore[no-any-return]
    finally:
        context.close()


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_ar_2_rv_5_ar_5_archive_registered_on_the_phone_edited_by_the_reviewer_change_rejected(
    live_server, browser, make_school, make_department, make_major, make_graduate, make_user, make_local_account,
    screenshot_dir,
) -> None:
    base = live_server
    school = make_school(name="北京测试大学")
    dept = make_department(school, code="A01", name="计算机学院")
    major = make_major(dept, code="080901", name="计算机科学与技术")
    dept_user = make_user("department", school_id=school.id, department_id=dept.id, display_name="计院王老师")
    school_user = make_user("school", school_id=school.id, display_name="就业中心李老师")
    graduate = make_graduate(major, name="陈诚", student_no="2022001", origin_region="110101",
                             confirmed_at=timeutil.now())
    account = make_local_account(id_number=graduate.id_number)
    directory.create(audit.SYSTEM, school.id, {"name": "北京市东城区人才服务中心", "region": "110101",
                                               "address": "东城区东四北大街1号", "postcode": "100010"})
    directory.create(audit.SYSTEM, None, {"name": "北京市东城区公共就业服务中心", "region": "110101",
                                          "address": "东城区安定门东大街2号", "postcode": "100007",
                                          "contact": "赵老师", "phone": "010-64000000"})
    db.session.commit()

    context, page = _context(browser, **PHONE)
    try:
        # 1. the module list → 档案信息登记 → 登记
        page.goto(base + "/login")
        page.fill("#username", account.username)
        page.fill("#password", "chsi-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/graduate/")
        page.click("#module-archive")
        page.wait_for_url(base + "/graduate/archive")
        assert "暂无档案信息" in page.inner_text("#current-info")
        page.screenshot(path=str(screenshot_dir / "transfer-01-archive-empty.png"), full_page=True)
        page.click("#start-registration")
        page.wait_for_url(re.compile(r".*/graduate/archive/new\?purpose=registration$"))
        page.wait_for_function("() => document.querySelector('.region-picker select').options.length > 30")

        # 2. AR-8: another type shows the hint, without blocking; 转回生源地 is the recommended one
        assert page.is_hidden("#policy-hint")
        page.select_option("#archive_transfer_type", "11")
        assert page.is_visible("#policy-hint") and "国办发〔2022〕13号" in page.inner_text("#policy-hint")
        # 3. AR-2: 转回生源地 pre-fills the school's office of the 生源所在地 and locks the province
        page.select_option("#archive_transfer_type", "20")
        assert page.is_hidden("#policy-hint")
        assert page.input_value("#archive_unit_name") == "北京市东城区人才服务中心"
        assert page.input_value("#archive_unit_address") == "东城区东四北大街1号"
        assert page.input_value("#archive_postcode") == "100010"
        assert page.input_value("#archive_unit_region") == "110101"
        page.wait_for_function(f"() => document.querySelectorAll('{PICKER}')[2].value === '110101'")
        selects = page.locator(PICKER)
        assert selects.nth(0).is_disabled() and selects.nth(0).input_value() == "110000"
        assert selects.nth(2).is_enabled()
        assert page.is_visible("#province-lock-note")
        assert page.inner_text("#archive_unit_region-hint") == "北京市东城区（110101）"
        # another type frees the province again and gives back what the form held
        page.select_option("#archive_transfer_type", "13")
        page.wait_for_function(f"() => !document.querySelectorAll('{PICKER}')[0].disabled")
        assert page.input_value("#archive_unit_name") == ""
        page.select_option("#archive_transfer_type", "20")
        page.wait_for_function(f"() => document.querySelectorAll('{PICKER}')[0].disabled")
        # 4. AR-7: 点击搜索或直接填写 — the platform's office of the same district, picked from the directory
        assert page.get_attribute("#archive_unit_name", "placeholder") == "点击搜索或直接填写"
        page.fill("#archive_unit_name", "公共就业")
        choice = page.locator("#office-suggestions button", has_text="北京市东城区公共就业服务中心")
        choice.wait_for()
        assert "北京市东城区人才服务中心" not in page.inner_text("#office-suggestions")  # searched by the typed name
        page.screenshot(path=str(screenshot_dir / "transfer-02a-directory-search.png"), full_page=True)
        choice.click()
        assert page.is_hidden("#office-suggestions")
        assert page.input_value("#archive_unit_name") == "北京市东城区公共就业服务中心"
        assert page.input_value("#archive_postcode") == "100007"
        assert page.input_value("#archive_contact") == "赵老师"
        assert page.input_value("#archive_phone") == "010-64000000"
        page.fill("#archive_contact", "钱老师")
        page.fill("#archive_remark", "本人暂未就业，档案转回生源地")
        assert page.inner_text("#archive_remark-counter") == "14/200"
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "transfer-02-archive-form.png"), full_page=True)
        page.click("#submit")
        page.wait_for_selector("#record-summary")
        assert "待院系审核" in page.inner_text("#record-status")
        page.screenshot(path=str(screenshot_dir / "transfer-03-archive-submitted.png"), full_page=True)
        record_url = page.url
    finally:
        context.close()

    db.session.expire_all()
    record = db.session.scalar(select(TransferRegistration).where(TransferRegistration.graduate_id == graduate.id))
    assert record is not None and record.status == "pending"
    assert record.fields["archive_unit_name"] == "北京市东城区公共就业服务中心"
    assert record.fields["archive_contact"] == "钱老师" and record.fields["archive_transfer_type"] == "20"

    # 5. RV-5: the department edits the 邮编 while passing; the school passes
    assert _review(browser, base, dept_user, "陈诚", "pass", postcode="100011") == "待学校审核"
    assert _review(browser, base, school_user, "陈诚", "pass", reason="同意",
                   shots=screenshot_dir / "transfer-04-console-passed.png") == "审核通过"

    context, page = _context(browser, **PHONE)
    try:
        sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
        page.goto(base + "/graduate/archive")
        current = page.inner_text("#current-info")
        assert "100011" in current and "100007" not in current and "来源：档案信息登记" in current
        assert "北京市东城区公共就业服务中心" in current
        page.screenshot(path=str(screenshot_dir / "transfer-05-archive-current.png"), full_page=True)
        page.goto(record_url)
        timeline = page.inner_text("#record-timeline")
        assert "档案转递单位邮编" in timeline and "100007" in timeline and "100011" in timeline
        assert "审核通过" in page.inner_text("#record-status")
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "transfer-05b-record-history.png"), full_page=True)

        # 6. AR-5: 档案信息修改 from the current info; the school rejects it; the old info stays
        page.goto(base + "/graduate/archive")
        page.click("#start-change")
        page.wait_for_url(re.compile(r".*/graduate/archive/new\?purpose=change$"))
        assert page.input_value("#archive_postcode") == "100011"
        page.fill("#archive_unit_address", "东城区安定门东大街3号")
        page.click("#submit")
        page.wait_for_selector("#record-summary")
        assert "档案信息修改" in page.inner_text("h1") and "待院系审核" in page.inner_text("#record-status")
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "transfer-06-change-pending.png"), full_page=True)
    finally:
        context.close()

    assert _review(browser, base, dept_user, "陈诚", "pass") == "待学校审核"
    assert _review(browser, base, school_user, "陈诚", "reject", reason="地址未变化，无需修改") == "不通过"

    context, page = _context(browser, **PHONE)
    try:
        sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
        page.goto(base + "/graduate/archive")
        current = page.inner_text("#current-info")
        assert "东城区安定门东大街2号" in current and "东城区安定门东大街3号" not in current
        records = page.inner_text("#records")
        assert "审核不通过" in records and "地址未变化，无需修改" in records and "审核通过" in records
        assert page.is_visible("#start-change")  # they may request a change again
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "transfer-07-change-rejected.png"), full_page=True)
    finally:
        context.close()

    # the same pages on a desktop browser
    context, page = _context(browser, **DESKTOP)
    try:
        sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
        page.goto(base + "/graduate/archive/new?purpose=change")
        page.wait_for_function(f"() => document.querySelectorAll('{PICKER}')[2].value === '110101'")
        assert page.locator(PICKER).nth(0).is_disabled()  # 转回生源地 kept: the province stays locked
        page.screenshot(path=str(screenshot_dir / "transfer-08-desktop-change-form.png"), full_page=True)
    finally:
        context.close()

    db.session.expire_all()
    info = services.current(graduate.id, "archive")
    assert info is not None and info.data["archive_unit_address"] == "东城区安定门东大街2号"
    assert info.data["archive_postcode"] == "100011"
    outbox = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.graduate_id == graduate.id)).all()
    assert "info_edited" in {n.kind for n in outbox}, [n.kind for n in outbox]
