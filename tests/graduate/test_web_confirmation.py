"""The graduates' web: 去向登记确认 (§7, figs. 40–42) and the 违反“四不准”行为举报 form.

The same payload and services as the mini-program's API (GW-1): CF-1 the page of a reported graduate
(locked before the report, with the reason); CF-2 confirming with the plain form (no script); CF-3 the
error form with each field's error next to it and what was typed kept; CF-4 revoking the error report,
then confirming; CF-5 a confirmation falling away, and a report made while the page was open (409);
CF-6 the 四不准 report of any graduate past the basic-info gate, seen by the platform admin only. CSRF.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from tests.confirmation.conftest import ERROR_FORM, _labour
from tests.graduate.conftest import location
from tests.transfers.conftest import ARCHIVE
from wxbackend.confirmation.models import DestinationConfirmation, ViolationReport
from wxbackend.confirmation.services import MSG_REPORT_CHANGED
from wxbackend.core.db import db
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.reporting import services as reporting
from wxbackend.transfers import registration

FLASH = re.compile(r'<div class="flash flash-\w+" role="alert">([^<]*)</div>')
PAGE = "/graduate/confirmation"
VIOLATIONS = "/graduate/violation-report"


def _main(html: str) -> str:
    return html.split('<main class="page">')[1].split("</main>")[0]


def _report(world: dict[str, Any]) -> None:
    reporting.report(world["school_user"], world["school"].id, 2027)
    db.session.commit()


def _reported(web_graduate: Any, world: dict[str, Any], **kw: Any) -> tuple[Any, Any]:
    """A signed-in graduate with a labour contract and archive info, reported by the school."""
    graduate, web = web_graduate(**kw)
    _labour(graduate)
    registration.enter_directly(world["school_user"], graduate, "archive", ARCHIVE)
    db.session.commit()
    _report(world)
    return graduate, web


def _report_id(html: str) -> str:
    match = re.search(r'name="report_id" value="(\d+)"', html)
    assert match, "no report_id in the form"
    return match.group(1)


def _answer(web: Any, answer: str, report_id: str | None = None, **fields: str) -> Any:
    if report_id is None:
        report_id = _report_id(web.page(PAGE))
    return web.post(PAGE, {"answer": answer, "report_id": report_id, **fields})


def _follow(web: Any, resp: Any) -> str:
    return web.page(location(resp).split("#")[0])


def _rows() -> list[DestinationConfirmation]:
    db.session.expire_all()
    return list(db.session.scalars(select(DestinationConfirmation).order_by(DestinationConfirmation.id)))


def test_cf_1_gw_1_locked_until_reported_with_the_reason_and_the_four_nots_link(web_graduate, world):
    """CF-1, GW-1: before the report the tile and the page say why, with no form; a post is refused."""
    _, web = web_graduate()
    home = web.page("/graduate/")
    assert re.search(r'id="module-confirmation"\s+href="/graduate/modules/confirmation"', home)
    locked = web.page("/graduate/modules/confirmation")
    assert "需完成毕业去向上报后才能确认" in locked and f'href="{VIOLATIONS}"' in locked  # CF-6 needs no report
    page = _main(web.page(PAGE))
    assert 'id="lock-reason"' in page and "需完成毕业去向上报后才能确认" in page
    assert "<form" not in page and 'id="violation-link"' in page
    resp = web.post(PAGE, {"answer": "confirmed"})
    assert location(resp).endswith(PAGE)
    assert "需完成毕业去向上报后才能确认" in " ".join(FLASH.findall(_follow(web, resp)))
    assert _rows() == []


def test_cf_1_the_reported_info_of_fig_40(web_graduate, world, frozen_now):
    """CF-1: the tile opens the page: the name, the reported rows, the date of the report, the radio, 提交."""
    frozen_now(datetime(2027, 5, 24, 10, 0, tzinfo=SHANGHAI))
    graduate, web = _reported(web_graduate, world, name="李娟")
    home = web.page("/graduate/")
    assert re.search(rf'id="module-confirmation"\s+href="{PAGE}"', home)
    assert location(web.get("/graduate/modules/confirmation")).endswith(PAGE)
    page = _main(web.page(PAGE))
    assert '<h2 id="graduate-name">李娟</h2>' in page
    rows = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]*)</dd>", page))
    assert rows["毕业去向"] == "签劳动合同就业" and rows["档案转递单位名称"] == "北京某某科技有限公司"
    for label in ("档案转递类型", "档案转递单位所在地", "户口迁移类型", "户口迁移所在地"):
        assert label in rows, label
    assert "以上毕业去向信息于2027年05月24日上报，请根据实际情况，认真核对确认。" in page
    assert "信息无误，确认登记去向" in page and "信息有误，需更新后确认" in page and 'id="submit-answer"' in page
    assert 'name="csrf_token"' in page
    snapshot = reporting.last_report(graduate.id)
    assert snapshot is not None and _report_id(page) == str(snapshot[0].id)
    # fig. 41 is in the page (the script only hides it): each kind, its explanation with 0/500, the mobile
    for text in ("您的错误信息情况", "毕业去向信息", "有变化", "有错误", "档案转递信息有变化或存在错误",
                 "户口迁移信息有变化或存在错误", "去向情况说明", "档案情况说明", "户口情况说明", "联系方式",
                 "0/500", "请填写手机号码"):
        assert text in page, text
    assert 'id="violation-link"' in page


def test_cf_2_confirm_with_the_plain_form(web_graduate, world):
    """CF-2: 信息无误 + 提交 (no script needed) → 已确认 with the time; a second 提交 is refused, one row."""
    _, web = _reported(web_graduate, world)
    report_id = _report_id(web.page(PAGE))
    resp = _answer(web, "confirmed", report_id)
    assert location(resp).endswith(PAGE)
    page = _follow(web, resp)
    assert "已确认登记去向" in FLASH.findall(page)
    main = _main(page)
    assert 'data-state="confirmed"' in main and "已确认" in main and 'id="answer-at"' in main
    assert re.search(r"确认时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}", main)
    assert 'id="answer-form"' not in main and 'id="revoke"' not in main
    again = _answer(web, "confirmed", report_id)
    assert "你已确认登记去向，无需重复提交" in FLASH.findall(_follow(web, again))
    assert [(r.answer, r.status) for r in _rows()] == [("confirmed", "current")]


def test_cf_2_no_answer_chosen_is_said_next_to_the_radio(web_graduate, world):
    """CF-2, CF-3: 提交 without a choice is refused next to the radio, nothing stored."""
    _, web = _reported(web_graduate, world)
    resp = _answer(web, "")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert '<div class="field-error" id="error-answer">请选择“信息无误”或“信息有误”</div>' in html
    assert _rows() == []


def test_cf_3_error_form_errors_next_to_each_field_and_what_was_typed_is_kept(web_graduate, world):
    """CF-3: a kind is needed, a 情况说明 per chosen kind (≤500), a mobile; each error by its field."""
    _, web = _reported(web_graduate, world)
    resp = _answer(web, "error", mobile="13912345678")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert '<div class="field-error" id="error-kinds">请至少选择一项错误信息情况</div>' in html
    assert re.search(r'id="answer-error"\s+checked', html)

    resp = _answer(web, "error", destination="wrong", archive="1", hukou="1",
                   destination_explanation="说" * 501, hukou_explanation="户口已迁回生源地", mobile="12345")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    errors = dict(re.findall(r'<div class="field-error" id="error-(\w+)">([^<]+)</div>', html))
    assert errors == {"destination_explanation": "去向情况说明不能超过500字（现为501字）",
                      "archive_explanation": "请填写档案情况说明", "mobile": "手机号码应为11位数字，以1开头"}
    # what was typed is kept: the choices, the texts (with their counts), the mobile
    assert re.search(r'id="destination-wrong"\s+data-kind-of="destination"\s+checked', html)
    assert re.search(r'id="archive-box"\s+data-kind-of="archive" checked', html)
    assert re.search(r'id="hukou-box"\s+data-kind-of="hukou" checked', html)
    assert "户口已迁回生源地</textarea>" in html and "501/500" in html and "8/500" in html
    assert 'value="12345"' in html
    assert re.search(r'id="answer-error"\s+checked', html)
    assert _rows() == []

    resp = _answer(web, "error", destination="later", mobile="13912345678")
    assert "请选择“有变化”或“有错误”" in resp.get_data(as_text=True)

    resp = _answer(web, "error", **ERROR_FORM, archive="1", archive_explanation="档案改转生源地",
                   hukou_explanation="未选户口，此项不保存")
    assert location(resp).endswith(PAGE)
    main = _main(_follow(web, resp))
    assert 'data-state="error"' in main and "信息有误" in main
    lines = dict(re.findall(r'<div class="g-row" data-kind="\w+"><dt>([^<]+)</dt><dd[^>]*>([^<]*)</dd>', main))
    assert lines == {"毕业去向信息有变化": "已改签另一家单位", "档案转递信息有变化或存在错误": "档案改转生源地"}
    assert "13912345678" in main and "实际信息无误，撤销确认" in main and 'id="answer-form"' not in main
    [row] = _rows()
    assert (row.answer, row.status, row.mobile) == ("error", "current", "13912345678")
    assert set(row.errors) == {"destination", "archive"}


def test_cf_3_the_school_reads_the_explanation(web_graduate, world, client, staff_login):
    """CF-3: the error report reaches the school's confirmation console with the explanation."""
    _, web = _reported(web_graduate, world, name="有误者")
    assert location(_answer(web, "error", **ERROR_FORM)).endswith(PAGE)
    staff_login(world["school_user"])
    html = client.get("/console/confirmations?year=2027&state=error").get_data(as_text=True)
    assert "有误者" in html and "已改签另一家单位" in html


def test_cf_4_revoke_then_confirm(web_graduate, world):
    """CF-4, fig. 42: 实际信息无误，撤销确认 → the form again → 信息无误 confirms."""
    _, web = _reported(web_graduate, world)
    resp = web.post(f"{PAGE}/revoke")  # nothing to revoke yet
    assert "没有可撤销的信息有误确认" in FLASH.findall(_follow(web, resp))
    assert location(_answer(web, "error", **ERROR_FORM)).endswith(PAGE)
    resp = web.post(f"{PAGE}/revoke")
    assert location(resp).endswith(f"{PAGE}#answer-form")
    page = _follow(web, resp)
    assert "已撤销信息有误的确认，请重新选择“信息无误，确认登记去向”提交" in FLASH.findall(page)
    assert 'id="answer-form"' in page and 'data-state="error"' not in page
    assert location(_answer(web, "confirmed")).endswith(PAGE)
    assert [(r.answer, r.status) for r in _rows()] == [("error", "revoked"), ("confirmed", "current")]


def test_cf_5_a_changed_info_awaits_the_next_report_and_an_old_page_gets_the_report_changed_message(
        web_graduate, world):
    """CF-5: the info changes → no buttons, a message; a new report → the page's old report id is refused."""
    graduate, web = _reported(web_graduate, world)
    old_id = _report_id(web.page(PAGE))
    assert location(_answer(web, "confirmed", old_id)).endswith(PAGE)
    registration.enter_directly(world["school_user"], graduate, "archive", {**ARCHIVE, "archive_postcode": "100081"})
    db.session.commit()
    main = _main(web.page(PAGE))
    assert 'data-state="awaiting_report"' in main and "待学校重新上报后再进行确认" in main
    assert "<form" not in main.split('id="violation-link"')[0].split("</h1>")[1]  # no buttons
    _report(world)
    # the page was opened before the new report: its 提交 is refused with the message, the new report shows
    resp = _answer(web, "confirmed", old_id)
    page = _follow(web, resp)
    assert MSG_REPORT_CHANGED in FLASH.findall(page)
    new_id = _report_id(page)
    assert new_id != old_id
    resp = _answer(web, "error", old_id, **ERROR_FORM)
    assert MSG_REPORT_CHANGED in FLASH.findall(_follow(web, resp))
    assert location(_answer(web, "confirmed", new_id)).endswith(PAGE)
    assert [r.status for r in _rows()] == ["void", "current"]


def test_cf_6_four_nots_report_from_any_confirmed_graduate_to_the_admin_only(web_graduate, world, client,
                                                                            staff_login, make_user):
    """CF-6: before any report too; errors by their fields; a double 提交 files once; the admin reads it."""
    graduate, web = web_graduate(name="李同学")
    form = web.page(VIOLATIONS)
    for text in ("以任何方式强迫毕业生签订就业协议和劳动合同", "将毕业证书、学位证书发放与毕业生签约挂钩",
                 "以户档托管方式将未就业毕业生统计为就业", "将毕业生实习证明、见习材料作为就业统计依据",
                 "被举报单位或部门", "情况说明", "0/500", "不会告知你的学校是谁举报", 'id="no-reports"'):
        assert text in form, text
    assert 'name="csrf_token"' in form and 'name="form_key"' in form
    resp = web.post(VIOLATIONS, {"party": "某学院", "description": "说" * 501, "mobile": "1"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    errors = dict(re.findall(r'<div class="field-error" id="error-(\w+)">([^<]+)</div>', html))
    assert set(errors) == {"kinds", "description", "mobile"}
    assert 'value="某学院"' in html and "501/500" in html

    key = re.search(r'name="form_key" value="([^"]+)"', form)
    assert key
    data = {"kinds": ["diploma_withheld", "forced_signing"], "party": "某学院",
            "description": "辅导员说不签约不发毕业证", "form_key": key.group(1)}
    resp = web.post(VIOLATIONS, data)
    target = location(resp)
    again = web.post(VIOLATIONS, data)  # the same form sent twice: one report
    assert location(again) == target
    assert db.session.scalar(select(func.count(ViolationReport.id))) == 1
    page = web.page(VIOLATIONS)
    assert "举报已提交平台管理员处理" in FLASH.findall(page)
    own = page.split('id="own-reports"')[1]
    assert "待处理" in own and "某学院" in own and "辅导员说不签约不发毕业证" in own
    assert own.index("以任何方式强迫") < own.index("将毕业证书")  # in the order of the four

    staff_login(world["school_user"])
    assert client.get("/console/violations").status_code == 403
    staff_login(make_user(role="admin", username="platform_admin"))
    listing = client.get("/console/violations").get_data(as_text=True)
    assert "李同学" in listing and "将毕业证书、学位证书发放与毕业生签约挂钩" in listing


def test_l_3_both_pages_wait_for_the_basic_info_gate(web_graduate):
    _, web = web_graduate(confirmed=False)
    for path in (PAGE, VIOLATIONS):
        assert location(web.get(path)).endswith("/graduate/")
    assert location(web.post(VIOLATIONS, {"kinds": "forced_signing", "description": "x"})).endswith("/graduate/")
    assert db.session.scalar(select(func.count(ViolationReport.id))) == 0


def test_csrf_is_required_on_every_form(web_graduate, world):
    _, web = _reported(web_graduate, world)
    report_id = _report_id(web.page(PAGE))
    for path, data in ((PAGE, {"answer": "confirmed", "report_id": report_id}), (f"{PAGE}/revoke", {}),
                       (VIOLATIONS, {"kinds": "forced_signing", "description": "强迫签约"})):
        resp = web.post(path, data, csrf=False)
        assert resp.status_code == 400, path
        assert "页面已过期" in resp.get_data(as_text=True)
    assert _rows() == [] and db.session.scalar(select(func.count(ViolationReport.id))) == 0
