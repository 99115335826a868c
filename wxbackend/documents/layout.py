"""Layout helpers shared by the PDF templates: label/value tables and official section numbers."""

from __future__ import annotations

import unicodedata

#: Values wider than this (CJK characters count 2) or holding a line break get a table row of
#: their own instead of half of one: a half-row value cell holds about 30 Latin characters.
WIDE_VALUE_WIDTH = 30


def _is_wide(value: str) -> bool:
    if "\n" in value:
        return True
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value) > WIDE_VALUE_WIDTH


def grid_rows(rows: list[tuple[str, str]]) -> list[list[tuple[str, str, bool]]]:
    """Lay (label, value) pairs out two per table row; long values take a row of their own.

    Each cell is (label, value, spans_rest_of_row).
    """
    out: list[list[tuple[str, str, bool]]] = []
    pending: tuple[str, str] | None = None
    for label, value in rows:
        if _is_wide(value):
            if pending:
                out.append([(*pending, True)])
                pending = None
            out.append([(label, value, True)])
        elif pending:
            out.append([(*pending, False), (label, value, False)])
            pending = None
        else:
            pending = (label, value)
    if pending:
        out.append([(*pending, True)])
    return out


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二 (1 to 99): section numbers as an official document writes them."""
    if not 0 <= n < 100:
        raise ValueError(f"chinese_number() handles 0 to 99, got {n}")
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")
