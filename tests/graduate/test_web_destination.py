"""The graduates' web: module tiles (L-5), 毕业去向填报 (§4, fig. 6) and other destinations (§4.5).

Every flow goes through the same services as the mini-program's API: OD-1 register with a proof,
OD-2 withdraw / return / resubmit, OD-4 void, D-1 one current destination, D-2 directed graduates;
field errors next to their fields; ownership; CSRF.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from tests.graduate.conftest import location, record_id_of
from wxbackend.core.db import db
from wxbackend.destinations.models import OtherDestination
from wxbackend.files.models import Attachment


def _create(web, fields=None, subkind="labour_contract"):
    return web.post("/graduate/destination/new", {"subkind": subkind, **(fields or LABOUR_FIELDS)})


def _submitted(web) -> int:
    record_id = record_id_of(_create(web))
    assert location(web.upload(record_id, (jpeg_bytes(), "contract.jpg"))).endswith(f"/records/{record_id}#proofs")
    location(web.post(f"/graduate/destination/records/{record_id}", {**LABOUR_FIELDS, "action": "submit"}))
    return record_id


def _record(record_id: int) -> OtherDestination:
    db.session.expire_all()
    row = db.session.get(OtherDestination, record_id)
    assert row is not None
    return row


def test_l_5_every_tile_is_a_link_and_a_locked_module_says_why(web_graduate, world):
    """L-5: five tiles, each a link; a locked module's page gives its reason; an unbuilt one says so.

    GW-1: the archive module has its web page (hukou is locked for this graduate: its tile says why)."""
    world["school"].archive_module_enabled = True
    db.session.commit()
    _, web = web_graduate(hukou_at_school=False)
    html = web.page("/graduate/")
    links = dict(re.findall(r'data-module="(\w+)"\s+data-available="\w+" id="module-\w+"\s+href="([^"]+)"', html))
    assert links == {"destination": "/graduate/destination", "archive": "/graduate/archive",
                     "hukou": "/graduate/modules/hukou", "confirmation": "/graduate/modules/confirmation",
                     "verification": "/graduate/modules/verification"}
    hukou = web.page("/graduate/modules/hukou")
    assert 'id="lock-reason"' in hukou and "户口未转入学校，不可使用户口信息登记" in hukou
    assert "需完成毕业去向上报后才能确认" in web.page("/graduate/modules/confirmation")
    assert location(web.get("/graduate/modules/archive")).endswith("/graduate/archive")
    verification = web.page("/graduate/modules/verification")  # locked (VA-1): its reason, no form
    assert "<form" not in verification.split("<main")[1].split("</main>")[0]
    assert location(web.get("/graduate/modules/destination")).endswith("/graduate/destination")
    assert web.get("/graduate/modules/nothing").status_code == 404


def test_l_3_modules_stay_closed_until_basic_info_is_confirmed(web_graduate):
    """L-3: before 信息确认无误 every module page leads back to the basic-info gate."""
    _, web = web_graduate(confirmed=False)
    for path in ("/graduate/destination", "/graduate/destination/new", "/graduate/modules/archive"):
        assert location(web.get(path)).endswith("/graduate/")


def test_od_1_register_upload_proof_and_submit(web_graduate):
    """OD-1, D-1: choose a sub-kind, fill its fields, save a draft, upload a proof image, submit."""
    graduate, web = web_graduate()
    home = web.page("/graduate/destination")
    for label in ("签就业协议书就业", "其他形式就业", "升学", "未就业"):
        assert label in home
    assert "由用人单位在平台发起签约邀请" in home  # the agreement entry says how it works
    form = web.page("/graduate/destination/new?subkind=labour_contract")
    assert 'name="unit_nature"' in form and "<select" in form and 'id="field-credit_code"' in form
    record_id = record_id_of(_create(web))
    page = web.page(f"/graduate/destination/records/{record_id}")
    assert "未提交" in page and 'id="upload-form"' in page and 'enctype="multipart/form-data"' in page
    # submitting without the proof is refused, and nothing saved is lost
    resp = web.post(f"/graduate/destination/records/{record_id}", {**LABOUR_FIELDS, "action": "submit"})
    assert resp.status_code == 400 and "请上传劳动合同（至少1张）" in resp.get_data(as_text=True)
    assert _record(record_id).fields["unit_name"] == LABOUR_FIELDS["unit_name"]
    assert location(web.upload(record_id, (jpeg_bytes(), "contract.jpg")))
    page = web.page(f"/graduate/destination/records/{record_id}")
    (file_id,) = db.session.scalars(select(Attachment.file_id).where(Attachment.subject_id == record_id))
    assert f'src="/graduate/files/{file_id}"' in page
    image = web.get(f"/graduate/files/{file_id}")
    assert image.status_code == 200 and image.data[:2] == b"\xff\xd8"
    location(web.post(f"/graduate/destination/records/{record_id}", {**LABOUR_FIELDS, "action": "submit"}))
    assert _record(record_id).status == "pending"
    page = web.page(f"/graduate/destination/records/{record_id}")
    assert "待院系审核" in page and 'id="withdraw"' in page and "提交" in page
    home = web.page("/graduate/destination")
    assert 'id="current-destination"' in home and f'id="record-other_destination-{record_id}"' in home
    assert "已有当前毕业去向（其他毕业去向登记）" in home  # D-1: the entries say why nothing new can start


def test_field_errors_are_shown_next_to_each_field_and_typed_values_are_kept(web_graduate):
    """A bad value is refused next to its field in Chinese; everything typed comes back in the form."""
    _, web = web_graduate()
    resp = _create(web, {**LABOUR_FIELDS, "contact_phone": "12345", "monthly_pay": "很多"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert re.search(r'id="error-contact_phone">请填写手机号码或带区号的固定电话<', html)
    assert re.search(r'id="error-monthly_pay">请填写整数金额<', html)
    assert f'value="{LABOUR_FIELDS["unit_name"]}"' in html and 'value="12345"' in html
    assert db.session.scalar(select(OtherDestination.id)) is None
    # on a saved draft: a required field emptied on submit keeps the other saved values
    record_id = record_id_of(_create(web, {"unit_name": "只填了名称"}))
    resp = web.post(f"/graduate/destination/records/{record_id}", {"unit_name": "北京改名科技有限公司",
                                                                   "action": "submit"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="error-credit_code">请填写统一社会信用代码<' in html
    assert "已保存，但还不能提交" in html and 'value="北京改名科技有限公司"' in html
    assert _record(record_id).fields == {"unit_name": "北京改名科技有限公司"}


def test_od_2_withdraw_then_return_with_reason_then_resubmit(web_graduate, decide):
    """RV-3, OD-2: withdraw before review; a return shows the reviewer's reason; edit and resubmit."""
    _, web = web_graduate()
    record_id = _submitted(web)
    location(web.post(f"/graduate/destination/records/{record_id}/withdraw"))
    assert _record(record_id).status == "draft"
    assert "已撤回" in web.page(f"/graduate/destination/records/{record_id}")
    location(web.post(f"/graduate/destination/records/{record_id}", {**LABOUR_FIELDS, "action": "submit"}))
    decide(record_id, "return", reason="劳动合同缺少签字页")
    page = web.page(f"/graduate/destination/records/{record_id}")
    assert "退回修改" in page and "劳动合同缺少签字页" in page and 'id="submit"' in page and "重新提交" in page
    assert 'id="withdraw"' not in page
    location(web.post(f"/graduate/destination/records/{record_id}",
                      {**LABOUR_FIELDS, "position": "高级软件工程师", "action": "submit"}))
    row = _record(record_id)
    assert row.status == "pending" and row.fields["position"] == "高级软件工程师"
    timeline = web.page(f"/graduate/destination/records/{record_id}").split('id="record-timeline"')[1]
    steps = ("提交", "撤回", "退回修改", "重新提交")
    assert [a for a in steps if a in timeline] == list(steps)


def test_rv_3_no_withdraw_once_a_reviewer_acted(web_graduate, decide):
    _, web = web_graduate()
    record_id = _submitted(web)
    decide(record_id, "pass")
    page = web.page(f"/graduate/destination/records/{record_id}")
    assert 'id="withdraw"' not in page and "待学校审核" in page
    resp = web.post(f"/graduate/destination/records/{record_id}/withdraw")
    assert location(resp).endswith(f"/records/{record_id}") and _record(record_id).status == "pending"


def test_od_4_void_after_approval(web_graduate, decide):
    """OD-4: after approval 作废 with no review; the graduate may register again."""
    _, web = web_graduate()
    record_id = _submitted(web)
    decide(record_id, "pass")
    decide(record_id, "pass", user="school_user")
    page = web.page(f"/graduate/destination/records/{record_id}")
    assert "审核通过" in page and 'id="void"' in page and 'id="record-form"' not in page
    location(web.post(f"/graduate/destination/records/{record_id}/void"))
    assert _record(record_id).status == "voided"
    home = web.page("/graduate/destination")
    assert 'id="current-destination"' not in home and 'id="subkind-labour_contract"' in home


def test_proof_remove_and_xhr_upload_answers_json(web_graduate):
    """The page's script uploads with XMLHttpRequest and follows the JSON redirect; a proof can be removed."""
    _, web = web_graduate()
    record_id = record_id_of(_create(web))
    resp = web.upload(record_id, (jpeg_bytes(), "a.jpg"), xhr=True)
    assert resp.status_code == 200 and resp.get_json() == {
        "ok": True, "redirect": f"/graduate/destination/records/{record_id}#proofs"}
    bad = web.upload(record_id, (b"not an image", "b.jpg"), xhr=True)
    assert bad.status_code == 400 and bad.get_json()["ok"] is False
    page = web.page(f"/graduate/destination/records/{record_id}")
    assert "b.jpg：" in page  # the refusal, flashed for the page the script reloads
    (file_id,) = db.session.scalars(select(Attachment.file_id).where(Attachment.subject_id == record_id))
    location(web.post(f"/graduate/destination/records/{record_id}/proofs/{file_id}/delete"))
    assert db.session.scalar(select(Attachment.file_id).where(Attachment.subject_id == record_id)) is None


def test_d_2_directed_graduate_registers_only_the_directed_kind_with_the_school_s_unit(web_graduate):
    """D-2: 定向/委培 graduates see only 定向/委培毕业去向补充登记; its unit comes from the upload, read-only."""
    _, web = web_graduate(training_mode="2", sponsor_unit="某省教育厅")
    home = web.page("/graduate/destination")
    assert "定向/委培毕业生不可网签" in home and 'id="subkind-directed"' in home
    assert 'id="subkind-labour_contract"' not in home
    form = web.page("/graduate/destination/new?subkind=directed")
    assert re.search(r'id="unit_name" value="某省教育厅" disabled', form)
    assert location(web.get("/graduate/destination/new?subkind=labour_contract")).endswith("/graduate/destination")
    record_id = record_id_of(web.post("/graduate/destination/new", {"subkind": "directed", "unit_name": "别的单位",
                                                                    "unit_region": "110108"}))
    assert _record(record_id).fields["unit_name"] == "某省教育厅"


def test_another_graduate_gets_404_for_records_and_files(web_graduate):
    """Ownership: records and images are reachable only by their owner."""
    _, web = web_graduate()
    record_id = record_id_of(_create(web))
    web.upload(record_id, (jpeg_bytes(), "a.jpg"))
    (file_id,) = db.session.scalars(select(Attachment.file_id).where(Attachment.subject_id == record_id))
    _, other = web_graduate(name="李四")
    assert other.get(f"/graduate/destination/records/{record_id}").status_code == 404
    assert other.get(f"/graduate/files/{file_id}").status_code == 404
    assert other.post(f"/graduate/destination/records/{record_id}/withdraw").status_code == 404
    assert other.post(f"/graduate/destination/records/{record_id}", {"action": "save"}).status_code == 404
    assert other.upload(record_id, (jpeg_bytes(), "x.jpg")).status_code == 404
    assert other.post(f"/graduate/destination/records/{record_id}/proofs/{file_id}/delete").status_code == 404
    assert db.session.scalar(select(Attachment.file_id).where(Attachment.subject_id == record_id)) == file_id


def test_forms_without_the_csrf_token_are_refused(web_graduate):
    _, web = web_graduate()
    resp = web.post("/graduate/destination/new", {"subkind": "labour_contract", **LABOUR_FIELDS}, csrf=False)
    assert resp.status_code == 400
    assert db.session.scalar(select(OtherDestination.id)) is None


def test_signed_out_visitors_are_sent_to_the_login(client):
    resp = client.get("/graduate/destination")
    assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]


def test_od_1_a_draft_switches_to_another_sub_kind_keeping_shared_fields(web_graduate):
    """OD-1: a draft of the wrong sub-kind is switched, not stuck (one open record per graduate)."""
    _, web = web_graduate()
    record_id = record_id_of(_create(web))
    page = web.page(f"/graduate/destination/records/{record_id}?subkind=job_seeking")
    assert 'id="switch-notice"' in page and 'name="subkind" value="job_seeking"' in page
    location(web.post(f"/graduate/destination/records/{record_id}", {"subkind": "job_seeking", "action": "submit"}))
    row = _record(record_id)
    assert row.subkind == "job_seeking" and row.status == "pending"  # 求职中 needs no proof
    assert "求职中" in web.page(f"/graduate/destination/records/{record_id}")
