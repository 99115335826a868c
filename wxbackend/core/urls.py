"""URL helpers shared by every web layer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map


def current_path() -> str:
    """The request's path with its query, and no bare "?" when it has none (``request.full_path`` adds one)."""
    query = request.query_string.decode("utf-8", "replace")
    return f"{request.path}?{query}" if query else request.path


def safe_next(target: str | None, default: str) -> str:
    """Only follow same-site relative redirects after login."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target[:-1] if target.endswith("?") else target


#: The largest id a route accepts: our primary keys are INTEGER, which holds no more on PostgreSQL
#: (a larger value would fail in the driver or the database: a 500 instead of "not found").
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that matches only ids a primary key can hold: a larger number is a 404, not a 500."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bound_ids(app: Flask) -> None:
    """Use :class:`BoundedIntConverter` for every ``<int:…>`` rule; call before any blueprint is registered.

    No route takes the id of a BIGINT table (audit events, lookups), so one bound serves every route."""
    app.url_map.converters["int"] = BoundedIntConverter
