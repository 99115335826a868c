"""Browser tests: the app served on 127.0.0.1 by a real WSGI server, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"

pytestmark = pytest.mark.browser


def _closing(app: Any) -> Any:
    """*app* with every response read and closed before the server writes it.

    Werkzeug's development server closes a response after draining the socket, and a browser that
    dropped the connection meanwhile (Chromium cancels a favicon when the page navigates on) makes
    that drain raise first: the static file stays open and its ResourceWarning fails a random test.
    Test pages are small; reading them whole costs nothing."""

    def wsgi(environ: Any, start_response: Any) -> Any:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


@pytest.fixture()
def live_server(app: Any) -> Iterator[str]:
    """Serve *app* in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM}: run `make system-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


def csp_violations(context: Any) -> list[str]:
    """Collect what the browser refused under our Content-Security-Policy (an inline script without the
    nonce, an inline handler): every page must work with it, so the fixtures fail a test that hit one."""
    refused: list[str] = []

    def watch(pg: Any) -> None:
        pg.on("console", lambda msg: refused.append(msg.text)
              if msg.type == "error" and "Content Security Policy" in msg.text else None)

    context.on("page", watch)
    return refused


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    refused = csp_violations(context)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()
    assert not refused, f"the browser refused under the CSP: {refused}"


@pytest.fixture()
def screenshot_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


def sign_in(page: Any, base: str, username: str, login: str = "/console/login", home: str = "/console/",
            password: str = "secret-pass-1") -> None:
    """Log an account in through the real login form and wait for its home page."""
    page.goto(base + login)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + home)
