"""Graduate sign-in operations shared by the web pages and the mini-program API.

- :func:`login_identity`: an identity the provider vouched for → the graduate, or a refusal (L-1, L-2);
  contact fields follow the CHSI account (L-4).
- :func:`bind_wechat`: tie a WeChat identity (mini-program and/or official-account openid) to a graduate,
  once each way (L-8); :func:`graduate_for_official_account` finds it again for pages opened in WeChat.
- bind tickets: a signed, 10-minute proof that WeChat vouched for an openid.
- bind codes: a 10-minute, single-use code from the mobile web that binds the mini-program (L-8).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import ApiToken, Graduate, WechatBinding
from wxbackend.accounts.validation import EMAIL, PHONE
from wxbackend.auth import tokens
from wxbackend.auth.identity import Identity, LoginRefused, resolve_graduate
from wxbackend.core import audit, once, signals, timeutil
from wxbackend.core import tokens as signed
from wxbackend.core.audit import ANONYMOUS
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict

BIND_TICKET_MINUTES = 10

MSG_GRADUATE_BOUND = "该毕业生已绑定其他微信，如需更换微信请联系所在院系"
MSG_OPENID_BOUND = "该微信已绑定其他毕业生"


# --- login ------------------------------------------------------------------------------


def login_identity(identity: Identity, channel: str) -> Graduate:
    """Resolve *identity* to a graduate and record the login; refusals are recorded and raised.

    The refusal's audit event is committed before raising, so it survives the request.
    """
    try:
        graduate = resolve_graduate(identity)
    except LoginRefused as refused:
        db.session.rollback()
        audit.record(ANONYMOUS, "auth.login_refused", object_type="identity", reason=refused.code,
                     provider=identity.provider, subject=identity.subject, channel=channel)
        db.session.commit()
        raise
    sync_contact(graduate, identity)
    audit.record(actor_for(graduate), "auth.login", graduate, provider=identity.provider,
                 subject=identity.subject, channel=channel)
    return graduate


def record_failed_login(provider: str, subject: str | None, channel: str, reason: str) -> None:
    """Keep a trace of a wrong password or a bad ticket (committed on its own)."""
    db.session.rollback()
    audit.record(ANONYMOUS, "auth.login_refused", object_type="identity", reason=reason,
                 provider=provider, subject=subject, channel=channel)
    db.session.commit()


def _clean_phone(value: str | None) -> str | None:
    if not value:
        return None
    phone = re.sub(r"[\s-]", "", value)
    if phone.startswith("+86"):
        phone = phone[3:]
    return phone if PHONE.match(phone) else None


def sync_contact(graduate: Graduate, identity: Identity) -> dict[str, list[Any]]:
    """Take phone and email from the CHSI account, where graduates change them (L-4)."""
    changes: dict[str, list[Any]] = {}
    phone = _clean_phone(identity.phone)
    email = (identity.email or "").strip() or None
    if email and not EMAIL.match(email):
        email = None
    if phone and phone != graduate.phone:
        changes["phone"] = [graduate.phone, phone]
        graduate.phone = phone
    if email and email != graduate.email:
        changes["email"] = [graduate.email, email]
        graduate.email = email
    if changes:
        audit.record(actor_for(graduate), "graduate.contact_sync", graduate, changes=changes,
                     source=identity.provider)
        signals.basic_info_changed.send("auth", graduate_ids=[graduate.id], action="contact_sync",
                                        actor=actor_for(graduate))
    return changes


def confirm_basic_info(graduate: Graduate) -> bool:
    """"信息确认无误，进入系统" (L-3). Idempotent; returns True when this call confirmed."""
    now = timeutil.now()
    result = db.session.execute(
        update(Graduate).where(Graduate.id == graduate.id, Graduate.confirmed_at.is_(None),
                               Graduate.deleted_at.is_(None))
        .values(confirmed_at=now).execution_options(synchronize_session=False)
    )
    done = bool(result.rowcount)  # type: ignore[attr-defined]
    db.session.refresh(graduate)
    if done:
        audit.record(actor_for(graduate), "graduate.confirm", graduate)
    return done


# --- WeChat binding (L-8) ------------------------------------------------------------------


def graduate_for_openid(openid: str) -> Graduate | None:
    """The live graduate bound to the mini-program's *openid*, if any."""
    return db.session.scalar(
        select(Graduate).join(WechatBinding, WechatBinding.graduate_id == Graduate.id)
        .where(WechatBinding.openid == openid, Graduate.deleted_at.is_(None))
    )


#: The identifiers a binding may carry; any one of them names the WeChat identity.
_KEYS = ("openid", "oa_openid", "unionid")


def bind_wechat(graduate: Graduate, openid: str | None = None, unionid: str | None = None, *,
                oa_openid: str | None = None) -> WechatBinding:
    """Bind a WeChat identity to *graduate*: each at most once (L-8). Race-safe through unique constraints.

    The identity is the mini-program's *openid*, the official account's *oa_openid*, or both, with
    the *unionid* that links them. A graduate's binding gains the other app's openid only when the
    unionid proves it is the same person; without that proof the graduate already has an identity.
    """
    given = {"openid": openid or None, "oa_openid": oa_openid or None, "unionid": unionid or None}
    if not given["openid"] and not given["oa_openid"]:
        raise ValueError("bind_wechat needs an openid or an oa_openid")
    for key in _KEYS:
        value = given[key]
        if value is None:
            continue
        existing = db.session.scalar(select(WechatBinding).where(getattr(WechatBinding, key) == value))
        if existing is None or existing.graduate_id == graduate.id:
            continue
        owner = db.session.get(Graduate, existing.graduate_id)
        if owner is not None and owner.deleted_at is None:
            raise Conflict("openid_bound", MSG_OPENID_BOUND)
        # a leftover binding of a deleted record: it no longer identifies anyone
        db.session.execute(delete(WechatBinding).where(WechatBinding.id == existing.id))
    mine = db.session.scalar(select(WechatBinding).where(WechatBinding.graduate_id == graduate.id))
    if mine is not None:
        return _extend(graduate, mine, given)
    binding = WechatBinding(graduate_id=graduate.id, **given)
    try:
        with db.session.begin_nested():
            db.session.add(binding)
    except IntegrityError:
        # a concurrent bind won; tell which side is taken
        mine = db.session.scalar(select(WechatBinding).where(WechatBinding.graduate_id == graduate.id))
        if mine is not None and _same_identity(mine, given):
            return mine
        if mine is not None:
            raise Conflict("graduate_bound", MSG_GRADUATE_BOUND) from None
        raise Conflict("openid_bound", MSG_OPENID_BOUND) from None
    audit.record(actor_for(graduate), "auth.wechat_bind", graduate,
                 **{k: v for k, v in given.items() if v is not None or k != "oa_openid"})
    return binding


def _same_identity(binding: WechatBinding, given: dict[str, str | None]) -> bool:
    """*given* names no identifier that differs from the binding's, and shares one with it."""
    shared = False
    for key in _KEYS:
        ours, theirs = getattr(binding, key), given[key]
        if ours is not None and theirs is not None:
            if ours != theirs:
                return False
            shared = True
    return shared


def _extend(graduate: Graduate, binding: WechatBinding, given: dict[str, str | None]) -> WechatBinding:
    """The graduate is bound already: the same identity (perhaps seen from the other app) or a refusal."""
    if not _same_identity(binding, given):
        raise Conflict("graduate_bound", MSG_GRADUATE_BOUND)
    added = {k: v for k, v in given.items() if v is not None and getattr(binding, k) is None}
    if added:
        if set(added) - {"unionid"} and (binding.unionid is None or given["unionid"] != binding.unionid):
            # the other app's openid joins only on the unionid's word (a unionid joins on a matching openid)
            raise Conflict("graduate_bound", MSG_GRADUATE_BOUND)
        try:
            with db.session.begin_nested():
                for k, v in added.items():
                    setattr(binding, k, v)
        except IntegrityError:
            raise Conflict("openid_bound", MSG_OPENID_BOUND) from None
        audit.record(actor_for(graduate), "auth.wechat_link", graduate, **added)
    return binding


def graduate_for_official_account(oa_openid: str, unionid: str | None) -> Graduate | None:
    """The live graduate a pages-in-WeChat identity is bound to (WX-3), else None.

    A binding made in the mini-program is found by its unionid; it then gains *oa_openid*.
    """
    graduate = db.session.scalar(
        select(Graduate).join(WechatBinding, WechatBinding.graduate_id == Graduate.id)
        .where(WechatBinding.oa_openid == oa_openid, Graduate.deleted_at.is_(None))
    )
    if graduate is not None or not unionid:
        return graduate
    row = db.session.execute(
        select(Graduate, WechatBinding).join(WechatBinding, WechatBinding.graduate_id == Graduate.id)
        .where(WechatBinding.unionid == unionid, Graduate.deleted_at.is_(None))
    ).first()
    if row is None or row[1].oa_openid is not None:
        return None  # unknown, or the unionid's binding has another official-account openid: not this one
    try:
        _extend(row[0], row[1], {"openid": None, "oa_openid": oa_openid, "unionid": unionid})
    except Conflict:
        return None
    return row[0]  # type: ignore[no-any-return]


# --- bind tickets ----------------------------------------------------------------------------


BIND_TICKET_PURPOSE = "wx-bind-ticket"


def make_bind_ticket(openid: str, unionid: str | None) -> tuple[str, datetime]:
    expires = timeutil.now() + timedelta(minutes=BIND_TICKET_MINUTES)
    # the nonce makes every ticket distinct, so spending one never spends another made the same second
    return signed.dumps(BIND_TICKET_PURPOSE, {"o": openid, "u": unionid, "n": secrets.token_urlsafe(9)}), expires


def spend_bind_ticket(ticket: str) -> None:
    """Use *ticket* up, in the caller's transaction: it binds once (a copy replayed later, or a second
    request racing the first, gets ``bind_ticket_used``). Call it only once the binding succeeds, so a
    mistyped password or code leaves the ticket usable."""
    key = hashlib.sha256(ticket.encode()).hexdigest()
    try:
        once.claim("bind_ticket", key)
    except once.AlreadySubmitted:
        raise ApiError("bind_ticket_used", "绑定凭证已使用，请重新进入小程序登录") from None


def read_bind_ticket(ticket: str) -> tuple[str, str | None]:
    """Return (openid, unionid) from a valid bind ticket; a clear 400 otherwise."""
    try:
        data = signed.verify(BIND_TICKET_PURPOSE, ticket, max_age=BIND_TICKET_MINUTES * 60)
    except signed.ExpiredToken:
        raise ApiError("bind_ticket_expired", "绑定凭证已过期（10分钟内有效），请重新进入小程序登录") from None
    except signed.InvalidToken:
        raise ApiError("bind_ticket_invalid", "绑定凭证无效，请重新进入小程序登录") from None
    if not isinstance(data, dict) or not data.get("o"):
        raise ApiError("bind_ticket_invalid", "绑定凭证无效，请重新进入小程序登录")
    return str(data["o"]), data.get("u") or None


def issue_token(graduate: Graduate) -> tuple[str, ApiToken]:
    """A mini-program token for *graduate* (expiring, revocable)."""
    return tokens.issue(graduate)


# --- bind codes (the mini-program's binding without a web-view) ------------------------------
#
# A web-view may only open the mini-program's registered business domains, and 学信网's host is
# not one of ours. So the graduate signs in with 学信网 on the mobile web (any browser), asks for a
# 6-digit code there, and types it into the mini-program, which sends it with its bind ticket.
# The mini-program never sees the 学信网 password. A bind code is an
# api_token row under a domain-separated hash (never a bearer token), spent by a conditional
# UPDATE. Six digits are guessable, so the API limits wrong tries per address and per openid.

BIND_CODE_MINUTES = 10
BIND_CODE_DIGITS = 6


def _bind_code_hash(code: str) -> str:
    return hashlib.sha256(("bindcode:" + code).encode()).hexdigest()


def make_bind_code(graduate: Graduate) -> tuple[str, datetime]:
    """A fresh 6-digit code for *graduate*, valid 10 minutes and once; (code, expires_at)."""
    now = timeutil.now()
    expires = now + timedelta(minutes=BIND_CODE_MINUTES)
    for _ in range(50):
        code = f"{secrets.randbelow(10 ** BIND_CODE_DIGITS):0{BIND_CODE_DIGITS}d}"
        digest = _bind_code_hash(code)
        # a spent or expired code of the same digits no longer means anything: make room
        db.session.execute(delete(ApiToken).where(
            ApiToken.token_hash == digest,
            (ApiToken.revoked_at.is_not(None)) | (ApiToken.expires_at <= now)))
        try:
            with db.session.begin_nested():
                db.session.add(ApiToken(token_hash=digest, graduate_id=graduate.id, expires_at=expires))
        except IntegrityError:
            continue  # another graduate holds these digits right now
        audit.record(actor_for(graduate), "auth.bind_code_issued", graduate, expires_at=expires.isoformat())
        return code, expires
    raise ApiError("bind_code_unavailable", "暂时无法生成绑定码，请稍后再试", status=503)


def redeem_bind_code(code: str) -> Graduate:
    """Spend a bind code once; return its live graduate, or a clear 400 (the caller binds, L-8)."""
    now = timeutil.now()
    code = (code or "").strip()
    if not re.fullmatch(rf"\d{{{BIND_CODE_DIGITS}}}", code):
        raise ApiError("bind_code_invalid", "绑定码为6位数字，请核对后重新输入")
    row = db.session.execute(
        select(ApiToken.id, ApiToken.graduate_id, ApiToken.expires_at, ApiToken.revoked_at)
        .where(ApiToken.token_hash == _bind_code_hash(code))
    ).first()
    if row is None:
        raise ApiError("bind_code_invalid", "绑定码不正确，请核对后重新输入")
    if row.revoked_at is not None:
        raise ApiError("bind_code_used", "绑定码已使用，请在网页版重新获取")
    if row.expires_at <= now:
        raise ApiError("bind_code_expired", "绑定码已过期（10分钟内有效），请在网页版重新获取")
    spent = db.session.execute(
        update(ApiToken).where(ApiToken.id == row.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if not spent.rowcount:  # type: ignore[attr-defined]
        raise ApiError("bind_code_used", "绑定码已使用，请在网页版重新获取")
    graduate = db.session.get(Graduate, row.graduate_id)
    if graduate is None or graduate.deleted_at is not None:
        raise LoginRefused("basic_info_missing", MSG_BASIC_INFO_MISSING_SHORT)
    return graduate


MSG_BASIC_INFO_MISSING_SHORT = "学校已删除你的毕业生基本信息，请联系所在院系"
