"""Offline signing at the service level: the form and the agreement review (FS-1…FS-3), the paper agreement
(FS-9), the signing review's outcomes (FS-7), offline termination (FT-1, FT-2), and the one current
destination (D-1) across all of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.files.photos import jpeg_bytes, photo_like
from tests.signing.conftest import refused
from tests.signing.offline_helpers import FORM, review_phase
from wxbackend.accounts.actors import actor_for
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.destinations import services as destinations
from wxbackend.review import engine
from wxbackend.signing import offline
from wxbackend.signing.models import OfflineAgreement, OfflineTermination
from wxbackend.transfers.models import TransferInfo


def _fresh(record: OfflineAgreement) -> OfflineAgreement:
    db.session.expire_all()
    row = db.session.get(OfflineAgreement, record.id)
    assert row is not None
    return row


def _photo(seed: int = 0) -> bytes:
    return jpeg_bytes(photo_like(1200, 900, seed=seed))


# --- FS-1: 保存 and 提交 ---------------------------------------------------------------------------


def test_fs_1_a_draft_keeps_what_is_valid_and_submit_checks_every_required_field(grad: Callable[..., Any]) -> None:
    """FS-1: 保存 stores a partial form as a draft; 提交 refuses it, naming each missing required field."""
    g = grad()
    record = offline.create(g, "eagreement", {"unit_name": "学信咨询服务有限公司", "position": "数据分析师"})
    db.session.commit()
    assert (record.status, record.unit_name) == ("draft", "学信咨询服务有限公司")
    assert record.terms == {"position": "数据分析师"}
    err = refused(lambda: offline.submit(g, _fresh(record)), "invalid_fields")
    assert {"credit_code", "unit_nature", "industry", "address_region", "contact_name", "contact_phone",
            "contact_mobile", "job_category", "archive_transfer_type", "hukou_transfer_type"} <= set(err.fields)
    assert "contact_email" not in err.fields and "trial_pay" not in err.fields  # optional (fig. 21)
    record = _fresh(record)
    assert record.status == "draft" and destinations.current_claim(g.id) is None
    offline.update_fields(g, record, FORM)
    offline.submit(g, record)
    db.session.commit()
    record = _fresh(record)
    assert record.status == "agreement_review" and record.submitted_at is not None
    assert engine.open_item(offline.KIND, record.id).stage == "department"


def test_fs_1_the_credit_code_is_checked_though_the_unit_is_not_registered(grad: Callable[..., Any]) -> None:
    """FS-1: the unit need not be on the platform, but a wrong check digit is refused; nothing is saved."""
    g = grad()
    err = refused(lambda: offline.create(g, "eagreement", {**FORM, "credit_code": "91110108749352307B",
                                                            "contact_mobile": "010-12345678"}), "invalid_fields")
    assert "校验位" in err.fields["credit_code"]
    assert "手机" in err.fields["contact_mobile"]  # the SMS link goes there (FS-4)
    assert db.session.scalar(select(OfflineAgreement.id)) is None


def test_fs_1_invalid_edit_loses_nothing_already_saved(grad: Callable[..., Any]) -> None:
    """FS-1: an edit with a bad value is refused whole; the saved draft is unchanged."""
    g = grad()
    record = offline.create(g, "eagreement", FORM)
    db.session.commit()
    refused(lambda: offline.update_fields(g, _fresh(record), {**FORM, "penalty": "很多"}), "invalid_fields")
    assert _fresh(record).terms["penalty"] == FORM["penalty"]


# --- FS-2, FS-3 -----------------------------------------------------------------------------------------


def test_fs_2_withdraw_before_review_returns_to_editing(grad: Callable[..., Any], applied: Callable[..., Any],
                                                        world: dict[str, Any]) -> None:
    """FS-2: 撤回修改 before any reviewer acted → a draft again, no longer the current destination."""
    g = grad()
    record = applied(g)
    assert destinations.current_claim(g.id).kind == offline.KIND
    offline.withdraw(g, _fresh(record))
    db.session.commit()
    record = _fresh(record)
    assert record.status == "draft" and destinations.current_claim(g.id) is None
    offline.update_fields(g, record, {**FORM, "position": "数据工程师"})
    offline.submit(g, record)
    db.session.commit()
    review_phase(world, offline.KIND, record.id, stages=("dept_user",))
    with pytest.raises(ApiError) as info:  # a reviewer has acted: too late (RV-3)
        offline.withdraw(g, _fresh(record))
    assert info.value.code == "already_reviewed"


def test_fs_3_pass_gives_the_offline_number_and_the_pdf_job(grad: Callable[..., Any], applied: Callable[..., Any],
                                                            world: dict[str, Any]) -> None:
    """FS-3: both levels pass → 就业协议审核通过 with a 协议编号 of kind digit 2 and the PDF rendering queued."""
    g = grad()
    record = applied(g)
    review_phase(world, offline.KIND, record.id)
    record = _fresh(record)
    assert record.status_label == "就业协议审核通过" and record.agreement_passed_at is not None
    year = str(record.agreement_passed_at.year)
    assert record.agreement_no.startswith(year + "2") and len(record.agreement_no) == 19
    assert destinations.current_claim(g.id).subject_id == record.id


def test_fs_3_return_means_edit_and_resubmit(grad: Callable[..., Any], applied: Callable[..., Any],
                                            world: dict[str, Any]) -> None:
    """FS-3: 退回修改 → 协议审核待提交（老师退回）; the graduate edits and resubmits the same review item."""
    g = grad()
    record = applied(g)
    item = engine.open_item(offline.KIND, record.id)
    review_phase(world, offline.KIND, record.id, "return", reason="岗位名称有误")
    record = _fresh(record)
    assert record.status_label == "协议审核待提交（老师退回）"
    offline.update_fields(g, record, {**FORM, "position": "数据分析工程师"})
    offline.submit(g, record)
    db.session.commit()
    assert engine.open_item(offline.KIND, record.id).id == item.id


def test_fs_3_reject_voids_the_application_and_a_new_one_can_be_filled(
        grad: Callable[..., Any], applied: Callable[..., Any], world: dict[str, Any]) -> None:
    """FS-3: 不通过 → 就业协议审核不通过, void; the claim is released and a new application can start."""
    g = grad()
    record = applied(g)
    review_phase(world, offline.KIND, record.id, "reject", reason="单位信息不实")
    record = _fresh(record)
    assert record.status_label == "就业协议审核不通过" and record.failed_at is not None
    assert destinations.current_claim(g.id) is None
    refused(lambda: offline.update_fields(g, _fresh(record), FORM), "not_editable", Conflict)
    again = offline.create(g, "eagreement", FORM)
    db.session.commit()
    assert again.id != record.id and again.status == "draft"


# --- FS-9: the paper agreement, FS-7 outcomes ------------------------------------------------------------------


def test_fs_9_a_paper_agreement_goes_to_one_signing_review_and_is_the_current_destination(
        grad: Callable[..., Any], world: dict[str, Any]) -> None:
    """FS-9: the same form plus images of the signed agreement, one 签约审核, then 签约完成 with a number (D-1)."""
    g = grad()
    record = offline.create(g, "paper", FORM)
    db.session.commit()
    refused(lambda: offline.submit(g, _fresh(record)), "proof_required")
    record = _fresh(record)
    offline.add_page(actor_for(g), record, _photo(1), "p1.jpg")
    offline.submit(g, _fresh(record))
    db.session.commit()
    record = _fresh(record)
    assert record.status == "signing_review" and engine.open_item(offline.KIND, record.id) is None
    assert destinations.current_claim(g.id).kind == offline.PAPER_KIND
    review_phase(world, offline.PAPER_KIND, record.id)
    record = _fresh(record)
    assert record.status_label == "签约完成" and record.agreement_no[4] == "2"
    assert [e.action for e in offline.timeline(record)] == ["submit", "pass", "pass", "sign"]


def test_fs_7_signing_review_return_then_reject_voids_the_whole_application(
        grad: Callable[..., Any], world: dict[str, Any]) -> None:
    """FS-7: return → upload again (签约审核退回); reject → 签约审核不通过, the claim released, fill a new one."""
    g = grad()
    record = offline.create(g, "paper", FORM)
    db.session.commit()
    offline.add_page(actor_for(g), _fresh(record), _photo(2), "p1.jpg")
    offline.submit(g, _fresh(record))
    db.session.commit()
    review_phase(world, offline.PAPER_KIND, record.id, "return", reason="公章不清晰")
    record = _fresh(record)
    assert record.status_label == "签约审核退回"
    offline.add_page(actor_for(g), record, _photo(3), "p1-clear.jpg")
    offline.submit(g, _fresh(record))
    db.session.commit()
    review_phase(world, offline.PAPER_KIND, record.id, "reject", reason="协议不是本人签订")
    record = _fresh(record)
    assert record.status_label == "签约审核不通过" and destinations.current_claim(g.id) is None


def test_d_1_an_offline_application_and_another_destination_exclude_each_other(
        grad: Callable[..., Any], applied: Callable[..., Any]) -> None:
    """D-1: with a submitted offline application no other destination can be submitted, and the other way round."""
    from wxbackend.destinations import services as other

    g = grad()
    applied(g)
    draft = other.create(g, "job_seeking", {})
    db.session.commit()
    refused(lambda: other.submit(g, draft), "destination_exists", Conflict)
    h = grad()
    mine = other.create(h, "job_seeking", {})
    other.submit(h, mine)
    db.session.commit()
    refused(lambda: offline.create(h, "eagreement", FORM), "destination_exists", Conflict)


def test_fs_1_directed_graduates_cannot_apply(grad: Callable[..., Any]) -> None:
    """FS-1 with D-2: a 定向/委培 graduate registers the directed destination instead."""
    g = grad(training_mode="2", sponsor_unit="某省教育厅")
    assert g.is_directed
    refused(lambda: offline.create(g, "eagreement", FORM), "graduate_directed")


# --- FT-1, FT-2 ---------------------------------------------------------------------------------------------


@pytest.fixture()
def signed_paper(grad: Callable[..., Any], world: dict[str, Any]) -> Callable[..., Any]:
    def run(**kw: Any) -> tuple[Any, OfflineAgreement]:
        g = grad(**kw)
        record = offline.create(g, "paper", FORM)
        db.session.commit()
        offline.add_page(actor_for(g), _fresh(record), _photo(4), "p1.jpg")
        offline.submit(g, _fresh(record))
        db.session.commit()
        review_phase(world, offline.PAPER_KIND, record.id)
        return g, _fresh(record)

    return run


def test_ft_1_only_a_completed_offline_agreement_reason_and_a_letter_required(
        grad: Callable[..., Any], applied: Callable[..., Any], signed_paper: Callable[..., Any]) -> None:
    """FT-1: not before 签约完成; 解约原因 required, 解约说明 ≤200, at least one image of the letter to submit."""
    g = grad()
    pending = applied(g)
    refused(lambda: offline.start_termination(g, _fresh(pending), "01", None), "not_signed", Conflict)
    g2, record = signed_paper()
    err = refused(lambda: offline.start_termination(g2, record, None, "说" * 201), "invalid_fields")
    assert set(err.fields) == {"reason", "explanation"} and "201" in err.fields["explanation"]
    row = offline.start_termination(g2, _fresh(record), "01", "双方协商一致")
    db.session.commit()
    refused(lambda: offline.submit_termination(g2, row), "proof_required")
    refused(lambda: offline.start_termination(g2, _fresh(record), "01", None), "termination_open", Conflict)


def test_ft_2_pass_terminates_releases_the_claim_and_voids_synced_info(
        signed_paper: Callable[..., Any], world: dict[str, Any]) -> None:
    """FT-2: both levels pass → 已解约, the graduate free again, the archive/hukou info synced at signing voided."""
    school = world["school"]
    school.archive_module_enabled = True
    db.session.commit()
    g, record = signed_paper()
    synced = db.session.scalars(select(TransferInfo).where(TransferInfo.source_id == record.id)).all()
    assert synced and all(t.status == "current" for t in synced)
    row = offline.start_termination(g, record, "01", None)
    db.session.commit()
    offline.add_termination_file(g, row, _photo(5), "letter.jpg")
    offline.submit_termination(g, row)
    db.session.commit()
    review_phase(world, offline.TERMINATION_KIND, row.id)
    record = _fresh(record)
    assert record.status_label == "已解约" and record.terminated_at is not None
    assert destinations.current_claim(g.id) is None
    db.session.expire_all()
    assert all(t.status != "current" for t in
               db.session.scalars(select(TransferInfo).where(TransferInfo.source_id == record.id)))
    assert db.session.get(OfflineTermination, row.id).status_label == "解约完成"


def test_ft_2_return_then_reject_keeps_the_agreement_valid(signed_paper: Callable[..., Any],
                                                           world: dict[str, Any]) -> None:
    """FT-2: return → edit and resubmit; reject → 解约失败 and the agreement stays 签约完成."""
    g, record = signed_paper()
    row = offline.start_termination(g, record, "01", None)
    db.session.commit()
    offline.add_termination_file(g, row, _photo(6), "letter.jpg")
    offline.submit_termination(g, row)
    db.session.commit()
    review_phase(world, offline.TERMINATION_KIND, row.id, "return", reason="请上传盖章的解约函")
    row = db.session.get(OfflineTermination, row.id, populate_existing=True)
    offline.update_termination(g, row, "02", "单位已同意")
    offline.submit_termination(g, row)
    db.session.commit()
    review_phase(world, offline.TERMINATION_KIND, row.id, "reject", reason="单位未确认")
    assert _fresh(record).status == "signed"
    assert destinations.current_claim(g.id).subject_id == record.id
    assert db.session.get(OfflineTermination, row.id, populate_existing=True).status_label == "解约失败"


def test_l_7_closing_a_deleted_graduates_pending_application(grad: Callable[..., Any],
                                                              applied: Callable[..., Any]) -> None:
    """L-7: the lifecycle's system decision ends a pending offline application as not passed."""
    from wxbackend.review import lifecycle

    g = grad()
    record = applied(g)
    assert lifecycle.close_open(g.id, "毕业生基本信息已删除") == 1
    db.session.commit()
    assert _fresh(record).status == "agreement_failed" and destinations.current_claim(g.id) is None
