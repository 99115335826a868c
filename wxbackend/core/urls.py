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


def cached_links(app: Flask) -> None:
    """``static_url(filename)``, ``fixed_url(endpoint, **values)`` and ``id_url(endpoint, name=id)`` in
    templates: what ``url_for`` gives, built once per script root.

    ``fixed_url`` is for links whose arguments are constants of the template (the assets every page
    links, the nav, the public home's entries), ``id_url`` for a row's link to a route with one
    ``<int:…>`` argument: building them through the URL map on every render cost more than the rest
    of the public home's header, and a tenth of a fifty-row queue."""
    built: dict[tuple[Any, ...], str] = {}

    def fixed_url(endpoint: str, **values: Any) -> str:
        key = (request.script_root, endpoint, *sorted(values.items()))
        url = built.get(key)
        if url is None:
            from flask import url_for

            url = built[key] = url_for(endpoint, **values)
        return url

    def static_url(filename: str) -> str:
        return fixed_url("static", filename=filename)

    shapes: dict[tuple[str, str, str], tuple[str, str]] = {}

    def id_url(endpoint: str, **value: int) -> str:
        """``url_for(endpoint, item_id=5)`` for a route with one ``<int:…>`` argument, from a shape built once:
        a list of fifty rows links fifty items without fifty trips through the URL map."""
        ((name, number),) = value.items()
        key = (request.script_root, endpoint, name)
        shape = shapes.get(key)
        if shape is None:
            from flask import url_for

            head, sep, tail = url_for(endpoint, **{name: MAX_ID}).partition(str(MAX_ID))
            assert sep, endpoint
            shape = shapes[key] = (head, tail)
        return f"{shape[0]}{int(number)}{shape[1]}"

    app.add_template_global(static_url, "static_url")
    app.add_template_global(fixed_url, "fixed_url")
    app.add_template_global(id_url, "id_url")
