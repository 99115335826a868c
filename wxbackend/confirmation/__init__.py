"""去向登记确认 (CF-1 … CF-6): the graduate answers what the school reported; the 四不准 reports.

It reads the reports (``reporting``), so it sits above them. It tells ``accounts.modules`` whether the
graduate's destination was reported and confirmed (the locks of 去向登记确认 and 核验授权), and listens
to the domain signals to let a confirmation fall away when the info changes (CF-5).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Join the platform: models, module facts, the CF-5 receivers."""
    from wxbackend.accounts import modules
    from wxbackend.confirmation import models, services, violations  # noqa: F401
    from wxbackend.core import signals

    modules.register_facts(services.facts)
    signals.destination_changed.connect(services.on_info_changed)
    signals.transfer_info_changed.connect(services.on_info_changed)
    signals.basic_info_changed.connect(services.on_basic_info_changed)
    signals.info_reported.connect(services.on_info_reported)
