"""The one history stream (RV-6): record events beside review events, one timeline per record.

Records here are of a made-up kind, ``sample_record``, so no module's outcome hook runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from wxbackend.core import timeutil
from wxbackend.core.audit import Actor
from wxbackend.core.db import db
from wxbackend.review import engine, history
from wxbackend.review.history import RecordEvent

KIND = "sample_record"


@pytest.fixture()
def w(make_school: Callable[..., Any], make_department: Callable[..., Any], make_major: Callable[..., Any],
      make_graduate: Callable[..., Any], make_user: Callable[..., Any]) -> dict[str, Any]:
    """A school with a department, a graduate there and one reviewer of each level."""
    school = make_school()
    dept = make_department(school=school)
    graduate = make_graduate(major=make_major(department=dept))
    return {
        "graduate": graduate,
        "me": Actor("graduate", graduate.id, "graduate", graduate.name),
        "dept_user": make_user(role="department", school_id=school.id, department_id=dept.id),
        "school_user": make_user(role="school", school_id=school.id),
    }


def _record(w: dict[str, Any], action: str, subject_id: int = 1, actor: Actor | None = None, **kw: Any) -> Any:
    event = history.record(actor or w["me"], KIND, subject_id, action, graduate_id=w["graduate"].id,
                           school_id=w["graduate"].school_id, **kw)
    db.session.commit()
    return event


def _reviewed(w: dict[str, Any], subject_id: int = 1) -> None:
    """Submit the record and pass it at both levels."""
    item = engine.submit(w["me"], KIND, subject_id, w["graduate"])
    db.session.commit()
    for who in ("dept_user", "school_user"):
        engine.decide(w[who], item.id, "pass")
        db.session.commit()


def test_rv_6_record_events_are_append_only(w: dict[str, Any]) -> None:
    """RV-6: the database refuses UPDATE and DELETE of record_event, on both engines."""
    event = _record(w, "start", reason="原因")
    for sql in ("UPDATE record_event SET reason = 'x' WHERE id = :id", "DELETE FROM record_event WHERE id = :id"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(sql), {"id": event.id})
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RecordEvent)) == 1
    assert db.session.scalar(select(RecordEvent.reason)) == "原因"


def test_rv_6_record_names_the_actor_the_role_and_the_data(w: dict[str, Any]) -> None:
    event = _record(w, "start", reason="已另选单位", reason_code="03", when=datetime(2026, 6, 1, 9, 0,
                                                                               tzinfo=timeutil.SHANGHAI))
    assert (event.kind, event.subject_id, event.graduate_id, event.school_id) == (
        KIND, 1, w["graduate"].id, w["graduate"].school_id)
    assert (event.actor_type, event.actor_id, event.actor_name, event.role) == (
        "graduate", w["graduate"].id, w["graduate"].name, "graduate")
    assert event.data == {"reason_code": "03", "when": "2026-06-01 09:00:00"}  # stored as JSON


def test_record_refuses_an_action_nobody_documented(w: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown record event action"):
        history.record(w["me"], KIND, 1, "teleport", graduate_id=w["graduate"].id,
                       school_id=w["graduate"].school_id)


@pytest.mark.parametrize("frozen", [False, True], ids=["clock", "frozen-clock"])
def test_rv_6_timeline_merges_record_and_review_events_oldest_first(w: dict[str, Any], frozen: bool,
                                                                    frozen_now: Callable[..., Any]) -> None:
    """RV-6: one timeline per record; at one instant an opening record event comes before the review events
    and one that follows a decision (签约完成, 作废) after them."""
    if frozen:
        frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    _record(w, "accept")
    _reviewed(w)
    _record(w, "void")
    _record(w, "accept", subject_id=2)  # another record of the kind
    engine.submit(w["me"], "other_kind", 1, w["graduate"])  # the same id under another kind
    db.session.commit()

    events = history.timeline(KIND, 1)
    assert [(e.source, e.action) for e in events] == [
        ("record", "accept"), ("review", "submit"), ("review", "pass"), ("review", "pass"), ("record", "void")]
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [e.stage for e in events] == [None, "department", "department", "school", None]
    assert [e.role_label for e in events] == ["毕业生", "毕业生", "院系", "学校", "毕业生"]
    assert [e.action_label for e in events] == ["接受", "提交", "通过", "通过", "作废"]
    assert events[1].stage_label == "院系审核" and events[0].stage_label is None
    assert [e.action for e in history.timeline(KIND, 2)] == ["accept"]
    assert history.timeline(KIND, 3) == []


def test_rv_6_timeline_spans_every_review_item_and_keeps_edits(w: dict[str, Any]) -> None:
    """RV-6, RV-5: a withdrawal and a new submission open a second item; the record's timeline holds both,
    with the reviewer's edit as before/after and the reason of a return."""
    first = engine.submit(w["me"], KIND, 1, w["graduate"])
    db.session.commit()
    engine.withdraw(w["me"], first)
    second = engine.submit(w["me"], KIND, 1, w["graduate"])
    db.session.commit()
    engine.record_edit(w["dept_user"], second, {"单位名称": ["甲公司", "乙公司"]})
    engine.decide(w["dept_user"], second.id, "return", reason="缺页")
    db.session.commit()

    events = history.timeline(KIND, 1)
    assert [e.action for e in events] == ["submit", "withdraw", "submit", "edit", "return"]
    assert [e.data["item_id"] for e in events] == [first.id, first.id, second.id, second.id, second.id]
    assert events[3].changes == {"单位名称": ["甲公司", "乙公司"]} and events[3].action_label == "修改信息"
    assert events[4].reason == "缺页" and events[4].stage == "department"
    assert all(e.source == "review" for e in events)


def test_kinds_name_their_own_record_events(w: dict[str, Any]) -> None:
    assert history.action_label("online_agreement", "accept") == "接受签约邀请"
    assert history.action_label("termination", "accept") == "同意解约"
    assert history.action_label(KIND, "accept") == "接受"
    assert set(history.ACTIONS) >= {"invite", "accept", "decline", "expire", "sign", "fail", "terminate", "void",
                                    "start", "cancel"}


def test_timelines_reads_many_records_in_two_queries(w: dict[str, Any], count_queries: Callable[..., Any]) -> None:
    for subject_id in range(1, 6):
        _record(w, "accept", subject_id=subject_id)
        _reviewed(w, subject_id)
    db.session.expire_all()
    with count_queries() as one:
        assert len(history.timeline(KIND, 1)) == 4
    with count_queries() as many:
        found = history.timelines(KIND, [1, 2, 3, 4, 5, 99])
    assert one.count == many.count == 2
    assert [len(found[i]) for i in (1, 2, 3, 4, 5, 99)] == [4, 4, 4, 4, 4, 0]
    with count_queries() as none:
        assert history.timelines(KIND, []) == {}
    assert none.count == 0
