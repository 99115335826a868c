"""The demo data loads, is idempotent, and every demo graduate passes the import validation."""

from __future__ import annotations

from sqlalchemy import func, select

from wxbackend.accounts.models import Graduate, User
from wxbackend.accounts.validation import FIELDS, OrgIndex, clean_graduate
from wxbackend.core.codes import code_list, region_name
from wxbackend.core.db import db
from wxbackend.demo import load_demo


def test_demo_data_loads_once_and_is_valid(app) -> None:
    lines = list(load_demo())
    assert any("admin" in line for line in lines)
    list(load_demo())
    assert db.session.scalar(select(func.count(Graduate.id))) == 200
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "department")) == 4
    graduates = db.session.scalars(select(Graduate)).all()
    orgs = OrgIndex.for_school(graduates[0].school_id)
    for g in graduates:
        raw = {k: getattr(g, k, None) for k in FIELDS}
        raw.update(department=g.department.name, major=g.major.name,
                   gender=code_list("gender").label(g.gender), origin_region=region_name(g.origin_region),
                   archive_at_school="是" if g.archive_at_school else "否",
                   hukou_at_school="是" if g.hukou_at_school else "否")
        _, errors = clean_graduate(raw, orgs)
        assert errors == {}, (g.name, errors)


def test_demo_has_invitations_and_agreements_in_every_state(app, drain_jobs) -> None:
    """The employer portal and the review queues show online signing in every state (§4.1, §4.2)."""
    from wxbackend.signing.models import OnlineAgreement, TerminationRequest

    list(load_demo())
    drain_jobs()
    states = set(db.session.scalars(select(OnlineAgreement.status)))
    assert {"waiting", "expired", "declined", "reviewing", "signed", "failed"} <= states
    signed = db.session.scalar(select(OnlineAgreement).where(OnlineAgreement.status == "signed")
                               .order_by(OnlineAgreement.id).limit(1))
    assert signed is not None and signed.graduate.name == "王堃" and signed.pdf_file_id is not None
    assert db.session.scalar(select(func.count(TerminationRequest.id))) == 1


def test_demo_binds_one_stand_in_wechat_identity_and_leaves_another_unbound(app) -> None:
    from wxbackend import standin
    from wxbackend.accounts.models import LocalAccount, WechatBinding

    list(load_demo())
    list(load_demo())
    bindings = db.session.scalars(select(WechatBinding)).all()
    wangkun = standin.identity("wangkun")
    assert [(b.openid, b.oa_openid, b.unionid) for b in bindings] == [
        (wangkun.mini_openid, wangkun.oa_openid, wangkun.unionid)]
    account = db.session.scalar(select(LocalAccount).where(LocalAccount.username == "chsi-wangkun"))
    assert db.session.get(Graduate, bindings[0].graduate_id).id_number == account.id_number
    liyue = standin.identity("liyue")
    assert db.session.scalar(select(WechatBinding).where(WechatBinding.unionid == liyue.unionid)) is None


def test_demo_has_offline_applications_and_prints_the_employer_link(app) -> None:
    """The demo has an e-agreement in each review phase and a paper one, and prints the texted upload link (FS-8)."""
    from wxbackend.signing.models import OfflineAgreement

    lines = list(load_demo())
    rows = db.session.scalars(select(OfflineAgreement).order_by(OfflineAgreement.id)).all()
    assert [(r.mode, r.status) for r in rows] == [
        ("eagreement", "agreement_review"), ("eagreement", "agreement_passed"), ("eagreement", "agreement_passed"),
        ("paper", "signing_review")]
    assert all(r.pdf_file_id is not None for r in rows[1:3]) and rows[2].link_nonce is not None
    links = [line.strip() for line in lines if "/u/" in line]
    assert len(links) == 1 and links[0].startswith("http")
