"""Fixtures for archive and hukou registrations: a school with reviewers and confirmed graduates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.review import engine
from wxbackend.transfers.models import TransferRegistration

ARCHIVE = {
    "archive_transfer_type": "11", "archive_unit_name": "北京某某科技有限公司", "archive_unit_region": "110108",
    "archive_unit_address": "中关村大街1号", "archive_postcode": "100080", "archive_contact": "王老师",
    "archive_phone": "13900139000",
}
HUKOU = {"hukou_transfer_type": "11", "hukou_region": "110108", "hukou_address": "中关村大街1号"}
VALUES = {"archive": ARCHIVE, "hukou": HUKOU}


@pytest.fixture()
def reg_world(make_school: Callable[..., Any], make_department: Callable[..., Any], make_major: Callable[..., Any],
              make_user: Callable[..., Any]) -> dict[str, Any]:
    school = make_school()
    dept = make_department(school=school)
    return {
        "school": school,
        "major": make_major(department=dept),
        "dept_user": make_user(role="department", school_id=school.id, department_id=dept.id),
        "school_user": make_user(role="school", school_id=school.id),
    }


@pytest.fixture()
def grad(reg_world: dict[str, Any], make_graduate: Callable[..., Any]) -> Callable[..., Any]:
    """``grad(**fields)`` → a confirmed graduate of the world's school (生源所在地 110101 by default)."""

    def make(**kw: Any) -> Any:
        kw.setdefault("major", reg_world["major"])
        kw.setdefault("confirmed_at", timeutil.now())
        return make_graduate(**kw)

    return make


@pytest.fixture()
def review(reg_world: dict[str, Any]) -> Callable[..., Any]:
    """``review(record, "pass"|"return"|"reject", reason=None)``: both stages for a pass, committed."""

    def run(record: TransferRegistration, outcome: str, reason: str | None = None) -> None:
        users = ["dept_user", "school_user"] if outcome == "pass" else ["dept_user"]
        for user in users:
            item = engine.open_item(record.kind, record.id)
            assert item is not None
            engine.decide(reg_world[user], item.id, outcome, reason=reason)
            db.session.commit()
        db.session.refresh(record)

    return run
