"""Background jobs: one place that names every queue and decides how a job runs.

Three modes (``Settings.jobs_mode``):

- ``rq``: jobs go to Redis queues and an ``rq worker`` runs them (production, and the
  PostgreSQL test run with a real Redis);
- ``thread``: no Redis configured — the embedded default of ``make run``. Jobs run in a
  small in-process thread pool, with the same retries;
- ``eager``: jobs run inline at commit (handy in a shell).

Jobs are enqueued *after the commit succeeds* (never for a rolled-back change) and
receive ids, not objects. The functions themselves live in ``jobs/``, which sits above the
whole application: ``wxbackend`` names a job by its dotted path (``"jobs.pdf.render_agreement_pdf"``)
and never imports ``jobs``; the path is resolved when the job is dispatched. The worker process
tells this module how to build its app (``use_app_factory``), so core never imports the app.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import Integer, String, delete, event, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base, JSONType

log = logging.getLogger(__name__)


class JobOutbox(Base):
    """A job written in the transaction that asked for it, deleted once Redis has it (``rq`` mode).

    If Redis does not answer at the commit, the row stays, and the scheduler's next tick
    (:func:`relay_outbox`) enqueues it when Redis is back: a committed change never loses its job.
    """

    __tablename__ = "job_outbox"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The job's dotted path in ``jobs/``.
    path: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))


#: Every queue, named once. Workers listen to all of them in this order.
QUEUES = ("default", "imports", "images", "pdf", "messages", "expiry")


@dataclass(frozen=True)
class JobSpec:
    func: Callable[..., Any]
    queue: str
    timeout: int
    retries: int
    retry_intervals: tuple[int, ...]

    @property
    def path(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


def job(queue: str, *, timeout: int = 300, retries: int = 3, intervals: tuple[int, ...] = (10, 60, 300)):
    """Declare a job entry point: ``@job("imports", timeout=1800)``.

    The decorated function runs inside an application context (the worker's own app
    when run by ``rq worker``), so it may use the database directly.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        def runner(*args: Any) -> Any:
            if has_app_context():
                return func(*args)
            with worker_app().app_context():
                return func(*args)

        runner.__name__ = func.__name__
        runner.__qualname__ = func.__qualname__
        runner.__module__ = func.__module__
        runner.__doc__ = func.__doc__
        runner.spec = JobSpec(runner, queue, timeout, retries, intervals)  # type: ignore[attr-defined]
        return runner

    return wrap


_app_for_worker: Flask | None = None
_app_factory: Callable[[], Flask] | None = None

#: A job as the application names it: its function, or its dotted path in ``jobs/``.
JobRef = Callable[..., Any] | str


def use_app_factory(factory: Callable[[], Flask]) -> None:
    """How a worker process builds its app (``jobs`` registers ``create_app``)."""
    global _app_factory
    _app_factory = factory


def worker_app() -> Flask:
    """The worker's app, built once per process by the registered factory."""
    global _app_for_worker
    if _app_for_worker is None:
        if _app_factory is None:
            raise RuntimeError("no app factory registered: import the jobs package first")
        _app_for_worker = _app_factory()
    return _app_for_worker


def resolve(ref: JobRef) -> Callable[..., Any]:
    """The job function *ref* names (a dotted path is imported on first use)."""
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.rpartition(".")
    func = getattr(importlib.import_module(module), name)
    if not hasattr(func, "spec"):
        raise ValueError(f"{ref} is not a job (missing @job)")
    return func  # type: ignore[no-any-return]


def enqueue(ref: JobRef, *args: Any, session: Session | None = None, once: bool = False) -> None:
    """Queue the job *ref* with *args* to run once the current transaction commits.

    With *once*, the same call queued again in the same transaction is dropped (e.g. one run of
    the message sender for a transaction that wrote many messages).
    """
    from wxbackend.core.db import db

    sess = session or db.session()
    pending = sess.info.setdefault("pending_jobs", [])
    if once and any(p[0] == ref and p[1] == args for p in pending):
        return
    pending.append((ref, args, None))


def enqueue_now(ref: JobRef, *args: Any) -> Any:
    """Dispatch immediately (no transaction to wait for)."""
    return current_app.extensions["wx_jobs"].dispatch(ref, args)


class JobRunner:
    """Dispatches jobs according to the configured mode."""

    def __init__(self, app: Flask, mode: str, redis_url: str) -> None:
        self.app = app
        self.mode = mode
        self.redis_url = redis_url
        self._executor: ThreadPoolExecutor | None = None
        self._futures: list[Future[Any]] = []
        self._lock = threading.Lock()
        self._redis = None
        if mode == "rq":
            from redis import Redis

            self._redis = Redis.from_url(redis_url)

    @property
    def redis(self):  # type: ignore[no-untyped-def]
        return self._redis

    def queue(self, name: str):  # type: ignore[no-untyped-def]
        from rq import Queue

        return Queue(name, connection=self._redis)

    def dispatch(self, ref: JobRef, args: tuple[Any, ...]) -> Any:
        spec: JobSpec = resolve(ref).spec  # type: ignore[attr-defined]
        if self.mode == "rq":
            from rq import Retry

            retry = Retry(max=spec.retries, interval=list(spec.retry_intervals)) if spec.retries else None
            return self.queue(spec.queue).enqueue(
                spec.path, *args, job_timeout=spec.timeout, retry=retry, result_ttl=86400, failure_ttl=7 * 86400
            )
        if self.mode == "eager":
            return self._run_with_retries(spec, args, sleep=False)
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wx-job")
            fut = self._executor.submit(self._run_with_retries, spec, args, True)
            self._futures = [f for f in self._futures if not f.done()] + [fut]
        return fut

    def _run_with_retries(self, spec: JobSpec, args: tuple[Any, ...], sleep: bool) -> Any:
        attempt = 0
        while True:
            try:
                with self.app.app_context():
                    return spec.func(*args)
            except Exception:
                if attempt >= spec.retries:
                    log.exception("job %s%r failed after %d attempts", spec.path, args, attempt + 1)
                    return None
                delay = spec.retry_intervals[min(attempt, len(spec.retry_intervals) - 1)]
                log.warning("job %s%r failed, retry %d in %ss", spec.path, args, attempt + 1, delay)
                attempt += 1
                if sleep:
                    time.sleep(min(delay, 5))

    def drain(self, timeout: float = 60) -> None:
        """Run or wait for every queued job. Tests and the CLI use it."""
        if self.mode == "rq":
            from rq import SimpleWorker

            queues = [self.queue(name) for name in QUEUES]
            SimpleWorker(queues, connection=self._redis).work(burst=True, with_scheduler=False)
            return
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [f for f in self._futures if not f.done()]
            if not pending:
                return
            for fut in pending:
                fut.result(timeout=max(0.1, deadline - time.monotonic()))


def init_app(app: Flask) -> None:
    from wxbackend.core.db import db

    settings = app.config["SETTINGS"]
    runner = JobRunner(app, settings.jobs_mode, settings.REDIS_URL)
    app.extensions["wx_jobs"] = runner

    sess_cls = db.session.session_factory.class_  # type: ignore[attr-defined]
    if not getattr(sess_cls, "_wx_jobs_hooked", False):
        sess_cls._wx_jobs_hooked = True

        def current_runner() -> JobRunner:
            return current_app.extensions["wx_jobs"] if has_app_context() else runner  # type: ignore[no-any-return]

        @event.listens_for(sess_cls, "before_commit")
        def _before_commit(session: Session) -> None:
            # rq mode: the jobs are rows of this very transaction (the outbox), so a commit whose
            # enqueue then fails keeps them; in-process modes have no Redis to lose them to
            pending = session.info.get("pending_jobs")
            if not pending or current_runner().mode != "rq":
                return
            now = timeutil.now()
            rows = []
            for i, (ref, args, outbox_id) in enumerate(pending):
                if outbox_id is None:
                    outbox_id = uuid.uuid4().hex
                    pending[i] = (ref, args, outbox_id)
                    rows.append({"id": outbox_id, "path": _path(ref), "args": list(args), "created_at": now,
                                 "attempts": 0})
            if rows:
                session.execute(insert(JobOutbox), rows)

        @event.listens_for(sess_cls, "after_commit")
        def _after_commit(session: Session) -> None:
            pending = session.info.pop("pending_jobs", [])
            if not pending:
                return
            jobs_runner = current_runner()
            sent: list[str] = []
            for func, args, outbox_id in pending:
                try:
                    jobs_runner.dispatch(func, args)
                except Exception:  # the change is committed; its job waits in the outbox for Redis
                    log.exception("could not enqueue %s%r; kept in the job outbox until Redis answers",
                                  func, args)
                    continue
                if outbox_id is not None:
                    sent.append(outbox_id)
            if sent:
                try:
                    with session.get_bind().begin() as conn:
                        conn.execute(delete(JobOutbox).where(JobOutbox.id.in_(sent)))
                except Exception:  # left over, the relay sends it once more: jobs are safe to run twice
                    log.exception("could not clear %d sent jobs from the outbox", len(sent))

        @event.listens_for(sess_cls, "after_rollback")
        def _after_rollback(session: Session) -> None:
            session.info.pop("pending_jobs", None)


def _path(ref: JobRef) -> str:
    return ref if isinstance(ref, str) else resolve(ref).spec.path  # type: ignore[attr-defined]


#: How old an outbox row must be before the relay sends it: younger ones are still being sent by
#: the commit that wrote them.
RELAY_AFTER = timedelta(seconds=30)


def relay_outbox(app: Flask, older_than: timedelta = RELAY_AFTER, limit: int = 1000) -> int:
    """Enqueue the jobs left in the outbox by commits that could not reach Redis; how many were sent.

    Run by the scheduler on every tick. It stops at the first failure (Redis is still away) and
    counts the attempt on that row. A row is taken with SKIP LOCKED on PostgreSQL, so two relays
    never send the same one.
    """
    from wxbackend.core.db import db

    with app.app_context():
        runner = app.extensions["wx_jobs"]
        if runner.mode != "rq":
            return 0
        cutoff = timeutil.now() - older_than
        rows = db.session.scalars(
            select(JobOutbox).where(JobOutbox.created_at <= cutoff).order_by(JobOutbox.created_at)
            .limit(limit).with_for_update(skip_locked=True)).all()
        sent = 0
        try:
            for row in rows:
                try:
                    runner.dispatch(row.path, tuple(row.args))
                except Exception as err:
                    row.attempts += 1
                    row.last_error = f"{type(err).__name__}: {err}"[:300]
                    log.warning("job outbox: Redis still refuses %s (%s)", row.path, row.last_error)
                    break
                db.session.delete(row)
                sent += 1
            db.session.commit()
        finally:
            db.session.remove()
        if sent:
            log.info("job outbox: enqueued %d job(s) kept while Redis was away", sent)
        return sent
