"""A school with two departments, their majors and reviewers, shared by the console tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from wxbackend.accounts.models import Department, Major, School, User


@dataclass
class Org:
    school: School
    dept_a: Department
    dept_b: Department
    major_a: Major
    major_a2: Major
    major_b: Major
    school_user: User
    dept_a_user: User
    dept_b_user: User


@pytest.fixture()
def org(make_school: Any, make_department: Any, make_major: Any, make_user: Any) -> Org:
    school = make_school(name="北京测试大学")
    dept_a = make_department(school, code="A01", name="计算机学院")
    dept_b = make_department(school, code="B01", name="外国语学院")
    major_a = make_major(dept_a, code="080901", name="计算机科学与技术")
    major_a2 = make_major(dept_a, code="080902", name="软件工程")
    major_b = make_major(dept_b, code="050201", name="英语")
    return Org(
        school=school, dept_a=dept_a, dept_b=dept_b, major_a=major_a, major_a2=major_a2, major_b=major_b,
        school_user=make_user("school", school_id=school.id, display_name="学校老师"),
        dept_a_user=make_user("department", school_id=school.id, department_id=dept_a.id,
                              display_name="计院老师"),
        dept_b_user=make_user("department", school_id=school.id, department_id=dept_b.id,
                              display_name="外院老师"),
    )
