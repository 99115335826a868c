"""Field types: how a value of a form that is data is cleaned and shown.

A :class:`FieldDef` is one typed field of the destination sub-kinds and of the invitation form
of fig. 9 (``wxbackend/data/codes.json``); :func:`clean_value` checks a value the same way for
every module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlparse

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from wxbackend.core.codes import code_list, region_name, resolve_region

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
POSTCODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    #: text | code | region | credit_code | phone | money | date | url | postcode
    type: str
    max: int | None = None
    min: int | None = None
    #: The code list of a ``code`` field.
    list: str | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FieldDef:
        """A field as ``codes.json`` declares it (key, label, type and optional max, min, list)."""
        return cls(raw["key"], raw["label"], raw["type"], raw.get("max"), raw.get("min"), raw.get("list"))

    def display(self, value: Any) -> str:
        """The value as a reviewer or graduate reads it (code → label, region → name)."""
        if value is None or value == "":
            return "-"
        if self.type == "code" and self.list:
            return code_list(self.list).label(str(value))
        if self.type == "region":
            return region_name(str(value))
        return str(value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "type": self.type}
        if self.max is not None:
            out["max"] = self.max
        if self.min is not None:
            out["min"] = self.min
        if self.list:
            out["list"] = self.list
            out["choices"] = [{"code": c, "label": lbl} for c, lbl in code_list(self.list).choices()]
        return out


# --- cleaning ---------------------------------------------------------------------------------------


def clean_value(f: FieldDef, raw: Any) -> tuple[Any, str | None]:
    """(stored value, None) or (None, reason). *raw* is not empty."""
    if f.type in ("text", "url", "phone", "credit_code", "date", "code", "region", "postcode"):
        if not isinstance(raw, str | int):
            return None, "格式不正确"
        value = str(raw).strip()
    else:
        value = raw
    if f.type == "text":
        if f.max and len(value) > f.max:
            return None, f"不能超过{f.max}个字"
        return value, None
    if f.type == "code":
        code = code_list(f.list or "").resolve(value)
        return (code, None) if code else (None, "不在代码表中")
    if f.type == "region":
        code = resolve_region(value)
        return (code, None) if code else (None, "行政区划代码无效")
    if f.type == "credit_code":
        try:
            return uscc.validate(value), None
        except ValidationError:
            return None, "统一社会信用代码无效（校验位不符）"
    if f.type == "phone":
        value = value.replace(" ", "")
        return (value, None) if PHONE.match(value) else (None, "请填写手机号码或带区号的固定电话")
    if f.type == "postcode":
        return (value, None) if POSTCODE.fullmatch(value) else (None, "邮编应为6位数字")
    if f.type == "money":
        try:
            number = int(str(raw).strip())
        except ValueError:
            return None, "请填写整数金额"
        if f.min is not None and number < f.min:
            return None, f"不能小于{f.min}"
        if f.max is not None and number > f.max:
            return None, f"不能大于{f.max}"
        return number, None
    if f.type == "date":
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "日期格式应为 YYYY-MM-DD"
    if f.type == "url":
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or (f.max and len(value) > f.max):
            return None, "请填写以 http:// 或 https:// 开头的网址"
        return value, None
    raise AssertionError(f"unknown field type {f.type}")  # pragma: no cover
