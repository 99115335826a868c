"""Rate limits on guessable endpoints: password logins, the employers' graduate lookup and the SMS upload links.

Flask-Limiter counts in Redis when ``REDIS_URL`` is set (shared by every web process) and in
memory otherwise (the embedded default). Logins count only *failed* attempts, per address and
account name, so a typo does not lock anybody out but a password guesser is stopped; the
employer lookup counts every search per employer account (姓名 + 身份证号 must not be
enumerable); the upload links (``/u/<token>``) count refused links per address, so a token
guesser is slowed while the employer working through a genuine link is never counted.
A refused request gets 429 with the one JSON error shape on the API and a page
saying when to try again in the browser.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from wxbackend.core.errors import error_page, json_error, wants_json


def client_ip() -> str:
    """The connection's address; behind ``TRUSTED_PROXIES`` proxies, the one they saw (``ProxyFix``)."""
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_ip, default_limits=[], headers_enabled=False)

#: ``app.extensions`` key of the endpoints that carry no limit and skip the limiter's check (``unlimited``).
UNLIMITED = "wx_ratelimit_unlimited"


def unlimited(app: Flask, *endpoints: str) -> None:
    """Name read-only public pages that have no limit: the limiter skips them instead of resolving, per
    request, that no limit applies (a tenth of the public home's time)."""
    app.extensions.setdefault(UNLIMITED, set()).update(endpoints)


@limiter.request_filter
def _is_unlimited() -> bool:
    return request.endpoint in current_app.extensions.get(UNLIMITED, ())


#: ``app.extensions`` key of the function that names the logged-in account (registered by the auth layer).
ACCOUNT = "wx_ratelimit_account"


def count_per_account(app: Flask, account_id: Callable[[], int | None]) -> None:
    """Register who is logged in, for limits counted per account; core knows no accounts of its own."""
    app.extensions[ACCOUNT] = account_id


def login_key() -> str:
    """Address + the account name being tried (form or JSON)."""
    name = request.form.get("username") if request.form else None
    if name is None and request.is_json:
        body = request.get_json(silent=True) or {}
        name = body.get("username") if isinstance(body, dict) else None
    return f"login:{client_ip()}:{(name or '').strip().lower()[:64]}"


def failed(response: Any) -> bool:
    """Only refused logins count (wrong password: 400/401; success redirects or answers 200)."""
    return bool(response.status_code >= 400)


def login_limit() -> Any:
    return limiter.limit(lambda: current_app.config["SETTINGS"].LOGIN_RATE_LIMIT, key_func=login_key,
                         methods=["POST"], deduct_when=failed)


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.REDIS_URL or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "wx-limit")
    # Redis away: count in this process's memory meanwhile instead of failing the request
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _limited(err: RateLimitExceeded):  # type: ignore[no-untyped-def]
        wait = retry_after(err)
        message = f"尝试次数过多，请稍后再试（约 {wait_text(wait)}后可再试）"
        headers = {"Retry-After": str(wait)}
        if wants_json(request):
            return json_error(429, "rate_limited", message, headers=headers)
        return error_page(429, message + "。为保护账号和个人信息安全，短时间内多次登录失败或查询过于频繁时会暂时限制。",
                          headers=headers)


def retry_after(err: RateLimitExceeded) -> int:
    """Seconds until the breached limit's window lets a request through again (at least 1)."""
    current = limiter.current_limit
    try:
        if current is not None and current.breached:
            return max(1, math.ceil(current.reset_at - time.time()))
    except Exception:  # the storage could not be read; fall back to the whole window
        current_app.logger.warning("rate limit window could not be read", exc_info=True)
    return max(1, int(err.limit.limit.get_expiry()))


def wait_text(seconds: int) -> str:
    """``45 秒`` under two minutes, else whole minutes rounded up: ``15 分钟``."""
    return f"{seconds} 秒" if seconds < 120 else f"{math.ceil(seconds / 60)} 分钟"


def lookup_key() -> str:
    account_id = current_app.extensions[ACCOUNT]()
    return f"lookup:{account_id}" if account_id is not None else f"lookup-ip:{client_ip()}"


def lookup_limit() -> Any:
    """Graduate searches per employer account (step 1 of the invitation; sending is not counted)."""
    return limiter.limit(lambda: current_app.config["SETTINGS"].LOOKUP_RATE_LIMIT, key_func=lookup_key,
                         methods=["POST"], exempt_when=lambda: request.form.get("step") == "send")


def link_key() -> str:
    return f"link:{client_ip()}"


def refused_link(response: Any) -> bool:
    """A link that was refused: 404 (invalid, revoked, used) or 410 (expired)."""
    return response.status_code in (404, 410)


def link_limit() -> Any:
    """Refused upload-link requests per address (every method; a genuine link is not counted)."""
    return limiter.limit(lambda: current_app.config["SETTINGS"].LINK_RATE_LIMIT, key_func=link_key,
                         deduct_when=refused_link)


def verify_key() -> str:
    return f"verify:{client_ip()}"


def verify_limit() -> Any:
    """Public verification lookups per address (VA-7): every form lookup and every QR link opened."""
    return limiter.limit(lambda: current_app.config["SETTINGS"].VERIFY_RATE_LIMIT, key_func=verify_key,
                         methods=["POST", "GET"], exempt_when=lambda: request.method == "GET"
                         and not request.path.startswith("/verify/q/"))


def register_key() -> str:
    return f"register:{client_ip()}"


def registered(response: Any) -> bool:
    """A registration that went through (it redirects into the portal); a refused form is not counted."""
    return bool(response.status_code == 302)


def register_limit() -> Any:
    """Employer registrations per client address (EM-2): accounts cannot be made in bulk to multiply the
    per-account limit on graduate lookups."""
    return limiter.limit(lambda: current_app.config["SETTINGS"].REGISTER_RATE_LIMIT, key_func=register_key,
                         methods=["POST"], deduct_when=registered)
