"""Flask CLI commands: ``flask --app wxbackend db-upgrade``, ``demo-data``, ``drain-jobs``."""

from __future__ import annotations

import click
from flask import Flask, current_app


def init_app(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Apply every Alembic migration."""
        from wxbackend.db_migrate import upgrade

        upgrade(current_app._get_current_object())  # type: ignore[attr-defined]
        click.echo("database is at head")

    @app.cli.command("db-revision")
    @click.argument("message")
    def db_revision(message: str) -> None:
        """Autogenerate a migration from the models."""
        from wxbackend.db_migrate import revision

        revision(current_app._get_current_object(), message)  # type: ignore[attr-defined]

    @app.cli.command("demo-data")
    def demo_data() -> None:
        """Load the demo school, reviewers, employer and about 200 graduates (idempotent)."""
        from wxbackend.demo import load_demo

        for line in load_demo():
            click.echo(line)

    @app.cli.command("drain-jobs")
    def drain_jobs() -> None:
        """Run every queued job now (rq burst, or wait for in-process jobs)."""
        current_app.extensions["wx_jobs"].drain()
