"""Benchmark the archive dispatch (档案转递, AR-9) of 10,000 archives: seconds and SQL statements per step.

    .venv/bin/python bench/bench_dispatch.py [--archives 10000]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wx_bench .venv/bin/python bench/bench_dispatch.py

Seeds one school with N graduates and their current archive info in bulk SQL, then runs the
services (no HTTP) a school runs in turn — the candidate list with its pre-flight, 生成转递编号 for
all of them in one batch, the mailing-list export, the import of the carrier's tracking file (every
archive sent, one outbox message and one audit event each) — and prints for each the wall time and
the SQL statements sent (counted with a ``before_cursor_execute`` event). The statements should not
depend on N. SQLite always; the PostgreSQL database named by BENCH_DATABASE_URL is DROPPED and
re-created when given.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select  # noqa: E402

from bench.import_bench import fresh_postgres  # noqa: E402

ARCHIVE = {
    "archive_transfer_type": "11", "archive_unit_name": "北京市海淀区人才服务中心", "archive_unit_region": "110108",
    "archive_unit_address": "中关村大街1号", "archive_postcode": "100080", "archive_phone": "010-62550000",
}


@contextmanager
def counted(engine: Any) -> Iterator[list[int]]:
    """``with counted(engine) as n: …`` — n[0] is the statements sent meanwhile."""
    box = [0]

    def before(*_: Any) -> None:
        box[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield box
    finally:
        event.remove(engine, "before_cursor_execute", before)


def seed(archives: int) -> tuple[int, int]:
    """Bulk-insert a school, its account, N graduates and their archive info; (school id, user id)."""
    from wxbackend.accounts.models import Department, Graduate, Major, School, User
    from wxbackend.core import timeutil
    from wxbackend.core.db import db
    from wxbackend.transfers.models import TransferInfo

    now = timeutil.now()
    school = School(code="10999", name="基准大学")
    db.session.add(school)
    db.session.flush()
    dept = Department(school_id=school.id, code="D01", name="计算机学院")
    db.session.add(dept)
    db.session.flush()
    major = Major(school_id=school.id, department_id=dept.id, code="080901", name="计算机科学与技术")
    user = User(username="bench-school", display_name="学校老师", role="school", school_id=school.id,
                password_hash="x")
    db.session.add_all([major, user])
    db.session.flush()
    db.session.execute(insert(Graduate), [{
        "school_id": school.id, "department_id": dept.id, "major_id": major.id, "name": f"学生{i}",
        "id_number": f"1101011999{i:08d}", "gender": "1", "education": "31", "ethnicity": "01",
        "political_status": "03", "training_mode": "1", "origin_region": "110101", "enrol_ym": "202309",
        "graduate_ym": "202706", "schooling_years": 4, "archive_at_school": True, "hukou_at_school": True,
        "phone": "13800138000", "student_no": f"S{i:06d}", "confirmed_at": now, "created_at": now,
        "updated_at": now} for i in range(archives)])
    ids = list(db.session.scalars(select(Graduate.id).where(Graduate.school_id == school.id)))
    db.session.execute(insert(TransferInfo), [{
        "graduate_id": gid, "module": "archive", "source_kind": "school_entry", "source_id": 0,
        "data": {**ARCHIVE, "archive_contact": f"档案室{gid % 7}"}, "status": "current", "synced_at": now}
        for gid in ids])
    db.session.commit()
    return school.id, user.id


def run(url: str, archives: int, tmp: Path) -> None:
    from openpyxl import Workbook, load_workbook

    from wxbackend import create_app
    from wxbackend.accounts.models import User
    from wxbackend.config import Settings
    from wxbackend.core import timeutil
    from wxbackend.core.db import db
    from wxbackend.db_migrate import upgrade
    from wxbackend.transfers import dispatch

    app = create_app(settings=Settings(DATABASE_URL=url, SECRET_KEY="bench", JOBS_MODE="eager",
                                       STORAGE_DIR=str(tmp / "files")))
    upgrade(app)
    with app.app_context():
        t0 = time.perf_counter()
        school_id, user_id = seed(archives)
        print(f"  seeded {archives} graduates with archive info in {time.perf_counter() - t0:.1f}s")
        results: list[tuple[str, float, int]] = []

        def step(label: str, call: Callable[[], Any]) -> Any:
            start = time.perf_counter()
            with counted(db.engine) as n:
                out = call()
                db.session.commit()
            results.append((label, time.perf_counter() - start, n[0]))
            return out

        user = db.session.get(User, user_id)
        found = step("candidates + pre-flight", lambda: dispatch.candidates(school_id))
        assert len(found) == archives and not any(c.problems for c in found), "pre-flight found problems"
        graduate_ids = [c.graduate_id for c in found]
        issued = step("生成转递编号 (one batch)", lambda: dispatch.issue(user, school_id, graduate_ids))
        assert issued.issued == archives
        batch_id = issued.batch.id
        sheet = step("mailing list xlsx", lambda: dispatch.export_xlsx(school_id, batch_id))
        numbers = [r[0] for r in load_workbook(io.BytesIO(sheet), read_only=True).active.iter_rows(
            min_row=2, values_only=True)]
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("运单")
        ws.append(["转递编号", "快递公司", "运单号", "寄出日期"])
        today = timeutil.today().isoformat()
        for i, number in enumerate(numbers):
            ws.append([number, "EMS", f"1180{i:09d}", today])
        out = io.BytesIO()
        wb.save(out)
        content = out.getvalue()
        user = db.session.get(User, user_id)
        imported = step("tracking import (all sent, notified)",
                        lambda: dispatch.import_tracking(user, school_id, "运单.xlsx", content))
        assert imported.ok and imported.sent == archives, imported.errors[:3]
        total = sum(r[1] for r in results)
        for label, seconds, statements in results:
            print(f"  {label:38} {seconds:7.2f} s   {statements:3d} SQL statements")
        print(f"  {'total':38} {total:7.2f} s   ({len(sheet) / 1024:.0f} KB mailing list, "
              f"{len(content) / 1024:.0f} KB tracking file)")
        db.session.remove()
        db.engine.dispose()


def main() -> int:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archives", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")]
        # only BENCH_DATABASE_URL, never DATABASE_URL: the database is dropped and re-created
        if os.environ.get("BENCH_DATABASE_URL"):
            targets.append(("PostgreSQL", fresh_postgres(os.environ["BENCH_DATABASE_URL"])))
        for label, target in targets:
            print(f"{label}:")
            run(target, args.archives, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
