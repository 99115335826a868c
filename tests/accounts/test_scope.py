"""One scope filter (accounts.scope): the same rule for every record with a school and a department (RV-4, §1)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from wxbackend.accounts.models import Graduate
from wxbackend.accounts.scope import in_scope, scope_filter
from wxbackend.core.audit import Actor
from wxbackend.core.db import db
from wxbackend.core.errors import Forbidden
from wxbackend.review import engine
from wxbackend.review.models import ReviewItem
from wxbackend.signing.services import waiting_terminations


@pytest.fixture()
def two_schools(make_school: Any, make_department: Any, make_major: Any, make_graduate: Any, make_user: Any,
                make_employer: Any) -> dict[str, Any]:
    """School A with departments 1 and 2, school B with one; a graduate and a review item in each."""
    school_a, school_b = make_school(), make_school()
    dept_1, dept_2, dept_b = make_department(school_a), make_department(school_a), make_department(school_b)
    graduates = {key: make_graduate(make_major(dept)) for key, dept in (("a1", dept_1), ("a2", dept_2),
                                                                         ("b", dept_b))}
    items = {key: engine.submit(Actor("graduate", g.id, "graduate", g.name), "sample_record", g.id, g)
             for key, g in graduates.items()}
    db.session.commit()
    return {
        "graduates": graduates,
        "items": items,
        "users": {
            "school": make_user("school", school_id=school_a.id),
            "department": make_user("department", school_id=school_a.id, department_id=dept_1.id),
            "admin": make_user("admin"),
            "employer": make_user("employer", employer_id=make_employer().id),
        },
    }


#: Who sees which of a1 (A, department 1), a2 (A, department 2) and b (school B).
SEES = {"school": {"a1", "a2"}, "department": {"a1"}, "admin": {"a1", "a2", "b"}, "employer": set()}


@pytest.mark.parametrize("role", sorted(SEES))
@pytest.mark.parametrize(("model", "records"), [(Graduate, "graduates"), (ReviewItem, "items")])
def test_rv_4_scope_filter_and_in_scope_agree_on_every_scoped_model(
        two_schools: dict[str, Any], role: str, model: Any, records: str) -> None:
    user = two_schools["users"][role]
    rows = two_schools[records]
    expected = {rows[key].id for key in SEES[role]}
    assert set(db.session.scalars(select(model.id).where(scope_filter(user, model)))) == expected
    assert {row.id for row in rows.values() if in_scope(user, row)} == expected


def test_rv_4_the_admin_sees_every_graduate_but_no_review_item_and_no_termination_list(
        two_schools: dict[str, Any]) -> None:
    """The review queue, review items and the OT-5 list stay the reviewers' own, as before."""
    admin = two_schools["users"]["admin"]
    item = two_schools["items"]["a1"]
    assert in_scope(admin, two_schools["graduates"]["a1"])
    assert not engine.can_see(admin, item) and not engine.is_waiting_for(admin, item)
    assert db.session.scalars(engine.waiting_for(admin)).all() == []
    with pytest.raises(Forbidden):
        waiting_terminations(admin)
    department = two_schools["users"]["department"]
    assert engine.can_see(department, item) and engine.is_waiting_for(department, item)
    assert not engine.can_see(department, two_schools["items"]["a2"])
