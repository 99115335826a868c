"""The console side of online signing: agreement and termination items, and waiting terminations (OT-5)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select

from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.review import engine
from wxbackend.review.models import ReviewItem
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement

TERMS: dict[str, Any] = {
    "job_category": "13", "position": "后端开发工程师", "work_region": "110108",
    "archive_transfer_type": "20", "hukou_transfer_type": "20",
}


def _employer(make_employer: Any, make_user: Any, name: str = "学信咨询服务有限公司") -> Any:
    employer = make_employer(name=name, contact_name="李经理", contact_mobile="13111111111")
    return make_user("employer", employer_id=employer.id, display_name=name)


def _signed(org: Any, graduate: Any, employer_user: Any) -> OnlineAgreement:
    row = services.invite(employer_user, graduate, 5, TERMS)
    db.session.commit()
    services.accept(graduate, row.id)
    db.session.commit()
    for user in (org.dept_a_user, org.school_user):
        item = engine.open_item(services.KIND, row.id)
        engine.decide(user, item.id, "pass")
        db.session.commit()
    return row


def test_rv_1_agreement_item_shows_fig9_and_offers_no_return(client, org, make_graduate, make_employer, make_user,
                                                             staff_login) -> None:
    """RV-1, ON-8: the reviewer sees the agreement's terms and only 通过 / 不通过."""
    graduate = make_graduate(org.major_a, name="王堃", confirmed_at=timeutil.now())
    row = services.invite(_employer(make_employer, make_user), graduate, 5, TERMS)
    db.session.commit()
    services.accept(graduate, row.id)
    db.session.commit()
    item = engine.open_item(services.KIND, row.id)
    staff_login(org.dept_a_user)
    queue = client.get("/console/review").get_data(as_text=True)
    assert "网上签约 · 学信咨询服务有限公司" in queue and "王堃" in queue
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "后端开发工程师" in page and "转回生源地" in page
    assert 'value="return"' not in page and "该事项不支持退回修改" in page


def _sections(html: str) -> dict[str, str]:
    """{section title: its table's HTML} of the record card."""
    found = re.findall(r'<section class="record-section"[^>]*>\s*<h3>([^<]+)</h3>(.*?)</section>', html, re.S)
    return dict(found)


def test_on_8_agreement_item_shows_fig9_in_sections(client, org, make_graduate, make_employer, make_user,
                                                    staff_login) -> None:
    """ON-8: the reviewer reads the agreement in the sections of fig. 9, not one flat table."""
    graduate = make_graduate(org.major_a, name="王堃", confirmed_at=timeutil.now(), phone="13800138000")
    row = services.invite(_employer(make_employer, make_user), graduate, 5, TERMS)
    db.session.commit()
    services.accept(graduate, row.id)
    db.session.commit()
    item = engine.open_item(services.KIND, row.id)
    staff_login(org.dept_a_user)
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    sections = _sections(html)
    assert list(sections) == ["签约信息", "用人单位信息", "档案转递", "户口迁移", "协议补充内容", "学生信息"]
    assert "后端开发工程师" in sections["签约信息"] and "邀约时间" in sections["签约信息"]
    assert "学信咨询服务有限公司" in sections["用人单位信息"] and "李经理" in sections["用人单位信息"]
    assert "档案传递类型" in sections["档案转递"] and "户口迁移类型" in sections["户口迁移"]
    assert "13800138000" in sections["学生信息"] and graduate.id_number not in html
    assert " · 岗位名称" not in html  # no flattened "section · label" rows


def test_ot_3_termination_item_shows_the_request_then_the_agreements_sections(
        client, org, make_graduate, make_employer, make_user, staff_login) -> None:
    graduate = make_graduate(org.major_a, name="李玥", confirmed_at=timeutil.now())
    row = _signed(org, graduate, _employer(make_employer, make_user))
    req = services.start_termination("graduate", actor_for(graduate), row, "03", "另有单位")
    db.session.commit()
    services.answer_termination("employer", actor_for(_employer_user_of(row)), req, accept=True)
    db.session.commit()
    item = engine.open_item(services.TERMINATION_KIND, req.id)
    staff_login(org.dept_a_user)
    html = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    sections = _sections(html)
    assert list(sections)[0] == "解约申请" and "另有单位" in sections["解约申请"]
    assert "签约信息" in sections and "用人单位信息" in sections


def _employer_user_of(row: OnlineAgreement) -> Any:
    from wxbackend.accounts.models import User

    return db.session.scalar(select(User).where(User.employer_id == row.employer_id))


def test_ot_5_school_sees_terminations_waiting_for_the_other_side_with_their_age(
        client, org, make_graduate, make_employer, make_user, staff_login, frozen_now) -> None:
    """OT-5: waiting requests are listed with their age, oldest first; answered ones and other departments' not."""
    frozen_now(datetime(2026, 6, 1, 10, 0, tzinfo=timeutil.SHANGHAI))
    employer_user = _employer(make_employer, make_user)
    old = make_graduate(org.major_a, name="李玥", confirmed_at=timeutil.now())
    new = make_graduate(org.major_b, name="张喆", confirmed_at=timeutil.now())
    answered = make_graduate(org.major_a, name="刘昇", confirmed_at=timeutil.now())
    rows = {g.name: _signed(org if g is not new else _org_b(org), g, employer_user) for g in (old, new, answered)}
    services.start_termination("graduate", actor_for(old), rows["李玥"], "03", "另有单位")
    db.session.commit()
    frozen_now(datetime(2026, 6, 11, 10, 0, tzinfo=timeutil.SHANGHAI))
    services.start_termination("employer", actor_for(employer_user), rows["张喆"], "05", None,
                               user=employer_user)
    req = services.start_termination("graduate", actor_for(answered), rows["刘昇"], "07", None)
    db.session.commit()
    services.answer_termination("employer", actor_for(employer_user), req, accept=False)
    db.session.commit()
    frozen_now(datetime(2026, 6, 15, 10, 0, tzinfo=timeutil.SHANGHAI))

    staff_login(org.school_user)
    html = client.get("/console/terminations").get_data(as_text=True)
    assert html.index("李玥") < html.index("张喆") and "刘昇" not in html
    assert "14 天" in html and "4 天" in html and "用人单位回应" in html and "毕业生回应" in html
    assert "13111111111" in html  # whom to call
    assert graduate_id_masked(old.id_number) in html and old.id_number not in html

    staff_login(org.dept_b_user)
    html = client.get("/console/terminations").get_data(as_text=True)
    assert "张喆" in html and "李玥" not in html


def _org_b(org: Any) -> Any:
    class B:
        dept_a_user = org.dept_b_user
        school_user = org.school_user
    return B


def graduate_id_masked(id_number: str) -> str:
    from wxbackend.accounts.validation import mask_id_number

    return mask_id_number(id_number)


def test_batch_pass_signs_agreements(client, org, make_graduate, make_employer, make_user, staff_login,
                                     csrf_off, drain_jobs) -> None:
    """ON-8: the school's batch pass signs each agreement and gives it a 协议编号."""
    employer_user = _employer(make_employer, make_user)
    ids = []
    for name in ("王堃", "李玥"):
        graduate = make_graduate(org.major_a, name=name, confirmed_at=timeutil.now())
        row = services.invite(employer_user, graduate, 5, TERMS)
        db.session.commit()
        services.accept(graduate, row.id)
        db.session.commit()
        item = engine.open_item(services.KIND, row.id)
        engine.decide(org.dept_a_user, item.id, "pass")
        db.session.commit()
        ids.append(row.id)
    staff_login(org.school_user)
    items = db.session.scalars(select(ReviewItem).where(ReviewItem.kind == services.KIND)).all()
    resp = client.post("/console/review/batch-pass",
                       data={"item": [f"{i.id}:{i.version}" for i in items], "next": "/console/review"})
    assert resp.status_code in (302, 303)
    db.session.expire_all()
    numbers = [db.session.get(OnlineAgreement, i).agreement_no for i in ids]
    assert all(numbers) and len(set(numbers)) == 2
    assert sorted(n[-9:] for n in numbers) == ["000000001", "000000002"]

