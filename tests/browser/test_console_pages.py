"""Console pages in Chromium: messages a reviewer must see without a dialog."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in
from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.destinations import services


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    return {"JOBS_MODE": "thread", "REDIS_URL": ""}


def test_batch_pass_with_nothing_ticked_says_so_on_the_page(live_server, page, make_school, make_department,
                                                            make_major, make_graduate, make_user) -> None:
    school = make_school()
    dept = make_department(school, code="A01", name="计算机学院")
    graduate = make_graduate(make_major(dept, code="080901"), name="陈诚", confirmed_at=timeutil.now())
    record = services.create(graduate, "labour_contract", LABOUR_FIELDS)
    db.session.commit()
    services.add_proof(actor_for(graduate), record, jpeg_bytes(), "合同.jpg")
    services.submit(graduate, record)
    db.session.commit()
    user = make_user("department", school_id=school.id, department_id=dept.id)
    sign_in(page, live_server, user.username)
    page.goto(live_server + "/console/review")
    message = page.locator("#batch-message")
    assert not message.is_visible()
    page.click("#batch-pass")
    message.wait_for(state="visible")
    assert "请先勾选要通过的记录" in message.inner_text()
    assert page.url == live_server + "/console/review"  # nothing was sent
