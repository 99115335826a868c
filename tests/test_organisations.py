"""Schools, employers and accounts: validated codes, scoped roles enforced by the database, hashed passwords."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts import services
from wxbackend.accounts.models import User
from wxbackend.core.audit import SYSTEM, history
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError


def test_school_code_must_be_five_digits(app) -> None:
    with pytest.raises(ApiError, match="5位数字"):
        services.create_school(SYSTEM, "1001", "短代码大学")
    school = services.create_school(SYSTEM, "10001", "北京大学")
    db.session.commit()
    with pytest.raises(ApiError, match="已存在"):
        services.create_school(SYSTEM, "10001", "重复大学")
    assert [e.action for e in history("school", school.id)] == ["school.create"]


def test_employer_needs_a_valid_credit_code(app) -> None:
    with pytest.raises(ApiError) as err:
        services.create_employer(SYSTEM, "某公司", "91110108749352307B")
    assert err.value.code == "invalid_credit_code"
    employer = services.create_employer(SYSTEM, "学信咨询服务有限公司", " 91110108749352307a ")
    db.session.commit()
    assert employer.credit_code == "91110108749352307A"


def test_role_scope_is_enforced_by_the_database(app, make_school) -> None:
    school = make_school()
    db.session.add(User(username="x", password_hash="h", display_name="x", role="department", school_id=school.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(User(username="y", password_hash="h", display_name="y", role="admin", school_id=school.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_passwords_are_hashed_and_short_ones_refused(app, make_school) -> None:
    school = make_school()
    user = services.create_user(SYSTEM, "reviewer", "long-enough-1", "审核员", "school", school_id=school.id)
    db.session.commit()
    assert "long-enough-1" not in user.password_hash
    assert user.check_password("long-enough-1") and not user.check_password("wrong")
    with pytest.raises(ApiError, match="至少8位"):
        services.create_user(SYSTEM, "other", "short", "审核员", "school", school_id=school.id)
