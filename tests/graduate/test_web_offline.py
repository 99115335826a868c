"""The graduates' web: offline signing with the e-agreement (§4.3, figs. 21–25), the paper agreement (FS-9)
and offline termination (§4.4, figs. 27–28).

The same services as the API: FS-1 the form (保存 / 提交, errors per field, nothing lost), FS-2 撤回修改,
FS-3 the review outcome and the printable PDF, FS-4 本人回传 / 用人单位协助回传 (the SMS link, MS-3),
FS-6 撤回 in 签约审核, FS-10 the page notes, FS-9 the paper agreement, FT-1 申请解约; ownership (404).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pypdfium2 as pdfium
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.destinations.helpers import jpeg_bytes
from tests.graduate.conftest import location
from tests.signing.offline_helpers import FORM, review_phase
from wxbackend.accounts.actors import actor_for
from wxbackend.core.db import db
from wxbackend.signing import offline
from wxbackend.signing.models import OfflineAgreement, OfflineTermination

FLASH = re.compile(r'<div class="flash flash-\w+" role="alert">([^<]*)</div>')


def _form(**changes: Any) -> dict[str, str]:
    values = {k: str(v) for k, v in FORM.items()}
    values.update(changes)
    return values


def _record(record_id: int) -> OfflineAgreement:
    db.session.expire_all()
    row = db.session.get(OfflineAgreement, record_id)
    assert row is not None
    return row


def _id_of(resp: Any) -> int:
    match = re.search(r"/graduate/offline/(\d+)", location(resp))
    assert match, location(resp)
    return int(match.group(1))


def _upload(web: Any, path: str, *files: tuple[bytes, str], **fields: str) -> Any:
    boundary, body = encode_multipart(MultiDict(
        [("csrf_token", web.token()), *fields.items(), *[("file", FileStorage(io.BytesIO(d), n)) for d, n in files]]))
    return web.client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _follow(web: Any, resp: Any) -> str:
    return web.page(location(resp).split("#")[0])


def _passed(web: Any, world: dict[str, Any], drain_jobs: Any) -> OfflineAgreement:
    """A submitted e-agreement application, both levels passed (FS-3), its PDF rendered."""
    resp = web.post("/graduate/offline/new", {"mode": "eagreement", "action": "submit", **_form()})
    record_id = _id_of(resp)
    assert _record(record_id).status == "agreement_review"
    review_phase(world, offline.KIND, record_id)
    drain_jobs()
    record = _record(record_id)
    assert record.status == "agreement_passed" and record.pdf_file_id is not None and record.pdf_pages
    return record


def _pages_of(record: OfflineAgreement) -> list[bytes]:
    """Photos of every page of the printed agreement (PNG), as the employer would send them back."""
    stored = offline.pdf_file(record)
    assert stored is not None
    from wxbackend.files.storage import get_storage

    document = pdfium.PdfDocument(get_storage().get(stored.key))
    out = []
    for page in document:
        buf = io.BytesIO()
        page.render(scale=150 / 72).to_pil().convert("RGB").save(buf, "PNG")
        out.append(buf.getvalue())
    document.close()
    return out


def test_fs_1_home_links_both_offline_ways_and_the_form_has_fig_21_sections(web_graduate) -> None:
    """FS-1, FS-9: 签就业协议书就业 shows its note and both ways in; the form has fig. 21's sections and buttons."""
    _graduate, web = web_graduate()
    home = web.page("/graduate/destination")
    assert 'href="/graduate/offline/new?mode=eagreement"' in home and "向学校申请电子就业协议书线下登记" in home
    assert 'href="/graduate/offline/new?mode=paper"' in home and "已签协议信息登记" in home
    assert "线上签约：由用人单位在平台发起签约邀请" in home
    page = web.page("/graduate/offline/new?mode=eagreement")
    for title in ("用人单位信息", "签约信息", "档案转递", "户口迁移", "协议补充内容"):
        assert f"<legend>{title}</legend>" in page, title
    assert 'id="save"' in page and 'id="submit"' in page and 'name="form_key"' in page
    assert web.get("/graduate/offline/new?mode=nonsense").status_code == 404


def test_fs_1_submit_with_missing_fields_shows_each_error_and_keeps_what_was_typed(web_graduate) -> None:
    """FS-1: an invalid value refuses 保存 with the message next to its field and everything typed kept;
    提交 of an incomplete form saves the draft and names each missing required field; complete → 协议审核."""
    graduate, web = web_graduate()
    resp = web.post("/graduate/offline/new", {"mode": "eagreement", "action": "save",
                                              "unit_name": "学信咨询服务有限公司",
                                              "credit_code": "91110108749352307B", "contact_mobile": "12345"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="error-credit_code"' in html and 'id="error-contact_mobile"' in html
    assert 'value="学信咨询服务有限公司"' in html and 'value="91110108749352307B"' in html and 'value="12345"' in html
    assert db.session.query(OfflineAgreement).filter_by(graduate_id=graduate.id).count() == 0

    resp = web.post("/graduate/offline/new", {"mode": "eagreement", "action": "submit",
                                              "unit_name": "学信咨询服务有限公司", "position": "数据分析师"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "已保存，但还不能提交" in html
    assert 'id="error-credit_code"' in html and "请填写统一社会信用代码" in html and 'id="error-contact_mobile"' in html
    assert 'value="学信咨询服务有限公司"' in html and 'value="数据分析师"' in html
    (record,) = db.session.query(OfflineAgreement).filter_by(graduate_id=graduate.id).all()
    assert record.status == "draft" and record.unit_name == "学信咨询服务有限公司"

    page = web.page(f"/graduate/offline/{record.id}")
    assert 'value="数据分析师"' in page and "未提交" in page
    resp = web.post(f"/graduate/offline/{record.id}", {"action": "submit", **_form()})
    assert location(resp).endswith(f"/graduate/offline/{record.id}")
    assert _record(record.id).status == "agreement_review"
    page = web.page(f"/graduate/offline/{record.id}")
    assert "已提交，等待院系及学校协议审核" in page and 'id="withdraw"' in page and 'id="offline-form"' not in page
    home = web.page("/graduate/destination")
    assert f'href="/graduate/offline/{record.id}"' in home and f'id="record-offline_agreement-{record.id}"' in home


def test_fs_2_withdraw_before_review_returns_the_form_to_editing(web_graduate) -> None:
    """FS-2: 撤回修改 before any reviewer acted → a draft again, the form editable; then resubmitted."""
    _graduate, web = web_graduate()
    record_id = _id_of(web.post("/graduate/offline/new", {"mode": "eagreement", "action": "submit", **_form()}))
    resp = web.post(f"/graduate/offline/{record_id}/withdraw")
    page = _follow(web, resp)
    assert "已撤回，可修改后重新提交" in FLASH.findall(page)
    assert _record(record_id).status == "draft" and 'id="offline-form"' in page
    resp = web.post(f"/graduate/offline/{record_id}", {"action": "submit", **_form(position="高级数据分析师")})
    assert _record(record_id).status == "agreement_review"
    assert _record(record_id).terms["position"] == "高级数据分析师"


def test_fs_3_passed_shows_the_status_and_the_download_link_or_the_pending_notice(web_graduate, world,
                                                                                  drain_jobs) -> None:
    """FS-3: both reviews pass → 就业协议审核通过 with the 协议编号 and “点击下载电子协议书” (the PDF);
    while the PDF is not rendered yet the page says 协议书正在生成 and refreshes, the download waits."""
    _graduate, web = web_graduate()
    record = _passed(web, world, drain_jobs)
    page = web.page(f"/graduate/offline/{record.id}")
    assert "就业协议审核通过" in page and record.agreement_no in page
    assert "点击下载电子协议书" in page and f'href="/graduate/offline/{record.id}/pdf?download=1"' in page
    resp = web.get(f"/graduate/offline/{record.id}/pdf?download=1")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"] and resp.headers["X-Content-SHA256"]
    assert "inline" in web.get(f"/graduate/offline/{record.id}/pdf").headers["Content-Disposition"]
    # the signed PDF only after 签约完成
    resp = web.get(f"/graduate/offline/{record.id}/signed-pdf")
    assert location(resp).endswith(f"/graduate/offline/{record.id}")
    assert "签约完成后才能下载" in " ".join(FLASH.findall(web.page(f"/graduate/offline/{record.id}")))

    saved = record.pdf_file_id
    record.pdf_file_id = None  # as while the render job is still running
    db.session.commit()
    page = web.page(f"/graduate/offline/{record.id}")
    assert 'id="pdf-pending"' in page and "协议书正在生成" in page and "window.location.reload" in page
    assert 'id="pdf-download"' not in page and 'id="send-link"' not in page
    resp = web.get(f"/graduate/offline/{record.id}/pdf")
    assert location(resp).endswith(f"/graduate/offline/{record.id}")
    assert "电子就业协议书正在生成，请稍后刷新" in FLASH.findall(web.page(f"/graduate/offline/{record.id}"))
    record = _record(record.id)
    record.pdf_file_id = saved
    db.session.commit()


def test_fs_4_fs_6_stamped_pages_with_their_notes_self_return_and_withdraw(web_graduate, world,
                                                                          drain_jobs) -> None:
    """FS-4, FS-6, FS-10: each uploaded page shows what its codes said (与协议…第1页相符), the coverage
    共N页; a page is deleted before submission; 本人回传协议书 → 签约审核; 撤回修改 → the pages again."""
    _graduate, web = web_graduate()
    record = _passed(web, world, drain_jobs)
    photos = _pages_of(record)
    path = f"/graduate/offline/{record.id}"
    resp = _upload(web, f"{path}/pages", (jpeg_bytes(), "模糊.jpg"))
    page = _follow(web, resp)
    assert "图片已上传" in FLASH.findall(page) and "未识别到页面二维码，请人工核对" in page
    assert f"共{record.pdf_pages}页" in page
    (blurry,) = [f for f, _p in offline.pages(_record(record.id))]
    # too few pages: refused with the requirement as a flash
    resp = web.post(f"{path}/submit")
    assert f"至少{record.pdf_pages}张" in " ".join(FLASH.findall(_follow(web, resp)))
    page = _follow(web, web.post(f"{path}/pages/{blurry.id}/delete"))
    assert "已删除该图片" in FLASH.findall(page)
    for n, photo in enumerate(photos, 1):
        _upload(web, f"{path}/pages", (photo, f"第{n}页.png"))
    page = web.page(path)
    assert f"与协议 {record.agreement_no} 第1页（共{record.pdf_pages}页）相符" in page
    assert f"共{record.pdf_pages}页，已识别第{'、'.join(str(n) for n in range(1, len(photos) + 1))}页" in page
    assert 'id="submit-pages"' in page and "本人回传协议书" in page and "用人单位协助回传协议书" in page

    page = _follow(web, web.post(f"{path}/submit"))
    assert "已提交，等待院系及学校签约审核" in FLASH.findall(page)
    assert _record(record.id).status == "signing_review" and "本人回传" in page
    assert 'id="upload-form"' not in page and "remove-page-" not in page
    page = _follow(web, web.post(f"{path}/withdraw"))
    assert "已撤回，可重新上传盖章后的协议书再提交" in FLASH.findall(page)
    assert _record(record.id).status == "agreement_passed" and 'id="upload-form"' in page


def test_fs_4_employer_link_sms_state_and_too_soon(web_graduate, world, drain_jobs) -> None:
    """FS-4, FS-8, MS-3: 用人单位协助回传协议书 texts the contact; the page shows to whom (masked), when, the SMS
    state and until when the link works; a second request within a minute is refused as a flash (too_soon)."""
    _graduate, web = web_graduate()
    record = _passed(web, world, drain_jobs)
    path = f"/graduate/offline/{record.id}"
    page = _follow(web, web.post(f"{path}/employer-link"))
    assert "已向用人单位联系人 131****1111 发送协议回传链接短信" in FLASH.findall(page)
    assert 'id="link-state"' in page and "131****1111" in page and "链接有效期至" in page
    assert re.search(r'id="link-delivery"[^>]*>(短信发送中|短信已发送|短信发送失败，请重试)<', page)
    assert 'id="send-link"' in page and "重新发送" in page
    page = _follow(web, web.post(f"{path}/employer-link"))
    assert any(re.fullmatch(r"短信刚刚发送过，请\d+秒后再试", m) for m in FLASH.findall(page)), FLASH.findall(page)
    assert _record(record.id).link_nonce is not None


def test_fs_9_paper_agreement_images_then_one_submit(web_graduate, world) -> None:
    """FS-9: the same form, then the images of the signed agreement on its page, one 提交 → 签约审核;
    passed → 签约完成."""
    _graduate, web = web_graduate()
    page = web.page("/graduate/offline/new?mode=paper")
    assert 'id="submit"' not in page and "保存，下一步上传协议书图片" in page
    resp = web.post("/graduate/offline/new", {"mode": "paper", **_form()})
    assert location(resp).endswith("#proofs")
    record_id = _id_of(resp)
    path = f"/graduate/offline/{record_id}"
    page = web.page(path)
    assert "已签协议书图片" in page and 'id="upload-form"' in page and 'id="submit"' in page
    resp = web.post(path, {"action": "submit", **_form()})
    assert "请上传" in " ".join(FLASH.findall(_follow(web, resp))) or _record(record_id).status == "draft"
    assert _record(record_id).status == "draft"
    page = _follow(web, _upload(web, f"{path}/pages", (jpeg_bytes(), "协议第1页.jpg")))
    assert "图片已上传" in FLASH.findall(page) and "remove-page-" in page
    page = _follow(web, web.post(path, {"action": "submit", **_form()}))
    assert "已提交，等待院系及学校签约审核" in FLASH.findall(page)
    record = _record(record_id)
    assert record.status == "signing_review" and record.agreement_no
    review_phase(world, offline.PAPER_KIND, record_id)
    page = web.page(path)
    assert "签约完成" in page and 'id="termination-start"' in page and 'id="offline-timeline"' in page


def _signed_paper(graduate: Any, world: dict[str, Any]) -> OfflineAgreement:
    record = offline.create(graduate, "paper", dict(FORM))
    db.session.commit()
    offline.add_page(actor_for(graduate), record, jpeg_bytes(), "协议.jpg")
    offline.submit(graduate, record)
    db.session.commit()
    review_phase(world, offline.PAPER_KIND, record.id)
    return _record(record.id)


def test_ft_1_termination_form_validation_then_submit_with_the_letter(web_graduate, world) -> None:
    """FT-1: 解约原因 required, 解约说明 at most 200, the letter required — each error next to its field, the
    text kept; with all three the termination goes to review; its page shows status and files; 撤回 → edit."""
    graduate, web = web_graduate()
    record = _signed_paper(graduate, world)
    path = f"/graduate/offline/{record.id}/termination"
    page = web.page(f"/graduate/offline/{record.id}")
    assert 'id="reason"' in page and 'id="explanation-counter"' in page and "0/200" in page
    resp = _upload(web, path, explanation="与单位协商一致")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="error-reason"' in html and "请选择解约原因" in html
    assert 'id="error-file"' in html and "请上传单位盖章的解约函" in html and "与单位协商一致</textarea>" in html
    resp = _upload(web, path, (jpeg_bytes(), "解约函.jpg"), reason="01", explanation="长" * 201)
    assert resp.status_code == 400 and "解约说明不能超过200个字" in resp.get_data(as_text=True)
    assert db.session.query(OfflineTermination).count() == 0

    resp = _upload(web, path, (jpeg_bytes(), "解约函.jpg"), reason="01", explanation="与单位协商一致")
    match = re.search(r"/graduate/offline-terminations/(\d+)$", location(resp))
    assert match
    tid = int(match.group(1))
    page = _follow(web, resp)
    assert "解约申请已提交，等待院系及学校审核" in FLASH.findall(page)
    db.session.expire_all()
    assert db.session.get(OfflineTermination, tid).status == "pending"
    assert 'id="withdraw"' in page and "解约函" in page and 'class="thumb"' in page
    assert f'id="record-offline_termination-{tid}"' in web.page("/graduate/destination")
    page = _follow(web, web.post(f"/graduate/offline-terminations/{tid}/withdraw"))
    assert "已撤回解约申请，可修改后重新提交" in FLASH.findall(page) and 'id="termination-form"' in page
    resp = web.post(f"/graduate/offline-terminations/{tid}", {"action": "save", "reason": "", "explanation": "改"})
    assert resp.status_code == 400 and 'id="error-reason"' in resp.get_data(as_text=True)
    page = _follow(web, web.post(f"/graduate/offline-terminations/{tid}", {"action": "submit", "reason": "01",
                                                                            "explanation": "改"}))
    assert "解约申请已提交，等待院系及学校审核" in FLASH.findall(page)


def test_ft_1_a_draft_termination_can_be_deleted(web_graduate, world) -> None:
    """FT-1: a termination saved but never submitted (its letter failed to upload) can be withdrawn:
    it is kept as 已撤销 with its history, and the agreement stays."""
    graduate, web = web_graduate()
    record = _signed_paper(graduate, world)
    row = offline.start_termination(graduate, record, "01", None)
    db.session.commit()
    tid, record_id = row.id, record.id
    page = web.page(f"/graduate/offline-terminations/{tid}")
    assert "尚未提交" in page and 'id="cancel-termination"' in page and 'id="upload-form"' in page
    resp = web.post(f"/graduate/offline-terminations/{tid}/cancel")
    assert location(resp).endswith(f"/graduate/offline/{record_id}")
    db.session.expire_all()
    assert db.session.get(OfflineTermination, tid).status == "cancelled" and _record(record_id).status == "signed"


def test_fs_1_another_graduates_records_are_404(web_graduate, world) -> None:
    """FS-1, FT-1: another graduate's application, its PDF, pages and termination are a plain 404."""
    owner, _web = web_graduate()
    record = _signed_paper(owner, world)
    row = offline.start_termination(owner, record, "01", None)
    db.session.commit()
    _other, web = web_graduate()
    for path in (f"/graduate/offline/{record.id}", f"/graduate/offline/{record.id}/pdf",
                 f"/graduate/offline/{record.id}/signed-pdf", f"/graduate/offline-terminations/{row.id}"):
        assert web.get(path).status_code == 404, path
    for path in (f"/graduate/offline/{record.id}/withdraw", f"/graduate/offline/{record.id}/submit",
                 f"/graduate/offline/{record.id}/termination", f"/graduate/offline-terminations/{row.id}/cancel"):
        assert web.post(path).status_code == 404, path
    assert db.session.get(OfflineTermination, row.id) is not None
