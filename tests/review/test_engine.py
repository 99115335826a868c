"""The two-level review engine (RV-1…RV-6).

Items here are of a made-up kind, ``sample_record``, so no module's outcome hook runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from tests.conftest import IS_PG
from wxbackend.core.audit import Actor, AuditEvent
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden, NotFound
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine
from wxbackend.review.models import ReviewEvent, ReviewItem


@pytest.fixture()
def setup(make_school: Callable[..., Any], make_department: Callable[..., Any], make_major: Callable[..., Any],
          make_graduate: Callable[..., Any], make_user: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """A school with a department, a graduate there and one reviewer of each level."""

    def build(**school_kw: Any) -> dict[str, Any]:
        school = make_school(**school_kw)
        dept = make_department(school=school)
        graduate = make_graduate(major=make_major(department=dept))
        return {
            "school": school,
            "dept": dept,
            "graduate": graduate,
            "me": Actor("graduate", graduate.id, "graduate", graduate.name),
            "dept_user": make_user(role="department", school_id=school.id, department_id=dept.id),
            "school_user": make_user(role="school", school_id=school.id),
        }

    return build


def _submit(w: dict[str, Any], kind: str = "sample_record", subject_id: int = 1, **kw: Any) -> ReviewItem:
    item = engine.submit(w["me"], kind, subject_id, w["graduate"], **kw)
    db.session.commit()
    return item


def _outbox(graduate_id: int, kind: str | None = None) -> list[NotificationOutbox]:
    stmt = select(NotificationOutbox).where(NotificationOutbox.graduate_id == graduate_id)
    if kind:
        stmt = stmt.where(NotificationOutbox.kind == kind)
    return list(db.session.scalars(stmt.order_by(NotificationOutbox.id)))


# --- RV-1 outcomes and reasons --------------------------------------------------------


def test_rv_1_return_and_reject_need_a_reason(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    for outcome in ("return", "reject"):
        with pytest.raises(ApiError) as err:
            engine.decide(w["dept_user"], item.id, outcome, reason="  ")
        assert err.value.code == "reason_required"
        assert "reason" in err.value.fields
    with pytest.raises(ApiError) as err:
        engine.decide(w["dept_user"], item.id, "maybe")
    assert err.value.code == "invalid_outcome"


def test_rv_1_return_shows_reason_to_submitter(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.decide(w["dept_user"], item.id, "return", reason="单位名称有误")
    db.session.commit()
    assert (item.stage, item.status, item.last_reason) == ("department", "returned", "单位名称有误")
    assert item.decided_at is not None
    [note] = _outbox(w["graduate"].id, "review_result")
    assert "单位名称有误" in note.body and note.data["action"] == "return"


def test_rv_1_reject_is_final(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.decide(w["dept_user"], item.id, "reject", reason="材料不实")
    db.session.commit()
    assert (item.stage, item.status) == ("department", "rejected")
    with pytest.raises(Conflict):
        engine.resubmit(w["me"], item)
    with pytest.raises(Conflict) as err:
        engine.decide(w["dept_user"], item.id, "pass")
    assert err.value.code == "not_waiting"


@pytest.mark.parametrize("kind", ["online_agreement", "termination"])
def test_rv_1_online_signing_and_termination_cannot_be_returned(
        setup: Callable[..., dict[str, Any]], kind: str) -> None:
    w = setup()
    item = _submit(w, kind=kind, allow_return=False)
    with pytest.raises(ApiError) as err:
        engine.decide(w["dept_user"], item.id, "return", reason="请修改")
    assert err.value.code == "return_not_allowed"
    engine.decide(w["dept_user"], item.id, "reject", reason="不同意")
    db.session.commit()
    assert item.status == "rejected"


def test_rv_1_database_refuses_returned_without_allow_return(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w, kind="termination", allow_return=False)
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE review_item SET status='returned' WHERE id=:id"), {"id": item.id})
    db.session.rollback()


def test_rv_1_returned_item_can_be_resubmitted(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.decide(w["dept_user"], item.id, "pass")
    engine.decide(w["school_user"], item.id, "return", reason="请补充材料")
    db.session.commit()
    assert (item.stage, item.status) == ("school", "returned")
    engine.resubmit(w["me"], item)
    db.session.commit()
    # Back to the first level: the edited submission is reviewed again from the start.
    assert (item.stage, item.status, item.decided_at) == ("department", "pending", None)
    with pytest.raises(Conflict) as err:
        engine.resubmit(w["me"], item)
    assert err.value.code == "not_returned"


# --- RV-2 two levels ---------------------------------------------------------------


def test_rv_2_department_pass_moves_to_school_then_school_pass_completes(
        setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    assert (item.stage, item.status, item.version) == ("department", "pending", 1)
    engine.decide(w["dept_user"], item.id, "pass")
    db.session.commit()
    assert (item.stage, item.status, item.version) == ("school", "pending", 2)
    assert item.decided_at is None
    engine.decide(w["school_user"], item.id, "pass")
    db.session.commit()
    assert (item.stage, item.status, item.version) == ("done", "approved", 3)
    assert item.decided_at is not None
    notes = _outbox(w["graduate"].id, "review_result")
    assert [n.data["status"] for n in notes] == ["pending", "approved"]
    assert "院系审核通过" in notes[0].title and "审核通过" in notes[1].title


def test_rv_2_school_reviewer_cannot_act_at_department_stage(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    with pytest.raises(Conflict) as err:
        engine.decide(w["school_user"], item.id, "pass")
    assert err.value.code == "not_waiting"
    assert err.value.message == "该事项已被处理或不在您的审核环节"


def test_rv_2_skip_department_review_starts_at_school(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup(skip_department_review=True)
    item = _submit(w)
    assert item.stage == "school"
    assert db.session.scalars(engine.waiting_for(w["dept_user"])).all() == []
    with pytest.raises(Conflict):
        engine.decide(w["dept_user"], item.id, "pass")
    engine.decide(w["school_user"], item.id, "return", reason="请修改")
    engine.resubmit(w["me"], item)
    assert item.stage == "school"
    engine.decide(w["school_user"], item.id, "pass")
    db.session.commit()
    assert (item.stage, item.status) == ("done", "approved")


def test_rv_2_database_keeps_done_and_approved_together(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE review_item SET stage='done' WHERE id=:id"), {"id": item.id})
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE review_item SET status='approved' WHERE id=:id"), {"id": item.id})
    db.session.rollback()


def test_rv_2_one_pending_item_per_subject(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    _submit(w, subject_id=7)
    with pytest.raises(Conflict) as err:
        engine.submit(w["me"], "sample_record", 7, w["graduate"])
    assert err.value.code == "already_pending"
    # The database index enforces it even past the engine's own check.
    db.session.add(ReviewItem(school_id=w["school"].id, department_id=w["dept"].id, graduate_id=w["graduate"].id,
                              kind="sample_record", subject_id=7, stage="department", status="pending"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # Another kind or another subject is fine.
    _submit(w, kind="archive", subject_id=7)
    _submit(w, subject_id=8)


# --- RV-3 withdraw -----------------------------------------------------------------


def test_rv_3_withdraw_before_any_review(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.withdraw(w["me"], item)
    db.session.commit()
    assert (item.stage, item.status) == ("department", "withdrawn")
    # A new submission of the same record is allowed after withdrawal.
    again = _submit(w)
    assert again.id != item.id


def test_rv_3_withdraw_refused_after_department_pass(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.decide(w["dept_user"], item.id, "pass")
    db.session.commit()
    with pytest.raises(ApiError) as err:
        engine.withdraw(w["me"], item)
    assert err.value.code == "already_reviewed"


def test_rv_3_withdraw_refused_after_reviewer_edit(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.record_edit(w["dept_user"], item, {"unit_name": ["甲公司", "乙公司"]})
    db.session.commit()
    with pytest.raises(ApiError) as err:
        engine.withdraw(w["me"], item)
    assert err.value.code == "already_reviewed"


def test_rv_3_withdraw_refused_for_decided_items(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.decide(w["dept_user"], item.id, "return", reason="请修改")
    db.session.commit()
    with pytest.raises(ApiError) as err:
        engine.withdraw(w["me"], item)
    assert err.value.code == "already_reviewed"


def test_rv_3_withdraw_allowed_again_after_resubmit(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.decide(w["dept_user"], item.id, "return", reason="请修改")
    engine.resubmit(w["me"], item)
    db.session.commit()
    engine.withdraw(w["me"], item)
    db.session.commit()
    assert item.status == "withdrawn"


def test_rv_3_withdraw_with_stale_copy_after_decision_is_refused(setup: Callable[..., dict[str, Any]]) -> None:
    """The graduate's page still shows 'pending' while a reviewer passes it: the conditional update wins."""
    w = setup()
    item = _submit(w)
    db.session.execute(text("UPDATE review_item SET stage='school', version=version+1 WHERE id=:id"),
                       {"id": item.id})
    with pytest.raises(ApiError) as err:
        engine.withdraw(w["me"], item)  # item object still says department/v1
    assert err.value.code == "already_reviewed"
    db.session.rollback()


def test_rv_3_only_the_submitter_may_withdraw(setup: Callable[..., dict[str, Any]], make_graduate: Any) -> None:
    w = setup()
    item = _submit(w)
    other = make_graduate()
    with pytest.raises(NotFound):
        engine.withdraw(Actor("graduate", other.id, "graduate"), item)


# --- RV-4 scope and concurrency ------------------------------------------------------


def test_rv_4_reviewers_see_and_decide_only_their_scope(
        setup: Callable[..., dict[str, Any]], make_department: Any, make_user: Any) -> None:
    w = setup()
    other = setup()
    item = _submit(w)
    other_dept = make_department(school=w["school"])
    sibling_dept_user = make_user(role="department", school_id=w["school"].id, department_id=other_dept.id)
    for user in (sibling_dept_user, other["dept_user"], other["school_user"]):
        with pytest.raises(NotFound):
            engine.decide(user, item.id, "pass")
        assert db.session.scalars(engine.waiting_for(user)).all() == []
    assert db.session.scalars(engine.waiting_for(w["dept_user"])).all() == [item]
    assert db.session.scalars(engine.waiting_for(w["school_user"])).all() == []
    engine.decide(w["dept_user"], item.id, "pass")
    db.session.commit()
    assert db.session.scalars(engine.waiting_for(w["dept_user"])).all() == []
    assert db.session.scalars(engine.waiting_for(w["school_user"])).all() == [item]
    assert db.session.scalars(engine.waiting_for(w["school_user"], kind="archive")).all() == []
    assert engine.is_waiting_for(w["school_user"], item)
    with pytest.raises(NotFound):
        engine.decide(w["dept_user"], 999_999, "pass")


def test_rv_4_non_reviewers_are_forbidden(setup: Callable[..., dict[str, Any]], make_user: Any) -> None:
    w = setup()
    item = _submit(w)
    admin = make_user(role="admin")
    with pytest.raises(Forbidden):
        engine.decide(admin, item.id, "pass")
    assert db.session.scalars(engine.waiting_for(admin)).all() == []


def test_rv_4_stale_expected_version_is_a_conflict(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    with pytest.raises(Conflict) as err:
        engine.decide(w["dept_user"], item.id, "pass", expected_version=item.version + 5)
    assert err.value.code == "not_waiting"
    engine.decide(w["dept_user"], item.id, "pass", expected_version=1)
    db.session.commit()
    assert item.stage == "school"


def test_rv_4_second_decision_on_same_item_is_a_conflict(setup: Callable[..., dict[str, Any]],
                                                         make_user: Any) -> None:
    w = setup()
    colleague = make_user(role="department", school_id=w["school"].id, department_id=w["dept"].id)
    item = _submit(w)
    engine.decide(w["dept_user"], item.id, "pass")
    db.session.commit()
    with pytest.raises(Conflict) as err:
        engine.decide(colleague, item.id, "reject", reason="不同意")
    assert err.value.code == "not_waiting"
    assert db.session.scalar(select(func.count()).select_from(ReviewEvent)
                             .where(ReviewEvent.action.in_(("pass", "reject")))) == 1


@pytest.mark.postgres
def test_rv_4_concurrent_decisions_give_exactly_one_outcome(
        app: Any, setup: Callable[..., dict[str, Any]], make_user: Any) -> None:
    if not IS_PG:
        pytest.skip("concurrent writers need PostgreSQL")
    w = setup()
    colleague = make_user(role="department", school_id=w["school"].id, department_id=w["dept"].id)
    item = _submit(w)
    item_id, user_ids = item.id, [w["dept_user"].id, colleague.id]
    barrier = threading.Barrier(2)
    results: list[str] = []
    lock = threading.Lock()

    def decide(user_id: int, outcome: str) -> None:
        from wxbackend.accounts.models import User

        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                # Both read the item as pending before either writes.
                db.session.get(ReviewItem, item_id)
                barrier.wait(timeout=10)
                engine.decide(user, item_id, outcome, reason="原因" if outcome != "pass" else None,  # type: ignore[arg-type]
                              expected_version=1)
                db.session.commit()
                with lock:
                    results.append("ok")
            except Conflict as err:
                db.session.rollback()
                with lock:
                    results.append(err.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(uid, oc)) for uid, oc in zip(user_ids, ["pass", "reject"],
                                                                                    strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["not_waiting", "ok"]
    db.session.expire_all()
    item = db.session.get(ReviewItem, item_id)
    assert item is not None and item.version == 2
    decisions = db.session.scalar(select(func.count()).select_from(ReviewEvent)
                                  .where(ReviewEvent.item_id == item_id, ReviewEvent.action != "submit"))
    assert decisions == 1
    assert len(_outbox(w["graduate"].id, "review_result")) == 1


# --- RV-5 reviewer edits -------------------------------------------------------------


def test_rv_5_reviewer_edit_is_recorded_and_graduate_notified(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w, kind="archive")
    event = engine.record_edit(w["dept_user"], item, {"receiver": ["甲档案馆", "乙档案馆"], "zip": ["1", "1"]})
    db.session.commit()
    assert event is not None
    assert event.changes == {"receiver": ["甲档案馆", "乙档案馆"]}
    assert (event.action, event.role, event.actor_id) == ("edit", "department", w["dept_user"].id)
    [note] = _outbox(w["graduate"].id, "info_edited")
    assert note.title == "档案信息被修改"
    assert note.data["fields"] == ["receiver"]
    assert note.sent_at is None and note.attempts == 0
    assert (item.status, item.stage, item.version) == ("pending", "department", 2)
    # No actual change: nothing recorded.
    assert engine.record_edit(w["dept_user"], item, {"zip": ["1", "1"]}) is None


def test_rv_5_edit_only_by_the_reviewer_whose_turn_it_is(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w, kind="hukou")
    with pytest.raises(Conflict):
        engine.record_edit(w["school_user"], item, {"address": ["a", "b"]})
    other = setup()
    with pytest.raises(NotFound):
        engine.record_edit(other["dept_user"], item, {"address": ["a", "b"]})


# --- RV-6 history --------------------------------------------------------------------


def test_rv_6_every_transition_is_kept_in_history_and_audit(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    engine.decide(w["dept_user"], item.id, "return", reason="请修改")
    engine.resubmit(w["me"], item)
    engine.record_edit(w["dept_user"], item, {"unit": ["甲", "乙"]})
    engine.decide(w["dept_user"], item.id, "pass")
    engine.decide(w["school_user"], item.id, "pass")
    db.session.commit()
    events = engine.history(item)
    assert [e.action for e in events] == ["submit", "return", "resubmit", "edit", "pass", "pass"]
    assert [(e.from_stage, e.to_stage) for e in events] == [
        (None, "department"), ("department", "department"), ("department", "department"),
        ("department", "department"), ("department", "school"), ("school", "done")]
    assert [e.role for e in events] == ["graduate", "department", "graduate", "department", "department", "school"]
    assert events[1].reason == "请修改" and events[1].to_status == "returned"
    assert all(e.at is not None for e in events)
    assert events[0].action_label == "提交" and item.status_label == "审核通过"
    audit_actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "review_item", AuditEvent.object_id == item.id)
        .order_by(AuditEvent.id)).all()
    assert audit_actions == ["review.submit", "review.return", "review.resubmit", "review.edit", "review.pass",
                             "review.pass"]


def test_rv_6_history_is_append_only(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    item = _submit(w)
    for sql in ("UPDATE review_event SET reason='x' WHERE item_id=:id", "DELETE FROM review_event WHERE item_id=:id"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(sql), {"id": item.id})
        db.session.rollback()
    assert len(engine.history(item)) == 1


# --- module hooks --------------------------------------------------------------------


def test_on_outcome_hook_runs_inside_the_decision(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()
    seen: list[tuple[str, str, bool]] = []

    @engine.on_outcome("test_hook_kind")
    def react(outcome: engine.Outcome) -> None:
        seen.append((outcome.action, outcome.item.status, outcome.final))

    try:
        item = _submit(w, kind="test_hook_kind")
        engine.decide(w["dept_user"], item.id, "pass")
        engine.decide(w["school_user"], item.id, "pass")
        other = _submit(w, kind="test_hook_kind", subject_id=2)
        engine.decide(w["dept_user"], other.id, "reject", reason="不符合")
        _submit(w, kind="sample_record", subject_id=3)
        db.session.commit()
        assert seen == [("pass", "pending", False), ("pass", "approved", True), ("reject", "rejected", True)]
    finally:
        engine._hooks.pop("test_hook_kind", None)


def test_on_outcome_hook_failure_rolls_back_the_decision(setup: Callable[..., dict[str, Any]]) -> None:
    w = setup()

    @engine.on_outcome("test_failing_kind")
    def boom(outcome: engine.Outcome) -> None:
        raise ApiError("module_refused", "模块拒绝")

    try:
        item = _submit(w, kind="test_failing_kind")
        with pytest.raises(ApiError):
            engine.decide(w["dept_user"], item.id, "pass")
        db.session.rollback()
        item = db.session.get(ReviewItem, item.id)
        assert item is not None and (item.stage, item.version) == ("department", 1)
        assert _outbox(w["graduate"].id) == []
    finally:
        engine._hooks.pop("test_failing_kind", None)
