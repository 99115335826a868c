"""A reported and confirmed graduate, ready for 核验授权."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.confirmation.conftest import reported  # noqa: F401 - the fixture
from tests.transfers.conftest import grad, reg_world  # noqa: F401 - the fixtures
from wxbackend.confirmation import services as confirmation
from wxbackend.core.db import db


@pytest.fixture()
def confirmed(reported: Callable[..., Any]) -> Callable[..., Any]:  # noqa: F811
    def make(**kw: Any) -> Any:
        g = reported(**kw)
        confirmation.confirm(g)
        db.session.commit()
        return g

    return make
