"""The 去向登记信息表 as PDF (VA-4), rendered once through ``documents`` and kept with the verification."""

from __future__ import annotations

from typing import Any

from flask import current_app

from wxbackend.core import ids, timeutil
from wxbackend.core.db import db
from wxbackend.documents import render, store
from wxbackend.files.models import StoredFile
from wxbackend.verification import keys, lookup
from wxbackend.verification.models import Verification

TEMPLATE = "verification_report.html"
SITE = "全国高校毕业生毕业去向登记与网上签约平台"
#: The public page a verifier uses (fig. 46), named as the site names it.
LOOKUP_PAGES = {"archive": "档案转递信息在线核验", "hukou": "户口迁移信息在线核验"}


def render_pdf(row: Verification) -> bytes:
    url = lookup.qr_url(row)
    base = current_app.config["SETTINGS"].PUBLIC_URL.rstrip("/")
    return render.render_pdf(TEMPLATE, label=row.label, lookup_page=LOOKUP_PAGES[row.module],
                             lookup_url=f"{base}/verify/{row.module}", number_display=ids.display(row.number),
                             valid_until=row.valid_until, created_at=timeutil.fmt(row.created_at),
                             qr=render.qr_data_uri(url), content=row.content, site=SITE,
                             kid=keys.current_kid())


def filename(row: Verification) -> str:
    return f"去向登记信息表_{row.label}_{row.number}.pdf"


def ensure_pdf(verification_id: int) -> StoredFile | None:
    """The report's stored PDF, rendered now if it has none yet (the job renders it ahead)."""
    row = db.session.get(Verification, verification_id, with_for_update=db.engine.dialect.name == "postgresql")
    if row is None:
        return None
    if row.pdf_file_id is not None:
        return db.session.get(StoredFile, row.pdf_file_id)
    stored = store.store_pdf(render_pdf(row), key_prefix="verifications", filename=filename(row),
                             owner_graduate_id=row.graduate_id)
    row.pdf_file_id = stored.id
    db.session.commit()
    return stored


def download(row: Verification) -> Any:
    stored = ensure_pdf(row.id)
    assert stored is not None
    return store.pdf_download(stored, filename(row))
