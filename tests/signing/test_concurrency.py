"""Online signing under concurrent requests: ON-4, ON-3, ON-6, ON-8 (协议编号) and OT-4 with real threads.

Each thread runs in its own application context, so it has its own session and connection, as
two requests of the production server would. A ``threading.Barrier`` releases them together.
PostgreSQL-only tests are marked ``postgres`` and skipped on SQLite; the small ON-4 race also
runs on SQLite, whose writers queue on the database lock (WAL + busy_timeout).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.conftest import IS_PG
from tests.factories import credit_code
from tests.signing.conftest import TERMS, count_rows
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Employer, Graduate, User
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.destinations.models import DestinationClaim
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine
from wxbackend.review.models import ReviewItem
from wxbackend.signing import services
from wxbackend.signing.models import AgreementSerial, OnlineAgreement, TerminationRequest

KIND = services.KIND
needs_pg = pytest.mark.skipif(not IS_PG, reason="concurrent writers with row locks need PostgreSQL")
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI)




def _race(app: Any, n: int, work: Callable[[int], Any], timeout: float = 120) -> list[str]:
    """Run ``work(i)`` for i in 0..n-1 in n threads released together; each commits on success.

    Returns one outcome per thread: "ok", the ApiError's code, or the repr of any other exception
    (which the tests treat as a failure: a race must end in a clean refusal).
    """
    barrier = threading.Barrier(n)
    results: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                work(i)
                db.session.commit()
                outcome = "ok"
            except ApiError as err:
                db.session.rollback()
                outcome = err.code
            except Exception as exc:  # noqa: BLE001 - anything else is the bug the test reports
                db.session.rollback()
                outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert len(results) == n
    db.session.expire_all()
    return results


def _employers(n: int) -> list[User]:
    """*n* employer accounts, made in one commit (no password hashing: they never log in here)."""
    users = []
    for i in range(n):
        employer = Employer(name=f"并发测试单位{i}", credit_code=credit_code(700000 + i), unit_nature="31",
                            industry="34", address_region="110102", contact_name="联系人",
                            contact_mobile="13111111111", qualification_status="approved")
        db.session.add(employer)
        db.session.flush()
        user = User(username=f"race-employer-{i}", password_hash="!", display_name=employer.name, role="employer",
                    employer_id=employer.id)
        db.session.add(user)
        users.append(user)
    db.session.commit()
    return users


def _invitations(graduate: Graduate, users: list[User], days: int = 7) -> list[int]:
    ids = [services.invite(user, graduate, days, TERMS).id for user in users]
    db.session.commit()
    return ids


def _graduate(app: Any, graduate_id: int) -> Graduate:
    graduate = db.session.get(Graduate, graduate_id)
    assert graduate is not None
    return graduate


# --- ON-4 / D-1: one graduate accepts many invitations at once ------------------------------------------------


def _accept_race(app: Any, grad: Callable[..., Any], n: int) -> None:
    graduate = grad()
    gid = graduate.id
    ids = _invitations(graduate, _employers(n))

    def accept(i: int) -> None:
        services.accept(_graduate(app, gid), ids[i])

    results = _race(app, n, accept)
    assert results.count("ok") == 1, results
    refusals = [r for r in results if r != "ok"]
    assert set(refusals) <= {"signed_elsewhere", "destination_exists", "not_waiting"}, refusals
    assert count_rows(OnlineAgreement, OnlineAgreement.graduate_id == gid, OnlineAgreement.status == "reviewing") == 1
    assert count_rows(OnlineAgreement, OnlineAgreement.graduate_id == gid, OnlineAgreement.status == "waiting") == n - 1
    assert count_rows(DestinationClaim, DestinationClaim.graduate_id == gid) == 1
    claim = db.session.get(DestinationClaim, gid)
    winner = db.session.scalar(select(OnlineAgreement).where(OnlineAgreement.graduate_id == gid,
                                                             OnlineAgreement.status == "reviewing"))
    assert claim is not None and winner is not None and (claim.kind, claim.subject_id) == (KIND, winner.id)
    assert count_rows(ReviewItem, ReviewItem.graduate_id == gid, ReviewItem.status == "pending") == 1
    assert engine.open_item(KIND, winner.id) is not None


@pytest.mark.postgres
@needs_pg
def test_on_4_fifty_simultaneous_accepts_end_with_exactly_one(app: Any, grad: Callable[..., Any]) -> None:
    """ON-4 / D-1 under concurrency: 50 threads accept 50 invitations (50 employers) of one graduate at once →
    exactly one accepted (reviewing), 49 Conflicts, one destination_claim row, one open review item."""
    _accept_race(app, grad, 50)


def test_on_4_eight_simultaneous_accepts_end_with_exactly_one(app: Any, grad: Callable[..., Any]) -> None:
    """ON-4 / D-1 under concurrency, small: 8 threads, on SQLite too (writers wait for the database lock)."""
    _accept_race(app, grad, 8)


def test_on_3_double_click_accept_answers_once(app: Any, grad: Callable[..., Any]) -> None:
    """ON-3: two devices accepting the same invitation at once → one answer, one review item, one claim."""
    graduate = grad()
    gid = graduate.id
    (aid,) = _invitations(graduate, _employers(1))
    results = _race(app, 4, lambda i: services.accept(_graduate(app, gid), aid))
    assert results.count("ok") == 1, results
    # Depending on where a loser meets the winner: the answered row, or the claim the winner holds.
    assert set(results) - {"ok"} <= {"not_waiting", "destination_exists"}, results
    row = db.session.get(OnlineAgreement, aid)
    assert row is not None and row.status == "reviewing" and row.version == 2
    assert count_rows(ReviewItem, ReviewItem.subject_id == aid, ReviewItem.kind == KIND) == 1
    assert count_rows(DestinationClaim, DestinationClaim.graduate_id == gid) == 1


# --- ON-8: 协议编号 under concurrency --------------------------------------------------------------------------


@pytest.mark.postgres
@needs_pg
def test_on_8_agreement_numbers_unique_under_concurrent_school_passes(
        app: Any, grad: Callable[..., Any], world: dict[str, Any]) -> None:
    """ON-8: 20 agreements of one school passed at school stage by 20 threads at once → 20 distinct 协议编号,
    serials 1..20."""
    n = 20
    users = _employers(n)
    item_ids = []
    for user in users:
        graduate = grad()
        row = services.invite(user, graduate, 7, TERMS)
        db.session.commit()
        services.accept(graduate, row.id)
        db.session.commit()
        item = engine.open_item(KIND, row.id)
        assert item is not None
        engine.decide(world["dept_user"], item.id, "pass")
        db.session.commit()
        item_ids.append(item.id)
    school_user_id = world["school_user"].id

    def school_pass(i: int) -> None:
        user = db.session.get(User, school_user_id)
        assert user is not None
        engine.decide(user, item_ids[i], "pass")

    results = _race(app, n, school_pass)
    assert results == ["ok"] * n, results
    rows = list(db.session.scalars(select(OnlineAgreement)))
    assert {r.status for r in rows} == {"signed"}
    numbers = [r.agreement_no for r in rows]
    assert len(set(numbers)) == n and all(numbers)
    year = datetime.now(SHANGHAI).year
    prefix = f"{year}4{int(world['school'].code):05d}"
    assert {no[:10] for no in numbers} == {prefix}  # type: ignore[index]
    assert sorted(int(no[10:]) for no in numbers) == list(range(1, n + 1))  # type: ignore[index]
    serial = db.session.get(AgreementSerial, (world["school"].id, year, "4"))
    assert serial is not None and serial.last == n


# --- ON-6: the same employer inviting twice at once --------------------------------------------------------------


@pytest.mark.postgres
@needs_pg
def test_on_6_simultaneous_invitations_by_one_employer_create_one(app: Any, grad: Callable[..., Any]) -> None:
    """ON-6 under concurrency: 6 simultaneous invitations of one employer to one graduate → one row."""
    graduate = grad()
    gid = graduate.id
    (user,) = _employers(1)
    uid = user.id

    def send(i: int) -> None:
        services.invite(db.session.get(User, uid), _graduate(app, gid), 3, TERMS)  # type: ignore[arg-type]

    results = _race(app, 6, send)
    assert sorted(results) == ["already_invited"] * 5 + ["ok"], results
    assert count_rows(OnlineAgreement, OnlineAgreement.graduate_id == gid) == 1
    assert count_rows(NotificationOutbox, NotificationOutbox.kind == "invitation_received") == 1


# --- ON-3 stale-guard: the expiry job racing an answer -----------------------------------------------------------


def _someone_waits_for_a_lock(timeout: float = 15) -> bool:
    """True once another backend of this database is blocked on a lock (PostgreSQL), polling up to *timeout*."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        waiting = db.session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))
        db.session.rollback()
        if waiting:
            return True
        time.sleep(0.05)
    return False


def _hold_accept_then_run_job(app: Any, gid: int, aid: int, job_at: datetime) -> dict[str, Any]:
    """Thread A accepts and holds its transaction open; thread B runs the expiry job meanwhile; A commits."""
    accepted, release = threading.Event(), threading.Event()
    out: dict[str, Any] = {}

    def answer() -> None:
        with app.app_context():
            try:
                services.accept(_graduate(app, gid), aid)
                accepted.set()
                release.wait(timeout=30)
                db.session.commit()
                out["accept"] = "ok"
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                out["accept"] = getattr(exc, "code", repr(exc))
                accepted.set()
            finally:
                db.session.remove()

    def job() -> None:
        with app.app_context():
            try:
                out["expired"] = services.expire_due(job_at)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                out["expired"] = repr(exc)
            finally:
                db.session.remove()

    a = threading.Thread(target=answer)
    a.start()
    assert accepted.wait(timeout=30)
    b = threading.Thread(target=job)
    b.start()
    out["job_blocked"] = _someone_waits_for_a_lock()  # the job waits for the accepting transaction's row lock
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    db.session.expire_all()
    return out


@pytest.mark.postgres
@needs_pg
def test_on_3_stale_guard_job_waiting_on_an_open_accept_does_not_overwrite_it(
        app: Any, grad: Callable[..., Any], frozen_now: Callable[..., Any]) -> None:
    """ON-3 stale-guard: the graduate accepts one second before the deadline; the job (run just after it) reads
    the row as waiting but its UPDATE re-checks the status once the answer commits → nothing expired, no message."""
    frozen_now(T0)
    graduate = grad()
    (aid,) = _invitations(graduate, _employers(1), days=3)
    deadline = datetime(2026, 4, 5, tzinfo=SHANGHAI)
    frozen_now(deadline - timedelta(seconds=1))
    out = _hold_accept_then_run_job(app, graduate.id, aid, deadline + timedelta(seconds=1))
    assert out == {"accept": "ok", "expired": 0, "job_blocked": True}
    row = db.session.get(OnlineAgreement, aid)
    assert row is not None and row.status == "reviewing" and row.expired_at is None
    assert count_rows(NotificationOutbox, NotificationOutbox.kind == "invitation_expired") == 0


@pytest.mark.postgres
@needs_pg
def test_on_3_answer_racing_a_committed_job_is_refused(
        app: Any, grad: Callable[..., Any], frozen_now: Callable[..., Any]) -> None:
    """ON-3: when the job marks the row first (its transaction open), a concurrent answer that still read it
    as waiting ends in a clean Conflict once the job commits; one message, status expired."""
    frozen_now(T0)
    graduate = grad()
    gid = graduate.id
    (aid,) = _invitations(graduate, _employers(1), days=3)
    deadline = datetime(2026, 4, 5, tzinfo=SHANGHAI)
    expired, release = threading.Event(), threading.Event()
    out: dict[str, Any] = {}

    def job() -> None:
        with app.app_context():
            out["expired"] = services.expire_due(deadline)
            expired.set()
            release.wait(timeout=30)
            db.session.commit()
            db.session.remove()

    def answer() -> None:
        with app.app_context():
            try:
                services.accept(_graduate(app, gid), aid)
                db.session.commit()
                out["accept"] = "ok"
            except ApiError as err:
                db.session.rollback()
                out["accept"] = err.code
            finally:
                db.session.remove()

    # The graduate's clock is one second before the deadline; the job's transaction is already open.
    frozen_now(deadline - timedelta(seconds=1))
    b = threading.Thread(target=job)
    b.start()
    assert expired.wait(timeout=30)
    a = threading.Thread(target=answer)
    a.start()
    blocked = _someone_waits_for_a_lock()  # the answer waits for the job's row lock
    release.set()
    b.join(timeout=30)
    a.join(timeout=30)
    db.session.expire_all()
    assert blocked and out == {"expired": 1, "accept": "not_waiting"}
    row = db.session.get(OnlineAgreement, aid)
    assert row is not None and row.status == "expired"
    assert services.fan_out_pending() == 1  # the job's second transaction: the one message
    db.session.commit()
    assert count_rows(NotificationOutbox, NotificationOutbox.kind == "invitation_expired") == 1
    assert count_rows(DestinationClaim, DestinationClaim.graduate_id == gid) == 0


# --- OT-4: one open termination request ---------------------------------------------------------------------------


@pytest.mark.postgres
@needs_pg
def test_ot_4_ten_simultaneous_termination_requests_create_one(
        app: Any, grad: Callable[..., Any], employer_user: Callable[..., Any], signed: Callable[..., Any]) -> None:
    """OT-4 under concurrency: 10 threads (graduate and employer alternately) start a termination at once →
    exactly one request, 9 termination_open refusals."""
    graduate = grad()
    employer = employer_user()
    row = signed(graduate, employer)
    gid, uid, aid = graduate.id, employer.id, row.id

    def start(i: int) -> None:
        agreement = db.session.get(OnlineAgreement, aid)
        assert agreement is not None
        if i % 2:
            user = db.session.get(User, uid)
            services.start_termination("employer", actor_for(user), agreement, "07", None,  # type: ignore[arg-type]
                                       user=user)
        else:
            services.start_termination("graduate", actor_for(_graduate(app, gid)), agreement, "04", "个人原因")

    results = _race(app, 10, start)
    assert sorted(results) == ["ok"] + ["termination_open"] * 9, results
    assert count_rows(TerminationRequest, TerminationRequest.agreement_id == aid) == 1


@pytest.mark.postgres
@needs_pg
def test_ot_2_answer_and_cancel_at_once_give_one_outcome(
        app: Any, grad: Callable[..., Any], employer_user: Callable[..., Any], signed: Callable[..., Any]) -> None:
    """OT-2 / cancel: the employer accepting while the graduate cancels → exactly one of them happens."""
    graduate = grad()
    employer = employer_user()
    row = signed(graduate, employer)
    req = services.start_termination("graduate", actor_for(graduate), row, "04", None)
    db.session.commit()
    gid, uid, rid = graduate.id, employer.id, req.id

    def act(i: int) -> None:
        request = services.get_termination(rid)
        if i == 0:
            services.cancel_termination("graduate", actor_for(_graduate(app, gid)), request)
        else:
            user = db.session.get(User, uid)
            services.answer_termination("employer", actor_for(user), request, True)  # type: ignore[arg-type]

    results = _race(app, 2, act)
    assert sorted(results) == ["not_waiting", "ok"], results
    fresh = db.session.get(TerminationRequest, rid)
    assert fresh is not None and fresh.status in ("cancelled", "reviewing")
    open_items = count_rows(ReviewItem, ReviewItem.kind == services.TERMINATION_KIND, ReviewItem.status == "pending")
    assert open_items == (1 if fresh.status == "reviewing" else 0)
