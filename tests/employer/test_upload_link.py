"""The employer's upload page behind the SMS link, over HTTP (用人单位协助回传协议书): the link is signed,
scoped to one agreement, expires, is revoked by a newer SMS and stops once used or once the application
moves on (FS-8); through it the employer downloads the printable agreement, uploads the stamped pages
and confirms (FS-4); a page of another agreement is refused with nothing stored (FS-10)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from tests.documents.test_pagecodes import photo, rasterise, sealed
from tests.signing.conftest import applied, grad, world  # noqa: F401 - the signing fixtures
from tests.signing.offline_helpers import review_phase
from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil, tokens
from wxbackend.core.db import db
from wxbackend.files.models import StoredFile
from wxbackend.signing import offline
from wxbackend.signing.models import OfflineAgreement, OfflinePage

INVALID = "链接无效或已失效"
EXPIRED = "链接已过期，请联系毕业生重新发送"


def _fresh(record_id: int) -> OfflineAgreement:
    db.session.expire_all()
    row = db.session.get(OfflineAgreement, record_id)
    assert row is not None
    return row


@pytest.fixture()
def passed(world: dict[str, Any], grad: Callable[..., Any], applied: Callable[..., Any],  # noqa: F811
           drain_jobs: Callable[[], None]) -> Callable[..., Any]:
    """``passed(**graduate_fields)`` → (graduate, record, link token): 协议审核 passed, the PDF rendered, SMS sent."""

    def make(**kw: Any) -> tuple[Any, OfflineAgreement, str]:
        graduate = grad(**kw)
        record = applied(graduate)
        review_phase(world, offline.KIND, record.id)
        drain_jobs()
        record = _fresh(record.id)
        assert record.status == "agreement_passed" and record.pdf_file_id is not None
        url = offline.request_employer_upload(graduate, record)
        db.session.commit()
        return graduate, record, url.rsplit("/u/", 1)[1]

    return make


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page carries a CSRF token"
    return m.group(1)


def _open(client: Any, token: str) -> tuple[Any, str]:
    res = client.get(f"/u/{token}")
    return res, res.get_data(as_text=True)


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=88)
    return buf.getvalue()


def _stamped_photos(pdf: bytes) -> list[bytes]:
    """Each page of the printable agreement, sealed and photographed slightly tilted."""
    return [_jpeg(photo(sealed(page), 3)) for page in rasterise(pdf, dpi=110)]


def _upload(client: Any, token: str, data: bytes, csrf: str, xhr: bool = True, name: str = "page.jpg") -> Any:
    headers = {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json"} if xhr else {}
    return client.post(f"/u/{token}/pages", data={"csrf_token": csrf, "file": (io.BytesIO(data), name)},
                       headers=headers, content_type="multipart/form-data")


def assert_refused(res: Any, record: OfflineAgreement, expired: bool = False) -> None:
    """The one plain page: the right status and text, private headers, nothing of any agreement."""
    html = res.get_data(as_text=True)
    assert res.status_code == (410 if expired else 404), res.status_code
    assert res.mimetype == "text/html" and (EXPIRED if expired else INVALID) in html
    assert res.headers["Cache-Control"] == "no-store"
    assert "noindex" in res.headers["X-Robots-Tag"] and res.headers["Referrer-Policy"] == "same-origin"
    for secret in (record.agreement_no, record.unit_name, record.graduate.name, record.graduate.name[0] + "*"):
        assert secret not in html, secret


# --- FS-4: the employer's whole round -----------------------------------------------------------------


def test_fs_4_the_employer_downloads_uploads_each_page_and_confirms(client: Any, passed: Callable[..., Any]) -> None:
    """FS-4, FS-8, FS-10: no account — the summary (graduate masked), the PDF, one photo per page each
    read as "page k of n", the coverage, 确认提交 → 签约审核 by the employer; the link is then dead."""
    graduate, record, token = passed(name="陈小明")
    res, html = _open(client, token)
    assert res.status_code == 200
    assert res.headers["Cache-Control"] == "no-store" and res.headers["Referrer-Policy"] == "same-origin"
    assert "noindex" in res.headers["X-Robots-Tag"]
    assert record.agreement_no in html and "陈**" in html and "陈小明" not in html
    assert graduate.school.name in html and record.unit_name in html and "数据分析师" in html
    csrf = _csrf(html)

    pdf = client.get(f"/u/{token}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data[:5] == b"%PDF-"
    assert pdf.headers["Cache-Control"] == "no-store"
    shots = _stamped_photos(pdf.data)
    total = record.pdf_pages
    assert len(shots) == total >= 1

    for n, shot in enumerate(shots, start=1):
        up = _upload(client, token, shot, csrf)
        assert up.status_code == 201, up.get_data(as_text=True)
        body = up.get_json()
        assert body["result"] == "match" and body["note"] == f"与协议{record.agreement_no}第{n}页（共{total}页）相符"
    assert body["complete"] is True
    html = _open(client, token)[1]
    listed = "、".join(f"第{n}页" for n in range(1, total + 1))
    assert f"共{total}页，已识别{listed}" in html
    assert html.count('data-page-note="match"') == total

    # an image is served only through the link, and only one of this record's
    file_id = offline.pages(_fresh(record.id))[0][0].id
    image = client.get(f"/u/{token}/files/{file_id}")
    assert image.status_code == 200 and image.mimetype.startswith("image/")
    assert image.headers["Cache-Control"] == "no-store"

    done = client.post(f"/u/{token}/submit", data={"csrf_token": csrf})
    assert done.status_code == 302 and done.headers["Location"].endswith("/u/done")
    page = client.get("/u/done").get_data(as_text=True)
    assert "已提交，等待学校审核" in page and record.agreement_no in page

    fresh = _fresh(record.id)
    assert fresh.status == "signing_review" and fresh.pages_submitted_by == "employer"
    assert fresh.link_nonce is None
    for target in (f"/u/{token}", f"/u/{token}/pdf", f"/u/{token}/files/{file_id}"):
        assert_refused(client.get(target), fresh)
    assert_refused(client.post(f"/u/{token}/submit", data={"csrf_token": csrf}), fresh)


def test_fs_4_a_page_is_deleted_and_a_missing_page_blocks_submission(client: Any, passed: Callable[..., Any]) -> None:
    """FS-4, FS-6: before submitting, a photo can be deleted; with fewer photos than pages 确认提交 explains why."""
    _graduate, record, token = passed()
    csrf = _csrf(_open(client, token)[1])
    shots = _stamped_photos(client.get(f"/u/{token}/pdf").data)
    up = _upload(client, token, shots[0], csrf, xhr=False)  # the form without the script
    assert up.status_code == 302 and up.headers["Location"].endswith(f"/u/{token}#pages")
    html = _open(client, token)[1]
    assert "已上传：与协议" in html
    file_id = offline.pages(_fresh(record.id))[0][0].id
    if record.pdf_pages and record.pdf_pages > 1:
        refused = client.post(f"/u/{token}/submit", data={"csrf_token": csrf})
        assert refused.status_code == 302
        assert f"协议书共{record.pdf_pages}页" in _open(client, token)[1]
        assert _fresh(record.id).status == "agreement_passed"
    gone = client.post(f"/u/{token}/pages/{file_id}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 302
    assert offline.pages(_fresh(record.id)) == [] and "尚未上传" in _open(client, token)[1]


def test_fs_4_forms_without_the_csrf_token_are_refused(client: Any, passed: Callable[..., Any]) -> None:
    """FS-4: the link page has no login but its forms still carry CSRF tokens (a foreign site cannot post)."""
    _graduate, record, token = passed()
    res = client.post(f"/u/{token}/submit", data={})
    assert res.status_code == 400 and "页面已过期" in res.get_data(as_text=True)
    assert _fresh(record.id).status == "agreement_passed"


# --- FS-8: the link ---------------------------------------------------------------------------------------


def test_fs_8_the_link_is_signed_a_changed_character_is_refused(client: Any, passed: Callable[..., Any]) -> None:
    """FS-8: the link is signed — any changed character, a cut token or a forged one gets the invalid page."""
    _graduate, record, token = passed()
    assert _open(client, token)[0].status_code == 200
    i = len(token) // 2
    changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    forged = tokens.dumps("offline-upload", [record.id])  # right purpose and id, no nonce
    for bad in (changed, token[:-2], token + "x", "not-a-token", forged):
        assert_refused(client.get(f"/u/{bad}"), record)
    assert _open(client, token)[0].status_code == 200


def test_fs_8_the_link_reaches_only_its_own_agreement(client: Any, passed: Callable[..., Any]) -> None:
    """FS-8: the token of agreement A cannot read, delete or be shown a file of agreement B, nor anything of B."""
    _ga, a, token_a = passed()
    _gb, b, token_b = passed()
    csrf = _csrf(_open(client, token_b)[1])
    shot = _stamped_photos(client.get(f"/u/{token_b}/pdf").data)[0]
    assert _upload(client, token_b, shot, csrf).status_code == 201
    b_file = offline.pages(_fresh(b.id))[0][0].id

    assert_refused(client.get(f"/u/{token_a}/files/{b_file}"), b)
    assert_refused(client.post(f"/u/{token_a}/pages/{b_file}/delete", data={"csrf_token": csrf}), b)
    assert [f.id for f, _p in offline.pages(_fresh(b.id))] == [b_file]  # still there
    html = _open(client, token_a)[1]
    assert b.agreement_no not in html and a.agreement_no in html


def test_fs_8_the_link_expires_after_seven_days(client: Any, passed: Callable[..., Any],
                                                frozen_now: Callable[[Any], None]) -> None:
    """FS-8: seven days after the SMS the link shows the expired page (410), telling whom to ask."""
    sent = timeutil.now()
    frozen_now(sent)
    _graduate, record, token = passed()
    frozen_now(sent + timedelta(days=7) - timedelta(minutes=1))
    assert _open(client, token)[0].status_code == 200
    frozen_now(sent + timedelta(days=7, minutes=1))
    assert_refused(client.get(f"/u/{token}"), record, expired=True)
    assert_refused(client.get(f"/u/{token}/pdf"), record, expired=True)


def test_fs_8_a_new_sms_revokes_the_old_link(client: Any, passed: Callable[..., Any],
                                             frozen_now: Callable[[Any], None]) -> None:
    """FS-8: the graduate sends the link again → the old link is invalid at once, the new one works."""
    sent = timeutil.now()
    frozen_now(sent)
    graduate, record, old = passed()
    frozen_now(sent + offline.LINK_RESEND_AFTER + timedelta(seconds=1))
    new = offline.request_employer_upload(graduate, _fresh(record.id)).rsplit("/u/", 1)[1]
    db.session.commit()
    assert new != old
    assert_refused(client.get(f"/u/{old}"), record)
    assert _open(client, new)[0].status_code == 200


def test_fs_8_the_link_stops_when_the_application_moves_on(client: Any, passed: Callable[..., Any],
                                                           world: dict[str, Any],  # noqa: F811
                                                           frozen_now: Callable[[Any], None]) -> None:
    """FS-8: the graduate submitted the pages himself → the employer's link is dead; returned by the school it
    stays dead (a new SMS is needed); the new link dies again when the school rejects the application."""
    sent = timeutil.now()
    frozen_now(sent)
    graduate, record, token = passed()
    pdf = client.get(f"/u/{token}/pdf").data
    actor = actor_for(graduate)
    for shot in _stamped_photos(pdf):
        offline.add_page(actor, _fresh(record.id), shot, "self.jpg")
    offline.submit_pages(actor, _fresh(record.id), graduate, by="graduate")
    db.session.commit()
    assert_refused(client.get(f"/u/{token}"), record)

    review_phase(world, offline.SIGNING_REVIEW, record.id, "return", reason="公章不清晰")
    assert _fresh(record.id).status == "signing_returned"
    assert_refused(client.get(f"/u/{token}"), record)  # a returned application does not revive the old link
    frozen_now(sent + timedelta(minutes=5))
    new = offline.request_employer_upload(graduate, _fresh(record.id)).rsplit("/u/", 1)[1]
    db.session.commit()
    assert _open(client, new)[0].status_code == 200

    # the pages are under review again and the school rejects the application
    offline.submit_pages(actor, _fresh(record.id), graduate, by="graduate")
    db.session.commit()
    review_phase(world, offline.SIGNING_REVIEW, record.id, "reject", reason="单位信息不符")
    assert _fresh(record.id).status == "signing_failed"
    assert_refused(client.get(f"/u/{new}"), record)


@pytest.mark.parametrize("settings_overrides", [{"LINK_RATE_LIMIT": "3 per 10 minutes"}])
def test_fs_8_refused_links_are_rate_limited_per_address(client: Any, passed: Callable[..., Any]) -> None:
    """FS-8: guessing tokens is slowed — after LINK_RATE_LIMIT refused links the address waits (429)."""
    _graduate, _record, token = passed()
    for _ in range(3):
        assert client.get("/u/guess-" + token[:8]).status_code == 404
    limited = client.get("/u/guess-again")
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    # a genuine link does not count, but the address is limited as a whole until the window passes
    assert client.get(f"/u/{token}").status_code == 429


# --- FS-10: a page of another agreement ------------------------------------------------------------------


def test_fs_10_a_page_of_another_agreement_is_refused_and_nothing_stored(client: Any,
                                                                         passed: Callable[..., Any]) -> None:
    """FS-10: through A's link, a stamped page of agreement B is refused with a clear message; no file is kept."""
    _ga, a, token_a = passed()
    _gb, _b, token_b = passed()
    b_page = _stamped_photos(client.get(f"/u/{token_b}/pdf").data)[0]
    csrf = _csrf(_open(client, token_a)[1])
    files_before = db.session.query(StoredFile).count()
    res = _upload(client, token_a, b_page, csrf)
    assert res.status_code == 422
    error = res.get_json()["error"]
    assert error["code"] == "page_of_other_agreement" and a.agreement_no in error["message"]
    assert db.session.query(StoredFile).count() == files_before
    assert offline.pages(_fresh(a.id)) == [] and db.session.query(OfflinePage).count() == 0

    plain = _upload(client, token_a, b_page, csrf, xhr=False)  # the form without the script
    assert plain.status_code == 302
    assert "另一份就业协议书的页面" in _open(client, token_a)[1]


# --- the demo console ------------------------------------------------------------------------------------


def test_fs_4_with_the_log_sms_provider_the_console_says_where_the_link_went(
        app: Any, client: Any, passed: Callable[..., Any], caplog: Any) -> None:
    """FS-4: in the demo (SMS written to the log) the reviewer's item page says to which phone and when the
    link went, and that no SMS was really sent; the log line has the whole link to follow."""
    import logging

    from sqlalchemy import select

    from wxbackend.review import subjects
    from wxbackend.review.models import ReviewItem

    with caplog.at_level(logging.INFO):
        _graduate, record, token = passed()
        app.extensions["wx_jobs"].drain()
    assert any(f"/u/{token}" in r.getMessage() for r in caplog.records)
    item = db.session.scalars(select(ReviewItem).where(ReviewItem.kind == offline.KIND,
                                                       ReviewItem.subject_id == record.id)).one()
    with app.test_request_context("/console/review"):
        banner = subjects.present(item).banner
    assert banner is not None and "131****1111" in banner and "演示环境：短信未真正发送" in banner
    assert token not in banner
