"""Benchmark the graduate import: rows per second, next to openpyxl reading the same file alone.

    .venv/bin/python bench/import_bench.py [--rows 10000]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wx_bench .venv/bin/python bench/import_bench.py

Generates an .xlsx of valid rows in a temp dir (shared strings and a dimension, as Excel saves it),
then in turn (A B A B, ``--repeat`` rounds) times openpyxl (read-only, values only) reading it — the
yardstick of the goal — and the full import (read with calamine, which is timed alone too; validate,
bulk upsert, audit events, progress commits) into a fresh SQLite database and, when BENCH_DATABASE_URL is set, into
that PostgreSQL database — which is DROPPED and re-created, so point it at a scratch name.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook, load_workbook  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from stdnum.cn import ric  # noqa: E402


def id_number(n: int) -> str:
    """A valid, unique (for n < 42,000) male 身份证号."""
    birth = f"2002{(n // 28) % 12 + 1:02d}{n % 28 + 1:02d}"
    body = f"110101{birth}{(n // 50) % 10}{(n % 50) * 2 + 1:02d}"
    return body + ric.calc_check_digit(body + "0")  # it expects a check-digit placeholder


def write_xlsx(path: Path, rows: int) -> None:
    """The rows as Excel saves them: shared strings and a ``<dimension>`` (openpyxl's normal mode; its
    write-only mode writes neither, which makes openpyxl's own read scan the sheet once more)."""
    from wxbackend.accounts.validation import FIELDS

    wb = Workbook()
    ws = wb.active
    ws.title = "毕业生基本信息"
    ws.append(list(FIELDS.values()))
    for n in range(1, rows + 1):
        ws.append(["", f"学生{n}", id_number(n), "本科", "男", "汉族", "共青团员", "非定向", "", "110101",
                   "202209", "202606", f"S{n:06d}", "计算机学院", "计算机科学与技术", 4, "是", "否",
                   f"s{n}@example.com", f"139{n:08d}"])
    wb.save(path)


def time_calamine(path: Path) -> float:
    """The reader the import uses, alone (no goal: shown so the ratio's yardstick is plain)."""
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    wb = CalamineWorkbook.from_path(str(path))
    count = sum(1 for _ in wb.get_sheet_by_index(0).iter_rows()) - 1
    wb.close()
    assert count > 0
    return time.perf_counter() - start


def time_openpyxl(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True)) - 1
    wb.close()
    return time.perf_counter() - start, count


def fresh_postgres(url: str) -> str:
    base, _, name = url.rpartition("/")
    admin = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url


def time_import(db_url: str, path: Path) -> tuple[float, dict[str, int]]:
    from wxbackend import create_app
    from wxbackend.accounts.imports import start_import
    from wxbackend.accounts.models import Department, ImportBatch, Major, School, User
    from wxbackend.config import Settings
    from wxbackend.core.audit import Actor
    from wxbackend.core.db import db
    from wxbackend.db_migrate import upgrade

    settings = Settings(DATABASE_URL=db_url, SECRET_KEY="bench", JOBS_MODE="eager",
                        STORAGE_DIR=str(path.parent / "files"))
    app = create_app(settings=settings)
    upgrade(app)
    with app.app_context():
        school = School(code="10001", name="基准大学")
        db.session.add(school)
        db.session.flush()
        dept = Department(school_id=school.id, code="CS01", name="计算机学院")
        db.session.add(dept)
        db.session.flush()
        db.session.add(Major(school_id=school.id, department_id=dept.id, code="080901",
                             name="计算机科学与技术"))
        user = User(username="bench", display_name="基准", role="school", school_id=school.id,
                    password_hash="-")
        db.session.add(user)
        db.session.commit()
        content = path.read_bytes()
        actor = Actor("staff", user.id, "school", user.display_name)
        start = time.perf_counter()
        started = start_import(actor, user, path.name, content)  # eager mode: the job runs at commit
        elapsed = time.perf_counter() - start
        db.session.expire_all()
        batch = db.session.get(ImportBatch, started.batch.id)
        counts = {"state": batch.state, "created": batch.created_count, "errors": batch.error_count}
        db.session.remove()
        db.engine.dispose()
    return elapsed, counts


#: Goal of issue 16: the whole import in at most this multiple of openpyxl's own read of the file.
GOAL = 2.5


def main() -> int:
    import statistics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="A B rounds: openpyxl's read, then the import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graduates.xlsx"
        t0 = time.perf_counter()
        write_xlsx(path, args.rows)
        size_kb = path.stat().st_size // 1024
        print(f"generated {args.rows} rows in {time.perf_counter() - t0:.2f}s ({size_kb} KB)")
        targets = [("SQLite", lambda i: f"sqlite:///{Path(tmp) / f'bench{i}.sqlite3'}")]
        if os.environ.get("BENCH_DATABASE_URL"):
            targets.append(("PostgreSQL", lambda _i: fresh_postgres(os.environ["BENCH_DATABASE_URL"])))
        for label, fresh in targets:
            reads, imports, calamine = [], [], []
            counts: dict[str, int] = {}
            for i in range(args.repeat):  # A B A B: a slow moment of the machine falls on both sides
                read_s, count = time_openpyxl(path)
                assert count == args.rows
                reads.append(read_s)
                calamine.append(time_calamine(path))
                elapsed, counts = time_import(fresh(i), path)
                imports.append(elapsed)
            read_med, import_med = statistics.median(reads), statistics.median(imports)
            ratio = import_med / read_med
            print(f"{label:10}  openpyxl read-only alone: median {read_med:6.2f}s   full import: median "
                  f"{import_med:6.2f}s ({args.rows / import_med:6.0f} rows/s)  {counts}")
            print(f"{'':10}  import / read: {ratio:.2f}× (goal ≤ {GOAL}×: {'met' if ratio <= GOAL else 'NOT met'});"
                  f"  the import reads with calamine, alone {statistics.median(calamine):.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
