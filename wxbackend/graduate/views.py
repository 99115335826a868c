"""Graduate web login (学信网 CAS or the built-in provider), the basic-info gate and the module list.

The mini-program binds a WeChat identity with a one-time code from this web (``bind_code``), not
through a web-view of the 学信网 login: a web-view may only open the mini-program's own domains.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.basic_info import basic_info_rows
from wxbackend.accounts.modules import MODULES, module_states
from wxbackend.auth import service
from wxbackend.auth.identity import CasProvider, InvalidCredentials, LocalProvider, provider
from wxbackend.auth.principals import (
    GraduatePrincipal,
    current_graduate_web,
    graduate_required,
    sign_in,
    sign_out,
)
from wxbackend.core import audit
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.ratelimit import login_limit
from wxbackend.graduate import wx
from wxbackend.graduate.web import bp, confirmed_required, me

#: Where each module's tile leads (endpoint, its arguments); the others have a page that says their state.
MODULE_PAGES: dict[str, tuple[str, dict[str, str]]] = {
    "destination": ("auth.destination_home", {}),
    "archive": ("auth.transfer_home", {"module": "archive"}),
    "hukou": ("auth.transfer_home", {"module": "hukou"}),
    "confirmation": ("auth.confirmation_home", {}),
    "verification": ("auth.verification_home", {}),
}
#: What a module's page offers even while the module is locked: the 四不准 report needs no report (CF-6).
LOCKED_LINKS: dict[str, tuple[str, str]] = {
    "confirmation": ("auth.violation_report", "违反“四不准”行为举报"),
}


def module_urls() -> dict[str, str]:
    return {key: url_for(endpoint, **args) for key, (endpoint, args) in MODULE_PAGES.items()}


def _external(endpoint: str, **params: str) -> str:
    """An absolute URL on PUBLIC_URL (CAS needs the exact service URL twice)."""
    base = current_app.config["SETTINGS"].PUBLIC_URL.rstrip("/") + url_for(endpoint)
    return base + ("?" + urlencode(params) if params else "")


def _safe_next(target: str | None) -> str:
    from wxbackend.core.urls import safe_next

    return safe_next(target, url_for("auth.graduate_home"))


def _login_page(error: ApiError | None = None, username: str = "") -> Any:
    prov = provider()
    cas_url = prov.login_url(_external("auth.cas_callback")) if isinstance(prov, CasProvider) else None
    status = error.status if error else 200
    return render_template("graduate/login.html", provider=prov.name, cas_url=cas_url, error=error,
                           username=username, wx_pending=wx.pending()), status


def _sign_in(graduate: Any) -> Any:
    db.session.commit()
    sign_in(GraduatePrincipal(graduate))
    return wx.bind_pending(graduate, _safe_next(request.args.get("next")))


@bp.route("/login", methods=["GET", "POST"])
@login_limit()
def graduate_login():  # type: ignore[no-untyped-def]
    """Graduate login page (§1 way 2)."""
    if current_graduate_web() is not None and request.method == "GET":
        return redirect(url_for("auth.graduate_home"))
    if wx.should_start():  # opened in WeChat: the official account's OAuth first (WX-3)
        return wx.start_redirect(request.args.get("next"))
    if request.method == "GET" or current_app.config["SETTINGS"].IDENTITY_PROVIDER != "local":
        return _login_page()
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    try:
        try:
            identity = LocalProvider().authenticate(username, password)
        except InvalidCredentials as exc:
            service.record_failed_login("local", username, "web", exc.code)
            raise
        graduate = service.login_identity(identity, channel="web")
    except ApiError as err:
        return _login_page(err, username)
    return _sign_in(graduate)


@bp.get("/login/cas/callback")
def cas_callback():  # type: ignore[no-untyped-def]
    """CHSI sends the browser back here with a service ticket."""
    prov = provider()
    if not isinstance(prov, CasProvider):
        abort(404)
    try:
        try:
            identity = prov.validate(request.args.get("ticket", ""), _external("auth.cas_callback"))
        except InvalidCredentials as exc:
            service.record_failed_login("cas", None, "web", exc.code)
            raise
        graduate = service.login_identity(identity, channel="web")
    except ApiError as err:
        return _login_page(err)
    return _sign_in(graduate)


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """退出 (L-3): end the web session."""
    graduate = current_graduate_web()
    if graduate is not None:
        audit.record(actor_for(graduate), "auth.logout", graduate, channel="web")
        db.session.commit()
    sign_out()
    wx.forget()
    flash("已退出登录", "success")
    return redirect(url_for("auth.graduate_login"))


@bp.get("/graduate/")
@graduate_required
def graduate_home():  # type: ignore[no-untyped-def]
    """The basic-info gate until confirmed (L-3), then the five modules (L-5)."""
    graduate = current_graduate_web()
    assert graduate is not None
    if graduate.confirmed_at is None:
        return render_template("graduate/confirm.html", graduate=graduate, rows=basic_info_rows(graduate))
    return render_template("graduate/modules.html", graduate=graduate,
                           modules=module_states(graduate, graduate.school), pages=module_urls())


@bp.get("/graduate/modules/<key>")
@confirmed_required
def module_page(key: str):  # type: ignore[no-untyped-def]
    """A module's own page, or what it says when it is locked (L-5) or not open on the web yet."""
    if key not in dict(MODULES):
        abort(404)
    graduate = me()
    state = next(m for m in module_states(graduate, graduate.school) if m.key == key)
    if state.available and key in MODULE_PAGES:
        return redirect(module_urls()[key])
    link = LOCKED_LINKS.get(key)
    return render_template("graduate/module_state.html", module=state, built=key in MODULE_PAGES,
                           extra_link=(url_for(link[0]), link[1]) if link else None)


@bp.post("/graduate/confirm")
@graduate_required
def graduate_confirm():  # type: ignore[no-untyped-def]
    """"信息确认无误，进入系统" (L-3)."""
    graduate = current_graduate_web()
    assert graduate is not None
    service.confirm_basic_info(graduate)
    db.session.commit()
    return redirect(url_for("auth.graduate_home"))


# The other pages of the graduates' web, on the same blueprint.
from wxbackend.graduate import (  # noqa: E402,F401
    agreements,
    bind_code,
    confirmation,
    destination,
    offline,
    receiving_offices,
    transfers,
    verification,
)
