"""The web archive form's autocomplete for 档案转递单位名称 (AR-7): JSON over ``transfers.directory.search``.

A signed-in graduate only; not signed in is a JSON 401 (an autocomplete cannot follow a redirect
to the login page).
"""

from __future__ import annotations

from flask import jsonify, request

from wxbackend.auth.principals import current_graduate_web
from wxbackend.core.errors import Unauthorized
from wxbackend.graduate.web import bp
from wxbackend.transfers import directory


@bp.get("/graduate/receiving-offices")
def receiving_offices():  # type: ignore[no-untyped-def]
    graduate = current_graduate_web()
    if graduate is None:
        err = Unauthorized()
        return jsonify(err.to_dict()), err.status
    q = (request.args.get("q") or "").strip()[:50]
    region = (request.args.get("region") or "").strip()[:50] or None
    offices = directory.search(q, region, graduate.school_id, 20)
    resp = jsonify({"items": [directory.as_dict(o) for o in offices]})
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
