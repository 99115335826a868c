"""The form of the e-agreement application and of the paper agreement (fig. 21) as data.

Two blocks, one flat set of keys: the employer (``offline_agreement.unit_fields`` in
``wxbackend/data/codes.json``: 单位名称 … 联系人邮箱) and the agreement's terms, which are the fields of an
online invitation (``signing.forms``) so both kinds of agreement read, validate and sync alike. The
employer need not be registered on the platform, but its 统一社会信用代码 is still checked (check
digit), and its contact's mobile must be a mobile number: the SMS upload link goes there (FS-4).

``clean(values, require=False)`` is for 保存 (a draft keeps whatever is valid so far, and refuses what is
not); ``require=True`` is for 提交 (every required field, FS-1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from wxbackend.core.codes import raw_section
from wxbackend.core.errors import ApiError
from wxbackend.core.fields import FieldDef, clean_value
from wxbackend.signing import forms

MOBILE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MOBILE_HINT = "11位手机号码；用人单位协助回传时，回传链接以短信发到此号码"


@dataclass(frozen=True)
class FormField:
    field: FieldDef
    required: bool
    #: unit | terms
    block: str
    #: Required when this transfer-type field is a 单位接收 kind.
    unit_receive: str | None = None
    mobile: bool = False
    email: bool = False

    @property
    def key(self) -> str:
        return self.field.key

    def to_dict(self) -> dict[str, Any]:
        out = {**self.field.to_dict(), "required": self.required, "block": self.block,
               "required_if_unit_receive": self.unit_receive}
        if self.mobile:
            out["hint"] = MOBILE_HINT
        return out


@cache
def fields() -> tuple[FormField, ...]:
    raw = raw_section("offline_agreement")
    optional = set(raw.get("optional_terms", ()))
    unit = tuple(FormField(FieldDef.from_dict(f), bool(f.get("required")), "unit",
                           mobile=bool(f.get("mobile")), email=bool(f.get("email"))) for f in raw["unit_fields"])
    terms = tuple(FormField(t.field, t.required and t.key not in optional, "terms", t.unit_receive)
                  for t in forms.fields())
    return unit + terms


def field(key: str) -> FormField:
    for f in fields():
        if f.key == key:
            return f
    raise KeyError(key)


def _check(f: FormField, value: Any) -> str | None:
    if f.mobile and not MOBILE.match(str(value)):
        return "请填写11位手机号码（用人单位协助回传时，回传链接以短信发到此号码）"
    if f.email and not EMAIL.match(str(value)):
        return "请填写有效的电子邮箱地址"
    return None


def clean(values: Any, require: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(unit_info, terms) of the posted *values*; ApiError with one message per field otherwise."""
    if not isinstance(values, dict):
        raise ApiError("invalid_fields", "协议信息格式有误", {"fields": "应为对象"})
    errors: dict[str, str] = {}
    out: dict[str, dict[str, Any]] = {"unit": {}, "terms": {}}
    known = {f.key for f in fields()}
    for key in values:
        if key not in known:
            errors[key] = "协议信息没有此项"
    for f in fields():
        raw = values.get(f.key)
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            continue
        if f.mobile and not MOBILE.match(str(raw).strip()):
            errors[f.key] = _check(f, raw) or ""
            continue
        value, reason = clean_value(f.field, raw)
        reason = reason or _check(f, value)
        if reason:
            errors[f.key] = reason
        else:
            out[f.block][f.key] = value
    if require:
        merged = {**out["unit"], **out["terms"]}
        for f in fields():
            needed = f.required or (f.unit_receive is not None and forms.is_unit_receive(merged.get(f.unit_receive)))
            if needed and f.key not in merged and f.key not in errors:
                errors[f.key] = f"请填写{f.field.label}"
    if errors:
        raise ApiError("invalid_fields", "协议信息有误，请按提示修改", errors)
    return out["unit"], out["terms"]


def values_of(unit_info: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
    """The flat form values of a stored record (what an edit form starts from)."""
    return {**unit_info, **terms}


def display_rows(unit_info: dict[str, Any], terms: dict[str, Any], block: str | None = None
                 ) -> list[tuple[str, str, str]]:
    """(key, label, shown value) of every field ('--' where empty), of one block or both."""
    values = values_of(unit_info, terms)
    rows = []
    for f in fields():
        if block is not None and f.block != block:
            continue
        value = values.get(f.key)
        rows.append((f.key, f.field.label, "--" if value in (None, "") else f.field.display(value)))
    return rows
