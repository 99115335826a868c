"""上报 (RP-1 … RP-3): report states, dated snapshots, the national-code export, the reporting deadline."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from datetime import date, datetime
from importlib import resources
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.destinations.helpers import LABOUR_FIELDS
from tests.transfers.conftest import ARCHIVE, grad, reg_world, review  # noqa: F401 - the fixtures
from tests.transfers.test_registration_api import Api
from wxbackend.accounts import deadlines
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.destinations import services as destinations
from wxbackend.reporting import services, snapshot
from wxbackend.reporting.models import ReportBatch, ReportSnapshot
from wxbackend.transfers import registration


def _labour(graduate: Any, **fields: Any) -> Any:
    record = destinations.create(graduate, "labour_contract", {**LABOUR_FIELDS, **fields})
    destinations.claim(graduate.id, destinations.KIND, record.id)
    db.session.commit()
    return record


def _states(school_id: int) -> dict[int, str]:
    return {r.graduate_id: r.state for r in services.rows(school_id, 2027)}


def test_rp_1_new_reported_changed_and_a_dated_snapshot_per_report(grad: Callable[..., Any],  # noqa: F811
                                                                   reg_world: dict[str, Any],  # noqa: F811
                                                                   frozen_now: Any) -> None:
    school = reg_world["school"]
    a, b = grad(name="甲"), grad(name="乙")
    grad(name="往届", graduate_ym="202606", enrol_ym="202209")  # another year: not in 2027's report
    _labour(a)
    assert _states(school.id) == {a.id: "new", b.id: "new"}

    frozen_now(datetime(2027, 7, 10, 9, 30, tzinfo=SHANGHAI))
    first = services.report(reg_world["school_user"], school.id, 2027)
    db.session.commit()
    assert (first.new_count, first.changed_count) == (2, 0)
    assert first.reported_at == datetime(2027, 7, 10, 9, 30, tzinfo=SHANGHAI)
    assert _states(school.id) == {a.id: "reported", b.id: "reported"}
    with pytest.raises(Conflict):  # nothing new: no empty batch
        services.report(reg_world["school_user"], school.id, 2027)
    db.session.rollback()

    # b registers archive info through the school's direct entry: 有改动, naming the columns
    registration.enter_directly(reg_world["school_user"], b, "archive", ARCHIVE)
    db.session.commit()
    row = next(r for r in services.rows(school.id, 2027) if r.graduate_id == b.id)
    assert row.state == "changed" and row.state_label == "有改动"
    assert row.changed[:2] == ["档案转递类型代码", "档案转递单位名称"]
    assert _states(school.id)[a.id] == "reported"

    frozen_now(datetime(2027, 8, 1, 10, 0, tzinfo=SHANGHAI))
    second = services.report(reg_world["school_user"], school.id, 2027)
    db.session.commit()
    assert (second.new_count, second.changed_count) == (0, 1)
    snaps = db.session.execute(select(ReportSnapshot.batch_id, ReportSnapshot.graduate_id, ReportSnapshot.state)
                               .order_by(ReportSnapshot.id)).all()
    assert [tuple(s) for s in snaps] == [(first.id, a.id, "new"), (first.id, b.id, "new"),
                                         (second.id, b.id, "changed")]
    # the first report still says what it said then: b without archive info
    old = db.session.scalar(select(ReportSnapshot.data).where(ReportSnapshot.batch_id == first.id,
                                                              ReportSnapshot.graduate_id == b.id))
    assert "archive_unit_name" not in old
    assert [b_.id for b_, _n in services.batches(school.id, 2027)] == [second.id, first.id]


def test_rp_1_the_snapshot_follows_each_kind_of_destination(grad: Callable[..., Any],  # noqa: F811
                                                             reg_world: dict[str, Any]) -> None:  # noqa: F811
    graduate = grad()
    _labour(graduate, unit_nature="31")
    data = snapshot.build(reg_world["school"].id, 2027)[graduate.id]
    assert data["destination_code"] == "11" and data["unit_nature"] == "31"
    assert data["destination_source"] == "other_destination"
    assert data["school_code"] == reg_world["school"].code and data["major_code"] == reg_world["major"].code
    assert snapshot.digest(data) == snapshot.digest(dict(reversed(list(data.items()))))  # order does not matter


def test_rp_3_the_export_uses_the_layout_file_and_national_codes(grad: Callable[..., Any],  # noqa: F811
                                                                 reg_world: dict[str, Any]) -> None:  # noqa: F811
    graduate = grad(name="陈诚")
    _labour(graduate)
    batch = services.report(reg_world["school_user"], reg_world["school"].id, 2027)
    db.session.commit()
    layout = json.loads(resources.files("wxbackend.data").joinpath("report_layout.json").read_text("utf-8"))
    ws = load_workbook(io.BytesIO(services.export(batch))).active
    assert ws.title == layout["sheet"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [c["header"] for c in layout["columns"]] + ["上报状态"]
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["姓名"] == "陈诚" and values["毕业去向代码"] == "11" and values["单位性质代码"] == "39"
    assert values["单位所在地代码"] == "110108" and values["上报状态"] == "新增"


def test_rp_3_a_changed_layout_changes_the_export_without_code(grad: Callable[..., Any],  # noqa: F811
                                                               reg_world: dict[str, Any],  # noqa: F811
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    graduate = grad(name="陈诚")
    batch = services.report(reg_world["school_user"], reg_world["school"].id, 2027)
    db.session.commit()
    monkeypatch.setattr(services, "layout", lambda: ("2027版", (services.Column("XM", "name"),
                                                                 services.Column("SFZH", "id_number"))))
    rows = list(load_workbook(io.BytesIO(services.export(batch))).active.iter_rows(values_only=True))
    assert rows == [("XM", "SFZH", "上报状态"), ("陈诚", graduate.id_number, "新增")]


# --- RP-2: the reporting deadline -------------------------------------------------------------------


def test_rp_2_after_the_deadline_the_graduate_changes_nothing_the_school_still_corrects(
        client: Any, grad: Callable[..., Any], reg_world: dict[str, Any], frozen_now: Any) -> None:  # noqa: F811
    graduate = grad()
    record = destinations.create(graduate, "labour_contract", LABOUR_FIELDS)
    db.session.commit()
    frozen_now(datetime(2027, 8, 31, 23, 59, tzinfo=SHANGHAI))  # the deadline day still counts
    assert deadlines.refusal(graduate) is None
    frozen_now(datetime(2027, 9, 1, 0, 0, tzinfo=SHANGHAI))
    message = deadlines.refusal(graduate)
    assert message is not None and "2027年8月31日" in message and "联系学校" in message
    api = Api(client, graduate)  # signed in now (a token from July would have expired)

    res = api.post("/transfers/archive/registrations", {"purpose": "registration", "fields": ARCHIVE})
    assert res.status_code == 403
    assert res.get_json()["error"]["code"] == "reporting_closed"
    # the module page offers no 登记 and says why, so neither front-end shows a button that would fail
    module = api.get("/transfers/archive").get_json()
    assert module["can_register"] is False and module["register_refusal"] == message
    res = api.put(f"/destination/records/{record.id}", {"subkind": "labour_contract",
                                                          "fields": {**LABOUR_FIELDS, "position": "新岗位"}})
    assert res.status_code == 403 and res.get_json()["error"]["message"] == message
    res = api.post(f"/destination/records/{record.id}/submit")
    assert res.status_code == 403
    db.session.expire_all()
    assert db.session.get(type(record), record.id).fields["position"] == LABOUR_FIELDS["position"]  # nothing lost
    assert api.get("/transfers/archive").status_code == 200  # reading still works

    # the school corrects: its direct entry is not the graduate's own change
    registration.enter_directly(reg_world["school_user"], graduate, "archive", ARCHIVE)
    db.session.commit()

    # a later deadline reopens the graduate's changes
    deadlines.set_deadline(reg_world["school"].id, 2027, date(2027, 9, 30), reg_world["school_user"].id)
    db.session.commit()
    assert deadlines.refusal(graduate) is None
    res = api.post(f"/destination/records/{record.id}/submit")
    assert res.status_code in (200, 400), res.get_json()  # past the lock: now only the proof rule answers
    assert res.get_json().get("error", {}).get("code") != "reporting_closed"


def test_rp_2_each_school_and_year_has_its_own_deadline(grad: Callable[..., Any], reg_world: dict[str, Any],  # noqa: F811
                                                        make_school: Callable[..., Any], frozen_now: Any) -> None:
    ours = grad()
    earlier = grad(graduate_ym="202606", enrol_ym="202209")
    frozen_now(datetime(2027, 6, 1, 12, 0, tzinfo=SHANGHAI))
    assert deadlines.refusal(ours) is None
    assert deadlines.refusal(earlier) is not None  # 2026's deadline (31 August 2026) has passed
    deadlines.set_deadline(reg_world["school"].id, 2027, date(2027, 5, 31), None)
    other = make_school(code="10099", name="另一所大学")
    db.session.commit()
    assert deadlines.deadline_for(other.id, 2027) == date(2027, 8, 31)
    with pytest.raises(ApiError) as refused:
        deadlines.require_open(ours)
    assert refused.value.code == "reporting_closed"


# --- the console -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("csrf_off")
def test_rp_1_the_console_reports_and_exports_only_for_the_school(client: Any, grad: Callable[..., Any],  # noqa: F811
                                                                  reg_world: dict[str, Any],  # noqa: F811
                                                                  staff_login: Any, make_school: Any,
                                                                  make_user: Any) -> None:
    grad(name="陈诚", id_number="110101200203150978")
    staff_login(reg_world["dept_user"])
    assert client.get("/console/reporting").status_code == 403
    staff_login(reg_world["school_user"])
    page = client.get("/console/reporting?year=2027").get_data(as_text=True)
    assert 'data-state="new"' in page and "陈诚" in page and "110101200203150978" not in page
    assert 'name="csrf_token"' in page and "2027年8月31日" in page
    res = client.post("/console/reporting/submit", data={"year": "2027"}, follow_redirects=True)
    text = res.get_data(as_text=True)
    assert "已上报2027届毕业生 1 人" in text and "已上报" in text
    batch_id = db.session.scalar(select(ReportBatch.id))
    res = client.get(f"/console/reporting/batches/{batch_id}.xlsx")
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    # a bad deadline: the message next to the field, the old date kept
    res = client.post("/console/reporting/deadline", data={"year": "2027", "deadline": "2027-13-40"})
    assert res.status_code == 400 and 'id="error-deadline"' in res.get_data(as_text=True)
    assert deadlines.deadline_for(reg_world["school"].id, 2027) == date(2027, 8, 31)
    res = client.post("/console/reporting/deadline", data={"year": "2027", "deadline": "2027-09-15"},
                      follow_redirects=True)
    assert "2027年9月15日" in res.get_data(as_text=True)
    # another school's reviewer cannot read this school's batch
    other = make_school(code="10098", name="别的大学")
    staff_login(make_user(role="school", school_id=other.id, username="other_school"))
    assert client.get(f"/console/reporting/batches/{batch_id}.xlsx").status_code == 404


def test_rp_1_two_reports_at_once_report_each_graduate_once(app: Any, grad: Callable[..., Any],  # noqa: F811
                                                            reg_world: dict[str, Any]) -> None:  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers with row locks need PostgreSQL")
    for n in range(20):
        grad(name=f"并发{n}")
    school_id, user_id = reg_world["school"].id, reg_world["school_user"].id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        with app.app_context():
            from wxbackend.accounts.models import User

            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                services.report(user, school_id, 2027)
                db.session.commit()
                outcomes.append("reported")
            except Conflict:
                db.session.rollback()
                outcomes.append("nothing")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["nothing", "reported"]
    assert db.session.scalar(select(func.count(ReportSnapshot.id))) == 20
