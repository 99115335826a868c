"""Shared pieces of the offline-signing tests: a complete fig. 21 form, and driving both reviews."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wxbackend.core.db import db
from wxbackend.review import engine
from wxbackend.signing import offline
from wxbackend.signing.forms import EXAMPLE_TERMS

#: The guide's example unit (fig. 27) with a mobile for the SMS link, and the example invitation's terms.
UNIT: dict[str, Any] = {
    "unit_name": "学信咨询服务有限公司",
    "credit_code": "91110108749352307A",
    "unit_nature": "31",
    "industry": "34",
    "address_region": "110102",
    "address_detail": "西直门外大街18号",
    "contact_name": "李经理",
    "contact_phone": "010-11111111",
    "contact_mobile": "13111111111",
    "contact_email": "hr@example.com",
}
FORM: dict[str, Any] = {**UNIT, **{k: v for k, v in EXAMPLE_TERMS.items() if v not in (None, "")}}


def review_phase(world: dict[str, Any], review_kind: str, record_id: int, outcome: str = "pass",
                 reason: str | None = None, stages: tuple[str, ...] = ("dept_user", "school_user")) -> None:
    """Department then school decide the open item of *review_kind*; committed after each."""
    for who in stages:
        item = engine.open_item(review_kind, record_id)
        assert item is not None, f"no open {review_kind} item for {record_id}"
        engine.decide(world[who], item.id, outcome, reason=reason)
        db.session.commit()
        if outcome != "pass":
            return


@pytest.fixture()
def applied(world: dict[str, Any]) -> Callable[..., Any]:  # noqa: F811 - world comes from the signing conftest
    """``applied(graduate, mode="eagreement", **fields)`` → a submitted application (committed)."""

    def run(graduate: Any, mode: str = "eagreement", **fields: Any) -> Any:
        record = offline.create(graduate, mode, {**FORM, **fields})
        db.session.commit()
        offline.submit(graduate, record)
        db.session.commit()
        return record

    return run
