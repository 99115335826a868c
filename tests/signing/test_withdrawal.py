"""ON-11 (the employer withdraws a waiting invitation) and ON-12 (the graduate's optional decline reason)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.signing.conftest import refused
from tests.signing.test_concurrency import _employers, _graduate, _invitations, _race
from wxbackend.core.db import db
from wxbackend.core.errors import Conflict
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import history
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement


def test_on_11_employer_withdraws_a_waiting_invitation(graduate_api: Any, employer_user: Callable[..., Any],
                                                       invite: Callable[..., Any]) -> None:
    """ON-11: 撤回 before the answer → 已撤回; the graduate cannot answer it and is told; the employer may invite
    again."""
    graduate, api = graduate_api()
    user = employer_user()
    row = invite(user, graduate)
    services.withdraw_invitation(user, row.id)
    db.session.commit()
    assert row.status == "withdrawn" and row.withdrawn_at is not None
    entry = api.get(f"/agreements/{row.id}").get_json()
    assert entry["status"] == "withdrawn" and entry["status_label"] == "已撤回"
    assert entry["can_answer"] is False and "已撤回" in entry["answer_refusal"]
    for action in ("accept", "decline"):
        resp = api.post(f"/agreements/{row.id}/{action}")
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_waiting"
    assert [e.action for e in history.timeline(services.KIND, row.id)] == ["invite", "withdraw"]
    kinds = [n.kind for n in db.session.query(NotificationOutbox).filter_by(graduate_id=graduate.id)]
    assert "invitation_withdrawn" in kinds
    again = invite(user, graduate)  # ON-6: no longer waiting, so a new invitation is allowed
    assert again.id != row.id and again.status == "waiting"


def test_on_11_only_a_waiting_invitation_of_ones_own_can_be_withdrawn(
        graduate_api: Any, employer_user: Callable[..., Any], invite: Callable[..., Any]) -> None:
    """ON-11: an answered invitation cannot be withdrawn; another employer's is not found."""
    graduate, api = graduate_api()
    user, other = employer_user(), employer_user()
    row = invite(user, graduate)
    refused(lambda: services.withdraw_invitation(other, row.id), "not_found")
    api.post(f"/agreements/{row.id}/accept")
    err = refused(lambda: services.withdraw_invitation(user, row.id), "not_waiting", Conflict)
    assert "签约审核中" in err.message
    db.session.refresh(row)
    assert row.status == "reviewing"


def test_on_11_withdrawal_racing_the_graduates_accept_has_one_winner(app: Any, grad: Callable[..., Any]) -> None:
    """ON-11 under concurrency: a withdrawal and an accept at once → exactly one of them takes effect."""
    graduate = grad()
    gid = graduate.id
    (user,) = _employers(1)
    uid = user.id
    (aid,) = _invitations(graduate, [user])

    def work(i: int) -> None:
        if i == 0:
            from wxbackend.accounts.models import User
            services.withdraw_invitation(db.session.get(User, uid), aid)
        else:
            services.accept(_graduate(app, gid), aid)

    results = _race(app, 2, work)
    assert results.count("ok") == 1, results
    assert set(results) - {"ok"} <= {"not_waiting", "destination_exists"}, results
    row = db.session.get(OnlineAgreement, aid)
    assert row is not None and row.status in ("withdrawn", "reviewing") and row.version == 2


def test_on_12_decline_with_a_reason_the_employer_sees(graduate_api: Any, employer_user: Callable[..., Any],
                                                       invite: Callable[..., Any]) -> None:
    """ON-12: the graduate may say why they decline; the reason is kept on the agreement and in its history."""
    graduate, api = graduate_api()
    user = employer_user()
    row = invite(user, graduate)
    resp = api.post(f"/agreements/{row.id}/decline", json={"reason": "  已选择继续深造  "})
    assert resp.status_code == 200 and resp.get_json()["status"] == "declined"
    db.session.refresh(row)
    assert row.decline_reason == "已选择继续深造"
    assert api.get(f"/agreements/{row.id}").get_json()["decline_reason"] == "已选择继续深造"
    (event,) = [e for e in history.timeline(services.KIND, row.id) if e.action == "decline"]
    assert event.reason == "已选择继续深造"
    # the employer's view of the same agreement carries it
    assert services.get_for_employer(user, row.id).decline_reason == "已选择继续深造"


def test_on_12_decline_reason_is_optional_and_limited(graduate_api: Any, employer_user: Callable[..., Any],
                                                      invite: Callable[..., Any]) -> None:
    """ON-12: no reason is fine; a reason over 200 characters is refused with a field error and nothing changes."""
    graduate, api = graduate_api()
    user = employer_user()
    row = invite(user, graduate)
    resp = api.post(f"/agreements/{row.id}/decline", json={"reason": "长" * 201})
    assert resp.status_code == 400
    body = resp.get_json()["error"]
    assert body["code"] == "invalid_fields" and "200" in body["fields"]["reason"]
    db.session.refresh(row)
    assert row.status == "waiting"
    second = invite(employer_user(), graduate)
    assert api.post(f"/agreements/{second.id}/decline", json={}).status_code == 200
    db.session.refresh(second)
    assert second.status == "declined" and second.decline_reason is None
