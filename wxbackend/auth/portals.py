"""Which portal a visitor belongs to: the home link, login and wrong-portal text of error pages.

The console (``/console``) is for 院系 and 学校 reviewers and the platform admin, the employer
portal (``/employer``) for employer accounts and ``/graduate/`` for graduates. Both staff kinds
log in through the same session machinery, so an employer can land on a console page and a
reviewer on a portal page; they are told where their own pages are instead of "no access".
"""

from __future__ import annotations

from flask import Flask, request, url_for

from wxbackend.auth.principals import current_graduate_web, current_staff
from wxbackend.core import errors
from wxbackend.core.errors import Visitor

#: Blueprint → the login page of that portal.
LOGINS = {"console": "console.login", "employer": "employer.login"}


def visitor() -> Visitor:
    """Describe the logged-in account (or its absence) for an error page of the current request."""
    portal = request.blueprint or ""
    login_url = url_for(LOGINS.get(portal, "auth.graduate_login"))
    user = current_staff()
    if user is not None and user.role == "employer":
        elsewhere = None
        if portal == "console":
            elsewhere = (f"您已以用人单位身份（{user.display_name}）登录。审核后台供院系和学校的审核人员使用，"
                         "请退出后使用学校账号登录；用人单位的业务请在用人单位首页办理。")
        return Visitor("employer", url_for("employer.home"), "返回用人单位首页", user.display_name,
                       url_for("employer.logout"), login_url, elsewhere)
    if user is not None:
        elsewhere = None
        if portal == "employer":
            elsewhere = (f"您已以学校账号（{user.display_name}，{user.role_label}）登录。用人单位服务需使用"
                         "用人单位账号，请退出后使用用人单位账号登录；审核工作请在审核后台办理。")
        return Visitor("reviewer", url_for("console.home"), "返回审核后台首页", user.display_name,
                       url_for("console.logout"), login_url, elsewhere)
    graduate = current_graduate_web()
    if graduate is not None:
        elsewhere = None
        if portal in LOGINS:
            where = "审核后台供院系和学校的审核人员使用" if portal == "console" else "用人单位服务供用人单位使用"
            elsewhere = (f"您已以毕业生身份（{graduate.name}）登录。{where}；毕业生的业务请在“我的首页”办理。")
        return Visitor("graduate", url_for("auth.graduate_home"), "返回我的首页", graduate.name,
                       url_for("auth.logout"), login_url, elsewhere)
    return Visitor("anonymous", url_for("home.index"), "返回平台首页", login_url=login_url)


def init_app(app: Flask) -> None:
    errors.describe_visitor(app, visitor)
