"""The public home page (fig. 46)."""

from flask import Blueprint

bp = Blueprint("home", __name__)
