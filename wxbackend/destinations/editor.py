"""The form fields of an other destination as the reviewer's edit page draws them (OD-3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wxbackend.core.codes import code_list, region_name
from wxbackend.destinations.catalogue import SubKind


@dataclass
class FormField:
    key: str
    label: str
    type: str
    required: bool
    readonly: bool
    value: str
    choices: list[tuple[str, str]]
    maxlength: int | None
    hint: str | None
    error: str | None


_HINTS = {
    "region": "6位行政区划代码，如 110108，或完整名称如 北京市海淀区",
    "credit_code": "18位统一社会信用代码",
    "phone": "手机号码或带区号的固定电话",
    "money": "元/月，整数",
    "url": "以 http:// 或 https:// 开头",
}


def editor_fields(kind: SubKind, values: dict[str, Any], readonly: dict[str, Any],
                  errors: dict[str, str]) -> list[FormField]:
    out = []
    for f in kind.fields:
        fd = f.field
        key = fd.key
        raw = readonly[key] if key in readonly else values.get(key)
        value = "" if raw is None else str(raw)
        hint = _HINTS.get(fd.type)
        if fd.type == "region" and value and key not in errors:
            name = region_name(value)
            hint = f"{name}（{value}）" if name and name != value else hint
        if f.source:
            hint = "取自毕业生基本信息，不可修改"
        out.append(FormField(
            key=key, label=fd.label, type=fd.type, required=f.required, readonly=f.source is not None,
            value=value, choices=code_list(fd.list).choices() if fd.type == "code" and fd.list else [],
            maxlength=fd.max if fd.type in ("text", "url") else None, hint=hint, error=errors.get(key),
        ))
    return out
