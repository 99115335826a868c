"""The periodic jobs, declared once (Redash's ``schedule``), and the loop that enqueues them.

``python -m jobs.scheduler`` runs :func:`loop` next to the RQ workers; without Redis, ``SCHEDULER=1``
starts the same loop in a thread of the web process (``make run``). Several schedulers may run (one
per host): a Redis key taken with SET NX EX makes sure each interval enqueues the jobs once.
Deadlines never depend on it: answers are checked against the deadline when they arrive.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wxbackend.core.jobs import enqueue_now, relay_outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    #: The job's dotted path in ``jobs/``.
    job: str
    #: Whether it runs with these settings (e.g. a job only some deployments configure).
    enabled: Callable[[Any], bool] = lambda settings: True


#: Every periodic job: invitation expiry (ON-3), retries of messages that failed for a while (MS-2) and
#: forgetting used one-time form keys and ended browser sessions.
SCHEDULE = (
    Periodic("jobs.expiry.expire_invitations"),
    Periodic("jobs.messages.send_messages"),  # SMS is always on; it sends only the enabled channels' rows
    Periodic("jobs.housekeeping.purge_form_keys"),
    Periodic("jobs.housekeeping.purge_sessions"),
    Periodic("jobs.imports.recover_stale_imports"),
)


def tick(app: Any, redis: Any = None, interval: int = 60) -> bool:
    """Enqueue the periodic jobs once per interval; False when another scheduler already did."""
    if redis is not None and not redis.set("wx:scheduler:expiry", "1", nx=True, ex=max(1, interval - 1)):
        return False
    relay_outbox(app)  # jobs whose enqueue failed at their commit, now that Redis answers again
    with app.app_context():
        settings = app.config["SETTINGS"]
        for periodic in SCHEDULE:
            if periodic.enabled(settings):
                enqueue_now(periodic.job)
    return True


def loop(app: Any, interval: int, redis: Any = None, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            tick(app, redis, interval)
        except Exception:  # keep scheduling; the jobs themselves retry
            log.exception("scheduling the periodic jobs failed")
        stop.wait(interval)


def start_thread(app: Any, interval: int) -> threading.Thread:
    """The embedded scheduler of ``make run`` (SCHEDULER=1, no Redis)."""
    thread = threading.Thread(target=loop, args=(app, interval), name="wx-scheduler", daemon=True)
    thread.start()
    return thread
