"""The invitation form of fig. 9 as data (``online_agreement`` in ``wxbackend/data/codes.json``).

Fields are validated with the field types of ``wxbackend.core.fields``, as other destinations are,
so a credit code, a phone, a region or an amount is checked the same way everywhere. Archive and
hukou details are required when the transfer type is a 单位接收 kind (签约/上级主管/托管单位接收),
not for 转回生源地.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from wxbackend.core.codes import code_list, raw_section
from wxbackend.core.errors import ApiError
from wxbackend.core.fields import FieldDef, clean_value

#: The terms of fig. 9's example invitation (数据分析师, archive to a 托管单位, hukou back home), as
#: ``clean_terms`` leaves them. Demo data, tests and benchmarks start from it.
EXAMPLE_TERMS: dict[str, Any] = {
    "job_category": "11",
    "position": "数据分析师",
    "trial_period": 3,
    "trial_pay": 8000,
    "regular_pay": 10000,
    "penalty": 5000,
    "report_place": "北京市西城区西直门外大街18号",
    "report_deadline": "2027-07-15",
    "work_region": "110102",
    "archive_transfer_type": "13",
    "archive_unit_name": "北京市西城区人才服务中心",
    "archive_unit_address": "北京市西城区56号",
    "archive_contact": "王伟",
    "archive_phone": "010-68352260",
    "archive_postcode": "100056",
    "hukou_transfer_type": "20",
    "addendum": "",
}


@dataclass(frozen=True)
class TermField:
    field: FieldDef
    required: bool
    #: Required when this transfer-type field is a 单位接收 kind.
    unit_receive: str | None = None

    @property
    def key(self) -> str:
        return self.field.key

    def to_dict(self) -> dict[str, Any]:
        return {**self.field.to_dict(), "required": self.required, "required_if_unit_receive": self.unit_receive}


@cache
def _spec() -> tuple[tuple[TermField, ...], dict[str, int]]:
    raw = raw_section("online_agreement")
    fields = tuple(
        TermField(FieldDef.from_dict(f), bool(f.get("required")), f.get("unit_receive"))
        for f in raw["fields"]
    )
    return fields, dict(raw["response_days"])


def fields() -> tuple[TermField, ...]:
    return _spec()[0]


def field(key: str) -> TermField:
    for f in fields():
        if f.key == key:
            return f
    raise KeyError(key)


def response_days_range() -> dict[str, int]:
    return _spec()[1]


def is_unit_receive(code: str | None) -> bool:
    """单位接收 kinds (签约单位/上级主管单位/托管单位接收), as opposed to 转回生源地."""
    if not code:
        return False
    return code in code_list("transfer_type") and any(
        e["code"] == code and e.get("group") == "单位接收" for e in raw_section("transfer_type"))


def clean_terms(values: Any) -> dict[str, Any]:
    """Validate the invitation's terms; raise ApiError with one message per field."""
    if not isinstance(values, dict):
        raise ApiError("invalid_fields", "签约信息格式有误", {"terms": "应为对象"})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    known = {f.key for f in fields()}
    for key in values:
        if key not in known:
            errors[key] = "签约信息没有此项"
    for f in fields():
        raw = values.get(f.key)
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            continue
        value, reason = clean_value(f.field, raw)
        if reason:
            errors[f.key] = reason
        else:
            clean[f.key] = value
    for f in fields():
        needed = f.required or (f.unit_receive is not None and is_unit_receive(clean.get(f.unit_receive)))
        if needed and f.key not in clean and f.key not in errors:
            errors[f.key] = f"请填写{f.field.label}"
    if errors:
        raise ApiError("invalid_fields", "签约信息有误，请按提示修改", errors)
    return clean


def clean_response_days(raw: Any) -> int:
    limits = response_days_range()
    try:
        days = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ApiError("invalid_fields", "应约有效期应为整数天数",
                       {"response_days": "请填写整数天数"}) from None
    if not limits["min"] <= days <= limits["max"]:
        message = f"应约有效期应在{limits['min']}至{limits['max']}天之间"
        raise ApiError("invalid_fields", message, {"response_days": message})
    return days


def display_rows(terms: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, shown value) of every field, '--' where empty (as fig. 9 shows)."""
    rows = []
    for f in fields():
        value = terms.get(f.key)
        shown = "--" if value in (None, "") else f.field.display(value)
        rows.append((f.key, f.field.label, shown))
    return rows
