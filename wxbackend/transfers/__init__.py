"""Archive (档案) and hukou (户口) transfer info: one implementation, two modules (ON-10, AR-1…AR-5, HK-1, HK-2).

Every destination module feeds it — today the signed online agreement — so it sits on the platform
floor: ``signing`` decides which blocks apply (the school's module switches, 户口是否转入学校) and
calls ``transfers.services``; this package never imports a domain or web package. The graduate's own
registrations and change requests (``transfers.registration``) are reviewed records of the lifecycle.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Join the platform: the four reviewed-record kinds and their console presenter; the archive
    dispatch follows changes of the archive info (AR-9)."""
    from wxbackend.core import signals
    from wxbackend.review import lifecycle, subjects
    from wxbackend.transfers import dispatch, presenter, registration

    for kind in registration.KINDS.values():
        lifecycle.register(kind)
        subjects.register(kind.name, presenter.present, presenter.type_labels)
    # L-7 (AR-6, HK-3): a deleted graduate's applications end and their registered info becomes invalid.
    signals.basic_info_changed.connect(registration.on_basic_info_changed)
    # AR-9: a prepared dispatch of replaced or voided archive info is cancelled
    signals.transfer_info_changed.connect(dispatch.on_transfer_info_changed)
