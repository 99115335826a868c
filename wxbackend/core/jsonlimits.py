"""JSON bodies are checked before anything parses them: nested at most ``MAX_DEPTH`` deep. A deeper body
would otherwise end in Python's RecursionError (a 500) inside the parser, before authentication; it is
a 400 in the one error shape. (Size is the request limit's, ``MAX_UPLOAD_MB``: a 413.)

The depth is counted on the raw bytes with strings blanked out, so brackets inside strings do not count.
"""

from __future__ import annotations

import re

from flask import Flask, request

from wxbackend.core.errors import ApiError

MAX_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in *data* (0 for a scalar)."""
    deepest = level = 0
    for m in _BRACKETS.finditer(_STRING.sub(b'""', data)):
        if m.group() in (b"[", b"{"):
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def _check() -> None:
    if not request.is_json or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if depth(request.get_data(cache=True)) > MAX_DEPTH:
        raise ApiError("bad_request", f"请求内容嵌套过深（不超过 {MAX_DEPTH} 层）")


def init_app(app: Flask) -> None:
    app.before_request(_check)
