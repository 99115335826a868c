"""Playwright in Debian's Chromium: a school reviewer imports a spreadsheet, sees the bad rows, opens a graduate.

Covers L-6 end to end in a real browser: bad rows listed with reasons, good rows kept;
the graduate list and detail pages show the 身份证号 masked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.accounts.importing import good_row, xlsx_bytes


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    # the live server has no RQ worker: run jobs in-process, as the embedded default does
    return {"JOBS_MODE": "thread", "REDIS_URL": ""}


def test_l_6_school_reviewer_imports_and_sees_errors_and_masked_ids(
    live_server, page, tmp_path: Path, make_school, make_department, make_major, make_user, screenshot_dir
) -> None:
    school = make_school()
    dept = make_department(school, code="01", name="计算机学院")
    make_major(dept, code="080901", name="计算机科学与技术")
    reviewer = make_user("school", school_id=school.id)

    rows = [good_row(n) for n in range(1, 601)]  # over the inline limit: imported by a background job
    rows[9]["id_number"] = rows[9]["id_number"][:17] + ("0" if rows[9]["id_number"][17] != "0" else "1")
    rows[19]["phone"] = "1234"
    rows[29]["department"] = "不存在学院"
    path = tmp_path / "毕业生.xlsx"
    path.write_bytes(xlsx_bytes(rows))

    page.goto(live_server + "/console/login")
    page.fill("#username", reviewer.username)
    page.fill("#password", "secret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/console/")

    page.goto(live_server + "/console/imports")
    page.set_input_files("#file", str(path))
    page.click("#upload")
    page.wait_for_url(re.compile(r".*/console/imports/\d+$"))
    page.wait_for_selector("#import-errors tbody tr", timeout=60000)
    summary = page.inner_text("#import-summary")
    assert "597" in summary, summary
    error_rows = page.locator("#import-errors tbody tr")
    assert error_rows.count() == 3
    table = page.inner_text("#import-errors")
    assert "身份证号" in table and "手机号码" in table and "不存在学院" in table
    # sheet row numbers: header is row 1, so data row i is sheet row i + 2
    assert {"11", "21", "31"} <= set(re.findall(r"\b\d+\b", table))
    page.screenshot(path=str(screenshot_dir / "import-errors.png"), full_page=True)

    page.goto(live_server + "/console/graduates")
    first = page.locator("#graduates tbody tr").first
    masked = first.locator(".id-number").inner_text().strip()
    assert re.fullmatch(r"\d{3}\*{11}[\dX]{4}", masked), masked
    full_ids = {r["id_number"] for r in rows}
    html = page.content()
    assert not any(i in html for i in full_ids)
    first.locator("a").first.click()
    page.wait_for_selector("#id-number")
    detail_masked = page.inner_text("#id-number").strip()
    assert re.fullmatch(r"\d{3}\*{11}[\dX]{4}", detail_masked), detail_masked
    assert not any(i in page.content() for i in full_ids)
    assert page.locator("#history").count() == 1
    page.screenshot(path=str(screenshot_dir / "graduate-detail.png"), full_page=True)
