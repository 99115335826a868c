"""AR-9: the console's 档案转递 pages — candidates with their pre-flight, 生成转递编号, batches, the mailing
list, the tracking upload with row errors — for the school; department reviewers are refused.

Forms carry real CSRF tokens (and the issue form a one-time key); ID numbers are masked in lists.
"""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.console.test_school_admin import _form
from tests.transfers.conftest import ARCHIVE
from tests.transfers.test_dispatch import tracking_file
from wxbackend.core import ids, timeutil
from wxbackend.core.db import db
from wxbackend.notify.models import NotificationOutbox
from wxbackend.transfers import services
from wxbackend.transfers.models import ArchiveDispatch


def _graduate(make_graduate: Any, major: Any, **archive: Any) -> Any:
    g = make_graduate(major)
    services.sync_from_source(g.id, source_kind="school_entry", source_id=0, archive={**ARCHIVE, **archive},
                              hukou=None)
    db.session.commit()
    return g


def _count(*where: Any) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count(ArchiveDispatch.id)).where(*where)) or 0)


def test_ar_9_school_walks_candidates_issue_export_and_tracking(client, org, make_graduate, staff_login) -> None:
    ok = _graduate(make_graduate, org.major_a)
    warned = _graduate(make_graduate, org.major_a, archive_unit_address="海淀区人才服务中心")
    blocked = _graduate(make_graduate, org.major_b, archive_postcode="")
    ok_id, warned_id, blocked_id, ok_number = ok.id, warned.id, blocked.id, ok.id_number
    staff_login(org.school_user)

    home = client.get("/console/").get_data(as_text=True)
    assert 'id="nav-dispatch"' in home and "档案转递" in home
    page = client.get("/console/dispatch")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ok_number not in html and ok_number[-4:] in html  # masked
    assert "详细地址中没有街道和门牌号" in html and "缺少邮编" in html
    assert re.search(rf'value="{blocked_id}"[^>]*disabled', html)  # an incomplete one cannot be chosen
    only_b = client.get(f"/console/dispatch?department={org.dept_b.id}").get_data(as_text=True)
    assert f'data-id="{blocked_id}"' in only_b and f'data-id="{ok_id}"' not in only_b
    ready = client.get("/console/dispatch?show=ready").get_data(as_text=True)
    assert f'data-id="{ok_id}"' in ready and f'data-id="{warned_id}"' not in ready

    # choosing a suspicious address without 已核实 is refused, the reason next to it, nothing issued
    form = _form(client, "/console/dispatch")
    assert "csrf_token" in form and "form_key" in form
    res = client.post("/console/dispatch/issue", data={**form, "mode": "selected", "graduate": [ok_id, warned_id]})
    assert res.status_code == 409
    body = res.get_data(as_text=True)
    assert "请核实后勾选" in body and "详细地址中没有街道和门牌号" in body
    assert re.search(rf'value="{warned_id}"[^>]*checked', body)  # the choice is kept
    assert _count() == 0
    form = _form(client, "/console/dispatch")
    res = client.post("/console/dispatch/issue", data={**form, "mode": "selected", "graduate": [ok_id, warned_id],
                                                       "confirm": "1"})
    assert res.status_code == 302 and "/console/dispatch/batches/" in res.headers["Location"]
    again = client.post("/console/dispatch/issue", data={**form, "mode": "selected", "graduate": [ok_id, warned_id],
                                                         "confirm": "1"})  # a double click
    assert again.status_code == 302 and again.headers["Location"] == res.headers["Location"]
    assert _count() == 2

    batch_page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "已为 2 名毕业生生成转递编号" in batch_page and ok_number not in batch_page
    numbers = dict(db.session.execute(select(ArchiveDispatch.graduate_id, ArchiveDispatch.transfer_no)).all())
    assert ids.display(numbers[ok_id]) in batch_page
    batch_id = int(res.headers["Location"].rsplit("/", 1)[1])
    listing = client.get("/console/dispatch/batches").get_data(as_text=True)
    assert f'data-id="{batch_id}"' in listing and "待寄出" in listing

    export = client.get(f"/console/dispatch/batches/{batch_id}.xlsx")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and ok_number not in str(rows)

    # a tracking file with an unknown number: row errors in Chinese, nothing changed
    tracking = client.get("/console/dispatch/tracking")
    today = timeutil.today().isoformat()
    token = _form(client, "/console/dispatch/tracking")
    bad = tracking_file([[numbers[ok_id], "EMS", "1180000000001", today],
                         [ids.new("ZD", 12), "EMS", "1180000000002", today]])
    res = client.post("/console/dispatch/tracking", data={**token, "file": (io.BytesIO(bad), "运单.xlsx")},
                      content_type="multipart/form-data")
    body = res.get_data(as_text=True)
    assert tracking.status_code == 200 and res.status_code == 400
    assert "转递编号不存在" in body and "<td>3</td>" in body and "没有任何变化" in body
    assert _count(ArchiveDispatch.state == "sent") == 0
    good = tracking_file([[numbers[ok_id], "EMS", "1180000000001", today],
                          [numbers[warned_id], "EMS", "1180000000002", today]])
    res = client.post("/console/dispatch/tracking", data={**token, "file": (io.BytesIO(good), "运单.xlsx")},
                      content_type="multipart/form-data")
    assert res.status_code == 302
    assert "登记寄出 2 份档案" in client.get(res.headers["Location"]).get_data(as_text=True)
    assert _count(ArchiveDispatch.state == "sent") == 2
    assert db.session.scalar(select(func.count()).select_from(NotificationOutbox)) == 2


def test_ar_9_generate_for_all_ready_and_cancel(client, org, make_graduate, staff_login) -> None:
    a = _graduate(make_graduate, org.major_a)
    _graduate(make_graduate, org.major_a, archive_contact="陈诚")  # the graduate's own name: not "ready"
    b = _graduate(make_graduate, org.major_b)
    a_id, b_id = a.id, b.id
    staff_login(org.school_user)
    form = _form(client, "/console/dispatch")
    res = client.post("/console/dispatch/issue", data={**form, "mode": "all_ready", "department": org.dept_a.id})
    assert res.status_code == 302
    assert {r for (r,) in db.session.execute(select(ArchiveDispatch.graduate_id))} == {a_id}
    assert b_id  # dept B's graduate waits for its own turn
    row = db.session.scalar(select(ArchiveDispatch))
    batch_page = client.get(res.headers["Location"]).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', batch_page).group(1)
    res = client.post(f"/console/dispatch/{row.id}/cancel", data={"csrf_token": token, "reason": ""})
    assert "请填写作废原因" in client.get(res.headers["Location"]).get_data(as_text=True)
    res = client.post(f"/console/dispatch/{row.id}/cancel", data={"csrf_token": token, "reason": "地址需更正"})
    assert res.status_code == 302
    assert "已作废转递编号" in client.get(res.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert row.state == "cancelled" and row.cancel_reason == "地址需更正"
    assert f'data-id="{a_id}"' in client.get("/console/dispatch").get_data(as_text=True)  # a candidate again


def test_ar_9_forms_need_csrf_tokens(client, org, make_graduate, staff_login) -> None:
    g = _graduate(make_graduate, org.major_a)
    staff_login(org.school_user)
    res = client.post("/console/dispatch/issue", data={"mode": "selected", "graduate": [g.id]})
    assert res.status_code == 400
    assert _count() == 0


def test_ar_9_department_reviewers_and_other_schools_are_refused(client, org, make_graduate, make_user,
                                                                make_major, staff_login) -> None:
    g = _graduate(make_graduate, org.major_a)
    from wxbackend.transfers import dispatch

    result = dispatch.issue(org.school_user, org.school.id, [g.id])
    db.session.commit()
    batch_id = result.batch.id
    staff_login(org.dept_a_user)
    home = client.get("/console/").get_data(as_text=True)
    assert 'id="nav-dispatch"' not in home
    for url in ("/console/dispatch", "/console/dispatch/batches", f"/console/dispatch/batches/{batch_id}",
                f"/console/dispatch/batches/{batch_id}.xlsx", "/console/dispatch/tracking"):
        res = client.get(url)
        assert res.status_code == 403, url
        assert "无权" in res.get_data(as_text=True)
    client.post("/console/logout")
    outsider = make_user("school", school_id=make_major().school_id)
    staff_login(outsider)
    assert client.get(f"/console/dispatch/batches/{batch_id}").status_code == 404
    assert client.get(f"/console/dispatch/batches/{batch_id}.xlsx").status_code == 404
    assert g.name not in client.get("/console/dispatch").get_data(as_text=True)
