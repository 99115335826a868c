"""AR-9, the school's archive dispatch (档案转递): pre-flight, 转递编号, mailing list, tracking import, the
graduate's view, and the guards under volume and concurrency."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import IS_PG
from tests.transfers.conftest import ARCHIVE
from tests.transfers.test_registration_api import Api
from wxbackend.accounts.models import Graduate
from wxbackend.core import audit, ids, timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.notify.models import NotificationOutbox
from wxbackend.transfers import dispatch, payload, services
from wxbackend.transfers.models import ArchiveDispatch, ArchiveDispatchBatch, TransferInfo

needs_pg = pytest.mark.skipif(not IS_PG, reason="concurrent writers with row locks need PostgreSQL")
NOW = datetime(2027, 7, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture()
def world(reg_world: dict[str, Any], grad: Callable[..., Any], frozen_now: Callable[[Any], None]
          ) -> dict[str, Any]:
    frozen_now(NOW)
    return reg_world


def with_archive(graduate: Any, **changes: Any) -> TransferInfo:
    """Give *graduate* current archive info (the school's direct entry), *changes* over the sample."""
    values = {**ARCHIVE, **changes}
    (info,) = services.sync_from_source(graduate.id, source_kind="school_entry", source_id=0, archive=values,
                                        hukou=None)
    db.session.commit()
    return info


def problems(graduate: Any) -> dict[str, bool]:
    """{problem code: blocking} of *graduate* in the school's candidate list."""
    found = [c for c in dispatch.candidates(graduate.school_id) if c.graduate_id == graduate.id]
    assert len(found) == 1
    return {p.code: p.blocking for p in found[0].problems}


def tracking_file(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header or ["转递编号", "快递公司", "运单号", "寄出日期"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def issue_all(world: dict[str, Any], graduates: list[Any], **kw: Any) -> dispatch.IssueResult:
    result = dispatch.issue(world["school_user"], world["school"].id, [g.id for g in graduates], **kw)
    db.session.commit()
    return result


def numbers_of(batch_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(ArchiveDispatch.graduate_id, ArchiveDispatch.transfer_no)
                                   .where(ArchiveDispatch.batch_id == batch_id)).all())


# --- pre-flight -------------------------------------------------------------------------------------


def test_ar_9_preflight_passes_a_complete_address(world: dict[str, Any], grad: Callable[..., Any]) -> None:
    g = grad()
    with_archive(g)
    assert problems(g) == {}


def test_ar_9_preflight_flags_missing_street_and_number(world: dict[str, Any], grad: Callable[..., Any]) -> None:
    g1, g2, g3 = grad(), grad(), grad()
    with_archive(g1, archive_unit_address="北京市海淀区人才服务中心")
    with_archive(g2, archive_unit_address="中关村大街")  # a street, no number
    with_archive(g3, archive_unit_address="复兴路甲二十三号")  # Chinese numerals count
    assert problems(g1) == {"no_street_number": False}
    assert problems(g2) == {"no_street_number": False}
    assert problems(g3) == {}


def test_ar_9_preflight_flags_the_graduates_own_name_or_phone(world: dict[str, Any], grad: Callable[..., Any]) -> None:
    g = grad(name="陈诚", phone="13800138000")
    with_archive(g, archive_contact="陈 诚", archive_phone="138-0013-8000")
    assert problems(g) == {"contact_is_graduate": False, "phone_is_graduate": False}


def test_ar_9_preflight_flags_a_postcode_outside_the_province(world: dict[str, Any], grad: Callable[..., Any]) -> None:
    beijing, guangdong, shenzhen = grad(), grad(), grad()
    with_archive(beijing, archive_postcode="510000")
    with_archive(guangdong, archive_unit_region="440106", archive_postcode="100080")
    with_archive(shenzhen, archive_unit_region="440304", archive_postcode="518000")  # 广东 51/52: fits
    assert problems(beijing) == {"postcode_region": False}
    found = next(c for c in dispatch.candidates(world["school"].id) if c.graduate_id == guangdong.id)
    assert "广东省的邮编以 51、52 开头" in found.problems[0].message
    assert problems(shenzhen) == {}


def test_ar_9_preflight_blocks_missing_or_malformed_fields(world: dict[str, Any], grad: Callable[..., Any]) -> None:
    g1, g2 = grad(), grad()
    with_archive(g1, archive_postcode="", archive_contact="  ")
    with_archive(g2, archive_postcode="10008")
    assert problems(g1) == {"missing_archive_postcode": True, "missing_archive_contact": True}
    assert problems(g2) == {"bad_postcode": True}
    with pytest.raises(ApiError) as refused:
        dispatch.issue(world["school_user"], world["school"].id, [g1.id, g2.id], confirm_warnings=True)
    assert refused.value.code == "incomplete" and set(refused.value.fields) == {str(g1.id), str(g2.id)}
    assert "缺少邮编" in refused.value.fields[str(g1.id)]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ArchiveDispatch)) == 0


def test_ar_9_info_from_an_agreement_takes_its_region_from_the_address_line(world: dict[str, Any],
                                                                          grad: Callable[..., Any]) -> None:
    """An agreement's archive block (ON-10) has an address line and no region field of its own."""
    g1, g2 = grad(), grad()
    with_archive(g1, archive_unit_region=None, archive_unit_address="广东省广州市天河区体育西路1号",
                 archive_postcode="510620")
    with_archive(g2, archive_unit_region=None, archive_unit_address="体育西路1号")
    assert problems(g1) == {}
    assert problems(g2) == {"missing_archive_unit_region": True}
    result = issue_all(world, [g1])
    row = db.session.scalar(select(ArchiveDispatch).where(ArchiveDispatch.batch_id == result.batch.id))
    assert (row.recipient_region, row.recipient_address) == ("440106", "广东省广州市天河区体育西路1号")
    assert dispatch.full_address(row.recipient_region, row.recipient_address) == "广东省广州市天河区体育西路1号"


def test_ar_9_warnings_need_confirmation_before_numbers_are_issued(world: dict[str, Any],
                                                                    grad: Callable[..., Any]) -> None:
    g = grad()
    with_archive(g, archive_unit_address="人才服务中心")
    with pytest.raises(ApiError) as refused:
        dispatch.issue(world["school_user"], world["school"].id, [g.id])
    assert refused.value.code == "needs_confirmation" and "街道和门牌号" in refused.value.fields[str(g.id)]
    db.session.rollback()
    assert issue_all(world, [g], confirm_warnings=True).issued == 1


def test_ar_9_candidates_are_current_archive_info_without_a_live_dispatch(
        world: dict[str, Any], grad: Callable[..., Any], make_graduate: Callable[..., Any]) -> None:
    numbered, waiting, no_info, deleted = grad(), grad(), grad(), grad(deleted_at=NOW)
    for g in (numbered, waiting, deleted):
        with_archive(g)
    services.sync_from_source(no_info.id, source_kind="school_entry", source_id=0, archive=None,
                              hukou={"hukou_transfer_type": "11"})
    other_school = make_graduate()
    with_archive(other_school)
    issue_all(world, [numbered])
    ids_ = {c.graduate_id for c in dispatch.candidates(world["school"].id)}
    assert ids_ == {waiting.id}
    assert {c.graduate_id for c in dispatch.candidates(world["school"].id,
                                                       department_id=world["major"].department_id)} == {waiting.id}
    assert dispatch.candidates(world["school"].id, department_id=-1) == []


# --- 转递编号 -----------------------------------------------------------------------------------------


def test_ar_9_transfer_numbers_are_random_with_a_check_character(world: dict[str, Any],
                                                                  grad: Callable[..., Any]) -> None:
    graduates = [grad() for _ in range(5)]
    for g in graduates:
        with_archive(g)
    result = issue_all(world, graduates)
    assert (result.issued, result.skipped) == (5, 0)
    numbers = list(numbers_of(result.batch.id).values())
    assert len(set(numbers)) == 5
    for n in numbers:
        assert len(n) == 15 and n.startswith("ZD") and ids.is_valid(n, "ZD", 12)
    # stored canonical, shown grouped; what people type back normalises to it
    assert ids.normalise(ids.display(numbers[0]).lower()) == numbers[0]
    rows = list(db.session.scalars(select(ArchiveDispatch).where(ArchiveDispatch.batch_id == result.batch.id)))
    assert {r.state for r in rows} == {"prepared"}
    assert {(r.recipient_name, r.recipient_region, r.recipient_address, r.recipient_postcode, r.recipient_contact,
             r.recipient_phone) for r in rows} == {("北京某某科技有限公司", "110108", "中关村大街1号", "100080",
                                                    "王老师", "13900139000")}
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("archive_dispatch.%")))
    assert sorted(actions) == ["archive_dispatch.batch"] + ["archive_dispatch.issue"] * 5
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "archive_dispatch.issue").limit(1))
    assert event.role == "school" and event.data["transfer_no"] in numbers and event.school_id == world["school"].id


def test_ar_9_numbering_twice_skips_the_numbered_and_refuses_when_none_is_left(
        world: dict[str, Any], grad: Callable[..., Any]) -> None:
    a, b = grad(), grad()
    with_archive(a)
    with_archive(b)
    issue_all(world, [a])
    again = issue_all(world, [a, b])
    assert (again.issued, again.skipped) == (1, 1)
    with pytest.raises(ApiError) as refused:
        dispatch.issue(world["school_user"], world["school"].id, [a.id, b.id])
    assert refused.value.code == "nothing_to_issue"


def test_ar_9_only_the_graduates_school_issues(world: dict[str, Any], grad: Callable[..., Any],
                                                make_user: Callable[..., Any], make_school: Callable[..., Any]) -> None:
    g = grad()
    with_archive(g)
    with pytest.raises(ApiError):
        dispatch.issue(world["dept_user"], world["school"].id, [g.id])
    outsider = make_user("school", school_id=make_school().id)
    with pytest.raises(ApiError):
        dispatch.issue(outsider, world["school"].id, [g.id])
    # a school account naming its own school id cannot number another school's graduate either
    with pytest.raises(ApiError) as refused:
        dispatch.issue(outsider, outsider.school_id, [g.id])
    assert refused.value.code == "nothing_to_issue"


def test_ar_9_database_allows_one_live_dispatch_per_archive_info(world: dict[str, Any],
                                                                 grad: Callable[..., Any]) -> None:
    g = grad()
    info = with_archive(g)
    result = issue_all(world, [g])
    row = db.session.scalar(select(ArchiveDispatch).where(ArchiveDispatch.batch_id == result.batch.id))
    copy = {c.key: getattr(row, c.key) for c in ArchiveDispatch.__table__.columns if c.key != "id"}
    with pytest.raises(IntegrityError):
        db.session.execute(insert(ArchiveDispatch).values({**copy, "transfer_no": ids.new("ZD", 12)}))
    db.session.rollback()
    with pytest.raises(IntegrityError):  # and a number is never given twice
        db.session.execute(insert(ArchiveDispatch).values({**copy, "state": "cancelled", "cancelled_at": NOW}))
    db.session.rollback()
    db.session.execute(insert(ArchiveDispatch).values({**copy, "state": "cancelled", "cancelled_at": NOW,
                                                       "transfer_no": ids.new("ZD", 12)}))
    db.session.commit()
    assert info.id == row.transfer_info_id


def test_ar_9_changed_archive_info_cancels_the_prepared_dispatch(world: dict[str, Any],
                                                                 grad: Callable[..., Any]) -> None:
    g = grad()
    with_archive(g)
    issue_all(world, [g])
    with_archive(g, archive_unit_address="学院路37号")  # e.g. an approved change request (AR-5)
    row = db.session.scalar(select(ArchiveDispatch).where(ArchiveDispatch.graduate_id == g.id))
    assert row.state == "cancelled" and row.cancel_reason == dispatch.CANCEL_INFO_CHANGED
    assert [c.graduate_id for c in dispatch.candidates(world["school"].id)] == [g.id]
    assert dispatch.graduate_view(g.id) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "archive_dispatch.cancel"))
    assert event.actor_type == "system"


def test_ar_9_school_cancels_a_prepared_dispatch_but_not_a_sent_one(world: dict[str, Any],
                                                                    grad: Callable[..., Any]) -> None:
    a, b = grad(), grad()
    with_archive(a)
    with_archive(b)
    result = issue_all(world, [a, b])
    numbers = numbers_of(result.batch.id)
    dispatch.import_tracking(world["school_user"], world["school"].id, "t.xlsx",
                             tracking_file([[numbers[b.id], "EMS", "1180000000001", "2027-07-01"]]))
    db.session.commit()
    row_a = db.session.scalar(select(ArchiveDispatch).where(ArchiveDispatch.graduate_id == a.id))
    row_b = db.session.scalar(select(ArchiveDispatch).where(ArchiveDispatch.graduate_id == b.id))
    with pytest.raises(ApiError):
        dispatch.cancel(world["school_user"], row_a, " ")
    dispatch.cancel(world["school_user"], row_a, "档案尚未归档")
    db.session.commit()
    assert row_a.state == "cancelled"
    with pytest.raises(ApiError) as refused:
        dispatch.cancel(world["school_user"], row_b, "试图作废")
    assert refused.value.code == "not_prepared"


# --- the mailing list -----------------------------------------------------------------------------


def test_ar_9_mailing_list_export_has_one_row_per_archive_with_masked_id(
        world: dict[str, Any], grad: Callable[..., Any]) -> None:
    a, b, c = grad(name="王堃", student_no="2023001"), grad(name="李玥", student_no="2023002"), grad()
    with_archive(a)
    with_archive(b, archive_unit_address="北京市海淀区学院路37号")
    with_archive(c)
    result = issue_all(world, [a, b, c])
    row_c = db.session.scalar(select(ArchiveDispatch).where(ArchiveDispatch.graduate_id == c.id))
    dispatch.cancel(world["school_user"], row_c, "重复")
    db.session.commit()
    sheet = load_workbook(io.BytesIO(dispatch.export_xlsx(world["school"].id, result.batch.id))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == dispatch.EXPORT_HEADER
    assert len(rows) == 3  # the cancelled one is left out
    numbers = numbers_of(result.batch.id)
    by_name = {r[6]: r for r in rows[1:]}
    first = by_name["王堃"]
    assert first[0] == ids.display(numbers[a.id])
    assert first[1:6] == ("北京某某科技有限公司", "北京市海淀区中关村大街1号", "100080", "王老师", "13900139000")
    assert first[7] == "2023001" and first[8] == a.id_number[:3] + "*" * 11 + a.id_number[-4:]
    assert a.id_number not in str(rows)
    assert by_name["李玥"][2] == "北京市海淀区学院路37号"  # the region is not repeated
    # another school's batch is not found
    with pytest.raises(ApiError):
        dispatch.export_xlsx(world["school"].id + 1000, result.batch.id)


# --- the carrier's tracking file ------------------------------------------------------------------


def test_ar_9_tracking_import_marks_sent_and_tells_each_graduate(world: dict[str, Any],
                                                                  grad: Callable[..., Any]) -> None:
    a, b, later = grad(), grad(), grad()
    for g in (a, b, later):
        with_archive(g)
    result = issue_all(world, [a, b, later])
    numbers = numbers_of(result.batch.id)
    content = tracking_file([
        [ids.display(numbers[a.id]).lower(), "EMS", "1180 0000 0000 1", datetime(2027, 7, 1)],
        [numbers[b.id], "顺丰速运", "SF1234567890", "2027/7/1"],
        [numbers[later.id], None, None, None],  # not mailed yet: left alone
    ])
    out = dispatch.import_tracking(world["school_user"], world["school"].id, "运单.xlsx", content)
    db.session.commit()
    assert out.ok and (out.sent, out.unchanged, out.blank) == (2, 0, 1)
    rows = {r.graduate_id: r for r in db.session.scalars(select(ArchiveDispatch))}
    assert (rows[a.id].state, rows[a.id].carrier, rows[a.id].tracking_no, rows[a.id].sent_on) == (
        "sent", "EMS", "1180000000001", date(2027, 7, 1))
    assert rows[b.id].sent_on == date(2027, 7, 1) and rows[later.id].state == "prepared"
    assert rows[a.id].sent_at == NOW
    messages = {m.graduate_id: m for m in db.session.scalars(select(NotificationOutbox))}
    assert set(messages) == {a.id, b.id}
    message = messages[a.id]
    assert (message.kind, message.title, message.status, message.channel) == (
        "archive_sent", "档案已寄出", "pending", "wechat")
    assert message.body == ("你的档案已于2027-07-01寄往北京某某科技有限公司：EMS 1180000000001"
                            f"（转递编号 {numbers[a.id]}）")
    assert message.data["tracking_no"] == "1180000000001" and message.data["dispatch_id"] == rows[a.id].id
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "archive_dispatch.sent")) == 2
    summary = dispatch.get_batch(world["school"].id, result.batch.id)
    assert summary.counts == {"sent": 2, "prepared": 1} and summary.state_label == "部分寄出"
    # the same file again changes nothing and tells nobody twice
    again = dispatch.import_tracking(world["school_user"], world["school"].id, "运单.xlsx", content)
    db.session.commit()
    assert again.ok and (again.sent, again.unchanged) == (0, 2)
    assert db.session.scalar(select(func.count()).select_from(NotificationOutbox)) == 2


def test_ar_9_tracking_file_with_bad_rows_is_reported_row_by_row_and_changes_nothing(
        world: dict[str, Any], grad: Callable[..., Any], make_graduate: Callable[..., Any],
        make_user: Callable[..., Any]) -> None:
    a, b, c = grad(), grad(), grad()
    for g in (a, b, c):
        with_archive(g)
    result = issue_all(world, [a, b, c])
    numbers = numbers_of(result.batch.id)
    dispatch.import_tracking(world["school_user"], world["school"].id, "first.xlsx",
                             tracking_file([[numbers[c.id], "EMS", "1180000000009", "2027-07-01"]]))
    db.session.commit()
    # another school's number
    stranger = make_graduate()
    with_archive(stranger)
    stranger_user = make_user("school", school_id=stranger.school_id)
    dispatch.issue(stranger_user, stranger.school_id, [stranger.id])
    db.session.commit()
    foreign = db.session.scalar(select(ArchiveDispatch.transfer_no).where(ArchiveDispatch.graduate_id == stranger.id))
    unknown = ids.new("ZD", 12)
    mistyped = numbers[b.id][:-1] + ("0" if numbers[b.id][-1] != "0" else "1")
    content = tracking_file([
        [numbers[a.id], "EMS", "1180000000001", "2027-07-01"],       # row 2: fine on its own
        [unknown, "EMS", "1180000000002", "2027-07-01"],              # row 3: unknown number
        [numbers[a.id], "EMS", "1180000000003", "2027-07-01"],       # row 4: duplicate of row 2
        [mistyped, "EMS", "1180000000004", "2027-07-01"],             # row 5: check character
        [foreign, "EMS", "1180000000005", "2027-07-01"],              # row 6: another school's
        [numbers[c.id], "EMS", "1180000000006", "2027-07-01"],       # row 7: sent with another number
        [numbers[b.id], "EMS", "1180000000007", "2027-13-01"],       # row 8: bad date
        [numbers[b.id].lower(), "", "", "2027-07-02"],                # row 9: duplicate, no carrier/number
        [ids.new("ZD", 12), "EMS", "1180000000008", "2027-07-05"],   # row 10: future date (and unknown)
    ])
    before = db.session.execute(select(ArchiveDispatch.id, ArchiveDispatch.state, ArchiveDispatch.tracking_no)
                                .order_by(ArchiveDispatch.id)).all()
    out = dispatch.import_tracking(world["school_user"], world["school"].id, "bad.xlsx", content)
    assert not out.ok and out.sent == 0
    found = {(e.row, e.field): e.message for e in out.errors}
    assert found[(3, "转递编号")] == "转递编号不存在"
    assert found[(4, "转递编号")] == "与第2行的转递编号重复"
    assert "校验位" in found[(5, "转递编号")]
    assert found[(6, "转递编号")] == "不是本校的转递编号"
    assert "已登记寄出（EMS 1180000000009，2027-07-01）" in found[(7, "运单号")]
    assert "寄出日期无效" in found[(8, "寄出日期")]
    assert found[(9, "转递编号")] == "与第8行的转递编号重复" and (9, "快递公司") in found and (9, "运单号") in found
    assert "晚于今天" in found[(10, "寄出日期")]
    assert 2 not in {e.row for e in out.errors}
    assert [e.row for e in out.errors] == sorted(e.row for e in out.errors)
    db.session.rollback()
    after = db.session.execute(select(ArchiveDispatch.id, ArchiveDispatch.state, ArchiveDispatch.tracking_no)
                               .order_by(ArchiveDispatch.id)).all()
    assert after == before
    assert db.session.scalar(select(func.count()).select_from(NotificationOutbox)) == 1  # c's, from the first file


def test_ar_9_tracking_file_level_problems_are_refused(world: dict[str, Any]) -> None:
    from wxbackend.accounts.imports import ImportRefused

    user, school_id = world["school_user"], world["school"].id
    for filename, content, expected in (
        ("t.xlsx", b"", "文件是空的"),
        ("t.csv", b"a,b", "只支持 .xlsx"),
        ("t.xlsx", b"PK not a zip", "不是有效的 .xlsx"),
        ("t.xlsx", tracking_file([["ZD", "EMS"]], header=["转递编号", "快递公司"]), "表头缺少列：运单号、寄出日期"),
        ("t.xlsx", tracking_file([], header=["转递编号", "快递公司", "运单号", "寄出日期"]), "没有数据行"),
    ):
        with pytest.raises(ImportRefused) as refused:
            dispatch.import_tracking(user, school_id, filename, content)
        assert expected in refused.value.message


def test_ar_9_exported_mailing_list_filled_in_comes_back_as_tracking_file(world: dict[str, Any],
                                                                          grad: Callable[..., Any]) -> None:
    graduates = [grad() for _ in range(3)]
    for g in graduates:
        with_archive(g)
    result = issue_all(world, graduates)
    wb = load_workbook(io.BytesIO(dispatch.export_xlsx(world["school"].id, result.batch.id)))
    ws = wb.active
    for i, row in enumerate(ws.iter_rows(min_row=2), start=1):
        row[11].value, row[12].value, row[13].value = "EMS", f"11800000000{i:02d}", "2027-07-01"
    out = io.BytesIO()
    wb.save(out)
    imported = dispatch.import_tracking(world["school_user"], world["school"].id, "回填.xlsx", out.getvalue())
    assert imported.ok and imported.sent == 3


# --- the graduate's view ----------------------------------------------------------------------------


def test_ar_9_graduate_payload_shows_sent_with_date_carrier_and_number(
        world: dict[str, Any], grad: Callable[..., Any], client: Any) -> None:
    g = grad()
    with_archive(g)
    assert payload.module_payload(g, "archive", str)["dispatch"] is None
    result = issue_all(world, [g])
    number = numbers_of(result.batch.id)[g.id]
    prepared = payload.module_payload(g, "archive", str)["dispatch"]
    assert prepared == {"transfer_no": ids.display(number), "state": "prepared", "state_label": "待寄出",
                        "sent_on": None, "carrier": None, "tracking_no": None}
    dispatch.import_tracking(world["school_user"], world["school"].id, "t.xlsx",
                             tracking_file([[number, "EMS", "1180000000001", "2027-07-01"]]))
    db.session.commit()
    api = Api(client, g)
    body = api.get("/transfers/archive").get_json()
    assert body["dispatch"] == {"transfer_no": ids.display(number), "state": "sent", "state_label": "已寄出",
                                "sent_on": "2027-07-01", "carrier": "EMS", "tracking_no": "1180000000001"}
    assert api.get("/transfers/hukou").get_json()["dispatch"] is None
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert set(schema["TransferDispatchSchema"]["properties"]) == {"transfer_no", "state", "state_label", "sent_on",
                                                             "carrier", "tracking_no"}


# --- volume and concurrency -------------------------------------------------------------------------


def bulk_graduates(world: dict[str, Any], n: int) -> list[int]:
    """*n* graduates of the world's school with current archive info, in two INSERTs."""
    major = world["major"]
    school_id = world["school"].id
    now = timeutil.now()
    db.session.execute(insert(Graduate), [{
        "school_id": school_id, "department_id": major.department_id, "major_id": major.id, "name": f"学生{i}",
        "id_number": f"11010119990101{i:04d}", "gender": "1", "education": "31", "ethnicity": "01",
        "political_status": "03", "training_mode": "1", "origin_region": "110101", "enrol_ym": "202309",
        "graduate_ym": "202706", "schooling_years": 4, "archive_at_school": True, "hukou_at_school": True,
        "phone": "13800138000", "student_no": f"S{i:05d}", "confirmed_at": now, "created_at": now,
        "updated_at": now} for i in range(n)])
    graduate_ids = list(db.session.scalars(select(Graduate.id).where(Graduate.school_id == school_id,
                                                                     Graduate.student_no.like("S%"))
                                           .order_by(Graduate.id)))
    db.session.execute(insert(TransferInfo), [{
        "graduate_id": gid, "module": "archive", "source_kind": "school_entry", "source_id": 0,
        "data": {**ARCHIVE, "archive_contact": f"王老师{gid}"}, "status": "current", "synced_at": now}
        for gid in graduate_ids])
    db.session.commit()
    return graduate_ids


def test_ar_9_a_thousand_archives_through_preflight_numbering_export_and_tracking(
        world: dict[str, Any], count_queries: Callable[[], Any]) -> None:
    n = 1000
    graduate_ids = bulk_graduates(world, n)
    user, school_id = world["school_user"], world["school"].id
    started = time.perf_counter()
    with count_queries() as preflight_q:
        found = dispatch.candidates(school_id)
    assert len(found) == n and not any(c.problems for c in found)
    with count_queries() as issue_q:
        result = dispatch.issue(user, school_id, graduate_ids)
        db.session.commit()
    assert result.issued == n
    with count_queries() as export_q:
        sheet = dispatch.export_xlsx(school_id, result.batch.id)
    rows = list(load_workbook(io.BytesIO(sheet), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == n + 1
    content = tracking_file([[r[0], "EMS", f"1180{i:09d}", "2027-07-01"] for i, r in enumerate(rows[1:])])
    with count_queries() as import_q:
        out = dispatch.import_tracking(user, school_id, "t.xlsx", content)
        db.session.commit()
    elapsed = time.perf_counter() - started
    assert out.ok and out.sent == n
    assert db.session.scalar(select(func.count()).where(ArchiveDispatch.state == "sent")) == n
    assert db.session.scalar(select(func.count()).select_from(NotificationOutbox)) == n
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "archive_dispatch.sent")) == n
    # statements do not grow with the count
    assert preflight_q.count <= 2, preflight_q.statements
    assert issue_q.count <= 12, issue_q.statements
    assert export_q.count <= 4, export_q.statements
    assert import_q.count <= 10, import_q.statements
    assert elapsed < 30


def test_ar_9_statements_do_not_grow_with_the_count(world: dict[str, Any], count_queries: Callable[[], Any],
                                                    grad: Callable[..., Any]) -> None:
    """Ten archives cost as many statements as a thousand (the test above)."""
    graduates = [grad() for _ in range(10)]
    for g in graduates:
        with_archive(g)
    user, school_id, few = world["school_user"], world["school"].id, [g.id for g in graduates]
    with count_queries() as small:
        result = dispatch.issue(user, school_id, few)
        db.session.commit()
    many = bulk_graduates(world, 200)
    user, school_id = world["school_user"], world["school"].id
    with count_queries() as large:
        dispatch.issue(user, school_id, many)
        db.session.commit()
    assert small.count == large.count, (small.statements, large.statements)
    assert result.issued == 10


@needs_pg
def test_ar_9_two_simultaneous_batch_issues_never_number_an_archive_twice(app: Any, world: dict[str, Any]) -> None:
    graduate_ids = bulk_graduates(world, 300)
    user_id, school_id = world["school_user"].id, world["school"].id
    barrier = threading.Barrier(2)
    results: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        from wxbackend.accounts.models import User

        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                barrier.wait(timeout=30)
                issued = dispatch.issue(user, school_id, graduate_ids)
                db.session.commit()
                outcome = f"ok:{issued.issued}"
            except ApiError as err:
                db.session.rollback()
                outcome = err.code
            except Exception as exc:  # noqa: BLE001 - anything else is the bug the test reports
                db.session.rollback()
                outcome = f"{type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == ["nothing_to_issue", "ok:300"], results
    db.session.expire_all()
    per_info = db.session.execute(select(ArchiveDispatch.transfer_info_id, func.count())
                                  .group_by(ArchiveDispatch.transfer_info_id)).all()
    assert len(per_info) == 300 and {n for _, n in per_info} == {1}
    assert db.session.scalar(select(func.count()).select_from(ArchiveDispatchBatch)) == 1


def test_ar_9_number_collision_is_retried_with_fresh_numbers(world: dict[str, Any], grad: Callable[..., Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = grad(), grad()
    with_archive(first)
    with_archive(second)
    taken = numbers_of(issue_all(world, [first]).batch.id)[first.id]
    fresh = iter([taken, ids.new("ZD", 12)])
    real_new = ids.new
    monkeypatch.setattr(ids, "new", lambda prefix, length=12, **kw: next(fresh, None) or real_new(prefix, length))
    result = issue_all(world, [second])
    assert result.issued == 1
    assert numbers_of(result.batch.id)[second.id] != taken


def test_ar_9_dates_are_read_the_ways_people_write_them() -> None:
    expected = date(2027, 7, 1)
    for value in ("2027-07-01", "2027/7/1", "2027.7.1", "2027年7月1日", "20270701", 20270701,
                  datetime(2027, 7, 1, 9, 30), expected, "2027-07-01 09:30:00"):
        assert dispatch.parse_date(value) == expected, value
    for value in ("2027-02-30", "七月一日", "", None, "2027-7"):
        assert dispatch.parse_date(value) is None, value
    assert timedelta(0) == dispatch.parse_date("2027-07-01") - expected
    assert audit.action_label("archive_dispatch.sent") == "登记档案已寄出"
