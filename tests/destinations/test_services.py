"""Other destinations at the service layer (OD-1…OD-4, D-1, D-2); HTTP tests live in test_api.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.destinations import services
from wxbackend.destinations.models import DestinationClaim
from wxbackend.review import engine


@pytest.fixture()
def w(world: dict[str, Any], make_graduate: Callable[..., Any]) -> dict[str, Any]:
    return {**world, "graduate": make_graduate(major=world["major"], confirmed_at=timeutil.now())}


def _submitted(w: dict[str, Any]) -> Any:
    g = w["graduate"]
    record = services.create(g, "labour_contract", LABOUR_FIELDS)
    db.session.commit()
    services.add_proof(actor_for(g), record, jpeg_bytes(), "contract.jpg")
    services.submit(g, record)
    db.session.commit()
    return record


def test_od_1_full_round_trip_to_approved(w: dict[str, Any]) -> None:
    """OD-1, RV-2: pick, fill, attach proof, submit; department then school pass → approved, current (D-1)."""
    record = _submitted(w)
    assert record.status == "pending" and record.destination_code == "11"
    item = engine.open_item(services.KIND, record.id)
    engine.decide(w["dept_user"], item.id, "pass")
    engine.decide(w["school_user"], item.id, "pass")
    db.session.commit()
    db.session.refresh(record)
    assert record.status == "approved"
    assert db.session.get(DestinationClaim, w["graduate"].id).subject_id == record.id


def test_od_1_submit_refuses_missing_fields_and_proofs(w: dict[str, Any]) -> None:
    g = w["graduate"]
    record = services.create(g, "labour_contract", {"unit_name": "某公司"})
    db.session.commit()
    with pytest.raises(ApiError) as err:
        services.submit(g, record)
    assert err.value.code == "invalid_fields" and "fields.position" in err.value.fields
    db.session.rollback()
    services.update_fields(g, record, None, LABOUR_FIELDS)
    db.session.commit()
    with pytest.raises(ApiError) as err:
        services.submit(g, record)
    assert err.value.code == "proof_required"


def test_od_2_return_edit_resubmit_then_reject_frees(w: dict[str, Any]) -> None:
    g = w["graduate"]
    record = _submitted(w)
    item = engine.open_item(services.KIND, record.id)
    engine.decide(w["dept_user"], item.id, "return", reason="合同缺少签字页")
    db.session.commit()
    db.session.refresh(record)
    assert record.status == "returned"
    services.update_fields(g, record, None, {**LABOUR_FIELDS, "position": "测试工程师"})
    services.submit(g, record)
    db.session.commit()
    item = engine.open_item(services.KIND, record.id)
    engine.decide(w["dept_user"], item.id, "reject", reason="材料不实")
    db.session.commit()
    db.session.refresh(record)
    assert record.status == "rejected"
    assert db.session.get(DestinationClaim, g.id) is None
    again = services.create(g, "job_seeking", {})
    services.submit(g, again)
    db.session.commit()
    assert again.status == "pending"


def test_od_4_void_after_approval_frees_without_review(w: dict[str, Any]) -> None:
    g = w["graduate"]
    record = _submitted(w)
    item = engine.open_item(services.KIND, record.id)
    engine.decide(w["dept_user"], item.id, "pass")
    engine.decide(w["school_user"], item.id, "pass")
    db.session.commit()
    services.void(g, record)
    db.session.commit()
    assert record.status == "voided" and record.voided_at is not None
    assert db.session.get(DestinationClaim, g.id) is None


def test_d_1_second_claim_refused(w: dict[str, Any]) -> None:
    g = w["graduate"]
    _submitted(w)
    with pytest.raises(Conflict) as err:
        services.claim(g.id, "online_agreement", 99)
    assert err.value.code == "destination_exists"


def test_l_7_deleted_graduates_items_leave_the_queue(w: dict[str, Any]) -> None:
    """L-7: after the school deletes a graduate, their pending item no longer waits in any queue."""
    from wxbackend.accounts.actors import actor_for
    from wxbackend.accounts.services import delete_graduate

    record = _submitted(w)
    assert [i.subject_id for i in db.session.scalars(engine.waiting_for(w["dept_user"]))] == [record.id]
    delete_graduate(actor_for(w["school_user"]), w["school_user"], w["graduate"], reason="重复上传")
    db.session.commit()
    assert list(db.session.scalars(engine.waiting_for(w["dept_user"]))) == []


@pytest.fixture()
def heard() -> Any:
    """Every ``destination_changed`` and ``basic_info_changed`` sent during the test."""
    from wxbackend.core import signals

    events: list[tuple[str, dict[str, Any]]] = []

    def listen(name: str) -> Callable[..., None]:
        def receiver(sender: Any, **data: Any) -> None:
            events.append((name, data))
        return receiver

    receivers = [(signals.destination_changed, listen("destination")), (signals.basic_info_changed, listen("basic"))]
    for signal, receiver in receivers:
        signal.connect(receiver)
    yield events
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def test_d_1_every_change_of_the_current_destination_is_signalled(w: dict[str, Any], heard: Any) -> None:
    """D-1: submit, the decisions, void — each sends ``destination_changed`` (CF-5 will listen)."""
    record = _submitted(w)
    item = engine.open_item(services.KIND, record.id)
    engine.decide(w["dept_user"], item.id, "pass")
    engine.decide(w["school_user"], item.id, "pass")
    services.void(w["graduate"], record)
    db.session.commit()
    statuses = [data["status"] for name, data in heard if name == "destination"]
    assert statuses == ["claimed", "pending", "approved", "released", "voided"]
    assert all(data["graduate_id"] == w["graduate"].id and data["subject_id"] == record.id
               for name, data in heard if name == "destination")


def test_l_7_deleting_basic_info_is_signalled(w: dict[str, Any], heard: Any) -> None:
    """L-7: the deletion reaches listeners (archive and hukou will close pending applications)."""
    from wxbackend.accounts.services import delete_graduate

    delete_graduate(actor_for(w["school_user"]), w["school_user"], w["graduate"], reason="重复上传")
    db.session.commit()
    assert [(d["graduate_ids"], d["action"]) for name, d in heard if name == "basic"] == [
        ([w["graduate"].id], "delete")]
