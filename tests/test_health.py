"""``/healthz`` answers 200 when the database and Redis answer, 503 naming the one that does not."""

from __future__ import annotations

from tests.conftest import TEST_REDIS


def test_healthz_reports_database_and_redis(client) -> None:
    res = client.get("/healthz")
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    assert res.get_json() == {"status": "ok", "database": "ok", "redis": "ok" if TEST_REDIS else "not configured"}


def test_healthz_is_503_when_redis_cannot_be_reached(app, client) -> None:
    from dataclasses import replace

    app.config["SETTINGS"] = replace(app.config["SETTINGS"], REDIS_URL="redis://127.0.0.1:1/0")
    res = client.get("/healthz")
    assert res.status_code == 503
    assert res.get_json() == {"status": "unavailable", "database": "ok", "redis": "unreachable"}
