"""API: me."""
from wxbackend.api import bp  # noqa: F401
