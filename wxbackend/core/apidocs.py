"""Swagger UI from our own server: APIFlask's docs page loads it from a CDN, which is blank offline.

The assets come from the ``swagger-ui-bundle`` wheel and are served under ``<docs path>/assets/``;
the docs page's favicon is ours.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

#: The only files the docs page loads (everything else in the bundle stays unserved).
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


def init_app(app: Flask) -> None:
    docs_path = getattr(app, "docs_path", None)
    if not docs_path:
        return
    base = docs_path.rstrip("/") + "/assets"
    app.config.update(
        SWAGGER_UI_CSS=f"{base}/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS=f"{base}/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS=f"{base}/swagger-ui-standalone-preset.js",
        DOCS_FAVICON="/favicon.ico",
    )

    # a plain Flask blueprint: APIFlask leaves it out of the OpenAPI spec
    bp = Blueprint("apidocs", __name__)

    @bp.route(f"{base}/<filename>")
    def asset(filename: str) -> Any:
        if filename not in ASSETS:
            abort(404)
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    app.register_blueprint(bp)
