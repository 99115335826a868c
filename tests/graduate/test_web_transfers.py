"""The graduates' web: 档案信息登记 and 户口信息登记 (§5, §6, figs. 31–39), one set of pages for both modules.

The same services and payload as the mini-program's API (GW-1): AR-1 register and submit, field errors
next to their fields with nothing lost; AR-2 the 转回生源地 prefill and its locked province; AR-3 withdraw,
return, reject, cancel; AR-4 info from an agreement with its source; AR-5 change requests (edited while
pending before review, a rejection keeps the old info); AR-7 the directory search; AR-8 the policy hint
that never blocks; AR-9 the dispatch block; RV-5 a reviewer's edit in the history; HK-1, HK-2; RP-2;
images, ownership, CSRF.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.destinations.helpers import jpeg_bytes
from tests.graduate.conftest import location
from tests.transfers.conftest import ARCHIVE, HUKOU
from wxbackend.accounts import deadlines
from wxbackend.core import audit
from wxbackend.core.db import db
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine, lifecycle
from wxbackend.transfers import directory, forms, payload, registration, services
from wxbackend.transfers.models import TransferRegistration

FLASH = re.compile(r'<div class="flash flash-\w+" role="alert">([^<]*)</div>')
BACK = {**ARCHIVE, "archive_transfer_type": "20", "archive_unit_region": "110101"}


def _record(record_id: int) -> TransferRegistration:
    db.session.expire_all()
    row = db.session.get(TransferRegistration, record_id)
    assert row is not None
    return row


def _id_of(resp: Any) -> int:
    match = re.search(r"/graduate/(?:archive|hukou)/records/(\d+)", location(resp))
    assert match, location(resp)
    return int(match.group(1))


def _post_form(web: Any, path: str, values: dict[str, str], *files: tuple[bytes, str], xhr: bool = False) -> Any:
    boundary, body = encode_multipart(MultiDict(
        [("csrf_token", web.token()), *values.items(), *[("file", FileStorage(io.BytesIO(d), n)) for d, n in files]]))
    headers = {"X-Requested-With": "XMLHttpRequest"} if xhr else {}
    return web.client.post(path, data=body, headers=headers, content_type=f"multipart/form-data; boundary={boundary}")


def _create(web: Any, module: str = "archive", values: dict[str, str] | None = None, action: str = "submit",
            purpose: str = "registration", files: tuple[tuple[bytes, str], ...] = ()) -> Any:
    values = values if values is not None else {"archive": ARCHIVE, "hukou": HUKOU}[module]
    return _post_form(web, f"/graduate/{module}/new", {"purpose": purpose, "action": action, **values}, *files)


def _follow(web: Any, resp: Any) -> str:
    return web.page(location(resp).split("#")[0])


def _main(html: str) -> str:
    return html.split('<main class="page">')[1].split("</main>")[0]


def _input_value(html: str, key: str) -> str | None:
    match = re.search(rf'<input type="\w+" id="{key}" name="{key}" value="([^"]*)"', html)
    return match.group(1) if match else None


def _script_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="transfer-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def _review(world: dict[str, Any], record_id: int, outcome: str, reason: str | None = None,
            users: tuple[str, ...] | None = None) -> None:
    record = _record(record_id)
    for user in users or (("dept_user", "school_user") if outcome == "pass" else ("dept_user",)):
        item = engine.open_item(record.kind, record.id)
        assert item is not None
        engine.decide(world[user], item.id, outcome, reason=reason)
        db.session.commit()


def test_gw_1_archive_and_hukou_tiles_open_their_pages(web_graduate, world):
    """GW-1: the module list links 档案信息登记 and 户口信息登记 to their web pages; /graduate/modules/<key> too."""
    world["school"].archive_module_enabled = True
    db.session.commit()
    _, web = web_graduate()
    html = web.page("/graduate/")
    links = dict(re.findall(r'data-module="(\w+)"\s+data-available="\w+" id="module-\w+"\s+href="([^"]+)"', html))
    assert links["archive"] == "/graduate/archive" and links["hukou"] == "/graduate/hukou"
    assert location(web.get("/graduate/modules/hukou")).endswith("/graduate/hukou")
    page = web.page("/graduate/archive")
    assert "档案信息登记" in page and 'id="start-registration"' in page and 'id="no-current"' in page
    assert web.get("/graduate/elsewhere").status_code == 404


def test_hk_1_hukou_is_unavailable_when_not_at_school(web_graduate):
    """HK-1: 户口是否转入学校 is not 是 → the tile and the page say why; no form, and a post is refused."""
    _, web = web_graduate(hukou_at_school=False)
    assert 'id="module-hukou"' in web.page("/graduate/") and "户口未转入学校" in web.page("/graduate/")
    page = web.page("/graduate/hukou")
    assert 'id="lock-reason"' in page and "户口未转入学校，不可使用户口信息登记" in page
    assert "<form" not in _main(page) and 'id="start-registration"' not in page
    resp = web.get("/graduate/hukou/new")
    assert location(resp).endswith("/graduate/hukou")
    resp = _create(web, "hukou")
    assert location(resp).endswith("/graduate/hukou")
    assert "户口未转入学校" in " ".join(FLASH.findall(_follow(web, resp)))
    assert db.session.scalar(select(TransferRegistration)) is None


def test_ar_1_register_with_an_image_and_submit_on_the_web(web_graduate):
    """AR-1: choose the type, fill the transfer info, attach an image, 提交 → 待院系审核 in the record list."""
    graduate, web = web_graduate()
    form = web.page("/graduate/archive/new?purpose=registration")
    for label in ("档案转递类型", "档案转递单位名称", "档案转递单位地址（省市区）", "档案转递单位详细地址",
                  "档案转递单位邮编", "档案转递联系人", "档案转递联系电话", "情况说明", "最多上传3张图片"):
        assert label in form, label
    assert 'name="csrf_token"' in form and 'name="form_key"' in form and "<textarea" in form
    assert 'class="region-picker"' in form  # the province/city/district selects
    resp = _create(web, values={**ARCHIVE, "archive_remark": "单位已发调档函"}, files=((jpeg_bytes(), "调档函.jpg"),))
    record_id = _id_of(resp)
    record = _record(record_id)
    assert (record.status, record.purpose) == ("pending", "registration")
    assert record.fields["archive_remark"] == "单位已发调档函"
    page = _follow(web, resp)
    assert "已提交，等待院系及学校审核" in page and "待院系审核" in page
    assert page.count('class="thumb"') == 1 and 'id="withdraw"' in page and 'id="change"' in page
    assert "提交" in page.split('id="record-timeline"')[1]
    home = web.page("/graduate/archive")
    assert f'id="record-{record_id}"' in home and "待院系审核" in home and 'id="open-record"' in home
    assert 'id="start-registration"' not in home  # one open registration per module


def test_ar_1_field_errors_next_to_the_field_and_nothing_saved_is_lost(web_graduate):
    """AR-1: a refused 提交 saves nothing and shows each error next to its field with what was typed;
    保存 keeps a partial draft; a refused submit of the draft keeps it saved."""
    _, web = web_graduate()
    bad = {**ARCHIVE, "archive_postcode": "1000", "archive_contact": "", "archive_unit_name": "某某人才中心"}
    resp = _create(web, values=bad)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert '<div class="field-error" id="error-archive_postcode">邮编应为6位数字</div>' in html
    assert '<div class="field-error" id="error-archive_contact">请填写档案转递联系人</div>' in html
    assert _input_value(html, "archive_unit_name") == "某某人才中心"
    assert _input_value(html, "archive_postcode") == "1000"
    assert db.session.scalar(select(TransferRegistration)) is None
    # 保存: only what was typed is checked
    resp = _create(web, values={"archive_unit_name": "某某人才中心"}, action="save")
    record_id = _id_of(resp)
    assert _record(record_id).status == "draft"
    assert "已保存" in _follow(web, resp)
    resp = web.post(f"/graduate/archive/records/{record_id}",
                    {"archive_unit_name": "某某人才中心", "archive_postcode": "100080", "action": "submit"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "已保存，但还不能提交" in html and 'id="error-archive_contact"' in html
    assert _record(record_id).fields == {"archive_unit_name": "某某人才中心", "archive_postcode": "100080"}
    assert _record(record_id).status == "draft"


def test_ar_2_back_to_origin_is_prefilled_and_its_province_locked(web_graduate, world):
    """AR-2: 转回生源地 is pre-filled from the 生源所在地's receiving office (the form's data and, without script,
    ``?type=20``); the province is locked: another province is refused next to the address."""
    graduate, web = web_graduate(origin_region="110101")
    directory.create(audit.SYSTEM, world["school"].id, {"name": "东城区人才服务中心", "region": "110101",
                                                         "address": "东城路2号", "postcode": "100010"})
    db.session.commit()
    form = web.page("/graduate/archive/new")
    data = _script_data(form)
    assert data["prefill"] == registration.prefill(graduate, "archive")[forms.BACK_TO_ORIGIN]
    assert data["prefill"]["archive_unit_name"] == "东城区人才服务中心" and data["lockProvince"] == "110000"
    assert data["typeField"] == "archive_transfer_type" and data["regionField"] == "archive_unit_region"
    assert 'id="province-lock-note"' in form and "北京市东城区" in form
    plain = web.page("/graduate/archive/new?type=20")
    assert _input_value(plain, "archive_unit_name") == "东城区人才服务中心"
    assert _input_value(plain, "archive_postcode") == "100010"
    assert _input_value(plain, "archive_unit_region") == "110101"
    resp = _create(web, values={**BACK, "archive_unit_region": "310101"})
    assert resp.status_code == 400
    assert (f'<div class="field-error" id="error-archive_unit_region">{forms.MSG_PROVINCE_LOCKED}</div>'
            in resp.get_data(as_text=True))
    # within the province the graduate may change the district; other types go anywhere
    assert _record(_id_of(_create(web, values={**BACK, "archive_unit_region": "110108"}))).status == "pending"


def test_ar_2_nothing_to_prefill_leaves_the_form_to_the_graduate(web_graduate):
    """AR-2: without an office for the region only the 生源所在地 is known; the rest is filled in by hand."""
    _, web = web_graduate(origin_region="650102")
    data = _script_data(web.page("/graduate/archive/new"))
    assert data["prefill"] == {"archive_transfer_type": "20", "archive_unit_region": "650102"}
    assert data["lockProvince"] == "650000"


def test_ar_7_the_form_searches_the_directory(web_graduate, world):
    """AR-7: the unit name says 点击搜索或直接填写 and the script's directory search is the graduate autocomplete."""
    _, web = web_graduate()
    directory.create(audit.SYSTEM, world["school"].id, {"name": "西城区人才服务中心", "region": "110102",
                                                         "address": "西城路1号", "postcode": "100032"})
    db.session.commit()
    form = web.page("/graduate/archive/new")
    data = _script_data(form)
    assert data["directory"]["field"] == "archive_unit_name"
    assert data["directory"]["url"] == "/graduate/receiving-offices"
    assert data["directory"]["fill"]["archive_postcode"] == "postcode"
    assert 'id="office-suggestions"' in form and "点击搜索档案接收单位，或直接填写" in form
    found = web.get("/graduate/receiving-offices?q=西城").get_json()["items"]
    assert found[0]["name"] == "西城区人才服务中心"
    assert set(data["directory"]["fill"].values()) <= set(found[0])
    assert _script_data(web.page("/graduate/hukou/new"))["directory"] is None  # hukou has no unit to search


def test_ar_8_policy_hint_shows_without_blocking(web_graduate):
    """AR-8: a graduate not yet employed is told archives go to the office of household registration; choosing
    签约单位接收 shows the hint, and the form is still submitted."""
    graduate, web = web_graduate()
    hint = payload.module_payload(graduate, "archive", str)["policy"]
    assert hint["recommended"] == ["20"]
    form = web.page("/graduate/archive/new")
    assert re.search(r'id="policy-hint" role="note" hidden>', form) and hint["message"] in form
    resp = _create(web, values={**ARCHIVE, "archive_postcode": "1"})  # comes back with type 11
    assert re.search(r'id="policy-hint" role="note">', resp.get_data(as_text=True))
    resp = _create(web, values=ARCHIVE)
    record_id = _id_of(resp)
    assert _record(record_id).status == "pending"  # not blocked
    assert re.search(r'id="policy-hint" role="note">', web.page(f"/graduate/archive/records/{record_id}?change=1"))
    assert _script_data(web.page(f"/graduate/archive/records/{record_id}?change=1"))["policy"] == hint


def test_ar_3_withdraw_before_review_then_cancel_the_draft(web_graduate, world):
    """AR-3 (RV-3): 撤回修改 before any reviewer acted makes it a draft again; a draft can be 撤销 (kept)."""
    _, web = web_graduate()
    record_id = _id_of(_create(web))
    resp = web.post(f"/graduate/archive/records/{record_id}/withdraw")
    assert "已撤回" in _follow(web, resp)
    assert _record(record_id).status == "draft"
    page = web.page(f"/graduate/archive/records/{record_id}")
    assert 'id="upload-form"' in page and 'id="cancel"' in page and 'id="submit"' in page
    resp = web.post(f"/graduate/archive/records/{record_id}/cancel")
    assert location(resp).endswith("/graduate/archive")
    assert _record(record_id).status == "cancelled"
    home = _follow(web, resp)
    assert 'id="start-registration"' in home and "已撤销" in home
    # once a reviewer acted there is no withdrawal
    second = _id_of(_create(web))
    _review(world, second, "pass", users=("dept_user",))
    page = web.page(f"/graduate/archive/records/{second}")
    assert 'id="withdraw"' not in page and 'id="change"' not in page and "审核老师已开始处理" in page
    resp = web.post(f"/graduate/archive/records/{second}/withdraw")
    assert "不能撤回" in " ".join(FLASH.findall(_follow(web, resp)))


def test_ar_3_returned_is_edited_and_resubmitted_rejected_may_register_again(web_graduate, world):
    """AR-3: a return shows the reason and reopens the form; a rejection says the registration failed."""
    _, web = web_graduate()
    record_id = _id_of(_create(web))
    _review(world, record_id, "return", reason="联系电话有误")
    page = web.page(f"/graduate/archive/records/{record_id}")
    assert "联系电话有误" in page and 'id="transfer-form"' in page and "重新提交" in page
    resp = web.post(f"/graduate/archive/records/{record_id}",
                    {**ARCHIVE, "archive_phone": "010-62345678", "action": "submit"})
    assert "已提交" in _follow(web, resp)
    assert _record(record_id).status == "pending" and _record(record_id).fields["archive_phone"] == "010-62345678"
    _review(world, record_id, "reject", reason="单位名称有误")
    page = web.page(f"/graduate/archive/records/{record_id}")
    assert "单位名称有误" in page and "登记失败" in page and 'id="transfer-form"' not in page
    home = web.page("/graduate/archive")
    assert 'id="start-registration"' in home and "单位名称有误" in home


def test_ar_4_info_from_an_agreement_shows_its_source_and_needs_no_registration(web_graduate):
    """AR-4: current info from an approved agreement is shown with its source; 登记 is refused, 修改 is offered."""
    graduate, web = web_graduate()
    services.sync_from_source(graduate.id, source_kind="online_agreement", source_id=7, archive=ARCHIVE, hukou=None)
    db.session.commit()
    home = web.page("/graduate/archive")
    assert "来源：网上签约" in home and "北京某某科技有限公司" in home and "100080" in home
    assert 'id="start-registration"' not in home and 'id="start-change"' in home
    resp = web.get("/graduate/archive/new?purpose=registration")
    assert location(resp).endswith("/graduate/archive")
    assert "无需登记" in " ".join(FLASH.findall(_follow(web, resp)))
    # a registration posted anyway is refused by the service, with the same words
    resp = _create(web)
    assert "无需登记" in " ".join(FLASH.findall(_follow(web, resp)))
    assert db.session.scalar(select(TransferRegistration)) is None


def test_ar_5_change_request_edited_while_pending_and_rejected_keeps_the_old_info(web_graduate, world):
    """AR-5: 档案信息修改 starts from the current info; 修改申请 while pending (before review) resubmits it;
    once a reviewer acted it waits; a rejection leaves the old info valid."""
    graduate, web = web_graduate()
    services.sync_from_source(graduate.id, source_kind="school_entry", source_id=1, archive=ARCHIVE, hukou=None)
    db.session.commit()
    form = web.page("/graduate/archive/new?purpose=change")
    assert _input_value(form, "archive_unit_name") == ARCHIVE["archive_unit_name"] and 'value="change"' in form
    assert "来源：学校直接录入" in form
    resp = _create(web, values={**ARCHIVE, "archive_unit_name": "上海某某公司"}, purpose="change")
    record_id = _id_of(resp)
    assert (_record(record_id).purpose, _record(record_id).status) == ("change", "pending")
    assert "档案信息修改" in _follow(web, resp)
    # 修改申请 while no reviewer acted: withdrawn and resubmitted in one step, still pending
    page = web.page(f"/graduate/archive/records/{record_id}")
    assert 'id="change"' in page and 'id="transfer-form"' not in page
    page = web.page(f"/graduate/archive/records/{record_id}?change=1")
    assert 'id="transfer-form"' in page and 'id="resubmit"' in page
    resp = web.post(f"/graduate/archive/records/{record_id}", {**ARCHIVE, "archive_unit_name": "上海某某科技公司",
                                                               "action": "resubmit"})
    assert "已修改并重新提交" in _follow(web, resp)
    record = _record(record_id)
    assert (record.status, record.fields["archive_unit_name"]) == ("pending", "上海某某科技公司")
    # a refused change of a pending record leaves it pending as it was
    resp = web.post(f"/graduate/archive/records/{record_id}", {**ARCHIVE, "archive_postcode": "x"})
    assert resp.status_code == 400 and 'id="error-archive_postcode"' in resp.get_data(as_text=True)
    assert _record(record_id).status == "pending"
    assert _record(record_id).fields["archive_unit_name"] == "上海某某科技公司"
    # the department acted: no more changes, the page says to wait
    _review(world, record_id, "pass", users=("dept_user",))
    resp = web.post(f"/graduate/archive/records/{record_id}", {**ARCHIVE, "archive_unit_name": "又改了"})
    assert "请等待审核结果" in " ".join(FLASH.findall(_follow(web, resp)))
    # the school rejects: the old info stays
    _review(world, record_id, "reject", reason="无需修改", users=("school_user",))
    home = web.page("/graduate/archive")
    assert ARCHIVE["archive_unit_name"] in home.split('id="current-rows"')[1].split("</dl>")[0]
    assert "上海某某科技公司" not in home and "无需修改" in home and 'id="start-change"' in home
    assert "原档案信息仍有效" in web.page(f"/graduate/archive/records/{record_id}")


def test_rv_5_a_reviewer_edit_shows_in_the_history_and_the_current_info(web_graduate, world):
    """RV-5: the department edits the 邮编 while reviewing; the graduate sees the edited value, the change
    (before → after) in the history, an outbox message, and after the passes the edited current info."""
    graduate, web = web_graduate()
    record_id = _id_of(_create(web))
    item = engine.open_item("archive_registration", record_id)
    assert item is not None
    form = lifecycle.edit_form(world["dept_user"], item)
    data = {f.key: f.value for f in form.fields} | {"archive_postcode": "100081", "version": str(item.version)}
    assert lifecycle.reviewer_edit(world["dept_user"], item, data, item.version)
    db.session.commit()
    page = web.page(f"/graduate/archive/records/{record_id}")
    timeline = page.split('id="record-timeline"')[1]
    assert "档案转递单位邮编" in timeline and "100080" in timeline and "100081" in timeline
    assert 'id="change"' not in page  # a reviewer acted: no more 修改申请
    assert db.session.scalar(select(NotificationOutbox).where(
        NotificationOutbox.graduate_id == graduate.id, NotificationOutbox.kind == "info_edited")) is not None
    _review(world, record_id, "pass")
    home = web.page("/graduate/archive")
    assert "100081" in home.split('id="current-rows"')[1] and "来源：档案信息登记" in home


def test_hk_2_hukou_registers_as_archive_does(web_graduate, world):
    """HK-2: the hukou form (fig. 37) is the same pages: 户口迁移类型, 地址, registered, passed, shown."""
    _, web = web_graduate()
    form = web.page("/graduate/hukou/new")
    assert "户口迁移类型" in form and "户口迁移详细地址" in form and "档案转递" not in _main(form)
    assert _script_data(form)["lockProvince"] == "110000"
    record_id = _id_of(_create(web, "hukou"))
    assert _record(record_id).module == "hukou"
    _review(world, record_id, "pass")
    home = web.page("/graduate/hukou")
    assert "来源：户口信息登记" in home and "中关村大街1号" in home and 'id="start-change"' in home
    assert 'id="start-registration"' in web.page("/graduate/archive")  # the other module is untouched


def test_ar_9_dispatch_block_shows_sent_with_date_carrier_and_number(web_graduate, monkeypatch):
    """AR-9: when the school sent the archive the page says 已寄出 with date, carrier and tracking number
    (the payload's ``dispatch`` block, fabricated here); without it there is no block."""
    graduate, web = web_graduate()
    assert 'id="dispatch"' not in web.page("/graduate/archive")
    real = payload.module_payload
    block: dict[str, Any] = {"transfer_no": "ZD2027000123X", "state": "sent", "state_label": "已寄出",
                             "sent_on": "2027-07-05", "carrier": "中国邮政EMS", "tracking_no": "1234567890123"}
    monkeypatch.setattr(payload, "module_payload", lambda *a, **k: {**real(*a, **k), "dispatch": block})
    page = web.page("/graduate/archive")
    section = page.split('id="dispatch"')[1].split("</section>")[0]
    for text in ("已寄出", "2027-07-05", "中国邮政EMS", "1234567890123", "ZD2027000123X"):
        assert text in section, text
    block.update(state="prepared", state_label="待寄出", sent_on=None, carrier=None, tracking_no=None)
    section = web.page("/graduate/archive").split('id="dispatch"')[1].split("</section>")[0]
    assert "待寄出" in section and "已寄出" not in section and "运单号" not in section
    monkeypatch.setattr(payload, "module_payload", lambda *a, **k: {**real(*a, **k), "dispatch": None})
    assert 'id="dispatch"' not in web.page("/graduate/archive")


def test_ar_1_images_upload_at_most_three_and_delete(web_graduate):
    """AR-1: up to three optional images through the upload pipeline (XHR with progress or a plain post)."""
    _, web = web_graduate()
    record_id = _id_of(_create(web, action="save"))
    path = f"/graduate/archive/records/{record_id}/images"
    resp = _post_form(web, path, {}, (jpeg_bytes(), "1.jpg"), (jpeg_bytes(color="#cce"), "2.jpg"), xhr=True)
    assert resp.status_code == 200 and resp.get_json()["redirect"].endswith(f"/records/{record_id}#proofs")
    resp = _post_form(web, path, {}, (jpeg_bytes(), "3.jpg"), (jpeg_bytes(), "4.jpg"))
    page = _follow(web, resp)
    assert page.count('class="thumb"') == 3 and "4.jpg：最多上传3张" in page and 'id="upload-form"' not in page
    file_id = int(re.findall(r'data-file="(\d+)"', page)[0])
    img = re.search(r'<img src="([^"]+)"', page)
    assert img and web.get(img.group(1)).status_code == 200
    resp = web.post(f"/graduate/archive/records/{record_id}/images/{file_id}/delete")
    assert _follow(web, resp).count('class="thumb"') == 2
    assert web.post(f"/graduate/archive/records/{record_id}/images/999999/delete").status_code == 404


def test_gw_1_someone_elses_record_is_a_chinese_404_and_posts_need_csrf(web_graduate):
    """GW-1: a record of another graduate (or of the other module) is a plain 404 page; every post needs the token."""
    _, web = web_graduate()
    record_id = _id_of(_create(web))
    _, other = web_graduate()
    resp = other.get(f"/graduate/archive/records/{record_id}")
    assert resp.status_code == 404 and "text/html" in resp.content_type and "页面不存在" in resp.get_data(as_text=True)
    assert other.post(f"/graduate/archive/records/{record_id}/withdraw").status_code == 404
    assert web.get(f"/graduate/hukou/records/{record_id}").status_code == 404
    assert web.post(f"/graduate/archive/records/{record_id}/withdraw", csrf=False).status_code == 400
    assert _record(record_id).status == "pending"


def test_rp_2_after_the_deadline_the_page_reads_but_does_not_register(web_graduate, world):
    """RP-2: after the school's deadline the page shows the info and says why nothing can be registered."""
    graduate, web = web_graduate()
    deadlines.set_deadline(world["school"].id, 2027, date(2026, 1, 1), world["school_user"].id)
    db.session.commit()
    home = web.page("/graduate/archive")
    assert 'id="closed"' in home and "已过学校上报截止日期" in home and 'id="start-registration"' not in home
    resp = web.get("/graduate/archive/new")
    assert "已过学校上报截止日期" in " ".join(FLASH.findall(_follow(web, resp)))
    resp = _create(web)
    assert "已过学校上报截止日期" in " ".join(FLASH.findall(_follow(web, resp)))
    assert db.session.scalar(select(TransferRegistration)) is None
