"""A graduate whose destination and archive info the school reported (for confirmation and verification)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.destinations.helpers import LABOUR_FIELDS
from tests.transfers.conftest import ARCHIVE, grad, reg_world  # noqa: F401 - the fixtures
from wxbackend.core.db import db
from wxbackend.destinations import services as destinations
from wxbackend.reporting import services as reporting
from wxbackend.transfers import registration

ERROR_FORM = {"destination": "changed", "destination_explanation": "已改签另一家单位", "mobile": "13912345678"}


def _labour(graduate: Any, **fields: Any) -> Any:
    record = destinations.create(graduate, "labour_contract", {**LABOUR_FIELDS, **fields})
    destinations.claim(graduate.id, destinations.KIND, record.id)
    db.session.commit()
    return record


def _report(world: dict[str, Any]) -> Any:
    batch = reporting.report(world["school_user"], world["school"].id, 2027)
    db.session.commit()
    return batch


@pytest.fixture()
def reported(grad: Callable[..., Any], reg_world: dict[str, Any]) -> Callable[..., Any]:  # noqa: F811
    """``reported(**fields)`` → a graduate with a labour contract and archive info, reported by the school."""

    def make(**kw: Any) -> Any:
        g = grad(**kw)
        _labour(g)
        registration.enter_directly(reg_world["school_user"], g, "archive", ARCHIVE)
        db.session.commit()
        _report(reg_world)
        return g

    return make
