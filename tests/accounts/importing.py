"""Helpers for import tests: build graduate rows and write them as .xlsx or .csv."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from tests.factories import id_number
from wxbackend.accounts.validation import FIELDS

LABELS = list(FIELDS.values())


def good_row(n: int, dept: str = "计算机学院", major: str = "计算机科学与技术",
             **over: Any) -> dict[str, Any]:
    """A valid row keyed by field; *n* makes the 身份证号 and 学号 unique."""
    gender = over.pop("gender", "1")
    row: dict[str, Any] = {
        "exam_no": "",
        "name": f"学生{n}",
        "id_number": id_number(gender=gender, seq=n, birth=f"2002{(n // 28) % 12 + 1:02d}{n % 28 + 1:02d}"),
        "education": "本科",
        "gender": "男" if gender == "1" else "女",
        "ethnicity": "汉族",
        "political_status": "共青团员",
        "training_mode": "非定向",
        "sponsor_unit": "",
        "origin_region": "110101",
        "enrol_ym": "202209",
        "graduate_ym": "202606",
        "student_no": f"S{n:06d}",
        "department": dept,
        "major": major,
        "schooling_years": 4,
        "archive_at_school": "是",
        "hukou_at_school": "否",
        "email": f"s{n}@example.com",
        "phone": f"139{n:08d}",
    }
    row.update(over)
    return row


def xlsx_bytes(rows: list[dict[str, Any]], labels: list[str] | None = None,
               title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    labels = labels or LABELS
    ws.append(labels)
    keys = list(FIELDS)
    for row in rows:
        ws.append([row.get(k) for k in keys])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict[str, Any]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LABELS)
    for row in rows:
        writer.writerow([row.get(k, "") for k in FIELDS])
    return out.getvalue().encode(encoding)
