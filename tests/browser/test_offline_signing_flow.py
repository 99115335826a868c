"""Playwright in Debian's Chromium: offline signing with the electronic agreement, the employer's part (§4.3).

A graduate's e-agreement application has passed 协议审核 and its printable PDF is rendered; the graduate
asks for 用人单位协助回传 (an SMS link). On a 390×844 phone the employer opens the link, downloads the
PDF, prints and stamps it (each page rendered with pypdfium2 and a red seal drawn with Pillow), uploads
both pages through the page's file input — each is recognised as its own page (FS-10) — and confirms
(FS-4); the link is dead afterwards (FS-8). The department and the school pass 签约审核 in the console
and the graduate reads 签约完成 through the API. Expired, altered and foreign links show one plain page
that names no agreement (FS-8).
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import current_app

from tests.browser.conftest import sign_in
from tests.documents.test_pagecodes import rasterise, sealed
from tests.signing.conftest import applied, grad, world  # noqa: F401 - the signing fixtures
from tests.signing.offline_helpers import review_phase
from wxbackend.auth import tokens as api_tokens
from wxbackend.core import timeutil, tokens
from wxbackend.core.db import db
from wxbackend.review import engine
from wxbackend.signing import offline
from wxbackend.signing.models import OfflineAgreement

pytestmark = pytest.mark.browser

PHONE = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 390, "height": 844},
         "device_scale_factor": 1, "is_mobile": True, "has_touch": True, "accept_downloads": True}
DESKTOP = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 1280, "height": 900}}
#: Long enough for the printable agreement to need a second page.
ADDENDUM = "；".join(f"第{n}条 甲方为乙方提供岗前培训、住房补贴及年度体检，乙方应遵守单位规章制度并按约定到岗，"
                    "双方约定的其他事项以劳动合同为准" for n in range(1, 9))


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    # the live server has no RQ worker: run jobs (the PDF) in-process, as the embedded default does
    return {"JOBS_MODE": "thread", "REDIS_URL": ""}


def _fresh(record_id: int) -> OfflineAgreement:
    db.session.expire_all()
    row = db.session.get(OfflineAgreement, record_id)
    assert row is not None
    return row


def _passed(world: dict[str, Any], graduate: Any, applied: Any) -> OfflineAgreement:  # noqa: F811
    """协议审核 passed by both levels, then run the PDF job.

    Whatever the test's jobs mode is (in-process threads here, RQ in the phone-layout walk), draining the
    runner renders it: an RQ queue has no worker beside the live server.
    """
    record = applied(graduate, addendum=ADDENDUM)
    review_phase(world, offline.KIND, record.id)
    deadline = time.monotonic() + 60
    while _fresh(record.id).pdf_file_id is None:
        assert time.monotonic() < deadline, "the printable agreement was not rendered within 60 s"
        current_app.extensions["wx_jobs"].drain()
        time.sleep(0.3)
    return _fresh(record.id)


def _token(url: str) -> str:
    return url.rsplit("/u/", 1)[1]


def _phone(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())  # 确认提交 and 删除 ask first
    return context, page


def _assert_plain(page: Any, texts: tuple[str, ...], secrets: list[str]) -> None:
    html = page.content()
    assert page.locator("#error-page").count() == 1
    assert any(t in page.inner_text("#error-message") for t in texts), page.inner_text("#error-message")
    for secret in secrets:
        assert secret not in html, secret


def test_fs_4_fs_8_fs_10_the_employer_stamps_and_returns_the_agreement_on_a_phone(
    live_server: str, browser: Any, world: dict[str, Any], grad: Any, applied: Any,  # noqa: F811
    screenshot_dir: Path, tmp_path: Path,
) -> None:
    """FS-4, FS-8, FS-10: download, stamp, upload both pages (both 相符), confirm; the link is then dead;
    both reviews pass and the graduate reads 签约完成; bad links reveal nothing."""
    base = live_server
    graduate = grad(name="陈小明")
    record = _passed(world, graduate, applied)
    assert record.pdf_pages == 2, record.pdf_pages
    token = _token(offline.request_employer_upload(graduate, record))
    db.session.commit()
    link = f"{base}/u/{token}"

    context, page = _phone(browser)
    try:
        page.goto(link)
        assert page.inner_text("h1") == "回传盖章的电子就业协议书"
        summary = page.inner_text("#agreement-summary")
        assert record.agreement_no in summary and "陈**" in summary and "陈小明" not in page.content()
        assert record.unit_name in summary
        with page.expect_download() as info:
            page.click("#download-pdf")
        pdf = Path(info.value.path()).read_bytes()
        assert pdf[:5] == b"%PDF-"
        shots = []
        for n, image in enumerate(rasterise(pdf, dpi=110), start=1):
            path = tmp_path / f"盖章第{n}页.jpg"
            sealed(image).save(path, format="JPEG", quality=85)
            shots.append(str(path))
        assert len(shots) == 2

        page.set_input_files("#page-file", shots)  # the upload starts on choosing, then the page reloads
        page.wait_for_function("() => document.querySelectorAll('[data-page-note=match]').length === 2")
        notes = page.locator("[data-page-note]").all_inner_texts()
        assert notes == [f"与协议{record.agreement_no}第{n}页（共2页）相符" for n in (1, 2)], notes
        assert page.inner_text("#coverage") == "共2页，已识别第1页、第2页"
        page.screenshot(path=str(screenshot_dir / "phone-upload-link.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.click("#confirm-submit")
        page.wait_for_url(f"{base}/u/done")
        assert page.inner_text("h1") == "已提交，等待学校审核"
        page.screenshot(path=str(screenshot_dir / "phone-upload-done.png"), full_page=True)

        response = page.goto(link)
        assert response is not None and response.status == 404
        assert response.headers["cache-control"] == "no-store" and response.headers["referrer-policy"] == "same-origin"
        _assert_plain(page, (offline.MSG_LINK_INVALID,), [record.agreement_no, record.unit_name, "陈*"])
        page.screenshot(path=str(screenshot_dir / "phone-upload-link-invalid.png"), full_page=True)
    finally:
        context.close()

    fresh = _fresh(record.id)
    assert fresh.status == "signing_review" and fresh.pages_submitted_by == "employer"

    # both reviewers pass 签约审核 in the console, each in a browser of their own
    for who in ("dept_user", "school_user"):
        item = engine.open_item(offline.SIGNING_REVIEW, record.id)
        assert item is not None
        desk = browser.new_context(**DESKTOP)
        reviewer = desk.new_page()
        reviewer.set_default_timeout(20000)
        try:
            sign_in(reviewer, base, world[who].username)
            reviewer.goto(f"{base}/console/review/items/{item.id}")
            assert reviewer.locator("[data-page-note=match]").count() == 2
            assert "用人单位通过短信链接回传" in reviewer.content()
            reviewer.check("#outcome-pass")
            reviewer.click("#decide")
            reviewer.wait_for_selector("#side-status")
        finally:
            desk.close()
    assert _fresh(record.id).status == "signed"

    # the graduate reads 签约完成 (the mini-program's API)
    api_token, _row = api_tokens.issue(graduate)
    db.session.commit()
    res = requests.get(f"{base}/api/v1/offline-agreements/{record.id}",
                       headers={"Authorization": f"Bearer {api_token}"}, timeout=10)
    assert res.status_code == 200 and "签约完成" in json.dumps(res.json(), ensure_ascii=False)


def test_fs_8_expired_altered_and_foreign_links_show_one_plain_page(
    live_server: str, browser: Any, world: dict[str, Any], grad: Any, applied: Any,  # noqa: F811
) -> None:
    """FS-8: an expired link (410), an altered one and one reaching into another agreement (404) each show the
    plain page, with no agreement number and no name in it."""
    base = live_server
    ga, gb = grad(name="欧阳明月"), grad(name="张三丰")
    a, b = _passed(world, ga, applied), _passed(world, gb, applied)
    token_a = _token(offline.request_employer_upload(ga, a))
    token_b = _token(offline.request_employer_upload(gb, b))
    db.session.commit()
    b = _fresh(b.id)
    stamped = rasterise(offline_pdf(b))[0]
    import io

    buf = io.BytesIO()
    sealed(stamped).save(buf, format="JPEG", quality=85)
    b_file = offline.add_page(offline.employer_actor(b), b, buf.getvalue(), "b.jpg", delegate=True)
    db.session.commit()

    now = timeutil.now()
    timeutil.freeze(now - timedelta(days=8))
    try:
        expired = tokens.dumps(offline.LINK_PURPOSE, [a.id], nonce=_fresh(a.id).link_nonce)
    finally:
        timeutil.freeze(None)
    i = len(token_a) // 2
    altered = token_a[:i] + ("A" if token_a[i] != "A" else "B") + token_a[i + 1:]
    secrets = [a.agreement_no, b.agreement_no, a.unit_name, "欧阳", "张三丰", "张*", "欧*"]

    context, page = _phone(browser)
    try:
        for url, status, text in ((f"/u/{expired}", 410, offline.MSG_LINK_EXPIRED),
                                  (f"/u/{altered}", 404, offline.MSG_LINK_INVALID),
                                  (f"/u/{token_a}/files/{b_file.id}", 404, offline.MSG_LINK_INVALID)):
            response = page.goto(base + url)
            assert response is not None and response.status == status, (url, response and response.status)
            _assert_plain(page, (text,), secrets)
        page.screenshot(path=str(Path(__file__).resolve().parents[2] / "test-output" / "phone-upload-link-foreign.png"),
                        full_page=True)
        # the genuine links still work, each showing only its own agreement
        page.goto(f"{base}/u/{token_a}")
        assert a.agreement_no in page.content() and b.agreement_no not in page.content()
        page.goto(f"{base}/u/{token_b}")
        assert b.agreement_no in page.content() and page.locator("[data-page-note]").count() == 1
    finally:
        context.close()


def offline_pdf(record: OfflineAgreement) -> bytes:
    from wxbackend.files.storage import get_storage

    stored = offline.pdf_file(record)
    assert stored is not None
    return get_storage().get(stored.key)  # type: ignore[no-any-return]
