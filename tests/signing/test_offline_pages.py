"""Offline signing after 就业协议审核通过: the printable PDF (FS-3), returning the stamped pages (FS-4…FS-6),
the page codes at upload (FS-10), the employer's link at the service level (FS-8, MS-3), the signing review
(FS-7) with the signed PDF's 签约过程记录 page, and two concurrent submissions of the pages."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.documents.test_pagecodes import photo, rasterise, sealed
from tests.files.photos import jpeg_bytes, photo_like
from tests.signing.conftest import refused
from tests.signing.offline_helpers import FORM, review_phase
from tests.signing.test_concurrency import _race
from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.files.models import Attachment, StoredFile
from wxbackend.files.storage import get_storage
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review.models import ReviewItem
from wxbackend.signing import offline
from wxbackend.signing.models import OfflineAgreement

LONG_ADDENDUM = "双方约定：" + "甲方为乙方提供岗位培训与职业发展支持，乙方按时报到并遵守甲方规章制度。" * 28


def _fresh(record_id: int) -> OfflineAgreement:
    db.session.expire_all()
    row = db.session.get(OfflineAgreement, record_id)
    assert row is not None
    return row


@pytest.fixture()
def passed(grad: Callable[..., Any], applied: Callable[..., Any], world: dict[str, Any],
           drain_jobs: Callable[[], None]) -> Callable[..., tuple[Any, OfflineAgreement]]:
    """``passed(**fields)`` → (graduate, record): the agreement review passed and its PDF rendered."""

    def run(**fields: Any) -> tuple[Any, OfflineAgreement]:
        g = grad()
        record = applied(g, **fields)
        review_phase(world, offline.KIND, record.id)
        drain_jobs()
        record = _fresh(record.id)
        assert record.status == "agreement_passed" and record.pdf_file_id is not None
        return g, record

    return run


def _printable(record: OfflineAgreement) -> bytes:
    stored = offline.pdf_file(record)
    assert stored is not None
    return get_storage().get(stored.key)


def _page_photos(record: OfflineAgreement, angle: float = 7) -> list[bytes]:
    """Each printed page, stamped, photographed a little tilted, downscaled to 1,200 px, as JPEG."""
    return [jpeg_bytes(photo(sealed(page), angle)) for page in rasterise(_printable(record), dpi=150)]


def test_fs_3_the_printable_agreement_carries_its_number_and_page_codes(passed: Callable[..., Any]) -> None:
    """FS-3, FS-10: after the pass the PDF exists, names its 协议编号 and type, and every page has its codes."""
    from wxbackend.documents import pagecodes
    from wxbackend.signing.documents import page_secret

    _g, record = passed(addendum=LONG_ADDENDUM)
    data = _printable(record)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\n", "")
    assert record.agreement_no in text and "电子就业协议书线下签约" in text and "学信咨询服务有限公司" in text
    assert record.pdf_pages == len(PdfReader(io.BytesIO(data)).pages) == 2
    for n, page in enumerate(rasterise(data, dpi=100), start=1):
        found = pagecodes.match_page(page, page_secret(), record.agreement_no)
        assert (found.kind, found.page, found.total) == ("match", n, 2)


def test_fs_10_a_tilted_downscaled_photo_matches_and_another_agreements_page_is_refused(
        passed: Callable[..., Any]) -> None:
    """FS-10: a stamped page photographed at 7° and 1,200 px is "page k of n"; a page of agreement B
    uploaded to agreement A is refused with a clear message and nothing is stored."""
    g, a = passed(addendum=LONG_ADDENDUM)
    _h, b = passed()
    first = _page_photos(a)[0]
    stored = offline.add_page(actor_for(g), _fresh(a.id), first, "p1.jpg")
    (page,) = [p for f, p in offline.pages(_fresh(a.id)) if f.id == stored.id]
    assert (page.result, page.page, page.total) == ("match", 1, 2)
    assert offline.page_note(page, a.agreement_no) == f"与协议 {a.agreement_no} 第1页（共2页）相符"
    before = db.session.scalar(select(func.count()).select_from(StoredFile))
    with pytest.raises(ApiError) as info:
        offline.add_page(actor_for(g), _fresh(a.id), _page_photos(b, angle=-6)[0], "wrong.jpg")
    assert info.value.code == "page_of_other_agreement" and a.agreement_no in info.value.message
    assert b.agreement_no not in info.value.message  # nothing about the other agreement is said
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == before


def test_fs_5_a_large_photo_is_compressed_to_300_kb(passed: Callable[..., Any],
                                                     drain_jobs: Callable[[], None]) -> None:
    """FS-5: an image over 300 KB is compressed by the pipeline to at most 300 KB; an unreadable one is kept."""
    g, record = passed()
    big = jpeg_bytes(photo_like(4032, 3024, seed=9), quality=95)
    assert len(big) > 300 * 1024
    stored = offline.add_page(actor_for(g), record, big, "big.jpg")
    drain_jobs()
    db.session.expire_all()
    row = db.session.get(StoredFile, stored.id)
    assert row.compression_state == "done" and row.size <= 300 * 1024
    (page,) = [p for f, p in offline.pages(_fresh(record.id))]
    assert page.result == "none"  # no code in a random photo: shown to the reviewer as such


def test_fs_4_fs_6_own_upload_submit_withdraw_replace_resubmit(passed: Callable[..., Any]) -> None:
    """FS-4: 本人回传 needs one image per page; FS-6: withdrawn before review, a page replaced, submitted again."""
    g, record = passed(addendum=LONG_ADDENDUM)
    p1, p2 = _page_photos(record)
    offline.add_page(actor_for(g), _fresh(record.id), p1, "p1.jpg")
    err = refused(lambda: offline.submit_pages(actor_for(g), _fresh(record.id), g, by="graduate"), "proof_required")
    assert "至少2张" in err.message
    offline.add_page(actor_for(g), _fresh(record.id), p1, "p1-again.jpg")  # the wrong photo twice
    offline.submit_pages(actor_for(g), _fresh(record.id), g, by="graduate")
    db.session.commit()
    assert offline.page_coverage(_fresh(record.id))["missing"] == [2]
    offline.withdraw(g, _fresh(record.id))
    db.session.commit()
    record = _fresh(record.id)
    assert record.status == "agreement_passed"
    duplicate = [f for f, _p in offline.pages(record)][1]
    offline.remove_page(actor_for(g), record, duplicate.id)
    db.session.commit()
    offline.add_page(actor_for(g), _fresh(record.id), p2, "p2.jpg")
    offline.submit(g, _fresh(record.id))  # 提交 in this state is 本人回传
    db.session.commit()
    record = _fresh(record.id)
    assert record.status == "signing_review" and record.pages_submitted_by == "graduate"
    assert offline.page_coverage(record) == {"total": 2, "matched": [1, 2], "missing": [], "unread": 0, "count": 2}


def test_fs_7_signing_pass_completes_and_the_signed_pdf_ends_with_the_process_record(
        passed: Callable[..., Any], world: dict[str, Any], drain_jobs: Callable[[], None]) -> None:
    """FS-7: both levels pass → 签约完成; the signed PDF is the printed pages plus a 签约过程记录 page
    listing every event with actor, time and channel, and the SHA-256 of the printed pages."""
    g, record = passed()
    for n, data in enumerate(_page_photos(record), start=1):
        offline.add_page(actor_for(g), _fresh(record.id), data, f"p{n}.jpg")
    offline.submit_pages(actor_for(g), _fresh(record.id), g, by="graduate")
    db.session.commit()
    review_phase(world, offline.SIGNING_REVIEW, record.id)
    drain_jobs()
    record = _fresh(record.id)
    assert record.status_label == "签约完成" and record.signed_pdf_file_id is not None
    signed = get_storage().get(offline.pdf_file(record, signed=True).key)
    reader = PdfReader(io.BytesIO(signed))
    assert len(reader.pages) == record.pdf_pages + 1
    last = reader.pages[-1].extract_text()
    assert "签约过程记录" in last and hashlib.sha256(_printable(record)).hexdigest() in last.replace("\n", "")
    for words in ("生成电子就业协议书", "通过（院系审核）", "通过（学校审核）", "签约完成", "系统"):
        assert words in last, words


def test_fs_8_the_link_request_texts_the_contact_and_a_new_request_revokes_the_old_link(
        passed: Callable[..., Any]) -> None:
    """FS-8, MS-3: the SMS goes to the contact's mobile with a link to this agreement only; a second
    request (after the pause) revokes the first link; the graduate sees where and when it went."""
    g, record = passed()
    url = offline.request_employer_upload(g, _fresh(record.id))
    db.session.commit()
    (sms,) = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.channel == "sms"))
    assert sms.phone == FORM["contact_mobile"] and url in sms.body and record.agreement_no in sms.body
    token = url.rsplit("/", 1)[1]
    assert offline.record_for_link(token).id == record.id
    state = offline.link_state(_fresh(record.id))
    assert state["phone"] == "131****1111" and state["live"]
    with pytest.raises(ApiError) as info:  # no SMS bombing through us
        offline.request_employer_upload(g, _fresh(record.id))
    assert info.value.code == "too_soon" and info.value.status == 429
    db.session.rollback()
    timeutil.freeze(timeutil.now() + timedelta(minutes=2))
    try:
        newer = offline.request_employer_upload(g, _fresh(record.id))
        db.session.commit()
        with pytest.raises(offline.LinkRefused) as refused_old:
            offline.record_for_link(token)
        assert refused_old.value.reason == "invalid"
        assert offline.record_for_link(newer.rsplit("/", 1)[1]).id == record.id
    finally:
        timeutil.freeze(None)


def test_fs_8_the_link_expires_after_seven_days_and_dies_with_the_submission(
        passed: Callable[..., Any]) -> None:
    """FS-8: expired after 7 days (its own page); after the employer's submission it no longer works."""
    g, record = passed()
    token = offline.request_employer_upload(g, _fresh(record.id)).rsplit("/", 1)[1]
    db.session.commit()
    timeutil.freeze(timeutil.now() + timedelta(days=7, seconds=1))
    try:
        with pytest.raises(offline.LinkRefused) as info:
            offline.record_for_link(token)
        assert info.value.reason == "expired" and "重新发送" in info.value.message
    finally:
        timeutil.freeze(None)
    linked = offline.record_for_link(token)
    employer = offline.employer_actor(linked)
    for n, data in enumerate(_page_photos(linked), start=1):
        offline.add_page(employer, offline.record_for_link(token), data, f"p{n}.jpg", delegate=True)
    offline.submit_pages(employer, offline.record_for_link(token), g, by="employer")
    db.session.commit()
    with pytest.raises(offline.LinkRefused):
        offline.record_for_link(token)
    record = _fresh(record.id)
    assert (record.status, record.pages_submitted_by, record.link_nonce) == ("signing_review", "employer", None)
    last = [e for e in offline.timeline(record) if e.action == "submit"][-1]
    assert last.actor_type == "employer" and "李经理" in (last.actor_name or "")


def test_ms_3_a_failed_sms_is_shown_and_the_request_is_kept(passed: Callable[..., Any]) -> None:
    """MS-3: when the gateway gives up, the graduate reads 短信发送失败，请重试; the link request stays saved."""
    g, record = passed()
    offline.request_employer_upload(g, _fresh(record.id))
    db.session.commit()
    record = _fresh(record.id)
    assert offline.link_state(record)["delivery"] in ("pending", "sent")
    row = db.session.get(NotificationOutbox, record.link_outbox_id)
    row.status, row.last_error = "failed", "isv.MOBILE_NUMBER_ILLEGAL"
    db.session.commit()
    state = offline.link_state(_fresh(record.id))
    assert (state["delivery"], state["delivery_label"]) == ("failed", "短信发送失败，请重试")
    assert state["live"] and _fresh(record.id).link_nonce is not None


def test_fs_8_two_concurrent_submissions_of_the_pages_give_one_signing_review(
        app: Any, passed: Callable[..., Any]) -> None:
    """FS-8: the graduate and the employer's link submit the stamped pages at once: one signing review,
    the other gets a clean refusal (the conditional UPDATE on status and version decides)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    g, record = passed()
    token = offline.request_employer_upload(g, _fresh(record.id)).rsplit("/", 1)[1]
    db.session.commit()
    for n, data in enumerate(_page_photos(record), start=1):
        offline.add_page(actor_for(g), _fresh(record.id), data, f"p{n}.jpg")
    record_id, graduate_id = record.id, g.id

    def work(i: int) -> None:
        from wxbackend.accounts.models import Graduate

        graduate = db.session.get(Graduate, graduate_id)
        if i % 2:
            linked = offline.record_for_link(token)
            offline.submit_pages(offline.employer_actor(linked), linked, graduate, by="employer")
        else:
            offline.submit_pages(actor_for(graduate), offline.get_own(graduate, record_id), graduate, by="graduate")

    results = _race(app, 4, work)
    assert results.count("ok") == 1, results
    assert all(r in ("ok", "record_changed", "not_submittable", "already_pending") or r.startswith("LinkRefused")
               for r in results), results
    items = db.session.scalars(select(ReviewItem).where(ReviewItem.kind == offline.SIGNING_REVIEW,
                                                        ReviewItem.subject_id == record_id)).all()
    assert len(items) == 1 and items[0].status == "pending"
    assert _fresh(record_id).status == "signing_review"
    assert db.session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.kind == offline.KIND, Attachment.subject_id == record_id)) == 2


def test_fs_5_a_file_that_is_not_an_image_gets_the_pipelines_clear_error(passed: Callable[..., Any]) -> None:
    """FS-5: a broken file is refused with the upload pipeline's own message; nothing is stored."""
    g, record = passed()
    with pytest.raises(ApiError) as info:
        offline.add_page(actor_for(g), record, b"\xff\xd8\xff\xe0 not really a jpeg", "p1.jpg")
    assert info.value.code in ("corrupt_image", "unsupported_type")
    db.session.rollback()
    assert offline.pages(_fresh(record.id)) == []
