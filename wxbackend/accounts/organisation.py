"""Schools, their 院系 and 专业: create, edit, delete when unused — one function per change, each audited.

The console (school reviewers for their own school, the platform admin for schools) and the CLI
call these. Form values come in as a mapping of strings; a refusal is an :class:`ApiError` whose
``fields`` name the form fields (``code``, ``name``, ``department``) with a message for each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, or_, select

from wxbackend.accounts.models import Department, Graduate, Major, School
from wxbackend.core import audit
from wxbackend.core.audit import Actor
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict

SCHOOL_CODE = re.compile(r"^\d{5}$")
#: 院系代码: the school's own short code (A01, 0801, …).
DEPARTMENT_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
#: 专业代码: the national code, e.g. 080901 or 080901K.
MAJOR_CODE = re.compile(r"^[A-Za-z0-9]{1,20}$")
NAME_MAX = 100

#: School switches the platform admin sets: (attribute, label).
SCHOOL_SWITCHES = (
    ("skip_department_review", "不设院系审核（提交直接进入学校审核）"),
    ("archive_module_enabled", "开放档案信息登记"),
    ("hukou_module_enabled", "开放户口信息登记"),
)


def _text(form: Mapping[str, Any], key: str) -> str:
    return str(form.get(key) or "").strip()


def _name(form: Mapping[str, Any], what: str, errors: dict[str, str]) -> str:
    name = _text(form, "name")
    if not name:
        errors["name"] = f"请填写{what}名称"
    elif len(name) > NAME_MAX:
        errors["name"] = f"{what}名称不能超过{NAME_MAX}个字"
    return name


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ApiError("invalid", "；".join(errors.values()), errors)


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the clean *values* on *obj*; returns {field: [before, after]} of those that changed."""
    changes = {k: [getattr(obj, k), v] for k, v in values.items() if getattr(obj, k) != v}
    for key, (_before, after) in changes.items():
        setattr(obj, key, after)
    return changes


def references(table: str, obj_id: int) -> dict[str, int]:
    """How many rows of every table point at row *obj_id* of *table* (foreign keys), by table name.

    Read from the mapped metadata, so a module that adds a table referencing departments or
    majors is counted without this function knowing it.
    """
    counts: dict[str, int] = {}
    for source in db.metadata.sorted_tables:
        for fk in source.foreign_keys:
            if fk.column.table.name == table and fk.column.name == "id":
                n = db.session.scalar(select(func.count()).select_from(source).where(fk.parent == obj_id)) or 0
                if n:
                    counts[source.name] = counts.get(source.name, 0) + n
    return counts


def _in_use_message(what: str, label: str, counts: dict[str, int], graduates_live: int) -> str:
    parts = []
    if counts.get("graduate"):
        deleted = counts["graduate"] - graduates_live
        kept = f"（其中 {deleted} 名已删除，其记录仍保留）" if deleted else ""
        parts.append(f"{counts['graduate']} 名毕业生{kept}")
    if counts.get("major"):
        parts.append(f"{counts['major']} 个专业")
    if counts.get("user_account"):
        parts.append(f"{counts['user_account']} 个审核账号")
    others = sum(n for t, n in counts.items() if t not in ("graduate", "major", "user_account"))
    if others:
        parts.append(f"{others} 条其他记录")
    return f"{what}“{label}”正在使用，不能删除：仍有{'、'.join(parts)}属于该{what}。可以修改名称，或先处理这些记录。"


# --- schools (platform admin) ---------------------------------------------------------------------


def clean_school(form: Mapping[str, Any], school: School | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    code = _text(form, "code")
    if not SCHOOL_CODE.match(code):
        errors["code"] = "学校代码应为5位数字" if code else "请填写学校代码"
    elif db.session.scalar(select(School.id).where(School.code == code,
                                                   School.id != (school.id if school else -1))):
        errors["code"] = f"学校代码 {code} 已存在（属于另一所学校）"
    name = _name(form, "学校", errors)
    if "name" not in errors and db.session.scalar(
            select(School.id).where(School.name == name, School.id != (school.id if school else -1))):
        errors["name"] = "已有同名学校"
    _refuse(errors)
    values: dict[str, Any] = {"code": code, "name": name}
    for key, _label in SCHOOL_SWITCHES:
        values[key] = str(form.get(key) or "") in ("1", "on", "true")
    return values


def create_school(actor: Actor, code: str, name: str, **switches: bool) -> School:
    """Add a school (5-digit 学校代码, name, module switches)."""
    values = clean_school({"code": code, "name": name,
                           **{k: "1" if v else "" for k, v in switches.items()}})
    if not switches:  # the model's defaults, as before switches could be given
        for key in ("skip_department_review", "archive_module_enabled", "hukou_module_enabled"):
            values.pop(key)
    school = School(**values)
    db.session.add(school)
    db.session.flush()
    audit.record(actor, "school.create", school, school_id=school.id, code=school.code, name=school.name)
    return school


def update_school(actor: Actor, school: School, form: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Change a school's code, name and switches; returns {field: [before, after]}."""
    values = clean_school(form, school)
    changes = apply_changes(school, values)
    if changes:
        audit.record(actor, "school.update", school, school_id=school.id, changes=changes)
    return changes


def _refuse_in_use(table: str, obj_id: int, label: str, name: str, graduate_column: Any) -> None:
    """A 409 naming what still refers to the row (and how many of its graduates are live), else nothing."""
    counts = references(table, obj_id)
    if counts:
        live = db.session.scalar(select(func.count(Graduate.id)).where(
            graduate_column == obj_id, Graduate.deleted_at.is_(None))) or 0
        raise Conflict("in_use", _in_use_message(label, name, counts, live))


# --- departments ----------------------------------------------------------------------------------


def _clean_department(school_id: int, form: Mapping[str, Any], dept: Department | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    code = _text(form, "code")
    if not code:
        errors["code"] = "请填写院系代码"
    elif not DEPARTMENT_CODE.match(code):
        errors["code"] = "院系代码只能包含字母、数字、- 和 _，不超过20位"
    name = _name(form, "院系", errors)
    others = select(Department).where(Department.school_id == school_id,
                                      Department.id != (dept.id if dept else -1))
    if "code" not in errors and db.session.scalar(
            others.where(or_(Department.code == code, Department.name == code))):
        errors["code"] = f"院系代码 {code} 已被其他院系使用"
    if "name" not in errors and db.session.scalar(
            others.where(or_(Department.name == name, Department.code == name))):
        errors["name"] = "本校已有同名院系"
    _refuse(errors)
    return {"code": code, "name": name}


def create_department(actor: Actor, school_id: int, form: Mapping[str, Any]) -> Department:
    values = _clean_department(school_id, form, None)
    dept = Department(school_id=school_id, **values)
    db.session.add(dept)
    db.session.flush()
    audit.record(actor, "department.create", dept, **values)
    return dept


def update_department(actor: Actor, dept: Department, form: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Rename or recode a department; graduates keep pointing at it (by id)."""
    values = _clean_department(dept.school_id, form, dept)
    changes = apply_changes(dept, values)
    if changes:
        audit.record(actor, "department.update", dept, changes=changes)
    return changes


def delete_department(actor: Actor, dept: Department) -> None:
    """Delete a department nothing refers to (no graduate — even a deleted one —, major or account)."""
    _refuse_in_use("department", dept.id, "院系", dept.name, Graduate.department_id)
    audit.record(actor, "department.delete", dept, code=dept.code, name=dept.name)
    db.session.delete(dept)
    db.session.flush()


# --- majors ---------------------------------------------------------------------------------------


def _clean_major(school_id: int, form: Mapping[str, Any], major: Major | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    raw_dept = _text(form, "department")
    dept = None
    if raw_dept.isdigit():
        dept = db.session.get(Department, int(raw_dept))
    if dept is None or dept.school_id != school_id:
        errors["department"] = "请选择所属院系"
    code = _text(form, "code").upper()
    if not code:
        errors["code"] = "请填写专业代码"
    elif not MAJOR_CODE.match(code):
        errors["code"] = "专业代码只能包含字母和数字，不超过20位，如 080901"
    name = _name(form, "专业", errors)
    if dept is not None and "department" not in errors:
        others = select(Major.id).where(Major.department_id == dept.id, Major.id != (major.id if major else -1))
        if "code" not in errors and db.session.scalar(others.where(or_(Major.code == code, Major.name == code))):
            errors["code"] = f"该院系已有专业代码 {code}"
        if "name" not in errors and db.session.scalar(others.where(or_(Major.name == name, Major.code == name))):
            errors["name"] = "该院系已有同名专业"
        if major is not None and dept.id != major.department_id and db.session.scalar(
                select(Graduate.id).where(Graduate.major_id == major.id).limit(1)):
            errors["department"] = "已有毕业生属于该专业，不能改到其他院系（毕业生的院系会与专业不一致）"
    _refuse(errors)
    assert dept is not None
    return {"department_id": dept.id, "code": code, "name": name}


def create_major(actor: Actor, school_id: int, form: Mapping[str, Any]) -> Major:
    values = _clean_major(school_id, form, None)
    major = Major(school_id=school_id, **values)
    db.session.add(major)
    db.session.flush()
    audit.record(actor, "major.create", major, **values)
    return major


def update_major(actor: Actor, major: Major, form: Mapping[str, Any]) -> dict[str, list[Any]]:
    values = _clean_major(major.school_id, form, major)
    changes = apply_changes(major, values)
    if changes:
        audit.record(actor, "major.update", major, changes=changes)
    return changes


def delete_major(actor: Actor, major: Major) -> None:
    """Delete a major no graduate (not even a deleted one) belongs to."""
    _refuse_in_use("major", major.id, "专业", major.name, Graduate.major_id)
    audit.record(actor, "major.delete", major, code=major.code, name=major.name,
                 department_id=major.department_id)
    db.session.delete(major)
    db.session.flush()


def department_of_school(school_id: int | None, department_id: Any) -> Department | None:
    """The department *department_id* if it belongs to *school_id*."""
    raw = str(department_id or "").strip()
    if school_id is None or not raw.isdigit():
        return None
    dept = db.session.get(Department, int(raw))
    return dept if dept is not None and dept.school_id == school_id else None

