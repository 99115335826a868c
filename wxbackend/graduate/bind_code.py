"""绑定小程序 on the mobile web: a signed-in graduate gets a 6-digit code for the mini-program (L-8).

The mini-program cannot open 学信网 in a web-view (not one of its business domains), so the 学信网
sign-in happens here, in any browser, and the code carries it over. GET shows the page, POST
issues a code (10 minutes, single use) and shows it.
"""

from __future__ import annotations

from flask import render_template

from wxbackend.auth import service
from wxbackend.auth.principals import graduate_required
from wxbackend.core.db import db
from wxbackend.graduate.web import bp, me


@bp.get("/graduate/bind-code")
@graduate_required
def bind_code_page():  # type: ignore[no-untyped-def]
    return render_template("graduate/bind_code.html", graduate=me(), code=None, expires_at=None,
                           minutes=service.BIND_CODE_MINUTES)


@bp.post("/graduate/bind-code")
@graduate_required
def bind_code_issue():  # type: ignore[no-untyped-def]
    graduate = me()
    code, expires = service.make_bind_code(graduate)
    db.session.commit()
    return render_template("graduate/bind_code.html", graduate=graduate, code=code, expires_at=expires,
                           minutes=service.BIND_CODE_MINUTES)
