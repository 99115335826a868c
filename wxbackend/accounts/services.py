"""State changes of organisations and graduates' basic info: one function per change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from wxbackend.accounts import organisation
from wxbackend.accounts.models import Employer, Graduate, School, User
from wxbackend.accounts.validation import FIELDS, GRADUATE_COLUMNS, OrgIndex, clean_graduate
from wxbackend.core import audit, signals, timeutil
from wxbackend.core.audit import Actor
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden


def check_credit_code(value: str) -> str:
    """Validate a 统一社会信用代码 (GB 32100 check character); return it compact and upper-case."""
    code = (value or "").strip().upper()
    try:
        return uscc.validate(code)
    except ValidationError:
        raise ApiError("invalid_credit_code", "统一社会信用代码无效（应为18位且校验位正确）",
                       {"credit_code": "统一社会信用代码无效"}) from None


def find_live_graduate(school_id: int, id_number: str) -> Graduate | None:
    return db.session.scalar(
        select(Graduate).where(Graduate.school_id == school_id, Graduate.id_number == id_number,
                               Graduate.deleted_at.is_(None))
    )


def _diff(graduate: Graduate, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for key in GRADUATE_COLUMNS:
        if key in values and getattr(graduate, key) != values[key]:
            changes[key] = [getattr(graduate, key), values[key]]
    return changes


def create_graduate(actor: Actor, user: User, raw: dict[str, Any]) -> Graduate:
    """Add one graduate's basic info (school reviewers only)."""
    if user.role != "school":
        raise Forbidden("只有学校管理员可以新增毕业生基本信息")
    values, errors = clean_graduate(raw, OrgIndex.for_school(user.school_id))  # type: ignore[arg-type]
    if errors:
        raise ApiError("invalid", "毕业生信息有误", {FIELDS.get(k, k): v for k, v in errors.items()})
    if find_live_graduate(user.school_id, values["id_number"]):  # type: ignore[arg-type]
        raise Conflict("duplicate", "该身份证号的毕业生已存在", {"身份证号": "已存在，请直接修改该毕业生"})
    graduate = Graduate(school_id=user.school_id, **{k: values.get(k) for k in GRADUATE_COLUMNS})
    db.session.add(graduate)
    db.session.flush()
    audit.record(actor, "graduate.create", graduate, name=graduate.name)
    signals.basic_info_changed.send("accounts", graduate_ids=[graduate.id], action="create", actor=actor)
    return graduate


def update_graduate(actor: Actor, user: User, graduate: Graduate, raw: dict[str, Any]) -> dict[str, list[Any]]:
    """Change basic info; returns the before/after of every changed field."""
    if user.role != "school" or graduate.school_id != user.school_id or graduate.deleted_at:
        raise Forbidden("只有本校学校管理员可以修改毕业生基本信息")
    values, errors = clean_graduate(raw, OrgIndex.for_school(graduate.school_id))
    if errors:
        raise ApiError("invalid", "毕业生信息有误", {FIELDS.get(k, k): v for k, v in errors.items()})
    if values["id_number"] != graduate.id_number and find_live_graduate(graduate.school_id, values["id_number"]):
        raise Conflict("duplicate", "该身份证号的毕业生已存在", {"身份证号": "与另一名毕业生重复"})
    changes = _diff(graduate, values)
    if changes:
        for key, (_before, after) in changes.items():
            setattr(graduate, key, after)
        audit.record(actor, "graduate.update", graduate, changes=changes)
        signals.basic_info_changed.send("accounts", graduate_ids=[graduate.id], action="update", actor=actor)
    return changes


def delete_graduate(actor: Actor, user: User, graduate: Graduate, reason: str = "") -> None:
    """Delete a graduate's basic info (L-7).

    The row is kept, marked deleted, so history and the records that hang off it stay
    readable; the graduate can no longer log in; their API tokens are revoked; a
    re-upload creates a fresh record, so archive and hukou must be registered again.
    Modules that must react (archive and hukou: pending applications end 审核不通过) receive
    ``basic_info_changed`` with ``action="delete"`` inside this transaction.
    """
    from wxbackend.accounts.models import ApiToken, WechatBinding

    if user.role != "school" or graduate.school_id != user.school_id:
        raise Forbidden("只有本校学校管理员可以删除毕业生基本信息")
    now = timeutil.now()
    # conditional update: of two deletions racing, exactly one marks the row
    marked = db.session.execute(
        update(Graduate).where(Graduate.id == graduate.id, Graduate.deleted_at.is_(None))
        .values(deleted_at=now).execution_options(synchronize_session=False)
    )
    if not marked.rowcount:  # type: ignore[attr-defined]
        raise Conflict("already_deleted", "该毕业生信息已删除")
    graduate.deleted_at = now
    db.session.execute(
        ApiToken.__table__.update()
        .where(ApiToken.graduate_id == graduate.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.execute(WechatBinding.__table__.delete().where(WechatBinding.graduate_id == graduate.id))
    audit.record(actor, "graduate.delete", graduate, reason=reason or None, name=graduate.name)
    signals.basic_info_changed.send("accounts", graduate_ids=[graduate.id], action="delete", actor=actor)


def create_school(actor: Actor, code: str, name: str, **switches: bool) -> School:
    """Add a school; the rules live in :func:`wxbackend.accounts.organisation.create_school`."""
    return organisation.create_school(actor, code, name, **switches)


def create_employer(actor: Actor, name: str, credit_code: str, **fields: Any) -> Employer:
    code = check_credit_code(credit_code)
    if db.session.scalar(select(Employer.id).where(Employer.credit_code == code)):
        raise Conflict("duplicate", "该统一社会信用代码已注册", {"credit_code": "已注册"})
    employer = Employer(name=name.strip(), credit_code=code, **fields)
    db.session.add(employer)
    db.session.flush()
    audit.record(actor, "employer.create", employer, name=name, credit_code=code)
    return employer


def create_user(actor: Actor, username: str, password: str, display_name: str, role: str, **scope: Any) -> User:
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("duplicate", "用户名已存在", {"username": "已存在"})
    if len(password) < 8:
        raise ApiError("invalid", "密码至少8位", {"password": "密码至少8位"})
    user = User(username=username, display_name=display_name, role=role, **scope)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, object_type="user", username=username, role=role,
                 school_id=scope.get("school_id"))
    return user
