"""去向登记确认 (CF-1 … CF-6): answering the last report, error reports, revoke, falling away, 四不准 reports."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.confirmation.conftest import ERROR_FORM, _labour, _report
from tests.transfers.conftest import ARCHIVE, grad, reg_world, review  # noqa: F401 - the fixtures
from tests.transfers.test_registration_api import Api
from wxbackend.confirmation import services, violations
from wxbackend.confirmation.models import DestinationConfirmation, ViolationReport
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.destinations import services as destinations
from wxbackend.transfers import registration


def test_cf_1_only_a_reported_graduate_can_confirm_and_the_page_shows_fig_40(
        client: Any, grad: Callable[..., Any], reg_world: dict[str, Any], frozen_now: Any) -> None:  # noqa: F811
    g = grad(name="李娟")
    api = Api(client, g)
    page = api.get("/confirmation").get_json()
    assert page["available"] is False and page["reason"] == "需完成毕业去向上报后才能确认"
    res = api.post("/confirmation/confirm")
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "module_locked"
    modules = {m["key"]: m for m in api.get("/modules").get_json()["modules"]}
    assert modules["confirmation"]["available"] is False
    assert modules["confirmation"]["reason"] == "需完成毕业去向上报后才能确认"

    _labour(g)
    registration.enter_directly(reg_world["school_user"], g, "archive", ARCHIVE)
    db.session.commit()
    frozen_now(datetime(2027, 5, 24, 10, 0, tzinfo=SHANGHAI))
    _report(reg_world)
    api = Api(client, g)  # a token of the frozen day
    page = api.get("/confirmation").get_json()
    assert page["available"] is True and page["state"] == "open" and page["can_answer"] is True
    rows = {r["label"]: r["value"] for r in page["report"]["rows"]}
    assert rows["毕业去向"] == "签劳动合同就业"
    assert rows["档案转递类型"] != "-" and rows["档案转递单位名称"] == "北京某某科技有限公司"
    assert rows["档案转递单位所在地"].startswith("北京市")
    assert rows["户口迁移类型"] == "-" and rows["户口迁移所在地"] == "-"
    assert page["report"]["note"] == "以上毕业去向信息于2027年05月24日上报，请根据实际情况，认真核对确认。"
    assert page["report"]["name"] == "李娟"
    modules = {m["key"]: m for m in api.get("/modules").get_json()["modules"]}
    assert modules["confirmation"]["available"] is True and modules["verification"]["available"] is False


def test_cf_2_confirming_holds_once_and_opens_verification(client: Any, reported: Callable[..., Any]) -> None:
    g = reported()
    api = Api(client, g)
    page = api.get("/confirmation").get_json()
    res = api.post("/confirmation/confirm", {"report_id": page["report"]["id"]})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["state"] == "confirmed" and body["answer"]["label"] == "已确认" and body["can_answer"] is False
    again = api.post("/confirmation/confirm", {"report_id": page["report"]["id"]})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_confirmed"
    assert db.session.scalar(select(func.count(DestinationConfirmation.id))) == 1
    # VA-1's lock opens with a confirmation that holds
    from wxbackend.accounts.modules import module_state

    db.session.refresh(g)
    assert module_state(g, g.school, "verification").available is True
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "confirmation.confirm")) == 1


def test_cf_3_an_error_report_needs_a_kind_an_explanation_each_and_a_mobile(client: Any,
                                                                           reported: Callable[..., Any]) -> None:
    g = reported()
    api = Api(client, g)
    res = api.post("/confirmation/errors", {"mobile": "13912345678"})
    assert res.status_code == 400
    assert res.get_json()["error"]["fields"] == {"kinds": "请至少选择一项错误信息情况"}
    res = api.post("/confirmation/errors", {"destination": "wrong", "archive": True, "hukou": True,
                                            "destination_explanation": "x" * 501, "mobile": "12345"})
    fields = res.get_json()["error"]["fields"]
    assert res.status_code == 400
    assert fields["destination_explanation"] == "去向情况说明不能超过500字（现为501字）"
    assert fields["archive_explanation"] == "请填写档案情况说明"
    assert fields["hukou_explanation"] == "请填写户口情况说明"
    assert fields["mobile"] == "手机号码应为11位数字，以1开头"
    res = api.post("/confirmation/errors", {"destination": "later"})
    assert res.get_json()["error"]["fields"]["destination"] == "请选择“有变化”或“有错误”"
    assert db.session.scalar(select(func.count(DestinationConfirmation.id))) == 0  # nothing kept from refusals

    res = api.post("/confirmation/errors", {**ERROR_FORM, "archive": True, "archive_explanation": "档案改转生源地",
                                            "hukou_explanation": "未选户口，此项不保存"})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["state"] == "error" and body["can_revoke"] is True and body["can_answer"] is False
    assert [(e["label"], e["explanation"]) for e in body["answer"]["errors"]] == [
        ("毕业去向信息有变化", "已改签另一家单位"), ("档案转递信息有变化或存在错误", "档案改转生源地")]
    assert body["answer"]["mobile"] == "13912345678"
    # 500 characters exactly are fine (the limit, not one less)
    assert len("说" * 500) == 500 and services.clean_error_report(
        {"destination": "wrong", "destination_explanation": "说" * 500, "mobile": "13912345678"})[0]
    # while the error report stands, confirming needs the revoke first (CF-4)
    res = api.post("/confirmation/confirm")
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "error_reported"


def test_cf_3_after_an_update_and_a_new_report_the_graduate_confirms_again(
        client: Any, reported: Callable[..., Any], reg_world: dict[str, Any]) -> None:  # noqa: F811
    g = reported()
    api = Api(client, g)
    first_report = api.get("/confirmation").get_json()["report"]["id"]
    assert api.post("/confirmation/errors", ERROR_FORM).status_code == 200
    # the graduate corrects the info through the modules: the error report stays for the school to see
    registration.enter_directly(reg_world["school_user"], g, "hukou", {
        "hukou_transfer_type": "11", "hukou_region": "110108", "hukou_address": "中关村大街1号"})
    db.session.commit()
    assert api.get("/confirmation").get_json()["state"] == "error"
    _report(reg_world)  # the school reports again: the error report is resolved
    page = api.get("/confirmation").get_json()
    assert page["state"] == "open" and page["report"]["id"] != first_report
    old = db.session.scalar(select(DestinationConfirmation))
    assert (old.status, old.end_reason) == ("resolved", "reported_again")
    assert api.post("/confirmation/confirm", {"report_id": page["report"]["id"]}).status_code == 200


def test_cf_4_revoking_an_error_report_then_confirming(client: Any, reported: Callable[..., Any]) -> None:
    g = reported()
    api = Api(client, g)
    assert api.post("/confirmation/revoke").get_json()["error"]["code"] == "nothing_to_revoke"
    assert api.post("/confirmation/errors", ERROR_FORM).status_code == 200
    res = api.post("/confirmation/revoke")
    assert res.status_code == 200 and res.get_json()["state"] == "open"
    assert api.post("/confirmation/revoke").status_code == 409
    res = api.post("/confirmation/confirm")
    assert res.status_code == 200 and res.get_json()["state"] == "confirmed"
    statuses = list(db.session.scalars(select(DestinationConfirmation.status).order_by(DestinationConfirmation.id)))
    assert statuses == ["revoked", "current"]
    # a confirmation is not an error report: nothing to revoke
    assert api.post("/confirmation/revoke").status_code == 409


def test_cf_5_a_confirmation_falls_away_when_the_info_changes_and_comes_back_with_the_next_report(
        client: Any, reported: Callable[..., Any], reg_world: dict[str, Any]) -> None:  # noqa: F811
    g = reported()
    api = Api(client, g)
    page = api.get("/confirmation").get_json()
    assert api.post("/confirmation/confirm", {"report_id": page["report"]["id"]}).status_code == 200
    # the school corrects the archive info: the confirmation no longer holds (transfer_info_changed)
    registration.enter_directly(reg_world["school_user"], g, "archive", {**ARCHIVE, "archive_postcode": "100081"})
    db.session.commit()
    page = api.get("/confirmation").get_json()
    assert page["state"] == "awaiting_report" and page["can_answer"] is False
    assert page["message"] == "你的登记信息在上报后已有变化，待学校重新上报后再进行确认。"
    row = db.session.scalar(select(DestinationConfirmation))
    assert (row.status, row.end_reason) == ("void", "info_changed")
    assert api.post("/confirmation/confirm").get_json()["error"]["code"] == "awaiting_report"
    from wxbackend.accounts.modules import module_state

    db.session.refresh(g)
    assert module_state(g, g.school, "verification").available is False
    # the next report carries the change; the page showed the old report: 409, then the new one confirms
    old_id = page["report"]["id"]
    _report(reg_world)
    res = api.post("/confirmation/confirm", {"report_id": old_id})
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "report_changed"
    new = api.get("/confirmation").get_json()
    assert new["state"] == "open"
    assert api.post("/confirmation/confirm", {"report_id": new["report"]["id"]}).status_code == 200


def test_cf_5_a_new_destination_and_a_deletion_also_end_it(client: Any, reported: Callable[..., Any],
                                                          reg_world: dict[str, Any]) -> None:  # noqa: F811
    g = reported()
    services.confirm(g)
    db.session.commit()
    record = destinations.current_claim(g.id)
    assert record is not None
    # the destination ends (its claim released): destination_changed
    from wxbackend.core import signals

    signals.destination_changed.send("test", graduate_id=g.id, kind="other_destination",
                                     subject_id=record.subject_id, status="voided")
    db.session.commit()
    assert db.session.scalar(select(DestinationConfirmation.status)) == "void"
    h = reported(name="另一人")
    services.confirm(h)
    db.session.commit()
    signals.basic_info_changed.send("test", graduate_ids=[h.id], action="delete", actor=None)
    db.session.commit()
    assert db.session.scalar(select(DestinationConfirmation.status).where(
        DestinationConfirmation.graduate_id == h.id)) == "void"


def test_cf_2_two_confirmations_at_once_leave_one(app: Any, reported: Callable[..., Any]) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    g = reported()
    gid = g.id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        with app.app_context():
            from wxbackend.accounts.models import Graduate

            graduate = db.session.get(Graduate, gid)
            barrier.wait()
            try:
                services.confirm(graduate)
                db.session.commit()
                outcomes.append("confirmed")
            except Conflict as err:
                db.session.rollback()
                outcomes.append(err.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["already_answered", "confirmed"], ["already_confirmed", "confirmed"])
    assert db.session.scalar(select(func.count(DestinationConfirmation.id)).where(
        DestinationConfirmation.status == "current")) == 1


def test_cf_6_a_four_nots_report_goes_to_the_platform_admin_and_never_to_the_school(
        client: Any, grad: Callable[..., Any], reg_world: dict[str, Any], make_user: Callable[..., Any],  # noqa: F811
        staff_login: Callable[..., Any], csrf_off: Any) -> None:
    g = grad(name="李同学")
    api = Api(client, g)
    form = api.get("/violation-reports").get_json()
    assert [k["key"] for k in form["kinds"]] == ["forced_signing", "diploma_withheld", "custody_as_employment",
                                                 "internship_as_job"]
    res = api.post("/violation-reports", {"kinds": [], "description": ""})
    assert res.status_code == 400 and set(res.get_json()["error"]["fields"]) == {"kinds", "description"}
    res = api.post("/violation-reports", {"kinds": ["nope"], "description": "x" * 501, "mobile": "1"})
    assert set(res.get_json()["error"]["fields"]) == {"kinds", "description", "mobile"}
    res = api.post("/violation-reports", {"kinds": ["diploma_withheld"], "party": "某学院",
                                          "description": "辅导员说不签约不发毕业证"})
    assert res.status_code == 201 and res.get_json()["status_label"] == "待处理"
    report_id = res.get_json()["id"]
    assert [r["id"] for r in api.get("/violation-reports").get_json()["reports"]] == [report_id]

    # the school sees neither the report nor who made it
    row = db.session.get(ViolationReport, report_id)
    with pytest.raises(Forbidden):
        violations.reports_query(reg_world["school_user"])
    staff_login(reg_world["school_user"])
    assert client.get("/console/violations").status_code == 403
    assert client.get(f"/console/violations/{report_id}").status_code == 403
    detail = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    assert "举报" not in detail
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "violation.report"))
    assert event is not None and event.school_id is None

    # the platform admin lists it, opens it and records what was done, once
    admin = make_user(role="admin", username="platform_admin")
    staff_login(admin)
    page = client.get("/console/violations").get_data(as_text=True)
    assert "将毕业证书、学位证书发放与毕业生签约挂钩" in page and "李同学" in page
    res = client.post(f"/console/violations/{report_id}", data={"note": "", "version": row.version})
    assert res.status_code == 400 and "请填写处理情况" in res.get_data(as_text=True)
    res = client.post(f"/console/violations/{report_id}", data={"note": "已约谈学院", "version": row.version})
    assert res.status_code == 302
    db.session.refresh(row)
    assert (row.status, row.handled_note) == ("handled", "已约谈学院")
    with pytest.raises(Conflict):
        violations.handle(admin, row, "再处理一次", row.version - 1)
    mine = api.get("/violation-reports").get_json()["reports"][0]
    assert (mine["status_label"], mine["handled_note"]) == ("已处理", "已约谈学院")


def test_cf_school_view_lists_who_has_not_confirmed_and_who_reported_an_error(
        client: Any, grad: Callable[..., Any], reported: Callable[..., Any], reg_world: dict[str, Any],  # noqa: F811
        staff_login: Callable[..., Any], make_department: Callable[..., Any], make_major: Callable[..., Any],
        make_user: Callable[..., Any]) -> None:
    confirmed = reported(name="已确认者")
    wrong = reported(name="有误者")
    quiet = reported(name="未确认者")
    grad(name="未上报者")
    services.confirm(confirmed)
    services.report_error(wrong, ERROR_FORM)
    db.session.commit()
    assert services.school_counts(reg_world["school"].id, 2027) == {
        "not_reported": 1, "unconfirmed": 1, "confirmed": 1, "error": 1}
    staff_login(reg_world["school_user"])
    html = client.get("/console/confirmations?year=2027&state=error").get_data(as_text=True)
    assert "有误者" in html and "已改签另一家单位" in html and "139****5678" in html
    assert "已确认者" not in html and "未确认者" not in html
    html = client.get("/console/confirmations?year=2027&state=unconfirmed").get_data(as_text=True)
    assert "未确认者" in html and quiet.id_number not in html
    # a department reviewer sees their own department only
    other_dept = make_department(school=reg_world["school"], code="99", name="别的学院")
    other_user = make_user(role="department", school_id=reg_world["school"].id, department_id=other_dept.id,
                           username="other_dept")
    staff_login(other_user)
    html = client.get("/console/confirmations?year=2027").get_data(as_text=True)
    assert "有误者" not in html and "已确认者" not in html
    staff_login(reg_world["dept_user"])
    assert "有误者" in client.get("/console/confirmations?year=2027").get_data(as_text=True)


def test_cf_3_refusals_are_api_errors_with_fields() -> None:
    with pytest.raises(ApiError) as err:
        services.clean_error_report({"archive": "on", "mobile": ""})
    assert err.value.fields == {"archive_explanation": "请填写档案情况说明", "mobile": "请填写手机号码"}
