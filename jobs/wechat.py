"""Job: complete a new follower of the official account with its unionid (WX-4)."""

from __future__ import annotations

from wxbackend.core.jobs import job


@job("messages", timeout=60, retries=3)
def fetch_follower_unionid(oa_openid: str) -> str | None:
    from wxbackend.core.db import db
    from wxbackend.notify.official_account import fetch_unionid

    unionid = fetch_unionid(oa_openid)
    db.session.commit()
    return unionid
