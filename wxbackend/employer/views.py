"""Employer portal: registration, login, and the home page with invitations and termination requests.

Employer accounts are ``User`` rows with role ``employer``, logged in like console accounts
(``StaffPrincipal``); every page checks the role and reads only the employer's own records.
The invitation and agreement pages live in :mod:`wxbackend.employer.agreements`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import and_, or_, select

from wxbackend.accounts.models import Employer, Graduate, School, User
from wxbackend.accounts.validation import mask_id_number
from wxbackend.auth.principals import (
    StaffPrincipal,
    check_account_login,
    current_graduate_web,
    current_staff,
    sign_in,
    sign_in_account,
    sign_out,
)
from wxbackend.core import once, timeutil
from wxbackend.core.codes import code_list
from wxbackend.core.daterange import DayRange, day_range
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.pagination import paginate
from wxbackend.core.ratelimit import login_limit, register_limit
from wxbackend.core.urls import current_path, safe_next
from wxbackend.employer import registration
from wxbackend.review.models import ReviewItem
from wxbackend.signing import services
from wxbackend.signing.models import (
    PARTY_LABELS,
    STATUS_LABELS,
    TERMINATION_OPEN,
    OnlineAgreement,
    TerminationRequest,
)

bp = Blueprint("employer", __name__)

PAGE_SIZE = 20


# --- who is asking ------------------------------------------------------------------------------


def current_employer_user() -> User | None:
    """The logged-in account if it is an active employer account, else None."""
    user = current_staff()
    if user is None or user.role != "employer" or not user.active or user.employer_id is None:
        return None
    return user


def employer_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only an employer account may open the page; others are sent to the portal login."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_employer_user() is None:
            if current_staff() is not None or current_graduate_web() is not None:
                abort(403)  # a reviewer or a graduate: the error page says where their own pages are
            flash("请先登录用人单位账号", "warning")
            # after login only a page can be reopened, not a form post
            target = current_path() if request.method == "GET" else None
            return redirect(url_for("employer.login", next=target))
        return view(*args, **kwargs)

    return wrapped


def employer_user() -> User:
    user = current_employer_user()
    assert user is not None  # employer_required ran first
    return user


def the_employer() -> Employer:
    employer = employer_user().employer
    assert employer is not None
    return employer


# --- login, logout ------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@login_limit()
def login():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    username = ""
    if request.method == "GET" and current_employer_user() is not None:
        return redirect(url_for("employer.home"))
    if request.method == "POST":
        user, username, errors = check_account_login(("employer",), "auth.employer_login_failed", "该账号已停用")
        if user is not None:
            return _sign_in(user, "auth.employer_login")
    return render_template("employer/login.html", errors=errors, username=username), (400 if errors else 200)


def _sign_in(user: User, action: str) -> Any:
    sign_in_account(user, action, employer_id=user.employer_id)
    return redirect(safe_next(request.args.get("next"), url_for("employer.home")))


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    sign_out()
    flash("已退出登录", "success")
    return redirect(url_for("employer.login"))


# --- registration -------------------------------------------------------------------------------


def _render_register(values: dict[str, Any], errors: dict[str, str], message: str | None = None,
                     status: int = 200) -> Any:
    return render_template("employer/register.html", message=message,
                           **_employer_form(values, errors)), status


def _employer_form(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """What the employer-information fields need (registration and the account page)."""
    return {
        "values": values,
        "errors": errors,
        "unit_natures": code_list("unit_nature").choices(),
        "industries": code_list("industry").choices(),
        "region_hint": None if "address_region" in errors else registration.region_hint(values.get("address_region")),
        "password_min": registration.PASSWORD_MIN,
    }


@bp.route("/register", methods=["GET", "POST"])
@register_limit()
def register():  # type: ignore[no-untyped-def]
    """用人单位注册 (ON-1): the employer block of fig. 9 and a login; nothing is saved on any error."""
    if request.method == "GET":
        return _render_register({}, {})
    # Claimed first: the second click of one form would otherwise fail as "already registered".
    key = once.claim("employer.register", message="注册信息已提交，请勿重复提交",
                     fallback=url_for("employer.login"))
    values, errors = registration.clean(request.form)
    shown = {k: v for k, v in values.items() if k != "password"}
    if errors:
        db.session.rollback()  # the key stays usable for the corrected form
        return _render_register(shown, errors, "注册信息有误，请按提示修改", 400)
    try:
        user = registration.register(values)
    except ApiError as err:
        db.session.rollback()
        return _render_register(shown, err.fields, err.message, err.status)
    once.done(key, url_for("employer.home"))
    flash(f"注册成功：{user.display_name}。请在“单位资质”页上传营业执照，平台审核通过后即可发起签约邀请。", "success")
    return _sign_in(user, "auth.employer_login")


# --- home ---------------------------------------------------------------------------------------

#: Status filter values of the home list, in the order of the guide's states.
FILTERS = {k: STATUS_LABELS[k] for k in ("waiting", "reviewing", "signed", "failed", "declined", "expired",
                                         "withdrawn", "terminated")}
STAGE_STATUS = {"department": "院系审核中", "school": "学校审核中"}
#: The identifier filter: the last 4 characters of the 身份证号 (what the masked number shows), or a whole
#: 身份证号 / 考生号 — never a fragment in the middle, which would let a list be probed digit by digit.
ID_TAIL = 4
MSG_IDENTIFIER = "请输入身份证号后4位，或完整的身份证号/考生号"


def shown_status(row: OnlineAgreement, stage: str | None, now: datetime) -> tuple[str, str]:
    """(label, badge class) of an invitation as the employer reads it.

    The effective status (ON-3: past its deadline a waiting invitation is 已失效, job or not);
    an agreement under review names its stage.
    """
    status = row.effective_status(now)
    if status == "reviewing":
        return STAGE_STATUS.get(stage or "", row.status_label), "badge-warn"
    badge = {"waiting": "badge-warn", "signed": "badge-ok", "failed": "badge-bad", "expired": "badge-bad",
             "terminated": "badge-bad"}
    return STATUS_LABELS[status], badge.get(status, "")


@dataclass
class ListFilters:
    """The home list's search: graduate name, identifier, effective status and invitation days."""

    name: str = ""
    identifier: str = ""
    status: str = ""
    days: DayRange = field(default_factory=DayRange)
    errors: dict[str, str] = field(default_factory=dict)

    def args(self) -> dict[str, str]:
        """Query arguments that reproduce the search (pager links, the way back after a withdrawal)."""
        values = {"name": self.name, "identifier": self.identifier, "status": self.status, **self.days.args()}
        return {k: v for k, v in values.items() if v}

    def conditions(self, now: datetime) -> list[Any]:
        out: list[Any] = []
        if self.name:
            out.append(Graduate.name.contains(self.name, autoescape=True))
        if len(self.identifier) == ID_TAIL:
            out.append(Graduate.id_number.endswith(self.identifier, autoescape=True))
        elif self.identifier:
            out.append(or_(Graduate.id_number == self.identifier, Graduate.exam_no == self.identifier))
        if self.status:
            out.append(OnlineAgreement.effective_status_where(self.status, now))
        out.extend(self.days.where(OnlineAgreement.invited_at))
        return out


def list_filters(args: Any) -> ListFilters:
    f = ListFilters()
    f.name = (args.get("name") or "").strip()[:50]
    identifier = (args.get("identifier") or "").strip().upper()
    whole = 8 <= len(identifier) <= 20  # a 考生号 (14) or a 身份证号 (18)
    if identifier and not (identifier.isascii() and identifier.isalnum() and (len(identifier) == ID_TAIL or whole)):
        f.errors["identifier"] = MSG_IDENTIFIER
    else:
        f.identifier = identifier
    status = args.get("status", "")
    f.status = status if status in FILTERS else ""
    f.days = day_range(args, f.errors)
    return f


@bp.route("/")
@employer_required
def home():  # type: ignore[no-untyped-def]
    """The employer block, its invitations and agreements (newest first, searchable) and open termination requests.

    Search, status (the effective one, ON-3) and the invitation-date range are all conditions of the
    one SELECT that the pager counts and cuts: no filtering in Python, one query per page.
    """
    employer = the_employer()
    now = timeutil.now()
    f = list_filters(request.args)
    # One query for the page: the graduate, the school and the open review item's stage.
    page = paginate(
        select(OnlineAgreement, Graduate.name.label("graduate_name"), Graduate.id_number.label("id_number"),
               School.name.label("school_name"), ReviewItem.stage.label("stage"))
        .join(Graduate, Graduate.id == OnlineAgreement.graduate_id)
        .join(School, School.id == OnlineAgreement.school_id)
        .outerjoin(ReviewItem, and_(ReviewItem.kind == services.KIND, ReviewItem.subject_id == OnlineAgreement.id,
                                    ReviewItem.status == "pending"))
        .where(OnlineAgreement.employer_id == employer.id, *f.conditions(now))
        .order_by(OnlineAgreement.invited_at.desc(), OnlineAgreement.id.desc()),
        request.args.get("page"),
        PAGE_SIZE,
    )
    listed = [(r, shown_status(r.OnlineAgreement, r.stage, now), r.OnlineAgreement.effective_status(now))
              for r in page.items]
    terminations = db.session.execute(
        select(TerminationRequest, Graduate.name.label("graduate_name"), OnlineAgreement.agreement_no)
        .join(OnlineAgreement, OnlineAgreement.id == TerminationRequest.agreement_id)
        .join(Graduate, Graduate.id == TerminationRequest.graduate_id)
        .where(TerminationRequest.employer_id == employer.id, TerminationRequest.status.in_(TERMINATION_OPEN))
        .order_by(TerminationRequest.created_at.desc(), TerminationRequest.id.desc())
    ).all()
    args = f.args()
    return render_template(
        "employer/home.html",
        employer=employer,
        rows=listed,
        page=page,
        filters=f,
        status_filters=FILTERS,
        args=args,
        searching=bool(args),
        here=url_for("employer.home", page=page.page if page.page > 1 else None, **args),
        terminations=terminations,
        reason_label=code_list("termination_reason").label,
        party_labels=PARTY_LABELS,
        mask_id_number=mask_id_number,
        fmt=timeutil.fmt,
    )


# --- the employer's own information and password --------------------------------------------------


def _render_account(values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    password_errors: dict[str, str] | None = None, profile_message: str | None = None,
                    password_message: str | None = None, status: int = 200) -> Any:
    user = employer_user()
    employer = the_employer()
    if values is None:
        values = {k: getattr(employer, k) for k in registration.EMPLOYER_KEYS}
    return render_template(
        "employer/account.html", user=user, employer=employer, password_errors=password_errors or {},
        profile_message=profile_message, password_message=password_message, **_employer_form(values, errors or {}),
    ), status


@bp.route("/account")
@employer_required
def account():  # type: ignore[no-untyped-def]
    """单位信息与账号: contacts and address may change; 单位名称 and 统一社会信用代码 may not."""
    return _render_account()


@bp.route("/account/profile", methods=["POST"])
@employer_required
def account_profile():  # type: ignore[no-untyped-def]
    values, errors = registration.clean_profile(request.form)
    if errors:
        return _render_account(values, errors, profile_message="单位信息有误，请按提示修改", status=400)
    changes = registration.update_profile(employer_user(), values)
    db.session.commit()
    flash("单位信息已保存，之后发出的签约邀请将使用新信息" if changes else "单位信息没有变化", "success")
    return redirect(url_for("employer.account"))


@bp.route("/account/password", methods=["POST"])
@employer_required
@login_limit()
def account_password():  # type: ignore[no-untyped-def]
    user = employer_user()
    errors = registration.change_password(user, request.form)
    if errors:
        db.session.rollback()
        return _render_account(password_errors=errors, password_message="密码未修改，请按提示修改", status=400)
    db.session.commit()
    sign_in(StaffPrincipal(user), keep_session=True)  # this session continues with the new session version
    flash("密码已修改；其他设备上的登录已退出", "success")
    return redirect(url_for("employer.account"))


from wxbackend.employer import agreements, qualification  # noqa: E402,F401
