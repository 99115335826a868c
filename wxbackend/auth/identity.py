"""Graduate identity providers (§1): 学信网 (CHSI) over CAS, or the built-in local accounts.

A provider only answers "who is this person"; :func:`resolve_graduate` then finds the
graduate's basic info, refusing with the reasons the guide gives (L-1, L-2).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import requests
from cas import CASClient
from flask import current_app
from sqlalchemy import select

from wxbackend.accounts.models import Graduate, LocalAccount, password_matches
from wxbackend.accounts.validation import normalise_id_number
from wxbackend.config import Settings
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError

log = logging.getLogger(__name__)

#: L-1: the school has not uploaded the graduate's basic info.
MSG_BASIC_INFO_MISSING = (
    "学校尚未上传你的毕业生基本信息（或上传的信息有误），暂时无法登录。"
    "请联系所在院系，由院系联系学校就业管理部门新增或修改。"
)
#: L-2: the CHSI account is not bound to a student record.
MSG_ACCOUNT_NOT_BOUND = "你的学信网账号尚未绑定学籍信息，请先登录学信网绑定学籍后再登录。"


@dataclass(frozen=True)
class Identity:
    """A person as the identity provider vouches for them."""

    #: local | cas
    provider: str
    #: The account's id at the provider (username for local, CAS user for CHSI).
    subject: str
    #: 身份证号 of the bound student record; None when the account is not bound (L-2).
    id_number: str | None
    name: str | None = None
    phone: str | None = None
    email: str | None = None


class LoginRefused(ApiError):
    """The provider knows the person, but the platform cannot let them in (L-1, L-2)."""

    status = 403


class InvalidCredentials(ApiError):
    status = 401

    def __init__(self, message: str = "用户名或密码错误", code: str = "invalid_credentials") -> None:
        super().__init__(code, message)


class IdentityProvider(Protocol):
    name: str


class LocalProvider:
    """The built-in provider: accounts in ``local_account`` stand in for CHSI accounts."""

    name = "local"

    def authenticate(self, username: str, password: str) -> Identity:
        username = (username or "").strip()
        if not username or not password:
            raise ApiError("invalid", "请输入用户名和密码",
                           {k: "必填" for k, v in (("username", username), ("password", password)) if not v})
        account = db.session.scalar(select(LocalAccount).where(LocalAccount.username == username))
        if not password_matches(account, password) or account is None:
            raise InvalidCredentials()
        return Identity(
            provider=self.name,
            subject=account.username,
            id_number=account.id_number or None,
            name=account.name,
            phone=account.phone,
            email=account.email,
        )


class CasProvider:
    """学信网 signs users in with CAS 2.0; the bound student record arrives as attributes."""

    name = "cas"

    def __init__(self, settings: Settings, session: requests.Session | None = None) -> None:
        self.settings = settings
        server = settings.CAS_SERVER_URL
        self.server_url = server if server.endswith("/") else server + "/"
        self.session = session

    def _client(self, service: str) -> CASClient:
        return CASClient(version=2, server_url=self.server_url, service_url=service, session=self.session)

    def login_url(self, service: str) -> str:
        return str(self._client(service).get_login_url())

    def validate(self, ticket: str, service: str) -> Identity:
        """Check *ticket* with the CAS server's /serviceValidate; return who it names."""
        if not ticket:
            raise InvalidCredentials("学信网登录票据缺失，请重新登录", code="invalid_ticket")
        try:
            user, attributes, _ = self._client(service).verify_ticket(ticket)
        except requests.RequestException:
            log.exception("CAS server unreachable")
            raise ApiError("cas_unavailable", "学信网登录服务暂时无法访问，请稍后再试", status=502) from None
        except Exception:  # malformed XML from the server
            log.exception("CAS validation response unreadable")
            raise ApiError("cas_unavailable", "学信网登录服务返回异常，请稍后再试", status=502) from None
        if not user:
            raise InvalidCredentials("学信网登录票据无效或已过期，请重新登录", code="invalid_ticket")
        attrs = attributes or {}
        s = self.settings
        return Identity(
            provider=self.name,
            subject=str(user),
            id_number=_first(attrs.get(s.CAS_ID_NUMBER_ATTRIBUTE)),
            name=_first(attrs.get(s.CAS_NAME_ATTRIBUTE)),
            phone=_first(attrs.get(s.CAS_PHONE_ATTRIBUTE)),
            email=_first(attrs.get(s.CAS_EMAIL_ATTRIBUTE)),
        )


def _first(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def provider() -> LocalProvider | CasProvider:
    """The configured provider (``IDENTITY_PROVIDER``)."""
    settings: Settings = current_app.config["SETTINGS"]
    if settings.IDENTITY_PROVIDER == "cas":
        return CasProvider(settings)
    return LocalProvider()


def resolve_graduate(identity: Identity) -> Graduate:
    """Find the live graduate record behind *identity*, or refuse saying why (L-1, L-2).

    If several schools uploaded the same person (e.g. a bachelor then a master), the
    record with the latest 毕业时间 wins.
    """
    id_number = normalise_id_number(identity.id_number) if identity.id_number else ""
    if not id_number:
        raise LoginRefused("account_not_bound", MSG_ACCOUNT_NOT_BOUND)
    graduate = db.session.scalar(
        select(Graduate)
        .where(Graduate.id_number == id_number, Graduate.deleted_at.is_(None))
        .order_by(Graduate.graduate_ym.desc(), Graduate.id.desc())
        .limit(1)
    )
    if graduate is None:
        raise LoginRefused("basic_info_missing", MSG_BASIC_INFO_MISSING)
    return graduate
