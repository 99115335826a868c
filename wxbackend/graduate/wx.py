"""Pages opened inside WeChat sign in through the official account's OAuth (WX-3).

A graduate who is not signed in and opens ``/login`` (every graduate page sends them there) in
WeChat's browser goes to the official account's authorize page once per browser session. Back on
``/auth/wx/oauth/callback``: a bound identity lands on the ``next`` page; an unbound one sees the
usual CHSI login, and the sign-in that follows binds it (L-8). Outside WeChat nothing changes.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate
from wxbackend.auth import service, wx_oauth
from wxbackend.auth.principals import GraduatePrincipal, current_graduate_web, sign_in
from wxbackend.core import audit
from wxbackend.core.audit import ANONYMOUS
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.core.urls import safe_next
from wxbackend.graduate.web import bp

#: The session keys this flow uses.
NONCE, TRIED, PENDING = "wx_oauth_nonce", "wx_oauth_tried", "wx_oauth_pending"


def _enabled() -> bool:
    return bool(current_app.config["SETTINGS"].official_account_enabled)


def should_start() -> bool:
    """Send this visitor to the official account's OAuth first? (In WeChat, not signed in, not tried yet.)"""
    return (_enabled() and current_graduate_web() is None and request.method == "GET"
            and wx_oauth.is_wechat_browser(request.headers.get("User-Agent"))
            and not session.get(TRIED) and not session.get(PENDING))


def start_redirect(next_url: str | None) -> Any:
    return redirect(url_for("auth.wx_oauth_start", next=next_url) if next_url else url_for("auth.wx_oauth_start"))


def pending() -> bool:
    """A WeChat identity waits for this browser's CHSI sign-in (the login page says so)."""
    return bool(session.get(PENDING))


def forget() -> None:
    """After 退出: do not sign the graduate straight back in through WeChat."""
    session.pop(PENDING, None)
    session[TRIED] = True


@bp.get("/auth/wx/oauth/start")
def wx_oauth_start():  # type: ignore[no-untyped-def]
    """Go to the official account's authorize page with a state bound to this browser."""
    if not _enabled():
        abort(404)
    next_url = safe_next(request.args.get("next"), url_for("auth.graduate_home"))
    nonce = wx_oauth.new_nonce()
    session[NONCE] = nonce
    session[TRIED] = True
    redirect_uri = current_app.config["SETTINGS"].PUBLIC_URL.rstrip("/") + url_for("auth.wx_oauth_callback")
    return redirect(wx_oauth.authorize_url(redirect_uri, nonce, next_url))


@bp.get("/auth/wx/oauth/callback")
def wx_oauth_callback():  # type: ignore[no-untyped-def]
    """WeChat sends the browser back with a code (or without one, when the user did not agree)."""
    if not _enabled():
        abort(404)
    nonce = session.pop(NONCE, None)
    session[TRIED] = True
    try:
        next_url = safe_next(wx_oauth.read_state(request.args.get("state", ""), nonce),
                             url_for("auth.graduate_home"))
        db.session.commit()  # the state is spent, whatever happens next
        if not request.args.get("code"):
            raise ApiError("wx_oauth_denied", "你没有同意微信授权，请使用学信网账号登录")
        identity = wx_oauth.exchange_code(request.args["code"])
        graduate = service.graduate_for_official_account(identity.oa_openid, identity.unionid)
    except ApiError as err:
        db.session.rollback()
        audit.record(ANONYMOUS, "auth.wx_oauth_refused", object_type="identity", reason=err.code)
        db.session.commit()
        flash(err.message, "error")
        return redirect(url_for("auth.graduate_login"))
    if graduate is None:
        session[PENDING] = wx_oauth.make_pending(identity, next_url)  # the login page says what follows
        db.session.commit()
        return redirect(url_for("auth.graduate_login", next=next_url))
    audit.record(actor_for(graduate), "auth.wx_oauth_login", graduate, oa_openid=identity.oa_openid,
                 channel="wx_oa")
    db.session.commit()
    sign_in(GraduatePrincipal(graduate))
    return redirect(next_url)


def bind_pending(graduate: Graduate, target: str) -> Any:
    """After a CHSI sign-in: bind the WeChat identity waiting in this browser, then go on (L-8)."""
    token = session.pop(PENDING, None)
    if not token:
        return redirect(target)
    found = wx_oauth.read_pending(token)
    if found is None:
        flash("微信绑定已超时（10分钟内有效），本次未绑定微信；下次在微信中打开时可再次绑定", "warning")
        return redirect(target)
    identity, next_url = found
    target = next_url or target
    try:
        service.bind_wechat(graduate, oa_openid=identity.oa_openid, unionid=identity.unionid)
        db.session.commit()
    except Conflict as err:
        db.session.rollback()
        audit.record(actor_for(graduate), "auth.wx_bind_refused", graduate, reason=err.code,
                     oa_openid=identity.oa_openid)
        db.session.commit()
        return render_template("graduate/wx_bind_refused.html", error=err, target=target), err.status
    flash("已绑定当前微信，以后在微信中打开将直接登录", "success")
    return redirect(target)
