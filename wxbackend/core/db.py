"""Database base class, the Flask-SQLAlchemy handle and column types shared by every domain."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

from wxbackend.core.timeutil import SHANGHAI

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class AwareDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned aware, in Asia/Shanghai.

    SQLite has no time zones, so values are stored there as naive UTC; PostgreSQL
    gets ``timestamptz``. Naive values are refused: they are a bug waiting to happen.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an AwareDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(SHANGHAI)


#: JSON that is JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={
            datetime: AwareDateTime(),
            dict[str, Any]: JSONType,
            list[dict[str, object]]: JSONType,
        },
    )


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Enforce foreign keys and let readers run beside a writer on SQLite."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


#: A pooled connection unused for longer than this is pinged before it is handed out (``ping_when_idle``).
IDLE_PING_SECONDS = 5.0


def ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout only when it sat idle for ``IDLE_PING_SECONDS``.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: one more round trip per request, a fifth
    of a light page's time. A connection the database dropped while it sat in the pool (a restart at
    night, an idle timeout) is still found before it is used: a failed ping raises
    ``DisconnectionError``, and the pool replaces the connection and checks out again. A restart
    under load (connections handed out again within milliseconds) is found by the first request that
    uses a dead connection: it answers 503 (``database_unavailable``) and SQLAlchemy invalidates the
    whole pool, so the process's next requests connect afresh.
    """
    from sqlalchemy import exc

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["wx_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("wx_idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as err:
            raise exc.DisconnectionError("idle connection failed its ping") from err
