"""Benchmark the invitation expiry job on 1,000,000 waiting invitations, next to a bare UPDATE.

    .venv/bin/python bench/expiry_bench.py [--rows 1000000] [--employers 50] [--repeat 2] [--analyze] [--keep]
    .venv/bin/python bench/expiry_bench.py --url postgresql://postgres@127.0.0.1:5432/wx_bench_expiry

PostgreSQL only. The database named by --url (or EXPIRY_BENCH_DATABASE_URL; default
wx_bench_expiry) and a ``<name>_seed`` beside it are DROPPED and re-created, and dropped again
at the end unless --keep. The seed gets the app's migrations, one school, ``--rows / --employers``
graduates and ``--employers`` employers, then ``--rows`` waiting invitations bulk-loaded in one
INSERT … SELECT from generate_series (FK triggers off, secondary indexes built afterwards) —
every other one with its 应约截止时间 (00:00 Asia/Shanghai) 0–29 days in the past, the others
1–60 days ahead, so the due rows are spread over every page of the table — and VACUUM ANALYZE.

Every measurement runs on a fresh file copy of the seed (CREATE DATABASE … TEMPLATE: the same
pages, statistics and visibility map), alternating which goes first:

* the job: ``jobs.expiry.expire_invitations``'s two transactions in the app context (JOBS_MODE=eager,
  no Redis), timed apart — the expiry (``expire_due`` + commit: the UPDATE and the run's
  ``invitation_expiry`` row; this is what is compared with the bare UPDATE) and the fan-out
  (``fan_out_pending`` + commit: one message and one expire event per invitation, derived from the
  run) — and each of their statements;
* a bare ``UPDATE online_agreement SET status = 'expired' WHERE status = 'waiting'
  AND deadline <= :now`` + commit, on a connection of the same pool;

and prints both with the rows affected, the ratio job/bare, the outbox rows queued and the
checks (half expired, half still waiting, one outbox row and one ``record_event`` expire event per
expired invitation after the fan-out), then the
plans of the job's statements — as the benchmark finds them (half the table due) and as the
daily 00:00 run finds them (one deadline's invitations due) — and of the bare UPDATE.
``--analyze`` adds EXPLAIN (ANALYZE, BUFFERS) of the job's statements and of the bare
UPDATE, each run on a fresh copy in a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine, create_engine, event, text  # noqa: E402
from stdnum.cn import uscc  # noqa: E402

from bench.import_bench import fresh_postgres  # noqa: E402
from wxbackend.signing.forms import EXAMPLE_TERMS  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/wx_bench_expiry"
DEPARTMENTS = 20

#: A complete invitation of fig. 9 (as ``signing.forms.clean_terms`` leaves it), the same for every row.
TERMS: dict[str, Any] = EXAMPLE_TERMS

INDEX_SHAPES = ("SELECT indexrelid::regclass::text, indisunique, indkey::text, indpred IS NOT NULL FROM pg_index "
                "WHERE indrelid = 'online_agreement'::regclass ORDER BY 1")
BARE_UPDATE = "UPDATE online_agreement SET status = 'expired' WHERE status = 'waiting' AND deadline <= :now"


#: Goal of issue 16: the job in at most this multiple of the bare UPDATE's time.
GOAL = 1.2

def credit_code(n: int) -> str:
    """A valid 统一社会信用代码 (GB 32100 check digit), unique per n."""
    body = f"91110000{n:09d}"
    code = body + uscc.calc_check_digit(body + "0")
    assert uscc.is_valid(code), code
    return code


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """An autocommit connection of its own (VACUUM, CHECKPOINT, CREATE DATABASE), closed after."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def server_url(url: str) -> str:
    return url.rpartition("/")[0] + "/postgres"


def drop_database(url: str) -> None:
    with connect(server_url(url)) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)'))


def copy_database(template_url: str, url: str) -> float:
    """(Re)create *url* as a file copy of *template_url*: the same pages, statistics and free space."""
    t0 = time.perf_counter()
    drop_database(url)
    with connect(server_url(url)) as conn:
        strategy = " STRATEGY FILE_COPY" if int(conn.execute(text("SHOW server_version_num")).scalar_one()) >= 150000 \
            else ""
        conn.execute(text(f'CREATE DATABASE "{url.rpartition("/")[2]}" '
                          f'TEMPLATE "{template_url.rpartition("/")[2]}"{strategy}'))
    with connect(url) as conn:
        conn.execute(text("CHECKPOINT"))
    return time.perf_counter() - t0


def seed(app: Any, url: str, rows: int, employers: int) -> dict[str, Any]:
    """The school and its departments/majors (ORM), then graduates, employers and invitations in bulk SQL."""
    from wxbackend.accounts.models import Department, Major, School
    from wxbackend.core.db import db

    graduates = -(-rows // employers)
    with app.app_context():
        school = School(code="10001", name="基准大学")
        db.session.add(school)
        db.session.flush()
        for d in range(DEPARTMENTS):
            dept = Department(school_id=school.id, code=f"{d:02d}", name=f"第{d + 1}学院")
            db.session.add(dept)
            db.session.flush()
            for m in range(2):
                db.session.add(Major(school_id=school.id, department_id=dept.id, code=f"08{d:02d}{m:02d}",
                                     name=f"专业{d}-{m}"))
        db.session.commit()
        school_id = school.id
        engine = db.engine

    timings: dict[str, float] = {}
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        t0 = time.perf_counter()
        conn.execute(text("""
            INSERT INTO graduate (school_id, department_id, major_id, name, id_number, education, gender,
                                  ethnicity, political_status, training_mode, origin_region, enrol_ym,
                                  graduate_ym, student_no, schooling_years, confirmed_at, created_at, updated_at)
            SELECT :school, m.department_id, m.id, '学生' || n, '110101' || lpad(n::text, 12, '0'), '31', '1',
                   '01', '03', '1', '110101', '202209', '202606', 'S' || lpad(n::text, 7, '0'), 4,
                   now(), now(), now()
            FROM generate_series(1, :n) AS n
            JOIN (SELECT id, department_id, row_number() OVER (ORDER BY id) - 1 AS k FROM major) AS m
              ON m.k = n % :majors
        """), {"school": school_id, "n": graduates, "majors": DEPARTMENTS * 2})
        conn.execute(text("""
            INSERT INTO employer (name, credit_code, unit_nature, industry, address_region, address_detail,
                                  contact_name, contact_phone, contact_mobile, contact_email, created_at)
            VALUES (:name, :code, '31', '34', '110102', '西直门外大街18号楼3层5单元301', '李经理',
                    '010-11111111', '13111111111', :email, now())
        """), [{"name": f"基准科技有限公司{n:03d}", "code": credit_code(n), "email": f"hr{n}@example.com"}
               for n in range(1, employers + 1)])
        conn.execute(text("""
            INSERT INTO user_account (username, password_hash, display_name, role, employer_id, active,
                                      session_version, created_at)
            SELECT 'employer' || id, '-', name, 'employer', id, true, 1, now() FROM employer
        """))
        timings["graduates and employers"] = time.perf_counter() - t0

        # The fast path of a bulk load: no per-row FK triggers (the rows are consistent by
        # construction; superuser only) and the secondary indexes built once at the end, from
        # their own definitions, instead of maintained row by row.
        superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one()
        if superuser:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        indexes = conn.execute(text("""
            SELECT i.indexrelid::regclass::text, c.conname, pg_get_indexdef(i.indexrelid),
                   pg_get_constraintdef(c.oid)
            FROM pg_index AS i LEFT JOIN pg_constraint AS c ON c.conindid = i.indexrelid
            WHERE i.indrelid = 'online_agreement'::regclass AND NOT i.indisprimary
        """)).all()
        before = conn.execute(text(INDEX_SHAPES)).all()
        for index, constraint, _, _ in indexes:
            conn.execute(text(f"ALTER TABLE online_agreement DROP CONSTRAINT {constraint}" if constraint
                              else f"DROP INDEX {index}"))

        # Graduate k = g / E gets one invitation from each employer (rotated so every employer has
        # both kinds); even g: deadline 0–29 days ago (due), odd g: 1–60 days ahead. Deadlines are
        # 00:00 Asia/Shanghai, as deadline_for() sets them.
        t0 = time.perf_counter()
        conn.execute(text("""
            WITH e AS (
                SELECT e.id, e.name, e.credit_code, u.id AS user_id, row_number() OVER (ORDER BY e.id) - 1 AS k,
                       jsonb_build_object('name', e.name, 'credit_code', e.credit_code,
                                          'unit_nature', e.unit_nature, 'industry', e.industry,
                                          'address_region', e.address_region, 'address_detail', e.address_detail,
                                          'contact_name', e.contact_name, 'contact_phone', e.contact_phone,
                                          'contact_mobile', e.contact_mobile, 'contact_email', e.contact_email)
                           AS info
                FROM employer AS e JOIN user_account AS u ON u.employer_id = e.id
            ), gr AS (
                SELECT id, school_id, department_id, row_number() OVER (ORDER BY id) - 1 AS k FROM graduate
            ), t AS (
                SELECT g, 1 + (g / 2) % 30 AS days,
                       CASE WHEN g % 2 = 0 THEN -((g / 2) % 30) ELSE 1 + (g / 2) % 60 END AS offset_days
                FROM generate_series(0, :rows - 1) AS g
            ), today AS (
                SELECT date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' AS d
            )
            INSERT INTO online_agreement (employer_id, graduate_id, school_id, department_id, invited_by_user_id,
                                          status, invited_at, response_days, deadline, terms, employer_info,
                                          unit_name, credit_code, updated_at, version)
            SELECT e.id, gr.id, gr.school_id, gr.department_id, e.user_id, 'waiting',
                   today.d + make_interval(days => t.offset_days - t.days - 1, hours => 10 + t.g % 8),
                   t.days, today.d + make_interval(days => t.offset_days), CAST(:terms AS jsonb), e.info,
                   e.name, e.credit_code,
                   today.d + make_interval(days => t.offset_days - t.days - 1, hours => 10 + t.g % 8), 1
            FROM t CROSS JOIN today
            JOIN gr ON gr.k = t.g / :employers
            JOIN e ON e.k = (t.g + t.g / :employers) % :employers
            ORDER BY t.g
        """), {"rows": rows, "employers": employers, "terms": json.dumps(TERMS, ensure_ascii=False)})
        timings["invitations"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _, constraint, indexdef, constraintdef in indexes:
            conn.execute(text(f"ALTER TABLE online_agreement ADD CONSTRAINT {constraint} {constraintdef}"
                              if constraint else indexdef))
        # Re-parsing may spell a predicate's casts differently (IN → ANY): compare names and keys.
        assert conn.execute(text(INDEX_SHAPES)).all() == before, "indexes not rebuilt as they were"
        timings[f"{len(indexes)} indexes"] = time.perf_counter() - t0
    with connect(url) as conn:
        t0 = time.perf_counter()
        conn.execute(text("VACUUM (ANALYZE) graduate, employer, user_account, online_agreement"))
        timings["vacuum analyze"] = time.perf_counter() - t0
        size = conn.execute(text(
            "SELECT pg_size_pretty(pg_table_size('online_agreement')), "
            "pg_size_pretty(pg_indexes_size('online_agreement'))")).one()
    return {"graduates": graduates, "timings": timings, "table_size": size[0], "index_size": size[1]}


class StatementTimer:
    """Times each statement run on *engine* while active (the job's UPDATE and INSERT … SELECT)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.log: list[tuple[str, Any, float, int]] = []

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        elapsed = time.perf_counter() - conn.info.pop("bench_t0")
        self.log.append((statement, parameters, elapsed, cursor.rowcount))

    def __enter__(self) -> StatementTimer:
        self.log = []
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def counts(url: str) -> dict[str, int]:
    with connect(url) as conn:
        row = conn.execute(text("""
            SELECT count(*) FILTER (WHERE status = 'waiting'), count(*) FILTER (WHERE status = 'expired'),
                   (SELECT count(*) FROM notification_outbox WHERE kind = 'invitation_expired'),
                   count(*) FILTER (WHERE status = 'expired' AND expired_at IS NOT NULL),
                   (SELECT count(*) FROM record_event WHERE kind = 'online_agreement' AND action = 'expire')
            FROM online_agreement
        """)).one()
    return {"waiting": row[0], "expired": row[1], "outbox": row[2], "stamped": row[3], "events": row[4]}


def run_bare(app: Any, now: datetime) -> tuple[float, int]:
    from wxbackend.core.db import db

    with app.app_context():
        engine = db.engine
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # connect outside the timing
        conn.commit()
        t0 = time.perf_counter()
        affected = conn.execute(text(BARE_UPDATE), {"now": now}).rowcount
        conn.commit()
        return time.perf_counter() - t0, affected


def run_job(app: Any, timer: StatementTimer) -> tuple[float, float, int, list[tuple[str, float, int]]]:
    """``jobs.expiry.expire_invitations``'s two transactions, timed apart: the expiry (``expire_due`` +
    commit: what makes the invitations 已失效) and the fan-out of its run (``fan_out_pending`` + commit:
    the messages and the timeline events)."""
    from wxbackend.core.db import db
    from wxbackend.signing.services import expire_due, fan_out_pending

    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connect outside the timing
        db.session.commit()
        with timer:
            t0 = time.perf_counter()
            affected = expire_due()
            db.session.commit()
            t1 = time.perf_counter()
            fan_out_pending()
            db.session.commit()
            t2 = time.perf_counter()
        db.session.remove()
    parts = [(_label(statement), seconds, rowcount) for statement, _, seconds, rowcount in timer.log]
    return t1 - t0, t2 - t1, affected, parts


def _label(statement: str) -> str:
    words = statement.split()
    return " ".join(words[:3]) if words[0] == "INSERT" else " ".join(words[:2])


def explain(url: str, statements: list[tuple[str, Any]], analyze: bool) -> list[list[str]]:
    """EXPLAIN statements as the driver ran them (psycopg's %(name)s placeholders), in one transaction.

    With *analyze* they really run (EXPLAIN (ANALYZE, BUFFERS)), one after the other as the job runs
    them, and the transaction is rolled back.
    """
    plans = []
    with connect(url) as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("BEGIN")
        for statement, parameters in statements:
            cursor.execute(f"EXPLAIN {'(ANALYZE, BUFFERS) ' if analyze else ''}{statement}", parameters)
            plans.append([r[0] for r in cursor.fetchall()])
        cursor.execute("ROLLBACK")
        cursor.close()
    return plans


def print_plans(title: str, url: str, statements: list[tuple[str, Any]], analyze: bool = False) -> None:
    for (statement, _), plan in zip(statements, explain(url, statements, analyze), strict=True):
        print(f"\n  {'EXPLAIN (ANALYZE, BUFFERS)' if analyze else 'EXPLAIN'} — {title}: {_label(statement)} …")
        for line in plan:
            print(f"    {line}")


def at_moment(statements: list[tuple[str, Any]], moment: datetime) -> list[tuple[str, Any]]:
    """The job's statements as a run at *moment* sends them: every timestamp it binds is its ``now``."""
    return [(s, {k: moment if isinstance(v, datetime) else v for k, v in p.items()}) for s, p in statements]


def fmt_s(seconds: float) -> str:
    return f"{seconds:7.2f} s" if seconds >= 1 else f"{seconds * 1000:7.1f} ms"


def main() -> int:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("EXPIRY_BENCH_DATABASE_URL", DEFAULT_URL),
                        help="scratch PostgreSQL database, DROPPED and re-created, with a <name>_seed copy "
                             "(default %(default)s)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="waiting invitations (half due)")
    parser.add_argument("--employers", type=int, default=50, help="graduates = rows / employers")
    parser.add_argument("--repeat", type=int, default=2, help="measurements of each, alternating the order")
    parser.add_argument("--analyze", action="store_true", help="also EXPLAIN (ANALYZE, BUFFERS), rolled back")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    name = args.url.rpartition("/")[2]
    if not args.url.startswith("postgresql://") or name.startswith("wx_test") or name in ("postgres", ""):
        parser.error("--url must be a postgresql:// URL of a scratch database (not wx_test*)")
    if args.rows < 2 or args.repeat < 1:
        parser.error("--rows must be at least 2 and --repeat at least 1")

    from jobs.expiry import expire_invitations  # noqa: F401  (an import error before the long load)
    from wxbackend import create_app
    from wxbackend.config import Settings
    from wxbackend.core import timeutil
    from wxbackend.core.db import db
    from wxbackend.db_migrate import upgrade

    url, seed_url = args.url, f"{args.url}_seed"
    print(f"PostgreSQL {url.rpartition('@')[2]}: {args.rows:,} waiting invitations, "
          f"{-(-args.rows // args.employers):,} graduates × {args.employers} employers")
    try:
        with tempfile.TemporaryDirectory() as tmp:

            def make_app(db_url: str) -> Any:
                return create_app(settings=Settings(DATABASE_URL=db_url, SECRET_KEY="bench", JOBS_MODE="eager",
                                                    STORAGE_DIR=str(Path(tmp) / "files")))

            seeder = make_app(fresh_postgres(seed_url))
            t0 = time.perf_counter()
            upgrade(seeder)
            print(f"  migrations: {time.perf_counter() - t0:.1f}s")
            t0 = time.perf_counter()
            world = seed(seeder, seed_url, args.rows, args.employers)
            with seeder.app_context():
                db.engine.dispose()
            parts = ", ".join(f"{k} {v:.1f}s" for k, v in world["timings"].items())
            print(f"  seeded {name}_seed in {time.perf_counter() - t0:.1f}s ({parts}); online_agreement "
                  f"{world['table_size']} + indexes {world['index_size']}")
            now = timeutil.now()
            with connect(seed_url) as conn:
                due = conn.execute(text("SELECT count(*) FROM online_agreement WHERE status = 'waiting' "
                                        "AND deadline <= :now"), {"now": now}).scalar_one()
                oldest, oldest_due = conn.execute(text("SELECT deadline, count(*) FROM online_agreement "
                                                       "GROUP BY deadline ORDER BY deadline LIMIT 1")).one()
            print(f"  due (deadline <= now): {due:,} of {args.rows:,}")
            assert due == (args.rows + 1) // 2, due

            # Every measurement runs on a fresh file copy of the seed: the same pages, the same statistics.
            app = make_app(url)
            with app.app_context():
                engine = db.engine

            def fresh() -> float:
                engine.dispose()
                return copy_database(seed_url, url)

            timer = StatementTimer(engine)
            results: dict[str, list[float]] = {"job": [], "bare": [], "fan-out": []}
            job_log: list[tuple[str, Any, float, int]] = []
            checks: dict[str, int] = {}
            print(f"\n  {'run':4} {'what':5} {'time':>10}  {'rows':>9}   detail")
            for i in range(args.repeat):
                for what in (("bare", "job") if i % 2 == 0 else ("job", "bare")):
                    copy_s = fresh()
                    if what == "bare":
                        elapsed, affected = run_bare(app, timeutil.now())
                        detail = "UPDATE + COMMIT"
                    else:
                        elapsed, fan_s, affected, job_parts = run_job(app, timer)
                        results["fan-out"].append(fan_s)
                        job_log = list(timer.log)
                        statements_s = sum(s for _, s, _ in job_parts)
                        detail = "; ".join(f"{label} {fmt_s(s).strip()} ({n:,} rows)" for label, s, n in job_parts
                                           if s >= 0.0005)
                        detail += (f"; COMMITs etc. {fmt_s(elapsed + fan_s - statements_s).strip()}; then the "
                                   f"fan-out transaction {fmt_s(fan_s).strip()}")
                        checks = counts(url)
                        assert checks == {"waiting": args.rows - due, "expired": due, "outbox": due, "stamped": due,
                                          "events": due}, \
                            checks
                    assert affected == due, (what, affected, due)
                    results[what].append(elapsed)
                    print(f"  {i + 1:<4} {what:5} {fmt_s(elapsed):>10}  {affected:>9,}   {detail} "
                          f"[fresh copy {copy_s:.0f}s]")

            job_med, bare_med = statistics.median(results["job"]), statistics.median(results["bare"])
            fan_med = statistics.median(results["fan-out"])
            print(f"\n  expiry job, 1st transaction (expire_due + commit): median {fmt_s(job_med).strip()}"
                  f"  [{', '.join(fmt_s(s).strip() for s in results['job'])}]")
            print(f"  expiry job, 2nd transaction (fan_out_pending + commit: messages and events, after the "
                  f"invitations are already 已失效): median {fmt_s(fan_med).strip()}"
                  f"  [{', '.join(fmt_s(s).strip() for s in results['fan-out'])}]")
            print(f"  bare UPDATE (status only, + commit)                 : median {fmt_s(bare_med).strip()}"
                  f"  [{', '.join(fmt_s(s).strip() for s in results['bare'])}]")
            ratio = job_med / bare_med
            print(f"  ratio expiry / bare: {ratio:.2f}x (goal ≤ {GOAL}x: {'met' if ratio <= GOAL else 'NOT met'})   "
                  f"({due / job_med:,.0f} invitations expired per second by the job)")
            print(f"  the whole job (both transactions) / bare: {(job_med + fan_med) / bare_med:.2f}x  "
                  f"(no goal: the fan-out runs after the invitations are marked, answers are refused either way)")
            ok = (checks["expired"] == checks["outbox"] == checks["events"] == due
                  and checks["waiting"] == args.rows - due)
            print(f"  after each job run: {checks['expired']:,} expired, {checks['waiting']:,} still waiting, "
                  f"{checks['outbox']:,} notification_outbox rows queued, {checks['events']:,} expire events "
                  f"recorded — {'OK' if ok else 'WRONG'}")

            job = [(s, p) for s, p, _, _ in job_log if s.lstrip().startswith(("UPDATE", "INSERT", "WITH"))]
            bare = [(BARE_UPDATE.replace(":now", "%(now)s"), {"now": now})]
            fresh()
            print_plans("the job (plan only, every invitation waiting as the job finds them)", url, job)
            print_plans("bare (plan only)", url, bare)
            print_plans(f"the job at {timeutil.local(oldest):%Y-%m-%d %H:%M}, its usual daily run: only the "
                        f"oldest deadline due ({oldest_due:,} rows) (plan only)", url, at_moment(job, oldest))
            if args.analyze:
                for title, statements in (("the job (run, then rolled back)", job),
                                          ("bare (run, then rolled back)", bare)):
                    fresh()
                    print_plans(title, url, statements, analyze=True)
            engine.dispose()
    finally:
        if args.keep:
            print(f"\n  kept {name} and {name}_seed")
        else:
            for db_url in (url, seed_url):
                drop_database(db_url)
            print(f"\n  dropped {name} and {name}_seed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
