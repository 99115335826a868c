"""``/healthz``: whether this process can reach PostgreSQL (or SQLite) and Redis, for load balancers."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from sqlalchemy import text

from wxbackend.core.db import db
from wxbackend.home.views import bp


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # an unreachable database is the answer, not an error of this view
        current_app.logger.warning("health check: database unreachable: %s", exc)
        db.session.rollback()
        return "unreachable"


def _redis() -> str:
    url = current_app.config["SETTINGS"].REDIS_URL
    if not url:
        return "not configured"
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        return "ok"
    except Exception as exc:
        current_app.logger.warning("health check: redis unreachable: %s", exc)
        return "unreachable"


@bp.get("/healthz")
def healthz() -> Any:
    """200 when every configured dependency answers, else 503 naming which one did not."""
    checks = {"database": _database(), "redis": _redis()}
    healthy = all(v in ("ok", "not configured") for v in checks.values())
    return jsonify({"status": "ok" if healthy else "unavailable", **checks}), 200 if healthy else 503
