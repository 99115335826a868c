"""Console: imports (placeholder route, replaced by the real pages)."""

from wxbackend.auth.principals import staff_required
from wxbackend.console.views import bp


@bp.route("/imports")
@staff_required()
def imports():  # type: ignore[no-untyped-def]
    return "TODO"
