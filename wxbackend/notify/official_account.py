"""What WeChat tells us about a user: following the official account, and subscribe-message choices.

The callback (:mod:`wxbackend.wechat.callback`) calls :func:`record_follow` and
:func:`record_template_choices`; the mini-program's API asks :func:`reminders_enabled` whether to show
"已开启消息提醒", and the template-message transport asks :func:`oa_openids` where to send (WX-4).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from wxbackend.accounts.models import WechatBinding, WechatFollower
from wxbackend.core import audit
from wxbackend.core.db import db
from wxbackend.notify.models import WechatTemplateConsent

ACCEPT, REJECT = "accept", "reject"


def record_follow(oa_openid: str, subscribed: bool, at: datetime, unionid: str | None = None) -> WechatFollower:
    """Upsert the follower from a subscribe/unsubscribe event; an older event never undoes a newer one.

    Events carry no unionid; it is taken from the event when present, else from a binding that already
    holds this oa_openid, so the follower and the binding meet on either key.
    """
    if unionid is None:
        unionid = db.session.scalar(select(WechatBinding.unionid).where(WechatBinding.oa_openid == oa_openid))
    follower = db.session.get(WechatFollower, oa_openid)
    if follower is None:
        follower = WechatFollower(oa_openid=oa_openid, unionid=unionid, subscribed=subscribed, changed_at=at)
        db.session.add(follower)
    elif follower.changed_at <= at:
        follower.subscribed, follower.changed_at = subscribed, at
        follower.unionid = unionid or follower.unionid
    audit.record(audit.SYSTEM, "wechat.follow" if subscribed else "wechat.unfollow",
                 object_type="wechat_follower", openid=oa_openid)
    if subscribed and not follower.unionid and current_app.config["SETTINGS"].oa_configured:
        from wxbackend.core.jobs import enqueue

        enqueue(FOLLOWER_JOB, oa_openid)  # after the commit: ask WeChat for the unionid
    return follower


FOLLOWER_JOB = "jobs.wechat.fetch_follower_unionid"


def fetch_unionid(oa_openid: str) -> str | None:
    """Ask WeChat for a follower's unionid (``user/info``) so it meets a mini-program-only binding.

    Does nothing when the follower is gone, unsubscribed or already known; WeChat's errors propagate
    so the job is retried.
    """
    from wxbackend.auth.wechat import call_with_fresh_token, oa_client

    follower = db.session.get(WechatFollower, oa_openid)
    if follower is None or not follower.subscribed or follower.unionid:
        return follower.unionid if follower else None
    info = call_with_fresh_token(oa_client(), lambda client: client.user.get(oa_openid))
    unionid = info.get("unionid") if isinstance(info, dict) else None
    if unionid:
        follower.unionid = unionid
    return unionid


def record_template_choices(openid: str, choices: Iterable[tuple[str, str]], at: datetime) -> int:
    """Keep each ``(template_id, accept|reject)`` the user chose; returns how many were recorded."""
    count = 0
    for template_id, status in choices:
        if status not in (ACCEPT, REJECT) or not template_id:
            continue
        row = db.session.get(WechatTemplateConsent, (openid, template_id))
        if row is None:
            db.session.add(WechatTemplateConsent(openid=openid, template_id=template_id, status=status,
                                                 changed_at=at))
        elif row.changed_at <= at:
            row.status, row.changed_at = status, at
        count += 1
    if count:
        db.session.flush()
    return count


def _binding(graduate_id: int) -> WechatBinding | None:
    return db.session.scalar(select(WechatBinding).where(WechatBinding.graduate_id == graduate_id))


def accepted_templates(graduate_id: int) -> list[str]:
    """Template ids the graduate's WeChat identities (mini-program or official account) last accepted."""
    binding = _binding(graduate_id)
    openids = [o for o in (binding.openid, binding.oa_openid) if o] if binding else []
    if not openids:
        return []
    return sorted(set(db.session.scalars(select(WechatTemplateConsent.template_id).where(
        WechatTemplateConsent.openid.in_(openids), WechatTemplateConsent.status == ACCEPT))))


def reminders_enabled(graduate_id: int, template_ids: Iterable[str] | None = None) -> bool:
    """"已开启消息提醒": the graduate accepted at least one subscribe-message template.

    With *template_ids* (e.g. those of ``WECHAT_MESSAGE_TEMPLATES``) only those count.
    """
    accepted = accepted_templates(graduate_id)
    if template_ids is not None:
        wanted = set(template_ids)
        accepted = [t for t in accepted if t in wanted]
    return bool(accepted)


def follows_official_account(graduate_id: int) -> bool:
    """Whether the graduate follows the official account (template messages reach only followers)."""
    return bool(oa_openids([graduate_id]).get(graduate_id))


def oa_openids(graduate_ids: Iterable[int]) -> dict[int, str]:
    """Graduate id → official-account openid to send to: the binding's oa_openid, else a subscribed
    follower sharing the binding's unionid. A follower known to have unsubscribed is left out."""
    ids = set(graduate_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(WechatBinding.graduate_id, WechatBinding.oa_openid, WechatFollower.oa_openid,
               WechatFollower.subscribed)
        .outerjoin(WechatFollower, or_(WechatFollower.oa_openid == WechatBinding.oa_openid,
                                       (WechatFollower.unionid == WechatBinding.unionid)
                                       & WechatBinding.unionid.is_not(None)))
        .where(WechatBinding.graduate_id.in_(ids))
    ).all()
    out: dict[int, str] = {}
    unsubscribed: set[str] = set()
    for graduate_id, _bound, follower, subscribed in rows:
        if follower is not None and not subscribed:
            unsubscribed.add(follower)
            continue
        if follower is not None and graduate_id not in out:
            out[graduate_id] = follower
    for graduate_id, bound, _follower, _subscribed in rows:
        if graduate_id not in out and bound and bound not in unsubscribed:
            out[graduate_id] = bound
    return out


def mark_not_following(oa_openid: str, at: datetime) -> None:
    """WeChat answered 43004 (the user does not follow the account): remember it, so no more attempts."""
    follower = db.session.get(WechatFollower, oa_openid)
    if follower is None:
        db.session.add(WechatFollower(oa_openid=oa_openid, subscribed=False, changed_at=at))
    elif follower.changed_at <= at:
        follower.subscribed, follower.changed_at = False, at
