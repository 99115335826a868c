"""Shared fixtures: a migrated database (PostgreSQL or SQLite), the app, clients and factories.

The database comes from ``TEST_DATABASE_URL`` (default: a SQLite file per run). The
schema is built by running the Alembic migrations, so every test run proves they work.
``TEST_REDIS_URL`` switches jobs to real RQ queues on that Redis; without it jobs run
in-process (the embedded default). Nothing of our own is mocked.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from wxbackend import create_app
from wxbackend.config import Settings
from wxbackend.core import timeutil
from wxbackend.core.db import db

TEST_DB = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS = os.environ.get("TEST_REDIS_URL", "")
IS_PG = TEST_DB.startswith("postgresql")


def pytest_report_header(config: pytest.Config) -> str:
    database = "PostgreSQL " + TEST_DB if IS_PG else "SQLite"
    return f"database: {database}; jobs: {'rq ' + TEST_REDIS if TEST_REDIS else 'in-process'}"


def _pg_url(name: str) -> str:
    base, _, _ = TEST_DB.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    """Create and migrate the test database once per run; yield its URL."""
    from wxbackend.db_migrate import upgrade

    if IS_PG:
        name = TEST_DB.rpartition("/")[2] + ("" if worker_id == "master" else f"_{worker_id}")
        admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = _pg_url(name)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.sqlite3'}"
    app = create_app(settings=Settings(DATABASE_URL=url, SECRET_KEY="test", JOBS_MODE="eager"))
    upgrade(app)
    with app.app_context():
        db.engine.dispose()
    yield url


_counter = itertools.count()


@pytest.fixture()
def db_url(database: str, tmp_path: Path) -> str:
    """A clean database for one test: TRUNCATE on PostgreSQL, a fresh copy of the template on SQLite."""
    if IS_PG:
        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            tables = [r[0] for r in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return database
    src = Path(database.removeprefix("sqlite:///"))
    dst = tmp_path / f"test{next(_counter)}.sqlite3"
    shutil.copyfile(src, dst)
    return f"sqlite:///{dst}"


def make_settings(db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret",
        "REDIS_URL": TEST_REDIS,
        "JOBS_MODE": "rq" if TEST_REDIS else "thread",
        "IDENTITY_PROVIDER": "local",
        "WECHAT_MINI_APPID": "wxminiappid",
        "WECHAT_MINI_SECRET": "minisecret",
    }
    values.update(overrides)
    settings = Settings(**values)
    settings.validate()
    return settings


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings (e.g. IDENTITY_PROVIDER='cas')."""
    return {}


@pytest.fixture()
def app(db_url: str, settings_overrides: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    settings = make_settings(db_url, STORAGE_DIR=str(tmp_path / "files"), **settings_overrides)
    application = create_app({"TESTING": True}, settings=settings)
    if TEST_REDIS:
        from redis import Redis

        Redis.from_url(TEST_REDIS).flushdb()
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
    timeutil.freeze(None)


class IsolatedClient(FlaskClient):
    """Run every request in a fresh app context, as in production: its own ``g`` and DB session.

    The test's own app context (used by factories) stays below it; objects the test holds
    may be stale after a request — ``db.session.expire_all()`` or re-query them.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture()
def client(app: Any) -> Any:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture()
def csrf_off(app: Any) -> None:
    """Most HTTP tests post forms without a CSRF token; CSRF itself is tested on its own."""
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture()
def drain_jobs(app: Any) -> Callable[[], None]:
    def run() -> None:
        app.extensions["wx_jobs"].drain()

    return run


@pytest.fixture()
def frozen_now() -> Callable[[Any], None]:
    """``frozen_now(datetime(..., tzinfo=SHANGHAI))`` pins timeutil.now() for the test."""
    yield timeutil.freeze
    timeutil.freeze(None)


@pytest.fixture()
def count_queries(app: Any) -> Callable[[], Any]:
    """``with count_queries() as q: ...; assert q.count <= 5`` — guards against N+1 queries."""
    from contextlib import contextmanager

    class Counter:
        count = 0
        statements: list[str] = []

    @contextmanager
    def counting() -> Iterator[Counter]:
        counter = Counter()
        counter.statements = []

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            counter.count += 1
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# --- factories ---------------------------------------------------------------------

from tests.factories import *  # noqa: E402,F401,F403
