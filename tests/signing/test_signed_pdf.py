"""ON-8: the signed agreement's PDF ends with its 签约过程记录 — every event, who did it, which way — and
the SHA-256 of the agreement pages before it; FS-10: those pages carry their page codes.

How the hash is checked: ``signing.pdf.render_signed`` returns the stamped agreement pages it hashed
(``SignedPdf.pages``) beside the whole file, so the tests compare the printed digest with
``sha256(pages)`` and check that the file's first pages are those pages (same text page by page,
same page codes). The file the job stores is that same build (``documents.build_signed``).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pypdfium2 as pdfium
from pypdf import PdfReader

from tests.signing.sample_agreement import sample_doc
from wxbackend.core.db import db
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.documents import pagecodes
from wxbackend.files.models import StoredFile
from wxbackend.files.storage import get_storage
from wxbackend.review import engine
from wxbackend.signing import documents, pdf, services
from wxbackend.signing.models import OnlineAgreement

SECRET = b"signed-pdf test secret"
EVENTS = [
    {"at": "2026-11-20 10:00:00", "event": "发出签约邀请", "actor": "学信咨询服务有限公司", "role": "用人单位",
     "channel": "用人单位门户"},
    {"at": "2026-11-21 09:12:45", "event": "接受签约邀请", "actor": "王堃", "role": "毕业生", "channel": "微信小程序"},
    {"at": "2026-11-24 15:30:02", "event": "通过（院系审核）", "actor": "院系老师", "role": "院系",
     "channel": "审核管理后台"},
    {"at": "2026-11-28 17:58:31", "event": "签约完成", "actor": "系统", "role": "", "channel": "系统"},
]


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def page_codes(data: bytes) -> list[list[pagecodes.PageCode]]:
    document = pdfium.PdfDocument(data)
    try:
        return [pagecodes.read_codes(page.render(scale=150 / 72).to_pil()) for page in document]
    finally:
        document.close()


def test_on_8_signed_pdf_is_stamped_pages_then_the_record_with_their_hash() -> None:
    """ON-8 (signed agreement PDF): the agreement pages with their page codes, then 签约过程记录, whose
    SHA-256 is that of exactly the pages before it; FS-10: every agreement page names itself."""
    doc = sample_doc("王堃")
    signed = pdf.render_signed(doc, EVENTS, SECRET)
    n = signed.page_count
    assert n == pagecodes.page_count(signed.pages) == pagecodes.page_count(pdf.render_agreement(doc))
    assert signed.pages_sha256 == hashlib.sha256(signed.pages).hexdigest()
    assert pagecodes.page_count(signed.pdf) == n + 1

    texts = page_texts(signed.pdf)
    assert texts[:n] == page_texts(signed.pages)  # the file starts with the hashed pages
    record = texts[-1]
    assert record.lstrip().startswith("签约过程记录")
    assert signed.pages_sha256 in record.replace("\n", "") and doc["agreement_no"] in record
    for e in EVENTS:
        for value in e.values():
            assert value in record, value

    codes = page_codes(signed.pdf)
    for number, found in enumerate(codes[:n], start=1):
        assert [(c.doc_ref, c.page, c.total) for c in found] == [(doc["agreement_no"], number, n)]
        assert found[0].verify(SECRET)
    assert codes[n] == []  # the record page is not an agreement page


def test_on_8_stored_agreement_ends_with_the_process_record(
        app: Any, grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        world: dict[str, Any], frozen_now: Callable[..., Any], drain_jobs: Callable[[], None]) -> None:
    """ON-8 (signed agreement PDF): the stored file's last page, 签约过程记录, lists the invitation, the
    graduate's acceptance, both reviews' passes and 签约完成, each with its time, actor and channel, and
    the SHA-256 of the agreement pages; its first pages carry page codes under ``page_secret()``."""
    graduate = grad()
    frozen_now(datetime(2026, 12, 30, 9, 0, tzinfo=SHANGHAI))
    user = employer_user()
    row = invite(user, graduate, days=5)
    with app.test_request_context("/api/agreements/accept"):  # the mini-program
        services.accept(graduate, row.id)
        db.session.commit()
    for who, at in (("dept_user", datetime(2026, 12, 31, 9, 0)), ("school_user", datetime(2027, 1, 4, 9, 30, 5))):
        frozen_now(at.replace(tzinfo=SHANGHAI))
        item = engine.open_item(services.KIND, row.id)
        assert item is not None
        with app.test_request_context("/console/review"):
            engine.decide(world[who], item.id, "pass")
            db.session.commit()
    drain_jobs()

    fresh = db.session.get(OnlineAgreement, row.id, populate_existing=True)
    assert fresh is not None and fresh.status == "signed" and fresh.pdf_file_id is not None
    stored = db.session.get(StoredFile, fresh.pdf_file_id)
    assert stored is not None
    data = get_storage().get(stored.key)
    assert hashlib.sha256(data).hexdigest() == stored.sha256

    texts = page_texts(data)
    record = texts[-1]
    flat = re.sub(r"\s+", "", record)  # table cells wrap; compare the text without its line breaks
    assert flat.startswith("签约过程记录") and fresh.agreement_no in flat
    for line in (
        ("2026-12-30 09:00:00", "发出签约邀请", user.display_name, "（用人单位）", "系统"),
        ("2026-12-30 09:00:00", "接受签约邀请", graduate.name, "（毕业生）", "微信小程序"),
        ("2026-12-31 09:00:00", "通过（院系审核）", world["dept_user"].display_name, "（院系）", "审核管理后台"),
        ("2027-01-04 09:30:05", "通过（学校审核）", world["school_user"].display_name, "（学校）", "审核管理后台"),
        ("2027-01-04 09:30:05", "签约完成", "系统", "系统"),  # the system's own step, after the school's pass
    ):
        expected = "".join(line).replace(" ", "")
        assert expected in flat, (expected, flat)
    assert flat.index("接受签约邀请") < flat.index("院系审核") < flat.index("学校审核") < flat.index("签约完成")

    printed = re.search(r"SHA-256摘要：([0-9a-f]{64})摘要", flat)
    assert printed is not None and printed[1] != stored.sha256  # the agreement pages' hash, not the file's
    # The same build under the same clock gives the same pages: the printed hash is theirs.
    with app.test_request_context():
        again = documents.build_signed(fresh)
        secret = documents.page_secret()
    assert page_texts(again.pages) == texts[:-1]
    assert again.pages_sha256 == hashlib.sha256(again.pages).hexdigest()
    codes = page_codes(data)
    n = len(texts) - 1
    for number, found in enumerate(codes[:n], start=1):
        assert [(c.doc_ref, c.page, c.total, c.verify(secret)) for c in found] == [(fresh.agreement_no, number, n,
                                                                                    True)]
    # Rendering is deterministic under the frozen clock (the verify token is stamped with timeutil.now()):
    # the rebuild is the stored file byte for byte, so the printed hash is that of its agreement pages.
    assert again.pdf == data
    assert printed[1] == again.pages_sha256
