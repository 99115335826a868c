"""Flask CLI commands: ``flask --app wxbackend db-upgrade``, ``demo-data``, ``drain-jobs``, ``create-school``,
``create-admin``."""

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

    @app.cli.command("create-school")
    @click.argument("code")
    @click.argument("name")
    def create_school(code: str, name: str) -> None:
        """Add a school (5-digit 学校代码); the console's 学校管理 does the same."""
        from wxbackend.accounts import organisation
        from wxbackend.core.audit import SYSTEM
        from wxbackend.core.db import db
        from wxbackend.core.errors import ApiError

        try:
            school = organisation.create_school(SYSTEM, code, name)
        except ApiError as err:
            raise click.ClickException(err.message) from None
        db.session.commit()
        click.echo(f"school {school.id}: {school.code} {school.name}")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--name", default="平台管理员", help="display name")
    @click.password_option()
    def create_admin(username: str, name: str, password: str) -> None:
        """Add a platform admin account: it manages schools and creates their first 学校 accounts."""
        from wxbackend.accounts import passwords, services
        from wxbackend.core.audit import SYSTEM
        from wxbackend.core.db import db
        from wxbackend.core.errors import ApiError

        problems = passwords.password_errors(password, password)
        if not passwords.USERNAME.match(username):
            problems["username"] = "用户名为4–32位字母、数字或 _ . @ -"
        if problems:
            raise click.ClickException("；".join(problems.values()))
        try:
            user = services.create_user(SYSTEM, username, password, name, "admin")
        except ApiError as err:
            raise click.ClickException(err.message) from None
        db.session.commit()
        click.echo(f"admin {user.id}: {user.username}")

    @app.cli.command("verify-qr")
    @click.argument("payload")
    @click.option("--jwks", "jwks_file", type=click.Path(exists=True, dir_okay=False),
                  help="the platform's published keys (/.well-known/jwks.json) saved as a file; "
                       "default: this installation's own keys")
    def verify_qr(payload: str, jwks_file: str | None) -> None:
        """Check a verification report's QR payload (the scanned URL or its token) offline (VA-9)."""
        import json
        from pathlib import Path

        from wxbackend.verification import keys, lookup

        jwks = json.loads(Path(jwks_file).read_text(encoding="utf-8")) if jwks_file else None
        try:
            claims, kid = keys.verify(lookup.token_of(payload), jwks)
        except keys.InvalidSignature as err:
            raise click.ClickException(f"{err.message}（{err.reason}）") from None
        click.echo(f"签名有效（密钥 {kid}）")
        labels = {"n": "核验编号", "m": "核验类型", "nm": "姓名", "s": "毕业院校", "ym": "毕业时间", "exp": "有效期至",
                  "d": "内容摘要", "iat": "生成时间"}
        for key, label in labels.items():
            if key in claims:
                click.echo(f"{label}：{claims[key]}")

    @app.cli.command("rotate-qr-key")
    def rotate_qr_key() -> None:
        """Add a new QR signing key and make it current; older keys still verify what they signed (VA-9)."""
        from wxbackend.verification import keys

        click.echo(f"current key: {keys.rotate()}")
