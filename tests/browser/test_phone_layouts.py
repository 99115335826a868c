"""Acceptance: the console, the employer portal and the public pages fit a 390 px phone.

At 390×844 each visitor (nobody, a school reviewer, a department reviewer, the platform admin,
an employer) opens every page of their portal that a GET without parameters reaches (found by
walking ``app.url_map``) and the detail pages of one graduate, review item, notice, import and
agreement, and the employer's upload page behind an SMS link; two graduates open their offline-signing
pages (§4.3, §4.4): the form of fig. 21, an e-agreement passed with its stamped pages and SMS link, a
signed paper agreement and its termination; the archive and hukou pages (§5, §6): the module pages,
the forms of figs. 32 and 37, a submitted registration with an image and its 修改申请 form; and 去向登记确认
(§7): the open form of fig. 40, an error report (fig. 42) and the 四不准 report page with a report; 核验授权
(§8.1) with an active and an ended archive verification. On each
page, measured from element boxes: nothing but a table wrapper is wider than the screen (the header
included), and every list table's status and action cells (``col-status``, ``col-actions``) lie within
the screen. Screenshots go to test-output/phone-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_offline_signing_flow import _passed
from tests.confirmation.conftest import ERROR_FORM, _labour
from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from tests.signing.conftest import (  # noqa: F401
    applied,
    employer_user,
    grad,
    graduate_api,
    invite,
    review_all,
    signed,
    world,
)
from tests.signing.offline_helpers import FORM, review_phase
from tests.transfers.conftest import ARCHIVE
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import ImportBatch, Notice
from wxbackend.confirmation import services as confirmation
from wxbackend.confirmation import violations
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.destinations import services as destinations
from wxbackend.reporting import services as reporting
from wxbackend.review import engine
from wxbackend.signing import documents, offline
from wxbackend.signing import services as signing
from wxbackend.transfers import registration
from wxbackend.verification import services as verification

pytestmark = pytest.mark.browser

WIDTH = 390
PHONE = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": WIDTH, "height": 844},
         "device_scale_factor": 1, "is_mobile": True, "has_touch": True}

#: Measured in the page: what sticks out of the screen, and where the status/action cells are.
MEASURE = """() => {
  const vw = window.innerWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.table-wrap') && !el.classList.contains('table-wrap')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || style.position === 'fixed') continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5)) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${String(el.className).replace(/ /g, '.')} `
               + `[${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
  }
  const bar = document.querySelector('header.topbar');
  const header = bar ? bar.getBoundingClientRect() : {left: 0, right: -1};
  const cells = [];
  for (const td of document.querySelectorAll('table td.col-status, table td.col-actions')) {
    const r = td.getBoundingClientRect();
    cells.push({cls: td.className, table: td.closest('table').id, left: r.left, right: r.right,
                width: r.width, text: td.innerText.trim().slice(0, 20)});
  }
  // a row of one spanning cell ("no records") must not get a column's label drawn over its text
  const spanning = [...document.querySelectorAll('.table-wrap table.grid td[colspan]')]
    .filter(td => !['none', 'normal', ''].includes(getComputedStyle(td, '::before').content))
    .map(td => td.innerText.trim().slice(0, 20));
  return {vw, scrollWidth: document.documentElement.scrollWidth, headerRight: header.right, spanning,
          headerLeft: header.left, out, cells, lang: document.documentElement.lang,
          tables: document.querySelectorAll('.table-wrap > table.grid').length,
          pager: document.querySelector('.pager') ? document.querySelector('.pager').innerText : null};
}"""


def _data(world: dict[str, Any], graduate_api: Any, signed: Any, employer_user: Any,  # noqa: F811
          invite: Any) -> dict[str, Any]:  # noqa: F811
    """One of everything a page can show: graduates, a review item with a proof, an agreement, a notice."""
    graduate, _api = graduate_api(name="陈诚", student_no="2022001")
    other, _ = graduate_api(name="欧阳明月", student_no="2022002")
    employer = employer_user(name="北京学信咨询服务有限公司")
    row = signed(graduate, employer)
    invite(employer, other)  # a waiting invitation as well
    req = signing.start_termination("employer", actor_for(employer), row, "04", "岗位调整", user=employer)
    db.session.commit()
    third, _ = graduate_api(name="张三丰")
    record = destinations.create(third, "job_seeking", {"note": "求职中，关注北京和上海的岗位"})
    db.session.commit()
    destinations.add_proof(actor_for(third), record, jpeg_bytes(), "证明.jpg")
    destinations.submit(third, record)
    db.session.commit()
    item = engine.open_item(destinations.KIND, record.id)
    notice = Notice(title="关于做好2026届毕业生毕业去向登记工作的通知", body="各院系：\n\n请按时完成登记。",
                    published=True)
    batch = ImportBatch(school_id=world["school"].id, uploaded_by=world["school_user"].id,
                        filename="2026届毕业生基本信息（计算机学院）.xlsx", file_kind="xlsx", state="done",
                        total_rows=3, created_count=2, error_count=1, finished_at=timeutil.now(),
                        errors=[{"row": 3, "field": "身份证号", "value": "11010120020315001",
                                 "message": "身份证号应为18位，校验位不符"}])
    db.session.add_all([notice, batch])
    db.session.commit()
    return {"graduate": graduate, "employer": employer, "agreement": row, "item": item, "notice": notice,
            "batch": batch, "termination": req}


def _offline_data(world: dict[str, Any], graduate_api: Any, make_local_account: Any,  # noqa: F811
                  drain_jobs: Any) -> dict[str, Any]:
    """Two graduates who sign in on the web: one e-agreement passed (PDF, a page, the SMS link), one
    paper agreement signed with a termination under review."""
    first, _ = graduate_api(name="司马相如", student_no="2022011")
    second, _ = graduate_api(name="上官婉儿", student_no="2022012")
    fresh, _ = graduate_api(name="欧阳修", student_no="2022013")
    accounts = {g.id: make_local_account(id_number=g.id_number) for g in (first, second, fresh)}
    record = offline.create(first, "eagreement", dict(FORM))
    db.session.commit()
    offline.submit(first, record)
    db.session.commit()
    review_phase(world, offline.KIND, record.id)
    drain_jobs()
    db.session.refresh(record)
    offline.add_page(actor_for(first), record, jpeg_bytes(), "第1页.jpg")
    offline.request_employer_upload(first, record)
    db.session.commit()
    paper = offline.create(second, "paper", dict(FORM))
    db.session.commit()
    offline.add_page(actor_for(second), paper, jpeg_bytes(), "协议.jpg")
    offline.submit(second, paper)
    db.session.commit()
    review_phase(world, offline.PAPER_KIND, paper.id)
    row = offline.start_termination(second, paper, "01", "与单位协商一致，解除就业协议")
    db.session.commit()
    offline.add_termination_file(second, row, jpeg_bytes(), "解约函.jpg")
    offline.submit_termination(second, row)
    db.session.commit()
    reg = registration.create(fresh, "archive", "registration", dict(ARCHIVE))
    db.session.commit()
    registration.add_image(fresh, reg, jpeg_bytes(), "调档函.jpg")
    registration.submit(fresh, reg)
    db.session.commit()
    # 去向登记确认: everybody of the school reported; one of them says the info is wrong, and reports a 四不准
    wrong, _ = graduate_api(name="诸葛孔明", student_no="2022014")
    accounts[wrong.id] = make_local_account(id_number=wrong.id_number)
    _labour(wrong)
    registration.enter_directly(world["school_user"], wrong, "archive", dict(ARCHIVE))
    db.session.commit()
    reporting.report(world["school_user"], world["school"].id, 2027)
    db.session.commit()
    confirmation.report_error(wrong, {**ERROR_FORM, "archive": True, "archive_explanation": "档案改转生源地" * 20})
    violations.file_report(wrong, {"kinds": ["forced_signing", "internship_as_job"], "party": "某某学院就业办",
                                   "description": "要求先签协议才能领取毕业证书，" * 10, "mobile": "13912345678"})
    # 核验授权 (§8.1): reported and confirmed, with an active archive verification and an ended one
    verifier, _ = graduate_api(name="欧阳修远", student_no="2022015")
    accounts[verifier.id] = make_local_account(id_number=verifier.id_number)
    record = destinations.create(verifier, "labour_contract", dict(LABOUR_FIELDS))
    destinations.claim(verifier.id, destinations.KIND, record.id)
    registration.enter_directly(world["school_user"], verifier, "archive", dict(ARCHIVE))
    db.session.commit()
    reporting.report(world["school_user"], world["school"].id, 2027)
    db.session.commit()
    confirmation.confirm(verifier)
    db.session.commit()
    ended = verification.create(verifier, "archive", "2027-10-31")
    verification.close(verifier, ended)
    verification.create(verifier, "archive", "2027-12-31")
    db.session.commit()
    return {"visits": [
        (accounts[fresh.id].username, ["/graduate/destination", "/graduate/offline/new?mode=eagreement",
                                       "/graduate/offline/new?mode=paper", "/graduate/archive",
                                       "/graduate/archive/new?purpose=registration",
                                       f"/graduate/archive/records/{reg.id}",
                                       f"/graduate/archive/records/{reg.id}?change=1", "/graduate/hukou",
                                       "/graduate/hukou/new?purpose=registration", "/graduate/confirmation"]),
        (accounts[first.id].username, [f"/graduate/offline/{record.id}"]),
        (accounts[second.id].username, ["/graduate/destination", f"/graduate/offline/{paper.id}",
                                        f"/graduate/offline-terminations/{row.id}"]),
        (accounts[wrong.id].username, ["/graduate/confirmation", "/graduate/violation-report"]),
        (accounts[verifier.id].username, ["/graduate/verification"]),
    ]}


def _pages(app: Any, prefix: str) -> list[str]:
    """Every GET route under *prefix* without parameters (downloads and logins are filtered by the caller)."""
    return sorted({r.rule for r in app.url_map.iter_rules()
                   if r.rule.startswith(prefix) and "GET" in r.methods and not r.arguments
                   and not r.rule.endswith((".xlsx", ".csv", "/regions"))})


def _check(page: Any, url: str, name: str, shots: Path, problems: list[str]) -> dict[str, Any]:
    response = page.goto(url)
    assert response is not None
    if "text/html" not in (response.headers.get("content-type") or ""):
        return {}
    page.wait_for_load_state("load")
    m = page.evaluate(MEASURE)
    page.screenshot(path=str(shots / f"phone-{name}.png"), full_page=True)
    where = f"{name} ({url})"
    if m["lang"] != "zh-CN":
        problems.append(f"{where}: lang={m['lang']!r}")
    if m["headerRight"] < 0:
        problems.append(f"{where}: no header.topbar")
    elif m["headerRight"] > WIDTH + 0.5 or m["headerLeft"] < 0:
        problems.append(f"{where}: header spans {m['headerLeft']}..{m['headerRight']}")
    if m["scrollWidth"] > WIDTH:
        problems.append(f"{where}: page is {m['scrollWidth']} px wide")
    if m["out"]:
        problems.append(f"{where}: outside the screen: {m['out'][:5]}")
    if m["spanning"]:
        problems.append(f"{where}: a column label drawn over a spanning cell: {m['spanning']}")
    for cell in m["cells"]:
        if cell["width"] <= 0 or cell["left"] < 0 or cell["right"] > WIDTH + 0.5:
            problems.append(f"{where}: #{cell['table']} {cell['cls']} at {cell['left']:.0f}..{cell['right']:.0f}")
    return m  # type: ignore[no-any-return]


def test_every_page_fits_a_390px_phone(app, live_server, browser, world, graduate_api, signed,  # noqa: F811
                                       employer_user, invite, make_user, screenshot_dir,  # noqa: F811
                                       grad, applied, make_local_account, drain_jobs,  # noqa: F811
                                       monkeypatch) -> None:
    from wxbackend.console import graduates

    monkeypatch.setattr(graduates, "PAGE_SIZE", 2)  # four graduates (one with an upload link): the list shows its pager
    data = _data(world, graduate_api, signed, employer_user, invite)
    base = live_server
    admin = make_user("admin", display_name="平台管理员")
    problems: list[str] = []
    measured: dict[str, dict[str, Any]] = {}
    console = [p for p in _pages(app, "/console") if p != "/console/login"]
    console_details = [f"/console/graduates/{data['graduate'].id}", f"/console/graduates/{data['graduate'].id}/edit",
                       f"/console/review/items/{data['item'].id}", f"/console/review/items/{data['item'].id}/edit",
                       f"/console/imports/{data['batch'].id}"]

    def visit(who: str, paths: list[str]) -> None:
        for path in paths:
            short = re.sub(r"/agreements/verify/\S+?(x?)$", r"/check\1", path)
            short = re.sub(r"^/u/\S+$", "/upload", short)  # the link's token: not in the file name
            name = who + "-" + (re.sub(r"[^a-z0-9]+", "-", short.strip("/")) or "home")
            measured[name] = _check(page, base + path, name, screenshot_dir, problems)

    # anonymous: the public pages, the logins, the QR check (good and bad) and an error page
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    public = [p for p in _pages(app, "/") if not p.startswith(("/console", "/employer", "/api", "/auth",
                                                                 "/graduate", "/static", "/favicon", "/docs"))]
    token = documents.verify_token(data["agreement"])
    linked = grad(name="王五")
    link = offline.request_employer_upload(linked, _passed(world, linked, applied)).rsplit("/u/", 1)[1]
    db.session.commit()
    visit("link", [f"/u/{link}"])  # the employer's upload page behind the SMS link (no account)
    visit("public", [*public, f"/notices/{data['notice'].id}", f"/agreements/verify/{token}",
                     f"/agreements/verify/{token}x", "/console/login", "/employer/login", "/employer/register",
                     "/no-such-page"])
    context.close()

    for who, user in (("school", world["school_user"]), ("department", world["dept_user"]), ("admin", admin)):
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, base, user.username)
        visit(who, console + (console_details if who != "admin" else [f"/console/notices/{data['notice'].id}/edit"]))
        if who == "school":
            visit("school-wrong-portal", ["/employer/"])
        context.close()

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, base, data["employer"].username, "/employer/login", "/employer/")
    employer_pages = [p for p in _pages(app, "/employer") if p not in ("/employer/login", "/employer/register")]
    visit("employer", [*employer_pages, f"/employer/agreements/{data['agreement'].id}", "/console/"])
    context.close()

    # made after the console's visits: the graduates list's pager counts the three above
    graduates = _offline_data(world, graduate_api, make_local_account, drain_jobs)
    for n, (username, paths) in enumerate(graduates["visits"], 1):
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, base, username, "/login", "/graduate/", "chsi-pass-1")
        visit(f"graduate{n}", paths)
        context.close()

    assert not problems, "\n".join(problems)
    # the lists were really drawn with rows, and their status and action cells measured
    for name, table_id in (("department-console-review", "review-queue"), ("school-console-graduates", "graduates"),
                           ("employer-employer", "agreement-list"), ("employer-employer", "termination-list"),
                           ("admin-console-notices", "notices"), ("school-console-imports", "import-batches"),
                           ("school-console-terminations", "waiting-terminations")):
        cells = [c for c in measured[name]["cells"] if c["table"] == table_id]
        assert cells, (name, table_id, measured[name]["cells"])
    assert len(measured) >= 30, sorted(measured)
    pager = measured["school-console-graduates"]["pager"]
    assert pager and "上一页" not in pager and "下一页" in pager and "2" in pager and "共 4 人" in pager, pager
