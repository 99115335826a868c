"""The JSON API for the mini-program, under /api/v1. Schemas validate requests and generate OpenAPI."""

from apiflask import APIBlueprint

from wxbackend.auth.principals import csrf

bp = APIBlueprint("api", __name__)
# Bearer tokens, not cookies, authenticate the API: CSRF does not apply.
csrf.exempt(bp)


@bp.record_once
def _security_scheme(state) -> None:  # type: ignore[no-untyped-def]
    """Declare the bearer token once, so endpoints can name it in the OpenAPI document."""
    schemes = dict(state.app.config.get("SECURITY_SCHEMES") or {})
    schemes.setdefault("BearerAuth", {"type": "http", "scheme": "bearer",
                                      "description": "POST /api/v1/auth/wx-login 等接口返回的 token"})
    state.app.config["SECURITY_SCHEMES"] = schemes
    from wxbackend.api import spec

    spec.init_app(state.app)  # downloads, uploads and the statuses every operation may answer


from wxbackend.api import (  # noqa: E402,F401
    agreements,
    auth,
    confirmation,
    destinations,
    me,
    offline,
    public,
    receiving_offices,
    transfers,
    verifications,
)
