"""Graduation destinations (§4): the catalogue of kinds, other destinations, the D-1 claim, the home screen."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Join the platform: the reviewed-record declaration, the console presenter, the 登记记录 source."""
    from wxbackend.destinations import home, presenter, services
    from wxbackend.review import lifecycle, subjects
    from wxbackend.transfers import policy as transfer_policy

    lifecycle.register(services.RECORD)
    subjects.register(services.KIND, presenter.present, presenter.subkind_labels)
    home.add_source(home.other_destinations)
    transfer_policy.register_reader(services.policy_situation)  # AR-8
