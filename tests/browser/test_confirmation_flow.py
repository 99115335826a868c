"""Playwright in Debian's Chromium: 去向登记确认 on the graduates' mobile web (§7, figs. 40–42) and the 四不准 report.

On a 390×844 phone a reported graduate opens 去向登记确认 from the module list (CF-1), chooses 信息有误:
fig. 41 opens, and 毕业去向信息 有变化 opens its 去向情况说明; 提交 without the explanation is refused next to
the field, the choices and the mobile kept; with it (the 0/500 counter counting) the page shows the error
report (CF-3). The school reads the explanation in /console/confirmations. The graduate revokes it
(实际信息无误，撤销确认, CF-4) and confirms (CF-2), then files a 四不准 report (CF-6): the platform admin
sees it in /console/violations, the school reviewer gets 403 there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in
from tests.browser.test_transfer_flow import DESKTOP, PHONE, _context, _fits
from tests.confirmation.conftest import _labour
from tests.transfers.conftest import ARCHIVE
from wxbackend.confirmation.models import DestinationConfirmation, ViolationReport
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.reporting import services as reporting
from wxbackend.transfers import registration

pytestmark = pytest.mark.browser


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    return {"JOBS_MODE": "thread", "REDIS_URL": ""}


def test_cf_1_to_cf_6_error_reported_on_the_phone_read_by_the_school_revoked_confirmed_and_a_four_nots_report(
    live_server, browser, make_school, make_department, make_major, make_graduate, make_user, make_local_account,
    screenshot_dir,
) -> None:
    base = live_server
    school = make_school(name="北京测试大学")
    dept = make_department(school, code="A01", name="计算机学院")
    major = make_major(dept, code="080901", name="计算机科学与技术")
    school_user = make_user("school", school_id=school.id, display_name="就业中心李老师")
    admin = make_user("admin", display_name="平台管理员")
    graduate = make_graduate(major, name="李娟", student_no="2022001", phone="13800138000",
                             confirmed_at=timeutil.now())
    assert graduate.graduate_ym == "202706"
    account = make_local_account(id_number=graduate.id_number)
    _labour(graduate)
    registration.enter_directly(school_user, graduate, "archive", ARCHIVE)
    db.session.commit()
    reporting.report(school_user, school.id, 2027)
    db.session.commit()

    context, page = _context(browser, **PHONE)
    try:
        # 1. CF-1: the tile → the reported info of fig. 40, fig. 41 hidden until 信息有误
        sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
        page.click("#module-confirmation")
        page.wait_for_url(base + "/graduate/confirmation")
        assert page.inner_text("#graduate-name") == "李娟"
        rows = page.inner_text("#reported-rows")
        assert "签劳动合同就业" in rows and "北京某某科技有限公司" in rows
        assert re.search(r"以上毕业去向信息于\d{4}年\d{2}月\d{2}日上报", page.inner_text("#report-note"))
        assert page.is_hidden("#error-form")
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "confirmation-01-reported.png"), full_page=True)

        # 2. CF-3: 信息有误 → the kinds; 有变化 opens 去向情况说明; 提交 without it → the error by the field
        page.check("#answer-error")
        assert page.is_visible("#error-form") and page.is_visible("#field-kinds")
        assert page.is_hidden("#field-destination_explanation") and page.is_hidden("#destination-clear")
        page.check("#destination-changed")
        assert page.is_visible("#field-destination_explanation") and page.is_visible("#destination-clear")
        assert page.inner_text("#destination_explanation-counter") == "0/500"
        assert page.input_value("#mobile") == "13800138000"  # from the basic info, editable
        page.fill("#mobile", "13912345678")
        page.screenshot(path=str(screenshot_dir / "confirmation-02-error-form.png"), full_page=True)
        page.click("#submit-answer")
        page.wait_for_selector("#error-destination_explanation")
        assert page.inner_text("#error-destination_explanation") == "请填写去向情况说明"
        assert page.is_visible("#error-destination_explanation")
        assert page.is_checked("#answer-error") and page.is_checked("#destination-changed")
        assert page.input_value("#mobile") == "13912345678"
        assert page.is_hidden("#field-archive_explanation")
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "confirmation-03-error-refused.png"), full_page=True)
        page.fill("#destination_explanation", "已改签另一家单位")
        assert page.inner_text("#destination_explanation-counter") == "8/500"
        page.click("#submit-answer")
        page.wait_for_selector("#answer-state[data-state=error]")
        assert "已改签另一家单位" in page.inner_text("#error-lines")
        assert "毕业去向信息有变化" in page.inner_text("#error-lines")
        assert page.is_visible("#revoke") and page.inner_text("#revoke") == "实际信息无误，撤销确认"
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "confirmation-04-error-reported.png"), full_page=True)
    finally:
        context.close()

    # 3. the school reads the explanation
    context, page = _context(browser, **DESKTOP)
    try:
        sign_in(page, base, school_user.username)
        page.goto(base + "/console/confirmations?state=error")
        table = page.inner_text("#confirmation-rows")
        assert "李娟" in table and "已改签另一家单位" in table and "毕业去向信息有变化" in table
        page.screenshot(path=str(screenshot_dir / "confirmation-05-console-error.png"), full_page=True)
    finally:
        context.close()

    context, page = _context(browser, **PHONE)
    try:
        # 4. CF-4, CF-2: 撤销 (the dialog accepted), then 信息无误 → 已确认
        sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
        page.goto(base + "/graduate/confirmation")
        page.click("#revoke")
        page.wait_for_selector("#answer-form")
        assert "已撤销" in page.inner_text("main")
        page.check("#answer-confirmed")
        assert page.is_hidden("#error-form")
        page.click("#submit-answer")
        page.wait_for_selector("#answer-state[data-state=confirmed]")
        assert "已确认" in page.inner_text("#answer-state") and "确认时间" in page.inner_text("#answer-at")
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "confirmation-06-confirmed.png"), full_page=True)

        # 5. CF-6: 违反“四不准”行为举报 from the page
        page.click("#violation-link")
        page.wait_for_url(base + "/graduate/violation-report")
        assert "不会告知你的学校是谁举报" in page.inner_text("#violation-notice")
        page.check("#kind-diploma_withheld")
        page.fill("#party", "某学院")
        page.fill("#description", "辅导员说不签约不发毕业证")
        assert page.inner_text("#description-counter") == "12/500"
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "confirmation-07-violation-form.png"), full_page=True)
        page.click("#submit-violation")
        page.wait_for_selector("#own-reports .g-record")
        own = page.inner_text("#own-reports")
        assert "将毕业证书、学位证书发放与毕业生签约挂钩" in own and "待处理" in own
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "confirmation-08-violation-filed.png"), full_page=True)
    finally:
        context.close()

    # 6. the platform admin reads it; the school reviewer may not
    context, page = _context(browser, **DESKTOP)
    try:
        sign_in(page, base, admin.username)
        page.goto(base + "/console/violations")
        body = page.inner_text("main")
        assert "李娟" in body and "将毕业证书、学位证书发放与毕业生签约挂钩" in body
        page.screenshot(path=str(screenshot_dir / "confirmation-09-admin-violations.png"), full_page=True)
    finally:
        context.close()
    context, page = _context(browser, **DESKTOP)
    try:
        sign_in(page, base, school_user.username)
        response = page.goto(base + "/console/violations")
        assert response is not None and response.status == 403
        assert "李娟" not in page.inner_text("main")
    finally:
        context.close()

    # the confirmed page on a desktop browser
    context, page = _context(browser, **DESKTOP)
    try:
        sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
        page.goto(base + "/graduate/confirmation")
        page.screenshot(path=str(screenshot_dir / "confirmation-10-desktop-confirmed.png"), full_page=True)
    finally:
        context.close()

    db.session.expire_all()
    answers = db.session.execute(select(DestinationConfirmation.answer, DestinationConfirmation.status)
                                 .order_by(DestinationConfirmation.id)).all()
    assert [tuple(a) for a in answers] == [("error", "revoked"), ("confirmed", "current")]
    report = db.session.scalar(select(ViolationReport))
    assert report is not None and report.kinds == ["diploma_withheld"] and report.party == "某学院"
