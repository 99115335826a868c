"""Job: mark invitations past their 应约截止时间 as 已失效 and queue the messages (ON-3).

Scheduled every minute by ``python -m jobs.scheduler`` (RQ mode) or the embedded scheduler
thread (``make run``). Answers are refused after the deadline whether or not it has run.
"""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("expiry", timeout=600, retries=1)
def expire_invitations() -> int:
    """Two transactions: expire what is due (one UPDATE), then write its messages and timeline events
    (``fan_out_pending``, which also retries a run whose fan-out failed); returns how many expired."""
    from wxbackend.core.db import db
    from wxbackend.signing.services import expire_due, fan_out_pending

    count = expire_due()
    db.session.commit()
    fan_out_pending()
    db.session.commit()
    return count
