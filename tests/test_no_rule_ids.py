"""Rule IDs (ON-3, OT-5, D-1, …) are for the code and the API description, never for the pages users read."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from tests.console.conftest import org  # noqa: F401 - fixture
from tests.console.test_signing_console import TERMS, _employer, _signed
from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.destinations import services as destinations
from wxbackend.review import engine
from wxbackend.signing import services as signing

RULE_ID = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}-\d+(?![0-9])")
#: Tokens of that shape that are not rule IDs.
NOT_RULES = {"UTF-8"}


class _Visible(HTMLParser):
    """Text a user sees: text nodes outside script/style, plus title, placeholder, alt and button values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "alt", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def rule_ids(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return [m for m in RULE_ID.findall(" ".join(parser.parts)) if m not in NOT_RULES]


def _assert_clean(client: Any, paths: list[str]) -> None:
    for path in paths:
        res = client.get(path)
        assert res.status_code == 200, (path, res.status_code)
        assert rule_ids(res.get_data(as_text=True)) == [], path


def test_the_checker_sees_a_rule_id_in_text_but_not_in_scripts() -> None:
    assert rule_ids("<p>可联系对方（OT-5）</p>") == ["OT-5"]
    assert rule_ids("<script>/* ON-2 */</script><p>UTF-8 编码</p><!-- D-1 -->") == []


def test_console_pages_show_no_rule_ids(client, org, make_graduate, make_employer, make_user,  # noqa: F811
                                        staff_login) -> None:
    employer = _employer(make_employer, make_user)
    signed = make_graduate(org.major_a, name="王堃", confirmed_at=timeutil.now())
    row = _signed(org, signed, employer)
    signing.start_termination("employer", actor_for(employer), row, "05", None, user=employer)
    waiting = make_graduate(org.major_a, name="李玥", confirmed_at=timeutil.now())
    agreement = signing.invite(employer, waiting, 5, TERMS)
    db.session.commit()
    signing.accept(waiting, agreement.id)
    other = make_graduate(org.major_a, name="张喆", confirmed_at=timeutil.now())
    record = destinations.create(other, "labour_contract", LABOUR_FIELDS)
    db.session.commit()
    destinations.add_proof(actor_for(other), record, jpeg_bytes(), "合同.jpg")
    destinations.submit(other, record)
    db.session.commit()
    items = [engine.open_item(signing.KIND, agreement.id), engine.open_item(destinations.KIND, record.id)]
    for user in (org.dept_a_user, org.school_user):
        staff_login(user)
        _assert_clean(client, ["/console/", "/console/graduates", "/console/review", "/console/terminations",
                               *(f"/console/graduates/{g.id}" for g in (signed, waiting, other))])
        if user is org.dept_a_user:
            _assert_clean(client, [f"/console/review/items/{i.id}" for i in items])
    _assert_clean(client, ["/console/imports", "/console/graduates/new"])


def test_employer_pages_show_no_rule_ids(client, org, make_graduate, make_employer, make_user,  # noqa: F811
                                         csrf_off) -> None:
    _assert_clean(client, ["/employer/login", "/employer/register"])
    employer = _employer(make_employer, make_user)
    graduate = make_graduate(org.major_a, name="王堃", confirmed_at=timeutil.now())
    row = _signed(org, graduate, employer)
    res = client.post("/employer/login", data={"username": employer.username, "password": "secret-pass-1"})
    assert res.status_code == 302
    _assert_clean(client, ["/employer/", "/employer/invite", "/employer/account", f"/employer/agreements/{row.id}"])


def test_graduate_pages_show_no_rule_ids(client, org, make_graduate, make_local_account,  # noqa: F811
                                         csrf_off) -> None:
    _assert_clean(client, ["/login"])
    graduate = make_graduate(org.major_a, name="王堃")
    account = make_local_account(id_number=graduate.id_number)
    assert client.post("/login", data={"username": account.username, "password": "chsi-pass-1"}).status_code == 302
    _assert_clean(client, ["/graduate/"])
    graduate.confirmed_at = timeutil.now()
    db.session.commit()
    _assert_clean(client, ["/graduate/"])
