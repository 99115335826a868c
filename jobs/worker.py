"""Run an RQ worker on every queue of the platform: ``python -m jobs.worker``.

Needs ``REDIS_URL``. Without it the platform runs jobs in-process and no worker is needed.
The worker builds the app once (importing WeasyPrint and friends a single time per process).
"""

from __future__ import annotations

import logging
import sys

from redis import Redis
from rq import Queue, Worker

from wxbackend.config import Settings
from wxbackend.core import jobs, requestid


def main() -> int:
    settings = Settings.from_env()
    if not settings.REDIS_URL:
        print("REDIS_URL is not set: jobs run in-process, no worker needed", file=sys.stderr)
        return 2
    requestid.configure_logging(logging.INFO)
    connection = Redis.from_url(settings.REDIS_URL)
    jobs.worker_app()  # build once in the parent; each forked work horse inherits it
    worker = Worker([Queue(name, connection=connection) for name in jobs.QUEUES], connection=connection)
    worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
