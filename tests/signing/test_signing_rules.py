"""Online signing at the service level: ON-1…ON-10, D-1/D-2 with signing, RV-1 for agreements.

Every test names the rule it proves. Time is pinned with ``frozen_now`` wherever a deadline matters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import credit_code, wrong_check_character
from tests.signing.conftest import TERMS, count_rows, refused
from wxbackend.accounts.actors import actor_for
from wxbackend.core.db import db
from wxbackend.core.errors import Conflict, Forbidden
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.destinations import services as destinations
from wxbackend.destinations.models import DestinationClaim
from wxbackend.files.models import StoredFile
from wxbackend.files.storage import get_storage
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine
from wxbackend.review.models import ReviewItem
from wxbackend.signing import documents, services
from wxbackend.signing.models import OnlineAgreement
from wxbackend.transfers.models import TransferInfo

KIND = services.KIND
#: A weekday morning; invitations of 3 days sent now expire at 2026-03-06 00:00.
T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=SHANGHAI)
T0_DEADLINE = datetime(2026, 3, 6, 0, 0, 0, tzinfo=SHANGHAI)




def _outbox(graduate_id: int, kind: str) -> list[NotificationOutbox]:
    return list(db.session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.graduate_id == graduate_id, NotificationOutbox.kind == kind)
        .order_by(NotificationOutbox.id)))


def _reload(row: OnlineAgreement) -> OnlineAgreement:
    db.session.expire_all()
    fresh = db.session.get(OnlineAgreement, row.id)
    assert fresh is not None
    return fresh




def _terminate(row: OnlineAgreement, graduate: Any, employer: Any, review_all: Callable[..., Any]) -> None:
    """The graduate asks, the employer agrees, department and school pass: 已解约."""
    req = services.start_termination("graduate", actor_for(graduate), row, "04", "个人原因")
    db.session.commit()
    services.answer_termination("employer", actor_for(employer), req, True)
    db.session.commit()
    review_all(services.TERMINATION_KIND, req.id)
    assert _reload(row).status == "terminated"


# --- ON-1: who may invite ------------------------------------------------------------------------------------




def test_on_1_employer_with_bad_credit_code_check_character_cannot_invite(
        grad: Callable[..., Any], employer_user: Callable[..., Any]) -> None:
    """ON-1: a stored 统一社会信用代码 whose GB 32100 check character is wrong → invalid_credit_code, nothing saved."""
    graduate = grad()
    user = employer_user(credit_code=wrong_check_character(credit_code(990001)))
    err = refused(lambda: services.invite(user, graduate, 3, TERMS), "invalid_credit_code")
    assert err.status == 403 and "credit_code" in err.fields
    assert count_rows(OnlineAgreement) == 0
    assert _outbox(graduate.id, "invitation_received") == []


@pytest.mark.parametrize("role", ["school", "department", "admin"])
def test_on_1_non_employer_cannot_invite(grad: Callable[..., Any], world: dict[str, Any],
                                         make_user: Callable[..., Any], role: str) -> None:
    """ON-1: only an employer account can send a 签约邀请."""
    graduate = grad()
    user = {"school": world["school_user"], "department": world["dept_user"]}.get(role) or make_user(role="admin")
    refused(lambda: services.invite(user, graduate, 3, TERMS), "forbidden", Forbidden)
    assert count_rows(OnlineAgreement) == 0


def test_on_1_disabled_employer_account_cannot_invite(grad: Callable[..., Any],
                                                      employer_user: Callable[..., Any]) -> None:
    """ON-1: a registered employer whose account is disabled cannot invite either."""
    graduate = grad()
    user = employer_user()
    user.active = False
    db.session.commit()
    refused(lambda: services.invite(user, graduate, 3, TERMS), "forbidden", Forbidden)
    assert count_rows(OnlineAgreement) == 0


# --- ON-2: the deadline ----------------------------------------------------------------------------------------


def test_on_2_fig9_example_deadline(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                    invite: Callable[..., Any], frozen_now: Callable[..., Any]) -> None:
    """ON-2: invited 2023-01-09 16:54:26 with 3 days → 应约截止时间 2023-01-13 00:00:00 (fig. 9)."""
    invited = datetime(2023, 1, 9, 16, 54, 26, tzinfo=SHANGHAI)
    frozen_now(invited)
    row = invite(employer_user(), grad(), days=3)
    row = _reload(row)
    assert row.invited_at == invited
    assert row.response_days == 3
    assert row.deadline == datetime(2023, 1, 13, 0, 0, 0, tzinfo=SHANGHAI)
    assert row.deadline.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") == "2023-01-13 00:00:00"


@pytest.mark.parametrize(("invited", "days", "deadline"), [
    (datetime(2023, 1, 9, 16, 54, 26, tzinfo=SHANGHAI), 3, datetime(2023, 1, 13, tzinfo=SHANGHAI)),
    (datetime(2023, 1, 9, 23, 59, 59, tzinfo=SHANGHAI), 3, datetime(2023, 1, 13, tzinfo=SHANGHAI)),
    (datetime(2023, 1, 9, 0, 0, 0, tzinfo=SHANGHAI), 3, datetime(2023, 1, 13, tzinfo=SHANGHAI)),
    (datetime(2023, 1, 10, 0, 0, 0, tzinfo=SHANGHAI), 3, datetime(2023, 1, 14, tzinfo=SHANGHAI)),
    (datetime(2023, 1, 9, 16, 54, 26, tzinfo=SHANGHAI), 1, datetime(2023, 1, 11, tzinfo=SHANGHAI)),
    (datetime(2023, 1, 31, 12, 0, 0, tzinfo=SHANGHAI), 30, datetime(2023, 3, 3, tzinfo=SHANGHAI)),
    # 16:30 UTC on the 9th is already 00:30 of the 10th in Shanghai: the Shanghai date counts.
    (datetime(2023, 1, 9, 16, 30, 0, tzinfo=UTC), 3, datetime(2023, 1, 14, tzinfo=SHANGHAI)),
])
def test_on_2_deadline_for(invited: datetime, days: int, deadline: datetime) -> None:
    """ON-2: 00:00 of the day after (invitation date + days), in Asia/Shanghai, whatever the time of day."""
    assert services.deadline_for(invited, days) == deadline
    assert services.deadline_for(invited.astimezone(UTC), days) == deadline


@pytest.mark.parametrize("clock", [(23, 59, 59), (0, 0, 0)])
def test_on_2_invitation_at_day_edges(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                      invite: Callable[..., Any], frozen_now: Callable[..., Any],
                                      clock: tuple[int, int, int]) -> None:
    """ON-2: invited at 23:59:59 or at 00:00:00 of 2023-01-09 with 3 days → deadline 2023-01-13 00:00:00."""
    frozen_now(datetime(2023, 1, 9, *clock, tzinfo=SHANGHAI))
    row = _reload(invite(employer_user(), grad(), days=3))
    assert row.deadline == datetime(2023, 1, 13, tzinfo=SHANGHAI)


# --- ON-3: answering before the deadline; the expiry job ---------------------------------------------------------


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_on_3_answer_after_deadline_refused_without_the_job(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        frozen_now: Callable[..., Any], answer: str) -> None:
    """ON-3: after the deadline an answer is refused (invitation_expired) even though no expiry job ran."""
    graduate = grad()
    frozen_now(T0)
    row = invite(employer_user(), graduate, days=3)
    frozen_now(T0_DEADLINE + timedelta(hours=5))
    refused(lambda: getattr(services, answer)(graduate, row.id), "invitation_expired", Conflict)
    row = _reload(row)
    assert row.status == "waiting" and row.answered_at is None and row.version == 1  # unchanged until the job
    assert destinations.current_claim(graduate.id) is None
    assert count_rows(ReviewItem) == 0


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_on_3_answer_at_the_deadline_instant_refused_one_second_before_accepted(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        frozen_now: Callable[..., Any], answer: str) -> None:
    """ON-3: exactly at 应约截止时间 the invitation is 已失效; one second before it still counts."""
    graduate = grad()
    frozen_now(T0)
    user = employer_user()
    late = invite(user, graduate, days=3)
    frozen_now(T0_DEADLINE)
    refused(lambda: getattr(services, answer)(graduate, late.id), "invitation_expired", Conflict)
    assert _reload(late).status == "waiting"

    other = grad()
    frozen_now(T0)
    row = invite(user, other, days=3)
    frozen_now(T0_DEADLINE - timedelta(seconds=1))
    getattr(services, answer)(other, row.id)
    db.session.commit()
    assert _reload(row).status == ("reviewing" if answer == "accept" else "declined")


def test_on_3_expire_due_marks_expired_and_notifies_once(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        frozen_now: Callable[..., Any]) -> None:
    """ON-3: the job marks due invitations 已失效, one invitation_expired message each; not-due rows untouched;
    a second run does nothing more."""
    g1, g2 = grad(), grad()
    e1, e2, e3 = employer_user(), employer_user(), employer_user()
    frozen_now(T0)
    due1 = invite(e1, g1, days=3)
    due2 = invite(e2, g1, days=3)
    due3 = invite(e1, g2, days=1)
    later = invite(e3, g2, days=10)
    answered = invite(e2, g2, days=3)
    services.decline(g2, answered.id)
    db.session.commit()

    run_at = T0_DEADLINE  # exactly the deadline of the 3-day ones: due (deadline <= now)
    frozen_now(run_at)
    assert services.expire_due() == 3
    db.session.commit()
    assert services.fan_out_pending() == 3  # the job's second transaction: the messages
    db.session.commit()
    for row in (due1, due2, due3):
        fresh = _reload(row)
        assert fresh.status == "expired" and fresh.status_label == "已失效"
        assert fresh.expired_at == run_at and fresh.version == 2
    assert _reload(later).status == "waiting"
    assert _reload(answered).status == "declined"
    msgs = _outbox(g1.id, "invitation_expired") + _outbox(g2.id, "invitation_expired")
    assert sorted(m.data["agreement_id"] for m in msgs) == sorted([due1.id, due2.id, due3.id])
    assert all(m.title == "签约邀请已失效" and m.sent_at is None for m in msgs)
    assert {m.body for m in _outbox(g1.id, "invitation_expired")} == {
        f"{r.unit_name}的签约邀请已超过应约截止时间，已失效。" for r in (due1, due2)}

    frozen_now(run_at + timedelta(hours=1))
    assert services.expire_due() == 0
    db.session.commit()
    assert services.fan_out_pending() == 0
    assert count_rows(NotificationOutbox, NotificationOutbox.kind == "invitation_expired") == 3
    assert _reload(due1).expired_at == run_at

    # An expired invitation stays unanswerable, with the row's own status as the reason.
    refused(lambda: services.accept(g1, due1.id), "not_waiting", Conflict)


def test_on_3_expire_due_with_explicit_now(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                           invite: Callable[..., Any], frozen_now: Callable[..., Any]) -> None:
    """ON-3: ``expire_due(now)`` takes the job's clock; before the deadline it marks nothing."""
    graduate = grad()
    frozen_now(T0)
    row = invite(employer_user(), graduate, days=3)
    assert services.expire_due(T0_DEADLINE - timedelta(seconds=1)) == 0
    assert services.expire_due(T0_DEADLINE + timedelta(seconds=1)) == 1
    db.session.commit()
    assert _reload(row).status == "expired"
    services.fan_out_pending()
    db.session.commit()
    assert len(_outbox(graduate.id, "invitation_expired")) == 1


def test_on_3_stale_guard_job_does_not_overwrite_an_accepted_invitation(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        frozen_now: Callable[..., Any]) -> None:
    """ON-3 stale-guard: accepted one second before the deadline, then the job runs after it → left alone."""
    graduate = grad()
    frozen_now(T0)
    row = invite(employer_user(), graduate, days=3)
    stale = db.session.get(OnlineAgreement, row.id)  # the job's view would have been "waiting"
    assert stale is not None and stale.status == "waiting"
    frozen_now(T0_DEADLINE - timedelta(seconds=1))
    services.accept(graduate, row.id)
    db.session.commit()
    frozen_now(T0_DEADLINE + timedelta(minutes=1))
    assert services.expire_due() == 0
    db.session.commit()
    fresh = _reload(row)
    assert fresh.status == "reviewing" and fresh.expired_at is None
    assert _outbox(graduate.id, "invitation_expired") == []
    assert destinations.current_claim(graduate.id) is not None


# --- ON-4: one accepted invitation at a time -------------------------------------------------------------------


def test_on_4_after_accepting_one_others_can_only_be_read(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any]) -> None:
    """ON-4: once one invitation is accepted, accepting or declining another is refused (signed_elsewhere);
    the other can still be read."""
    graduate = grad()
    first = invite(employer_user(), graduate)
    second = invite(employer_user(), graduate)
    services.accept(graduate, first.id)
    db.session.commit()
    refused(lambda: services.accept(graduate, second.id), "signed_elsewhere", Conflict)
    refused(lambda: services.decline(graduate, second.id), "signed_elsewhere", Conflict)
    readable = services.get_for_graduate(graduate, second.id)
    assert readable.status == "waiting" and readable.terms["position"] == TERMS["position"]
    claim = destinations.current_claim(graduate.id)
    assert claim is not None and (claim.kind, claim.subject_id) == (KIND, first.id)
    assert services.answer_refusal(readable, readable.invited_at, claim.kind, claim.subject_id, "accept") \
        == services.MSG_SIGNED_ELSEWHERE
    assert count_rows(OnlineAgreement, OnlineAgreement.status == "reviewing") == 1


@pytest.mark.parametrize("stages", [("dept_user",), ("dept_user", "school_user")],
                         ids=["reject_at_department", "reject_at_school"])
def test_on_4_failed_review_makes_other_invitations_answerable_again(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        world: dict[str, Any], stages: tuple[str, ...]) -> None:
    """ON-4: when the accepted agreement fails review (department or school), still-valid invitations can be
    answered again."""
    graduate = grad()
    first = invite(employer_user(), graduate)
    second = invite(employer_user(), graduate)
    third = invite(employer_user(), graduate)
    services.accept(graduate, first.id)
    db.session.commit()
    refused(lambda: services.accept(graduate, second.id), "signed_elsewhere", Conflict)
    for who in stages:
        item = engine.open_item(KIND, first.id)
        assert item is not None
        outcome = "reject" if who == stages[-1] else "pass"
        engine.decide(world[who], item.id, outcome, reason="岗位信息与实际不符" if outcome == "reject" else None)
        db.session.commit()
    assert _reload(first).status == "failed"
    services.decline(graduate, third.id)
    services.accept(graduate, second.id)
    db.session.commit()
    assert _reload(second).status == "reviewing" and _reload(third).status == "declined"


def test_on_4_terminated_agreement_makes_other_invitations_answerable_again(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        signed: Callable[..., Any], review_all: Callable[..., Any]) -> None:
    """ON-4: after the termination completes, still-valid invitations can be answered again."""
    graduate = grad()
    employer = employer_user()
    waiting = invite(employer_user(), graduate, days=30)
    row = signed(graduate, employer)
    refused(lambda: services.accept(graduate, waiting.id), "signed_elsewhere", Conflict)
    _terminate(row, graduate, employer, review_all)
    services.accept(graduate, waiting.id)
    db.session.commit()
    assert _reload(waiting).status == "reviewing"


# --- ON-5, ON-6: inviting again --------------------------------------------------------------------------------


def test_on_5_signed_graduate_can_still_be_invited(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                                   invite: Callable[..., Any], signed: Callable[..., Any]) -> None:
    """ON-5: being signed does not stop other employers from inviting the graduate."""
    graduate = grad()
    signed(graduate)
    row = invite(employer_user(), graduate)
    assert _reload(row).status == "waiting"
    assert len(_outbox(graduate.id, "invitation_received")) == 2
    # …but the graduate can only look at it (ON-4).
    refused(lambda: services.accept(graduate, row.id), "signed_elsewhere", Conflict)


def test_on_6_no_second_invitation_within_response_period(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        frozen_now: Callable[..., Any]) -> None:
    """ON-6: the same employer cannot invite the same graduate while its invitation is still valid."""
    graduate = grad()
    user = employer_user()
    frozen_now(T0)
    first = invite(user, graduate)
    frozen_now(T0_DEADLINE - timedelta(seconds=1))
    err = refused(lambda: services.invite(user, graduate, 5, TERMS), "already_invited", Conflict)
    assert "2026-03-06 00:00:00" in err.message
    assert count_rows(OnlineAgreement) == 1
    assert _reload(first).status == "waiting"
    # Another employer may, and the same employer may invite another graduate.
    invite(employer_user(), graduate)
    invite(user, grad())
    assert count_rows(OnlineAgreement) == 3


def test_on_6_invite_again_after_decline(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                         invite: Callable[..., Any]) -> None:
    """ON-6: after the graduate declines, the employer can invite again."""
    graduate = grad()
    user = employer_user()
    first = invite(user, graduate)
    services.decline(graduate, first.id)
    db.session.commit()
    second = invite(user, graduate)
    assert second.id != first.id and _reload(second).status == "waiting"
    assert _reload(first).status == "declined"


def test_on_6_invite_again_after_deadline_even_before_the_job(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        frozen_now: Callable[..., Any]) -> None:
    """ON-6: once the deadline has passed the employer can invite again, even if the expiry job has not run."""
    graduate = grad()
    user = employer_user()
    frozen_now(T0)
    first = invite(user, graduate)
    frozen_now(T0_DEADLINE)
    second = invite(user, graduate, days=5)
    assert _reload(first).status == "expired"  # the pair's stale invitation is expired on the way
    assert _reload(second).status == "waiting"
    assert [m.data["agreement_id"] for m in _outbox(graduate.id, "invitation_expired")] == [first.id]
    assert services.expire_due() == 0


# --- ON-7, ON-8: review ----------------------------------------------------------------------------------------


def test_on_7_reviews_pass_after_the_response_deadline(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        review_all: Callable[..., Any], frozen_now: Callable[..., Any]) -> None:
    """ON-7: the response period limits only the answer; reviews after the deadline still complete the signing."""
    graduate = grad()
    frozen_now(T0)
    row = invite(employer_user(), graduate)
    frozen_now(T0_DEADLINE - timedelta(hours=1))
    services.accept(graduate, row.id)
    db.session.commit()
    frozen_now(T0_DEADLINE + timedelta(days=20))
    assert services.expire_due() == 0
    review_all(KIND, row.id)
    fresh = _reload(row)
    assert fresh.status == "signed" and fresh.signed_at == T0_DEADLINE + timedelta(days=20)


def test_on_8_department_then_school_then_number_and_pdf(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        world: dict[str, Any], frozen_now: Callable[..., Any], drain_jobs: Callable[[], None]) -> None:
    """ON-8: department pass → school stage; school pass → 签约完成 with a 协议编号 of the signing year and the
    school's code; the PDF is rendered once by the job and stored with its SHA-256."""
    graduate = grad()
    frozen_now(datetime(2026, 12, 30, 9, 0, tzinfo=SHANGHAI))
    row = invite(employer_user(), graduate, days=5)
    services.accept(graduate, row.id)
    db.session.commit()
    item = engine.open_item(KIND, row.id)
    assert item is not None and item.stage == "department" and item.allow_return is False

    frozen_now(datetime(2026, 12, 31, 9, 0, tzinfo=SHANGHAI))
    engine.decide(world["dept_user"], item.id, "pass")
    db.session.commit()
    fresh = _reload(row)
    assert fresh.status == "reviewing" and fresh.agreement_no is None
    item = engine.open_item(KIND, row.id)
    assert item is not None and item.stage == "school"

    frozen_now(datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI))
    engine.decide(world["school_user"], item.id, "pass")
    db.session.commit()
    fresh = _reload(row)
    assert fresh.status == "signed" and fresh.status_label == "签约完成"
    assert fresh.signed_at == datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI)
    assert fresh.agreement_no is not None
    assert re.fullmatch(r"\d{4}4\d{5}\d{9}", fresh.agreement_no)
    assert fresh.agreement_no == f"20274{int(world['school'].code):05d}000000001"
    assert engine.open_item(KIND, row.id) is None

    drain_jobs()
    fresh = _reload(row)
    assert fresh.pdf_file_id is not None
    stored = db.session.get(StoredFile, fresh.pdf_file_id)
    assert stored is not None and stored.content_type == "application/pdf"
    data = get_storage().get(stored.key)
    assert data.startswith(b"%PDF") and len(data) == stored.size
    assert hashlib.sha256(data).hexdigest() == stored.sha256
    assert stored.original_name == f"{fresh.agreement_no}.pdf" and stored.owner_graduate_id == graduate.id

    assert documents.render_and_store(row.id) is False  # rendered once
    assert _reload(row).pdf_file_id == stored.id
    assert count_rows(StoredFile) == 1


def test_on_8_serials_count_per_school_and_year(
        grad: Callable[..., Any], signed: Callable[..., Any], world: dict[str, Any]) -> None:
    """ON-8: consecutive signings of one school get consecutive 9-digit serials."""
    numbers = [signed(grad()).agreement_no for _ in range(3)]
    assert [n[-9:] for n in numbers] == ["000000001", "000000002", "000000003"]  # type: ignore[index]
    assert {n[5:10] for n in numbers} == {f"{int(world['school'].code):05d}"}  # type: ignore[index]


@pytest.mark.parametrize("stage", ["department", "school"])
def test_rv_1_on_8_online_agreement_cannot_be_returned(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        world: dict[str, Any], stage: str) -> None:
    """RV-1 / ON-8: online signing has no 退回修改 — return_not_allowed, at either stage; nothing changes."""
    graduate = grad()
    row = invite(employer_user(), graduate)
    services.accept(graduate, row.id)
    db.session.commit()
    if stage == "school":
        item = engine.open_item(KIND, row.id)
        assert item is not None
        engine.decide(world["dept_user"], item.id, "pass")
        db.session.commit()
    item = engine.open_item(KIND, row.id)
    assert item is not None
    user = world["dept_user" if stage == "department" else "school_user"]
    refused(lambda: engine.decide(user, item.id, "return", reason="请补充岗位信息"), "return_not_allowed")
    item = engine.open_item(KIND, row.id)
    assert item is not None and item.stage == stage and item.status == "pending"
    assert _reload(row).status == "reviewing"


# --- ON-9: review reject ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stages", [("dept_user",), ("dept_user", "school_user")],
                         ids=["department", "school"])
def test_on_9_reject_fails_releases_claim_and_employer_can_invite_again(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        world: dict[str, Any], stages: tuple[str, ...]) -> None:
    """ON-9: review reject → 签约失败 with its reason, the claim is released, the failed one cannot be accepted,
    and the same employer may send a new invitation."""
    graduate = grad()
    user = employer_user()
    row = invite(user, graduate)
    services.accept(graduate, row.id)
    db.session.commit()
    assert db.session.get(DestinationClaim, graduate.id) is not None
    for who in stages:
        item = engine.open_item(KIND, row.id)
        assert item is not None
        last = who == stages[-1]
        engine.decide(world[who], item.id, "reject" if last else "pass", reason="单位信息不实" if last else None)
        db.session.commit()
    fresh = _reload(row)
    assert fresh.status == "failed" and fresh.status_label == "签约失败"
    assert fresh.failed_reason == "单位信息不实" and fresh.failed_at is not None and fresh.agreement_no is None
    assert destinations.current_claim(graduate.id) is None
    refused(lambda: services.accept(graduate, row.id), "not_waiting", Conflict)
    assert _reload(row).status == "failed"
    again = invite(user, graduate)
    assert again.id != row.id and _reload(again).status == "waiting"
    services.accept(graduate, again.id)
    db.session.commit()
    assert _reload(again).status == "reviewing"


# --- ON-10: transfer info sync ---------------------------------------------------------------------------------

ARCHIVE_BLOCK = {k: TERMS[k] for k in ("archive_transfer_type", "archive_unit_name", "archive_unit_address",
                                       "archive_contact", "archive_phone", "archive_postcode")}


def _transfer(graduate_id: int, status: str | None = None) -> dict[str, TransferInfo]:
    stmt = select(TransferInfo).where(TransferInfo.graduate_id == graduate_id)
    if status:
        stmt = stmt.where(TransferInfo.status == status)
    return {t.module: t for t in db.session.scalars(stmt)}


def test_on_10_school_pass_syncs_archive_and_hukou(grad: Callable[..., Any], signed: Callable[..., Any],
                                                   employer_user: Callable[..., Any],
                                                   review_all: Callable[..., Any]) -> None:
    """ON-10: with both modules on and hukou at school, both blocks are synced exactly; termination voids them."""
    graduate = grad(hukou_at_school=True)
    employer = employer_user()
    row = signed(graduate, employer, hukou_transfer_type="11", hukou_address="北京市西城区西直门外大街18号")
    rows = _transfer(graduate.id)
    assert set(rows) == {"archive", "hukou"}
    # the agreement has address lines only: the region each starts with becomes the info's region
    assert rows["archive"].data == {**ARCHIVE_BLOCK, "archive_unit_region": "110102"}
    assert rows["hukou"].data == {"hukou_transfer_type": "11", "hukou_address": "北京市西城区西直门外大街18号",
                                  "hukou_region": "110102"}
    for t in rows.values():
        assert (t.source_kind, t.source_id, t.status) == (KIND, row.id, "current")
    _terminate(row, graduate, employer, review_all)
    db.session.expire_all()
    assert {m: t.status for m, t in _transfer(graduate.id).items()} == {"archive": "void", "hukou": "void"}


def test_on_10_hukou_only_when_hukou_is_at_school(grad: Callable[..., Any], signed: Callable[..., Any]) -> None:
    """ON-10: hukou info is synced only when the graduate's 户口 moved to the school."""
    graduate = grad(hukou_at_school=False)
    signed(graduate)
    rows = _transfer(graduate.id)
    assert set(rows) == {"archive"} and rows["archive"].data == {**ARCHIVE_BLOCK, "archive_unit_region": "110102"}


@pytest.mark.parametrize(("archive_on", "hukou_on", "expected"), [
    (False, False, set()), (True, False, {"archive"}), (False, True, {"hukou"})])
def test_on_10_only_enabled_modules_get_synced(grad: Callable[..., Any], signed: Callable[..., Any],
                                               world: dict[str, Any], archive_on: bool, hukou_on: bool,
                                               expected: set[str]) -> None:
    """ON-10: a module the school has switched off gets nothing."""
    school = world["school"]
    school.archive_module_enabled = archive_on
    school.hukou_module_enabled = hukou_on
    db.session.commit()
    graduate = grad(hukou_at_school=True)
    signed(graduate)
    assert set(_transfer(graduate.id)) == expected


def test_on_10_nothing_synced_before_school_pass(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                                 invite: Callable[..., Any], world: dict[str, Any]) -> None:
    """ON-10: syncing happens when the signing completes, not at acceptance or department pass."""
    graduate = grad()
    row = invite(employer_user(), graduate)
    services.accept(graduate, row.id)
    db.session.commit()
    item = engine.open_item(KIND, row.id)
    assert item is not None
    engine.decide(world["dept_user"], item.id, "pass")
    db.session.commit()
    assert _transfer(graduate.id) == {}


# --- D-1, D-2 with signing ----------------------------------------------------------------------------------------


def test_d_1_pending_other_destination_blocks_accept_not_decline(
        graduate_api: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any]) -> None:
    """D-1: a graduate with a pending other-destination record cannot accept (destination_exists), may decline."""
    graduate, api = graduate_api()
    record = api.submitted_labour()
    assert record["status"] == "pending"
    first = invite(employer_user(), graduate)
    second = invite(employer_user(), graduate)
    err = refused(lambda: services.accept(graduate, first.id), "destination_exists", Conflict)
    assert "其他毕业去向登记" in err.message
    assert _reload(first).status == "waiting"
    services.decline(graduate, second.id)
    db.session.commit()
    assert _reload(second).status == "declined"
    claim = destinations.current_claim(graduate.id)
    assert claim is not None and claim.kind == "other_destination"
    assert count_rows(ReviewItem, ReviewItem.kind == KIND) == 0


def test_d_2_directed_graduate_cannot_be_invited(grad: Callable[..., Any],
                                                 employer_user: Callable[..., Any]) -> None:
    """D-2: a 定向/委培 graduate (不可网签) cannot be invited: graduate_directed, nothing saved."""
    graduate = grad(training_mode="2", sponsor_unit="新疆生产建设兵团第一师")
    refused(lambda: services.invite(employer_user(), graduate, 3, TERMS), "graduate_directed")
    assert count_rows(OnlineAgreement) == 0


def test_d_2_directed_graduate_cannot_answer_an_older_invitation(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any]) -> None:
    """D-2: an invitation sent before the school marked the graduate 定向 can no longer be accepted."""
    graduate = grad()
    row = invite(employer_user(), graduate)
    graduate.training_mode, graduate.sponsor_unit = "3", "某委培单位"
    db.session.commit()
    refused(lambda: services.accept(graduate, row.id), "graduate_directed")
    assert _reload(row).status == "waiting"


# --- validation of the invitation (fig. 9) -------------------------------------------------------------------


@pytest.mark.parametrize(("days", "changes", "field"), [
    (3, {"position": None}, "terms.position"),
    (3, {"position": "   "}, "terms.position"),
    (3, {"work_region": "999999"}, "terms.work_region"),
    (0, {}, "response_days"),
    (31, {}, "response_days"),
    ("三天", {}, "response_days"),
    (3, {"bonus": "10000"}, "terms.bonus"),
    (3, {"archive_transfer_type": "11", "archive_unit_name": None}, "terms.archive_unit_name"),
    (3, {"archive_transfer_type": "12", "archive_phone": ""}, "terms.archive_phone"),
    (3, {"hukou_transfer_type": "13"}, "terms.hukou_address"),
    (3, {"archive_transfer_type": "99"}, "terms.archive_transfer_type"),
])
def test_validation_invitation_fields_named(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                            days: Any, changes: dict[str, Any], field: str) -> None:
    """ON-1 form (fig. 9): each bad field gets its own message (invalid_fields); nothing is saved."""
    graduate = grad()
    terms = {k: v for k, v in {**TERMS, **changes}.items() if v is not None}
    err = refused(lambda: services.invite(employer_user(), graduate, days, terms), "invalid_fields")
    assert field in err.fields and err.fields[field], err.fields
    assert count_rows(OnlineAgreement) == 0
    assert _outbox(graduate.id, "invitation_received") == []


def test_validation_several_errors_at_once(grad: Callable[..., Any], employer_user: Callable[..., Any]) -> None:
    """Validation: every bad field is reported in one answer, with the response days beside the terms."""
    graduate = grad()
    terms = {**TERMS, "work_region": "999999", "bonus": 1}
    terms.pop("position")
    err = refused(lambda: services.invite(employer_user(), graduate, 0, terms), "invalid_fields")
    assert {"response_days", "terms.position", "terms.work_region", "terms.bonus"} <= set(err.fields)
    assert err.fields["terms.position"] == "请填写岗位名称"
    assert count_rows(OnlineAgreement) == 0


@pytest.mark.parametrize("transfer", ["11", "12", "13"])
def test_validation_unit_receive_needs_all_archive_unit_fields(
        grad: Callable[..., Any], employer_user: Callable[..., Any], transfer: str) -> None:
    """Validation: 单位接收 transfer types (11/12/13) need 档案转递单位名称/地址/联系人/联系电话/邮编."""
    graduate = grad()
    terms = {k: v for k, v in TERMS.items() if not k.startswith("archive_")}
    terms["archive_transfer_type"] = transfer
    err = refused(lambda: services.invite(employer_user(), graduate, 3, terms), "invalid_fields")
    assert set(err.fields) == {f"terms.{k}" for k in ARCHIVE_BLOCK if k != "archive_transfer_type"}
    assert err.fields["terms.archive_unit_name"] == "请填写档案转递单位名称"
    assert count_rows(OnlineAgreement) == 0


def test_validation_return_to_origin_needs_no_unit_fields(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                                          invite: Callable[..., Any]) -> None:
    """Validation: 转回生源地 (20) needs neither archive unit fields nor a hukou address."""
    graduate = grad()
    terms = {k: v for k, v in TERMS.items() if not k.startswith("archive_")}
    row = services.invite(employer_user(), graduate, 30, {**terms, "archive_transfer_type": "20",
                                                          "hukou_transfer_type": "20"})
    db.session.commit()
    fresh = _reload(row)
    assert fresh.response_days == 30
    assert fresh.terms["archive_transfer_type"] == "20" and "archive_unit_name" not in fresh.terms


def test_invitation_copies_terms_and_employer_block(grad: Callable[..., Any], employer_user: Callable[..., Any],
                                                    invite: Callable[..., Any]) -> None:
    """ON-1 / fig. 9: the invitation keeps the employer block as it was; later profile edits do not change it."""
    graduate = grad()
    user = employer_user()
    row = invite(user, graduate)
    name = user.employer.name
    user.employer.name = "改名后的公司"
    user.employer.contact_mobile = "13999999999"
    db.session.commit()
    fresh = _reload(row)
    assert fresh.unit_name == name and fresh.employer_info["name"] == name
    assert fresh.employer_info["contact_mobile"] == "13111111111"
    assert fresh.terms["position"] == "数据分析师" and fresh.terms["work_region"] == "110102"
    msgs = _outbox(graduate.id, "invitation_received")
    assert len(msgs) == 1 and msgs[0].data == {"agreement_id": row.id}


def test_d_1_signing_announces_each_change_of_the_current_destination(
        grad: Callable[..., Any], signed: Callable[..., Any], employer_user: Callable[..., Any],
        review_all: Callable[..., Any]) -> None:
    """D-1, ON-4, ON-8, OT-3: accept (claim), 签约完成 and 已解约 (release) reach ``destination_changed``;
    the ON-10 sync and its void reach ``transfer_info_changed``."""
    from wxbackend.core import signals

    heard: list[tuple[str, Any, str]] = []

    def on_destination(sender: Any, **data: Any) -> None:
        heard.append(("destination", data["kind"], data["status"]))

    def on_transfer(sender: Any, **data: Any) -> None:
        heard.append(("transfer", data["module"], data["status"]))

    signals.destination_changed.connect(on_destination)
    signals.transfer_info_changed.connect(on_transfer)
    try:
        graduate = grad(hukou_at_school=False)
        employer = employer_user()
        row = signed(graduate, employer)
        _terminate(row, graduate, employer, review_all)
    finally:
        signals.destination_changed.disconnect(on_destination)
        signals.transfer_info_changed.disconnect(on_transfer)
    assert heard == [("destination", KIND, "claimed"), ("destination", KIND, "signed"),
                     ("transfer", "archive", "current"), ("destination", KIND, "released"),
                     ("transfer", "archive", "void")]
