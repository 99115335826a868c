"""上报 (RP-1 … RP-3): the school reports what its graduates registered; the snapshot each report keeps.

It reads every destination module (destinations, signing, transfers), so it sits above them; the
reporting deadline (RP-2) lives in ``accounts.deadlines``, where the graduate-side services below can
reach it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Join the platform: import the models (metadata) and the audit labels."""
    from wxbackend.reporting import models, services  # noqa: F401
