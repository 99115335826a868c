"""Reviewer web console (院系 and 学校 reviewers, platform admin)."""

from flask import Blueprint

bp = Blueprint("console", __name__)
