"""The destination kinds of §4.5.1 as data: groups, sub-kinds, their fields and proof materials.

Everything comes from the ``destination`` section of ``wxbackend/data/codes.json``;
no sub-kind has code of its own. :func:`clean_fields` validates a sub-kind's values the same
way for the graduate's API, the reviewer's direct edit and any later import; the field types
themselves (cleaning, display, widget, hint) are ``wxbackend.core.fields``'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from wxbackend.accounts.models import Graduate
from wxbackend.core.codes import raw_section
from wxbackend.core.fields import FieldDef, clean_value

MSG_DIRECTED_ONLY = "定向/委培毕业生只能选择“定向/委培毕业去向补充登记”"
MSG_NOT_DIRECTED = "“定向/委培毕业去向补充登记”仅适用于培养方式为定向或委培的毕业生"


@dataclass(frozen=True)
class SubKindField:
    field: FieldDef
    required: bool
    #: Filled from the graduate's basic info and not editable by the graduate (D-2).
    source: str | None = None


@dataclass(frozen=True)
class Proof:
    label: str
    min: int
    max: int = 9
    hint: str | None = None


@dataclass(frozen=True)
class SubKind:
    key: str
    label: str
    group: str
    #: Fixed national code, or None when ``code_from`` names the field that gives it.
    code: str | None
    code_from: str | None
    fields: tuple[SubKindField, ...]
    proof: Proof
    #: Values the sub-kind implies (e.g. 单位性质 40 for 部队军官或文职人员).
    fixed: dict[str, str] = field(default_factory=dict)
    directed_only: bool = False
    inferred: bool = False

    @property
    def group_label(self) -> str:
        return group(self.group).label

    def national_code(self, values: dict[str, Any]) -> str | None:
        if self.code is not None:
            return self.code
        return values.get(self.code_from or "") or None

    def field(self, key: str) -> SubKindField | None:
        for f in self.fields:
            if f.field.key == key:
                return f
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "group": self.group,
            "code": self.code,
            "fields": [
                {**f.field.to_dict(), "required": f.required, "readonly": f.source is not None} for f in self.fields
            ],
            "proof": {"label": self.proof.label, "min": self.proof.min, "max": self.proof.max,
                      "hint": self.proof.hint},
        }


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    code: str | None = None


@cache
def _catalogue() -> tuple[dict[str, Group], dict[str, FieldDef], dict[str, SubKind]]:
    raw = raw_section("destination")
    groups = {g["key"]: Group(g["key"], g["label"], g.get("code")) for g in raw["groups"]}
    fields = {f["key"]: FieldDef.from_dict(f) for f in raw["fields"]}
    subkinds: dict[str, SubKind] = {}
    for s in raw["subkinds"]:
        readonly = s.get("readonly", {})
        subkinds[s["key"]] = SubKind(
            key=s["key"],
            label=s["label"],
            group=s["group"],
            code=s.get("code"),
            code_from=s.get("code_from"),
            fields=tuple(SubKindField(fields[f["key"]], f["required"], readonly.get(f["key"])) for f in s["fields"]),
            proof=Proof(s["proof"]["label"], s["proof"]["min"], s["proof"].get("max", 9), s["proof"].get("hint")),
            fixed=dict(s.get("fixed", {})),
            directed_only=bool(s.get("directed_only")),
            inferred=bool(s.get("inferred")),
        )
    return groups, fields, subkinds


def groups() -> list[Group]:
    return list(_catalogue()[0].values())


def group(key: str) -> Group:
    return _catalogue()[0][key]


def subkinds() -> list[SubKind]:
    return list(_catalogue()[2].values())


def subkind(key: str) -> SubKind | None:
    return _catalogue()[2].get(key)


def field_def(key: str) -> FieldDef | None:
    return _catalogue()[1].get(key)


def subkind_refusal(graduate: Graduate, kind: SubKind) -> str | None:
    """Why *graduate* may not register *kind* (D-2), or None."""
    if graduate.is_directed and not kind.directed_only:
        return MSG_DIRECTED_ONLY
    if kind.directed_only and not graduate.is_directed:
        return MSG_NOT_DIRECTED
    return None


def readonly_values(graduate: Graduate, kind: SubKind) -> dict[str, Any]:
    """Values the graduate cannot change, taken from the school's upload (D-2)."""
    return {f.field.key: getattr(graduate, f.source) for f in kind.fields if f.source}


# --- validation -------------------------------------------------------------------


def clean_fields(
    kind: SubKind,
    values: dict[str, Any],
    *,
    require: bool,
    readonly: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate *values* for *kind*; return (clean values, {field: reason}).

    Unknown keys are refused. With *require*, missing required fields are errors (submit);
    without, only present values are checked (draft). *readonly* values replace what was sent.
    """
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    known = {f.field.key for f in kind.fields}
    for key in values:
        if key not in known:
            errors[key] = f"“{kind.label}”没有此项"
    readonly = readonly or {}
    for f in kind.fields:
        key = f.field.key
        if key in readonly:
            clean[key] = readonly[key]
            continue
        raw = values.get(key)
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if require and f.required:
                errors[key] = f"请填写{f.field.label}"
            continue
        value, reason = clean_value(f.field, raw)
        if reason:
            errors[key] = reason
        else:
            clean[key] = value
    clean.update(kind.fixed)
    return clean, errors


def display_rows(kind: SubKind, values: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, shown value) for every field of *kind*, in order, with fixed values."""
    rows = [(f.field.key, f.field.label, f.field.display(values.get(f.field.key))) for f in kind.fields]
    for key, value in kind.fixed.items():
        fd = field_def(key)
        if fd and not kind.field(key):
            rows.append((key, fd.label, fd.display(value)))
    return rows
