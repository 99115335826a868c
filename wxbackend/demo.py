"""Demo data for the embedded default (``make run``): one school, reviewers, an employer, ~200 graduates.

Idempotent: a second run changes nothing and prints the logins again.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from importlib import resources

from sqlalchemy import select
from stdnum.cn import ric

from wxbackend.accounts.models import (
    Department,
    Employer,
    Graduate,
    LocalAccount,
    Major,
    Notice,
    School,
    User,
    WechatBinding,
)
from wxbackend.accounts.services import create_employer
from wxbackend.core import audit
from wxbackend.core.db import db
from wxbackend.signing.models import OfflineAgreement

SCHOOL_CODE = "10999"
NEW_EMPLOYER_CODE = "91110105MA01ABCD13"
PASSWORD = "demo-pass-1"

DEPARTMENTS = [
    ("01", "计算机学院", [("080901", "计算机科学与技术"), ("080902", "软件工程"), ("080910", "数据科学与大数据技术")]),
    ("02", "经济管理学院", [("020101", "经济学"), ("120201", "工商管理"), ("120203", "会计学")]),
    ("03", "外国语学院", [("050201", "英语"), ("050207", "日语")]),
    ("04", "机械工程学院", [("080202", "机械设计制造及其自动化"), ("080204", "机械电子工程")]),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚",
         "堃", "玥", "喆", "昇", "子涵", "雨萱", "浩然", "梓轩", "欣怡", "思远", "一鸣", "佳琪", "宇航", "晓彤"]
REGIONS = ["110101", "110108", "310104", "320102", "330106", "350203", "420111", "440106", "510107", "610113",
           "370102", "410105", "430104", "500103", "130102"]


def _id_number(rng: random.Random, region: str, gender: str) -> str:
    birth = f"{rng.randint(2001, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    order = rng.randint(0, 99)
    seq = order * 10 + (rng.choice([1, 3, 5, 7, 9]) if gender == "1" else rng.choice([0, 2, 4, 6, 8]))
    body = f"{region}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def load_demo() -> Iterator[str]:
    school = db.session.scalar(select(School).where(School.code == SCHOOL_CODE))
    if school is None:
        _create()
    _wechat()
    _receiving_offices()
    yield from _logins()


def _receiving_offices() -> None:
    """The platform-wide demo entries of the 档案接收单位 directory (``data/receiving_offices.json``), once each."""
    from wxbackend.transfers import directory

    raw = json.loads(resources.files("wxbackend.data").joinpath("receiving_offices.json").read_text(encoding="utf-8"))
    added = 0
    for entry in raw["offices"]:
        if directory.same_entry(None, entry["region"], directory.name_key(entry["name"])) is None:
            directory.create(audit.SYSTEM, None, entry)
            added += 1
    if added:
        db.session.commit()


def _wechat() -> None:
    """The stand-in's demo WeChat identities: 王堃's is bound (mini-program and official account), 李玥's is not."""
    from wxbackend import standin

    wangkun = db.session.scalar(select(LocalAccount).where(LocalAccount.username == "chsi-wangkun"))
    graduate = wangkun and db.session.scalar(select(Graduate).where(Graduate.id_number == wangkun.id_number))
    person = standin.identity("wangkun")
    if graduate is None or db.session.scalar(select(WechatBinding.id).where(
            (WechatBinding.graduate_id == graduate.id) | (WechatBinding.unionid == person.unionid))):
        return
    db.session.add(WechatBinding(graduate_id=graduate.id, openid=person.mini_openid, oa_openid=person.oa_openid,
                                 unionid=person.unionid))
    audit.record(audit.SYSTEM, "demo.wechat", graduate, unionid=person.unionid)
    db.session.commit()


def _create() -> None:
    rng = random.Random(20261128)
    actor = audit.SYSTEM
    school = School(code=SCHOOL_CODE, name="示范大学")
    db.session.add(school)
    db.session.flush()
    majors: list[Major] = []
    for code, name, major_list in DEPARTMENTS:
        dept = Department(school_id=school.id, code=code, name=name)
        db.session.add(dept)
        db.session.flush()
        for mcode, mname in major_list:
            major = Major(school_id=school.id, department_id=dept.id, code=mcode, name=mname)
            db.session.add(major)
            majors.append(major)
    db.session.flush()

    def user(username: str, name: str, role: str, **scope: int) -> None:
        u = User(username=username, display_name=name, role=role, **scope)
        u.set_password(PASSWORD)
        db.session.add(u)

    user("admin", "平台管理员", "admin")
    user("school", "示范大学就业指导中心", "school", school_id=school.id)
    depts = db.session.scalars(select(Department).where(Department.school_id == school.id)
                               .order_by(Department.code)).all()
    for dept in depts:
        user(f"dept{dept.code}", f"{dept.name}就业工作组", "department", school_id=school.id, department_id=dept.id)

    employer = create_employer(actor, "学信咨询服务有限公司", "91110108749352307A", unit_nature="31", industry="34",
                               address_region="110102", address_detail="西直门外大街18号楼3层5单元301",
                               contact_name="李经理", contact_phone="010-11111111", contact_mobile="13111111111")
    user("employer", "学信咨询服务有限公司", "employer", employer_id=employer.id)
    newcomer = create_employer(actor, "北京新创科技有限公司", NEW_EMPLOYER_CODE, unit_nature="31", industry="65",
                               address_region="110105", address_detail="望京街10号", contact_name="周经理",
                               contact_phone="010-22222222", contact_mobile="13122222222")
    user("employer2", "北京新创科技有限公司", "employer", employer_id=newcomer.id)

    graduates: list[Graduate] = []
    for i in range(200):
        major = majors[i % len(majors)]
        gender = rng.choice("12")
        region = rng.choice(REGIONS)
        directed = i % 37 == 5
        graduates.append(Graduate(
            school_id=school.id, department_id=major.department_id, major_id=major.id,
            exam_no=f"22{rng.randint(10, 65)}{rng.randint(0, 10**10 - 1):010d}",
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            id_number=_id_number(rng, region, gender), gender=gender,
            education="31", ethnicity=rng.choice(["01"] * 9 + ["08", "05", "11"]),
            political_status=rng.choice(["03", "03", "03", "01", "13"]),
            training_mode="2" if directed else "1", sponsor_unit="示范市人民医院" if directed else None,
            origin_region=region, enrol_ym="202309", graduate_ym="202706", student_no=f"2023{i:05d}",
            schooling_years=4, archive_at_school=rng.random() < 0.8, hukou_at_school=rng.random() < 0.4,
            email=f"student{i}@example.edu.cn", phone=f"138{rng.randint(0, 10**8 - 1):08d}",
        ))
    # a few graduates whose names carry rare characters (agreement PDFs must render them)
    for g, name in zip(graduates[:4], ["王堃", "李玥", "张喆", "刘昇"], strict=True):
        g.name = name
    graduates[0].hukou_at_school = True
    db.session.add_all(graduates)
    db.session.flush()

    def account(username: str, id_number: str | None, name: str | None) -> None:
        a = LocalAccount(username=username, id_number=id_number, name=name, phone="13800000000")
        a.set_password(PASSWORD)
        db.session.add(a)

    account("chsi-wangkun", graduates[0].id_number, graduates[0].name)
    account("chsi-liyue", graduates[1].id_number, graduates[1].name)
    account("chsi-unbound", None, None)
    body = "110101200001010000"
    account("chsi-nobasic", body[:17] + ric.calc_check_digit(body), "赵无信息")

    db.session.add_all([
        Notice(title="国务院办公厅《关于进一步做好高校毕业生等青年就业创业工作的通知》（国办发〔2022〕13号）",
               body="从2023年起，教育部建立高校毕业生毕业去向登记制度，作为高校为毕业生办理离校手续的必要环节。"
                    "教育部门根据有关部门需要和毕业生本人授权，提供毕业生离校时相应去向登记信息查询核验服务。"),
        Notice(title="教育部办公厅《关于推荐使用全国高校毕业生网上签约平台的公告》",
               body="为方便用人单位与毕业生网上签约，教育部已开通全国高校毕业生毕业去向登记与网上签约平台，"
                    "推荐广大用人单位与高校毕业生实行网上签约。"),
    ])
    audit.record(actor, "demo.loaded", school, graduates=len(graduates))
    db.session.commit()
    _qualifications(employer, newcomer)
    _destinations(school, graduates, rng)
    _signing(school, graduates)
    _offline(school, graduates)
    _closing(school, graduates)


def _proof_image(text: str) -> bytes:
    """A small scanned-document-like JPEG for demo proofs."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (900, 1200), (246, 244, 238))
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 40, 860, 1160), outline=(90, 90, 90), width=3)
    draw.text((80, 80), text, fill=(20, 20, 20))
    for y in range(160, 1100, 36):
        draw.line((80, y, 820, y), fill=(160, 160, 160), width=2)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def _qualifications(approved: Employer, waiting: Employer) -> None:
    """单位资质 (EM-1): the first employer's submission approved, the second one's waiting for the admin."""
    from wxbackend.accounts import qualification
    from wxbackend.accounts.actors import actor_for
    from wxbackend.files.service import store_upload

    admin = db.session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    for employer in (approved, waiting):
        account = db.session.scalar(select(User).where(User.employer_id == employer.id))
        assert account is not None
        row = qualification.submit(account, {"name": employer.name, "credit_code": employer.credit_code})
        store_upload(actor_for(account), _proof_image(f"Business licence - {employer.credit_code}"), "营业执照.jpg",
                     attach_to=(qualification.KIND, row.id))
        if employer is approved:
            qualification.decide(admin, row.id, True)
            db.session.commit()


def _destinations(school: School, graduates: list[Graduate], rng: random.Random) -> None:
    """Other-destination records in every state, so the reviewers' queues have work (§4.5)."""
    from wxbackend.accounts.actors import actor_for
    from wxbackend.core import timeutil
    from wxbackend.destinations import services
    from wxbackend.review import engine

    reviewers = {u.username: u for u in db.session.scalars(select(User).where(User.school_id == school.id))}
    from stdnum.cn import uscc

    units = [("示范软件股份有限公司", "91110108749352307A", "39", "34", "110108"),
             ("东方智造科技有限公司", "91310104MA1FL0XA3" + uscc.calc_check_digit("91310104MA1FL0XA3"), "32", "22",
              "310104")]
    positions = ["软件工程师", "数据分析师", "测试工程师"]
    plan = ["pending"] * 14 + ["school"] * 6 + ["returned"] * 3 + ["approved"] * 4 + ["voided"] * 2 + ["rejected"]
    candidates = [g for g in graduates[4:] if not g.is_directed]
    for g, state in zip(candidates, plan, strict=False):
        g.confirmed_at = timeutil.now()
        dept_user = reviewers[f"dept{g.department.code}"]
        if state in ("pending", "school") and rng.random() < 0.4:
            record = services.create(g, rng.choice(["job_seeking", "plan_study", "public_exam"]), {})
        else:
            unit = rng.choice(units)
            record = services.create(g, "labour_contract", {
                "unit_name": unit[0], "credit_code": unit[1], "unit_nature": unit[2], "industry": unit[3],
                "unit_region": unit[4], "job_category": "13", "position": rng.choice(positions),
                "contact_name": "人事部", "contact_phone": "010-62345678", "monthly_pay": rng.randint(60, 160) * 100,
                "start_date": "2027-07-01"})
            db.session.commit()
            services.add_proof(actor_for(g), record, _proof_image(f"Labour contract - {g.student_no}"),
                               "劳动合同.jpg")
        services.submit(g, record)
        db.session.commit()
        item = engine.open_item(services.KIND, record.id)
        assert item is not None
        if state == "returned":
            engine.decide(dept_user, item.id, "return", reason="劳动合同缺少签字盖章页，请补充后重新提交")
        elif state == "rejected":
            engine.decide(dept_user, item.id, "reject", reason="单位信息无法核实")
        elif state in ("school", "approved", "voided"):
            engine.decide(dept_user, item.id, "pass")
            if state != "school":
                engine.decide(reviewers["school"], item.id, "pass")
        db.session.commit()
        if state == "voided":
            services.void(g, record)
            db.session.commit()
    audit.record(actor_for(reviewers["school"]), "demo.destinations", school, records=len(plan))
    db.session.commit()


def _signing(school: School, graduates: list[Graduate]) -> None:
    """Invitations and agreements in every state (§4.1, §4.2), for the employer portal and the queues."""
    from datetime import timedelta

    from wxbackend.accounts.actors import actor_for
    from wxbackend.core import timeutil
    from wxbackend.review import engine
    from wxbackend.signing import services

    reviewers = {u.username: u for u in db.session.scalars(select(User).where(User.school_id == school.id))}
    employer_user = db.session.scalar(select(User).where(User.username == "employer"))
    assert employer_user is not None
    from wxbackend.signing.forms import EXAMPLE_TERMS

    terms = {**EXAMPLE_TERMS, "report_deadline": "2027-07-15", "hukou_transfer_type": "13",
             "hukou_address": "北京市西城区56号"}
    pool = [g for g in graduates[60:] if not g.is_directed]
    plan = [(graduates[0], "signed"), (graduates[1], "waiting"), (graduates[2], "department"),
            (graduates[3], "school"), (pool[0], "failed"), (pool[1], "expired"), (pool[2], "declined"),
            (pool[3], "terminating"), (pool[4], "waiting")]
    for g, state in plan:
        if state == "expired":  # sent nine days ago, so its history says so too (the clock runs again below)
            timeutil.freeze(timeutil.now() - timedelta(days=9))
        row = services.invite(employer_user, g, 7, terms)
        db.session.commit()
        if state == "expired":
            timeutil.freeze(None)
            continue
        if state == "waiting":
            continue
        if state == "declined":
            services.decline(g, row.id)
            db.session.commit()
            continue
        services.accept(g, row.id)
        db.session.commit()
        dept_user = reviewers[f"dept{g.department.code}"]
        item = engine.open_item(services.KIND, row.id)
        assert item is not None
        if state == "failed":
            engine.decide(dept_user, item.id, "reject", reason="岗位信息与单位招聘计划不符，请单位重新发起邀请")
        elif state != "department":
            engine.decide(dept_user, item.id, "pass")
            if state != "school":
                engine.decide(reviewers["school"], item.id, "pass")
        db.session.commit()
        if state == "terminating":
            services.start_termination("graduate", actor_for(g), row, "03", "已与另一家单位达成就业意向")
            db.session.commit()
    services.expire_due(timeutil.now())
    db.session.commit()
    services.fan_out_pending()
    db.session.commit()


def _offline(school: School, graduates: list[Graduate]) -> None:
    """Offline applications (§4.3): one per review phase, one passed with the employer's link sent, a paper one."""
    from wxbackend.accounts.actors import actor_for
    from wxbackend.core import timeutil
    from wxbackend.review import engine
    from wxbackend.signing import offline, offline_documents
    from wxbackend.signing.forms import EXAMPLE_TERMS

    reviewers = {u.username: u for u in db.session.scalars(select(User).where(User.school_id == school.id))}
    unit = {"unit_name": "北辰数据服务有限公司", "credit_code": "91110108749352307A", "unit_nature": "39",
            "industry": "34", "address_region": "110108", "address_detail": "中关村大街27号",
            "contact_name": "赵经理", "contact_phone": "010-62345678", "contact_mobile": "13911112222"}
    form = {**unit, **{k: v for k, v in EXAMPLE_TERMS.items() if v not in (None, "")}}
    pool = [g for g in graduates[60:] if not g.is_directed][5:9]
    for g, state in zip(pool, ("department", "passed", "link", "paper"), strict=True):
        g.confirmed_at = timeutil.now()
        record = offline.create(g, "paper" if state == "paper" else "eagreement", form)
        db.session.commit()
        if state == "paper":
            offline.add_page(actor_for(g), record, _proof_image(f"Signed agreement - {g.student_no}"), "协议书.jpg")
        offline.submit(g, db.session.get(OfflineAgreement, record.id, populate_existing=True))
        db.session.commit()
        if state in ("department", "paper"):
            continue
        for who in (f"dept{g.department.code}", "school"):
            item = engine.open_item(offline.KIND, record.id)
            assert item is not None
            engine.decide(reviewers[who], item.id, "pass")
            db.session.commit()
        offline_documents.render_printable(record.id)
        if state == "link":
            offline.request_employer_upload(g, db.session.get(OfflineAgreement, record.id, populate_existing=True))
            db.session.commit()


def _closing(school: School, graduates: list[Graduate]) -> None:
    """The school's first 上报; 王堃 confirms it and lets archive offices verify it (§7, §8)."""
    from datetime import date

    from wxbackend.confirmation import services as confirmation
    from wxbackend.core import timeutil
    from wxbackend.reporting import services as reporting
    from wxbackend.verification import services as verification

    school_user = db.session.scalar(select(User).where(User.username == "school"))
    assert school_user is not None
    wangkun = graduates[0]
    if wangkun.confirmed_at is None:
        wangkun.confirmed_at = timeutil.now()
    db.session.commit()
    reporting.report(school_user, school.id, 2027)
    db.session.commit()
    confirmation.confirm(wangkun)
    db.session.commit()
    if verification.refusal(wangkun, "archive") is None:
        verification.create(wangkun, "archive", min(date(2027, 12, 31), verification.latest_valid_until(wangkun)))
        db.session.commit()


def _verifications() -> Iterator[str]:
    from wxbackend.core import ids
    from wxbackend.verification.models import Verification

    row = db.session.scalar(select(Verification).where(Verification.status == "active").order_by(Verification.id))
    if row is not None:
        graduate = db.session.get(Graduate, row.graduate_id)
        yield (f"  public verification  http://127.0.0.1:5000/verify/{row.module}  "
               f"姓名 {graduate.name if graduate else ''}  核验编号 {ids.display(row.number)}")


def _upload_links() -> Iterator[str]:
    """The employers' upload links texted so far (the log SMS provider only logs them): for a demo to follow."""
    import re

    from wxbackend.notify.models import NotificationOutbox

    rows = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == "upload_link")
                              .order_by(NotificationOutbox.id.desc()).limit(3))
    links = [m[0] for row in rows if (m := re.search(r"https?://\S+/u/\S+", row.body))]
    if links:
        yield "  employer upload links texted to a unit contact (the demo's SMS only goes to the log)"
        for link in links:
            yield f"    {link}"


def _logins() -> Iterator[str]:
    yield f"Demo logins (password for all: {PASSWORD})"
    yield "  console  http://127.0.0.1:5000/console/login"
    yield "    admin      platform admin"
    yield "    school     school reviewer of 示范大学 (10999)"
    for code, name, _ in DEPARTMENTS:
        yield f"    dept{code}     department reviewer of {name}"
    yield "    employer   employer account of 学信咨询服务有限公司 (91110108749352307A)"
    yield "    employer2  employer account of 北京新创科技有限公司, its qualification waiting for the admin (EM-1)"
    yield "  employer portal  http://127.0.0.1:5000/employer/login (user employer; employer2 cannot invite yet)"
    yield from _upload_links()
    yield from _verifications()
    yield "  graduates (built-in 学信网 stand-in)  http://127.0.0.1:5000/login"
    yield "    chsi-wangkun, chsi-liyue   bound to a graduate"
    yield "    chsi-unbound               account not bound to a student record (L-2 refusal)"
    yield "    chsi-nobasic               bound, but the school has not uploaded basic info (L-1 refusal)"
    yield "  in WeChat (local stand-in, when no WeChat settings are given)  http://127.0.0.1:5000/_wechat/"
    yield "    open /graduate/ with a MicroMessenger User-Agent: the stand-in asks 以哪个微信身份登录"
    yield "    「堃」  bound to 王堃 (chsi-wangkun): straight in"
    yield "    「玥」  not bound: sign in as chsi-liyue once, then straight in"
