"""Load benchmark: the production recipe under wrk, each endpoint next to its own limit.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wx_bench_load \\
        .venv/bin/python bench/load_bench.py [--graduates 10000] [--duration 8] [--soak 300]

On a scratch PostgreSQL database (DROPPED and re-created; default ``wx_bench_load``) it seeds one
school with 10,000 graduates and their records (``records_bench.seed``) and a pool of graduates
without a destination for the write, then captures the SQL statements each endpoint sends:

* ``GET /api/v1/destination`` — the graduate home (mini-program);
* ``GET /api/v1/me`` — basic info;
* ``GET /`` — the public home (notices);
* ``GET /console/review`` — the school reviewer's queue (a session cookie);
* ``POST /api/v1/destination/records`` — one write: a graduate submits 暂不就业.

gunicorn (``deploy/gunicorn.conf.py``, ``WEB_CONCURRENCY`` workers, default 4) serves
``bench.load_app:app``: the platform, and beside it at ``/_limit/<name>`` a bare Flask route that
sends the captured statements of that endpoint straight through psycopg. wrk (Debian's ``wrk``;
installed when missing and root) drives each endpoint and its limit in turn, A B A B, on loopback
only; the table shows medians of throughput, the ratio (goal ≥ 0.5), p95 and errors. ``--soak S``
then runs ``/api/v1/me`` for S seconds and prints the workers' resident memory before and after.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select  # noqa: E402

from bench.import_bench import fresh_postgres, id_number  # noqa: E402
from bench.records_bench import seed  # noqa: E402

GOAL = 0.5
WRITE_BODY = '{"subkind": "not_now", "fields": {}, "submit": true}'

LUA = r"""
local tokens = {}
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  if args[1] ~= "-" then
    for line in io.lines(args[1]) do table.insert(tokens, line) end
  end
  start = tonumber(args[2]); nthreads = tonumber(args[3]); method = args[4]
  body = args[5] ~= "-" and args[5] or nil
  cookie = args[6] ~= "-" and args[6] or nil
  count = 0
  bad = 0
end
function request()
  local headers = {}
  if #tokens > 0 then
    local i = start + id + count * nthreads
    headers["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]
  end
  if cookie then headers["Cookie"] = cookie end
  headers["User-Agent"] = "wx-load-bench"
  if body then headers["Content-Type"] = "application/json" end
  count = count + 1
  return wrk.format(method, nil, headers, body)
end
function response(status, headers, body)
  if status >= 300 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local most, redirects = 0, 0
  for _, t in ipairs(threads) do
    local c = t:get("count")
    if c > most then most = c end
    redirects = redirects + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(95) / 1000, redirects, e.connect + e.read + e.write + e.timeout, most))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


def pool_of_writers(app: Any, count: int) -> list[tuple[int, str]]:
    """Graduates with no destination yet, each with a token: every write is a first submission."""
    from wxbackend.accounts.models import Graduate, Major, School
    from wxbackend.auth import tokens
    from wxbackend.core import timeutil
    from wxbackend.core.db import db

    with app.app_context():
        school = db.session.scalar(select(School))
        major = db.session.scalar(select(Major).order_by(Major.id))
        now = timeutil.now()
        rows = [dict(school_id=school.id, department_id=major.department_id, major_id=major.id, name=f"写入{n}",
                     id_number=id_number(30_000 + n), education="31", gender="1", ethnicity="01",
                     political_status="03", training_mode="1", origin_region="110101", enrol_ym="202209",
                     graduate_ym="202706", student_no=f"W{n:06d}", schooling_years=4, confirmed_at=now,
                     created_at=now, updated_at=now) for n in range(count + 1)]
        for i in range(0, len(rows), 2000):
            db.session.execute(insert(Graduate), rows[i:i + 2000])
        db.session.commit()
        out = [(g.id, tokens.issue(g)[0]) for g in db.session.scalars(
            select(Graduate).where(Graduate.student_no.startswith("W")).order_by(Graduate.id))]
        db.session.commit()
        return out


def capture(app: Any, world: dict[str, Any], write_tokens: tuple[str, str]) -> tuple[dict[str, Any], str]:
    """Send each endpoint's request once through the app; keep the SQL it sent and the reviewer's cookie.

    *write_tokens*: the warm-up's writer and the captured one (a first submission each).
    """
    from wxbackend.core.db import db

    with app.app_context():
        engine = db.engine
    token = world["tokens"][world["sample"][0]]
    api = {"Authorization": f"Bearer {token}"}
    reviewer = app.test_client()
    resp = reviewer.post("/console/login", data={"username": "school", "password": "bench-pass-1"})
    assert resp.status_code in (302, 303), resp.status_code
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    cookie = f"{cookie_name}={reviewer.get_cookie(cookie_name).value}"
    plain = app.test_client()
    calls = {
        "home": lambda: plain.get("/api/v1/destination", headers=api),
        "me": lambda: plain.get("/api/v1/me", headers=api),
        "public": lambda: plain.get("/"),
        "queue": lambda: reviewer.get("/console/review"),
    }
    writer = iter(write_tokens)  # a first submission each time: the warm-up's graduate, then the captured one
    calls["write"] = lambda: plain.post("/api/v1/destination/records", data=WRITE_BODY, headers={
        "Authorization": f"Bearer {next(writer)}", "Content-Type": "application/json"})
    captured: dict[str, Any] = {}
    for name, call in calls.items():
        call()  # warm: caches, first-use imports
        seen: list[tuple[str, Any, bool]] = []

        def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool,
                 out: list[tuple[str, Any, bool]] = seen) -> None:
            out.append((statement, parameters, executemany))

        outer = None
        if name == "write":
            _spread_sequences(engine)
            # inside a transaction rolled back afterwards (the app's commits become savepoints): the
            # database keeps no trace, so the limit may send these very statements again and again
            with app.app_context():
                conn = engine.connect()
                outer = conn.begin()
                db.session.remove()
                # Flask-SQLAlchemy binds sessions to its engine map, not to Session(bind=…)
                db._app_engines[app][None] = conn  # type: ignore[assignment]
                db.session.configure(join_transaction_mode="create_savepoint")
        event.listen(engine, "before_cursor_execute", keep)
        try:
            resp = call()
        finally:
            event.remove(engine, "before_cursor_execute", keep)
            seen[:] = [s for s in seen if not s[0].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))]
            if outer is not None:
                returned_ids = _returned_ids(conn, seen)
                with app.app_context():
                    db.session.remove()
                    outer.rollback()
                    conn.close()
                    db._app_engines[app][None] = engine
        if outer is not None:
            seen[:] = [(sql, params, many, returned_ids.get(i)) for i, (sql, params, many) in enumerate(seen)]
        else:
            seen[:] = [(sql, params, many, None) for sql, params, many in seen]
        assert resp.status_code in (200, 201), (name, resp.status_code, resp.get_data(as_text=True)[:300])
        captured[name] = seen
    return captured, cookie


def _spread_sequences(engine: Any) -> None:
    """Move every sequence to a range of its own, so an id the write captures names one table only."""
    from sqlalchemy import text

    with engine.begin() as conn:
        names = conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
                                  "ORDER BY sequencename")).scalars().all()
        for i, name in enumerate(names, start=1):
            conn.execute(text("SELECT setval(:s, :v)"), {"s": name, "v": i * 10_000_000})


INSERT_RETURNING = re.compile(r"^INSERT INTO (\w+)\b.*\bRETURNING\b", re.S)


def _returned_ids(conn: Any, seen: list[tuple[str, Any, bool]]) -> dict[int, int]:
    """{statement index: the id its INSERT … RETURNING gave} while the capture's transaction is open.

    The write's statements name the ids of rows inserted before them (a review event names its item);
    the limit puts the ids its own inserts get in their place (``load_app``), so it needs these.
    """
    from sqlalchemy import text

    per_table: dict[str, list[int]] = {}
    for i, (sql, _params, many) in enumerate(seen):
        m = INSERT_RETURNING.match(sql)
        if m and not many:
            per_table.setdefault(m.group(1), []).append(i)
    out: dict[int, int] = {}
    for table, indexes in per_table.items():
        ids = sorted(conn.execute(text(f"SELECT id FROM {table} ORDER BY id DESC LIMIT {len(indexes)}")).scalars())
        out.update(zip(indexes, ids, strict=True))
    return out


def http_login(base: str) -> str:
    """The school reviewer's session cookie, logged in through the real form with wrk's user agent."""
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = "wx-load-bench"
    page = session.get(base + "/console/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    resp = session.post(base + "/console/login", data={"username": "school", "password": "bench-pass-1",
                                                       "csrf_token": token.group(1) if token else ""},
                        timeout=10, allow_redirects=False)
    if resp.status_code not in (302, 303):
        raise SystemExit(f"console login answered {resp.status_code}")
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def run_wrk(wrk: str, script: Path, url: str, duration: int, threads: int, connections: int,
            tokens_file: str, start: int, method: str, body: str, cookie: str) -> dict[str, float]:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script),
           url, "--", tokens_file, str(start), str(threads), method, body, cookie]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, micros, p95, status_errors, socket_errors, most = line.split()[1:]
    return {"rps": int(requests) / (int(micros) / 1e6), "p95": float(p95), "errors": int(status_errors) +
            int(socket_errors), "requests": int(requests), "most": int(most)}


def worker_rss(master: int) -> int:
    """Resident KB of the gunicorn workers (the master's children)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) != master:
                    continue
            with open(f"/proc/{entry}/status") as f:
                total += next(int(x.split()[1]) for x in f if x.startswith("VmRSS:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total


def main() -> int:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graduates", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=12_000, help="graduates in the write pool")
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="A B rounds per endpoint")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--show-sql", action="store_true", help="print the statements each endpoint sends")
    parser.add_argument("--soak", type=int, default=0, help="seconds of /api/v1/me afterwards, memory printed")
    parser.add_argument("--only", action="append", choices=("home", "me", "public", "queue", "write"),
                        help="measure only these endpoints (repeatable; default all)")
    args = parser.parse_args()
    wrk = ensure_wrk()
    url = fresh_postgres(os.environ.get("BENCH_DATABASE_URL",
                                        "postgresql://postgres@127.0.0.1:5432/wx_bench_load"))
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

    from redis import Redis

    from wxbackend import create_app
    from wxbackend.config import Settings
    from wxbackend.db_migrate import upgrade

    Redis.from_url(redis_url).flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="wx-load-"))
    env_settings = {"DATABASE_URL": url, "SECRET_KEY": "bench-load", "JOBS_MODE": "rq", "REDIS_URL": redis_url,
                    "STORAGE_DIR": str(tmp / "files"), "WX_INSTANCE": str(tmp / "instance"),
                    "LOGIN_RATE_LIMIT": "100000 per minute"}
    settings = Settings(**{k: v for k, v in env_settings.items() if k != "WX_INSTANCE"})
    app = create_app({"WTF_CSRF_ENABLED": False}, settings=settings)  # the capture's own login form
    upgrade(app)
    t0 = time.perf_counter()
    world = seed(app, args.graduates)
    writers = pool_of_writers(app, args.writers)
    print(f"seeded {world['counts']} and {len(writers)} writers in {time.perf_counter() - t0:.0f}s")
    (_, warm), (_, captured) = writers.pop(), writers.pop()
    statements, cookie = capture(app, world, (warm, captured))
    if args.show_sql:
        for name, sent in statements.items():
            print(f"{name}: {len(sent)} statements")
            for sql, _params, many, returned in sent:
                print(f"    {'many ' if many else ''}{' '.join(sql.split())[:150]}"
                      f"{f'  → id {returned}' if returned else ''}")
    with open(tmp / "statements.pickle", "wb") as f:
        pickle.dump(statements, f)
    read_tokens = tmp / "read-tokens.txt"
    read_tokens.write_text("\n".join(world["tokens"][g] for g in world["sample"]) + "\n")
    write_tokens = tmp / "write-tokens.txt"
    write_tokens.write_text("\n".join(token for _, token in writers) + "\n")
    script = tmp / "bench.lua"
    script.write_text(LUA)

    port = free_port()
    env = {**os.environ, **env_settings, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(args.workers),
           "LOAD_STATEMENTS": str(tmp / "statements.pickle"), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "warning"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen([gunicorn, "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null",
                               "bench.load_app:app"], cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not come up")
            time.sleep(0.3)
        cookie = http_login(base)
        rss_start = worker_rss(server.pid)
        endpoints = [
            ("graduate home   GET /api/v1/destination", "home", "/api/v1/destination", "GET", str(read_tokens),
             "-", "-"),
            ("basic info      GET /api/v1/me", "me", "/api/v1/me", "GET", str(read_tokens), "-", "-"),
            ("public home     GET /", "public", "/", "GET", "-", "-", "-"),
            ("reviewer queue  GET /console/review", "queue", "/console/review", "GET", "-", "-", cookie),
            ("one write       POST /api/v1/destination/records", "write", "/api/v1/destination/records", "POST",
             str(write_tokens), WRITE_BODY, "-"),
        ]
        if args.only:
            endpoints = [e for e in endpoints if e[1] in args.only]
        # each endpoint answers as in the capture before it is measured (a redirect to a login page is fast)
        first_reader = read_tokens.read_text().split()[0]
        for _label, name, path, method, tokens_file, _body, cookie_arg in endpoints:
            headers = {"User-Agent": "wx-load-bench"}
            if tokens_file == str(read_tokens):
                headers["Authorization"] = f"Bearer {first_reader}"
            if cookie_arg != "-":
                headers["Cookie"] = cookie_arg
            if name == "write":
                continue  # a write would use up a writer; its statuses are counted by wrk below
            for target in (base + path, f"{base}/_limit/{name}"):
                got = requests.request(method, target, headers=headers, timeout=10, allow_redirects=False)
                if got.status_code != 200:
                    raise SystemExit(f"{target} answered {got.status_code}: {got.text[:200]}")
        offset = 0
        rows = []
        print(f"\ngunicorn {args.workers} workers × {os.environ.get('WEB_THREADS', '4')} threads; wrk "
              f"-t{args.threads} -c{args.connections}, {args.duration}s per run, {args.rounds} A/B rounds\n")
        for label, name, path, method, tokens_file, body, cookie_arg in endpoints:
            ours, limit = [], []
            for _ in range(args.rounds):
                for side, target in (("endpoint", base + path), ("limit", f"{base}/_limit/{name}")):
                    got = run_wrk(wrk, script, target, args.duration, args.threads, args.connections, tokens_file,
                                  offset if name == "write" else 0, method, body, cookie_arg)
                    if name == "write" and side == "endpoint":
                        offset += got["most"] * args.threads
                    (ours if side == "endpoint" else limit).append(got)
            rps = statistics.median(g["rps"] for g in ours)
            limit_rps = statistics.median(g["rps"] for g in limit)
            p95 = statistics.median(g["p95"] for g in ours)
            errors = sum(g["errors"] for g in ours)
            rows.append((label, rps, limit_rps, p95, errors, len(statements[name])))
            print(f"  {label:52} {rps:8.0f} req/s   limit {limit_rps:8.0f} req/s   ratio {rps / limit_rps:4.2f} "
                  f"(goal ≥ {GOAL})   p95 {p95:6.1f} ms   errors {errors}   SQL {len(statements[name])}",
                  flush=True)
        if offset > len(writers):
            print(f"  !! the write pool ({len(writers)}) was used {offset / len(writers):.1f}×: "
                  "later writes were refused as second submissions")
        met = all(r[1] / r[2] >= GOAL and r[4] == 0 for r in rows)
        print(f"\n{'every endpoint' if not args.only else 'each endpoint measured'} ≥ {GOAL}× its limit with no "
              f"errors: {'yes' if met else 'NO'}")
        if args.soak:
            before = worker_rss(server.pid)
            got = run_wrk(wrk, script, base + "/api/v1/me", args.soak, args.threads, args.connections,
                          str(read_tokens), 0, "GET", "-", "-")
            after = worker_rss(server.pid)
            print(f"soak {args.soak}s of /api/v1/me: {got['rps']:.0f} req/s, errors {got['errors']}; workers' RSS "
                  f"{before / 1024:.0f} MB → {after / 1024:.0f} MB ({(after - before) / max(before, 1):+.1%}); "
                  f"at start of the run {rss_start / 1024:.0f} MB")
        return 0 if met else 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
