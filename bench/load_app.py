"""The WSGI app of the load benchmark: the platform at ``/``, and its limits at ``/_limit/<name>``.

A limit is a bare Flask route, under the same gunicorn, that sends the same SQL statements as the
platform's endpoint *name* did when the benchmark captured them (``LOAD_STATEMENTS``, a pickle of
``{name: [(sql, params, many), …]}``) straight through psycopg, on one connection per thread, and
answers a small JSON body. What separates an endpoint from its limit is then everything that is not
the database: Flask, the ORM, the templates, our own code.

    gunicorn -c deploy/gunicorn.conf.py bench.load_app:app
"""

from __future__ import annotations

import os
import pickle
import re
import threading
from typing import Any

import psycopg
from flask import Flask, jsonify
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wxbackend import create_app

with open(os.environ["LOAD_STATEMENTS"], "rb") as f:
    STATEMENTS: dict[str, list[tuple[str, Any, bool, int | None]]] = pickle.load(f)
DSN = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")

limits = Flask("limits")
_local = threading.local()


def _connection() -> psycopg.Connection[Any]:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(DSN)
    return conn


#: A parameter naming a row: ``id``, ``…_id``, and SQLAlchemy's batched forms ``subject_id__0``.
ID_KEY = re.compile(r"(?:^|_)id(?:__\d+)?$")


def _renumber(params: Any, ids: dict[int, int]) -> Any:
    if isinstance(params, list | tuple):
        return type(params)(_renumber(p, ids) for p in params)
    if isinstance(params, dict):
        return {k: ids.get(v, v) if isinstance(v, int) and ID_KEY.search(k) else v for k, v in params.items()}
    return params


@limits.get("/<name>")
@limits.post("/<name>")
def limit(name: str) -> Any:
    conn = _connection()
    rows = 0
    # ids the capture's inserts got → the ids this transaction's inserts get, put into later parameters
    ids: dict[int, int] = {}
    try:
        with conn.cursor() as cur:
            for sql, params, many, returned in STATEMENTS[name]:
                if ids:
                    params = _renumber(params, ids)
                if many:
                    cur.executemany(sql, params)
                else:
                    cur.execute(sql, params)
                    if cur.description is not None:
                        got = cur.fetchall()
                        rows += len(got)
                        if returned is not None and got:
                            ids[returned] = got[0][0]
    finally:
        # a write's statements are rolled back, so they can be sent again (the endpoint commits: the
        # limit is a little generous there)
        conn.rollback()
    return jsonify({"statements": len(STATEMENTS[name]), "rows": rows})


app = DispatcherMiddleware(create_app(), {"/_limit": limits})
