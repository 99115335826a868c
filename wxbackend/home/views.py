"""The public home page (fig. 46)."""

from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    return render_template("home/index.html")
