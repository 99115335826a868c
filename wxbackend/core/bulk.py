"""Set-based SQL that reads the same on PostgreSQL and SQLite: many rows in one statement.

A service that writes thousands of rows with values computed in Python (random numbers, a carrier's
tracking numbers) passes them as **one JSON parameter** and lets the database unpack it —
``jsonb_to_recordset`` on PostgreSQL, ``json_each`` on SQLite — so an INSERT … SELECT or an
UPDATE … FROM costs one statement and one round trip whatever the count, and the WHERE clause of
that statement still decides which rows really qualify. ``executemany`` would cost one statement
per row (or per page of 1,000 rows with SQLAlchemy's insertmanyvalues on psycopg).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Integer, Subquery, Text, any_, bindparam, cast, column, func, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from wxbackend.core.db import db


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def json_rows(rows: Iterable[Mapping[str, Any]], columns: Mapping[str, TypeEngine[Any] | type[TypeEngine[Any]]],
              name: str = "j") -> Subquery:
    """*rows* (dicts with the keys of *columns*; dates as ISO strings) as a subquery with those columns,
    bound as a single JSON parameter."""
    payload = json.dumps(list(rows), ensure_ascii=False, default=str)
    param = bindparam(f"{name}_rows", payload, type_=Text, unique=True)
    if _postgres():
        records = func.jsonb_to_recordset(cast(param, JSONB)).table_valued(
            *(column(key, type_) for key, type_ in columns.items())).render_derived(name=f"{name}_r", with_types=True)
        return select(*(records.c[key] for key in columns)).subquery(name)
    each = func.json_each(param).table_valued("value").alias(f"{name}_r")
    # LIMIT -1 keeps SQLite from flattening the subquery into the join, where json_each would be scanned
    # once per row of the other side; materialised, it gets an automatic index on the join column
    return select(*(type_coerce(func.json_extract(each.c.value, f"$.{key}"), type_).label(key)
                    for key, type_ in columns.items())).limit(-1).subquery(name)


def in_(column: ColumnElement[Any], values: Iterable[Any], type_: TypeEngine[Any] | type[TypeEngine[Any]] = Integer,
        name: str = "values") -> ColumnElement[bool]:
    """``column IN values`` with one bound parameter whatever the count (an expanded IN list meets
    SQLite's variable limit and changes the statement with its length).

    PostgreSQL: ``column = ANY(:array)``, which it hashes — a semi-join against ``jsonb_to_recordset``
    is planned with the function's fixed estimate of 100 rows and, on a freshly filled table whose
    statistics say "1 row", becomes a nested loop of n × n. SQLite: ``IN (SELECT … FROM json_each(…))``,
    which it turns into a temporary index.
    """
    items = list(values)
    if _postgres():
        return column == any_(bindparam(f"{name}_array", items, type_=ARRAY(type_), unique=True))
    table = json_rows(({"v": v} for v in items), {"v": type_}, name)
    return column.in_(select(table.c.v))


def json_object(**values: ColumnElement[Any]) -> ColumnElement[Any]:
    """A JSON object built in SQL from column expressions (``jsonb_build_object`` / ``json_object``)."""
    args: list[Any] = []
    for key, value in values.items():
        args += [key, value]
    return (func.jsonb_build_object if _postgres() else func.json_object)(*args)


def insert_rows(table: Any, rows: list[dict[str, Any]], json_columns: Iterable[str] = ("data",)) -> None:
    """INSERT *rows* (dicts with the same keys, every column the table needs) into *table*, in the
    current transaction.

    PostgreSQL: ``COPY … FROM STDIN`` on the session's own connection — one stream instead of a
    statement per row, for append-only rows written in thousands (an import's audit events); the
    *json_columns* are sent as JSON text. No Python-side column default is applied, so the rows must
    carry every value. SQLite: an executemany INSERT.
    """
    if not rows:
        return
    if not _postgres():
        db.session.execute(table.insert(), rows)
        return
    keys = list(rows[0])
    as_json = set(json_columns)
    driver = db.session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        statement = f"COPY {table.name} ({', '.join(keys)}) FROM STDIN"
        with cursor.copy(statement) as copy:  # type: ignore[arg-type]  # a composed literal of our own names
            for row in rows:
                copy.write_row([json.dumps(row[k], ensure_ascii=False) if k in as_json and row[k] is not None
                                else row[k] for k in keys])
