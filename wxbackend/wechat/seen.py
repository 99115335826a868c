"""Remember what the callback has seen for a while: request signatures (replays) and messages (retries).

With ``REDIS_URL`` configured the keys live in Redis (``SET NX EX``), shared by every web process.
Without Redis they are rows of ``wechat_callback_seen`` in the database — shared by every process too,
and kept only until they expire (expired rows are deleted as new ones come in).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.wechat.models import WechatCallbackSeen

PREFIX = "wx:callback:"


def _redis() -> Any:
    from wxbackend.auth.wechat import shared_redis

    return shared_redis(current_app.config["SETTINGS"].REDIS_URL)


def first_time(key: str, seconds: int) -> bool:
    """True the first time *key* is offered within *seconds*; False while it is remembered."""
    if current_app.config["SETTINGS"].REDIS_URL:
        return bool(_redis().set(PREFIX + key, "1", nx=True, ex=seconds))
    now = timeutil.now()
    # its own transaction: a concurrent retry must see it at once, whatever happens to the request after
    db.session.execute(delete(WechatCallbackSeen).where(WechatCallbackSeen.expires_at <= now))
    db.session.add(WechatCallbackSeen(key=key, expires_at=now + timedelta(seconds=seconds)))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def forget(key: str) -> None:
    """Let *key* be handled again (the handler failed, so WeChat's retry must not be dropped)."""
    if current_app.config["SETTINGS"].REDIS_URL:
        _redis().delete(PREFIX + key)
    else:
        db.session.execute(delete(WechatCallbackSeen).where(WechatCallbackSeen.key == key))
        db.session.commit()
