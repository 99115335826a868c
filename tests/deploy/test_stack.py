"""The production recipe, started for real: ``honcho -f deploy/Procfile`` runs gunicorn, an RQ worker
and the scheduler against the test's PostgreSQL and a Redis of its own. ``/healthz`` answers; an
invitation reaches the graduate's WeChat, expires when its deadline passes (the scheduler and the
worker, no test code in between) and that reaches WeChat too; the processes share one access token.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from tests.auth.fakes import FakeServer, fake_server  # noqa: F401
from tests.conftest import IS_PG
from tests.faults.conftest import PrivateRedis, free_port, private_redis  # noqa: F401
from tests.notify.test_outbox import TEMPLATES
from tests.signing.conftest import TERMS, employer_user, world  # noqa: F401
from wxbackend.accounts.models import WechatBinding
from wxbackend.auth import tokens
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement

pytestmark = pytest.mark.skipif(not IS_PG, reason="the production recipe runs on PostgreSQL")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def settings_overrides(fake_server: FakeServer, private_redis: PrivateRedis) -> dict[str, Any]:  # noqa: F811
    from redis import Redis

    Redis.from_url(private_redis.url).flushdb()
    return {"JOBS_MODE": "rq", "REDIS_URL": private_redis.url, "WECHAT_API_ORIGIN": fake_server.url,
            "WECHAT_MINI_APPID": fake_server.appid, "WECHAT_MINI_SECRET": fake_server.secret,
            "WECHAT_MESSAGE_TEMPLATES": json.dumps(TEMPLATES)}


@pytest.fixture()
def stack(app: Any, tmp_path: Path, settings_overrides: dict[str, Any]) -> Iterator[str]:
    """The three processes of deploy/Procfile; yields the web's base URL."""
    port = free_port()
    settings = app.config["SETTINGS"]
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "SECRET_KEY": "stack-secret",
           "BIND": f"127.0.0.1:{port}", "PUBLIC_URL": f"http://127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "WX_INSTANCE": str(tmp_path / "instance"), "STORAGE_DIR": settings.STORAGE_DIR,
           "EXPIRY_INTERVAL": "1", "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
           **{k: str(v) for k, v in settings_overrides.items()}}
    log = open(tmp_path / "stack.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([str(Path(sys.executable).parent / "honcho"), "-f", "deploy/Procfile", "start"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _healthy(base), 90, tmp_path / "stack.log")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _wait(check: Callable[[], bool], seconds: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"timed out after {seconds}s\n{tail}")
        time.sleep(0.2)


def test_the_production_stack_serves_and_runs_an_invitation_through_expiry_and_its_messages(
        stack: str, fake_server: FakeServer, world: dict[str, Any], make_graduate: Any,  # noqa: F811
        employer_user: Any, tmp_path: Path) -> None:  # noqa: F811
    health = requests.get(stack + "/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["database"] == "ok" and health.json()["redis"] == "ok"
    assert health.headers["X-Request-ID"]

    graduate = make_graduate(major=world["major"], confirmed_at=timeutil.now())
    db.session.add(WechatBinding(graduate_id=graduate.id, openid="openid-stack"))
    token, _ = tokens.issue(graduate)
    db.session.commit()
    row = services.invite(employer_user(name="学信咨询服务有限公司"), graduate, 1, TERMS)
    db.session.commit()  # the message job goes to the stack's Redis; the stack's worker sends it
    _wait(lambda: len(fake_server.messages) >= 1, 60, tmp_path / "stack.log")
    assert fake_server.messages[0]["data"]["thing1"]["value"] == "收到签约邀请"

    # the deadline passes (as a day would): the scheduler's next tick expires it, the worker tells WeChat
    db.session.execute(text("UPDATE online_agreement SET deadline = now() - interval '1 minute' WHERE id = :id"),
                       {"id": row.id})
    db.session.commit()
    _wait(lambda: len(fake_server.messages) >= 2, 60, tmp_path / "stack.log")
    assert fake_server.messages[1]["touser"] == "openid-stack"
    db.session.expire_all()
    assert db.session.get(OnlineAgreement, row.id).status == "expired"
    seen = requests.get(f"{stack}/api/v1/agreements/{row.id}", headers={"Authorization": f"Bearer {token}"},
                        timeout=5)
    assert seen.status_code == 200 and seen.json()["status"] == "expired"
    # every job ran in a fresh work horse, yet WeChat was asked for a token once: it lives in Redis
    assert fake_server.requests.count("/cgi-bin/token") == 1
