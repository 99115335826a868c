"""Online signing and termination (§4.1, §4.2): invitations, agreements, their PDF."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Join the platform: review outcome hooks, console presenters, the 登记记录 source."""
    from wxbackend.destinations import home as destination_home
    from wxbackend.review import engine, history, lifecycle, subjects
    from wxbackend.signing import home, offline, presenter, services
    from wxbackend.transfers import policy as transfer_policy

    engine.on_outcome(services.KIND)(services._agreement_reviewed)
    engine.on_outcome(services.TERMINATION_KIND)(services._termination_reviewed)
    subjects.register(services.KIND, presenter.present_agreement, presenter.unit_labels)
    subjects.register(services.TERMINATION_KIND, presenter.present_termination, presenter.termination_labels)
    destination_home.add_source(home.signing_records)
    transfer_policy.register_reader(home.policy_situation)  # AR-8: the archive/hukou hint
    # Offline signing, the paper agreement and offline termination: lifecycle kinds (§4.3, §4.4).
    for kind in (offline.OFFLINE, offline.PAPER, offline.TERMINATION):
        lifecycle.register(kind)
    for review_kind in (offline.KIND, offline.SIGNING_REVIEW, offline.PAPER_KIND):
        subjects.register(review_kind, presenter.present_offline, presenter.offline_labels)
    subjects.register(offline.TERMINATION_KIND, presenter.present_offline_termination,
                      presenter.offline_termination_labels)
    history.KIND_ACTION_LABELS.setdefault(offline.KIND, {}).update(
        {"issue": "生成电子就业协议书", "send_link": "发送协助回传短信", "sign": "签约完成", "fail": "申请作废"})
    history.KIND_ACTION_LABELS.setdefault(offline.PAPER_KIND, {}).update({"sign": "签约完成", "fail": "申请作废"})
    history.KIND_ACTION_LABELS.setdefault(offline.TERMINATION_KIND, {}).update({"start": "申请解约"})
