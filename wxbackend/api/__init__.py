"""The JSON API for the mini-program, under /api/v1. Schemas validate requests and generate OpenAPI."""

from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__)

from wxbackend.api import auth, me, public  # noqa: E402,F401
