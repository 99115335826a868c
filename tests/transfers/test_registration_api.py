"""Archive and hukou registration through the API, the review console, and under concurrent submissions."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.destinations.helpers import jpeg_bytes
from tests.transfers.conftest import ARCHIVE, HUKOU
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate
from wxbackend.auth import tokens
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.review import engine
from wxbackend.review.models import ReviewEvent
from wxbackend.transfers import directory, registration, services
from wxbackend.transfers.models import TransferRegistration


class Api:
    def __init__(self, client: Any, graduate: Any) -> None:
        token, _ = tokens.issue(graduate)
        db.session.commit()
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        return self.client.get("/api/v1" + path, headers=self.headers)

    def post(self, path: str, json: Any = None) -> Any:
        return self.client.post("/api/v1" + path, json=json if json is not None else {}, headers=self.headers)

    def put(self, path: str, json: Any) -> Any:
        return self.client.put("/api/v1" + path, json=json, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete("/api/v1" + path, headers=self.headers)

    def upload(self, path: str, data: bytes) -> Any:
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "a.jpg")})
        return self.client.post("/api/v1" + path, headers=self.headers, data=body,
                                content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture()
def api(client: Any, grad: Callable[..., Any]) -> Callable[..., tuple[Any, Api]]:
    def make(**kw: Any) -> tuple[Any, Api]:
        graduate = grad(**kw)
        return graduate, Api(client, graduate)

    return make


def _pass_all(reg_world: dict[str, Any], kind: str, record_id: int) -> None:
    for user in ("dept_user", "school_user"):
        item = engine.open_item(kind, record_id)
        assert item is not None
        engine.decide(reg_world[user], item.id, "pass")
        db.session.commit()


def test_ar_1_register_through_the_api(api: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-1: the graduate saves, uploads an image, submits; the module's record list shows 待院系审核."""
    graduate, a = api()
    state = a.get("/transfers/archive").get_json()
    assert state["available"] and state["can_register"] and not state["can_change"] and state["current"] is None
    assert [f["key"] for f in state["fields"]][:3] == ["archive_transfer_type", "archive_unit_name",
                                                        "archive_unit_region"]
    assert state["fields"][0]["required"] is True and state["fields"][-1]["required"] is False
    res = a.post("/transfers/archive/registrations", {"purpose": "registration", "fields": {"archive_postcode": "1"}})
    assert res.status_code == 400 and "fields.archive_postcode" in res.get_json()["error"]["fields"]
    res = a.post("/transfers/archive/registrations", {"fields": ARCHIVE})
    assert res.status_code == 201, res.get_json()
    rid = res.get_json()["id"]
    assert res.get_json()["status"] == "draft" and res.get_json()["title"] == "档案信息登记"
    up = a.upload(f"/transfers/archive/registrations/{rid}/images", jpeg_bytes())
    assert up.status_code == 201, up.get_json()
    res = a.post(f"/transfers/archive/registrations/{rid}/submit")
    assert res.status_code == 200 and res.get_json()["status_label"] == "待院系审核"
    assert len(res.get_json()["images"]) == 1
    state = a.get("/transfers/archive").get_json()
    assert state["open"]["id"] == rid and [r["status_label"] for r in state["records"]] == ["待院系审核"]
    assert not state["can_register"] and "未完成" in state["register_refusal"]
    # more than 3 images are refused (after a withdrawal the images may change)
    a.post(f"/transfers/archive/registrations/{rid}/withdraw")
    for _ in range(2):
        assert a.upload(f"/transfers/archive/registrations/{rid}/images", jpeg_bytes()).status_code == 201
    assert a.upload(f"/transfers/archive/registrations/{rid}/images", jpeg_bytes()).status_code == 400
    file_id = a.get(f"/transfers/archive/registrations/{rid}").get_json()["images"][0]["id"]
    assert a.delete(f"/transfers/archive/registrations/{rid}/images/{file_id}").status_code == 204
    assert a.get("/transfers/passport").status_code == 404


def test_ar_2_prefill_and_province_lock_through_the_api(api: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-2: the form offers the 转回生源地 prefill from the directory; another province is a field error."""
    directory.create(actor_for(reg_world["school_user"]), reg_world["school"].id,
                     {"name": "东城区人才服务中心", "region": "110101", "address": "东城路2号", "postcode": "100010"})
    db.session.commit()
    _graduate, a = api(origin_region="110101")
    prefill = a.get("/transfers/archive").get_json()["prefill"]["20"]
    assert prefill["archive_unit_name"] == "东城区人才服务中心" and prefill["archive_unit_region"] == "110101"
    res = a.post("/transfers/archive/registrations", {"fields": {**prefill, "archive_unit_region": "310101"}})
    assert res.status_code == 400
    assert res.get_json()["error"]["fields"] == {
        "fields.archive_unit_region": "转回生源地时地址须在生源所在地省份内，跨省转递请选择其他类型"}


def test_ar_3_withdraw_pass_and_history(api: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-3: withdraw before review; pass → the current info, shown with its source; the history has every step."""
    _graduate, a = api()
    rid = a.post("/transfers/archive/registrations", {"fields": ARCHIVE, "submit": True}).get_json()["id"]
    assert a.post(f"/transfers/archive/registrations/{rid}/withdraw").get_json()["status"] == "draft"
    assert a.post(f"/transfers/archive/registrations/{rid}/submit").get_json()["status"] == "pending"
    _pass_all(reg_world, "archive_registration", rid)
    detail = a.get(f"/transfers/archive/registrations/{rid}").get_json()
    assert detail["status"] == "approved"
    assert [h["action"] for h in detail["history"]] == ["submit", "withdraw", "submit", "pass", "pass"]
    state = a.get("/transfers/archive").get_json()
    assert state["current"]["source_label"] == "档案信息登记" and state["current"]["fields"] == ARCHIVE
    assert not state["can_register"] and state["can_change"]
    assert a.post(f"/transfers/archive/registrations/{rid}/withdraw").status_code == 409


def test_ar_3_reject_then_register_again(api: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-3: rejected → 审核不通过 with the reason; the graduate may register again."""
    _graduate, a = api()
    rid = a.post("/transfers/archive/registrations", {"fields": ARCHIVE, "submit": True}).get_json()["id"]
    item = engine.open_item("archive_registration", rid)
    assert item is not None
    engine.decide(reg_world["dept_user"], item.id, "reject", reason="信息不实")
    db.session.commit()
    state = a.get("/transfers/archive").get_json()
    assert state["records"][0]["status_label"] == "审核不通过" and state["records"][0]["reason"] == "信息不实"
    assert state["can_register"] and state["current"] is None
    assert a.post("/transfers/archive/registrations", {"fields": ARCHIVE, "submit": True}).status_code == 201


def test_ar_4_agreement_info_shows_its_source_and_blocks_registration(api: Callable[..., Any]) -> None:
    """AR-4: info from a signed agreement is the current info with its source; registration refused, change allowed."""
    graduate, a = api()
    services.sync_from_source(graduate.id, source_kind="online_agreement", source_id=1, archive=ARCHIVE, hukou=None)
    db.session.commit()
    state = a.get("/transfers/archive").get_json()
    assert state["current"]["source_label"] == "网上签约" and not state["can_register"] and state["can_change"]
    res = a.post("/transfers/archive/registrations", {"fields": ARCHIVE})
    assert res.status_code == 409 and "网上签约" in res.get_json()["error"]["message"]


def test_ar_5_change_request_through_the_api(api: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-5: a change (档案信息修改) edited while pending (resubmitted), passed → replaces the old info."""
    graduate, a = api()
    registration.enter_directly(reg_world["school_user"], graduate, "archive", ARCHIVE)
    db.session.commit()
    res = a.post("/transfers/archive/registrations", {"purpose": "change", "fields": {**ARCHIVE,
                                                                                       "archive_contact": "赵"},
                                                       "submit": True})
    assert res.status_code == 201 and res.get_json()["title"] == "档案信息修改"
    rid = res.get_json()["id"]
    res = a.put(f"/transfers/archive/registrations/{rid}", {"fields": {**ARCHIVE, "archive_contact": "钱"},
                                                            "submit": True})
    assert res.status_code == 200 and res.get_json()["status"] == "pending"
    _pass_all(reg_world, "archive_change", rid)
    state = a.get("/transfers/archive").get_json()
    assert state["current"]["fields"]["archive_contact"] == "钱"
    assert state["current"]["source_label"] == "档案信息修改"


def test_hk_1_hk_2_hukou_through_the_api(api: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """HK-1: unavailable when 户口是否转入学校 is not 是; HK-2: otherwise as archive."""
    _graduate, a = api(hukou_at_school=None)
    state = a.get("/transfers/hukou").get_json()
    assert not state["available"] and state["reason"] == "户口未转入学校，不可使用户口信息登记"
    assert not state["can_register"]
    res = a.post("/transfers/hukou/registrations", {"fields": HUKOU})
    assert res.status_code == 403 and res.get_json()["error"]["message"] == "户口未转入学校，不可使用户口信息登记"
    _graduate, b = api()
    rid = b.post("/transfers/hukou/registrations", {"fields": HUKOU, "submit": True}).get_json()["id"]
    _pass_all(reg_world, "hukou_registration", rid)
    state = b.get("/transfers/hukou").get_json()
    assert state["current"]["source_label"] == "户口信息登记" and state["can_change"]


def test_console_shows_both_kinds_and_the_reviewer_edit(client: Any, grad: Callable[..., Any],
                                                         reg_world: dict[str, Any], staff_login: Any,
                                                         csrf_off: Any) -> None:
    """AR-3 (RV-5): the queue and item page label 档案信息登记 / 户口信息修改; the generic edit page edits the 邮编."""
    graduate = grad()
    record = registration.create(graduate, "archive", "registration", ARCHIVE)
    registration.submit(graduate, record)
    other = grad()
    services.sync_from_source(other.id, source_kind="online_agreement", source_id=1, archive=None, hukou=HUKOU)
    change = registration.create(other, "hukou", "change", {**HUKOU, "hukou_address": "新地址"})
    registration.submit(other, change)
    db.session.commit()
    staff_login(reg_world["dept_user"])
    queue = client.get("/console/review").get_data(as_text=True)
    assert "档案信息登记 · 签约单位接收" in queue and "户口信息修改 · 签约单位接收" in queue
    item = engine.open_item("hukou_change", change.id)
    assert item is not None
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "新地址" in page and "修改前的户口信息（来自网上签约）" in page
    item = engine.open_item("archive_registration", record.id)
    assert item is not None
    html = client.get(f"/console/review/items/{item.id}/edit").get_data(as_text=True)
    assert 'value="100080"' in html
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version is not None
    form = {**ARCHIVE, "archive_postcode": "100081", "version": version.group(1)}
    res = client.post(f"/console/review/items/{item.id}/edit", data=form)
    assert res.status_code == 302, res.get_data(as_text=True)
    edit = db.session.scalar(select(ReviewEvent).where(ReviewEvent.item_id == item.id, ReviewEvent.action == "edit"))
    assert edit is not None and edit.changes == {"档案转递单位邮编": ["100080", "100081"]}


def test_ar_1_concurrent_submissions_leave_one_open_registration(app: Any, grad: Callable[..., Any]) -> None:
    """AR-1: two devices creating and submitting at once → one open registration, one clean refusal
    (uq_transfer_registration_open; on SQLite the writers queue on the database lock)."""
    graduate = grad()
    gid = graduate.id
    barrier = threading.Barrier(2)
    results: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                g = db.session.get(Graduate, gid)
                assert g is not None
                record = registration.create(g, "archive", "registration", ARCHIVE)
                registration.submit(g, record)
                db.session.commit()
                outcome = "ok"
            except ApiError as err:
                db.session.rollback()
                outcome = err.code
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                outcome = repr(exc)
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["ok", "registration_refused"], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TransferRegistration)
                             .where(TransferRegistration.graduate_id == gid)) == 1


def test_ar_4_school_enters_directly_in_the_console(client: Any, grad: Callable[..., Any], reg_world: dict[str, Any],
                                                    staff_login: Any, csrf_off: Any) -> None:
    """AR-4: the graduate page shows the current info with its source; a school account enters it directly
    (field errors next to the fields), a department reviewer may not."""
    graduate = grad()
    staff_login(reg_world["dept_user"])
    page = client.get(f"/console/graduates/{graduate.id}").get_data(as_text=True)
    assert 'id="no-transfer-archive"' in page and 'id="enter-archive"' not in page
    assert client.get(f"/console/graduates/{graduate.id}/transfers/archive").status_code == 403
    staff_login(reg_world["school_user"])
    assert 'id="enter-archive"' in client.get(f"/console/graduates/{graduate.id}").get_data(as_text=True)
    res = client.post(f"/console/graduates/{graduate.id}/transfers/archive",
                      data={**ARCHIVE, "archive_postcode": "12"})
    assert res.status_code == 400 and "邮编应为6位数字" in res.get_data(as_text=True)
    res = client.post(f"/console/graduates/{graduate.id}/transfers/archive", data=ARCHIVE)
    assert res.status_code == 302
    page = client.get(f"/console/graduates/{graduate.id}").get_data(as_text=True)
    assert "当前信息来自“学校直接录入”" in page and "北京某某科技有限公司" in page
    current = services.current(graduate.id, "archive")
    assert current is not None and current.source_kind == "school_entry"
    assert client.get(f"/console/graduates/{graduate.id}/transfers/passport").status_code == 404


def test_ar_4_cancel_a_draft_through_the_api(api: Callable[..., Any]) -> None:
    """AR-4: DELETE cancels a draft (已撤销, kept in the list with its history); a submitted one is refused."""
    _graduate, a = api()
    rid = a.post("/transfers/archive/registrations", {"fields": ARCHIVE}).get_json()["id"]
    res = a.delete(f"/transfers/archive/registrations/{rid}")
    assert res.status_code == 200 and res.get_json()["status_label"] == "已撤销"
    assert [h["action"] for h in res.get_json()["history"]] == ["cancel"]
    state = a.get("/transfers/archive").get_json()
    assert state["open"] is None and state["can_register"] and state["records"][0]["status"] == "cancelled"
    rid = a.post("/transfers/archive/registrations", {"fields": ARCHIVE, "submit": True}).get_json()["id"]
    assert a.delete(f"/transfers/archive/registrations/{rid}").status_code == 409
