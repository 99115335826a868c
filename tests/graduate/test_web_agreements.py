"""The graduates' web: invitations (figs. 8–9), the agreement and its PDF (figs. 10–12), termination (figs. 14–18).

The same services as the API: ON-2/ON-3 the deadline, ON-4 one accepted invitation, ON-8 review and
PDF, ON-11 withdrawn invitations, ON-12 the decline reason, OT-1…OT-4 termination; ownership; CSRF.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.graduate.conftest import location
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import User
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.review.history import RecordEvent
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement, TerminationRequest


def _row(agreement_id: int) -> OnlineAgreement:
    db.session.expire_all()
    row = db.session.get(OnlineAgreement, agreement_id)
    assert row is not None
    return row


def test_on_2_invitation_shows_fig_9_sections_deadline_and_both_answers(web_graduate, employer_user, invite):
    """ON-2, fig. 9: sections, 应约截止时间, 接受 and 拒绝 with an optional reason while answerable."""
    graduate, web = web_graduate()
    row = invite(employer_user(), graduate, days=3)
    home = web.page("/graduate/destination")
    assert f'id="record-online_agreement-{row.id}"' in home and "待回应" in home
    assert f"应约截止时间 {timeutil.fmt(row.deadline)}" in home
    page = web.page(f"/graduate/agreements/{row.id}")
    for title in ("签约信息", "用人单位信息", "档案转递", "户口迁移", "毕业生信息"):
        assert f"<h2>{title}</h2>" in page
    assert timeutil.fmt(row.deadline) in page and "应约有效期 3 天" in page
    assert 'id="accept"' in page and 'id="decline"' in page and 'id="decline-reason"' in page


def test_on_3_accept_then_department_and_school_review(web_graduate, employer_user, invite, review_all):
    """ON-3, ON-8: accept before the deadline; the page follows the review to 签约完成 with its 协议编号."""
    graduate, web = web_graduate()
    row = invite(employer_user(), graduate)
    location(web.post(f"/graduate/agreements/{row.id}/accept"))
    assert _row(row.id).status == "reviewing"
    page = web.page(f"/graduate/agreements/{row.id}")
    assert "待院系审核" in page and 'id="accept"' not in page and 'id="pdf"' not in page
    review_all(services.KIND, row.id)
    page = web.page(f"/graduate/agreements/{row.id}")
    assert "签约完成" in page and _row(row.id).agreement_no in page
    timeline = page.split('id="agreement-timeline"')[1]
    assert [s for s in ("发出签约邀请", "接受签约邀请", "审核通过", "签约完成") if s in timeline] == [
        "发出签约邀请", "接受签约邀请", "审核通过", "签约完成"]


def test_on_12_decline_with_an_optional_reason(web_graduate, employer_user, invite):
    """ON-12: the reason goes to the service; too long a reason is shown next to the textarea."""
    graduate, web = web_graduate()
    row = invite(employer_user(), graduate)
    resp = web.post(f"/graduate/agreements/{row.id}/decline", {"reason": "长" * 201})
    assert resp.status_code == 400 and 'id="error-decline-reason"' in resp.get_data(as_text=True)
    assert _row(row.id).status == "waiting"
    location(web.post(f"/graduate/agreements/{row.id}/decline", {"reason": "已选择读研"}))
    declined = _row(row.id)
    assert declined.status == "declined" and declined.decline_reason == "已选择读研"
    page = web.page(f"/graduate/agreements/{row.id}")
    assert "已拒绝" in page and 'id="accept"' not in page
    assert '<span class="pre-line" id="decline-reason-shown">已选择读研</span>' in page
    other = invite(employer_user(), graduate)
    location(web.post(f"/graduate/agreements/{other.id}/decline", {"reason": ""}))  # the reason is optional
    assert _row(other.id).status == "declined" and _row(other.id).decline_reason is None


def test_on_3_after_the_deadline_there_are_no_buttons_and_the_answer_is_refused(web_graduate, employer_user, invite,
                                                                                 frozen_now):
    """ON-3: past 应约截止时间 the page says why and a posted answer is refused, even before the job ran."""
    graduate, web = web_graduate()
    row = invite(employer_user(), graduate, days=1)
    frozen_now(row.deadline + timedelta(seconds=1))
    page = web.page(f"/graduate/agreements/{row.id}")
    assert 'id="accept"' not in page and 'id="decline"' not in page and "已失效" in page
    resp = web.post(f"/graduate/agreements/{row.id}/accept")
    assert location(resp).endswith(f"/graduate/agreements/{row.id}")
    assert "已超过应约截止时间，签约邀请已失效" in web.page(f"/graduate/agreements/{row.id}")
    assert _row(row.id).status == "waiting"  # the answer changed nothing


def test_on_4_other_invitations_are_view_only_once_one_is_accepted(web_graduate, employer_user, invite):
    """ON-4: after one acceptance every other invitation shows why it cannot be answered."""
    graduate, web = web_graduate()
    first, second = invite(employer_user(), graduate), invite(employer_user(), graduate)
    location(web.post(f"/graduate/agreements/{first.id}/accept"))
    page = web.page(f"/graduate/agreements/{second.id}")
    assert 'id="accept"' not in page and 'id="decline"' not in page
    assert services.MSG_SIGNED_ELSEWHERE in page


def test_on_11_a_withdrawn_invitation_shows_the_domain_s_label(web_graduate, employer_user, invite):
    """ON-11: the employer's withdrawal shows as 已撤回 and cannot be answered."""
    graduate, web = web_graduate()
    user = employer_user()
    row = invite(user, graduate)
    services.withdraw_invitation(user, row.id)
    db.session.commit()
    assert "已撤回" in web.page("/graduate/destination")
    page = web.page(f"/graduate/agreements/{row.id}")
    assert "已撤回" in page and 'id="accept"' not in page


def test_on_8_signed_agreement_pdf_inline_and_as_a_download(web_graduate, signed, drain_jobs):
    """ON-8: once signed, the PDF is previewed inline and downloaded with the web session."""
    graduate, web = web_graduate()
    row = signed(graduate)
    drain_jobs()
    page = web.page(f"/graduate/agreements/{row.id}")
    assert f'href="/graduate/agreements/{row.id}/pdf"' in page and 'id="pdf-download"' in page
    inline = web.get(f"/graduate/agreements/{row.id}/pdf")
    assert inline.status_code == 200 and inline.data.startswith(b"%PDF")
    assert inline.headers["Content-Disposition"].startswith("inline")
    download = web.get(f"/graduate/agreements/{row.id}/pdf?download=1")
    assert download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"] == f'attachment; filename="{_row(row.id).agreement_no}.pdf"'


def test_on_8_no_pdf_before_signing(web_graduate, employer_user, invite):
    graduate, web = web_graduate()
    row = invite(employer_user(), graduate)
    resp = web.get(f"/graduate/agreements/{row.id}/pdf")
    assert location(resp).endswith(f"/graduate/agreements/{row.id}")
    assert "签约完成后才能查看电子就业协议书" in web.page(f"/graduate/agreements/{row.id}")


def test_ot_1_start_termination_with_reason_and_field_errors_kept(web_graduate, signed):
    """OT-1: a reason from the list (required), 解约说明 ≤200; errors next to the fields, the text kept."""
    graduate, web = web_graduate()
    row = signed(graduate)
    page = web.page(f"/graduate/agreements/{row.id}")
    assert 'id="termination-form"' in page and 'name="reason"' in page
    resp = web.post(f"/graduate/agreements/{row.id}/termination", {"reason": "", "explanation": "说" * 201})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="error-reason">请选择解约原因<' in html
    assert 'id="error-explanation"' in html and "说" * 201 in html
    reason = services.termination_reasons()[0][0]
    resp = web.post(f"/graduate/agreements/{row.id}/termination", {"reason": reason, "explanation": "协商一致"})
    req = db.session.scalar(select(TerminationRequest))
    assert location(resp).endswith(f"/graduate/terminations/{req.id}")
    page = web.page(f"/graduate/terminations/{req.id}")
    assert "等待对方回应" in page and 'id="cancel-termination"' in page and "协商一致" in page
    # OT-4: one open request per agreement — the form is gone from the agreement page
    assert 'id="termination-form"' not in web.page(f"/graduate/agreements/{row.id}")
    location(web.post(f"/graduate/terminations/{req.id}/cancel"))
    db.session.expire_all()
    assert db.session.get(TerminationRequest, req.id).status == "cancelled"


def test_ot_2_ot_3_answer_the_employer_s_termination(web_graduate, signed, world, review_all):
    """OT-2, OT-3: the graduate agrees to the employer's request; both reviews pass; 已解约."""
    graduate, web = web_graduate()
    row = signed(graduate)
    employer = db.session.get(User, row.invited_by_user_id)
    reason = services.termination_reasons()[0][0]
    req = services.start_termination("employer", actor_for(employer), row, reason, "单位调整")
    db.session.commit()
    page = web.page(f"/graduate/terminations/{req.id}")
    assert 'id="accept-termination"' in page and 'id="decline-termination"' in page
    assert 'id="cancel-termination"' not in page
    assert "用人单位发起的解约申请，等待你回应" in web.page("/graduate/destination")
    location(web.post(f"/graduate/terminations/{req.id}/accept"))
    review_all(services.TERMINATION_KIND, req.id)
    assert _row(row.id).status == "terminated"
    assert "解约完成" in web.page(f"/graduate/terminations/{req.id}")


def test_agreements_and_terminations_of_another_graduate_are_404(web_graduate, signed):
    graduate, web = web_graduate()
    row = signed(graduate)
    req = services.start_termination("graduate", actor_for(graduate), row, services.termination_reasons()[0][0],
                                     None)
    db.session.commit()
    _, other = web_graduate(name="李四")
    for path in (f"/graduate/agreements/{row.id}", f"/graduate/agreements/{row.id}/pdf",
                 f"/graduate/terminations/{req.id}"):
        assert other.get(path).status_code == 404, path
    for path in (f"/graduate/agreements/{row.id}/accept", f"/graduate/agreements/{row.id}/decline",
                 f"/graduate/agreements/{row.id}/termination", f"/graduate/terminations/{req.id}/cancel"):
        assert other.post(path).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(TerminationRequest, req.id).status == "waiting"


def test_answers_without_the_csrf_token_are_refused(web_graduate, employer_user, invite):
    graduate, web = web_graduate()
    row = invite(employer_user(), graduate)
    assert web.post(f"/graduate/agreements/{row.id}/accept", csrf=False).status_code == 400
    assert _row(row.id).status == "waiting"
    assert db.session.scalar(select(RecordEvent.id).where(RecordEvent.action == "accept")) is None


def test_on_3_the_home_says_how_many_answers_are_waiting(web_graduate, employer_user, invite):
    graduate, web = web_graduate()
    invite(employer_user(), graduate)
    invite(employer_user(), graduate)
    assert "你有 2 项待回应" in web.page("/graduate/destination")
