"""Benchmark the 档案接收单位 directory's search on 3,000 offices (AR-7).

    .venv/bin/python bench/bench_directory.py [--offices 3000] [--n 500]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wx_bench .venv/bin/python bench/bench_directory.py

Seeds N offices (platform-wide and three schools' own, spread over every district, city and
province code) in bulk SQL, then times ``transfers.directory.search`` (no HTTP) for

* a **prefix** query (the first 2–6 characters of a random office name) — the whole search, which
  runs the substring step too when the prefix leaves the page short, and its indexed first step alone;
* a **substring** query that matches no name prefix (the scan of the second step);
* a **region name** query (``西城``-style, a district's short name);
* ``office_for_region`` for a random district;

and prints median and p95 in milliseconds plus the plan of the prefix query (does it use
``ix_receiving_office_name_key``?). SQLite always; the PostgreSQL database named by
BENCH_DATABASE_URL is DROPPED and re-created when given.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench.import_bench import fresh_postgres  # noqa: E402

KINDS = ["人才服务中心", "公共就业和人才服务中心", "人才交流服务中心", "人力资源和社会保障局档案室",
         "毕业生就业指导中心"]


def seed(app: Any, offices: int) -> list[str]:
    """Bulk-insert the offices; return their names."""
    from wxbackend.accounts.models import School
    from wxbackend.core import timeutil
    from wxbackend.core.codes import _regions, region_name
    from wxbackend.core.db import db
    from wxbackend.transfers.directory import name_key
    from wxbackend.transfers.models import ReceivingOffice

    rng = random.Random(11)
    codes = sorted(_regions())
    now = timeutil.now()
    with app.app_context():
        schools = [School(code=f"1000{i}", name=f"基准大学{i}") for i in range(3)]
        db.session.add_all(schools)
        db.session.flush()
        owners = [None, None, None, *[s.id for s in schools]]
        rows, seen = [], set()
        while len(rows) < offices:
            code = rng.choice(codes)
            owner = rng.choice(owners)
            name = region_name(code).replace("市辖区", "") + rng.choice(KINDS)
            if (owner, code, name) in seen:
                continue
            seen.add((owner, code, name))
            rows.append({"school_id": owner, "name": name, "name_key": name_key(name), "region_code": code,
                         "address": "某某路1号", "postcode": "100000", "contact": None, "phone": None,
                         "active": True, "created_at": now, "updated_at": now, "version": 1})
        db.session.execute(insert(ReceivingOffice), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE receiving_office"))
            db.session.commit()
        return [r["name"] for r in rows]


def timed(call: Callable[[], object], n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def plan(app: Any, prefix: str) -> str:
    from sqlalchemy import select

    from wxbackend.core.db import db
    from wxbackend.transfers import directory
    from wxbackend.transfers.models import ReceivingOffice

    with app.app_context():
        stmt = select(ReceivingOffice.id).where(directory.prefix_clause(directory.name_key(prefix))).limit(20)
        compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        rows = db.session.execute(text(explain + str(compiled).replace("%%", "%"))).all()
        return " | ".join(str(r[-1]) for r in rows)


def run(url: str, offices: int, n: int, tmp: Path) -> None:
    from sqlalchemy import select

    from wxbackend import create_app
    from wxbackend.config import Settings
    from wxbackend.core.db import db
    from wxbackend.db_migrate import upgrade
    from wxbackend.transfers import directory
    from wxbackend.transfers.models import ReceivingOffice

    app = create_app(settings=Settings(DATABASE_URL=url, SECRET_KEY="bench", JOBS_MODE="eager",
                                       STORAGE_DIR=str(tmp / "files")))
    upgrade(app)
    names = seed(app, offices)
    rng = random.Random(5)
    school_ids = [None, 1, 2, 3]

    def prefix() -> object:
        name = rng.choice(names)
        return directory.search(name[: rng.randint(2, 6)], school_id=rng.choice(school_ids))

    def prefix_step() -> object:
        name = rng.choice(names)
        key = directory.name_key(name[: rng.randint(2, 6)])
        return db.session.scalars(select(ReceivingOffice).where(
            directory.visible(rng.choice(school_ids)), ReceivingOffice.active.is_(True),
            directory.prefix_clause(key)).limit(20)).all()

    def substring() -> object:
        return directory.search(rng.choice(["就业指导", "交流服务", "社会保障局", "档案室"]),
                                school_id=rng.choice(school_ids))

    def region() -> object:
        return directory.search(rng.choice(["西城", "海淀", "浦东", "洪山", "金水", "天河"]),
                                school_id=rng.choice(school_ids))

    from wxbackend.core.codes import _regions

    districts = sorted(c for c in _regions() if not c.endswith("00"))

    def lookup() -> object:
        return directory.office_for_region(rng.choice(districts), rng.choice(school_ids))

    with app.app_context():
        for call in (prefix, substring, region, lookup):  # warm the caches and the connection pool
            call()
        print(f"  {offices} offices, {n} queries each")
        for label, call in (("prefix search", prefix), ("  its indexed step", prefix_step),
                            ("substring search", substring),
                            ("region-name search", region), ("office_for_region", lookup)):
            median, p95 = timed(call, n)
            print(f"  {label:<20} median {median:6.2f} ms   p95 {p95:6.2f} ms")
    print(f"  prefix plan: {plan(app, names[0][:4])}")


def main() -> int:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=3000)
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")]
        # only BENCH_DATABASE_URL, never DATABASE_URL: the database is dropped and re-created
        if os.environ.get("BENCH_DATABASE_URL"):
            targets.append(("PostgreSQL", fresh_postgres(os.environ["BENCH_DATABASE_URL"])))
        for label, target in targets:
            print(f"{label}:")
            run(target, args.offices, args.n, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
