"""The graduate's basic info as fig. 4 shows it: labels in order, codes rendered as names."""

from __future__ import annotations

from dataclasses import dataclass

from wxbackend.accounts.models import Graduate
from wxbackend.core.codes import code_list, region_name

MSG_READONLY = (
    "基本信息不能自行修改。手机号码、电子邮箱请登录学信网在账号信息中修改，下次登录时自动更新；"
    "其他信息有误请联系所在院系，由学校就业管理部门更正。"
)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: str


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "-"
    return "是" if value else "否"


def _text(value: object) -> str:
    if value is None or value == "":
        return "-"
    return str(value)


def basic_info_rows(graduate: Graduate) -> list[Row]:
    """Fig. 4, top to bottom; 定向/委培单位 only for directed graduates."""
    g = graduate
    rows = [
        Row("exam_no", "考生号", _text(g.exam_no)),
        Row("name", "姓名", g.name),
        Row("id_number", "身份证号", g.id_number),
        Row("school", "毕业院校", g.school.name),
        Row("education", "学历", code_list("education").label(g.education)),
        Row("gender", "性别", code_list("gender").label(g.gender)),
        Row("ethnicity", "民族", code_list("ethnicity").label(g.ethnicity)),
        Row("political_status", "政治面貌", code_list("political_status").label(g.political_status)),
        Row("training_mode", "培养方式", code_list("training_mode").label(g.training_mode)),
    ]
    if g.is_directed:
        rows.append(Row("sponsor_unit", "定向/委培单位", _text(g.sponsor_unit)))
    rows += [
        Row("origin_region", "生源所在地", region_name(g.origin_region)),
        Row("enrol_ym", "入学时间", g.enrol_ym),
        Row("graduate_ym", "毕业时间", g.graduate_ym),
        Row("student_no", "学号", _text(g.student_no)),
        Row("department", "院系", g.department.name),
        Row("major", "专业", g.major.name),
        Row("schooling_years", "学制", str(g.schooling_years)),
        Row("archive_at_school", "档案是否转入学校", _yes_no(g.archive_at_school)),
        Row("hukou_at_school", "户口是否转入学校", _yes_no(g.hukou_at_school)),
        Row("email", "电子邮箱", _text(g.email)),
        Row("phone", "手机号码", _text(g.phone)),
    ]
    return rows
