"""Job: forget one-time form keys older than two days (``wxbackend.core.once``)."""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("default", timeout=300, retries=1)
def purge_form_keys() -> int:
    from wxbackend.core import once
    from wxbackend.core.db import db

    count = once.purge()
    db.session.commit()
    return count
