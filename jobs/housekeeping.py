"""Jobs: forget one-time form keys older than two days (``wxbackend.core.once``) and ended browser sessions."""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("default", timeout=300, retries=1)
def purge_form_keys() -> int:
    from wxbackend.core import once
    from wxbackend.core.db import db

    count = once.purge()
    db.session.commit()
    return count


@job("default", timeout=300, retries=1)
def purge_sessions() -> int:
    from wxbackend.auth.principals import purge_sessions as purge
    from wxbackend.core.db import db

    count = purge()
    db.session.commit()
    return count
