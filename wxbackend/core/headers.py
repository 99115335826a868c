"""Security headers on every response, and ``no-store`` on everything that is not a static asset.

- ``Content-Security-Policy``: scripts only from our origin or an inline ``<script>`` carrying this
  response's nonce (``{{ csp_nonce() }}`` in templates); no inline event handlers, no ``javascript:``
  URLs (pages declare behaviour in ``data-`` attributes that ``static/site.js`` reads); no plugins; forms
  post only to us; ``frame-ancestors 'none'`` (with ``X-Frame-Options: DENY`` for old browsers), so no
  other site can frame a page with one-click review buttons under a decoy.
- ``Referrer-Policy: same-origin``: our URLs (upload-link tokens, QR tokens) never reach another site,
  while our own form posts keep the ``Referer`` that CSRF checks over https need.
- ``Strict-Transport-Security`` when ``PUBLIC_URL`` is https (the session cookie is then ``Secure`` too,
  see ``Settings.flask_config``).
- ``Cache-Control: no-store`` on every answer a view did not give its own caching (pages, API, files):
  nearly all of them carry personal data, and a shared browser or proxy must not keep them.

Swagger UI's page (``/api/v1/docs``) runs APIFlask's inline start-up script, so it alone allows inline
script; it shows no personal data and has no forms.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, g, request

HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """This response's script nonce (made on first use)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return str(nonce)


def policy(nonce: str | None, inline_scripts: bool = False) -> str:
    scripts = "'self' 'unsafe-inline'" if inline_scripts else "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join((
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",  # style="" attributes; styles cannot run code
        "img-src 'self' data: blob:",  # QR codes and photo previews
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def init_app(app: Flask) -> None:
    app.add_template_global(csp_nonce, "csp_nonce")
    https = app.config["SETTINGS"].PUBLIC_URL.startswith("https://")
    docs = getattr(app, "docs_path", None) or "/api/v1/docs"
    static = (app.static_url_path or "/static") + "/"

    @app.after_request
    def _security_headers(response: Any) -> Any:
        headers = response.headers
        headers.setdefault("Content-Security-Policy",
                           policy(g.get("csp_nonce"), inline_scripts=request.path == docs))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if "Cache-Control" not in headers and not request.path.startswith(static):
            headers["Cache-Control"] = "no-store"
        return response
