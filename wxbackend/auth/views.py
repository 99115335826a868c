"""Graduate web login (学信网 CAS or the built-in provider) and logout."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
