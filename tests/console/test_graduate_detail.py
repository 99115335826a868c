"""Graduate detail: every fig. 4 field labelled, masked 身份证号, audited reveal, history timeline."""

from __future__ import annotations

import re

from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _id_cell(html: str) -> str:
    match = re.search(r'<span id="id-number"[^>]*>([^<]+)</span>', html)
    assert match, html
    return match.group(1)


def test_detail_shows_every_fig_4_field_with_labels(client, org, make_graduate, staff_login) -> None:
    g = make_graduate(org.major_a, name="陈诚", exam_no="22110101123456", student_no="2022001",
                      ethnicity="08", political_status="01", origin_region="110101", email="cc@example.com")
    staff_login(org.dept_a_user)
    res = client.get(f"/console/graduates/{g.id}")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    for label in ("考生号", "姓名", "身份证号", "毕业院校", "学历", "性别", "民族", "政治面貌", "培养方式",
                  "生源所在地", "入学时间", "毕业时间", "学号", "院系", "专业", "学制", "档案是否转入学校",
                  "户口是否转入学校", "电子邮箱", "手机号码"):
        assert f"<th>{label}</th>" in html, label
    for value in ("22110101123456", "北京测试大学", "本科", "男", "壮族", "中共党员", "非定向",
                  "北京市东城区", "202309", "202706", "2022001", "计算机学院", "计算机科学与技术",
                  "cc@example.com"):
        assert value in html, value
    assert "定向/委培单位" not in html  # only for 定向/委培


def test_detail_shows_sponsor_unit_for_directed_graduates(client, org, make_graduate, staff_login) -> None:
    g = make_graduate(org.major_a, training_mode="2", sponsor_unit="某市人民医院")
    staff_login(org.school_user)
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    assert "定向/委培单位" in html and "某市人民医院" in html


def test_id_number_is_masked_on_the_detail_page(client, org, make_graduate, staff_login) -> None:
    g = make_graduate(org.major_a)
    staff_login(org.school_user)
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    assert g.id_number not in html
    assert _id_cell(html) == g.id_number[:3] + "*" * 11 + g.id_number[-4:]
    assert 'id="reveal-id"' in html


def test_school_reviewer_reveals_the_full_id_once_and_it_is_audited(client, org, make_graduate,
                                                                  staff_login) -> None:
    g = make_graduate(org.major_a)
    staff_login(org.school_user)
    page = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = client.post(f"/console/graduates/{g.id}/reveal-id", data={"csrf_token": token})
    assert res.status_code == 200
    assert res.headers["Cache-Control"] == "no-store"
    assert _id_cell(res.get_data(as_text=True)) == g.id_number
    events = _events("graduate.reveal_id")
    assert [(e.object_id, e.actor_id, e.role) for e in events] == [(g.id, org.school_user.id, "school")]
    # shown once: the next plain view is masked again, and the history names the reveal
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    assert g.id_number not in html
    assert "查看完整身份证号" in html


def test_department_reviewer_can_never_reveal_the_id(client, org, make_graduate, staff_login,
                                                     csrf_off) -> None:
    g = make_graduate(org.major_a)
    staff_login(org.dept_a_user)
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    assert 'id="reveal-id"' not in html
    assert 'id="edit-graduate"' not in html and 'id="delete-graduate"' not in html
    assert client.post(f"/console/graduates/{g.id}/reveal-id").status_code == 403
    assert _events("graduate.reveal_id") == []


def test_missing_graduate_is_404(client, org, staff_login) -> None:
    staff_login(org.school_user)
    assert client.get("/console/graduates/999999").status_code == 404


def test_history_timeline_shows_who_role_action_and_changes(client, org, make_graduate, staff_login,
                                                            csrf_off) -> None:
    g = make_graduate(org.major_a, name="陈诚", phone="13800138000")
    staff_login(org.school_user)
    page = client.get(f"/console/graduates/{g.id}/edit").get_data(as_text=True)
    form = dict(re.findall(r'<input type="text" id="(\w+)" name="\w+" value="([^"]*)"', page))
    form.update({"education": "31", "gender": "1", "ethnicity": "01", "political_status": "01",
                 "training_mode": "1", "department": "A01", "major": "080902", "archive_at_school": "1",
                 "hukou_at_school": "0"})
    form["phone"] = "13900139000"
    res = client.post(f"/console/graduates/{g.id}/edit", data=form)
    assert res.status_code == 302, res.get_data(as_text=True)
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    assert "修改基本信息" in history
    assert "学校老师（学校）" in history
    expected = [("政治面貌", "共青团员", "中共党员"), ("专业", "计算机科学与技术", "软件工程"),
                ("户口是否转入学校", "是", "否"), ("手机号码", "13800138000", "13900139000")]
    for label, before, after in expected:
        assert re.search(rf"<th>{label}</th><td class=\"before\">{before}</td><td class=\"arrow\">→</td>"
                         rf"<td class=\"after\">{after}</td>", history), label
    assert re.search(r"<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</time>", history)


def test_history_names_import_rows_and_masks_id_changes(client, org, make_graduate, staff_login) -> None:
    from wxbackend.accounts.actors import actor_for
    from wxbackend.core import audit

    g = make_graduate(org.major_a)
    old_id = "11010120020315001X"
    audit.record(actor_for(org.school_user), "graduate.import_update", g, batch_id=7, row=12,
                 changes={"id_number": [old_id, g.id_number], "origin_region": ["110101", "350203"]})
    db.session.commit()
    staff_login(org.dept_a_user)
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    assert "导入修改基本信息" in history and "导入批次 7 第 12 行" in history
    assert old_id not in html and g.id_number not in html
    assert "110***********001X" in history
    assert "福建省厦门市思明区（350203）" in history


def test_d_1_detail_shows_a_signed_online_agreement_as_the_current_destination_with_its_history(
        client, org, make_graduate, make_employer, make_user, staff_login) -> None:
    """D-1, RV-6: the current destination of any kind shows, with the record's timeline (not 暂无毕业去向登记)."""
    from tests.console.test_signing_console import _employer, _signed
    from wxbackend.core import timeutil

    g = make_graduate(org.major_a, name="王堃", confirmed_at=timeutil.now())
    row = _signed(org, g, _employer(make_employer, make_user))
    staff_login(org.dept_a_user)
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    assert "暂无毕业去向登记" not in html
    current = html[html.index('id="current-destination"'):html.index('id="destinations"')]
    assert "网上签约" in current and "学信咨询服务有限公司" in current and "签约完成" in current
    assert row.agreement_no in current
    records = html[html.index('id="destinations"'):]
    records = records[:records.index('id="history"')]
    assert 'data-kind="online_agreement"' in records
    for action in ("发出签约邀请", "接受签约邀请", "签约完成"):
        assert action in records, action
    assert "/console/review/items/" in records


def test_d_1_detail_shows_an_approved_other_destination_as_current(client, org, make_graduate,
                                                                   staff_login) -> None:
    """D-1: an approved other destination is the current one, with its review history."""
    from wxbackend.core import timeutil
    from wxbackend.destinations import services as destinations
    from wxbackend.review import engine

    g = make_graduate(org.major_a, name="李玥", confirmed_at=timeutil.now())
    record = destinations.create(g, "job_seeking", {})
    destinations.submit(g, record)
    db.session.commit()
    for user in (org.dept_a_user, org.school_user):
        engine.decide(user, engine.open_item(destinations.KIND, record.id).id, "pass")
        db.session.commit()
    staff_login(org.school_user)
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    current = html[html.index('id="current-destination"'):html.index('id="destinations"')]
    assert "未就业 · 求职中" in current
    records = html[html.index('id="destinations"'):html.index('id="history"')]
    assert "提交" in records and "通过" in records


def test_detail_says_no_destination_when_there_is_none(client, org, make_graduate, staff_login) -> None:
    g = make_graduate(org.major_a)
    staff_login(org.school_user)
    html = client.get(f"/console/graduates/{g.id}").get_data(as_text=True)
    assert "暂无毕业去向登记" in html and "尚无当前毕业去向" in html
