"""Enqueue the periodic jobs (``wxbackend.core.scheduler.SCHEDULE``): ``python -m jobs.scheduler``.

Runs next to ``python -m jobs.worker`` when REDIS_URL is set. Without Redis, ``SCHEDULER=1``
starts the same loop in a thread of the web process (``make run``).
"""

from __future__ import annotations

import logging
import sys

from wxbackend.config import Settings
from wxbackend.core import jobs, requestid
from wxbackend.core.scheduler import loop, tick

__all__ = ["loop", "main", "tick"]

log = logging.getLogger(__name__)


def main() -> int:
    from redis import Redis

    settings = Settings.from_env()
    if not settings.REDIS_URL:
        print("REDIS_URL is not set: run the web process with SCHEDULER=1 instead", file=sys.stderr)
        return 2
    requestid.configure_logging(logging.INFO)
    app = jobs.worker_app()
    log.info("scheduling the periodic jobs every %ss", settings.EXPIRY_INTERVAL)
    loop(app, settings.EXPIRY_INTERVAL, Redis.from_url(settings.REDIS_URL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
