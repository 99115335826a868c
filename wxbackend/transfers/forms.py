"""The archive and hukou forms as data (``codes.json`` → ``transfer_registration``), cleaned once (AR-1, HK-2).

Each module declares its fields (typed :class:`~wxbackend.core.fields.FieldDef` plus ``required``),
the field holding the 转递/迁移类型 and the region field of the address. :func:`clean` checks a
form; with ``require`` every required field must be there, and for 转回生源地 the address must lie
in the province of the graduate's 生源所在地 (AR-2).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from wxbackend.core.codes import raw_section
from wxbackend.core.fields import FieldDef, clean_value

#: The 转递/迁移类型 code of 转回生源地 (``transfer_type``).
BACK_TO_ORIGIN = "20"
MSG_PROVINCE_LOCKED = "转回生源地时地址须在生源所在地省份内，跨省转递请选择其他类型"
MODULE_LABELS = {"archive": "档案", "hukou": "户口"}
PURPOSE_LABELS = {"registration": "登记", "change": "修改"}
#: Images a registration may carry (optional).
IMAGES_MAX = 3


@dataclass(frozen=True)
class FormField:
    field: FieldDef
    required: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.field.to_dict(), "required": self.required}


@dataclass(frozen=True)
class Form:
    module: str
    label: str
    type_field: str
    region_field: str
    fields: tuple[FormField, ...]

    def field(self, key: str) -> FormField | None:
        return next((f for f in self.fields if f.field.key == key), None)


@cache
def form(module: str) -> Form:
    raw = raw_section("transfer_registration")[module]
    return Form(module, raw["label"], raw["type_field"], raw["region_field"],
                tuple(FormField(FieldDef.from_dict(f), bool(f.get("required"))) for f in raw["fields"]))


def kind_label(module: str, purpose: str) -> str:
    """档案信息登记 / 档案信息修改 / 户口信息登记 / 户口信息修改."""
    return f"{MODULE_LABELS[module]}信息{PURPOSE_LABELS[purpose]}"


def clean(module: str, values: Any, *, require: bool, origin_region: str | None
          ) -> tuple[dict[str, Any], dict[str, str]]:
    """(clean values, errors by field key). Unknown keys are dropped; empty optional ones too."""
    f = form(module)
    if not isinstance(values, dict):
        return {}, {"fields": "应为对象"}
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for ff in f.fields:
        raw = values.get(ff.field.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if require and ff.required:
                errors[ff.field.key] = f"请填写{ff.field.label}"
            continue
        value, error = clean_value(ff.field, raw)
        if error:
            errors[ff.field.key] = error
        else:
            out[ff.field.key] = value
    region = out.get(f.region_field)
    if (out.get(f.type_field) == BACK_TO_ORIGIN and region and origin_region
            and region[:2] != origin_region[:2] and f.region_field not in errors):
        errors[f.region_field] = MSG_PROVINCE_LOCKED
    return out, errors


def display_rows(module: str, values: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, shown value) of every field, in form order."""
    return [(ff.field.key, ff.field.label, ff.field.display(values.get(ff.field.key))) for ff in form(module).fields]


def display_diff(module: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{label: [before, after]} as people read them (RV-5's history)."""
    return {ff.field.label: [ff.field.display(old.get(ff.field.key)), ff.field.display(new.get(ff.field.key))]
            for ff in form(module).fields if old.get(ff.field.key) != new.get(ff.field.key)}
