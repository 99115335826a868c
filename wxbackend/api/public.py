"""API: public."""
from wxbackend.api import bp  # noqa: F401
