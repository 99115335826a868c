"""The console side of offline signing: 协议审核 shows the form, 签约审核 the uploaded pages with what their
page codes said (FS-3, FS-7, FS-10); offline terminations (FT-2); the public QR check of an e-agreement."""

from __future__ import annotations

from typing import Any

from tests.documents.test_pagecodes import photo, rasterise, sealed
from tests.files.photos import jpeg_bytes, photo_like
from tests.signing.offline_helpers import FORM
from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.files.storage import get_storage
from wxbackend.review import engine
from wxbackend.signing import offline, offline_documents
from wxbackend.signing.models import OfflineAgreement


def _pass(org: Any, review_kind: str, record_id: int) -> None:
    for user in (org.dept_a_user, org.school_user):
        item = engine.open_item(review_kind, record_id)
        engine.decide(user, item.id, "pass")
        db.session.commit()


def test_fs_3_fs_10_the_two_review_phases_show_the_form_then_the_pages(
        client: Any, org: Any, make_graduate: Any, staff_login: Any, drain_jobs: Any) -> None:
    """FS-3: 协议审核 shows fig. 21's blocks with return allowed; FS-10: 签约审核 shows each uploaded page with
    "matches agreement N page k" or "no code readable", and the coverage of the agreement's pages."""
    graduate = make_graduate(org.major_a, name="陈诚", confirmed_at=timeutil.now())
    record = offline.create(graduate, "eagreement", FORM)
    db.session.commit()
    offline.submit(graduate, record)
    db.session.commit()
    item = engine.open_item(offline.KIND, record.id)
    staff_login(org.dept_a_user)
    queue = client.get("/console/review").get_data(as_text=True)
    assert "电子就业协议书申请 · 学信咨询服务有限公司" in queue
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "91110108749352307A" in page and "李经理" in page and 'value="return"' in page
    assert "page-coverage" not in page
    _pass(org, offline.KIND, record.id)
    drain_jobs()
    db.session.expire_all()
    record = db.session.get(OfflineAgreement, record.id)
    printed = get_storage().get(offline.pdf_file(record).key)
    first = jpeg_bytes(photo(sealed(rasterise(printed, dpi=150)[0]), 6))
    offline.add_page(actor_for(graduate), record, first, "p1.jpg")
    offline.add_page(actor_for(graduate), db.session.get(OfflineAgreement, record.id, populate_existing=True),
                     jpeg_bytes(photo_like(1200, 900, seed=3)), "blurry.jpg")
    offline.submit_pages(actor_for(graduate), db.session.get(OfflineAgreement, record.id, populate_existing=True),
                         graduate, by="graduate")
    db.session.commit()
    item = engine.open_item(offline.SIGNING_REVIEW, record.id)
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "电子就业协议书签约材料" in page
    assert f"与协议 {record.agreement_no} 第1页（共{record.pdf_pages}页）相符" in page
    assert "未识别到页面二维码，请人工核对" in page
    assert 'id="page-coverage"' in page and "已识别：第1页" in page and "毕业生本人回传" in page


def test_ft_2_offline_termination_item_shows_reason_and_letter(
        client: Any, org: Any, make_graduate: Any, staff_login: Any) -> None:
    """FT-2: the reviewer checks with the employer: reason, explanation and the stamped letter are on the page."""
    graduate = make_graduate(org.major_a, name="陈诚", confirmed_at=timeutil.now())
    record = offline.create(graduate, "paper", FORM)
    db.session.commit()
    offline.add_page(actor_for(graduate), record, jpeg_bytes(photo_like(1200, 900, seed=1)), "signed.jpg")
    offline.submit(graduate, db.session.get(OfflineAgreement, record.id, populate_existing=True))
    db.session.commit()
    _pass(org, offline.PAPER_KIND, record.id)
    row = offline.start_termination(graduate, db.session.get(OfflineAgreement, record.id, populate_existing=True),
                                    "01", "与单位协商一致解除")
    db.session.commit()
    offline.add_termination_file(graduate, row, jpeg_bytes(photo_like(1200, 900, seed=2)), "letter.jpg")
    offline.submit_termination(graduate, row)
    db.session.commit()
    item = engine.open_item(offline.TERMINATION_KIND, row.id)
    staff_login(org.dept_a_user)
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "线下解约申请 · 学信咨询服务有限公司" in page and "与单位协商一致解除" in page
    assert "单位盖章的解约函" in page and "请与用人单位核实解约情况后审核" in page


def test_fs_3_the_e_agreement_qr_code_opens_the_public_check(client: Any, org: Any, make_graduate: Any) -> None:
    """FS-3: the printed e-agreement's QR link shows its number, unit and state, the name masked."""
    graduate = make_graduate(org.major_a, name="陈诚", confirmed_at=timeutil.now())
    record = offline.create(graduate, "eagreement", FORM)
    db.session.commit()
    offline.submit(graduate, record)
    db.session.commit()
    _pass(org, offline.KIND, record.id)
    record = db.session.get(OfflineAgreement, record.id, populate_existing=True)
    url = offline_documents.verify_url(record)
    html = client.get(url[url.index("/agreements/"):]).get_data(as_text=True)
    assert record.agreement_no in html and "学信咨询服务有限公司" in html and "陈*" in html and "陈诚" not in html
    assert "就业协议审核通过" in html
