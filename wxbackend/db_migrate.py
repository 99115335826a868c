"""Run Alembic from code (CLI, tests, make run), against the app's own engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask

HERE = Path(__file__).resolve().parent / "migrations"


def alembic_config(app: Flask) -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%"))
    return cfg


@contextmanager
def migration_connection(engine: Any) -> Iterator[Any]:
    """A connection in one transaction for Alembic.

    On SQLite, batch mode rebuilds a table to alter it (copy, drop, rename); with foreign keys enforced
    the drop of a table other rows point at fails. So enforcement is off while the migrations run (the
    pragma only takes effect outside a transaction), every key is checked before the commit, and it is
    switched on again before the connection goes back to the pool.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # end SQLAlchemy's autobegun transaction; the pragma ran outside one
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def upgrade(app: Flask, revision: str = "head") -> None:
    from wxbackend.core.db import db

    cfg = alembic_config(app)
    with app.app_context(), migration_connection(db.engine) as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def revision(app: Flask, message: str) -> None:
    from wxbackend.core.db import db

    cfg = alembic_config(app)
    with app.app_context(), db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)
