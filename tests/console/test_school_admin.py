"""School administration in the console: 院系 and 专业, reviewer accounts, one's own password, schools.

Every change is audited with a Chinese label; create forms create once when submitted twice;
a school manages only itself; department reviewers and employers are refused.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.accounts.importing import good_row, xlsx_bytes
from tests.conftest import IsolatedClient
from wxbackend.accounts.models import Department, Major, School, User
from wxbackend.core import audit
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db

PASSWORD = "secret-pass-1"


def _events(prefix: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith(prefix))
                                   .order_by(AuditEvent.id)))


def _form(client: Any, url: str) -> dict[str, str]:
    """The hidden csrf_token and form_key of the form at *url*."""
    page = client.get(url).get_data(as_text=True)
    out = {}
    for name in ("csrf_token", "form_key"):
        m = re.search(rf'name="{name}" value="([^"]+)"', page)
        if m:
            out[name] = m.group(1)
    return out


def _field_error(html: str, key: str) -> str:
    m = re.search(rf'<div class="field-error" id="error-{re.escape(key)}">([^<]*)</div>', html)
    return m.group(1) if m else ""


def _count(model: Any, *where: Any) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _new_client(app: Any) -> Any:
    app.test_client_class = IsolatedClient
    return app.test_client()


def _login(client: Any, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token.group(1)
    return client.post("/console/login", data=data)


def _labelled(events: list[AuditEvent]) -> None:
    for e in events:
        assert audit.action_label(e.action) != "其他操作", e.action
        assert re.search(r"[a-z]", audit.action_label(e.action)) is None, e.action


# --- 院系 -------------------------------------------------------------------------------------------


def test_school_adds_edits_and_searches_departments(client, org, staff_login) -> None:
    staff_login(org.school_user)
    form = _form(client, "/console/departments/new")
    assert "form_key" in form and "csrf_token" in form  # CSRF on, real tokens
    res = client.post("/console/departments/new", data={**form, "code": "C01", "name": "数学学院"})
    assert res.status_code == 302
    dept = db.session.scalar(select(Department).where(Department.code == "C01"))
    assert dept is not None and dept.school_id == org.school.id
    page = client.get("/console/departments?q=数学").get_data(as_text=True)
    assert "数学学院" in page and "计算机学院" not in page
    assert 'class="col-actions' in page

    res = client.post(f"/console/departments/{dept.id}/edit",
                      data={"csrf_token": form["csrf_token"], "code": "C01", "name": "数学与统计学院"})
    assert res.status_code == 302
    db.session.expire_all()
    assert dept.name == "数学与统计学院"
    events = _events("department.")
    assert [e.action for e in events] == ["department.create", "department.update"]
    assert events[1].data["changes"] == {"name": ["数学学院", "数学与统计学院"]}
    assert all(e.actor_id == org.school_user.id and e.school_id == org.school.id for e in events)
    _labelled(events)
    edit = client.get(f"/console/departments/{dept.id}/edit").get_data(as_text=True)
    assert 'id="history"' in edit and "新增院系" in edit and "修改院系" in edit


def test_department_form_errors_sit_next_to_their_fields_and_keep_the_input(client, org, staff_login,
                                                                            csrf_off) -> None:
    staff_login(org.school_user)
    res = client.post("/console/departments/new", data={"code": "A 01!", "name": ""})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert "字母、数字" in _field_error(html, "code") and "请填写院系名称" in _field_error(html, "name")
    assert 'value="A 01!"' in html
    res = client.post("/console/departments/new", data={"code": "A01", "name": "外国语学院"})
    html = res.get_data(as_text=True)
    assert res.status_code == 400
    assert "已被其他院系使用" in _field_error(html, "code") and "同名院系" in _field_error(html, "name")
    assert 'value="外国语学院"' in html
    assert _count(Department, Department.school_id == org.school.id) == 2


def test_department_form_submitted_twice_creates_once(client, org, staff_login) -> None:
    staff_login(org.school_user)
    data = {**_form(client, "/console/departments/new"), "code": "D01", "name": "历史学院"}
    first = client.post("/console/departments/new", data=data)
    second = client.post("/console/departments/new", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _count(Department, Department.code == "D01") == 1
    assert "请勿重复提交" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_department_in_use_is_not_deleted_and_an_unused_one_is(client, org, make_graduate, make_department,
                                                                 staff_login, csrf_off) -> None:
    g = make_graduate(org.major_b)
    g.deleted_at = g.created_at  # even a deleted graduate's record keeps its department
    db.session.commit()
    empty = make_department(org.school, code="E01", name="空院系")
    staff_login(org.school_user)
    res = client.post(f"/console/departments/{org.dept_b.id}/delete")
    assert res.status_code == 409
    html = res.get_data(as_text=True)
    assert "不能删除" in html and "1 名毕业生" in html and "已删除" in html and "1 个专业" in html
    assert _count(Department, Department.id == org.dept_b.id) == 1
    res = client.post(f"/console/departments/{empty.id}/delete")
    assert res.status_code == 302
    assert _count(Department, Department.id == empty.id) == 0
    _labelled(_events("department.delete"))


# --- 专业 -------------------------------------------------------------------------------------------


def test_school_adds_moves_and_deletes_majors(client, org, make_graduate, staff_login, csrf_off) -> None:
    staff_login(org.school_user)
    form = _form(client, f"/console/majors/new?department={org.dept_a.id}")
    assert f'<option value="{org.dept_a.id}" selected' in client.get(
        f"/console/majors/new?department={org.dept_a.id}").get_data(as_text=True)
    data = {**form, "department": str(org.dept_a.id), "code": "080903", "name": "网络工程"}
    first = client.post("/console/majors/new", data=data)
    assert client.post("/console/majors/new", data=data).headers["Location"] == first.headers["Location"]
    assert _count(Major, Major.code == "080903") == 1
    major = db.session.scalar(select(Major).where(Major.code == "080903"))
    listing = client.get(f"/console/majors?department={org.dept_a.id}&q=网络").get_data(as_text=True)
    assert "网络工程" in listing and "软件工程" not in listing

    # duplicate code in the same department, department missing: each message next to its field
    res = client.post("/console/majors/new", data={"department": str(org.dept_a.id), "code": "080901",
                                                   "name": "另一个"})
    assert res.status_code == 400 and "已有专业代码" in _field_error(res.get_data(as_text=True), "code")
    res = client.post("/console/majors/new", data={"department": "", "code": "080904", "name": "物联网"})
    html = res.get_data(as_text=True)
    assert res.status_code == 400 and "请选择所属院系" in _field_error(html, "department") and "物联网" in html

    # an unused major moves to another department; one with graduates does not
    assert client.post(f"/console/majors/{major.id}/edit", data={"department": str(org.dept_b.id),
                                                               "code": "080903", "name": "网络工程"}).status_code == 302
    db.session.expire_all()
    assert major.department_id == org.dept_b.id
    make_graduate(org.major_a)
    res = client.post(f"/console/majors/{org.major_a.id}/edit", data={"department": str(org.dept_b.id),
                                                                    "code": "080901", "name": "计算机科学与技术"})
    assert res.status_code == 400 and "不能改到其他院系" in _field_error(res.get_data(as_text=True), "department")
    res = client.post(f"/console/majors/{org.major_a.id}/delete")
    assert res.status_code == 409 and "不能删除" in res.get_data(as_text=True)
    assert client.post(f"/console/majors/{major.id}/delete").status_code == 302
    assert _count(Major, Major.id == major.id) == 0
    events = _events("major.")
    assert [e.action for e in events] == ["major.create", "major.update", "major.delete"]
    _labelled(events)


def test_import_error_for_an_unknown_department_links_to_department_management(client, org, staff_login,
                                                                               csrf_off) -> None:
    staff_login(org.school_user)
    rows = [good_row(1, department="不存在学院"), good_row(2, major="不存在专业")]
    res = client.post("/console/imports", data={"file": (io.BytesIO(xlsx_bytes(rows)), "g.xlsx")},
                      content_type="multipart/form-data")
    assert res.status_code == 302
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    table = page.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    assert table.count("请先在院系管理中添加") == 2
    links = re.findall(r'<a class="org-link" href="([^"]+)">', table)
    assert len(links) == 2
    assert client.get(links[0]).status_code == 200 and "院系与专业管理" in client.get(links[0]).get_data(as_text=True)


# --- reviewer accounts ------------------------------------------------------------------------------


def test_school_creates_a_department_account_whose_one_time_password_shows_once(app, client, org, staff_login,
                                                                              make_graduate) -> None:
    make_graduate(org.major_a, name="甲院学生")
    staff_login(org.school_user)
    form = _form(client, "/console/accounts/new")
    data = {**form, "username": "cs.teacher", "display_name": "计院王老师", "scope": str(org.dept_a.id),
            "password_mode": "generate"}
    res = client.post("/console/accounts/new", data=data)
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="generated-password"[^>]*>([^<]+)<', res.get_data(as_text=True)).group(1)
    again = client.post("/console/accounts/new", data=data)  # a double click: no second account, no password
    assert again.status_code == 302 and password not in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(User, User.username == "cs.teacher") == 1
    account = db.session.scalar(select(User).where(User.username == "cs.teacher"))
    assert (account.role, account.school_id, account.department_id) == ("department", org.school.id, org.dept_a.id)
    assert account.must_change_password and password not in account.password_hash

    # the new reviewer logs in and must set a password of their own before anything else
    other = _new_client(app)
    assert _login(other, "cs.teacher", password).status_code == 302
    res = other.get("/console/graduates")
    assert res.status_code == 302 and res.headers["Location"].endswith("/console/password")
    token = _form(other, "/console/password")["csrf_token"]
    res = other.post("/console/password", data={"csrf_token": token, "current_password": password,
                                                "new_password": "myown-pass-2", "new_password_confirm": "myown-pass-2"})
    assert res.status_code == 302
    assert "甲院学生" in other.get("/console/graduates").get_data(as_text=True)
    events = _events("user.")
    assert [e.action for e in events] == ["user.create", "user.password_change"]
    assert events[0].school_id == org.school.id and events[0].data["role"] == "department"
    _labelled(events)


def test_account_form_errors_and_a_typed_password(client, org, staff_login, csrf_off) -> None:
    staff_login(org.school_user)
    base = {"username": "ab", "display_name": "", "scope": "", "password_mode": "set"}
    res = client.post("/console/accounts/new", data={**base, "password": "short", "password_confirm": "short"})
    html = res.get_data(as_text=True)
    assert res.status_code == 400
    assert "4–32位" in _field_error(html, "username") and "请填写姓名" in _field_error(html, "display_name")
    assert "审核范围" in _field_error(html, "scope") and "至少8位" in _field_error(html, "password")
    assert 'value="ab"' in html
    for pw, confirm, message in (("onlyletters", "onlyletters", "字母和数字"),
                                 ("good-pass-1", "other-pass-1", "不一致")):
        res = client.post("/console/accounts/new", data={**base, "username": "typed1", "display_name": "甲",
                                                         "scope": "school", "password": pw,
                                                         "password_confirm": confirm})
        html = res.get_data(as_text=True)
        assert message in (_field_error(html, "password") + _field_error(html, "password_confirm"))
    res = client.post("/console/accounts/new", data={**base, "username": org.dept_a_user.username,
                                                     "display_name": "甲", "scope": "school"})
    assert "已被使用" in _field_error(res.get_data(as_text=True), "username")
    res = client.post("/console/accounts/new", data={**base, "username": "typed1", "display_name": "学校乙",
                                                     "scope": "school", "password": "typed-pass-1",
                                                     "password_confirm": "typed-pass-1"})
    assert res.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "typed1"))
    assert user.role == "school" and user.check_password("typed-pass-1") and user.must_change_password


def test_a_disabled_account_cannot_log_in_and_its_open_session_ends(app, client, org, staff_login, csrf_off) -> None:
    reviewer = _new_client(app)
    assert _login(reviewer, org.dept_a_user.username).status_code == 302
    assert reviewer.get("/console/").status_code == 200
    staff_login(org.school_user)
    assert client.post(f"/console/accounts/{org.dept_a_user.id}/active", data={"active": "0"}).status_code == 302
    res = reviewer.get("/console/")
    assert res.status_code == 302 and "/console/login" in res.headers["Location"]
    res = _login(reviewer, org.dept_a_user.username)
    assert res.status_code == 400 and "已停用" in res.get_data(as_text=True)
    assert "已停用" in client.get("/console/accounts").get_data(as_text=True)

    assert client.post(f"/console/accounts/{org.dept_a_user.id}/active", data={"active": "1"}).status_code == 302
    assert _login(reviewer, org.dept_a_user.username).status_code == 302
    events = _events("user.")
    assert [e.action for e in events] == ["user.disable", "user.enable"]
    _labelled(events)


def test_reset_password_ends_sessions_and_must_be_changed(app, client, org, staff_login, csrf_off) -> None:
    reviewer = _new_client(app)
    _login(reviewer, org.dept_b_user.username)
    staff_login(org.school_user)
    res = client.post(f"/console/accounts/{org.dept_b_user.id}/password",
                      data={"password_mode": "set", "password": "abc", "password_confirm": "abc"})
    assert res.status_code == 400 and "至少8位" in _field_error(res.get_data(as_text=True), "reset-password")
    res = client.post(f"/console/accounts/{org.dept_b_user.id}/password", data={"password_mode": "generate"})
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    new = re.search(r'id="generated-password"[^>]*>([^<]+)<', res.get_data(as_text=True)).group(1)
    assert reviewer.get("/console/").status_code == 302  # the open session ended
    assert _login(reviewer, org.dept_b_user.username).status_code == 400  # the old password no longer works
    assert _login(reviewer, org.dept_b_user.username, new).status_code == 302
    assert reviewer.get("/console/review").headers["Location"].endswith("/console/password")
    assert [e.action for e in _events("user.")] == ["user.password_reset"]
    assert new not in str(_events("user.")[0].data)


def test_school_changes_the_scope_of_an_account(client, org, staff_login, csrf_off) -> None:
    staff_login(org.school_user)
    page = client.get(f"/console/accounts/{org.dept_a_user.id}").get_data(as_text=True)
    assert f'<option value="{org.dept_a.id}" selected' in page
    res = client.post(f"/console/accounts/{org.dept_a_user.id}", data={"display_name": "外院新老师",
                                                                     "scope": str(org.dept_b.id)})
    assert res.status_code == 302
    db.session.expire_all()
    assert (org.dept_a_user.department_id, org.dept_a_user.display_name) == (org.dept_b.id, "外院新老师")
    res = client.post(f"/console/accounts/{org.dept_a_user.id}", data={"display_name": "外院新老师", "scope": "999"})
    assert res.status_code == 400 and "审核范围" in _field_error(res.get_data(as_text=True), "scope")
    # made a 学校 reviewer: the department is cleared (the database's role_scope check holds)
    assert client.post(f"/console/accounts/{org.dept_a_user.id}", data={"display_name": "x", "scope": "school"}
                       ).status_code == 302
    db.session.expire_all()
    assert (org.dept_a_user.role, org.dept_a_user.department_id) == ("school", None)
    events = _events("user.update")
    assert events[0].data["changes"]["department_id"] == [org.dept_a.id, org.dept_b.id]
    _labelled(events)


def test_a_school_user_cannot_disable_reset_or_rescope_themselves(client, org, staff_login, csrf_off) -> None:
    staff_login(org.school_user)
    page = client.get(f"/console/accounts/{org.school_user.id}").get_data(as_text=True)
    assert 'id="account-active"' not in page and 'id="account-reset"' not in page
    client.post(f"/console/accounts/{org.school_user.id}/active", data={"active": "0"})
    client.post(f"/console/accounts/{org.school_user.id}/password", data={"password_mode": "generate"})
    res = client.post(f"/console/accounts/{org.school_user.id}", data={"display_name": "x",
                                                                     "scope": str(org.dept_a.id)})
    assert res.status_code == 400
    db.session.expire_all()
    assert org.school_user.active and org.school_user.role == "school" and not org.school_user.must_change_password
    assert client.get("/console/").status_code == 200


def test_a_school_never_sees_or_manages_another_schools_or_admin_accounts(client, org, make_school,
                                                                          make_department, make_user,
                                                                          staff_login, csrf_off) -> None:
    other_school = make_school(name="另一所大学")
    other_dept = make_department(other_school, code="Z01", name="他校学院")
    outsider = make_user("department", school_id=other_school.id, department_id=other_dept.id,
                         display_name="他校院系老师")
    admin = make_user("admin", display_name="平台管理员甲")
    staff_login(org.school_user)
    listing = client.get("/console/accounts").get_data(as_text=True)
    assert "他校院系老师" not in listing and "平台管理员甲" not in listing and "计院老师" in listing
    for target in (outsider, admin):
        assert client.get(f"/console/accounts/{target.id}").status_code == 404
        assert client.post(f"/console/accounts/{target.id}/active", data={"active": "0"}).status_code == 404
        assert client.post(f"/console/accounts/{target.id}/password", data={"password_mode": "generate"}
                           ).status_code == 404
    # a scope of another school's department, or another school in the form, is not taken
    res = client.post("/console/accounts/new", data={"username": "sneaky1", "display_name": "x",
                                                     "scope": str(other_dept.id), "school": str(other_school.id)})
    assert res.status_code == 400 and "审核范围" in _field_error(res.get_data(as_text=True), "scope")
    assert client.get(f"/console/departments/{other_dept.id}/edit").status_code == 404
    assert client.get("/console/schools").status_code == 403
    db.session.expire_all()
    assert outsider.active and _count(User, User.username == "sneaky1") == 0


def test_department_reviewers_and_employers_cannot_reach_school_administration(client, org, make_employer,
                                                                               make_user, staff_login,
                                                                               csrf_off) -> None:
    pages = ["/console/departments", "/console/departments/new", "/console/majors", "/console/majors/new",
             "/console/accounts", "/console/accounts/new", "/console/schools", "/console/schools/new",
             f"/console/departments/{org.dept_a.id}/edit", f"/console/accounts/{org.dept_b_user.id}"]
    staff_login(org.dept_a_user)
    for url in pages:
        res = client.get(url)
        assert res.status_code == 403, url
        assert "无权访问" in res.get_data(as_text=True)
    assert client.post("/console/departments/new", data={"code": "X1", "name": "越权学院"}).status_code == 403
    assert client.post(f"/console/accounts/{org.dept_b_user.id}/active", data={"active": "0"}).status_code == 403
    nav = client.get("/console/").get_data(as_text=True)
    assert 'id="nav-departments"' not in nav and 'id="nav-accounts"' not in nav and 'id="nav-password"' in nav

    employer = make_user("employer", employer_id=make_employer().id)
    page = client.get("/employer/login").get_data(as_text=True)
    client.post("/console/logout")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    res = client.post("/employer/login", data={"username": employer.username, "password": PASSWORD,
                                               **({"csrf_token": token.group(1)} if token else {})})
    assert res.status_code == 302
    for url in pages:
        assert client.get(url).status_code == 403, url
    assert client.post("/console/departments/new", data={"code": "X1", "name": "越权学院"}).status_code == 403
    db.session.expire_all()
    assert org.dept_b_user.active and _count(Department, Department.name == "越权学院") == 0


# --- one's own password -----------------------------------------------------------------------------


@pytest.mark.parametrize("form, field, message", [
    ({"current_password": "wrong-pass-1", "new_password": "newer-pass-2", "new_password_confirm": "newer-pass-2"},
     "current_password", "当前密码不正确"),
    ({"current_password": PASSWORD, "new_password": "short1", "new_password_confirm": "short1"},
     "new_password", "至少8位"),
    ({"current_password": PASSWORD, "new_password": "onlyletters", "new_password_confirm": "onlyletters"},
     "new_password", "字母和数字"),
    ({"current_password": PASSWORD, "new_password": "newer-pass-2", "new_password_confirm": "newer-pass-3"},
     "new_password_confirm", "不一致"),
    ({"current_password": PASSWORD, "new_password": PASSWORD, "new_password_confirm": PASSWORD},
     "new_password", "不能与当前密码相同"),
])
def test_password_change_rules(client, org, staff_login, csrf_off, form, field, message) -> None:
    staff_login(org.dept_a_user)
    res = client.post("/console/password", data=form)
    assert res.status_code == 400
    assert message in _field_error(res.get_data(as_text=True), field)
    db.session.expire_all()
    assert org.dept_a_user.check_password(PASSWORD)
    assert _events("user.password_change") == []


def test_password_change_keeps_this_session_and_ends_the_others(app, client, org, staff_login) -> None:
    elsewhere = _new_client(app)
    _login(elsewhere, org.dept_a_user.username)
    staff_login(org.dept_a_user)
    token = _form(client, "/console/password")["csrf_token"]
    res = client.post("/console/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                 "new_password": "newer-pass-2",
                                                 "new_password_confirm": "newer-pass-2"})
    assert res.status_code == 302
    assert client.get("/console/").status_code == 200
    assert elsewhere.get("/console/").status_code == 302
    events = _events("user.password_change")
    assert len(events) == 1 and events[0].actor_id == org.dept_a_user.id
    _labelled(events)


# --- the platform admin: schools and their first account -------------------------------------------


def test_admin_creates_a_school_toggles_modules_and_its_first_account(app, client, make_user, staff_login) -> None:
    admin = make_user("admin", display_name="平台管理员甲")
    staff_login(admin)
    form = _form(client, "/console/schools/new")
    data = {**form, "code": "10099", "name": "新建大学", "archive_module_enabled": "1"}
    first = client.post("/console/schools/new", data=data)
    second = client.post("/console/schools/new", data=data)
    assert first.status_code == second.status_code == 302 and first.headers["Location"] == second.headers["Location"]
    assert _count(School, School.code == "10099") == 1
    school = db.session.scalar(select(School).where(School.code == "10099"))
    assert (school.archive_module_enabled, school.hukou_module_enabled, school.skip_department_review) == (
        True, False, False)
    listing = client.get("/console/schools?q=新建").get_data(as_text=True)
    assert "新建大学" in listing and "未创建" in listing

    res = client.post(f"/console/schools/{school.id}", data={"csrf_token": form["csrf_token"], "code": "10099",
                                                             "name": "新建大学", "skip_department_review": "1",
                                                             "hukou_module_enabled": "1"})
    assert res.status_code == 302
    db.session.expire_all()
    assert (school.archive_module_enabled, school.hukou_module_enabled, school.skip_department_review) == (
        False, True, True)

    account_form = _form(client, f"/console/accounts/new?school={school.id}")
    page = client.get(f"/console/accounts/new?school={school.id}").get_data(as_text=True)
    assert "院系：" not in page  # the admin creates 学校 accounts only
    data = {**account_form, "school": str(school.id), "username": "newschool", "display_name": "新建大学就业办",
            "scope": "school", "password_mode": "generate"}
    res = client.post("/console/accounts/new", data=data)
    assert res.status_code == 200 and 'id="generated-password"' in res.get_data(as_text=True)
    assert client.post("/console/accounts/new", data=data).status_code == 302
    assert _count(User, User.school_id == school.id) == 1
    user = db.session.scalar(select(User).where(User.username == "newschool"))
    assert (user.role, user.school_id, user.must_change_password) == ("school", school.id, True)
    assert "newschool" in client.get(f"/console/schools/{school.id}").get_data(as_text=True)
    events = _events("school.") + _events("user.")
    assert [e.action for e in events] == ["school.create", "school.update", "user.create"]
    assert all(e.school_id == school.id and e.role == "admin" for e in events)
    _labelled(events)


def test_school_form_errors(client, make_school, make_user, staff_login, csrf_off) -> None:
    make_school(code="10001", name="北京大学")
    staff_login(make_user("admin"))
    res = client.post("/console/schools/new", data={"code": "1001", "name": "", "hukou_module_enabled": "1"})
    html = res.get_data(as_text=True)
    assert res.status_code == 400
    assert "5位数字" in _field_error(html, "code") and "请填写学校名称" in _field_error(html, "name")
    assert 'value="1001"' in html and 'id="hukou_module_enabled" checked' in html
    res = client.post("/console/schools/new", data={"code": "10001", "name": "北京大学"})
    html = res.get_data(as_text=True)
    assert "已存在" in _field_error(html, "code") and "同名学校" in _field_error(html, "name")
    assert _count(School) == 1


def test_school_reviewers_cannot_manage_schools(client, org, staff_login, csrf_off) -> None:
    staff_login(org.school_user)
    assert client.get("/console/schools").status_code == 403
    assert client.post("/console/schools/new", data={"code": "10098", "name": "越权大学"}).status_code == 403
    assert client.post(f"/console/schools/{org.school.id}", data={"code": org.school.code, "name": "改名",
                                                                   "skip_department_review": "1"}).status_code == 403
    db.session.expire_all()
    assert org.school.name == "北京测试大学" and _count(School, School.code == "10098") == 0
