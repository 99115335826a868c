"""API: auth."""
from wxbackend.api import bp  # noqa: F401
