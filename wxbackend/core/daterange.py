"""The one date-range filter of lists: ``from``/``to`` query arguments as whole Asia/Shanghai days.

``day_range(request.args, errors)`` reads ``YYYY-MM-DD`` dates; a malformed date or an end before
the start puts a message under that argument's name in *errors* (for the page to show next to the
field) and leaves that end open, so the list still shows rather than failing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement

from wxbackend.core import timeutil

DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
MSG_FORMAT = "日期格式应为 YYYY-MM-DD"
MSG_ORDER = "结束日期不能早于开始日期"


@dataclass(frozen=True)
class DayRange:
    start: date | None = None
    end: date | None = None
    from_key: str = "from"
    to_key: str = "to"

    def where(self, column: Any) -> list[ColumnElement[bool]]:
        """Conditions for *column* (an aware timestamp) within the days, both ends included."""
        out: list[ColumnElement[bool]] = []
        if self.start:
            out.append(column >= timeutil.start_of_day(self.start))
        if self.end:
            out.append(column < timeutil.start_of_day(self.end + timedelta(days=1)))
        return out

    def args(self) -> dict[str, str]:
        """Query arguments that reproduce the range (for the pager's links)."""
        values = {self.from_key: self.start, self.to_key: self.end}
        return {k: v.isoformat() for k, v in values.items() if v}


def parse_day(raw: Any) -> date | None:
    """A ``YYYY-MM-DD`` date, None when empty; ValueError when malformed."""
    text = str(raw or "").strip()
    if not text:
        return None
    if not DAY.fullmatch(text):  # date.fromisoformat also takes 20260101 and week dates
        raise ValueError(text)
    return date.fromisoformat(text)


def day_range(args: Mapping[str, Any], errors: dict[str, str], from_key: str = "from",
              to_key: str = "to") -> DayRange:
    """The range *args* ask for; problems go into *errors* under the argument's name."""
    ends: dict[str, date | None] = {}
    for key in (from_key, to_key):
        try:
            ends[key] = parse_day(args.get(key))
        except ValueError:
            errors[key] = MSG_FORMAT
            ends[key] = None
    start, end = ends[from_key], ends[to_key]
    if start and end and start > end:
        errors[to_key] = MSG_ORDER
        end = None
    return DayRange(start, end, from_key, to_key)
