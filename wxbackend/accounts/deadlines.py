"""The reporting deadline (RP-2): after it, graduates' own changes to destination, archive and hukou are refused.

Each school sets one date per graduation year (the first four digits of 毕业年月); without one it is
31 August of that year. The deadline day still counts: the lock starts at 00:00 Asia/Shanghai the day
after. After it the graduate may still read everything, and reviewers still decide what was submitted
before; what changes is that the graduate can no longer start, edit, submit, withdraw, answer an
invitation or ask for a termination — the school corrects instead (its direct entry and reviewer edits).
Every graduate-side service calls :func:`require_open` first, so the API, the graduates' web and the
mini-program say the same thing.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from wxbackend.accounts.models import Graduate, ReportDeadline
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import Forbidden

DEFAULT_MONTH_DAY = (8, 31)
CODE = "reporting_closed"


def graduation_year(graduate: Graduate) -> int:
    return int(graduate.graduate_ym[:4])


def default_deadline(year: int) -> date:
    return date(year, *DEFAULT_MONTH_DAY)


def deadline_for(school_id: int, year: int) -> date:
    found = db.session.scalar(select(ReportDeadline.deadline).where(
        ReportDeadline.school_id == school_id, ReportDeadline.graduation_year == year))
    return found if found is not None else default_deadline(year)


def is_closed(deadline: date) -> bool:
    return timeutil.now() >= timeutil.start_of_day(deadline + timedelta(days=1))


def closed_message(deadline: date) -> str:
    return (f"已过学校上报截止日期（{deadline.year}年{deadline.month}月{deadline.day}日），毕业去向、档案和户口信息"
            "不能再自行修改；如信息有误，请联系学校就业部门更正")


def refusal(graduate: Graduate) -> str | None:
    """Why *graduate* may no longer change their own destination, archive or hukou info (None: they may)."""
    deadline = deadline_for(graduate.school_id, graduation_year(graduate))
    return closed_message(deadline) if is_closed(deadline) else None


def require_open(graduate: Graduate) -> None:
    message = refusal(graduate)
    if message is not None:
        raise Forbidden(message, code=CODE)


def set_deadline(school_id: int, year: int, deadline: date, user_id: int | None) -> ReportDeadline:
    row = db.session.get(ReportDeadline, (school_id, year))
    if row is None:
        row = ReportDeadline(school_id=school_id, graduation_year=year, deadline=deadline, set_by=user_id)
        db.session.add(row)
    else:
        row.deadline, row.set_by, row.updated_at = deadline, user_id, timeutil.now()
    db.session.flush()
    return row
