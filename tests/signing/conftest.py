"""Fixtures for online signing: an employer account, an invitation helper, review through the engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.destinations.conftest import Api, decide, graduate_api, world  # noqa: F401
from tests.signing.offline_helpers import applied  # noqa: F401
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.review import engine
from wxbackend.signing import services
from wxbackend.signing.forms import EXAMPLE_TERMS


def count_rows(model: Any, *where: Any) -> int:
    """How many rows of *model* match *where*."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def refused(call: Callable[[], Any], code: str, kind: type[ApiError] = ApiError) -> ApiError:
    """Run *call*, expect an ApiError of *kind* with *code*; roll the request back like the API would."""
    with pytest.raises(kind) as info:
        call()
    db.session.rollback()
    assert info.value.code == code, (info.value.code, info.value.message, info.value.fields)
    return info.value


#: A complete invitation (fig. 9): 托管单位接收 for the archive, 转回生源地 for the hukou.
TERMS: dict[str, Any] = EXAMPLE_TERMS


@pytest.fixture()
def employer_user(make_employer: Callable[..., Any], make_user: Callable[..., Any]) -> Callable[..., Any]:
    """``employer_user(**employer_fields)`` → a User with role employer and its Employer."""

    def make(**kw: Any) -> Any:
        employer = make_employer(unit_nature="31", industry="34", address_region="110102",
                                 address_detail="西直门外大街18号楼3层5单元301", contact_name="李经理",
                                 contact_phone="010-11111111", contact_mobile="13111111111", **kw)
        return make_user(role="employer", employer_id=employer.id, display_name=employer.name)

    return make


@pytest.fixture()
def invite() -> Callable[..., Any]:
    """``invite(user, graduate, days=3, **terms)`` → the committed invitation."""

    def run(user: Any, graduate: Any, days: int = 3, **terms: Any) -> Any:
        row = services.invite(user, graduate, days, {**TERMS, **terms})
        db.session.commit()
        return row

    return run


@pytest.fixture()
def review_all(world: dict[str, Any]) -> Callable[..., Any]:  # noqa: F811
    """``review_all(kind, subject_id, "pass"|"reject", reason=None)``: department then school, committed."""

    def run(kind: str, subject_id: int, outcome: str = "pass", reason: str | None = None,
            stages: tuple[str, ...] = ("dept_user", "school_user")) -> None:
        for who in stages:
            item = engine.open_item(kind, subject_id)
            assert item is not None, f"no open {kind} item for {subject_id}"
            engine.decide(world[who], item.id, outcome, reason=reason)
            db.session.commit()
            if outcome != "pass":
                return

    return run


@pytest.fixture()
def grad(world: dict[str, Any], make_graduate: Callable[..., Any]) -> Callable[..., Any]:  # noqa: F811
    """``grad(**graduate_fields)`` → a confirmed graduate of ``world``'s department (no API token)."""
    from wxbackend.core import timeutil

    def make(**kw: Any) -> Any:
        kw.setdefault("major", world["major"])
        kw.setdefault("confirmed_at", timeutil.now())
        return make_graduate(**kw)

    return make


@pytest.fixture()
def signed(employer_user: Callable[..., Any], invite: Callable[..., Any],
           review_all: Callable[..., Any]) -> Callable[..., Any]:
    """``signed(graduate, user=None, reviewers=("dept_user", "school_user"), **terms)`` → an invitation
    accepted and passed at both stages (签约完成); *reviewers* name ``world`` users."""

    def run(graduate: Any, user: Any = None, reviewers: tuple[str, ...] = ("dept_user", "school_user"),
            **terms: Any) -> Any:
        user = user or employer_user()
        row = invite(user, graduate, **terms)
        services.accept(graduate, row.id)
        db.session.commit()
        review_all(services.KIND, row.id, stages=reviewers)
        db.session.refresh(row)
        assert row.status == "signed", row.status
        return row

    return run
