"""Request ids: every request gets one, every log line written while it runs carries it.

The id is the ``X-Request-ID`` a proxy in front (nginx ``$request_id``, a load balancer) sent when it
looks like one, else a new random one; it is returned in the response's ``X-Request-ID`` so a user's
report ("请求编号 …") or a proxy log line finds the application's lines. A job does not inherit the
id of the request that queued it: its lines name the job and the record ids instead.

Log records get a ``request_id`` attribute ("-" outside a request) from a record factory, so any
handler's format may use ``%(request_id)s`` — the one :data:`LOG_FORMAT` does.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
#: What an incoming id may look like (anything else is replaced, so logs cannot be forged into).
VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

_installed = False


def current() -> str:
    """This request's id, or "-" outside a request."""
    if has_request_context():
        rid = g.get("request_id")
        if rid:
            return str(rid)
    return "-"


def _install_record_factory() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if not hasattr(record, "request_id"):
            try:
                record.request_id = current()
            except RuntimeError:  # no app context behind the request context (teardown)
                record.request_id = "-"
        return record

    logging.setLogRecordFactory(factory)


def configure_logging(level: int = logging.INFO) -> None:
    """The process's log format with the request id (web, workers, scheduler)."""
    _install_record_factory()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format=LOG_FORMAT)
    else:
        for handler in root.handlers:
            if handler.formatter is None or handler.formatter._fmt in (None, logging.BASIC_FORMAT):
                handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.setLevel(min(root.level or level, level))


def init_app(app: Flask) -> None:
    _install_record_factory()

    @app.before_request
    def _assign() -> None:
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if VALID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def _echo(response: Any) -> Any:
        rid = g.get("request_id")
        if rid:
            response.headers[HEADER] = rid
        return response
