"""Benchmark the graduate's destination home and the reviewers' queue on 10,000 graduates with records.

    .venv/bin/python bench/records_bench.py [--graduates 10000] [--requests 200]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wx_bench .venv/bin/python bench/records_bench.py

Seeds one school (20 departments) with N graduates in bulk SQL: most have an other-destination
record under review (department or school stage), some approved, returned or voided, each
with its review items and history events; one graduate has 30 records. Those without a record
have a signed online agreement, every third also an open termination request and a declined
invitation. Then it times, through
the real WSGI app (Flask test client, no network):

* ``GET /api/v1/destination`` (the graduate home: entries and 登记记录) for random graduates
  and for the one with 30 records;
* ``GET /console/review`` for a department reviewer and for the school reviewer, first page
  and a filtered page;

and prints median and p95 latency and the SQL statements per request. SQLite always; the
PostgreSQL database named by BENCH_DATABASE_URL is DROPPED and re-created when given.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select  # noqa: E402

from bench.import_bench import fresh_postgres, id_number  # noqa: E402

DEPARTMENTS = 20
CHUNK = 2000


def seed(app: Any, graduates: int) -> dict[str, Any]:
    """Bulk-insert the school, reviewers, graduates, records, review items and events."""
    from wxbackend.accounts.models import Department, Graduate, Major, School, User
    from wxbackend.auth import tokens
    from wxbackend.core import timeutil
    from wxbackend.core.db import db
    from wxbackend.destinations.models import DestinationClaim, OtherDestination
    from wxbackend.review.models import ReviewEvent, ReviewItem

    rng = random.Random(7)
    now = timeutil.now()
    with app.app_context():
        school = School(code="10001", name="基准大学")
        db.session.add(school)
        db.session.flush()
        depts, majors = [], []
        for d in range(DEPARTMENTS):
            dept = Department(school_id=school.id, code=f"{d:02d}", name=f"第{d + 1}学院")
            db.session.add(dept)
            db.session.flush()
            depts.append(dept)
            for m in range(2):
                major = Major(school_id=school.id, department_id=dept.id, code=f"08{d:02d}{m:02d}", name=f"专业{d}-{m}")
                db.session.add(major)
                majors.append(major)
        db.session.flush()
        school_user = User(username="school", display_name="学校", role="school", school_id=school.id)
        dept_user = User(username="dept00", display_name="院系", role="department", school_id=school.id,
                         department_id=depts[0].id)
        for u in (school_user, dept_user):
            u.set_password("bench-pass-1")
        db.session.add_all([school_user, dept_user])
        db.session.commit()

        rows = []
        for n in range(1, graduates + 1):
            major = majors[n % len(majors)]
            rows.append(dict(
                school_id=school.id, department_id=major.department_id, major_id=major.id, name=f"学生{n}",
                id_number=id_number(n), education="31", gender="1", ethnicity="01", political_status="03",
                training_mode="1", origin_region="110101", enrol_ym="202209", graduate_ym="202606",
                student_no=f"S{n:06d}", schooling_years=4, confirmed_at=now, created_at=now, updated_at=now,
            ))
        for i in range(0, len(rows), CHUNK):
            db.session.execute(insert(Graduate), rows[i:i + CHUNK])
        db.session.commit()
        grads = db.session.execute(select(Graduate.id, Graduate.department_id).order_by(Graduate.id)).all()

        records: list[dict[str, Any]] = []
        plan: list[tuple[int, int, str]] = []  # (graduate, department, state)
        heavy = grads[0]
        for gid, dept_id in grads:
            extra = 29 if gid == heavy[0] else (1 if rng.random() < 0.3 else 0)
            plan.extend((gid, dept_id, "voided") for _ in range(extra))
            roll = rng.random()
            state = ("department" if roll < 0.4 else "school" if roll < 0.6 else "approved" if roll < 0.8
                     else "returned" if roll < 0.9 else None)
            if state:
                plan.append((gid, dept_id, state))
        for gid, dept_id, state in plan:
            status = {"department": "pending", "school": "pending"}.get(state, state)
            records.append(dict(
                graduate_id=gid, school_id=school.id, department_id=dept_id, subkind="job_seeking",
                group="unemployed", destination_code="70", fields={}, status=status, created_at=now, updated_at=now,
                submitted_at=now - timedelta(minutes=rng.randint(1, 60 * 24 * 30)),
                approved_at=now if state in ("approved", "voided") else None,
                voided_at=now if state == "voided" else None, version=3,
            ))
        for i in range(0, len(records), CHUNK):
            db.session.execute(insert(OtherDestination), records[i:i + CHUNK])
        db.session.commit()
        saved = db.session.execute(select(OtherDestination.id, OtherDestination.graduate_id,
                                          OtherDestination.department_id, OtherDestination.status,
                                          OtherDestination.submitted_at).order_by(OtherDestination.id)).all()
        items, claims = [], []
        for (rid, gid, dept_id, _status, submitted), (_, _, state) in zip(saved, plan, strict=True):
            stage = {"department": "department", "school": "school", "returned": "department"}.get(state, "done")
            item_status = {"department": "pending", "school": "pending", "returned": "returned"}.get(state, "approved")
            items.append(dict(school_id=school.id, department_id=dept_id, graduate_id=gid, kind="other_destination",
                              subject_id=rid, stage=stage, status=item_status, allow_return=True,
                              submitted_at=submitted, decided_at=None, last_reason="材料不全" if state == "returned"
                              else None, version=2))
            if state != "voided":
                claims.append(dict(graduate_id=gid, kind="other_destination", subject_id=rid, claimed_at=now))
        for i in range(0, len(items), CHUNK):
            db.session.execute(insert(ReviewItem), items[i:i + CHUNK])
        for i in range(0, len(claims), CHUNK):
            db.session.execute(insert(DestinationClaim), claims[i:i + CHUNK])
        db.session.commit()
        item_rows = db.session.execute(select(ReviewItem.id, ReviewItem.stage, ReviewItem.status)
                                       .order_by(ReviewItem.id)).all()
        events = []
        for item_id, stage, status in item_rows:
            actions = [("submit", "graduate", None)]
            if stage == "school" or status == "approved":
                actions.append(("pass", "department", None))
            if status == "approved":
                actions.append(("pass", "school", None))
            if status == "returned":
                actions.append(("return", "department", "材料不全"))
            for action, role, reason in actions:
                events.append(dict(item_id=item_id, at=now, actor_type="staff" if role != "graduate" else "graduate",
                                   actor_id=None, actor_name=None, role=role, action=action, from_stage=None,
                                   to_stage=None, from_status=None, to_status=None, reason=reason, changes={}))
        for i in range(0, len(events), CHUNK):
            db.session.execute(insert(ReviewEvent), events[i:i + CHUNK])
        db.session.commit()
        signed_ids = _agreements(school.id, [(g, d) for (g, d), (_, _, st) in zip(grads, _states(plan, grads),
                                                                                    strict=True) if st is None], now)
        sample = rng.sample([g for g, _ in grads], min(200, len(grads)))
        token_of = {}
        for gid in {*sample, heavy[0], *signed_ids[:50]}:
            token, _ = tokens.issue(db.session.get(Graduate, gid))
            token_of[gid] = token
        db.session.commit()
        counts = {"graduates": len(grads), "records": len(records), "items": len(items), "events": len(events),
                  "signed with a termination open": len(signed_ids)}
        return {"tokens": token_of, "sample": sample, "heavy": heavy[0], "counts": counts,
                "signed": signed_ids[:50],
                "dept0": depts[0].id, "dept1": depts[1].id}


def _states(plan: list[tuple[int, int, str]], grads: list[Any]) -> list[tuple[int, int, str | None]]:
    """Each graduate's current record state in *plan* (None: no record), in the order of *grads*."""
    current: dict[int, str] = {}
    for gid, _dept, state in plan:
        if state != "voided":
            current[gid] = state
    return [(g, d, current.get(g)) for g, d in grads]


def _agreements(school_id: int, free: list[tuple[int, int]], now: Any) -> list[int]:
    """Signed online agreements for the graduates without another destination, every third with an
    open termination request from the employer and a second, declined invitation (their home lists all)."""
    from wxbackend.accounts.models import Employer, User
    from wxbackend.core.db import db
    from wxbackend.destinations.models import DestinationClaim
    from wxbackend.signing.forms import EXAMPLE_TERMS
    from wxbackend.signing.models import OnlineAgreement, TerminationRequest

    employer = Employer(name="基准科技有限公司", credit_code="91110108749352307A", qualification_status="approved")
    db.session.add(employer)
    db.session.flush()
    user = User(username="employer", display_name="基准科技", role="employer", employer_id=employer.id)
    user.set_password("bench-pass-1")
    db.session.add(user)
    db.session.flush()
    base = dict(employer_id=employer.id, school_id=school_id, invited_by_user_id=user.id, invited_at=now,
                response_days=7, deadline=now + timedelta(days=7), terms=dict(EXAMPLE_TERMS), employer_info={},
                unit_name=employer.name, credit_code=employer.credit_code, updated_at=now, version=3)
    rows = []
    for n, (gid, dept) in enumerate(free):
        rows.append(dict(base, graduate_id=gid, department_id=dept, status="signed", answered_at=now, signed_at=now,
                         agreement_no=f"2026410001{n:09d}"))
        if n % 3 == 0:
            rows.append(dict(base, graduate_id=gid, department_id=dept, status="declined", answered_at=now,
                             agreement_no=None, decline_reason="已有其他安排"))
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(OnlineAgreement), rows[i:i + CHUNK])
    db.session.commit()
    signed = db.session.execute(select(OnlineAgreement.id, OnlineAgreement.graduate_id, OnlineAgreement.department_id)
                                .where(OnlineAgreement.status == "signed").order_by(OnlineAgreement.id)).all()
    claims = [dict(graduate_id=g, kind="online_agreement", subject_id=a, claimed_at=now) for a, g, _ in signed]
    terminations = [dict(agreement_id=a, graduate_id=g, employer_id=employer.id, school_id=school_id,
                         department_id=d, initiator="employer", initiator_user_id=user.id, reason_code="05",
                         explanation="岗位调整", status="waiting", created_at=now, version=1)
                    for n, (a, g, d) in enumerate(signed) if n % 3 == 0]
    for batch in (claims, terminations):
        model = DestinationClaim if batch is claims else TerminationRequest
        for i in range(0, len(batch), CHUNK):
            db.session.execute(insert(model), batch[i:i + CHUNK])
    db.session.commit()
    return [g for n, (_a, g, _d) in enumerate(signed) if n % 3 == 0]


#: Goals of issue 16 for the home and the queue at 10,000 graduates (p95 on PostgreSQL).
GOAL_SQL = 8
GOAL_P95_MS = 50


def measure(app: Any, label: str, call: Callable[[Any], Any], n: int) -> None:
    from wxbackend.core.db import db

    statements = [0]

    with app.app_context():
        engine = db.engine

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    times, per_request = [], []
    try:
        call(client)  # warm-up
        for _ in range(n):
            statements[0] = 0
            start = time.perf_counter()
            resp = call(client)
            times.append((time.perf_counter() - start) * 1000)
            assert resp.status_code == 200, (label, resp.status_code, resp.get_data(as_text=True)[:300])
            per_request.append(statements[0])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    sql_ok = max(per_request) <= GOAL_SQL
    p95_ok = p95 <= GOAL_P95_MS
    print(f"  {label:52} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms "
          f"(goal ≤ {GOAL_P95_MS}: {'met' if p95_ok else 'NOT met'})   SQL/request {min(per_request)}–"
          f"{max(per_request)} (goal ≤ {GOAL_SQL}: {'met' if sql_ok else 'NOT met'})")


def run(url: str, graduates: int, requests: int, tmp: Path) -> None:
    from wxbackend import create_app
    from wxbackend.config import Settings
    from wxbackend.db_migrate import upgrade

    settings = Settings(DATABASE_URL=url, SECRET_KEY="bench", JOBS_MODE="eager", STORAGE_DIR=str(tmp / "files"))
    app = create_app({"WTF_CSRF_ENABLED": False}, settings=settings)
    upgrade(app)
    t0 = time.perf_counter()
    world = seed(app, graduates)
    print(f"  seeded {world['counts']} in {time.perf_counter() - t0:.1f}s")
    rng = random.Random(1)
    sample = world["sample"]

    def home(client: Any) -> Any:
        token = world["tokens"][rng.choice(sample)]
        return client.get("/api/v1/destination", headers={"Authorization": f"Bearer {token}"})

    def home_heavy(client: Any) -> Any:
        return client.get("/api/v1/destination", headers={"Authorization": f"Bearer {world['tokens'][world['heavy']]}"})

    def home_signed(client: Any) -> Any:
        token = world["tokens"][rng.choice(world["signed"])]
        return client.get("/api/v1/destination", headers={"Authorization": f"Bearer {token}"})

    measure(app, "graduate home (random graduate)", home, requests)
    measure(app, "graduate home (signed, termination open, declined)", home_signed, requests)
    measure(app, "graduate home (graduate with 30 records)", home_heavy, requests)
    for username, label, query in (
        ("dept00", "queue, department reviewer, page 1", ""),
        ("school", "queue, school reviewer, page 1", ""),
        ("school", "queue, school reviewer, filtered by department", f"?department={world['dept1']}"),
        ("school", "queue, school reviewer, page 10", "?page=10"),
    ):
        client = app.test_client()
        resp = client.post("/console/login", data={"username": username, "password": "bench-pass-1"})
        assert resp.status_code in (302, 303), resp.status_code

        def queue(_: Any, c: Any = client, q: str = query) -> Any:
            return c.get("/console/review" + q)

        measure(app, label, queue, max(20, requests // 4))


def main() -> int:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graduates", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")]
        if os.environ.get("BENCH_DATABASE_URL"):
            targets.append(("PostgreSQL", fresh_postgres(os.environ["BENCH_DATABASE_URL"])))
        for label, url in targets:
            print(f"{label}:")
            run(url, args.graduates, args.requests, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
