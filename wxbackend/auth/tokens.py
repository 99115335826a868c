"""Mini-program API tokens: random, stored as SHA-256, expiring and revocable."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from wxbackend.accounts.models import ApiToken, Graduate
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import Unauthorized

PREFIX = "wxg_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(graduate: Graduate) -> tuple[str, ApiToken]:
    """Create a token for *graduate*; the plain token is returned once and never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    hours = current_app.config["SETTINGS"].API_TOKEN_HOURS
    row = ApiToken(token_hash=_hash(token), graduate_id=graduate.id,
                   expires_at=timeutil.now() + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    return token, row


def revoke(token: str) -> bool:
    result = db.session.execute(
        update(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=timeutil.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@functools.cache
def _token_query() -> Any:
    """The token and its graduate, built once (every API request sends it). The graduate's school,
    department and major come in the same statement: nearly every endpoint reads them."""
    return (select(ApiToken, Graduate).join(Graduate, Graduate.id == ApiToken.graduate_id)
            .where(ApiToken.token_hash == bindparam("token_hash"))
            .options(joinedload(Graduate.school), joinedload(Graduate.department), joinedload(Graduate.major)))


def authenticate() -> Graduate:
    """The graduate behind the request's bearer token, or a 401 that says why."""
    token = bearer()
    if token is None:
        raise Unauthorized("请先登录：缺少 Authorization: Bearer 令牌")
    row = db.session.execute(_token_query(), {"token_hash": _hash(token)}).first()
    if row is None:
        raise Unauthorized("登录令牌无效，请重新登录", code="token_invalid")
    api_token, graduate = row
    now = timeutil.now()
    if api_token.revoked_at is not None:
        raise Unauthorized("登录令牌已注销，请重新登录", code="token_revoked")
    if api_token.expires_at <= now:
        raise Unauthorized("登录已过期，请重新登录", code="token_expired")
    if graduate.deleted_at is not None:
        raise Unauthorized("学校已删除你的毕业生基本信息，请联系院系", code="graduate_deleted")
    g.api_token = api_token
    return graduate  # type: ignore[no-any-return]


def token_required(view: Any) -> Any:
    """Resolve the bearer token before the view; the view reads ``g.graduate``."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.graduate = authenticate()
        return view(*args, **kwargs)

    return wrapped
