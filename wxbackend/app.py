"""The application factory: read top to bottom, it is the table of contents of the platform."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from apiflask import APIFlask

from wxbackend.config import Settings
from wxbackend.core import urls

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None, settings: Settings | None = None) -> APIFlask:
    settings = settings or Settings.from_env()
    settings = configure_wechat(settings)
    app = APIFlask(
        __name__,
        title="全国高校毕业生毕业去向登记与网上签约平台 API",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/v1/docs",
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "templates" / "static"),
        instance_path=str(Path(os.environ.get("WX_INSTANCE", ROOT / "instance")).resolve()),
    )
    urls.bound_ids(app)  # before any route: an id beyond BIGINT is a 404
    urls.cached_links(app)
    configure(app, settings, test_config)
    trust_proxies(app, settings)
    configure_db(app)
    configure_security(app)
    configure_jobs(app)
    add_modules(app)
    add_blueprints(app)
    add_wechat_standin(app)
    add_cli(app)
    return app


def configure_wechat(settings: Settings) -> Settings:
    """Without real WeChat settings, the local stand-in's demo appids and origin (``WECHAT_STANDIN``)."""
    from wxbackend import standin

    return standin.apply(settings)


def configure(app: APIFlask, settings: Settings, test_config: dict[str, Any] | None) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings.flask_config())
    if not settings.SECRET_KEY:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and not app.config[
        "SQLALCHEMY_DATABASE_URI"
    ].startswith("sqlite:////"):
        rel = app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]
        path = (ROOT / rel).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config.update(
        {
            "SPEC_FORMAT": "json",
            "VALIDATION_ERROR_STATUS_CODE": 422,
            "AUTO_404_RESPONSE": True,
            "SYNC_LOCAL_SPEC": False,
            "DESCRIPTION": "毕业生小程序使用的 JSON API。"
            "所有错误均为 {\"error\": {\"code\", \"message\", \"fields\"}}。",
        }
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    from wxbackend.core import audit

    app.add_template_filter(audit.action_label, "audit_label")
    from wxbackend.core import once

    once.init_app(app)
    if test_config:
        app.config.update(test_config)
    from wxbackend.core import requestid

    requestid.configure_logging(logging.INFO)
    requestid.init_app(app)  # first: every later hook and log line knows the request's id


def trust_proxies(app: APIFlask, settings: Settings) -> None:
    """X-Forwarded-* are believed only from the ``TRUSTED_PROXIES`` proxies in front of us (none by default)."""
    count = settings.TRUSTED_PROXIES
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def _instance_secret(instance: Path) -> str:
    """A stable secret for the embedded default, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def configure_db(app: APIFlask) -> None:
    from wxbackend.core.db import db, ping_when_idle

    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    engine_options: dict[str, Any] = {}
    if sqlite:
        engine_options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        engine_options.update(pool_size=10, max_overflow=20)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    db.init_app(app)
    if not sqlite and not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        with app.app_context():
            ping_when_idle(db.engine)  # not at every checkout: a round trip less per request

    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        # runs before Flask-SQLAlchemy's own teardown: a session whose connection the database
        # dropped (a restart) is invalidated instead of raising from its rollback after the response
        try:
            db.session.remove()
        except Exception:
            app.logger.warning("the database dropped the session's connection; invalidated")
            try:
                db.session().invalidate()  # the Session itself: the scoped proxy has no invalidate
            except Exception:  # nothing more to save: the registry forgets it below
                app.logger.exception("invalidating the dropped session failed")
            finally:
                db.session.registry.clear()

    # every model module, so metadata and relationships are complete
    from wxbackend import models  # noqa: F401


def configure_security(app: APIFlask) -> None:
    from wxbackend.auth import portals, principals
    from wxbackend.core import apidocs, errors

    errors.init_app(app)
    from wxbackend.core import headers, jsonlimits

    headers.init_app(app)  # CSP with a per-response script nonce, frame-ancestors 'none', HSTS over https

    jsonlimits.init_app(app)  # a deeply nested body is a 400 before anything parses it
    principals.init_app(app)
    portals.init_app(app)  # error pages: who is asking, their home, the wrong-portal text
    apidocs.init_app(app)  # Swagger UI's assets served locally, so /api/v1/docs works offline
    from wxbackend.core import ratelimit

    ratelimit.init_app(app)


def configure_jobs(app: APIFlask) -> None:
    from wxbackend.core import jobs

    jobs.init_app(app)
    from wxbackend import notify

    notify.init_app(app)  # the sender's transports, before the scheduler may run it
    settings = app.config["SETTINGS"]
    if settings.SCHEDULER and settings.jobs_mode == "thread":
        from wxbackend.core.scheduler import start_thread

        start_thread(app, settings.EXPIRY_INTERVAL)


def add_modules(app: APIFlask) -> None:
    """Each domain module joins the platform here: review hooks, presenters, record-list sources, signals."""
    from wxbackend import confirmation, destinations, reporting, signing, transfers, verification

    destinations.init_app(app)
    signing.init_app(app)
    transfers.init_app(app)
    reporting.init_app(app)
    confirmation.init_app(app)
    verification.init_app(app)


def add_blueprints(app: APIFlask) -> None:
    from wxbackend.api import bp as api_bp
    from wxbackend.console.views import bp as console_bp
    from wxbackend.employer.upload_link import bp as upload_link_bp
    from wxbackend.employer.views import bp as employer_bp
    from wxbackend.graduate.views import bp as auth_bp
    from wxbackend.home.views import bp as home_bp

    # browsers ask every site for /favicon.ico: the static file, under the static endpoint's name
    app.add_url_rule("/favicon.ico", endpoint="static", defaults={"filename": "favicon.ico"})
    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp, url_prefix="/console")
    app.register_blueprint(employer_bp, url_prefix="/employer")
    app.register_blueprint(upload_link_bp, url_prefix="/u")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    from wxbackend import wechat

    wechat.init_app(app)  # the official account: /wechat/callback and the wechat-menu command


def add_wechat_standin(app: APIFlask) -> None:
    """Mount /_wechat/ when the stand-in is wired in, and log which WeChat is in use."""
    from wxbackend import standin

    standin.init_app(app)


def add_cli(app: APIFlask) -> None:
    from wxbackend import cli

    cli.init_app(app)
