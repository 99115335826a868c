"""Archive and hukou registration and change requests, driven through ``transfers.registration``.

The API, the console pages and the PostgreSQL race are in test_registration_api.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.transfers.conftest import ARCHIVE, HUKOU, VALUES
from wxbackend.core import audit
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine, lifecycle
from wxbackend.transfers import directory, forms, registration, services
from wxbackend.transfers.models import TransferRegistration

BACK = {"archive_transfer_type": "20"}


def _submitted(graduate: Any, module: str = "archive", purpose: str = "registration",
               values: dict[str, Any] | None = None) -> TransferRegistration:
    record = registration.create(graduate, module, purpose, values or VALUES[module])
    registration.submit(graduate, record)
    db.session.commit()
    return record


def test_ar_1_register_and_submit_archive_info(grad: Callable[..., Any]) -> None:
    """AR-1: the graduate registers archive info and submits it for review; the record list shows its status."""
    graduate = grad()
    record = registration.create(graduate, "archive", "registration", {"archive_transfer_type": "11"})
    db.session.commit()
    assert record.status == "draft" and record.kind == "archive_registration"
    with pytest.raises(ApiError) as exc:  # a draft may be partial; submitting needs every required field
        registration.submit(graduate, record)
    assert "fields.archive_postcode" in exc.value.fields
    db.session.rollback()
    registration.update(graduate, record, {**ARCHIVE, "archive_remark": "说明"})
    registration.submit(graduate, record)
    db.session.commit()
    assert record.status == "pending" and record.submitted_at is not None
    item = engine.open_item("archive_registration", record.id)
    assert item is not None and engine.kind_label(item.kind) == "档案信息登记"
    assert [(r.id, r.status_label) for r in registration.registrations(graduate.id, "archive")] == [
        (record.id, "审核中")]


def test_ar_1_fields_are_checked(grad: Callable[..., Any]) -> None:
    """AR-1: 邮编 six digits, a phone, a known region, 情况说明 at most 200 characters."""
    graduate = grad()
    with pytest.raises(ApiError) as exc:
        registration.create(graduate, "archive", "registration", {
            **ARCHIVE, "archive_postcode": "1000", "archive_phone": "12", "archive_unit_region": "999999",
            "archive_remark": "字" * 201})
    assert set(exc.value.fields) == {"fields.archive_postcode", "fields.archive_phone", "fields.archive_unit_region",
                                     "fields.archive_remark"}


def test_ar_1_one_open_registration_per_module(grad: Callable[..., Any]) -> None:
    """AR-1: a second open registration of the same module is refused; the other module is independent."""
    graduate = grad()
    registration.create(graduate, "archive", "registration", {})
    db.session.commit()
    with pytest.raises(Conflict):
        registration.create(graduate, "archive", "registration", {})
    registration.create(graduate, "hukou", "registration", {})
    db.session.commit()


def test_ar_2_back_to_origin_prefilled_from_the_directory(grad: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-2: 转回生源地 is pre-filled from the 生源所在地 with the region's receiving office (school's own first)."""
    graduate = grad(origin_region="110101")
    directory.create(audit.SYSTEM, None, {"name": "北京市人才服务中心", "region": "110000", "address": "平台路1号",
                                          "postcode": "100000", "contact": "李", "phone": "010-12345678"})
    directory.create(audit.SYSTEM, reg_world["school"].id, {"name": "东城区人才服务中心", "region": "110101",
                                                             "address": "东城路2号", "postcode": "100010"})
    db.session.commit()
    values = registration.prefill(graduate, "archive")["20"]
    assert values == {"archive_transfer_type": "20", "archive_unit_region": "110101",
                      "archive_unit_name": "东城区人才服务中心", "archive_unit_address": "东城路2号",
                      "archive_postcode": "100010"}
    # the graduate completes what the office lacks and may change the rest, within the province
    record = registration.create(graduate, "archive", "registration", {
        **values, "archive_unit_region": "110108", "archive_contact": "张老师", "archive_phone": "13900139000"})
    registration.submit(graduate, record)
    db.session.commit()
    assert record.status == "pending"


def test_ar_2_province_is_locked_for_back_to_origin(grad: Callable[..., Any]) -> None:
    """AR-2: for 转回生源地 an address in another province is refused with a clear field error."""
    graduate = grad(origin_region="110101")
    with pytest.raises(ApiError) as exc:
        registration.create(graduate, "archive", "registration", {**ARCHIVE, **BACK, "archive_unit_region": "310101"})
    assert exc.value.fields == {"fields.archive_unit_region": forms.MSG_PROVINCE_LOCKED}
    assert forms.MSG_PROVINCE_LOCKED == "转回生源地时地址须在生源所在地省份内，跨省转递请选择其他类型"
    # another type may go anywhere
    registration.create(graduate, "archive", "registration", {**ARCHIVE, "archive_unit_region": "310101"})


def test_ar_2_nothing_to_prefill(grad: Callable[..., Any]) -> None:
    """AR-2: without an office for the region only the 生源所在地 is known; the graduate fills in the rest."""
    graduate = grad(origin_region="650102")
    assert registration.prefill(graduate, "archive") == {"20": {"archive_transfer_type": "20",
                                                                "archive_unit_region": "650102"}}
    record = registration.create(graduate, "archive", "registration", registration.prefill(graduate, "archive")["20"])
    with pytest.raises(ApiError) as exc:
        registration.submit(graduate, record)
    assert "fields.archive_unit_name" in exc.value.fields


def test_ar_3_withdraw_before_review(grad: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-3: withdrawn before any reviewer acted the registration is a draft again; after a decision it cannot be."""
    graduate = grad()
    record = _submitted(graduate)
    registration.withdraw(graduate, record)
    db.session.commit()
    assert record.status == "draft"
    registration.submit(graduate, record)
    db.session.commit()
    item = engine.open_item("archive_registration", record.id)
    assert item is not None
    engine.decide(reg_world["dept_user"], item.id, "pass")
    db.session.commit()
    with pytest.raises(ApiError):
        registration.withdraw(graduate, record)


def test_ar_3_pass_makes_it_the_current_info(grad: Callable[..., Any], review: Callable[..., Any]) -> None:
    """AR-3: review pass → it is the graduate's current archive info, with the registration as its source."""
    graduate = grad()
    record = _submitted(graduate)
    review(record, "pass")
    assert record.status == "approved" and record.approved_at is not None
    current = services.current(graduate.id, "archive")
    assert current is not None and current.id == record.info_id
    assert (current.source_kind, current.source_id, current.data) == ("archive_registration", record.id, ARCHIVE)
    assert registration.source_label(current.source_kind) == "档案信息登记"


def test_ar_3_reject_fails_and_may_register_again(grad: Callable[..., Any], review: Callable[..., Any]) -> None:
    """AR-3: reject → the registration failed with its reason, there is no current info, they may register again."""
    graduate = grad()
    record = _submitted(graduate)
    review(record, "reject", reason="单位名称有误")
    assert record.status == "rejected"
    assert services.current(graduate.id, "archive") is None
    item = engine.latest_item("archive_registration", record.id)
    assert item is not None and item.last_reason == "单位名称有误"
    assert registration.registration_refusal(graduate, "archive", "registration") is None
    again = _submitted(graduate)
    assert again.status == "pending"


def test_ar_3_reviewer_edits_the_postcode_while_passing(grad: Callable[..., Any], reg_world: dict[str, Any],
                                                         review: Callable[..., Any]) -> None:
    """AR-3 (RV-5): the reviewer edits the 邮编 through the Editor; before/after recorded, the graduate notified."""
    graduate = grad()
    record = _submitted(graduate)
    item = engine.open_item("archive_registration", record.id)
    assert item is not None and lifecycle.can_edit(reg_world["dept_user"], item)
    form = lifecycle.edit_form(reg_world["dept_user"], item)
    assert [f.key for f in form.fields][:2] == ["archive_transfer_type", "archive_unit_name"]
    data = {f.key: f.value for f in form.fields} | {"archive_postcode": "100081", "version": str(item.version)}
    assert lifecycle.reviewer_edit(reg_world["dept_user"], item, data, item.version)
    db.session.commit()
    events = engine.history(item)
    assert events[-1].action == "edit" and events[-1].changes == {"档案转递单位邮编": ["100080", "100081"]}
    note = db.session.scalar(select(NotificationOutbox).where(NotificationOutbox.graduate_id == graduate.id,
                                                              NotificationOutbox.kind == "info_edited"))
    assert note is not None
    review(record, "pass")
    current = services.current(graduate.id, "archive")
    assert current is not None and current.data["archive_postcode"] == "100081"


def test_ar_3_reviewer_edit_checks_the_province_rule(grad: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-3 (RV-5): the reviewer's edit is checked as the graduate's form is (AR-2's province lock)."""
    graduate = grad(origin_region="110101")
    record = _submitted(graduate, values={**ARCHIVE, **BACK})
    item = engine.open_item("archive_registration", record.id)
    assert item is not None
    data = {**ARCHIVE, **BACK, "archive_unit_region": "310101", "version": str(item.version)}
    with pytest.raises(ApiError) as exc:
        lifecycle.reviewer_edit(reg_world["dept_user"], item, data, item.version)
    assert exc.value.fields == {"fields.archive_unit_region": forms.MSG_PROVINCE_LOCKED}


def test_ar_4_info_from_a_signed_agreement_blocks_registration(grad: Callable[..., Any]) -> None:
    """AR-4: archive info from an approved agreement is the current info with its source; a registration is refused
    with a message saying where it came from; a change request is the way."""
    graduate = grad()
    services.sync_from_source(graduate.id, source_kind="online_agreement", source_id=7,
                              archive={"archive_transfer_type": "11", "archive_unit_name": "某单位"}, hukou=None)
    db.session.commit()
    refusal = registration.registration_refusal(graduate, "archive", "registration")
    assert refusal is not None and "网上签约" in refusal and "档案信息修改" in refusal
    with pytest.raises(Conflict) as exc:
        registration.create(graduate, "archive", "registration", ARCHIVE)
    assert "网上签约" in exc.value.message
    assert registration.registration_refusal(graduate, "archive", "change") is None


def test_ar_4_a_draft_registration_cannot_be_submitted_once_info_arrives(grad: Callable[..., Any]) -> None:
    """AR-4: info that arrived through an agreement after the draft was started blocks its submission."""
    graduate = grad()
    record = registration.create(graduate, "archive", "registration", ARCHIVE)
    services.sync_from_source(graduate.id, source_kind="online_agreement", source_id=7, archive=ARCHIVE, hukou=None)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        registration.submit(graduate, record)
    assert "网上签约" in exc.value.message


def test_ar_4_school_enters_directly(grad: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-4: the school enters the info directly (school role only, audited); it is current, no registration needed."""
    graduate = grad()
    with pytest.raises(Forbidden):
        registration.enter_directly(reg_world["dept_user"], graduate, "archive", ARCHIVE)
    info = registration.enter_directly(reg_world["school_user"], graduate, "archive", ARCHIVE)
    db.session.commit()
    assert services.current(graduate.id, "archive") == info and info.source_kind == "school_entry"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "transfer_info.enter"))
    assert event is not None and event.actor_id == reg_world["school_user"].id
    refusal = registration.registration_refusal(graduate, "archive", "registration")
    assert refusal is not None and "学校直接录入" in refusal
    with pytest.raises(ApiError):  # validated as the graduate's form is
        registration.enter_directly(reg_world["school_user"], graduate, "archive", {"archive_transfer_type": "11"})


def test_ar_5_change_request(grad: Callable[..., Any], reg_world: dict[str, Any], review: Callable[..., Any]) -> None:
    """AR-5: with current info a change (档案信息修改) may be requested; while pending it can still be edited before
    a reviewer acted (a withdrawal and resubmission); pass → the new info replaces the old."""
    graduate = grad()
    old = registration.enter_directly(reg_world["school_user"], graduate, "archive", ARCHIVE)
    db.session.commit()
    change = _submitted(graduate, purpose="change", values={**ARCHIVE, "archive_unit_name": "新单位"})
    assert change.replaces_info_id == old.id
    item = engine.open_item("archive_change", change.id)
    assert item is not None and engine.kind_label(item.kind) == "档案信息修改"
    registration.update(graduate, change, {**ARCHIVE, "archive_unit_name": "更新的单位"})
    registration.submit(graduate, change)
    db.session.commit()
    assert change.status == "pending" and change.fields["archive_unit_name"] == "更新的单位"
    assert services.current(graduate.id, "archive") == old  # unchanged until the review passes
    review(change, "pass")
    current = services.current(graduate.id, "archive")
    assert current is not None and current.data["archive_unit_name"] == "更新的单位"
    assert current.source_kind == "archive_change"
    db.session.refresh(old)
    assert old.status == "void"


def test_ar_5_no_edit_once_a_reviewer_acted(grad: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """AR-5: once a reviewer acted, a pending change cannot be edited (nor withdrawn): the graduate waits."""
    graduate = grad()
    registration.enter_directly(reg_world["school_user"], graduate, "archive", ARCHIVE)
    change = _submitted(graduate, purpose="change")
    item = engine.open_item("archive_change", change.id)
    assert item is not None
    engine.decide(reg_world["dept_user"], item.id, "pass")
    db.session.commit()
    with pytest.raises(ApiError) as exc:
        registration.update(graduate, change, {**ARCHIVE, "archive_unit_name": "又一个单位"})
    assert exc.value.code == "already_reviewed" and "等待审核结果" in exc.value.message


def test_ar_5_reject_keeps_the_old_info(grad: Callable[..., Any], reg_world: dict[str, Any],
                                        review: Callable[..., Any]) -> None:
    """AR-5: a rejected change leaves the old info valid; a change needs current info."""
    graduate = grad()
    with pytest.raises(Conflict):
        registration.create(graduate, "archive", "change", ARCHIVE)
    old = registration.enter_directly(reg_world["school_user"], graduate, "archive", ARCHIVE)
    db.session.commit()
    change = _submitted(graduate, purpose="change", values={**ARCHIVE, "archive_unit_name": "新单位"})
    review(change, "reject", reason="无需修改")
    assert change.status == "rejected"
    assert services.current(graduate.id, "archive") == old


def test_hk_1_hukou_not_at_school(grad: Callable[..., Any]) -> None:
    """HK-1: hukou registration is unavailable when 户口是否转入学校 is not 是."""
    graduate = grad(hukou_at_school=False)
    with pytest.raises(Forbidden) as exc:
        registration.create(graduate, "hukou", "registration", HUKOU)
    assert exc.value.message == "户口未转入学校，不可使用户口信息登记"
    assert registration.registration_refusal(graduate, "hukou", "registration") == exc.value.message
    registration.create(graduate, "archive", "registration", ARCHIVE)  # archive is not affected


def test_hk_2_hukou_behaves_as_archive(grad: Callable[..., Any], reg_world: dict[str, Any],
                                       review: Callable[..., Any]) -> None:
    """HK-2: hukou registration, withdrawal, review, sync from agreements, direct entry and change requests
    behave as AR-1, AR-3, AR-4 and AR-5."""
    graduate = grad(origin_region="110101")
    assert registration.prefill(graduate, "hukou") == {"20": {"hukou_transfer_type": "20", "hukou_region": "110101"}}
    with pytest.raises(ApiError) as exc:
        registration.create(graduate, "hukou", "registration", {**HUKOU, "hukou_transfer_type": "20",
                                                               "hukou_region": "310101"})
    assert exc.value.fields == {"fields.hukou_region": forms.MSG_PROVINCE_LOCKED}
    record = _submitted(graduate, "hukou")
    assert engine.kind_label(record.kind) == "户口信息登记"
    registration.withdraw(graduate, record)
    registration.submit(graduate, record)
    db.session.commit()
    review(record, "pass")
    current = services.current(graduate.id, "hukou")
    assert current is not None and current.source_kind == "hukou_registration" and current.data == HUKOU
    assert services.current(graduate.id, "archive") is None
    change = _submitted(graduate, "hukou", "change", {**HUKOU, "hukou_address": "新地址"})
    assert engine.kind_label(change.kind) == "户口信息修改"
    review(change, "reject", reason="不需要")
    assert services.current(graduate.id, "hukou") == current
    # from an agreement, and by the school
    other = grad()
    services.sync_from_source(other.id, source_kind="offline_agreement", source_id=3, archive=None, hukou=HUKOU)
    db.session.commit()
    assert "电子就业协议书线下签约" in (registration.registration_refusal(other, "hukou", "registration") or "")
    third = grad()
    info = registration.enter_directly(reg_world["school_user"], third, "hukou", HUKOU)
    assert info.module == "hukou" and info.source_kind == "school_entry"
    with pytest.raises(Forbidden):
        registration.enter_directly(reg_world["school_user"], grad(hukou_at_school=False), "hukou", HUKOU)


def test_ar_4_a_stuck_draft_is_cancelled_then_a_change_requested(grad: Callable[..., Any],
                                                                 reg_world: dict[str, Any]) -> None:
    """AR-4: a draft registration started before the school entered the info cannot be submitted; the graduate
    cancels it (kept as 已撤销 with its history) and requests a change instead."""
    graduate = grad()
    draft = registration.create(graduate, "archive", "registration", ARCHIVE)
    registration.enter_directly(reg_world["school_user"], graduate, "archive", ARCHIVE)
    db.session.commit()
    assert "未完成" in (registration.registration_refusal(graduate, "archive", "change") or "")
    registration.cancel(graduate, draft)
    db.session.commit()
    assert draft.status == "cancelled" and draft.status_label == "已撤销"
    change = _submitted(graduate, purpose="change", values={**ARCHIVE, "archive_contact": "孙"})
    assert change.status == "pending"
    with pytest.raises(Conflict):
        registration.cancel(graduate, change)
