"""Redis stops while a graduate submits: the submission succeeds, its jobs wait in the job outbox, and
they run once Redis is back (the scheduler's relay enqueues them). On both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import func, select, update

from tests.destinations.conftest import graduate_api, world  # noqa: F401
from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from tests.faults.conftest import PrivateRedis
from tests.files.photos import jpeg_bytes as photo_jpeg
from tests.files.photos import photo_like
from wxbackend.core import scheduler, timeutil
from wxbackend.core.db import db
from wxbackend.core.jobs import JobOutbox, relay_outbox


@pytest.fixture()
def settings_overrides(private_redis: PrivateRedis) -> dict[str, Any]:
    Redis.from_url(private_redis.url).flushdb()
    return {"JOBS_MODE": "rq", "REDIS_URL": private_redis.url}


def _outbox() -> list[JobOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(select(JobOutbox).order_by(JobOutbox.created_at)))


def test_a_submission_while_redis_is_down_succeeds_and_its_jobs_run_when_redis_returns(
        app: Any, private_redis: PrivateRedis, graduate_api: Callable[..., Any]) -> None:  # noqa: F811
    _, api = graduate_api()
    record_id = api.post("/destination/records", {"subkind": "labour_contract", "fields": LABOUR_FIELDS}
                         ).get_json()["id"]
    # with Redis up, a job is handed over at the commit and its outbox row is gone at once
    assert api.upload(record_id, jpeg_bytes()).status_code == 201
    assert _outbox() == []

    private_redis.stop()
    try:
        photo = photo_jpeg(photo_like(2400, 1800, seed=5))
        assert len(photo) > 300 * 1024  # so the upload asks for the compression job
        resp = api.upload(record_id, photo, "IMG_3001.JPG")
        assert resp.status_code == 201, resp.get_json()
        resp = api.post(f"/destination/records/{record_id}/submit")
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["status"] == "pending"
        kept = _outbox()
        assert "jobs.images.compress_image" in [r.path for r in kept]
        # the relay tries, counts the attempt and keeps the row while Redis is away
        assert relay_outbox(app, older_than=timedelta(0)) == 0
        assert _outbox()[0].attempts == 1 and _outbox()[0].last_error
    finally:
        private_redis.start()
        app.extensions["wx_jobs"].redis.connection_pool.disconnect()  # as a restarted worker would

    # Redis is back: the scheduler's next tick (past the relay's grace period) enqueues what was kept,
    # and a worker runs it
    db.session.execute(update(JobOutbox).values(created_at=timeutil.now() - timedelta(minutes=1)))
    db.session.commit()
    assert scheduler.tick(app, Redis.from_url(private_redis.url), interval=2)
    assert _outbox() == []
    app.extensions["wx_jobs"].drain()
    proofs = api.record(record_id)["proofs"]
    assert [p["compression_state"] for p in proofs] == ["not_needed", "done"]
    assert proofs[1]["size"] <= 300 * 1024
    assert db.session.scalar(select(func.count()).select_from(JobOutbox)) == 0


def test_a_rolled_back_change_leaves_no_job_behind(app: Any, private_redis: PrivateRedis) -> None:
    from wxbackend.core.jobs import enqueue

    db.session.execute(select(func.count()).select_from(JobOutbox))  # the change's transaction
    enqueue("jobs.housekeeping.purge_form_keys")
    db.session.rollback()
    db.session.commit()
    assert _outbox() == []
    assert Redis.from_url(private_redis.url).llen("rq:queue:default") == 0
