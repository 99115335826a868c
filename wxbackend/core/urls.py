"""URL helpers shared by every web layer."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


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
