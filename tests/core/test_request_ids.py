"""Request ids: returned in ``X-Request-ID``, taken from a proxy when well formed, on every log line."""

from __future__ import annotations

import logging
import re

from flask import current_app


def test_every_response_names_its_request_and_a_proxy_id_is_kept(client) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert client.get("/", headers={"X-Request-ID": "nginx-5f2c9a1b"}).headers["X-Request-ID"] == "nginx-5f2c9a1b"
    # an id that could forge a log line is replaced
    forged = client.get("/", headers={"X-Request-ID": "x] 2026 ERROR fake ["}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_log_lines_during_a_request_carry_its_id(app, client, caplog) -> None:
    @app.get("/_test/log")
    def _log():  # type: ignore[no-untyped-def]
        current_app.logger.warning("inside the request")
        return "ok"

    with caplog.at_level(logging.WARNING):
        resp = client.get("/_test/log", headers={"X-Request-ID": "req-12345678"})
    assert resp.status_code == 200
    (record,) = [r for r in caplog.records if r.getMessage() == "inside the request"]
    assert record.request_id == "req-12345678"
    assert logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "outside", None, None).request_id == "-"


def test_a_server_error_page_shows_the_request_id(app, client) -> None:
    @app.get("/_test/boom")
    def _boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = client.get("/_test/boom", headers={"X-Request-ID": "req-abcdef12", "Accept": "text/html"})
    assert resp.status_code == 500
    assert "请求编号：<span class=\"mono\">req-abcdef12</span>" in resp.get_data(as_text=True)
