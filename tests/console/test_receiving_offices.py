"""AR-7: the console's 档案接收单位 pages and the two JSON searches the graduate forms will use.

The school keeps its own entries, the platform admin the platform-wide ones, department reviewers
only look; forms carry real CSRF tokens and one-time keys; errors sit next to their fields.
"""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import func, select

from tests.console.test_school_admin import _field_error, _form, _new_client
from tests.graduate.conftest import Web
from tests.test_no_rule_ids import rule_ids
from wxbackend.core import audit
from wxbackend.core.db import db
from wxbackend.transfers import directory
from wxbackend.transfers.models import ReceivingOffice

ENTRY = {"name": "北京市西城区人才服务中心", "region": "110102", "address": "西直门内大街2号", "postcode": "100035",
         "contact": "档案科", "phone": "010-66180000", "active": "1"}


def _entry(school_id: int | None, name: str, region: str) -> ReceivingOffice:
    office = directory.create(audit.SYSTEM, school_id, {"name": name, "region": region, "address": "某路1号"})
    db.session.commit()
    return office


def _count(*where: Any) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count(ReceivingOffice.id)).where(*where)) or 0)


def _xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(directory.HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_ar_7_school_creates_edits_searches_and_deletes_its_entries(client, org, staff_login) -> None:
    """AR-7: the school's own entries through the pages, with CSRF and the one-time form key."""
    staff_login(org.school_user)
    form = _form(client, "/console/receiving-offices/new")
    assert "csrf_token" in form and "form_key" in form
    res = client.post("/console/receiving-offices/new", data={**form, **ENTRY})
    assert res.status_code == 302
    again = client.post("/console/receiving-offices/new", data={**form, **ENTRY})  # a double click
    assert again.status_code == 302 and again.headers["Location"] == res.headers["Location"]
    office = db.session.scalar(select(ReceivingOffice))
    assert office is not None and office.school_id == org.school.id and _count() == 1

    page = client.get("/console/receiving-offices?q=西城").get_data(as_text=True)
    assert "北京市西城区人才服务中心" in page and "本校" in page and f"/receiving-offices/{office.id}/edit" in page
    assert "北京市西城区人才服务中心" not in client.get("/console/receiving-offices?region=310000").get_data(
        as_text=True)
    assert rule_ids(page) == []

    edit = client.get(f"/console/receiving-offices/{office.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', edit)
    assert version and version.group(1) == "1"
    res = client.post(f"/console/receiving-offices/{office.id}/edit",
                      data={"csrf_token": form["csrf_token"], **ENTRY, "address": "新地址8号", "version": "1"})
    assert res.status_code == 302
    db.session.expire_all()
    assert office.address == "新地址8号" and office.version == 2
    stale = client.post(f"/console/receiving-offices/{office.id}/edit",
                        data={"csrf_token": form["csrf_token"], **ENTRY, "address": "旧表单", "version": "1"})
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)
    history = client.get(f"/console/receiving-offices/{office.id}/edit").get_data(as_text=True)
    assert "新增档案接收单位" in history and "修改档案接收单位" in history

    assert client.post(f"/console/receiving-offices/{office.id}/delete").status_code == 400  # no CSRF token
    res = client.post(f"/console/receiving-offices/{office.id}/delete", data={"csrf_token": form["csrf_token"]})
    assert res.status_code == 302 and _count() == 0


def test_ar_7_form_errors_sit_next_to_their_fields(client, org, staff_login, csrf_off) -> None:
    """AR-7: each invalid field says why next to its input, and the typed values come back."""
    staff_login(org.school_user)
    res = client.post("/console/receiving-offices/new", data={"name": "", "region": "北京市不存在区", "address": "",
                                                              "postcode": "1000", "phone": "abc"})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert _field_error(html, "name") == "请填写单位名称"
    assert "所在地区无效" in _field_error(html, "region") and 'value="北京市不存在区"' in html
    assert _field_error(html, "address") == "请填写详细地址"
    assert _field_error(html, "postcode") == "邮编应为6位数字"
    assert "固定电话" in _field_error(html, "phone")
    assert _count() == 0


def test_ar_7_who_maintains_what(client, org, staff_login, make_user, make_school, csrf_off) -> None:
    """AR-7: the school edits only its own entries (the platform's and another school's are 404), the admin
    keeps the platform-wide ones, a department reviewer only looks."""
    platform = _entry(None, "北京市人才服务中心", "110000")
    other = _entry(make_school(name="别的大学").id, "别校的单位", "110102")
    staff_login(org.school_user)
    page = client.get("/console/receiving-offices").get_data(as_text=True)
    assert "北京市人才服务中心" in page and "别校的单位" not in page
    assert f"/receiving-offices/{platform.id}/edit" not in page
    for office in (platform, other):
        assert client.get(f"/console/receiving-offices/{office.id}/edit").status_code == 404
        assert client.post(f"/console/receiving-offices/{office.id}/delete").status_code == 404

    admin_client = _new_client(client.application)
    admin = make_user("admin")
    _login_as(admin_client, admin)
    res = admin_client.post("/console/receiving-offices/new", data={**ENTRY, "name": "北京市西城区人才服务中心"})
    assert res.status_code == 302
    assert _count(ReceivingOffice.school_id.is_(None)) == 2
    assert admin_client.get(f"/console/receiving-offices/{platform.id}/edit").status_code == 200
    assert admin_client.get(f"/console/receiving-offices/{other.id}/edit").status_code == 404
    assert "别校的单位" not in admin_client.get("/console/receiving-offices").get_data(as_text=True)

    dept_client = _new_client(client.application)
    _login_as(dept_client, org.dept_a_user)
    page = dept_client.get("/console/receiving-offices").get_data(as_text=True)
    assert "北京市人才服务中心" in page and 'id="new-office"' not in page and 'id="nav-receiving-offices"' in page
    assert dept_client.get("/console/receiving-offices/new").status_code == 403
    assert dept_client.post(f"/console/receiving-offices/{platform.id}/delete").status_code == 403
    assert dept_client.get("/console/receiving-offices/import").status_code == 403


def _login_as(client: Any, user: Any) -> None:
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"username": user.username, "password": "secret-pass-1"}
    if token:
        data["csrf_token"] = token.group(1)
    assert client.post("/console/login", data=data).status_code == 302


def test_ar_7_import_page_lists_bad_rows_and_imports_nothing_then_imports(client, org, staff_login) -> None:
    """AR-7: an upload with a bad row shows each row's error and stores nothing; the corrected file is
    imported; the template downloads."""
    staff_login(org.school_user)
    form = _form(client, "/console/receiving-offices/import")
    bad = _xlsx([["北京市西城区人才服务中心", "110102", "西直门内大街2号", "100035", "", ""],
                 ["某中心", "999999", "某路", "", "", ""]])
    res = client.post("/console/receiving-offices/import", data={**form, "file": (io.BytesIO(bad), "a.xlsx")},
                      content_type="multipart/form-data")
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert 'id="import-errors"' in html and "<td>3</td><td>所在地区</td>" in html and "名录没有任何变化" in html
    assert _count() == 0
    good = _xlsx([["北京市西城区人才服务中心", "110102", "西直门内大街2号", "100035", "", ""]])
    res = client.post("/console/receiving-offices/import", data={**form, "file": (io.BytesIO(good), "a.xlsx")},
                      content_type="multipart/form-data")
    assert res.status_code == 302 and _count(ReceivingOffice.school_id == org.school.id) == 1
    assert "新增 1 个" in client.get(res.headers["Location"]).get_data(as_text=True)
    refused = client.post("/console/receiving-offices/import",
                          data={**form, "file": (io.BytesIO(b"a,b"), "a.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 400 and "只支持 .xlsx" in refused.get_data(as_text=True)

    template = client.get("/console/receiving-offices/template.xlsx")
    assert template.status_code == 200 and template.mimetype == directory.XLSX_MIME
    exported = client.get("/console/receiving-offices/export.xlsx")
    assert exported.status_code == 200 and exported.data.startswith(b"PK")


# --- the JSON searches -----------------------------------------------------------------------------


def test_ar_7_api_search_needs_a_token_and_sees_the_graduates_school(app, client, make_graduate,
                                                                     make_school) -> None:
    """AR-7: ``GET /api/v1/receiving-offices`` — a bearer token; the platform's and the graduate's school's
    entries, prefix first; ``region`` limits."""
    from wxbackend.auth import tokens

    graduate = make_graduate()
    _entry(None, "北京市西城区人才服务中心", "110102")
    _entry(graduate.school_id, "本校指定西城接收单位", "110102")
    _entry(make_school().id, "别校西城接收单位", "110102")
    _entry(None, "上海市人才服务中心", "310000")
    token, _ = tokens.issue(graduate)
    db.session.commit()
    assert client.get("/api/v1/receiving-offices?q=西城").status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/receiving-offices?q=西城", headers=auth).get_json()
    assert [i["name"] for i in body["items"]] == ["本校指定西城接收单位", "北京市西城区人才服务中心"]
    first = body["items"][0]
    assert first["scope"] == "school" and first["region_name"] == "北京市西城区" and first["address"] == "某路1号"
    body = client.get("/api/v1/receiving-offices?q=人才&region=上海市", headers=auth).get_json()
    assert [i["name"] for i in body["items"]] == ["上海市人才服务中心"]
    assert client.get("/api/v1/receiving-offices?limit=0", headers=auth).status_code in (400, 422)


def test_ar_7_graduate_web_search_is_json_for_a_signed_in_graduate(app, client, make_graduate,
                                                                   make_local_account) -> None:
    """AR-7: ``/graduate/receiving-offices?q=`` answers the web form's autocomplete; not signed in is a 401."""
    _entry(None, "北京市西城区人才服务中心", "110102")
    res = client.get("/graduate/receiving-offices?q=北京")
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"
    graduate = make_graduate()
    account = make_local_account(id_number=graduate.id_number)
    web = Web(app.test_client())
    assert web.post("/login", {"username": account.username, "password": "chsi-pass-1"}).status_code == 302
    res = web.get("/graduate/receiving-offices?q=北京")
    assert res.status_code == 200 and res.headers["Cache-Control"] == "private, no-store"
    assert [i["name"] for i in res.get_json()["items"]] == ["北京市西城区人才服务中心"]


def test_ar_7_an_oversize_import_is_refused_next_to_the_file_field(app, client, org, staff_login) -> None:
    """AR-7: a file over the upload limit gets the import page with the reason, not a bare error page."""
    app.config["MAX_CONTENT_LENGTH"] = 1024
    staff_login(org.school_user)
    form = _form(client, "/console/receiving-offices/import")
    res = client.post("/console/receiving-offices/import",
                      data={**form, "file": (io.BytesIO(b"PK" + b"0" * 4096), "a.xlsx")},
                      content_type="multipart/form-data")
    assert res.status_code == 413 and "文件过大" in res.get_data(as_text=True) and 'id="file-error"' in res.get_data(
        as_text=True)
