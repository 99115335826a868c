"""Console: graduates (placeholder route, replaced by the real pages)."""

from wxbackend.auth.principals import staff_required
from wxbackend.console.views import bp


@bp.route("/graduates")
@staff_required()
def graduates():  # type: ignore[no-untyped-def]
    return "TODO"
