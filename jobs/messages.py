"""Job: send the notification outbox as WeChat messages (MS-1, MS-2)."""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("messages", timeout=600, retries=0)
def send_messages() -> dict[str, int]:
    """Send every message that is due; failures are retried by the next run (row-level backoff)."""
    from wxbackend.review.messages import send_pending

    return send_pending()
