"""Single add, edit and delete of graduates' basic info in the console (§1, L-7)."""

from __future__ import annotations

import re

from tests.factories import id_number
from wxbackend.accounts.models import ApiToken, Graduate
from wxbackend.core import timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db


def _form(**overrides: str) -> dict[str, str]:
    values = {
        "exam_no": "22110101123456", "name": "林晓", "id_number": id_number(gender="2"), "education": "31",
        "gender": "2", "ethnicity": "01", "political_status": "03", "training_mode": "1", "sponsor_unit": "",
        "origin_region": "110101", "enrol_ym": "202209", "graduate_ym": "202606", "student_no": "2022100",
        "department": "A01", "major": "080901", "schooling_years": "4", "archive_at_school": "1",
        "hukou_at_school": "", "email": "lx@example.com", "phone": "13700137000",
    }
    values.update(overrides)
    return values


def _count(*where) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(Graduate.id)).where(*where)) or 0


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _field_error(html: str, key: str) -> str | None:
    match = re.search(rf'<div class="field-error" id="error-{key}">([^<]+)</div>', html)
    return match.group(1) if match else None


# --- add ---------------------------------------------------------------------------------


def test_school_reviewer_adds_a_graduate(client, org, staff_login) -> None:
    staff_login(org.school_user)
    page = client.get("/console/graduates/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<option value="080902"' in html and 'data-department="A01"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = _form(csrf_token=token)
    res = client.post("/console/graduates/new", data=form)
    assert res.status_code == 302
    g = db.session.scalar(db.select(Graduate).where(Graduate.id_number == form["id_number"]))
    assert (g.name, g.department_id, g.major_id, g.archive_at_school, g.hukou_at_school) == (
        "林晓", org.dept_a.id, org.major_a.id, True, None)
    assert res.headers["Location"].endswith(f"/console/graduates/{g.id}")
    assert [e.object_id for e in _events("graduate.create")] == [g.id]


def test_add_with_bad_id_number_and_unknown_region_rerenders_with_400(client, org, staff_login,
                                                                      csrf_off) -> None:
    staff_login(org.school_user)
    form = _form(id_number="110101200203150000", origin_region="999999", name="保留我")
    res = client.post("/console/graduates/new", data=form)
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert _field_error(html, "id_number") == "身份证号校验位不正确或出生日期无效"
    assert "不是有效的行政区划代码" in _field_error(html, "origin_region")
    assert 'value="保留我"' in html and 'value="999999"' in html  # what the user typed stays
    assert 'id="field-id_number"' in html and "has-error" in html
    assert _count() == 0
    assert _events("graduate.create") == []


def test_add_major_must_belong_to_department(client, org, staff_login, csrf_off) -> None:
    staff_login(org.school_user)
    res = client.post("/console/graduates/new", data=_form(department="B01", major="080901"))
    assert res.status_code == 400
    assert "不属于院系" in _field_error(res.get_data(as_text=True), "major")
    assert _count() == 0


def test_add_duplicate_id_number_is_refused_next_to_the_field(client, org, make_graduate, staff_login,
                                                              csrf_off) -> None:
    existing = make_graduate(org.major_a)
    staff_login(org.school_user)
    res = client.post("/console/graduates/new", data=_form(id_number=existing.id_number, gender="1"))
    assert res.status_code == 400
    assert "已存在" in _field_error(res.get_data(as_text=True), "id_number")
    assert _count() == 1


def test_department_reviewer_cannot_add(client, org, staff_login, csrf_off) -> None:
    staff_login(org.dept_a_user)
    assert client.get("/console/graduates/new").status_code == 403
    assert client.post("/console/graduates/new", data=_form()).status_code == 403
    assert _count() == 0
    html = client.get("/console/graduates").get_data(as_text=True)
    assert 'id="add-graduate"' not in html


# --- edit --------------------------------------------------------------------------------


def test_edit_form_is_prefilled(client, org, make_graduate, staff_login) -> None:
    g = make_graduate(org.major_a2, student_no="X1", hukou_at_school=False)
    staff_login(org.school_user)
    html = client.get(f"/console/graduates/{g.id}/edit").get_data(as_text=True)
    assert f'value="{g.id_number}"' in html
    assert f'<option value="A01" data-id="{org.dept_a.id}" selected>' in html
    assert re.search(r'<option value="080902" selected>', html)
    assert re.search(r'id="hukou_at_school".*?<option value="0" selected>否', html, re.S)


def test_edit_records_before_and_after_in_the_audit(client, org, make_graduate, staff_login,
                                                    csrf_off) -> None:
    g = make_graduate(org.major_a, name="陈诚", phone="13800138000")
    staff_login(org.school_user)
    form = _form(id_number=g.id_number, gender="1", name="陈成", phone="13800138001", department="B01",
                 major="050201", exam_no="", student_no="", email="", archive_at_school="1",
                 hukou_at_school="1", political_status="03")
    res = client.post(f"/console/graduates/{g.id}/edit", data=form)
    assert res.status_code == 302
    db.session.expire_all()
    assert (g.name, g.department_id, g.major_id, g.phone) == ("陈成", org.dept_b.id, org.major_b.id,
                                                             "13800138001")
    (event,) = _events("graduate.update")
    assert event.actor_id == org.school_user.id and event.role == "school"
    assert event.data["changes"]["name"] == ["陈诚", "陈成"]
    assert event.data["changes"]["department_id"] == [org.dept_a.id, org.dept_b.id]
    assert event.data["changes"]["phone"] == ["13800138000", "13800138001"]
    assert "id_number" not in event.data["changes"]


def test_edit_with_errors_saves_nothing(client, org, make_graduate, staff_login, csrf_off) -> None:
    g = make_graduate(org.major_a, name="陈诚")
    staff_login(org.school_user)
    form = _form(id_number="12345", gender="1", name="改名了", origin_region="北京市不存在区")
    res = client.post(f"/console/graduates/{g.id}/edit", data=form)
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert _field_error(html, "id_number") == "身份证号应为18位"
    assert "北京市不存在区" in _field_error(html, "origin_region")
    assert 'value="改名了"' in html
    db.session.expire_all()
    assert g.name == "陈诚"
    assert _events("graduate.update") == []


def test_department_reviewer_cannot_edit(client, org, make_graduate, staff_login, csrf_off) -> None:
    g = make_graduate(org.major_a, name="陈诚")
    staff_login(org.dept_a_user)
    assert client.get(f"/console/graduates/{g.id}/edit").status_code == 403
    assert client.post(f"/console/graduates/{g.id}/edit", data=_form(id_number=g.id_number, gender="1",
                                                                       name="改")).status_code == 403
    db.session.expire_all()
    assert g.name == "陈诚"


# --- delete (L-7) ------------------------------------------------------------------------


def test_l_7_school_deletes_graduate_and_it_is_audited(client, org, make_graduate, staff_login) -> None:
    g = make_graduate(org.major_a, name="陈诚")
    token_row = ApiToken(token_hash="a" * 64, graduate_id=g.id,
                         expires_at=timeutil.now().replace(year=timeutil.now().year + 1))
    db.session.add(token_row)
    db.session.commit()
    staff_login(org.school_user)
    page = client.get(f"/console/graduates/{g.id}/delete")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "审核不通过" in html  # the confirmation explains the consequences
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    res = client.post(f"/console/graduates/{g.id}/delete",
                      data={"csrf_token": token, "reason": "重复上传", "confirm": "1"})
    assert res.status_code == 302
    assert res.headers["Location"].endswith("/console/graduates")
    db.session.expire_all()
    assert g.deleted_at is not None
    assert db.session.get(ApiToken, token_row.id).revoked_at is not None
    (event,) = _events("graduate.delete")
    assert (event.object_id, event.actor_id, event.role, event.data["reason"]) == (
        g.id, org.school_user.id, "school", "重复上传")
    # gone from the default list, listed under 已删除, history shows the reason
    assert "已删除毕业生 陈诚 的基本信息" in client.get("/console/graduates").get_data(as_text=True)  # flash
    assert ">陈诚</a>" not in client.get("/console/graduates").get_data(as_text=True)
    assert ">陈诚</a>" in client.get("/console/graduates?status=deleted").get_data(as_text=True)
    detail = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    assert "删除基本信息" in detail and "原因：重复上传" in detail
    assert 'id="delete-graduate"' not in detail


def test_l_7_delete_needs_a_reason_and_confirmation(client, org, make_graduate, staff_login,
                                                    csrf_off) -> None:
    g = make_graduate(org.major_a)
    staff_login(org.school_user)
    res = client.post(f"/console/graduates/{g.id}/delete", data={"reason": "  "})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert "请填写删除原因" in html and "请勾选确认" in html
    assert _count(Graduate.deleted_at.is_not(None)) == 0
    assert _events("graduate.delete") == []


def test_l_7_graduate_cannot_be_deleted_twice(client, org, make_graduate, staff_login, csrf_off) -> None:
    g = make_graduate(org.major_a)
    staff_login(org.school_user)
    data = {"reason": "毕业生信息有误", "confirm": "1"}
    assert client.post(f"/console/graduates/{g.id}/delete", data=data).status_code == 302
    res = client.post(f"/console/graduates/{g.id}/delete", data=data)
    assert res.status_code == 409
    assert "不能重复删除" in res.get_data(as_text=True)
    assert len(_events("graduate.delete")) == 1
    assert client.get(f"/console/graduates/{g.id}/delete").status_code == 302
    assert client.get(f"/console/graduates/{g.id}/edit").status_code == 302


def test_l_7_department_reviewer_cannot_delete(client, org, make_graduate, staff_login, csrf_off) -> None:
    g = make_graduate(org.major_a)
    staff_login(org.dept_a_user)
    assert client.get(f"/console/graduates/{g.id}/delete").status_code == 403
    res = client.post(f"/console/graduates/{g.id}/delete", data={"reason": "x", "confirm": "1"})
    assert res.status_code == 403
    assert _count(Graduate.deleted_at.is_(None)) == 1


def test_l_7_two_simultaneous_deletions_delete_once(app, make_graduate, make_user) -> None:
    """Two reviewers deleting the same graduate at the same moment: one succeeds, the other is told."""
    import threading

    import pytest

    from tests.conftest import IS_PG
    from wxbackend.accounts.actors import actor_for
    from wxbackend.accounts.models import Graduate, User
    from wxbackend.accounts.services import delete_graduate
    from wxbackend.core.audit import AuditEvent
    from wxbackend.core.db import db
    from wxbackend.core.errors import Conflict

    if not IS_PG:
        pytest.skip("concurrent writers need PostgreSQL")
    graduate = make_graduate()
    reviewers = [make_user("school", school_id=graduate.school_id) for _ in range(2)]
    ids = [(r.id, graduate.id) for r in reviewers]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user_id: int, graduate_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            target = db.session.get(Graduate, graduate_id)
            barrier.wait()
            try:
                delete_graduate(actor_for(user), user, target, reason="重复录入")
                db.session.commit()
                outcomes.append("deleted")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=pair) for pair in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "deleted"]
    events = db.session.query(AuditEvent).filter_by(action="graduate.delete", object_id=graduate.id).count()
    assert events == 1
