"""One-time form keys on the console's create forms: a double POST creates once (core.once)."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import func, select

from tests.accounts.importing import good_row, xlsx_bytes
from tests.console.test_graduate_changes import _form as graduate_form
from wxbackend.accounts.models import Graduate, ImportBatch
from wxbackend.core.db import db


def form_key(html: str) -> str:
    m = re.search(r'name="form_key" value="([^"]+)"', html)
    assert m, "the form carries no one-time key"
    return m.group(1)


def count(model: Any) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_graduate_create_form_submitted_twice_creates_one_graduate(client, org, staff_login, csrf_off) -> None:
    staff_login(org.school_user)
    data = {**graduate_form(), "form_key": form_key(client.get("/console/graduates/new").get_data(as_text=True))}
    first = client.post("/console/graduates/new", data=data)
    second = client.post("/console/graduates/new", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(Graduate) == 1
    assert "请勿重复提交" in client.get(second.headers["Location"]).get_data(as_text=True)


def _upload(client: Any, key: str, data: bytes) -> Any:
    res = client.post("/console/imports", data={"file": (io.BytesIO(data), "graduates.xlsx"), "form_key": key},
                      content_type="multipart/form-data")
    stream = res.request.environ.get("wsgi.input")
    if stream is not None:
        stream.close()
    return res


def test_import_upload_submitted_twice_imports_one_batch(client, make_school, make_department, make_major,
                                                         make_user, staff_login, csrf_off) -> None:
    school = make_school()
    make_major(make_department(school, code="CS01", name="计算机学院"), code="080901", name="计算机科学与技术")
    staff_login(make_user("school", school_id=school.id))
    key = form_key(client.get("/console/imports").get_data(as_text=True))
    data = xlsx_bytes([good_row(1)])
    first, second = _upload(client, key, data), _upload(client, key, data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(ImportBatch) == 1 and count(Graduate) == 1
