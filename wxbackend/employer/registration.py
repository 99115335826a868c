"""用人单位注册: clean the form, then create the Employer and its first account in one transaction.

Every field is checked before anything is written, so a page with three mistakes shows three
messages and saves nothing. The 统一社会信用代码 is checked against GB 32100 (ON-1): only a
valid code becomes an employer that may invite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts import passwords
from wxbackend.accounts import services as accounts
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Employer, User
from wxbackend.accounts.passwords import PASSWORD_MIN as PASSWORD_MIN  # re-exported for the views
from wxbackend.accounts.passwords import USERNAME, password_errors
from wxbackend.accounts.validation import MSG_CREDIT_CHECKSUM, credit_code_error
from wxbackend.core import audit
from wxbackend.core.audit import Actor
from wxbackend.core.codes import code_list, region_name, resolve_region
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

MSG_CHECKSUM = MSG_CREDIT_CHECKSUM
MSG_CODE_TAKEN = "该统一社会信用代码已注册，请使用已有账号登录，或联系本单位已注册的联系人"
MSG_USERNAME_TAKEN = "该用户名已被使用，请换一个"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    required: bool = True
    max: int | None = None


#: The form in page order: the employer block of fig. 9, then the account.
FIELDS = (
    Field("name", "单位名称", max=100),
    Field("credit_code", "统一社会信用代码"),
    Field("unit_nature", "单位性质"),
    Field("industry", "单位行业"),
    Field("address_region", "通讯地址"),
    Field("address_detail", "详细地址", max=200),
    Field("contact_name", "单位联系人", max=50),
    Field("contact_phone", "联系人固话", max=30),
    Field("contact_mobile", "联系人手机"),
    Field("contact_email", "联系人邮箱", required=False, max=100),
    Field("username", "用户名"),
)
EMPLOYER_KEYS = ("unit_nature", "industry", "address_region", "address_detail", "contact_name",
                 "contact_phone", "contact_mobile", "contact_email")


def _clean_fields(form: Any, fields: tuple[Field, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """Required, length and format checks of *fields* (a subset of FIELDS) from the *form*."""
    keys = {f.key for f in fields}
    raw = {f.key: (form.get(f.key) or "").strip() for f in fields}
    if "credit_code" in raw:
        raw["credit_code"] = raw["credit_code"].upper().replace(" ", "")
    if "contact_phone" in raw:
        raw["contact_phone"] = raw["contact_phone"].replace(" ", "")
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        value = raw[f.key]
        if not value:
            if f.required:
                errors[f.key] = f"请{'选择' if f.key in ('unit_nature', 'industry') else '填写'}{f.label}"
            values[f.key] = None
            continue
        if f.max and len(value) > f.max:
            errors[f.key] = f"{f.label}不能超过{f.max}个字"
        values[f.key] = value

    def check(key: str, message: Any) -> None:
        if key in keys and key not in errors and values.get(key):
            text = message() if callable(message) else message
            if text:
                errors[key] = text

    check("credit_code", lambda: credit_code_error(values["credit_code"] or ""))
    for key in ("unit_nature", "industry"):
        check(key, lambda key=key: None if values[key] in code_list(key) else "请从列表中选择")
    if "address_region" in keys:
        region = resolve_region(values["address_region"])
        check("address_region", None if region else "请选择省、市、区县，或填写6位行政区划代码")
        if region:
            values["address_region"] = region
    check("contact_phone", lambda: None if LANDLINE.match(values["contact_phone"] or "") else
          "请填写带区号的固定电话，如 010-68352260")
    check("contact_mobile", lambda: None if MOBILE.match(values["contact_mobile"] or "") else "请填写11位手机号码")
    check("contact_email", lambda: None if EMAIL.match(values["contact_email"] or "") else "邮箱格式不正确")
    check("username", lambda: None if USERNAME.match(values["username"] or "") else
          "用户名为4至32位字母、数字或 _ . @ -")
    return values, errors


def clean(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """(clean values, {field: message}) for the registration *form* (a mapping of strings)."""
    values, errors = _clean_fields(form, FIELDS)
    password = form.get("password") or ""
    errors.update(password_errors(password, form.get("password_confirm") or ""))
    values["password"] = password
    if "credit_code" not in errors and db.session.scalar(
            select(Employer.id).where(Employer.credit_code == values["credit_code"])):
        errors["credit_code"] = MSG_CODE_TAKEN
    if "username" not in errors and db.session.scalar(select(User.id).where(User.username == values["username"])):
        errors["username"] = MSG_USERNAME_TAKEN
    return values, errors


#: What an employer may change later: everything but 单位名称 and 统一社会信用代码 (they identify it).
PROFILE_FIELDS = tuple(f for f in FIELDS if f.key in EMPLOYER_KEYS)


def clean_profile(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    return _clean_fields(form, PROFILE_FIELDS)


def update_profile(user: User, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply the clean profile *values* to the user's employer; returns {field: [before, after]}.

    Invitations already sent keep the employer block they were sent with.
    """
    employer = user.employer
    assert employer is not None
    changes = {k: [getattr(employer, k), values[k]] for k in EMPLOYER_KEYS if getattr(employer, k) != values[k]}
    for key, (_before, after) in changes.items():
        setattr(employer, key, after)
    if changes:
        audit.record(actor_for(user), "employer.profile_update", employer, changes=changes)
    return changes


def change_password(user: User, form: Any) -> dict[str, str]:
    """Check the current password and the new one; on success set it and end the other sessions."""
    return passwords.change_own_password(user, form, "employer.password_change")


def register(values: dict[str, Any]) -> User:
    """Create the employer and its account from clean *values*; the caller commits.

    Raises ApiError (nothing flushed survives a rollback) when a concurrent registration took
    the code or the username between the check and the insert.
    """
    founder = Actor("employer", None, "employer", values["name"])
    try:
        employer = accounts.create_employer(founder, values["name"], values["credit_code"],
                                            **{k: values[k] for k in EMPLOYER_KEYS})
        user = accounts.create_user(founder, values["username"], values["password"], values["name"], "employer",
                                    employer_id=employer.id)
    except ApiError as err:
        fields = dict(err.fields)
        if "credit_code" in fields and err.code == "duplicate":
            fields["credit_code"] = MSG_CODE_TAKEN
        if "username" in fields:
            fields["username"] = MSG_USERNAME_TAKEN
        raise ApiError(err.code, err.message, fields, status=err.status) from None
    except IntegrityError:
        raise ApiError("duplicate", "该统一社会信用代码或用户名刚刚已被注册，请检查后重试",
                       {"credit_code": MSG_CODE_TAKEN}, status=409) from None
    audit.record(actor_for(user), "employer.register", employer, name=employer.name,
                 credit_code=employer.credit_code, username=user.username)
    return user


def region_hint(code: str | None) -> str | None:
    """The full name of a region code, for the hint under the input."""
    name = region_name(code) if code else None
    return f"{name}（{code}）" if name and name != code else None
