"""L-7 for archive and hukou (AR-6, HK-3): when the school deletes a graduate's basic info, their pending
applications end 审核不通过 by the system, drafts are cancelled, and the registered info becomes invalid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tests.transfers.conftest import VALUES
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.services import delete_graduate
from wxbackend.core.db import db
from wxbackend.review import engine
from wxbackend.transfers import registration, services
from wxbackend.transfers.models import TransferInfo, TransferRegistration


def test_l_7_ar_6_hk_3_deletion_ends_applications_and_invalidates_the_info(
        grad: Callable[..., Any], review: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """L-7, AR-6, HK-3: approved archive info becomes invalid; a pending hukou application becomes
    审核不通过 by 系统 with the reason; a draft is cancelled; another graduate is untouched."""
    g = grad(hukou_at_school=True)
    other = grad(hukou_at_school=True)
    archive = registration.create(g, "archive", "registration", VALUES["archive"])
    registration.submit(g, archive)
    db.session.commit()
    review(archive, "pass")
    assert services.current(g.id, "archive") is not None
    hukou = registration.create(g, "hukou", "registration", VALUES["hukou"])
    registration.submit(g, hukou)
    db.session.commit()
    theirs = registration.create(other, "hukou", "registration", VALUES["hukou"])
    registration.submit(other, theirs)
    db.session.commit()
    school = reg_world["school_user"]
    delete_graduate(actor_for(school), school, g, reason="重复上传")
    db.session.commit()
    db.session.expire_all()
    assert services.current(g.id, "archive") is None and services.current(g.id, "hukou") is None
    assert db.session.scalar(select(TransferInfo.status).where(TransferInfo.graduate_id == g.id)) == "void"
    hukou = db.session.get(TransferRegistration, hukou.id)
    assert hukou.status == "rejected"
    last = engine.subject_history(hukou.kind, hukou.id)[-1]
    assert (last.action, last.role, last.reason) == ("reject", "system", registration.MSG_DELETED)
    assert db.session.get(TransferRegistration, theirs.id).status == "pending"


def test_l_7_a_deleted_graduates_draft_is_cancelled(grad: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """L-7: an unsent archive draft of the deleted graduate ends too (已撤销); nothing is left open."""
    g = grad()
    draft = registration.create(g, "archive", "registration", {"archive_transfer_type": "11"})
    db.session.commit()
    school = reg_world["school_user"]
    delete_graduate(actor_for(school), school, g)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(TransferRegistration, draft.id).status == "cancelled"
    assert registration.open_registration(g.id, "archive") is None
