"""The CLI creates schools and platform admins through the same domain functions as the console."""

from __future__ import annotations

from sqlalchemy import select

from wxbackend.accounts.models import School, User
from wxbackend.core.audit import history
from wxbackend.core.db import db


def test_create_school_and_admin_from_the_cli(app) -> None:
    runner = app.test_cli_runner()
    res = runner.invoke(args=["create-school", "1234", "短代码大学"])
    assert res.exit_code != 0 and "5位数字" in res.output
    res = runner.invoke(args=["create-school", "10001", "北京大学"])
    assert res.exit_code == 0, res.output
    school = db.session.scalar(select(School).where(School.code == "10001"))
    assert school.name == "北京大学" and [e.action for e in history("school", school.id)] == ["school.create"]

    res = runner.invoke(args=["create-admin", "root1", "--password", "onlyletters"])
    assert res.exit_code != 0 and "字母和数字" in res.output
    res = runner.invoke(args=["create-admin", "root1", "--name", "平台管理员甲", "--password", "admin-pass-1"])
    assert res.exit_code == 0, res.output
    admin = db.session.scalar(select(User).where(User.username == "root1"))
    assert admin.role == "admin" and admin.check_password("admin-pass-1") and not admin.must_change_password
