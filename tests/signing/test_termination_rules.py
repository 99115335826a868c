"""Online termination at the service level: OT-1…OT-5 and cancelling a request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.signing.conftest import count_rows, refused
from wxbackend.accounts.actors import actor_for
from wxbackend.core.codes import code_list
from wxbackend.core.db import db
from wxbackend.core.errors import Conflict, Forbidden
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.destinations import services as destinations
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement, TerminationRequest

KIND = services.KIND
TKIND = services.TERMINATION_KIND
T0 = datetime(2026, 5, 11, 9, 30, tzinfo=SHANGHAI)






def _agreement(row_id: int) -> OnlineAgreement:
    db.session.expire_all()
    row = db.session.get(OnlineAgreement, row_id)
    assert row is not None
    return row


def _req(req_id: int) -> TerminationRequest:
    db.session.expire_all()
    req = db.session.get(TerminationRequest, req_id)
    assert req is not None
    return req


@pytest.fixture()
def deal(grad: Callable[..., Any], employer_user: Callable[..., Any], signed: Callable[..., Any]
         ) -> Callable[..., dict[str, Any]]:
    """``deal(**graduate_fields)`` → {graduate, employer (User), row}: a signed online agreement."""

    def make(reviewers: tuple[str, ...] = ("dept_user", "school_user"), **kw: Any) -> dict[str, Any]:
        graduate = grad(**kw)
        employer = employer_user()
        return {"graduate": graduate, "employer": employer, "row": signed(graduate, employer, reviewers=reviewers)}

    return make


def _actor(d: dict[str, Any], party: str) -> Any:
    return actor_for(d["graduate"]) if party == "graduate" else actor_for(d["employer"])


def _start(d: dict[str, Any], party: str = "graduate", reason: Any = "04", explanation: Any = "个人原因") -> Any:
    user = d["employer"] if party == "employer" else None
    req = services.start_termination(party, _actor(d, party), d["row"], reason, explanation, user=user)
    db.session.commit()
    return req


def _answer(d: dict[str, Any], req: TerminationRequest, accept: bool) -> TerminationRequest:
    services.answer_termination(req.other_party, _actor(d, req.other_party), req, accept)
    db.session.commit()
    return req


# --- OT-1 -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["waiting", "reviewing", "failed", "declined", "expired", "terminated"])
def test_ot_1_only_a_signed_agreement_can_be_terminated(
        grad: Callable[..., Any], employer_user: Callable[..., Any], invite: Callable[..., Any],
        review_all: Callable[..., Any], frozen_now: Callable[..., Any], state: str) -> None:
    """OT-1: waiting / reviewing / failed / declined / expired / terminated → Conflict not_signed, nothing saved."""
    graduate, employer = grad(), employer_user()
    frozen_now(T0)
    row = invite(employer, graduate)
    if state in ("reviewing", "failed", "terminated"):
        services.accept(graduate, row.id)
        db.session.commit()
    if state == "failed":
        review_all(KIND, row.id, "reject", reason="信息不实")
    if state == "declined":
        services.decline(graduate, row.id)
        db.session.commit()
    if state == "expired":
        frozen_now(T0 + timedelta(days=10))
        services.expire_due()
        db.session.commit()
    if state == "terminated":
        review_all(KIND, row.id)
        d = {"graduate": graduate, "employer": employer, "row": row}
        req = _start(d)
        _answer(d, req, True)
        review_all(TKIND, req.id)
    before = count_rows(TerminationRequest)
    assert _agreement(row.id).status == state
    for party in ("graduate", "employer"):
        err = refused(lambda p=party: services.start_termination(
            p, actor_for(graduate) if p == "graduate" else actor_for(employer), row, "07", None),
            "not_signed", Conflict)
        assert err.status == 409
    assert count_rows(TerminationRequest) == before


@pytest.mark.parametrize(("reason", "message"), [(None, "请选择解约原因"), ("", "请选择解约原因"),
                                                  ("  ", "解约原因不在列表中"), ("98", "解约原因不在列表中"),
                                                  ("随便写的原因", "解约原因不在列表中")])
def test_ot_1_reason_required_and_from_the_list(deal: Callable[..., dict[str, Any]], reason: Any,
                                                message: str) -> None:
    """OT-1: 解约原因 is required and must be one of the list's codes (or labels)."""
    d = deal()
    err = refused(lambda: _start(d, reason=reason), "invalid_fields")
    assert err.fields == {"reason": message}
    assert count_rows(TerminationRequest) == 0


def test_ot_1_reason_by_label_is_accepted(deal: Callable[..., dict[str, Any]]) -> None:
    """OT-1: a reason given by its list label is stored as its code."""
    d = deal()
    req = _start(d, party="employer", reason="用人单位取消或调整招聘计划")
    assert _req(req.id).reason_code == "05"


def test_ot_1_explanation_counts_characters(deal: Callable[..., dict[str, Any]]) -> None:
    """OT-1: 解约说明 is optional and ≤200 characters — 200 Chinese characters pass, 201 are refused."""
    d = deal()
    err = refused(lambda: _start(d, explanation="解" * 201), "invalid_fields")
    assert set(err.fields) == {"explanation"} and "201" in err.fields["explanation"]
    assert count_rows(TerminationRequest) == 0
    req = _start(d, explanation="解" * 200)
    fresh = _req(req.id)
    assert fresh.explanation == "解" * 200 and len(fresh.explanation.encode()) == 600
    assert (fresh.status, fresh.status_label, fresh.initiator) == ("waiting", "等待对方回应", "graduate")


def test_ot_1_explanation_optional_and_either_side_may_start(deal: Callable[..., dict[str, Any]]) -> None:
    """OT-1: no 解约说明 is fine; the employer may start too, and the graduate is told."""
    d = deal()
    req = _start(d, party="employer", reason="07", explanation=None)
    fresh = _req(req.id)
    assert fresh.explanation is None and fresh.initiator == "employer" and fresh.other_party == "graduate"
    assert fresh.initiator_user_id == d["employer"].id
    msgs = list(db.session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.graduate_id == d["graduate"].id, NotificationOutbox.kind == "termination_received")))
    assert len(msgs) == 1 and msgs[0].data == {"termination_id": req.id}


@pytest.mark.parametrize("party", ["graduate", "employer"])
@pytest.mark.parametrize("explanation", [None, "", "   "])
def test_ot_1_other_reason_needs_an_explanation(deal: Callable[..., dict[str, Any]], party: str,
                                                explanation: Any) -> None:
    """OT-1: 其他原因 says nothing by itself: 解约说明 is then required, for either side."""
    d = deal()
    assert code_list("termination_reason").label(services.REASON_OTHER) == "其他原因"
    err = refused(lambda: _start(d, party=party, reason="99", explanation=explanation), "invalid_fields")
    assert err.fields == {"explanation": "解约原因为“其他原因”时，请填写解约说明"}
    err = refused(lambda: _start(d, party=party, reason="其他原因", explanation=explanation), "invalid_fields")
    assert set(err.fields) == {"explanation"}
    assert count_rows(TerminationRequest) == 0
    req = _start(d, party=party, reason="99", explanation="单位搬迁至外地")
    assert _req(req.id).explanation == "单位搬迁至外地"


def test_ot_1_reason_and_explanation_errors_together(deal: Callable[..., dict[str, Any]]) -> None:
    """OT-1: a missing reason and a too long explanation are reported together."""
    d = deal()
    err = refused(lambda: _start(d, reason=None, explanation="长" * 250), "invalid_fields")
    assert set(err.fields) == {"reason", "explanation"}


# --- OT-2 -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("initiator", ["graduate", "employer"])
def test_ot_2_other_side_accepts_then_department_review(deal: Callable[..., dict[str, Any]],
                                                        initiator: str) -> None:
    """OT-2: the other side accepts → a termination review item at the department stage, no return allowed."""
    d = deal()
    req = _start(d, party=initiator)
    _answer(d, req, True)
    fresh = _req(req.id)
    assert fresh.status == "reviewing" and fresh.answered_at is not None
    item = engine.open_item(TKIND, req.id)
    assert item is not None and item.stage == "department" and item.allow_return is False
    assert item.graduate_id == d["graduate"].id
    assert _agreement(d["row"].id).status == "signed"


@pytest.mark.parametrize("initiator", ["graduate", "employer"])
def test_ot_2_other_side_rejects_agreement_stays_signed(deal: Callable[..., dict[str, Any]],
                                                        initiator: str) -> None:
    """OT-2: the other side rejects → 对方拒绝解约, the agreement stays signed, no review item, claim kept."""
    d = deal()
    req = _start(d, party=initiator)
    _answer(d, req, False)
    assert _req(req.id).status == "declined"
    assert engine.open_item(TKIND, req.id) is None
    assert _agreement(d["row"].id).status == "signed"
    claim = destinations.current_claim(d["graduate"].id)
    assert claim is not None and claim.subject_id == d["row"].id
    # It cannot be answered twice.
    refused(lambda: services.answer_termination(req.other_party, _actor(d, req.other_party), _req(req.id), True),
             "not_waiting", Conflict)


@pytest.mark.parametrize("initiator", ["graduate", "employer"])
def test_ot_2_initiator_cannot_answer_own_request(deal: Callable[..., dict[str, Any]], initiator: str) -> None:
    """OT-2: only the other party answers (not_other_party); the request stays waiting."""
    d = deal()
    req = _start(d, party=initiator)
    for accept in (True, False):
        refused(lambda a=accept: services.answer_termination(initiator, _actor(d, initiator), req, a),
                 "not_other_party", Forbidden)
    assert _req(req.id).status == "waiting"


def test_ot_2_no_time_limit_for_the_answer(deal: Callable[..., dict[str, Any]],
                                           frozen_now: Callable[..., Any]) -> None:
    """OT-2: a year later the request can still be answered."""
    frozen_now(T0)
    d = deal()
    req = _start(d, party="employer")
    frozen_now(T0 + timedelta(days=366))
    _answer(d, req, True)
    fresh = _req(req.id)
    assert fresh.status == "reviewing" and fresh.answered_at == T0 + timedelta(days=366)


# --- OT-3 -----------------------------------------------------------------------------------------------------


def test_ot_3_pass_terminates_and_frees_the_graduate(
        deal: Callable[..., dict[str, Any]], review_all: Callable[..., Any], world: dict[str, Any],
        employer_user: Callable[..., Any], invite: Callable[..., Any]) -> None:
    """OT-3: department then school pass → 已解约, claim released; the graduate can accept another invitation."""
    d = deal()
    graduate = d["graduate"]
    waiting = invite(employer_user(), graduate, days=30)
    req = _start(d)
    _answer(d, req, True)
    item = engine.open_item(TKIND, req.id)
    assert item is not None
    engine.decide(world["dept_user"], item.id, "pass")
    db.session.commit()
    assert _req(req.id).status == "reviewing" and _agreement(d["row"].id).status == "signed"
    assert destinations.current_claim(graduate.id) is not None
    item = engine.open_item(TKIND, req.id)
    assert item is not None and item.stage == "school"
    engine.decide(world["school_user"], item.id, "pass")
    db.session.commit()
    fresh = _req(req.id)
    assert (fresh.status, fresh.status_label) == ("approved", "解约完成") and fresh.decided_at is not None
    row = _agreement(d["row"].id)
    assert (row.status, row.status_label) == ("terminated", "已解约") and row.terminated_at is not None
    assert row.agreement_no is not None  # the number stays on the terminated agreement
    assert destinations.current_claim(graduate.id) is None
    services.accept(graduate, waiting.id)
    db.session.commit()
    assert _agreement(waiting.id).status == "reviewing"


def test_ot_3_after_termination_graduate_can_register_other_destination(
        graduate_api: Callable[..., Any], employer_user: Callable[..., Any], signed: Callable[..., Any],
        review_all: Callable[..., Any]) -> None:
    """OT-3: once terminated, the graduate can register an other destination (D-1 claim free)."""
    graduate, api = graduate_api()
    employer = employer_user()
    row = signed(graduate, employer)
    record_id = api.post("/destination/records", {"subkind": "job_seeking", "fields": {}}).get_json()["id"]
    resp = api.post(f"/destination/records/{record_id}/submit")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "destination_exists"
    d = {"graduate": graduate, "employer": employer, "row": row}
    req = _start(d, party="employer", reason="05")
    _answer(d, req, True)
    review_all(TKIND, req.id)
    assert _agreement(row.id).status == "terminated"
    resp = api.post(f"/destination/records/{record_id}/submit")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "pending"
    claim = destinations.current_claim(graduate.id)
    assert claim is not None and claim.kind == "other_destination"


@pytest.mark.parametrize("stages", [("dept_user",), ("dept_user", "school_user")], ids=["department", "school"])
def test_ot_3_reject_keeps_agreement_and_claim(deal: Callable[..., dict[str, Any]], world: dict[str, Any],
                                               stages: tuple[str, ...]) -> None:
    """OT-3: reject at either stage → 解约失败 with its reason, agreement still signed, claim kept."""
    d = deal()
    req = _start(d)
    _answer(d, req, True)
    for who in stages:
        item = engine.open_item(TKIND, req.id)
        assert item is not None
        last = who == stages[-1]
        engine.decide(world[who], item.id, "reject" if last else "pass", reason="未与单位核实" if last else None)
        db.session.commit()
    fresh = _req(req.id)
    assert (fresh.status, fresh.status_label) == ("rejected", "解约失败")
    assert fresh.decided_reason == "未与单位核实"
    row = _agreement(d["row"].id)
    assert row.status == "signed" and row.terminated_at is None
    claim = destinations.current_claim(d["graduate"].id)
    assert claim is not None and (claim.kind, claim.subject_id) == (KIND, row.id)


def test_ot_3_termination_cannot_be_returned(deal: Callable[..., dict[str, Any]], world: dict[str, Any]) -> None:
    """OT-3 / RV-1: termination review has no 退回修改."""
    d = deal()
    req = _start(d)
    _answer(d, req, True)
    item = engine.open_item(TKIND, req.id)
    assert item is not None
    refused(lambda: engine.decide(world["dept_user"], item.id, "return", reason="补充说明"), "return_not_allowed")
    assert _req(req.id).status == "reviewing"


# --- OT-4 -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("second_party", ["graduate", "employer"])
def test_ot_4_one_open_request_per_agreement(deal: Callable[..., dict[str, Any]], second_party: str) -> None:
    """OT-4: while a request is waiting or under review a second one is refused (termination_open)."""
    d = deal()
    req = _start(d)
    refused(lambda: _start(d, party=second_party), "termination_open", Conflict)
    _answer(d, req, True)
    refused(lambda: _start(d, party=second_party), "termination_open", Conflict)
    assert count_rows(TerminationRequest) == 1


@pytest.mark.parametrize("end", ["declined", "rejected", "cancelled"])
def test_ot_4_new_request_after_the_previous_one_ended(deal: Callable[..., dict[str, Any]],
                                                       review_all: Callable[..., Any], end: str) -> None:
    """OT-4: after a decline, a review rejection or a cancellation a new request can start."""
    d = deal()
    req = _start(d)
    if end == "declined":
        _answer(d, req, False)
    elif end == "rejected":
        _answer(d, req, True)
        review_all(TKIND, req.id, "reject", reason="材料不全")
    else:
        services.cancel_termination("graduate", _actor(d, "graduate"), req)
        db.session.commit()
    assert _req(req.id).status == end
    again = _start(d, party="employer", reason="07")
    assert again.id != req.id and _req(again.id).status == "waiting"
    assert count_rows(TerminationRequest) == 2


# --- OT-5 -----------------------------------------------------------------------------------------------------


def test_ot_5_waiting_requests_in_scope_oldest_first(
        deal: Callable[..., dict[str, Any]], world: dict[str, Any], frozen_now: Callable[..., Any],
        make_school: Callable[..., Any], make_department: Callable[..., Any], make_major: Callable[..., Any],
        make_graduate: Callable[..., Any], make_user: Callable[..., Any], employer_user: Callable[..., Any],
        invite: Callable[..., Any]) -> None:
    """OT-5: the school's (department's) waiting requests, oldest first; not other schools', not answered ones."""
    frozen_now(T0)
    a, b, c, answered = deal(), deal(), deal(), deal()
    other_dept = deal(major=world["other_major"], reviewers=("other_dept_user", "school_user"))

    # Another school with its own signed agreement and waiting request.
    school2 = make_school()
    dept2 = make_department(school=school2)
    major2 = make_major(department=dept2)
    g2 = make_graduate(major=major2)
    e2 = employer_user()
    row2 = invite(e2, g2)
    services.accept(g2, row2.id)
    db.session.commit()
    for user in (make_user(role="department", school_id=school2.id, department_id=dept2.id),
                 make_user(role="school", school_id=school2.id)):
        item = engine.open_item(KIND, row2.id)
        assert item is not None
        engine.decide(user, item.id, "pass")
        db.session.commit()
    foreign = {"graduate": g2, "employer": e2, "row": _agreement(row2.id)}

    # Created out of id order: b is the oldest, then c, then a.
    frozen_now(T0 + timedelta(days=3))
    req_a = _start(a)
    frozen_now(T0 + timedelta(days=1))
    req_b = _start(b, party="employer")
    frozen_now(T0 + timedelta(days=2))
    req_c = _start(c)
    req_other_dept = _start(other_dept)
    req_answered = _start(answered)
    _answer(answered, req_answered, True)
    _start(foreign)
    frozen_now(T0 + timedelta(days=10))

    school_list = list(db.session.scalars(services.waiting_terminations(world["school_user"])))
    assert [r.id for r in school_list] == [req_b.id, req_c.id, req_other_dept.id, req_a.id]
    dept_list = list(db.session.scalars(services.waiting_terminations(world["dept_user"])))
    assert [r.id for r in dept_list] == [req_b.id, req_c.id, req_a.id]
    other_dept_list = list(db.session.scalars(services.waiting_terminations(world["other_dept_user"])))
    assert [r.id for r in other_dept_list] == [req_other_dept.id]
    # Their age is readable from created_at.
    assert school_list[0].created_at == T0 + timedelta(days=1)


@pytest.mark.parametrize("role", ["employer", "admin"])
def test_ot_5_only_reviewers_see_the_list(make_user: Callable[..., Any], employer_user: Callable[..., Any],
                                          role: str) -> None:
    """OT-5: the list is for school and department reviewers only."""
    user = employer_user() if role == "employer" else make_user(role="admin")
    with pytest.raises(Forbidden):
        services.waiting_terminations(user)


# --- cancelling ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("initiator", ["graduate", "employer"])
def test_cancel_by_initiator_while_waiting(deal: Callable[..., dict[str, Any]], initiator: str) -> None:
    """Cancel (OT-4 context): the initiator may withdraw a request the other side has not answered."""
    d = deal()
    req = _start(d, party=initiator)
    other = req.other_party
    refused(lambda: services.cancel_termination(other, _actor(d, other), req), "not_initiator", Forbidden)
    assert _req(req.id).status == "waiting"
    services.cancel_termination(initiator, _actor(d, initiator), req)
    db.session.commit()
    fresh = _req(req.id)
    assert (fresh.status, fresh.status_label) == ("cancelled", "已撤销")
    assert _agreement(d["row"].id).status == "signed"
    # A cancelled request cannot be answered any more.
    refused(lambda: services.answer_termination(other, _actor(d, other), fresh, True), "not_waiting", Conflict)


def test_cancel_refused_once_answered(deal: Callable[..., dict[str, Any]]) -> None:
    """Cancel: once the other side accepted (under review) the initiator can no longer cancel."""
    d = deal()
    req = _start(d)
    _answer(d, req, True)
    refused(lambda: services.cancel_termination("graduate", _actor(d, "graduate"), _req(req.id)),
             "not_waiting", Conflict)
    assert _req(req.id).status == "reviewing"
    assert engine.open_item(TKIND, req.id) is not None
