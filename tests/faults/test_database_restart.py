"""PostgreSQL goes away under load and comes back: requests in between fail cleanly (503 in the API's
error shape, a Chinese page in a browser) and the same app serves again afterwards, no restart.

A restart is played on the test database itself: its backends are terminated (what a restart does to
every client) and new connections refused (``ALLOW_CONNECTIONS false``, as while the server starts),
then allowed again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import IS_PG, _pg_url
from wxbackend.auth import tokens
from wxbackend.core import timeutil
from wxbackend.core.db import db

pytestmark = pytest.mark.skipif(not IS_PG, reason="plays a PostgreSQL restart")


class Outage:
    def __init__(self, url: str) -> None:
        self.name = url.rpartition("/")[2]
        self.admin = create_engine(_pg_url("postgres").replace("postgresql://", "postgresql+psycopg://"),
                                   isolation_level="AUTOCOMMIT")

    def begin(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": self.name})

    def end(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true'))


@pytest.fixture()
def outage(db_url: str) -> Iterator[Outage]:
    o = Outage(db_url)
    yield o
    o.end()
    o.admin.dispose()


def test_requests_fail_cleanly_while_postgresql_restarts_and_recover_without_an_app_restart(
        app: Any, client: Any, outage: Outage, make_graduate: Any) -> None:
    graduate = make_graduate(confirmed_at=timeutil.now())
    token, _ = tokens.issue(graduate)
    db.session.commit()
    db.session.remove()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    stop = threading.Event()
    seen: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def load() -> None:  # four clients calling the API as fast as they are answered
        local = app.test_client()
        while not stop.is_set():
            resp = local.get("/api/v1/me", headers=headers)
            with lock:
                seen.append((resp.status_code, resp.get_json(silent=True)))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        outage.begin()
        time.sleep(1.5)
        during = client.get("/api/v1/me", headers=headers)
        page = client.get("/")  # the public home lists the notices
    finally:
        outage.end()
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join(timeout=30)

    assert during.status_code == 503 and during.headers["Retry-After"] == "5"
    assert during.get_json() == {"error": {"code": "database_unavailable", "message": "数据库暂时无法访问，请稍后再试",
                                           "fields": {}}}
    assert page.status_code == 503 and "数据库暂时无法访问" in page.get_data(as_text=True)
    statuses = {status for status, _ in seen}
    assert statuses <= {200, 503}, statuses  # nothing else: no 500, no hang
    assert 503 in statuses and 200 in statuses
    assert all(body["error"]["code"] == "database_unavailable" for status, body in seen if status == 503)
    # the same app, the same pool: answering again
    for _ in range(5):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert seen[-1][0] == 200


def test_a_connection_dropped_during_a_request_is_discarded_at_teardown_without_raising(
        app: Any, client: Any, outage: Outage) -> None:
    """The database drops the session's connection after the view's last query (a restart at that
    moment): the response stands, and tearing the session down neither raises nor leaks the connection."""

    @app.get("/_test/dropped")
    def _dropped():  # type: ignore[no-untyped-def]
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with outage.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "ok"

    resp = client.get("/_test/dropped")
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "ok"
    assert client.get("/healthz").status_code == 200  # the pool serves the next request


def test_an_idle_connection_the_database_dropped_is_replaced_before_it_is_used(
        app: Any, client: Any, outage: Outage, monkeypatch: Any) -> None:
    """A pooled connection is pinged at checkout only after sitting idle (not on every request): one the
    database dropped meanwhile is replaced before the request uses it; a busy one that died answers 503
    once, and the pool connects afresh for the next request."""
    from wxbackend.core import db as db_module

    assert client.get("/").status_code == 200  # a connection now waits in the pool
    outage.begin()
    outage.end()  # every backend terminated: the pooled connection is dead
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)  # it has sat idle long enough
    assert client.get("/").status_code == 200  # pinged, replaced, served

    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 3600.0)  # handed out again at once: no ping
    outage.begin()
    outage.end()
    assert client.get("/").status_code == 503
    assert client.get("/").status_code == 200
