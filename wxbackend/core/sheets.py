"""Rows we write into spreadsheets, safe to open: text that looks like a formula stays text.

openpyxl writes a string that starts with ``=`` as a formula, so a name or an address typed as
``=HYPERLINK("http://…","点此")`` would come back live in the school's workbook (CSV/formula injection).
:func:`append` writes every value as a cell whose type is fixed: such text is stored as a string and
shown as typed, never evaluated; numbers, dates and other text are unchanged. Every workbook we write
goes through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

#: Where spreadsheet programs start a formula (OWASP's list: = + - @, and tab / carriage return).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(ws: Any, value: Any) -> Any:
    """A cell of *ws* holding *value*; formula-looking text is kept as text."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
    return cell


def append(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append(values)`` for a write-only or a normal worksheet, each value through :func:`safe_cell`."""
    ws.append([v if hasattr(v, "data_type") and hasattr(v, "value") else safe_cell(ws, v) for v in values])
