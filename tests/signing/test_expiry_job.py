"""The scheduled expiry job (ON-3): queued by the scheduler once per interval, run by a worker, set-based."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from jobs.scheduler import tick
from tests.conftest import TEST_REDIS
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.notify.models import NotificationOutbox
from wxbackend.signing.models import OnlineAgreement


def test_on_3_scheduler_queues_the_expiry_job_and_a_worker_runs_it(app, world, grad, employer_user, invite,
                                                                  drain_jobs, frozen_now) -> None:
    """ON-3: the scheduler enqueues the job (once per interval with Redis); the worker expires what is due."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    due = invite(employer_user(), grad(), days=1)
    later = invite(employer_user(), grad(), days=5)
    frozen_now(due.deadline + timedelta(minutes=1))
    redis = None
    if TEST_REDIS:
        from redis import Redis

        redis = Redis.from_url(TEST_REDIS)
    assert tick(app, redis, interval=60) is True
    if redis is not None:  # a second scheduler in the same interval does not enqueue it again
        assert tick(app, redis, interval=60) is False
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(OnlineAgreement, due.id).status == "expired"
    assert db.session.get(OnlineAgreement, later.id).status == "waiting"
    sent = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == "invitation_expired")).all()
    assert [n.graduate_id for n in sent] == [due.graduate_id]
    assert sent[0].data == {"agreement_id": due.id} and "已失效" in sent[0].body
    assert db.session.scalar(select(func.count()).select_from(OnlineAgreement)
                             .where(OnlineAgreement.expired_at.is_not(None))) == 1
