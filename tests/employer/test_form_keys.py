"""One-time form keys on the employer portal's create forms: a double POST creates once (core.once)."""

from __future__ import annotations

from sqlalchemy import select

from tests.console.test_form_keys import count, form_key
from tests.employer import test_portal as portal_tests
from tests.employer.test_portal import REGISTRATION, _find, _send, _signed, _token
from wxbackend.accounts.models import Employer
from wxbackend.core.db import db
from wxbackend.signing.models import OnlineAgreement, TerminationRequest

# The portal tests' fixtures (a school with reviewers, graduates with API tokens, a logged-in employer).
world = portal_tests.world
graduate_api = portal_tests.graduate_api
employer_user = portal_tests.employer_user
invite = portal_tests.invite
review_all = portal_tests.review_all
login = portal_tests.login
portal = portal_tests.portal


def test_registration_submitted_twice_registers_once(client, csrf_off) -> None:
    data = {**REGISTRATION, "form_key": form_key(client.get("/employer/register").get_data(as_text=True))}
    first = client.post("/employer/register", data=data)
    second = client.post("/employer/register", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(Employer) == 1


def test_on_2_invitation_submitted_twice_sends_one_invitation(client, portal, graduate_api, csrf_off) -> None:
    graduate, _api = graduate_api()
    portal()
    page = _find(client, graduate.name, graduate.id_number).get_data(as_text=True)
    token, key = _token(page), form_key(page)
    first = _send(client, token, form_key=key)
    second = _send(client, token, form_key=key)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(OnlineAgreement) == 1
    assert "请勿重复提交" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_ot_1_termination_submitted_twice_starts_one_request(client, portal, graduate_api, invite, review_all,
                                                             csrf_off) -> None:
    user = portal()
    graduate, _ = graduate_api()
    row = _signed(graduate, user, invite, review_all)
    key = form_key(client.get(f"/employer/agreements/{row.id}").get_data(as_text=True))
    data = {"reason": "05", "explanation": "", "form_key": key}
    first = client.post(f"/employer/agreements/{row.id}/terminations", data=data)
    second = client.post(f"/employer/agreements/{row.id}/terminations", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    db.session.expire_all()
    assert len(db.session.scalars(select(TerminationRequest)).all()) == 1
