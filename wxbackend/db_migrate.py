"""Run Alembic from code (CLI, tests, make run), against the app's own engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

HERE = Path(__file__).resolve().parent / "migrations"


def alembic_config(app: Flask) -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%"))
    return cfg


def upgrade(app: Flask, revision: str = "head") -> None:
    from wxbackend.core.db import db

    cfg = alembic_config(app)
    with app.app_context(), db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def revision(app: Flask, message: str) -> None:
    from wxbackend.core.db import db

    cfg = alembic_config(app)
    with app.app_context(), db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)
