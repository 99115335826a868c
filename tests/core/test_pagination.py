"""The one pager (core.pagination): page numbers with gaps, clamping, totals, counted and cut in SQL."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from sqlalchemy import select

from wxbackend.accounts.models import School
from wxbackend.core.pagination import Page, page_number, paginate


def _page(page: int, pages: int) -> Page:
    return Page(items=[], total=pages * 10, page=page, per_page=10)


@pytest.mark.parametrize(("page", "pages", "around", "links"), [
    (5, 20, 1, [1, None, 4, 5, 6, None, 20]),
    (1, 20, 2, [1, 2, 3, None, 20]),
    (20, 20, 2, [1, None, 18, 19, 20]),
    (5, 20, 2, [1, 2, 3, 4, 5, 6, 7, None, 20]),  # a gap of one page shows that page, not "…"
    (3, 5, 2, [1, 2, 3, 4, 5]),
    (1, 1, 2, [1]),
])
def test_links_show_first_last_and_neighbours_with_gaps(page: int, pages: int, around: int,
                                                        links: list[int | None]) -> None:
    assert _page(page, pages).links(around) == links


def test_page_flags_and_count_of_pages() -> None:
    p = Page(items=[], total=21, page=2, per_page=10)
    assert (p.pages, p.has_prev, p.has_next) == (3, True, True)
    assert not Page(items=[], total=21, page=3, per_page=10).has_next
    assert not Page(items=[], total=21, page=1, per_page=10).has_prev
    empty = Page(items=[], total=0, page=1, per_page=10)
    assert (empty.pages, empty.has_prev, empty.has_next) == (1, False, False)


@pytest.mark.parametrize(("value", "number"), [
    ("3", 3), (" 4 ", 4), (7, 7), ("0", 1), (0, 1), ("-2", 1), ("abc", 1), ("", 1), (None, 1), ("1.5", 1),
    ("²", 1), ("9" * 40, sys.maxsize),
])
def test_page_argument_that_is_not_a_positive_number_is_the_first_page(value: Any, number: int) -> None:
    assert page_number(value) == number


def test_paginate_counts_and_cuts_in_sql_and_clamps_the_page(make_school: Any, count_queries: Any) -> None:
    schools = [make_school() for _ in range(7)]
    stmt = select(School.id, School.name).order_by(School.id)
    with count_queries() as q:
        second = paginate(stmt, "2", 3)
    assert q.count == 2  # the count and the page
    assert (second.total, second.pages, second.page, second.per_page) == (7, 3, 2, 3)
    assert [r.id for r in second.items] == [s.id for s in schools[3:6]]
    last = paginate(stmt, "99", 3)
    assert last.page == 3 and [r.name for r in last.items] == [schools[6].name]
    assert paginate(stmt, "abc", 3).page == 1
    assert [r.id for r in paginate(stmt, None, 3).items] == [s.id for s in schools[:3]]


def test_paginate_of_an_empty_list_is_one_empty_page_in_one_query(app: Any, count_queries: Any) -> None:
    with count_queries() as q:
        empty = paginate(select(School).where(School.id < 0), "5", 10)
    assert q.count == 1
    assert (empty.items, empty.total, empty.page, empty.pages) == ([], 0, 1, 1)


def test_console_list_pager_shows_page_numbers_gaps_and_the_total(
        client: Any, monkeypatch: pytest.MonkeyPatch, make_major: Any, make_graduate: Any, make_user: Any,
        staff_login: Any) -> None:
    from wxbackend.console import graduates

    monkeypatch.setattr(graduates, "PAGE_SIZE", 5)
    major = make_major()
    for i in range(53):
        make_graduate(major, name=f"学生{i:02d}", student_no=f"S{i:03d}")
    staff_login(make_user("school", school_id=major.school_id))
    html = client.get("/console/graduates?page=6").get_data(as_text=True)
    pager = html[html.index('class="pager"'):]
    pager = pager[:pager.index("</nav>")]
    shown = re.findall(r'>(\d+|…)</(?:a|span)>', pager)
    assert shown == ["1", "…", "4", "5", "6", "7", "8", "…", "11"]
    assert 'aria-current="page">6<' in pager and "page=5" in pager and "page=7" in pager
    assert "上一页" in pager and "下一页" in pager and "共 53 人" in pager
    first = client.get("/console/graduates").get_data(as_text=True)
    assert "上一页" not in first and "下一页" in first
