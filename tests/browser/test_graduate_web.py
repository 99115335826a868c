"""Playwright in Debian's Chromium at 390 × 844: the graduates' mobile web, end to end (GW-1).

A graduate signs in on the web with a 学信网 account (local provider), confirms basic info (L-3),
opens 毕业去向填报 from its tile (L-5), registers 签劳动合同就业 with a real JPEG proof uploaded by the
page's script (OD-1, FS-5), withdraws and resubmits it (RV-3, OD-2); the reviews pass and the graduate
voids it (OD-4). An employer's invitation then arrives (ON-2): the graduate accepts it (ON-3), the
department and the school pass it (ON-8), and the graduate downloads the signed agreement's PDF.
Every page is photographed and checked for horizontal overflow at 390 px.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.destinations.helpers import LABOUR_FIELDS
from tests.signing.conftest import TERMS
from wxbackend.core.db import db
from wxbackend.destinations.models import OtherDestination
from wxbackend.review import engine
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement

pytestmark = pytest.mark.browser

PHONE = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 390, "height": 844},
         "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    # the live server has no RQ worker: jobs (image compression, the PDF) run in-process
    return {"JOBS_MODE": "thread", "REDIS_URL": ""}


def _photo(path: Path) -> Path:
    """A real camera-sized JPEG (over 300 KB, so the pipeline compresses it)."""
    img = Image.new("RGB", (2400, 1800), "white")
    draw = ImageDraw.Draw(img)
    for i in range(0, 2400, 40):
        draw.line([(i, 0), (2400 - i, 1800)], fill=(i % 255, 80, 160), width=6)
    draw.rectangle([200, 200, 2200, 600], outline="black", width=12)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    path.write_bytes(buf.getvalue())
    assert path.stat().st_size > 300 * 1024
    return path


def _shot(page: Any, screenshot_dir: Path, name: str) -> None:
    """Photograph the page and check it fits the phone's width."""
    page.screenshot(path=str(screenshot_dir / f"graduate-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: the page is {width}px wide at a 390px viewport"


def _pass_both(kind: str, subject_id: int, dept_user: Any, school_user: Any) -> None:
    for user in (dept_user, school_user):
        db.session.expire_all()
        item = engine.open_item(kind, subject_id)
        assert item is not None
        engine.decide(user, item.id, "pass")
        db.session.commit()


def test_gw_1_graduate_registers_a_destination_then_signs_online_on_a_phone(
    live_server, browser, make_school, make_department, make_major, make_graduate, make_user, make_employer,
    make_local_account, screenshot_dir: Path, tmp_path: Path,
) -> None:
    base = live_server
    school = make_school(name="北京测试大学")
    dept = make_department(school, code="A01", name="计算机学院")
    major = make_major(dept, code="080901", name="计算机科学与技术")
    dept_user = make_user("department", school_id=school.id, department_id=dept.id, display_name="计院王老师")
    school_user = make_user("school", school_id=school.id, display_name="就业中心李老师")
    graduate = make_graduate(major, name="陈诚", student_no="2022001")
    account = make_local_account(id_number=graduate.id_number)

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        # 1. sign in and confirm basic info (L-3)
        page.goto(base + "/graduate/")
        page.wait_for_url(re.compile(r".*/login\?next=.*"))
        page.fill("#username", account.username)
        page.fill("#password", "chsi-pass-1")
        _shot(page, screenshot_dir, "01-login")
        page.click("button[type=submit]")
        page.wait_for_selector("#basic-info-gate")
        _shot(page, screenshot_dir, "02-basic-info")
        page.click("#confirm")
        page.wait_for_selector("#modules")
        assert page.get_attribute("#module-hukou", "href") == "/graduate/hukou"  # open on the web too (GW-1)
        _shot(page, screenshot_dir, "03-modules")
        page.click("#module-confirmation")  # locked: its page says why (L-5)
        assert "需完成毕业去向上报后才能确认" in page.inner_text("#lock-reason")
        _shot(page, screenshot_dir, "03b-module-locked")
        page.go_back()

        # 2. 毕业去向填报 from its tile (L-5): entries and the empty 登记记录
        page.click("#module-destination")
        page.wait_for_url(base + "/graduate/destination")
        assert page.locator("#no-records").is_visible()
        _shot(page, screenshot_dir, "04-destination-home")

        # 3. 签劳动合同就业: a bad phone is refused next to its field, the rest kept (OD-1)
        page.click("#subkind-labour_contract")
        page.wait_for_selector("#record-form")
        for key in ("unit_name", "credit_code", "unit_region", "unit_address", "position", "contact_name",
                    "start_date"):
            page.fill(f"#{key}", str(LABOUR_FIELDS[key]))
        for key in ("unit_nature", "industry", "job_category"):
            page.select_option(f"#{key}", LABOUR_FIELDS[key])
        page.fill("#monthly_pay", str(LABOUR_FIELDS["monthly_pay"]))
        page.fill("#contact_phone", "12345")
        page.click("#save")
        assert page.inner_text("#error-contact_phone") == "请填写手机号码或带区号的固定电话"
        assert page.input_value("#unit_name") == LABOUR_FIELDS["unit_name"]
        _shot(page, screenshot_dir, "05-form-error")
        page.fill("#contact_phone", LABOUR_FIELDS["contact_phone"])
        page.click("#save")
        page.wait_for_url(re.compile(r".*/graduate/destination/records/\d+#proofs"))
        record_id = int(re.search(r"/records/(\d+)", page.url).group(1))  # type: ignore[union-attr]
        _shot(page, screenshot_dir, "06-record-draft")

        # 4. the proof image, uploaded by the page's script with its progress bar
        page.set_input_files("#proof-file", str(_photo(tmp_path / "劳动合同.jpg")))
        with page.expect_request(lambda r: r.headers.get("x-requested-with") == "XMLHttpRequest") as sent:
            page.click("#upload")
        assert sent.value.method == "POST" and "/proofs" in sent.value.url  # the script's upload, with progress
        page.wait_for_selector("#proof-list .thumb img")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#proof-list img')).every(i => i.naturalWidth > 0)")
        assert "证明材料已上传" in page.inner_text("main")
        _shot(page, screenshot_dir, "07-record-proof")

        # 5. submit, withdraw (RV-3), resubmit (OD-2)
        page.click("#submit")
        page.wait_for_selector("#withdraw")
        assert "待院系审核" in page.inner_text("#record-status")
        _shot(page, screenshot_dir, "08-record-submitted")
        page.click("#withdraw")
        page.wait_for_selector("#submit")
        assert "未提交" in page.inner_text("#record-status")
        page.fill("#position", "高级软件工程师")
        page.click("#submit")
        page.wait_for_selector("#withdraw")
        assert "待院系审核" in page.inner_text("#record-status")
        timeline = page.inner_text("#record-timeline")
        assert timeline.index("撤回") < timeline.rindex("提交")
        _shot(page, screenshot_dir, "09-record-resubmitted")

        # 6. both reviews pass; the graduate voids the record (OD-4) to be free for the invitation
        _pass_both("other_destination", record_id, dept_user, school_user)
        page.reload()
        assert "审核通过" in page.inner_text("#record-status")
        page.click("#void")
        page.wait_for_selector(".flash-success")
        assert "已作废" in page.inner_text("#record-status")
        db.session.expire_all()
        assert db.session.get(OtherDestination, record_id).status == "voided"

        # 7. an employer's invitation (ON-2): the graduate opens it from 登记记录 and accepts (ON-3)
        employer = make_employer(name="北京学信咨询服务有限公司", unit_nature="31", industry="34",
                                 address_region="110102", address_detail="西直门外大街18号", contact_name="李经理",
                                 contact_phone="010-68352260", contact_mobile="13912345678")
        employer_user = make_user("employer", employer_id=employer.id, display_name=employer.name)
        db.session.expire_all()
        row = services.invite(employer_user, graduate, 3, TERMS)
        db.session.commit()
        agreement_id = row.id
        page.goto(base + "/graduate/destination")
        assert "待回应" in page.inner_text(f"#record-online_agreement-{agreement_id}")
        _shot(page, screenshot_dir, "10-destination-invitation")
        page.click(f"#record-online_agreement-{agreement_id}")
        page.wait_for_selector("#deadline")
        _shot(page, screenshot_dir, "11-invitation")
        page.click("#accept")
        page.wait_for_selector(".flash-success")
        assert "待院系审核" in page.inner_text("#agreement-status")

        # 8. the department and the school pass it (ON-8); the graduate downloads the PDF
        _pass_both(services.KIND, agreement_id, dept_user, school_user)
        page.reload()
        assert "签约完成" in page.inner_text("#agreement-status")
        db.session.expire_all()
        number = db.session.get(OnlineAgreement, agreement_id).agreement_no
        assert page.inner_text("#agreement-no") == number
        _shot(page, screenshot_dir, "12-agreement-signed")
        deadline = time.monotonic() + 60
        while page.request.get(f"{base}/graduate/agreements/{agreement_id}/pdf", max_redirects=0).status != 200:
            assert time.monotonic() < deadline, "the agreement PDF was not rendered within 60 s"
            time.sleep(0.5)
        with page.expect_download() as info:
            page.click("#pdf-download")
        download = info.value
        assert download.suggested_filename == f"{number}.pdf"
        assert Path(download.path()).read_bytes().startswith(b"%PDF")
        inline = page.request.get(f"{base}/graduate/agreements/{agreement_id}/pdf")
        assert inline.headers["content-disposition"].startswith("inline") and inline.body().startswith(b"%PDF")
        page.goto(base + "/graduate/destination")
        _shot(page, screenshot_dir, "13-destination-signed")

        # 9. 申请解约 (OT-1) with the live counter, then cancelled before the employer answers
        page.goto(f"{base}/graduate/agreements/{agreement_id}")
        page.select_option("#reason", index=1)
        page.fill("#explanation", "个人原因，已与单位协商一致。")
        assert page.inner_text("#explanation-counter") == f"{len('个人原因，已与单位协商一致。')}/200 字"
        page.click("#start-termination")
        page.wait_for_url(re.compile(r".*/graduate/terminations/\d+$"))
        assert "等待对方回应" in page.inner_text("#termination-status")
        _shot(page, screenshot_dir, "14-termination")
        page.click("#cancel-termination")
        page.wait_for_selector(".flash-success")
        assert "已撤销" in page.inner_text("#termination-status")
        _shot(page, screenshot_dir, "15-termination-cancelled")
    finally:
        context.close()
