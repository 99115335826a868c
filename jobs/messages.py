"""Job: send the notification outbox on its channels, WeChat and SMS (MS-1, MS-2, MS-3)."""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("messages", timeout=600, retries=0)
def send_messages() -> dict[str, int]:
    """Send every message that is due; failures are retried by the next run (row-level backoff)."""
    from wxbackend.notify import send_pending

    return send_pending()
