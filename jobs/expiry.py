"""Job: mark invitations past their 应约截止时间 as 已失效 and queue the messages (ON-3).

Scheduled every minute by ``python -m jobs.scheduler`` (RQ mode) or the embedded scheduler
thread (``make run``). Answers are refused after the deadline whether or not it has run.
"""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("expiry", timeout=600, retries=1)
def expire_invitations() -> int:
    """One UPDATE over every waiting invitation past its deadline; returns how many expired."""
    from wxbackend.core.db import db
    from wxbackend.signing.services import expire_due

    count = expire_due()
    if count:
        from wxbackend.notify import queue_sender

        queue_sender()  # the INSERT … SELECT wrote the messages without going through notify_graduate()
    db.session.commit()
    return count
