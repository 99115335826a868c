"""Security headers: CSP without inline script, no framing, no caching of personal data, HSTS over https."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from wxbackend.auth import tokens

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _csp(res: Any) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in res.headers["Content-Security-Policy"].split("; ")}


def test_pages_cannot_be_framed_and_run_only_our_scripts(client, make_user, make_school) -> None:
    res = client.get("/console/login")
    csp = _csp(res)
    assert csp["frame-ancestors"] == "'none'" and res.headers["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in csp["script-src"] and csp["object-src"] == "'none'"
    assert csp["form-action"] == "'self'" and res.headers["Referrer-Policy"] == "same-origin"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in res.headers  # served over http here


def test_every_inline_script_carries_the_responses_nonce(client, csrf_off, make_user, make_school) -> None:
    make_user("school", username="reviewer", password="right-pass-1", school_id=make_school().id)
    client.post("/console/login", data={"username": "reviewer", "password": "right-pass-1"})
    for path in ("/console/login", "/console/graduates/new"):
        res = client.get(path)
        nonce = re.search(r"'nonce-([^']+)'", res.headers["Content-Security-Policy"])
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", res.get_data(as_text=True))
        assert scripts or path == "/console/login"
        for attrs in scripts:
            assert nonce and f'nonce="{nonce.group(1)}"' in attrs, (path, attrs)
    again = client.get("/console/graduates/new").headers["Content-Security-Policy"]
    assert re.search(r"'nonce-([^']+)'", again).group(1) != nonce.group(1)  # type: ignore[union-attr]


def test_templates_hold_no_inline_handlers_or_script_urls() -> None:
    """The CSP refuses them: behaviour is declared in data- attributes that static/site.js reads."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {m.group(0)}" for m in re.finditer(r"\son[a-z]+\s*=|javascript:", text)]
        found += [f"{path.name}: <script> without nonce" for m in re.finditer(r"<script(?![^>]*(src=|nonce=|json))",
                                                                             text)]
    assert found == []


def test_personal_data_is_never_stored_by_a_browser_or_proxy(client, make_graduate) -> None:
    graduate = make_graduate()
    token, _ = tokens.issue(graduate)
    from wxbackend.core.db import db

    db.session.commit()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.headers["Cache-Control"] == "no-store"
    assert client.get("/console/login").headers["Cache-Control"] == "no-store"
    asset = client.get("/static/site.js")
    assert asset.status_code == 200 and "no-store" not in (asset.headers.get("Cache-Control") or "")
    asset.close()


def test_over_https_the_browser_is_told_to_stay_on_https_and_cookies_are_secure(db_url, tmp_path, app,
                                                                              make_user, make_school) -> None:
    from tests.conftest import make_settings
    from wxbackend.app import create_app

    make_user("school", username="reviewer", password="right-pass-1", school_id=make_school().id)
    https_app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, settings=make_settings(
        db_url, STORAGE_DIR=str(tmp_path / "files"), PUBLIC_URL="https://job.example.edu.cn"))
    with https_app.app_context():
        browser = https_app.test_client()
        res = browser.get("/console/login", base_url="https://job.example.edu.cn")
        assert res.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        login = browser.post("/console/login", base_url="https://job.example.edu.cn",
                             data={"username": "reviewer", "password": "right-pass-1"})
        assert login.status_code == 302
        cookie = login.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        from wxbackend.core.db import db

        db.session.remove()
        db.engine.dispose()
