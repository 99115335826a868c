"""Time in Asia/Shanghai: the platform's only time zone for users and deadlines."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Tests may pin "now" here (see tests' ``frozen_now`` fixture); production leaves it None.
_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time, aware, in Asia/Shanghai."""
    if _frozen is not None:
        return _frozen
    return datetime.now(SHANGHAI)


def today() -> date:
    return now().date()


def freeze(moment: datetime | None) -> None:
    """Pin ``now()`` to *moment* (aware); None releases it. For tests and benchmarks."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment.astimezone(SHANGHAI) if moment else None


def start_of_day(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=SHANGHAI)


def local(dt: datetime) -> datetime:
    return dt.astimezone(SHANGHAI)


def fmt(dt: datetime | None, with_seconds: bool = True) -> str:
    """Format like the guide's screens: ``2023-01-09 16:54:26``."""
    if dt is None:
        return "--"
    return local(dt).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")
