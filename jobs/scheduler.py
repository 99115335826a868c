"""Enqueue the periodic jobs (invitation expiry, ON-3; message retries, MS-2): ``python -m jobs.scheduler``.

Runs next to ``python -m jobs.worker`` when REDIS_URL is set. Several schedulers may run (one
per host): a Redis key taken with SET NX EX makes sure each interval enqueues the job once.
Without Redis, ``SCHEDULER=1`` starts the same loop in a thread of the web process
(``make run``). Deadlines never depend on it: answers are checked against the deadline.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from wxbackend.config import Settings

log = logging.getLogger(__name__)


def tick(app: Any, redis: Any = None, interval: int = 60) -> bool:
    """Enqueue the expiry job once per interval; False when another scheduler already did."""
    from jobs.expiry import expire_invitations
    from jobs.messages import send_messages
    from wxbackend.core.jobs import enqueue_now

    if redis is not None and not redis.set("wx:scheduler:expiry", "1", nx=True, ex=max(1, interval - 1)):
        return False
    with app.app_context():
        enqueue_now(expire_invitations)
        if app.config["SETTINGS"].messages_enabled:  # retries of messages that failed for a while
            enqueue_now(send_messages)
    return True


def loop(app: Any, interval: int, redis: Any = None, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            tick(app, redis, interval)
        except Exception:  # keep scheduling; the job itself retries
            log.exception("scheduling the expiry job failed")
        stop.wait(interval)


def start_thread(app: Any, interval: int) -> threading.Thread:
    """The embedded scheduler of ``make run`` (SCHEDULER=1, no Redis)."""
    thread = threading.Thread(target=loop, args=(app, interval), name="wx-scheduler", daemon=True)
    thread.start()
    return thread


def main() -> int:
    from redis import Redis

    from wxbackend.core import jobs

    settings = Settings.from_env()
    if not settings.REDIS_URL:
        print("REDIS_URL is not set: run the web process with SCHEDULER=1 instead", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO)
    app = jobs._worker_app()
    log.info("scheduling invitation expiry every %ss", settings.EXPIRY_INTERVAL)
    loop(app, settings.EXPIRY_INTERVAL, Redis.from_url(settings.REDIS_URL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
