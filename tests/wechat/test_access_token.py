"""One access-token owner (WX-4): web, workers and scheduler share the official account's token.

Two apps built from the same settings stand for the web process and a worker. With Redis configured
(the PostgreSQL + Redis run) the token is fetched once and shared through wechatpy's RedisStorage;
without Redis each process keeps its own in memory, and fetches it once.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_REDIS
from tests.wechat.fakes import MINI_APPID, OA_APPID, FakeWeChat
from wxbackend import create_app
from wxbackend.auth.wechat import build_oa_client, mini_client, oa_client


@pytest.fixture()
def settings_overrides(oa_settings: dict[str, Any]) -> dict[str, Any]:
    return oa_settings


def test_wx_4_web_and_worker_share_one_token(app, fake_wechat: FakeWeChat) -> None:
    """WX-4: the web's and a worker's clients use one token when Redis is configured; one each otherwise."""
    settings = app.config["SETTINGS"]
    worker = create_app({"TESTING": True}, settings=settings)
    web_token = oa_client(app).access_token
    worker_token = oa_client(worker).access_token
    if TEST_REDIS:
        assert fake_wechat.tokens_issued == {OA_APPID: 1}
        assert web_token == worker_token
    else:
        assert fake_wechat.tokens_issued == {OA_APPID: 2}
    # within one process the client is built once and fetches once
    assert oa_client(app) is oa_client(app)
    assert oa_client(app).access_token == web_token
    assert fake_wechat.tokens_issued[OA_APPID] == (1 if TEST_REDIS else 2)


@pytest.mark.skipif(not TEST_REDIS, reason="needs TEST_REDIS_URL (the PostgreSQL + Redis run)")
def test_wx_4_a_new_client_reads_the_shared_token_from_redis(app, fake_wechat: FakeWeChat) -> None:
    """WX-4: a freshly built client (a new worker) finds the token in Redis; the mini-program's is separate."""
    settings = app.config["SETTINGS"]
    first = build_oa_client(settings).access_token
    assert build_oa_client(settings).access_token == first
    assert mini_client(app).access_token != first
    assert fake_wechat.tokens_issued == {OA_APPID: 1, MINI_APPID: 1}
