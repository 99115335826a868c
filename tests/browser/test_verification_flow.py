"""Playwright in Debian's Chromium: 核验授权 on the graduates' mobile web and the verifier's side (§8).

On a 390×844 phone a confirmed graduate opens 核验授权 from the module list: 户口信息核验 says why it
cannot be set (VA-2), a date after the latest allowed is refused next to the input (VA-3), then an
archive verification is set and its 《去向登记信息表》 downloaded (VA-4). The PDF's page is rendered to an
image and its QR code decoded (zxing-cpp); a verifier in a fresh browser opens the decoded link and sees
the graduate's report with 二维码签名有效 (VA-5, VA-9), and also finds it by name and number on
/verify/archive at phone size. The day after the validity date (frozen time, shared with the live
server's thread) the same link finds nothing and the graduate's page reads 已过期. A new verification is
set; its link verifies until the graduate ends it early, then stops at once (VA-8).
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import sign_in
from tests.confirmation.conftest import reported  # noqa: F401 - the fixture
from tests.transfers.conftest import grad, reg_world  # noqa: F401 - the fixtures
from tests.verification.conftest import confirmed  # noqa: F401 - the fixture
from wxbackend.core import timeutil
from wxbackend.core.timeutil import SHANGHAI

pytestmark = pytest.mark.browser

PHONE = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 390, "height": 844},
         "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
DESKTOP = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    # no RQ worker beside the live server: the report's render job runs right after the commit
    return {"JOBS_MODE": "eager", "REDIS_URL": ""}


def _context(browser: Any, **options: Any) -> tuple[Any, Any]:
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())  # 提前结束 asks first (confirm())
    return context, page


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _qr_link(page: Any, base: str, tmp: Path, name: str) -> str:
    """Download the report from the page, render its page, decode its QR code; the link on *base*."""
    import zxingcpp
    from PIL import Image

    with page.expect_download() as info:
        page.click("#archive-download")
    pdf = tmp / f"{name}.pdf"
    info.value.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert info.value.suggested_filename.endswith(".pdf")
    png = tmp / name
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(png)], check=True)
    codes = zxingcpp.read_barcodes(Image.open(f"{png}.png"))
    assert len(codes) == 1, codes
    link = urlsplit(codes[0].text)
    assert link.path.startswith("/verify/q/")
    return base + link.path  # PUBLIC_URL is not the live server's origin: keep the path


def _verifier_sees(browser: Any, link: str, shot: Path | None = None) -> tuple[int, str, str]:
    """A verifier's fresh browser opens *link*: (status, the signature line, the result block)."""
    context, page = _context(browser, **PHONE)
    try:
        response = page.goto(link)
        if shot is not None:
            _fits(page)
            page.screenshot(path=str(shot), full_page=True)
        return response.status, page.inner_text("#signature-state"), page.inner_text("#verify-result")
    finally:
        context.close()


def test_va_3_va_4_va_5_va_8_archive_verification_set_on_the_phone_scanned_expired_and_ended(
    live_server, browser, confirmed, make_local_account, screenshot_dir, tmp_path,  # noqa: F811
) -> None:
    base = live_server
    graduate = confirmed(name="陈诚")  # graduates 202706: at the latest 2027-12-31
    account = make_local_account(id_number=graduate.id_number)
    today = timeutil.today()
    until = today + timedelta(days=20)

    context, page = _context(browser, **PHONE)
    try:
        # 1. the module list → 核验授权
        sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
        page.click("#module-verification")
        page.wait_for_url(base + "/graduate/verification")
        assert page.inner_text("#archive-status") == "未设置"
        assert "暂未生成核验编号" in page.inner_text("#archive-number")
        assert "暂不可用：你还没有已上报并确认的户口信息" in page.inner_text("#hukou-reason")  # VA-2
        assert page.get_attribute("#archive-valid_until", "max") == "2027-12-31"
        assert page.get_attribute("#archive-valid_until", "min") == today.isoformat()
        assert "有效期至当天23:59:59，最晚为毕业时间后六个月的最后一天" in page.inner_text("#archive-rule")
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "verification-01-phone-unset.png"), full_page=True)

        # 2. VA-3: a date after the latest allowed is refused next to the input, in Chinese
        page.fill("#archive-valid_until", "2028-01-15")
        page.click("#archive-submit")
        page.wait_for_selector("#error-archive-valid_until")
        assert page.inner_text("#error-archive-valid_until") == \
            "有效期最晚为毕业时间后六个月的最后一天（2027年12月31日）"
        assert page.input_value("#archive-valid_until") == "2028-01-15"
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "verification-02-phone-date-error.png"), full_page=True)

        # 3. set: 生效中, the grouped number, 有效期至 … 23:59:59
        page.fill("#archive-valid_until", until.isoformat())
        page.click("#archive-submit")
        page.wait_for_selector("#archive-view")
        assert page.inner_text("#archive-status") == "生效中"
        number = page.inner_text("#archive-number")
        assert "-" in number and "已设置档案信息核验" in page.inner_text("main")
        assert page.inner_text("#archive-valid-until") == \
            f"{until.year}年{until.month:02d}月{until.day:02d}日 23:59:59"
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "verification-03-phone-active.png"), full_page=True)

        # 4. VA-4: download the report; its QR code decodes to the signed link
        link = _qr_link(page, base, tmp_path, "first")
    finally:
        context.close()

    # 5. VA-5, VA-9: a verifier scans it (a fresh browser) and sees the report with the signature
    status, signature, result = _verifier_sees(browser, link, screenshot_dir / "verification-04-verifier-qr.png")
    assert status == 200 and "二维码签名有效" in signature
    assert "核验有效" in result and "陈诚" in result and "北京某某科技有限公司" in result and "签劳动合同就业" in result
    # … and by name and number on /verify/archive, at phone size
    context, page = _context(browser, **PHONE)
    try:
        page.goto(base + "/verify/archive")
        page.fill("#name", "陈诚")
        page.fill("#number", number.lower())
        page.click("#verify-submit")
        page.wait_for_selector("#verify-result")
        assert "核验有效" in page.inner_text("#result-state") and "陈诚" in page.inner_text("#verify-result")
        _fits(page)
        page.screenshot(path=str(screenshot_dir / "verification-05-verifier-form.png"), full_page=True)
    finally:
        context.close()

    # 6. the day after the validity date (time frozen there to the end): the link finds nothing; 已过期
    timeutil.freeze(datetime(until.year, until.month, until.day, tzinfo=SHANGHAI) + timedelta(days=1))
    try:
        status, signature, result = _verifier_sees(browser, link)
        assert status == 404 and "二维码签名有效" in signature  # the signature still holds …
        assert "未查询到有效的核验信息" in result and "陈诚" not in result  # … but nothing is shown
        context, page = _context(browser, **PHONE)
        try:
            sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
            page.goto(base + "/graduate/verification")
            assert page.inner_text("#archive-status") == "已过期"
            assert page.locator("#archive-view").count() == 0 and page.locator("#archive-close").count() == 0
            page.screenshot(path=str(screenshot_dir / "verification-06-phone-expired.png"), full_page=True)
        finally:
            context.close()

        # 7. VA-8: a new verification; its link verifies until the graduate ends it early
        context, page = _context(browser, **PHONE)
        try:
            sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
            page.goto(base + "/graduate/verification")
            page.fill("#archive-valid_until", "2027-12-31")
            page.click("#archive-submit")
            page.wait_for_selector("#archive-view")
            second_number = page.inner_text("#archive-number")
            assert second_number != number
            second = _qr_link(page, base, tmp_path, "second")
            assert second != link
            assert _verifier_sees(browser, second)[0] == 200
            assert _verifier_sees(browser, link)[0] == 404  # the expired one stays dead
            page.click("#archive-close")  # confirm() is accepted
            page.wait_for_selector("#archive-note")
            assert page.inner_text("#archive-status") == "已结束"
            assert "已提前结束档案信息核验" in page.inner_text("main")
            history = page.inner_text("#verify-history")
            assert second_number in history and number in history
            _fits(page)
            page.screenshot(path=str(screenshot_dir / "verification-07-phone-ended.png"), full_page=True)
        finally:
            context.close()
        status, signature, result = _verifier_sees(browser, second)
        assert status == 404 and "未查询到有效的核验信息" in result

        # the same page on a desktop
        context, page = _context(browser, **DESKTOP)
        try:
            sign_in(page, base, account.username, "/login", "/graduate/", "chsi-pass-1")
            page.goto(base + "/graduate/verification")
            page.fill("#archive-valid_until", "2027-12-31")
            page.click("#archive-submit")
            page.wait_for_selector("#archive-view")
            page.click("#archive-preview summary")
            page.screenshot(path=str(screenshot_dir / "verification-08-desktop-active.png"), full_page=True)
        finally:
            context.close()
    finally:
        timeutil.freeze(None)
