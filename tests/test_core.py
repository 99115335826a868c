"""Core plumbing: migrations, time, audit append-only, error shape, OpenAPI, config parsing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from wxbackend.config import ConfigError, Settings
from wxbackend.core import audit, timeutil
from wxbackend.core.db import db


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ConfigError, match="API_TOKEN_HOURS"):
        Settings.from_env({"API_TOKEN_HOURS": "soon"})
    with pytest.raises(ConfigError, match="JOBS_MODE"):
        Settings.from_env({"JOBS_MODE": "celery"})
    with pytest.raises(ConfigError, match="CAS_SERVER_URL"):
        Settings.from_env({"IDENTITY_PROVIDER": "cas"})
    assert Settings.from_env({"REDIS_URL": "redis://x"}).jobs_mode == "rq"
    assert Settings.from_env({}).jobs_mode == "thread"


def test_times_are_shanghai_and_round_trip(app, make_school) -> None:
    school = make_school()
    db.session.expire_all()
    assert str(school.created_at.tzinfo) == "Asia/Shanghai"
    assert timeutil.now().utcoffset().total_seconds() == 8 * 3600


def test_naive_datetimes_are_refused(app, make_school) -> None:
    school = make_school()
    school.created_at = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive"):
        db.session.commit()
    db.session.rollback()


def test_audit_events_are_append_only(app) -> None:
    event = audit.record(audit.SYSTEM, "test.happened", object_type="thing", object_id=1, detail="x")
    db.session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE audit_event SET action='tampered' WHERE id=:id"), {"id": event.id})
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event WHERE id=:id"), {"id": event.id})
    db.session.rollback()
    assert db.session.get(audit.AuditEvent, event.id).action == "test.happened"


def test_api_errors_use_the_one_shape(client) -> None:
    res = client.get("/api/v1/no-such-thing")
    assert res.status_code == 404
    body = res.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "not_found"


def test_openapi_document_is_generated(client) -> None:
    res = client.get("/api/v1/openapi.json")
    assert res.status_code == 200
    spec = res.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"].startswith("全国高校毕业生")


def test_sqlite_migrations_keep_foreign_keys_enforced_afterwards(app, tmp_path) -> None:
    """Batch migrations run with SQLite's key checks off; the app's connections have them on again."""
    from wxbackend import create_app
    from wxbackend.db_migrate import upgrade

    fresh = create_app(settings=Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'm.sqlite3'}", SECRET_KEY="t",
                                         JOBS_MODE="eager"))
    upgrade(fresh)
    with fresh.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_links_built_once_read_as_url_for_builds_them_under_any_script_root(app) -> None:
    """``fixed_url`` and ``id_url`` (the templates' cached links) give what ``url_for`` gives, also when the
    platform is mounted under a path prefix, and each prefix keeps its own."""
    from flask import render_template_string, url_for

    template = ("{{ fixed_url('home.notice_list') }} {{ id_url('home.notice', notice_id=7) }} "
                "{{ id_url('home.notice', notice_id=12345) }} {{ static_url('site.css') }}")
    for root in ("", "/platform", ""):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            expected = (f"{url_for('home.notice_list')} {url_for('home.notice', notice_id=7)} "
                        f"{url_for('home.notice', notice_id=12345)} {url_for('static', filename='site.css')}")
            assert render_template_string(template) == expected
            assert expected.startswith(f"{root}/notices {root}/notices/7 ")
