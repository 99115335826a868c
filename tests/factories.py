"""Factory fixtures: each returns a function that makes a valid object with sensible defaults."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from stdnum.cn import ric

from wxbackend.accounts.models import Department, Employer, Graduate, LocalAccount, Major, School, User
from wxbackend.core.db import db

_seq = itertools.count(1)


def id_number(birth: str = "20020315", region: str = "110101", gender: str = "1", seq: int | None = None) -> str:
    """A valid 身份证号; *gender* 1 (odd sequence digit) or 2 (even)."""
    n = next(_seq) if seq is None else seq
    order = (n % 50) * 2 + (1 if gender == "1" else 0)
    body = f"{region}{birth}{(n // 50) % 10}{order:02d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(seed: int = 1) -> str:
    """A valid 统一社会信用代码 derived from *seed*."""
    from stdnum.cn import uscc

    body = f"91110108{seed:09d}"
    return body + uscc.calc_check_digit(body)


def wrong_check_character(code: str) -> str:
    """*code* with its GB 32100 check character replaced by another valid character."""
    return code[:-1] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[-1])


@pytest.fixture()
def make_school(app: Any) -> Callable[..., School]:
    def make(code: str | None = None, name: str | None = None, **kw: Any) -> School:
        n = next(_seq)
        school = School(code=code or f"{10000 + n:05d}"[-5:], name=name or f"测试大学{n}", **kw)
        db.session.add(school)
        db.session.commit()
        return school

    return make


@pytest.fixture()
def make_department(app: Any, make_school: Callable[..., School]) -> Callable[..., Department]:
    def make(school: School | None = None, code: str | None = None, name: str | None = None) -> Department:
        school = school or make_school()
        n = next(_seq)
        dept = Department(school_id=school.id, code=code or f"D{n:03d}", name=name or f"院系{n}")
        db.session.add(dept)
        db.session.commit()
        return dept

    return make


@pytest.fixture()
def make_major(app: Any, make_department: Callable[..., Department]) -> Callable[..., Major]:
    def make(department: Department | None = None, code: str | None = None, name: str | None = None) -> Major:
        department = department or make_department()
        n = next(_seq)
        major = Major(school_id=department.school_id, department_id=department.id,
                      code=code or f"08{n:04d}", name=name or f"专业{n}")
        db.session.add(major)
        db.session.commit()
        return major

    return make


@pytest.fixture()
def make_graduate(app: Any, make_major: Callable[..., Major]) -> Callable[..., Graduate]:
    def make(major: Major | None = None, **kw: Any) -> Graduate:
        major = major or make_major()
        gender = kw.pop("gender", "1")
        values: dict[str, Any] = {
            "school_id": major.school_id,
            "department_id": major.department_id,
            "major_id": major.id,
            "name": "陈诚",
            "id_number": id_number(gender=gender),
            "gender": gender,
            "education": "31",
            "ethnicity": "01",
            "political_status": "03",
            "training_mode": "1",
            "origin_region": "110101",
            "enrol_ym": "202309",
            "graduate_ym": "202706",
            "schooling_years": 4,
            "archive_at_school": True,
            "hukou_at_school": True,
            "phone": "13800138000",
        }
        values.update(kw)
        graduate = Graduate(**values)
        db.session.add(graduate)
        db.session.commit()
        return graduate

    return make


@functools.cache
def _password_hash(password: str) -> str:
    """A real hash, computed once per password: scrypt is slow on purpose, tests make many accounts."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


@pytest.fixture()
def make_user(app: Any) -> Callable[..., User]:
    def make(role: str = "school", password: str = "secret-pass-1", **kw: Any) -> User:
        n = next(_seq)
        user = User(username=kw.pop("username", f"{role}{n}"), display_name=kw.pop("display_name", f"{role}-{n}"),
                    role=role, **kw)
        user.password_hash = _password_hash(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture()
def make_employer(app: Any) -> Callable[..., Employer]:
    def make(**kw: Any) -> Employer:
        n = next(_seq)
        employer = Employer(name=kw.pop("name", f"学信咨询服务有限公司{n}"),
                            credit_code=kw.pop("credit_code", credit_code(n)),
                            qualification_status=kw.pop("qualification_status", "approved"), **kw)
        db.session.add(employer)
        db.session.commit()
        return employer

    return make


@pytest.fixture()
def make_local_account(app: Any) -> Callable[..., LocalAccount]:
    def make(username: str | None = None, password: str = "chsi-pass-1", **kw: Any) -> LocalAccount:
        account = LocalAccount(username=username or f"chsi{next(_seq)}", **kw)
        account.set_password(password)
        db.session.add(account)
        db.session.commit()
        return account

    return make


@pytest.fixture()
def staff_login(client: Any) -> Callable[[User, str], Any]:
    """Log *user* into the console through the real login form (CSRF token included)."""
    import re

    def login(user: User, password: str = "secret-pass-1") -> Any:
        page = client.get("/console/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data)
        data = {"username": user.username, "password": password}
        if token:
            data["csrf_token"] = token.group(1).decode()
        return client.post("/console/login", data=data)

    return login
