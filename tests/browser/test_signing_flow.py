"""Playwright in Debian's Chromium: online signing and online termination, end to end (§4.1, §4.2).

An employer registers on the portal (ON-1), invites a graduate found by name and 身份证号 (ON-2);
the graduate accepts through the JSON API; the department and then the school pass it in the
console (ON-8); the employer sees 签约完成 with its 协议编号 and downloads the PDF. The employer
then applies to terminate (OT-1), the graduate accepts through the API (OT-2), both reviews pass
(OT-3): the employer sees 已解约 and the graduate can accept another employer's invitation (ON-4).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from tests.factories import credit_code
from tests.signing.conftest import TERMS
from wxbackend.auth import tokens
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement, TerminationRequest

pytestmark = pytest.mark.browser

CONTEXT = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 1280, "height": 900}}
EMPLOYER_CODE = credit_code(20260101)


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    # the live server has no RQ worker: run jobs (the PDF) in-process, as the embedded default does
    return {"JOBS_MODE": "thread", "REDIS_URL": ""}


def _new_page(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(**CONTEXT)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _review_pass(browser: Any, base: str, username: str, name: str, kind_label: str) -> None:
    """A reviewer logs into the console in a browser of their own and passes the item of *name*."""
    context, page = _new_page(browser)
    try:
        page.goto(base + "/console/login")
        page.fill("#username", username)
        page.fill("#password", "secret-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/console/")
        page.click("#nav-review")
        page.wait_for_url(base + "/console/review")
        row = page.locator("#review-queue tbody tr", has_text=kind_label)
        row.locator("a.item-link", has_text=name).click()
        page.wait_for_url(re.compile(r".*/console/review/items/\d+$"))
        assert page.locator("#outcome-return").count() == 0  # no 退回修改 for signing (RV-1)
        page.check("#outcome-pass")
        page.click("#decide")
        page.wait_for_selector("#side-status")
    finally:
        context.close()


def _licence_jpeg() -> bytes:
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1200, 850), (250, 246, 236))
    ImageDraw.Draw(img).rectangle((30, 30, 1170, 820), outline=(160, 40, 30), width=8)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def _approve_qualification(browser: Any, base: str, username: str, name: str, shots: Path) -> None:
    """The platform admin opens the waiting submission, sees the image, and approves it (EM-1)."""
    context, page = _new_page(browser)
    try:
        page.goto(base + "/console/login")
        page.fill("#username", username)
        page.fill("#password", "secret-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/console/")
        page.click("#nav-qualifications")
        page.locator("#qualification-rows tbody tr", has_text=name).locator("a").click()
        page.wait_for_url(re.compile(r".*/console/employers/qualifications/\d+$"))
        page.wait_for_function("() => document.querySelector('#license img').naturalWidth > 0")
        page.screenshot(path=str(shots / "console-qualification.png"), full_page=True)
        page.click("#approve")
        page.wait_for_url(base + "/console/employers/qualifications")
    finally:
        context.close()


def _wait_for_pdf(page: Any, url: str) -> bytes:
    """The PDF renders in a background job after the school's pass: poll with the page's session."""
    deadline = time.monotonic() + 60
    while True:
        res = page.request.get(url, max_redirects=0)
        if res.status == 200 and res.body().startswith(b"%PDF"):
            return res.body()  # type: ignore[no-any-return]
        assert res.status == 302, f"unexpected {res.status}"
        assert time.monotonic() < deadline, "the agreement PDF was not rendered within 60 s"
        time.sleep(0.5)


def test_on_1_on_8_ot_1_ot_3_sign_download_and_terminate_in_the_browser(
    live_server, browser, page, make_school, make_department, make_major, make_graduate, make_user,
    make_employer, screenshot_dir: Path,
) -> None:
    base = live_server
    school = make_school(name="北京测试大学")
    dept = make_department(school, code="A01", name="计算机学院")
    major = make_major(dept, code="080901", name="计算机科学与技术")
    dept_user = make_user("department", school_id=school.id, department_id=dept.id, display_name="计院王老师")
    school_user = make_user("school", school_id=school.id, display_name="就业中心李老师")
    admin = make_user("admin", display_name="平台管理员")
    graduate = make_graduate(major, name="陈诚", student_no="2022001", confirmed_at=timeutil.now())
    token, _row = tokens.issue(graduate)
    db.session.commit()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"

    # 1. the employer registers through the page (the address through the region cascade)
    page.goto(base + "/employer/register")
    page.fill("#name", "北京学信咨询服务有限公司")
    page.fill("#credit_code", EMPLOYER_CODE[:-1] + ("0" if EMPLOYER_CODE[-1] != "0" else "1"))
    page.select_option("#unit_nature", label="其他企业")
    page.select_option("#industry", "34")
    picker = page.locator("#field-address_region .region-picker select")
    picker.nth(0).select_option(label="北京市")
    picker.nth(1).locator("option", has_text="北京市").wait_for(state="attached")
    picker.nth(1).select_option(label="北京市")  # a municipality is its own city; its districts come below
    picker.nth(2).locator("option", has_text="西城区").wait_for(state="attached")
    picker.nth(2).select_option(label="西城区")
    assert page.input_value("#address_region") == "110102"
    page.fill("#address_detail", "西直门外大街18号楼3层")
    page.fill("#contact_name", "李经理")
    page.fill("#contact_phone", "010-68352260")
    page.fill("#contact_mobile", "13912345678")
    page.fill("#contact_email", "hr@example.com")
    page.fill("#username", "xuexin_hr")
    page.fill("#password", "Good-pass-2026")
    page.fill("#password_confirm", "Good-pass-2026")
    page.click("#register")
    # a wrong check character is refused next to the field (ON-1); every other value is kept
    assert page.inner_text("#error-credit_code") == "统一社会信用代码无效（校验位不符）"
    assert page.input_value("#address_region") == "110102"
    assert page.input_value("#contact_name") == "李经理"
    page.screenshot(path=str(screenshot_dir / "employer-register.png"), full_page=True)
    page.fill("#credit_code", EMPLOYER_CODE)
    page.fill("#password", "Good-pass-2026")
    page.fill("#password_confirm", "Good-pass-2026")
    page.click("#register")
    page.wait_for_url(base + "/employer/")
    assert page.inner_text("#employer-name") == "北京学信咨询服务有限公司"
    assert page.inner_text("#employer-credit-code") == EMPLOYER_CODE

    # EM-1: nobody can be invited before the platform admin approves the 营业执照, name and code
    assert page.locator("#start-invite").count() == 0
    page.click("#to-qualification")
    page.wait_for_url(base + "/employer/qualification")
    assert page.inner_text("#qualification-status") == "待审核"
    assert page.input_value("#credit_code") == EMPLOYER_CODE
    page.set_input_files("#license", files=[{"name": "营业执照.jpg", "mimeType": "image/jpeg",
                                             "buffer": _licence_jpeg()}])
    page.click("#submit-qualification")
    page.wait_for_selector("#qualification-pending")
    page.screenshot(path=str(screenshot_dir / "employer-qualification.png"), full_page=True)
    _approve_qualification(browser, base, admin.username, "北京学信咨询服务有限公司", screenshot_dir)
    page.reload()
    assert page.inner_text("#qualification-status") == "审核通过"

    # 2. log out and in again through the portal login
    page.click("#logout")
    page.wait_for_url(base + "/employer/login")
    page.fill("#username", "xuexin_hr")
    page.fill("#password", "Good-pass-2026")
    page.click("#login")
    page.wait_for_url(base + "/employer/")

    # 3. invite: find the graduate by 姓名 + 身份证号, fill in fig. 9, send
    page.click("#start-invite")
    page.wait_for_url(base + "/employer/invite")
    page.fill("#name", "陈诚")
    page.fill("#identifier", graduate.id_number)
    page.screenshot(path=str(screenshot_dir / "employer-find.png"), full_page=True)
    page.click("#find")
    page.wait_for_selector("#invite-form")
    summary = page.inner_text("#graduate-summary")
    assert "北京测试大学" in summary and "计算机学院" in summary and "计算机科学与技术" in summary
    assert graduate.id_number not in page.content()
    page.select_option("#job_category", TERMS["job_category"])
    page.fill("#position", TERMS["position"])
    for key in ("trial_period", "trial_pay", "regular_pay", "penalty"):
        page.fill(f"#{key}", str(TERMS[key]))
    page.fill("#report_place", TERMS["report_place"])
    page.fill("#report_deadline", TERMS["report_deadline"])
    page.fill("#work_region", "北京市西城区")
    page.fill("#work_address", "西直门外大街18号")
    page.select_option("#archive_transfer_type", TERMS["archive_transfer_type"])
    assert page.locator("#field-archive_unit_name .req.when").is_visible()  # 单位接收: details required
    for key in ("archive_unit_name", "archive_unit_address", "archive_contact", "archive_phone", "archive_postcode"):
        page.fill(f"#{key}", TERMS[key])
    page.select_option("#hukou_transfer_type", TERMS["hukou_transfer_type"])
    assert not page.locator("#field-hukou_address .req.when").is_visible()  # 转回生源地: no address needed
    page.fill("#addendum", "入职后提供人才公寓。")
    page.fill("#response_days", "3")
    today = timeutil.today()
    expected = services.deadline_for(timeutil.now(), 3)
    assert page.inner_text("#deadline-preview") == timeutil.fmt(expected)  # ON-2, before sending
    assert expected.date().toordinal() - today.toordinal() == 4
    page.screenshot(path=str(screenshot_dir / "employer-invite.png"), full_page=True)
    page.click("#send-invite")
    page.wait_for_url(re.compile(r".*/employer/agreements/\d+$"))
    agreement_id = int(page.url.rsplit("/", 1)[1])
    agreement_url = page.url
    assert page.inner_text("#agreement-status") == "等待应约"
    assert "应约有效期3天" in page.inner_text("#progress-timeline")

    # 4. the graduate accepts through the JSON API
    res = api.post(f"{base}/api/v1/agreements/{agreement_id}/accept", json={}, timeout=10)
    assert res.status_code == 200, res.text
    page.reload()
    assert page.inner_text("#agreement-status") == "院系审核中"

    # 5. the department, then the school pass it in the console
    _review_pass(browser, base, dept_user.username, "陈诚", "网上签约")
    page.reload()
    assert page.inner_text("#agreement-status") == "学校审核中"
    _review_pass(browser, base, school_user.username, "陈诚", "网上签约")

    # 6. the employer sees 签约完成 and the 协议编号, and downloads the electronic agreement
    page.reload()
    assert page.inner_text("#agreement-status") == "签约完成"
    number = page.inner_text("#agreement-no")
    assert re.fullmatch(rf"\d{{4}}4{int(school.code):05d}\d{{9}}", number), number
    steps = [" ".join(e.split()) for e in page.locator("#progress-timeline .event-head").all_inner_texts()]
    assert [s.split(" ", 2)[2] for s in steps] == [
        "用人单位 发出签约邀请，应约有效期3天", "陈诚 接受签约邀请，进入院系审核", "院系 审核通过", "学校 审核通过",
        f"系统 签约完成，协议编号 {number}"], steps
    page.screenshot(path=str(screenshot_dir / "employer-agreement-signed.png"), full_page=True)
    _wait_for_pdf(page, f"{agreement_url}/pdf")
    with page.expect_download() as info:
        page.click("#download-pdf")
    download = info.value
    assert download.suggested_filename == f"{number}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # 7. the employer applies to terminate: reason from the list, explanation with a live counter (OT-1)
    page.select_option("#reason", label="用人单位取消或调整招聘计划")
    page.fill("#explanation", "因业务调整，取消该岗位的招聘计划。")
    assert page.inner_text("#explanation-count") == str(len("因业务调整，取消该岗位的招聘计划。"))
    page.click("#start-termination")
    page.wait_for_selector(".flash-success")
    assert "等待对方回应" in page.inner_text("#terminations")
    page.goto(base + "/employer/")
    assert "等待毕业生回应" in page.inner_text("#termination-list")
    assert "签约完成" in page.inner_text("#agreement-list")
    page.screenshot(path=str(screenshot_dir / "employer-home.png"), full_page=True)

    # 8. the graduate accepts the termination through the API (OT-2); both reviews pass (OT-3)
    db.session.expire_all()
    req = db.session.scalars(select(TerminationRequest)).one()
    res = api.post(f"{base}/api/v1/terminations/{req.id}/accept", json={}, timeout=10)
    assert res.status_code == 200, res.text
    _review_pass(browser, base, dept_user.username, "陈诚", "解约申请")
    _review_pass(browser, base, school_user.username, "陈诚", "解约申请")
    page.goto(agreement_url)
    assert page.inner_text("#agreement-status") == "已解约"
    assert "解约完成" in page.inner_text("#terminations")
    assert page.locator("#termination-form").count() == 0
    page.screenshot(path=str(screenshot_dir / "employer-terminated.png"), full_page=True)

    # 9. the graduate is free again: another employer's invitation can be accepted (ON-4)
    other = make_employer(name="上海示例信息技术有限公司", unit_nature="31", industry="34", address_region="310104",
                          contact_name="周女士", contact_phone="021-12345678", contact_mobile="13700000000")
    other_user = make_user("employer", employer_id=other.id, display_name=other.name)
    db.session.expire_all()
    second = services.invite(other_user, graduate, 5, TERMS)
    db.session.commit()
    res = api.post(f"{base}/api/v1/agreements/{second.id}/accept", json={}, timeout=10)
    assert res.status_code == 200, res.text
    db.session.expire_all()
    assert db.session.get(OnlineAgreement, agreement_id).status == "terminated"
    assert db.session.get(OnlineAgreement, second.id).status == "reviewing"
