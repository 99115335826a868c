"""The public home page (fig. 46): entry tiles and the platform's published notices."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import select

from wxbackend.accounts.models import Notice
from wxbackend.core import ratelimit, regions, timeutil
from wxbackend.core.db import db

bp = Blueprint("home", __name__)


@bp.record_once
def _register(state: Any) -> None:
    # the busiest anonymous pages have no rate limit: skip the limiter's per-request check
    ratelimit.unlimited(state.app, "home.index", "home.notice_list", "home.notice")


#: How many notices the home page lists; the rest are on /notices.
HOME_NOTICES = 8


#: Published notices, newest first, on the table's columns (a Core statement: the lists read three plain
#: columns and skip the ORM's compile and result layers).
_notice = Notice.__table__.c
PUBLISHED = (select(_notice.id, _notice.title, _notice.created_at).where(_notice.published.is_(True))
             .order_by(_notice.created_at.desc(), _notice.id.desc()))
#: The home page's statement, built once (the busiest anonymous page).
HOME_QUERY = PUBLISHED.limit(HOME_NOTICES + 1)


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    notices = db.session.execute(HOME_QUERY).all()
    return render_template("home/index.html", notices=notices[:HOME_NOTICES],
                           more=len(notices) > HOME_NOTICES, fmt=timeutil.fmt)


@bp.route("/regions")
def region_children():  # type: ignore[no-untyped-def]
    """Children of a region for the address pickers of every portal (public GB/T 2260 data)."""
    return jsonify([r._asdict() for r in regions.children((request.args.get("parent") or "").strip())])


@bp.route("/notices")
def notice_list():  # type: ignore[no-untyped-def]
    notices = db.session.execute(PUBLISHED).all()
    return render_template("home/notices.html", notices=notices, fmt=timeutil.fmt)


@bp.route("/notices/<int:notice_id>")
def notice(notice_id: int):  # type: ignore[no-untyped-def]
    """One published notice; unpublished ones do not exist for the public."""
    row = db.session.get(Notice, notice_id)
    if row is None or not row.published:
        abort(404)
    paragraphs = [p.strip() for p in row.body.split("\n\n") if p.strip()]
    return render_template("home/notice.html", notice=row, paragraphs=paragraphs, fmt=timeutil.fmt)


@bp.route("/agreements/verify/<token>")
def agreement_check(token: str):  # type: ignore[no-untyped-def]
    """The page the agreement PDF's QR code opens: is this agreement real, and is it still valid?

    The token is signed and names one agreement; the page shows its number, the unit, the
    school and the state, with the graduate's name masked. A forged, altered or foreign token
    gets one "核验失败" page — the same bytes whether or not such an agreement exists.
    """
    from wxbackend.accounts.models import School
    from wxbackend.signing import documents

    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    row: Any = documents.agreement_for_token(token)
    if row is None:  # an offline e-agreement's QR code (FS-3) opens the same page
        from wxbackend.signing import offline_documents

        row = offline_documents.record_for_token(token)
    if row is None:
        return render_template("home/agreement_check_failed.html"), 404, headers
    school = db.session.get(School, row.school_id)
    response = render_template(
        "home/agreement_check.html", row=row, school=school, graduate=documents.mask_name(row.graduate.name),
        fmt=timeutil.fmt)
    return response, 200, headers


from wxbackend.home import health, verify  # noqa: E402,F401 - /healthz, the public verification pages
