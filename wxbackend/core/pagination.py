"""The one pager: a page of a SELECT, counted and cut in SQL, and the page numbers to link to.

``paginate(stmt, request.args.get("page"), 50)`` runs ``SELECT count(*)`` over the statement
and then the statement itself with LIMIT/OFFSET. The page asked for is clamped to 1..pages, so
``?page=abc`` shows the first page and ``?page=99`` the last. Templates draw it with the
``pager`` macro of ``templates/_pager.html``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from wxbackend.core.db import db


@dataclass(frozen=True)
class Page:
    """One page of rows and where it sits in the whole list."""

    #: The rows of this page, as ``Session.execute(stmt).all()`` returns them.
    items: list[Any]
    #: Rows in the whole list.
    total: int
    #: This page's number, 1-based and within 1..pages.
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are; an empty list still has one (empty) page."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def links(self, around: int = 2) -> list[int | None]:
        """Page numbers to link, ``None`` where numbers are left out: 1 … 4 5 6 … 20 (around=1).

        The first and last pages always show, and *around* pages either side of this one; a
        gap of a single page shows that page instead of "…".
        """
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        out: list[int | None] = []
        previous = 0
        for n in numbers:
            if n - previous == 2:
                out.append(n - 1)
            elif n - previous > 2:
                out.append(None)
            out.append(n)
            previous = n
        return out


def page_number(value: Any) -> int:
    """A page argument as a number ≥ 1: anything not a plain positive number is page 1.

    Very long numbers are "beyond the end" (clamped to the last page) rather than parsed.
    """
    if isinstance(value, int):
        return max(value, 1)
    raw = str(value or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return max(int(raw), 1) if len(raw) <= 18 else sys.maxsize


def paginate(stmt: Select[Any], page: Any, per_page: int) -> Page:
    """Count *stmt*'s rows and load page *page* of them (clamped to 1..pages) in two queries.

    An empty list costs the count only.
    """
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    number = min(page_number(page), pages)
    items: list[Any] = []
    if total:
        items = list(db.session.execute(stmt.limit(per_page).offset((number - 1) * per_page)).all())
    return Page(items=items, total=total, page=number, per_page=per_page)
