"""Field types: how a value is cleaned, shown, drawn and explained, decided once for every client.

A :class:`FieldDef` is one typed field of a form that is data (the destination sub-kinds and the
invitation form of fig. 9 in ``wxbackend/data/codes.json``). Its type decides

- how a value is cleaned (:func:`clean_value`) and shown (:meth:`FieldDef.display`);
- the **widget** a client draws, one of :data:`WIDGETS`;
- the **hint** next to the input, one text per type (:meth:`FieldDef.hint`),

and ``FieldDef.to_dict()`` sends the widget and the hint to the mini-program, while
:func:`form_field` gives the server-rendered forms (console, employer portal) the same ones, so
the three clients never word a hint or pick an input of their own.

Widgets, by type:

============  =============  ======================================================================
type          widget         drawn as
============  =============  ======================================================================
text          text           one-line input (``maxlength`` = the field's max)
text          textarea       multi-line input, when the field allows more than :data:`LONG_TEXT`
code          select         a choice from the field's code list (``choices``)
region        region         行政区划: a code (or, on the web, a full name; the portal adds a picker)
date          date           a date picker (YYYY-MM-DD)
money         number         an integer input between the field's min and max
phone         tel            a phone number (mobile or landline with area code)
url           url            an http(s) address
postcode      postcode       six digits
credit_code   credit_code    统一社会信用代码: 18 characters, digits and capital letters
============  =============  ======================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlparse

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from wxbackend.core.codes import code_list, region_name, resolve_region

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
POSTCODE = re.compile(r"\d{6}")

#: A text field that allows more characters than this is drawn as a textarea.
LONG_TEXT = 200

#: type → widget (``text`` becomes ``textarea`` past :data:`LONG_TEXT`; see the module docstring).
WIDGETS: dict[str, str] = {
    "text": "text",
    "code": "select",
    "region": "region",
    "date": "date",
    "money": "number",
    "phone": "tel",
    "url": "url",
    "postcode": "postcode",
    "credit_code": "credit_code",
}

#: The hint of the types whose hint does not depend on the field's limits (text and money do).
HINTS: dict[str, str] = {
    "region": "6 位行政区划代码，如 110108（北京市海淀区）",
    "phone": "手机号码或带区号的固定电话",
    "url": "以 http:// 或 https:// 开头的网址",
    "postcode": "6 位数字",
    "credit_code": "18 位，由数字和大写英文字母组成",
}


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

    @property
    def widget(self) -> str:
        """What a client draws for this field, one of :data:`WIDGETS`' values or ``textarea``."""
        if self.type == "text" and (self.max or 0) > LONG_TEXT:
            return "textarea"
        return WIDGETS[self.type]

    @property
    def hint(self) -> str | None:
        """The one hint shown next to this field's input, in every client."""
        if self.type == "text":
            return f"不超过 {self.max} 个字" if self.max else None
        if self.type == "money":
            if self.min is not None and self.max is not None:
                return f"整数，{self.min}～{self.max}"
            if self.min is not None:
                return f"不小于 {self.min} 的整数"
            return f"不大于 {self.max} 的整数" if self.max is not None else "整数"
        return HINTS.get(self.type)

    def choices(self) -> list[tuple[str, str]]:
        """(code, label) of a code field's list; nothing for the other types."""
        return code_list(self.list).choices() if self.type == "code" and self.list else []

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
        out: dict[str, Any] = {"key": self.key, "label": self.label, "type": self.type,
                               "widget": self.widget, "hint": self.hint}
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


# --- server-rendered forms --------------------------------------------------------------------------


@dataclass
class FormField:
    """One input of a server-rendered form (console, employer portal), as its template draws it."""

    key: str
    label: str
    type: str
    widget: str
    required: bool
    readonly: bool
    #: The value as the input shows it: the stored value, or what was typed when the form comes back.
    value: str
    #: (code, label) for a ``select``.
    choices: list[tuple[str, str]] = field(default_factory=list)
    #: For text, textarea and url inputs.
    maxlength: int | None = None
    hint: str | None = None
    error: str | None = None


def form_field(fd: FieldDef, value: Any, *, required: bool, readonly: bool = False,
               readonly_hint: str | None = None, error: str | None = None) -> FormField:
    """*fd* with *value* as a form draws it.

    The hint is the type's (:meth:`FieldDef.hint`), except that a valid region shows its name and
    code (``北京市海淀区（110108）``) unless the field has an error, and that a read-only field shows
    *readonly_hint* instead.
    """
    shown = "" if value is None else str(value)
    hint = fd.hint
    if fd.type == "region" and shown and not error:
        code = resolve_region(shown)
        if code:
            hint = f"{region_name(code)}（{code}）"
    if readonly:
        hint = readonly_hint
    return FormField(
        key=fd.key, label=fd.label, type=fd.type, widget=fd.widget, required=required, readonly=readonly,
        value=shown, choices=fd.choices(), maxlength=fd.max if fd.type in ("text", "url") else None,
        hint=hint, error=error,
    )
