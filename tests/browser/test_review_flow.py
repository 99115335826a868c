"""Playwright in Debian's Chromium: two-level review of an other destination, end to end.

A department reviewer returns the record with a reason (RV-1); the graduate edits and resubmits
through the JSON API (OD-2); the department passes, then the school passes (RV-2); the item
page shows 审核通过 and the whole history (RV-6).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.browser.conftest import sign_in
from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from wxbackend.accounts.actors import actor_for
from wxbackend.auth import tokens
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.destinations import services
from wxbackend.review import engine


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    # the live server has no RQ worker: run jobs in-process, as the embedded default does
    return {"JOBS_MODE": "thread", "REDIS_URL": ""}


def _open_from_queue(page: Any, base: str, name: str) -> None:
    page.click("#nav-review")
    page.wait_for_url(base + "/console/review")
    page.locator("#review-queue a.item-link", has_text=name).click()
    page.wait_for_url(re.compile(r".*/console/review/items/\d+$"))


def test_rv_1_rv_2_rv_6_return_resubmit_and_two_passes_in_the_browser(
    live_server, browser, page, make_school, make_department, make_major, make_graduate, make_user, screenshot_dir
) -> None:
    base = live_server
    school = make_school(name="北京测试大学")
    dept = make_department(school, code="A01", name="计算机学院")
    major = make_major(dept, code="080901", name="计算机科学与技术")
    dept_user = make_user("department", school_id=school.id, department_id=dept.id, display_name="计院王老师")
    school_user = make_user("school", school_id=school.id, display_name="就业中心李老师")
    graduate = make_graduate(major, name="陈诚", student_no="2022001", confirmed_at=timeutil.now())

    record = services.create(graduate, "labour_contract", LABOUR_FIELDS)
    db.session.commit()
    services.add_proof(actor_for(graduate), record, jpeg_bytes(color="#dfe8f5"), "劳动合同首页.jpg")
    services.submit(graduate, record)
    db.session.commit()
    token, _row = tokens.issue(graduate)
    db.session.commit()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"

    # 1. the department reviewer returns it with a reason
    sign_in(page, base, dept_user.username)
    assert page.inner_text("#waiting-total") == "1"
    page.click("#nav-review")
    page.wait_for_url(base + "/console/review")
    page.screenshot(path=str(screenshot_dir / "review-queue.png"), full_page=True)
    _open_from_queue(page, base, "陈诚")
    item_url = page.url
    assert "北京示例科技有限公司" in page.inner_text("#record-fields")
    assert page.locator("#proofs img").count() == 1
    page.check("#outcome-return")
    page.click("#decide")  # no reason yet: refused next to the field
    page.wait_for_selector("#error-reason")
    assert "必须填写原因" in page.inner_text("#error-reason")
    page.check("#outcome-return")
    page.screenshot(path=str(screenshot_dir / "review-item-pending.png"), full_page=True)
    page.fill("#reason", "劳动合同缺少签字盖章页，请补充后重新提交")
    page.click("#decide")
    page.wait_for_selector("#item-status")
    assert page.inner_text("#item-status") == "退回修改"
    assert page.locator("#decision-form").count() == 0

    # 2. the graduate sees the reason, edits and resubmits through the JSON API
    res = api.get(f"{base}/api/v1/destination/records/{record.id}", timeout=10)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "returned"
    assert any(h.get("reason") == "劳动合同缺少签字盖章页，请补充后重新提交" for h in body["history"])
    res = api.put(f"{base}/api/v1/destination/records/{record.id}", timeout=10,
                  json={"subkind": "labour_contract", "fields": {**LABOUR_FIELDS, "position": "后端开发工程师"}})
    assert res.status_code == 200, res.text
    res = api.post(f"{base}/api/v1/destination/records/{record.id}/proofs", timeout=10,
                   files={"file": ("签字盖章页.jpg", jpeg_bytes(color="#f5e6df"), "image/jpeg")})
    assert res.status_code == 201, res.text
    res = api.post(f"{base}/api/v1/destination/records/{record.id}/submit", timeout=10)
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "pending"

    # 3. the department passes the resubmission
    page.goto(base + "/console/")
    _open_from_queue(page, base, "陈诚")
    assert page.url == item_url  # a resubmission keeps its item
    assert "后端开发工程师" in page.inner_text("#record-fields")
    assert page.locator("#proofs img").count() == 2
    page.check("#outcome-pass")
    page.click("#decide")
    page.wait_for_selector("#side-status")
    assert page.inner_text("#item-status") == "待学校审核"

    # 4. the school reviewer, in a browser of their own, passes it
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    try:
        school_page = context.new_page()
        school_page.set_default_timeout(15000)
        sign_in(school_page, base, school_user.username)
        _open_from_queue(school_page, base, "陈诚")
        school_page.check("#outcome-pass")
        school_page.fill("#reason", "材料齐全，同意")
        school_page.click("#decide")
        school_page.wait_for_selector("#side-status")
        assert school_page.inner_text("#item-status") == "审核通过"
        actions = school_page.locator("#history .action").all_inner_texts()
        assert actions == ["提交", "退回修改", "重新提交", "通过", "通过"], actions
        history = school_page.inner_text("#history")
        assert "原因：劳动合同缺少签字盖章页，请补充后重新提交" in history
        assert "计院王老师（院系）" in history and "就业中心李老师（学校）" in history and "陈诚（毕业生）" in history
        assert "审核意见：材料齐全，同意" in history
        # the thumbnails load (served by the console, not the graduate's API)
        assert school_page.evaluate(
            "Array.from(document.querySelectorAll('#proofs img')).every(i => i.complete && i.naturalWidth > 0)")
        school_page.screenshot(path=str(screenshot_dir / "review-item.png"), full_page=True)
    finally:
        context.close()

    db.session.expire_all()
    assert db.session.get(type(record), record.id).status == "approved"
    item = engine.latest_item(services.KIND, record.id)
    assert item is not None and item.status == "approved" and item.stage == "done"
    res = api.get(f"{base}/api/v1/destination/records/{record.id}", timeout=10)
    assert res.json()["status"] == "approved"
