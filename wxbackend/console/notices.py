"""Console: notices (placeholder route, replaced by the real pages)."""

from wxbackend.auth.principals import staff_required
from wxbackend.console.views import bp


@bp.route("/notices")
@staff_required()
def notices():  # type: ignore[no-untyped-def]
    return "TODO"
