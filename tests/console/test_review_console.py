"""The reviewer console: queue, item page, decisions, batch pass, direct edit, proofs, images.

Rules covered: RV-1 (outcomes, reasons, no return where not allowed), RV-2 (department → school),
RV-4 (scope and stale decisions), RV-5 / OD-3 (reviewer edits recorded and notified),
RV-6 (history on the item page), OD-4 (reviewers still see voided records).
"""

from __future__ import annotations

import io
import os
import re
from datetime import datetime
from typing import Any

import pytest

from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.destinations import services
from wxbackend.destinations.models import OtherDestination
from wxbackend.files.models import Attachment
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine
from wxbackend.review.models import ReviewEvent, ReviewItem

SH = timeutil.SHANGHAI
STALE = "已被他人处理或已不在您的审核环节"


# --- helpers -----------------------------------------------------------------------------------


def _graduate(make_graduate: Any, major: Any, name: str, **kw: Any) -> Any:
    return make_graduate(major, name=name, confirmed_at=timeutil.now(), **kw)


def _submit(graduate: Any, subkind: str = "labour_contract", fields: dict[str, Any] | None = None,
            proofs: int = 1) -> OtherDestination:
    """A record submitted for review through the domain services, as the graduate's API would."""
    record = services.create(graduate, subkind, LABOUR_FIELDS if fields is None else fields)
    db.session.commit()
    for _ in range(proofs):
        services.add_proof(actor_for(graduate), record, jpeg_bytes(), "contract.jpg")
    services.submit(graduate, record)
    db.session.commit()
    return record


def _item(record: OtherDestination) -> ReviewItem:
    db.session.expire_all()
    item = engine.latest_item(services.KIND, record.id)
    assert item is not None
    return item


def _queue_names(html: str) -> list[str]:
    return re.findall(r'class="item-link" href="/console/review/items/\d+">([^<]+)</a>', html)


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, html
    return match.group(1)


def _events(item: ReviewItem) -> list[str]:
    return [e.action for e in engine.history(item)]


@pytest.fixture()
def two(org: Any, make_graduate: Any) -> dict[str, Any]:
    """One submitted labour-contract record in each department."""
    a = _graduate(make_graduate, org.major_a, "甲院学生")
    b = _graduate(make_graduate, org.major_b, "乙院学生")
    return {"a": a, "b": b, "ra": _submit(a), "rb": _submit(b)}


# --- the queue (RV-4) ---------------------------------------------------------------------------


def test_rv_4_department_queue_shows_only_own_department(client, org, two, staff_login) -> None:
    staff_login(org.dept_a_user)
    res = client.get("/console/review")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert _queue_names(html) == ["甲院学生"]
    assert "乙院学生" not in html
    assert "毕业去向登记 · 签劳动合同就业" in html and "院系审核" in html
    assert two["a"].id_number not in html and two["a"].id_number[-4:] in html  # masked
    # asking for the other department by URL changes nothing
    html = client.get(f"/console/review?department={org.dept_b.id}&major={org.major_b.id}").get_data(as_text=True)
    assert "乙院学生" not in html


def test_rv_4_school_queue_shows_only_items_at_the_school_stage(client, org, two, staff_login) -> None:
    staff_login(org.school_user)
    assert _queue_names(client.get("/console/review").get_data(as_text=True)) == []  # both at department stage
    engine.decide(org.dept_a_user, _item(two["ra"]).id, "pass")
    db.session.commit()
    assert _queue_names(client.get("/console/review").get_data(as_text=True)) == ["甲院学生"]
    # the department no longer sees what it passed
    client.post("/console/logout")
    staff_login(org.dept_a_user)
    assert _queue_names(client.get("/console/review").get_data(as_text=True)) == []


def test_rv_4_reviewer_of_another_school_sees_nothing_of_ours(client, org, two, staff_login, make_major,
                                                             make_user) -> None:
    for item in (_item(two["ra"]), _item(two["rb"])):
        engine.decide(org.dept_a_user if item.department_id == org.dept_a.id else org.dept_b_user, item.id, "pass")
    db.session.commit()
    outsider = make_user("school", school_id=make_major().school_id)
    staff_login(outsider)
    assert _queue_names(client.get("/console/review").get_data(as_text=True)) == []
    assert client.get(f"/console/review/items/{_item(two['ra']).id}").status_code == 404


def test_queue_filters_by_kind_department_major_and_shanghai_days(client, org, make_graduate, staff_login,
                                                                 frozen_now) -> None:
    org.school.skip_department_review = True  # items start at the school stage
    db.session.commit()
    g1 = _graduate(make_graduate, org.major_a, "一号")
    g2 = _graduate(make_graduate, org.major_a2, "二号")
    g3 = _graduate(make_graduate, org.major_b, "三号")
    # 23:30 and 00:30 Shanghai are the same UTC day (15:30 / 16:30 UTC on 1 May): filters must use Shanghai days
    frozen_now(datetime(2026, 5, 1, 23, 30, tzinfo=SH))
    _submit(g1, "job_seeking", {}, proofs=0)
    frozen_now(datetime(2026, 5, 2, 0, 30, tzinfo=SH))
    _submit(g2, "job_seeking", {}, proofs=0)
    frozen_now(datetime(2026, 5, 3, 9, 0, tzinfo=SH))
    _submit(g3, "job_seeking", {}, proofs=0)
    staff_login(org.school_user)

    def names(query: str) -> list[str]:
        res = client.get("/console/review" + query)
        assert res.status_code == 200, query
        return _queue_names(res.get_data(as_text=True))

    assert names("") == ["一号", "二号", "三号"]  # oldest submission first
    assert names("?kind=other_destination") == ["一号", "二号", "三号"]
    assert names("?kind=archive") == []
    assert names(f"?department={org.dept_a.id}") == ["一号", "二号"]
    assert names(f"?department={org.dept_a.id}&major={org.major_a2.id}") == ["二号"]
    assert names("?from=2026-05-02&to=2026-05-02") == ["二号"]
    assert names("?to=2026-05-01") == ["一号"]
    assert names("?from=2026-05-02") == ["二号", "三号"]
    # a bad date is shown next to its field and ignored, not a 500
    res = client.get("/console/review?from=2026-13-40")
    assert res.status_code == 200 and "日期格式应为 YYYY-MM-DD" in res.get_data(as_text=True)
    assert "求职中" in client.get("/console/review").get_data(as_text=True)


def test_queue_is_paginated_in_sql_and_query_count_does_not_grow(client, org, make_graduate, staff_login,
                                                                count_queries) -> None:
    org.school.skip_department_review = True
    db.session.commit()
    _submit(_graduate(make_graduate, org.major_a, "学生0"), "job_seeking", {}, proofs=0)
    staff_login(org.school_user)
    url = f"/console/review?department={org.dept_a.id}"
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for i in range(1, 61):
        _submit(_graduate(make_graduate, org.major_a if i % 2 else org.major_b, f"学生{i}"), "job_seeking", {},
                proofs=0)
    with count_queries() as big:
        res = client.get(url)
        assert res.status_code == 200
    with count_queries() as page2:
        res2 = client.get("/console/review?page=2")
        assert res2.status_code == 200
    assert big.count == small.count, "\n".join(big.statements)
    assert page2.count <= small.count
    # user, count, page rows, sub-kind labels, departments, majors
    assert big.count <= 6, "\n".join(big.statements)
    html = client.get("/console/review").get_data(as_text=True)
    assert len(_queue_names(html)) == 50 and "第 1 / 2 页" in html
    assert len(_queue_names(res2.get_data(as_text=True))) == 11


# --- home and graduate page ------------------------------------------------------------------------


def test_home_counts_items_waiting_for_the_reviewer_in_one_query(client, org, two, staff_login,
                                                                count_queries) -> None:
    staff_login(org.dept_a_user)
    html = client.get("/console/").get_data(as_text=True)
    assert 'id="waiting-total">1<' in html
    assert 'href="/console/review?kind=other_destination"' in html
    staff_login(org.school_user)
    html = client.get("/console/").get_data(as_text=True)
    assert 'id="waiting-none"' in html
    with count_queries() as q:
        client.get("/console/")
    assert sum("GROUP BY" in s and "review_item" in s for s in q.statements) == 1
    assert sum("review_item" in s for s in q.statements) == 1


# --- the item page and decisions (RV-1, RV-2, RV-6) -------------------------------------------------


def test_rv_6_item_page_shows_graduate_record_proofs_and_history(client, org, two, staff_login) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    res = client.get(f"/console/review/items/{item.id}")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    g = two["a"]
    assert "甲院学生" in html and g.id_number not in html and g.id_number[-4:] in html
    for text in ("计算机学院", "计算机科学与技术", "非定向", "签劳动合同就业", "北京示例科技有限公司", "软件工程师",
                 "9000", "劳动合同（1–9 张）", "已上传 1 张", "待院系审核"):
        assert text in html, text
    file_id = db.session.scalar(db.select(Attachment.file_id).where(Attachment.subject_id == two["ra"].id))
    assert f'src="/console/files/{file_id}"' in html
    assert 'id="decision-form"' in html and 'id="outcome-return"' in html
    assert re.search(r'<strong class="action">提交</strong>', html)


def test_rv_1_return_without_reason_is_refused_next_to_the_field(client, org, two, staff_login, csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    for outcome in ("return", "reject"):
        res = client.post(f"/console/review/items/{item.id}/decide",
                          data={"outcome": outcome, "reason": "  ", "version": str(item.version)})
        assert res.status_code == 400
        html = res.get_data(as_text=True)
        assert 'id="error-reason"' in html and "必须填写原因" in html
        assert f'value="{outcome}" id="outcome-{outcome}" checked' in html  # the choice is kept
    item = _item(two["ra"])
    assert item.status == "pending" and item.stage == "department" and _events(item) == ["submit"]
    res = client.post(f"/console/review/items/{item.id}/decide", data={"version": str(item.version)})
    assert res.status_code == 400 and "请选择审核结果" in res.get_data(as_text=True)


def test_rv_1_return_with_reason_reaches_the_record_and_history(client, org, two, staff_login, csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    res = client.post(f"/console/review/items/{item.id}/decide",
                      data={"outcome": "return", "reason": "合同缺少签字页", "version": str(item.version)})
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/console/review/items/{item.id}")
    db.session.expire_all()
    assert two["ra"].status == "returned" and _item(two["ra"]).last_reason == "合同缺少签字页"
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "已退回修改" in html and "原因：合同缺少签字页" in html and 'id="decision-form"' not in html
    assert '<strong class="action">退回修改</strong>' in html


def test_rv_2_department_pass_goes_to_school_then_school_pass_approves(client, org, two, staff_login,
                                                                     csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    assert client.post(f"/console/review/items/{item.id}/decide",
                       data={"outcome": "pass", "version": str(item.version)}).status_code == 302
    item = _item(two["ra"])
    assert item.stage == "school" and item.status == "pending"
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert 'id="decision-form"' not in html and "待学校审核" in html  # department can still read it
    staff_login(org.school_user)
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert client.post(f"/console/review/items/{item.id}/decide",
                       data={"outcome": "pass", "reason": "材料齐全", "version": _version(html)}).status_code == 302
    db.session.expire_all()
    assert two["ra"].status == "approved"
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "审核通过" in html and "审核意见：材料齐全" in html


def test_rv_1_return_not_offered_or_accepted_when_the_item_does_not_allow_it(client, org, make_graduate,
                                                                            staff_login, csrf_off) -> None:
    """Online signing has no 退回修改; also shows the generic page for a kind without a presenter."""
    g = _graduate(make_graduate, org.major_a, "签约学生")
    item = engine.submit(actor_for(g), "online_agreement", 4242, g, allow_return=False)
    db.session.commit()
    staff_login(org.dept_a_user)
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert 'id="outcome-pass"' in html and 'id="outcome-reject"' in html
    assert 'id="outcome-return"' not in html and "网上签约" in html
    res = client.post(f"/console/review/items/{item.id}/decide",
                      data={"outcome": "return", "reason": "请修改", "version": str(item.version)})
    assert res.status_code == 400 and "不支持退回修改" in res.get_data(as_text=True)
    db.session.expire_all()
    assert item.status == "pending" and _events(item) == ["submit"]


def test_rv_4_stale_decision_shows_a_clear_message(client, org, two, staff_login, make_user, csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    version = _version(client.get(f"/console/review/items/{item.id}").get_data(as_text=True))
    colleague = make_user("department", school_id=org.school.id, department_id=org.dept_a.id)
    engine.decide(colleague, item.id, "pass")  # someone else decides meanwhile
    db.session.commit()
    res = client.post(f"/console/review/items/{item.id}/decide",
                      data={"outcome": "reject", "reason": "材料不实", "version": version})
    assert res.status_code == 409
    html = res.get_data(as_text=True)
    assert STALE in html and 'id="decision-form"' not in html and "待学校审核" in html
    item = _item(two["ra"])
    assert item.stage == "school" and item.status == "pending" and _events(item) == ["submit", "pass"]


def test_rv_4_decision_on_a_version_changed_by_an_edit_is_stale(client, org, two, staff_login, make_user,
                                                               csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    version = _version(client.get(f"/console/review/items/{item.id}").get_data(as_text=True))
    colleague = make_user("department", school_id=org.school.id, department_id=org.dept_a.id)
    services.reviewer_edit(colleague, two["ra"], None, {**LABOUR_FIELDS, "position": "测试工程师"})
    db.session.commit()
    res = client.post(f"/console/review/items/{item.id}/decide", data={"outcome": "pass", "version": version})
    assert res.status_code == 409 and STALE in res.get_data(as_text=True)
    assert _item(two["ra"]).stage == "department"


def test_rv_4_department_gets_404_for_another_departments_item(client, org, two, staff_login, csrf_off) -> None:
    item_b = _item(two["rb"])
    staff_login(org.dept_a_user)
    assert client.get(f"/console/review/items/{item_b.id}").status_code == 404
    res = client.post(f"/console/review/items/{item_b.id}/decide",
                      data={"outcome": "pass", "version": str(item_b.version)})
    assert res.status_code == 404
    assert _item(two["rb"]).stage == "department"


def test_csrf_token_is_required_on_the_decide_form(client, org, two, staff_login) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    data = {"outcome": "pass", "version": _version(html)}
    assert client.post(f"/console/review/items/{item.id}/decide", data=data).status_code == 400
    assert _item(two["ra"]).stage == "department"
    token = re.search(r'id="decision-form".*?name="csrf_token" value="([^"]+)"', html, re.S).group(1)
    assert client.post(f"/console/review/items/{item.id}/decide",
                       data={**data, "csrf_token": token}).status_code == 302
    assert _item(two["ra"]).stage == "school"


# --- batch pass (RV-4) -----------------------------------------------------------------------------


def test_rv_4_batch_pass_skips_items_someone_else_decided(client, org, make_graduate, two, staff_login,
                                                          make_user, csrf_off) -> None:
    third = _submit(_graduate(make_graduate, org.major_a2, "丙同学"))
    staff_login(org.dept_a_user)
    html = client.get("/console/review").get_data(as_text=True)
    picks = re.findall(r'name="item" value="(\d+:\d+)"', html)
    assert len(picks) == 2
    colleague = make_user("department", school_id=org.school.id, department_id=org.dept_a.id)
    engine.decide(colleague, _item(two["ra"]).id, "return", reason="请补充材料")
    db.session.commit()
    other_dept = f"{_item(two['rb']).id}:1"  # a tampered id from another department
    res = client.post("/console/review/batch-pass",
                      data={"item": [*picks, other_dept], "next": "/console/review?kind=other_destination"})
    assert res.status_code == 302 and res.headers["Location"].endswith("/console/review?kind=other_destination")
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "已通过 1 项；2 项未处理（已被他人处理或不在您的环节）" in page
    assert _item(third).stage == "school"
    assert _item(two["ra"]).status == "returned"
    assert _item(two["rb"]).stage == "department" and _events(_item(two["rb"])) == ["submit"]


def test_batch_pass_all_and_nothing_ticked(client, org, two, staff_login, csrf_off) -> None:
    staff_login(org.dept_a_user)
    res = client.post("/console/review/batch-pass", data={"next": "https://evil.example/"})
    assert res.headers["Location"] == "/console/review"
    assert "请先勾选要通过的记录" in client.get("/console/review").get_data(as_text=True)
    item = _item(two["ra"])
    res = client.post("/console/review/batch-pass", data={"item": f"{item.id}:{item.version}"})
    assert "已通过 1 项" in client.get(res.headers["Location"]).get_data(as_text=True)
    assert _item(two["ra"]).stage == "school"


# --- direct edit (RV-5, OD-3) ------------------------------------------------------------------------


def test_rv_5_od_3_direct_edit_records_before_after_and_notifies(client, org, two, staff_login, csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    res = client.get(f"/console/review/items/{item.id}/edit")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert 'value="软件工程师"' in html and '<select id="unit_nature" name="unit_nature">' in html
    assert '<option value="39" selected>' in html
    form = {**{k: str(v) for k, v in LABOUR_FIELDS.items()}, "position": "测试工程师", "unit_nature": "22",
            "subkind": "labour_contract", "version": _version(html)}
    res = client.post(f"/console/review/items/{item.id}/edit", data=form)
    assert res.status_code == 302 and f"/console/review/items/{item.id}" in res.headers["Location"]
    db.session.expire_all()
    record = db.session.get(OtherDestination, two["ra"].id)
    assert record.fields["position"] == "测试工程师" and record.fields["unit_nature"] == "22"
    edit = db.session.scalar(db.select(ReviewEvent).where(ReviewEvent.item_id == item.id,
                                                          ReviewEvent.action == "edit"))
    assert edit.changes["岗位名称"] == ["软件工程师", "测试工程师"]
    assert edit.changes["单位性质"] == ["其他企业", "中初教育单位"]
    outbox = db.session.scalars(db.select(NotificationOutbox).where(NotificationOutbox.kind == "info_edited")).all()
    assert len(outbox) == 1 and outbox[0].graduate_id == two["a"].id
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert '<strong class="action">修改信息</strong>' in html
    assert '<td class="before">软件工程师</td><td class="arrow">→</td><td class="after">测试工程师</td>' in html
    assert "测试工程师" in html and _item(two["ra"]).status == "pending"


def test_od_3_reviewer_changes_the_sub_kind(client, org, two, staff_login, csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    html = client.get(f"/console/review/items/{item.id}/edit?subkind=domestic_study").get_data(as_text=True)
    assert '<select id="study_level" name="study_level">' in html and 'id="subkind-change"' in html
    assert 'name="position"' not in html
    res = client.post(f"/console/review/items/{item.id}/edit", data={
        "subkind": "domestic_study", "study_level": "", "admit_school": "北京大学", "admit_major": "计算机",
        "version": _version(html)})
    assert res.status_code == 400  # study level missing
    page = res.get_data(as_text=True)
    assert 'id="error-study_level"' in page and 'value="北京大学"' in page
    level = re.search(r'<select id="study_level" name="study_level">\s*<option value="">请选择</option>\s*'
                      r'<option value="([^"]+)"', page).group(1)
    res = client.post(f"/console/review/items/{item.id}/edit", data={
        "subkind": "domestic_study", "study_level": level, "admit_school": "北京大学", "admit_major": "计算机",
        "version": _version(html)})
    assert res.status_code == 302
    db.session.expire_all()
    record = db.session.get(OtherDestination, two["ra"].id)
    assert record.subkind == "domestic_study" and record.group == "further_study"
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert '<th>毕业去向类型</th><td class="before">签劳动合同就业</td>' in html


def test_od_3_bad_input_shows_errors_next_to_fields_and_changes_nothing(client, org, two, staff_login,
                                                                       csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    html = client.get(f"/console/review/items/{item.id}/edit").get_data(as_text=True)
    form = {**{k: str(v) for k, v in LABOUR_FIELDS.items()}, "position": "", "credit_code": "91110108000000000X",
            "unit_name": "改过的单位名称", "subkind": "labour_contract", "version": _version(html)}
    res = client.post(f"/console/review/items/{item.id}/edit", data=form)
    assert res.status_code == 400
    page = res.get_data(as_text=True)
    assert 'id="error-position"' in page and 'id="error-credit_code"' in page and "校验位" in page
    assert 'value="改过的单位名称"' in page and 'value="91110108000000000X"' in page  # kept
    db.session.expire_all()
    assert db.session.get(OtherDestination, two["ra"].id).fields == two["ra"].fields
    assert _events(_item(two["ra"])) == ["submit"]
    assert db.session.scalar(db.select(db.func.count(NotificationOutbox.id))
                             .where(NotificationOutbox.kind == "info_edited")) == 0


def test_od_3_edit_is_refused_when_the_item_is_not_waiting_for_the_reviewer(client, org, two, staff_login,
                                                                          csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.school_user)  # item is at the department stage
    res = client.get(f"/console/review/items/{item.id}/edit")
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/console/review/items/{item.id}")
    res = client.post(f"/console/review/items/{item.id}/edit",
                      data={**{k: str(v) for k, v in LABOUR_FIELDS.items()}, "position": "越权",
                            "subkind": "labour_contract", "version": str(item.version)})
    assert res.status_code == 302
    db.session.expire_all()
    assert db.session.get(OtherDestination, two["ra"].id).fields["position"] == "软件工程师"
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert 'id="edit-record"' not in html and 'id="upload-form"' not in html


# --- proofs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"this is plain text, not a picture", "contract.jpg", "仅支持 JPG、PNG、HEIC 格式的图片"),
    (b"", "empty.jpg", "上传的文件是空的"),
])
def test_bad_upload_shows_the_error_and_leaves_the_record_unchanged(client, org, two, staff_login, csrf_off,
                                                                    data, filename, message) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    res = client.post(f"/console/review/items/{item.id}/proofs",
                      data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert 'id="upload-error"' in html and message in html
    after = _item(two["ra"])
    assert after.version == item.version and _events(after) == ["submit"]
    assert db.session.scalar(db.select(db.func.count(Attachment.id))
                             .where(Attachment.subject_id == two["ra"].id)) == 1


def test_oversize_upload_is_refused_on_the_item_page(app, client, org, two, staff_login) -> None:
    """Refused while the form is parsed (before the CSRF check): still the item page, with the reason."""
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    res = client.post(f"/console/review/items/{item.id}/proofs",
                      data={"file": (io.BytesIO(os.urandom(100 * 1024)), "big.jpg")},
                      content_type="multipart/form-data")
    assert res.status_code == 413
    html = res.get_data(as_text=True)
    assert 'id="upload-error"' in html and "上传内容过大" in html
    assert _item(two["ra"]).version == item.version
    staff_login(org.dept_b_user)  # not their item: the plain error, nothing about the item
    res = client.post(f"/console/review/items/{item.id}/proofs",
                      data={"file": (io.BytesIO(os.urandom(100 * 1024)), "big.jpg")},
                      content_type="multipart/form-data")
    assert res.status_code == 413 and "甲院学生" not in res.get_data(as_text=True)


def test_od_3_reviewer_adds_and_removes_a_proof_image(client, org, two, staff_login, csrf_off) -> None:
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    res = client.post(f"/console/review/items/{item.id}/proofs",
                      data={"file": (io.BytesIO(jpeg_bytes(color="red")), "签字页.jpg")},
                      content_type="multipart/form-data")
    assert res.status_code == 302
    files = db.session.scalars(db.select(Attachment.file_id).where(Attachment.subject_id == two["ra"].id)
                               .order_by(Attachment.position)).all()
    assert len(files) == 2
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "劳动合同（1–9 张）" in html and "已上传 2 张" in html and "1张" in html and "2张" in html
    res = client.post(f"/console/review/items/{item.id}/proofs/{files[0]}/delete")
    assert res.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(db.select(Attachment.file_id)
                              .where(Attachment.subject_id == two["ra"].id)).all() == [files[1]]
    assert _events(_item(two["ra"])) == ["submit", "edit", "edit"]


def test_od_3_a_proof_upload_sent_twice_adds_one_image(client, org, two, staff_login, csrf_off) -> None:
    """OD-3, RV-5: the upload form carries a one-time key; a double click stores one image and one edit."""
    item = _item(two["ra"])
    staff_login(org.dept_a_user)
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    form = page[page.index('id="upload-form"'):]
    key = re.search(r'name="form_key" value="([^"]+)"', form[:form.index("</form>")])
    assert key, "the upload form carries no one-time key"
    codes = [client.post(f"/console/review/items/{item.id}/proofs",
                         data={"file": (io.BytesIO(jpeg_bytes(color="red")), "签字页.jpg"), "form_key": key.group(1)},
                         content_type="multipart/form-data").status_code for _ in range(2)]
    assert codes == [302, 302]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Attachment.id))
                             .where(Attachment.subject_id == two["ra"].id)) == 2
    assert _events(_item(two["ra"])) == ["submit", "edit"]


def _proof_card(html: str) -> str:
    card = html[html.index('id="proofs"'):]
    return card[:card.index('id="history-card"')] if 'id="history-card"' in card else card


def test_od_1_a_kind_without_proofs_shows_no_count(client, org, make_graduate, staff_login) -> None:
    """OD-1: 求职中 needs no proof: the page says so and shows no 张 count (no 无需证明材料（0 张）)."""
    graduate = _graduate(make_graduate, org.major_a, "丙同学")
    record = _submit(graduate, "job_seeking", {}, proofs=0)
    staff_login(org.dept_a_user)
    card = _proof_card(client.get(f"/console/review/items/{_item(record).id}").get_data(as_text=True))
    assert "无需证明材料" in card and "张）" not in card and "未上传" not in card


def test_od_3_a_record_moved_to_a_kind_without_proofs_shows_no_count(client, org, make_graduate,
                                                                    staff_login) -> None:
    """OD-3: images left from the earlier kind are still shown, but never as 无需证明材料（1 张）."""
    graduate = _graduate(make_graduate, org.major_a, "丁同学")
    record = _submit(graduate)
    record.subkind, record.group, record.fields = "job_seeking", "unemployed", {}
    db.session.commit()
    staff_login(org.dept_a_user)
    card = _proof_card(client.get(f"/console/review/items/{_item(record).id}").get_data(as_text=True))
    assert "无需证明材料（" not in card and "张）" not in card
    assert "<img" in card


def test_an_agreement_item_shows_no_proof_card(client, org, make_graduate, make_employer, make_user,
                                               staff_login) -> None:
    from tests.console.test_signing_console import TERMS, _employer
    from wxbackend.signing import services as signing

    graduate = _graduate(make_graduate, org.major_a, "戊同学")
    row = signing.invite(_employer(make_employer, make_user), graduate, 5, TERMS)
    db.session.commit()
    signing.accept(graduate, row.id)
    db.session.commit()
    staff_login(org.dept_a_user)
    html = client.get(f"/console/review/items/{engine.open_item(signing.KIND, row.id).id}").get_data(as_text=True)
    assert 'id="proofs"' not in html and "证明材料（0 张）" not in html


# --- stored images -------------------------------------------------------------------------------------


def test_file_is_served_only_to_reviewers_who_can_see_the_graduate(client, org, two, staff_login, make_user,
                                                                   make_major, make_employer) -> None:
    file_id = db.session.scalar(db.select(Attachment.file_id).where(Attachment.subject_id == two["ra"].id))
    url = f"/console/files/{file_id}"
    staff_login(org.dept_b_user)
    assert client.get(url).status_code == 404
    staff_login(org.dept_a_user)
    res = client.get(url)
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "image/jpeg"
    assert res.headers["Cache-Control"] == "private, no-store"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.data[:2] == b"\xff\xd8"
    staff_login(org.school_user)
    assert client.get(url).status_code == 200
    staff_login(make_user("school", school_id=make_major().school_id))
    assert client.get(url).status_code == 404
    staff_login(make_user("admin"))
    assert client.get(url).status_code == 404
    assert client.get("/console/files/999999").status_code == 404
    # an employer account (no console login yet): swap the session's account for one
    employer = make_user("employer", employer_id=make_employer().id)
    from wxbackend.accounts.models import WebSession

    db.session.add(WebSession(id="swapped-session", user_id=employer.id))
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = f"u:{employer.id}:{employer.session_version}:swapped-session"
    assert client.get(url).status_code == 404


# --- voided records (OD-4) -------------------------------------------------------------------------------


def test_od_4_reviewers_still_see_a_voided_record(client, org, two, staff_login, frozen_now) -> None:
    item = _item(two["ra"])
    engine.decide(org.dept_a_user, item.id, "pass")
    engine.decide(org.school_user, item.id, "pass")
    db.session.commit()
    frozen_now(datetime(2026, 7, 10, 9, 30, 5, tzinfo=SH))
    services.void(two["a"], db.session.get(OtherDestination, two["ra"].id))
    db.session.commit()
    for reviewer in (org.dept_a_user, org.school_user):
        staff_login(reviewer)
        html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
        assert 'id="status-banner"' in html and "已作废（毕业生于 2026-07-10 09:30:05 作废）" in html
        assert "北京示例科技有限公司" in html and "审核通过" in html
        detail = client.get(f"/console/graduates/{two['a'].id}").get_data(as_text=True)
        assert 'id="destinations"' in detail and "已作废" in detail
        assert f'href="/console/review/items/{item.id}"' in detail
