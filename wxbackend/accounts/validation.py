"""Validation of graduates' basic information, shared by the import and the console forms.

One function, :func:`clean_graduate`, turns raw values (codes or labels, as a school's
spreadsheet may carry either) into the stored form, or reports per-field reasons (L-6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from wxbackend.core.codes import code_list, resolve_region

#: Field key → Chinese label, in the order of fig. 4. The import template uses these labels.
FIELDS: dict[str, str] = {
    "exam_no": "考生号",
    "name": "姓名",
    "id_number": "身份证号",
    "education": "学历",
    "gender": "性别",
    "ethnicity": "民族",
    "political_status": "政治面貌",
    "training_mode": "培养方式",
    "sponsor_unit": "定向/委培单位",
    "origin_region": "生源所在地",
    "enrol_ym": "入学时间",
    "graduate_ym": "毕业时间",
    "student_no": "学号",
    "department": "院系",
    "major": "专业",
    "schooling_years": "学制",
    "archive_at_school": "档案是否转入学校",
    "hukou_at_school": "户口是否转入学校",
    "email": "电子邮箱",
    "phone": "手机号码",
}
LABEL_TO_FIELD = {v: k for k, v in FIELDS.items()}
REQUIRED = ("name", "id_number", "education", "gender", "ethnicity", "political_status", "training_mode",
            "origin_region", "enrol_ym", "graduate_ym", "department", "major", "schooling_years")

#: Fields of fig. 4 held as codes, and the code list behind each.
CODED_FIELDS = {
    "education": "education",
    "gender": "gender",
    "ethnicity": "ethnicity",
    "political_status": "political_status",
    "training_mode": "training_mode",
}

PHONE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
YM = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])$")
EXAM_NO = re.compile(r"^\d{14}$")


@dataclass
class OrgIndex:
    """A school's departments and majors, looked up by code or name (no query per row)."""

    departments: dict[str, int] = field(default_factory=dict)
    #: (department_id, code or name) → major id
    majors: dict[tuple[int, str], int] = field(default_factory=dict)

    @classmethod
    def for_school(cls, school_id: int) -> OrgIndex:
        from sqlalchemy import select

        from wxbackend.accounts.models import Department, Major
        from wxbackend.core.db import db

        idx = cls()
        for d in db.session.execute(select(Department.id, Department.code, Department.name)
                                    .where(Department.school_id == school_id)):
            idx.departments[d.code] = d.id
            idx.departments[d.name] = d.id
        for m in db.session.execute(select(Major.id, Major.department_id, Major.code, Major.name)
                                    .where(Major.school_id == school_id)):
            idx.majors[(m.department_id, m.code)] = m.id
            idx.majors[(m.department_id, m.name)] = m.id
        return idx


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def normalise_id_number(value: Any) -> str:
    return _text(value).replace(" ", "").upper()


def check_id_number(value: str) -> str | None:
    """Return why *value* is not a valid 身份证号 (GB 11643), or None."""
    if len(value) != 18:
        return "身份证号应为18位"
    try:
        ric.validate(value)
    except ValidationError:
        if not value[:17].isdigit():
            return "身份证号前17位应为数字"
        return "身份证号校验位不正确或出生日期无效"
    return None


def _yes_no(value: str) -> bool | None:
    if value in ("", "-", "--"):
        return None
    code = code_list("yes_no").resolve(value)
    if code is None:
        raise ValueError("应填写 是 或 否")
    return code == "1"


def clean_graduate(raw: dict[str, Any], orgs: OrgIndex) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate one graduate's fields; return (clean values, {field: reason})."""
    v = {k: _text(raw.get(k)) for k in FIELDS}
    out: dict[str, Any] = {}
    errs: dict[str, str] = {}

    for key in REQUIRED:
        if not v[key]:
            errs[key] = f"{FIELDS[key]}不能为空"

    out["name"] = v["name"]
    if v["name"] and len(v["name"]) > 50:
        errs["name"] = "姓名不能超过50个字"

    idn = normalise_id_number(raw.get("id_number"))
    if idn:
        reason = check_id_number(idn)
        if reason:
            errs["id_number"] = reason
    out["id_number"] = idn

    if v["exam_no"] and not EXAM_NO.match(v["exam_no"]):
        errs["exam_no"] = "考生号应为14位数字"
    out["exam_no"] = v["exam_no"] or None

    for key, list_name in CODED_FIELDS.items():
        if v[key]:
            code = code_list(list_name).resolve(v[key])
            if code is None:
                errs[key] = f"{FIELDS[key]}“{v[key]}”不在代码表中"
            out[key] = code

    if out.get("gender") and "id_number" not in errs and idn:
        expected = "1" if int(idn[16]) % 2 else "2"
        if out["gender"] != expected:
            errs["gender"] = "性别与身份证号不一致"

    out["sponsor_unit"] = v["sponsor_unit"] or None
    if out.get("training_mode") in ("2", "3") and not out["sponsor_unit"]:
        errs["sponsor_unit"] = "培养方式为定向或委培时必须填写定向/委培单位"
    if out.get("training_mode") == "1":
        out["sponsor_unit"] = None

    if v["origin_region"]:
        region = resolve_region(v["origin_region"])
        if region is None:
            errs["origin_region"] = f"生源所在地“{v['origin_region']}”不是有效的行政区划代码"
        out["origin_region"] = region

    for key in ("enrol_ym", "graduate_ym"):
        value = v[key].replace("-", "").replace("/", "").replace(".", "")
        if value and not YM.match(value):
            errs[key] = f"{FIELDS[key]}应为年月，如 202306"
        out[key] = value
    if out.get("enrol_ym") and out.get("graduate_ym") and not errs.keys() & {"enrol_ym", "graduate_ym"}:
        if out["graduate_ym"] <= out["enrol_ym"]:
            errs["graduate_ym"] = "毕业时间应晚于入学时间"

    if v["schooling_years"]:
        try:
            years = int(float(v["schooling_years"]))
            if not 1 <= years <= 10:
                raise ValueError
            out["schooling_years"] = years
        except ValueError:
            errs["schooling_years"] = "学制应为1到10之间的整数（年）"

    out["student_no"] = v["student_no"] or None

    for key in ("archive_at_school", "hukou_at_school"):
        try:
            out[key] = _yes_no(v[key])
        except ValueError as exc:
            errs[key] = f"{FIELDS[key]}{exc}"

    out["email"] = v["email"] or None
    if v["email"] and not EMAIL.match(v["email"]):
        errs["email"] = "电子邮箱格式不正确"
    phone = v["phone"].replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    out["phone"] = phone or None
    if phone and not PHONE.match(phone):
        errs["phone"] = "手机号码应为11位，以1开头"

    if v["department"]:
        dept_id = orgs.departments.get(v["department"])
        if dept_id is None:
            errs["department"] = f"院系“{v['department']}”不存在（请先在院系管理中添加）"
        else:
            out["department_id"] = dept_id
            if v["major"]:
                major_id = orgs.majors.get((dept_id, v["major"]))
                if major_id is None:
                    errs["major"] = f"专业“{v['major']}”不属于院系“{v['department']}”（请先在院系管理中添加）"
                else:
                    out["major_id"] = major_id
    return out, errs


GRADUATE_COLUMNS = ("exam_no", "name", "id_number", "education", "gender", "ethnicity", "political_status",
                    "training_mode", "sponsor_unit", "origin_region", "enrol_ym", "graduate_ym", "student_no",
                    "department_id", "major_id", "schooling_years", "archive_at_school", "hukou_at_school",
                    "email", "phone")


MSG_CREDIT_CHECKSUM = "统一社会信用代码无效（校验位不符）"


def normalise_credit_code(value: Any) -> str:
    return _text(value).upper().replace(" ", "")


def credit_code_error(code: str) -> str | None:
    """Why *code* is not a valid 统一社会信用代码 (GB 32100), or None (ON-1)."""
    try:
        uscc.validate(code)
    except InvalidLength:
        return "统一社会信用代码应为18位"
    except InvalidChecksum:
        return MSG_CREDIT_CHECKSUM
    except ValidationError:
        return "统一社会信用代码含有无效字符"
    return None


def mask_id_number(value: str | None) -> str:
    """Show only the first 3 and last 4 characters: 110***********1234."""
    if not value:
        return "-"
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return "-"
    return value[:3] + "****" + value[-4:] if len(value) == 11 else value
