"""A worker is killed (SIGKILL, with its work horse) in the middle of an import: the batch is found by
``recover_stale``, resumed after its last committed chunk and finishes with every row once; an import
cut off too often fails with the reason. No graduate is ever half written: each chunk's graduates and
their audit events commit together. The worker is a real ``python -m jobs.worker`` process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import func, select, update

from tests.accounts.importing import good_row, xlsx_bytes
from tests.accounts.test_import import batch_id_of, fresh_batch, upload
from tests.faults.conftest import PrivateRedis
from wxbackend.accounts import imports
from wxbackend.accounts.models import Graduate, ImportBatch
from wxbackend.core import timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db

ROWS = 8000


@pytest.fixture()
def settings_overrides(private_redis: PrivateRedis) -> dict[str, Any]:
    Redis.from_url(private_redis.url).flushdb()
    return {"JOBS_MODE": "rq", "REDIS_URL": private_redis.url, "IMPORT_INLINE_MAX_ROWS": 10}


@pytest.fixture()
def school_env(make_school, make_department, make_major, make_user, staff_login) -> dict[str, Any]:
    school = make_school()
    dept = make_department(school, code="CS01", name="计算机学院")
    make_major(dept, code="080901", name="计算机科学与技术")
    user = make_user("school", school_id=school.id)
    staff_login(user)
    return {"school": school, "user": user}


def _counts() -> tuple[int, int]:
    db.session.expire_all()
    graduates = db.session.scalar(select(func.count(Graduate.id))) or 0
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "graduate.import_create")) or 0
    return graduates, events


def _worker(app: Any, redis_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": app.config["SETTINGS"].DATABASE_URL, "REDIS_URL": redis_url,
           "SECRET_KEY": "test-secret", "JOBS_MODE": "rq", "STORAGE_DIR": app.config["SETTINGS"].STORAGE_DIR}
    return subprocess.Popen([sys.executable, "-m", "jobs.worker"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return out


def _kill_with_horse(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and the work horse it forked (rq puts the horse in a session of its own):
    what a crashed machine or an OOM-killed container does to both."""
    horses = _children(worker.pid)
    os.killpg(worker.pid, signal.SIGKILL)
    for pid in horses:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=10)


def test_a_worker_killed_mid_import_leaves_whole_chunks_and_the_batch_resumes(
        app, client, school_env, csrf_off, private_redis) -> None:
    batch_id = batch_id_of(upload(client, xlsx_bytes([good_row(n) for n in range(1, ROWS + 1)]), "8000.xlsx"))
    worker = _worker(app, private_redis.url)
    try:
        deadline = time.monotonic() + 120
        while True:  # kill it once some chunks are in, before the last
            batch = fresh_batch(batch_id)
            if batch.processed_rows >= imports.CHUNK_ROWS:
                break
            assert batch.state != "done" and time.monotonic() < deadline, "the worker never got going"
            time.sleep(0.02)
        _kill_with_horse(worker)
    finally:
        if worker.poll() is None:
            _kill_with_horse(worker)
    cut = fresh_batch(batch_id)
    assert cut.state == "running" and 0 < cut.processed_rows < ROWS, (cut.state, cut.processed_rows)
    graduates, events = _counts()
    assert graduates == events == cut.created_count  # whole chunks only, each with its events

    # a live run is left alone; one silent for too long is resumed
    assert imports.recover_stale() == {"resumed": 0, "failed": 0}
    db.session.execute(update(ImportBatch).values(heartbeat_at=timeutil.now() - timedelta(hours=1)))
    db.session.commit()
    assert imports.recover_stale() == {"resumed": 1, "failed": 0}
    assert fresh_batch(batch_id).state == "queued"
    app.extensions["wx_jobs"].drain()
    done = fresh_batch(batch_id)
    assert done.state == "done", done.failure
    assert (done.processed_rows, done.created_count, done.error_count) == (ROWS, ROWS, 0)
    assert _counts() == (ROWS, ROWS)  # every row once: nothing lost, nothing twice
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import.resumed")) == 1


def test_an_import_cut_off_too_often_fails_with_the_reason(app, client, school_env, csrf_off) -> None:
    batch_id = batch_id_of(upload(client, xlsx_bytes([good_row(n) for n in range(1, 41)])))
    db.session.execute(update(ImportBatch).values(
        state="running", attempts=imports.MAX_ATTEMPTS, processed_rows=0,
        heartbeat_at=timeutil.now() - timedelta(hours=1)))
    db.session.commit()
    assert imports.recover_stale() == {"resumed": 0, "failed": 1}
    batch = fresh_batch(batch_id)
    assert batch.state == "failed" and "中断了3次" in batch.failure and batch.finished_at is not None
    page = client.get(f"/console/imports/{batch_id}").get_data(as_text=True)
    assert "中断了3次" in page


def test_a_second_copy_of_the_job_does_not_import_twice(app, client, school_env, csrf_off) -> None:
    from jobs.imports import import_graduates

    batch_id = batch_id_of(upload(client, xlsx_bytes([good_row(n) for n in range(1, 41)])))
    import_graduates(batch_id)
    import_graduates(batch_id)  # the relayed or retried copy finds it claimed and finished
    assert _counts() == (40, 40) and fresh_batch(batch_id).attempts == 1
