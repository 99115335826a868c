"""Online signing and termination (§4.1, §4.2): invitations, agreements, their PDF."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Join the platform: review outcome hooks, console presenters, the 登记记录 source."""
    from wxbackend.destinations import home as destination_home
    from wxbackend.review import engine, subjects
    from wxbackend.signing import home, presenter, services

    engine.on_outcome(services.KIND)(services._agreement_reviewed)
    engine.on_outcome(services.TERMINATION_KIND)(services._termination_reviewed)
    subjects.register(services.KIND, presenter.present_agreement, presenter.unit_labels)
    subjects.register(services.TERMINATION_KIND, presenter.present_termination, presenter.termination_labels)
    destination_home.add_source(home.signing_records)
