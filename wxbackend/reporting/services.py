"""上报 (RP-1 … RP-3): the school reports its graduates of a year; each graduate is 新增, 有改动 or 已上报.

A report takes the graduates whose info is new or changed since their last report, stores one
snapshot each (:mod:`wxbackend.reporting.snapshot`, national codes) in a dated batch, and moves each
graduate's last-report pointer (``graduate_report``). Graduates already reported with the same info
are not repeated; the export of a batch lists exactly its snapshots, the columns from the layout file
(``data/report_layout.json``, RP-3). Two reports of one school at once: the school row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL), so the second sees the first's result and finds less to do.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from openpyxl import Workbook
from sqlalchemy import delete, func, insert, select

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, School, User
from wxbackend.core import audit, sheets, signals, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import Conflict, NotFound
from wxbackend.reporting import snapshot
from wxbackend.reporting.models import STATE_LABELS, GraduateReport, ReportBatch, ReportSnapshot

audit.ACTION_LABELS.update({"report.submit": "上报毕业去向信息", "report.deadline": "设置上报截止日期"})


@dataclass(frozen=True)
class Column:
    header: str
    key: str


@cache
def layout() -> tuple[str, tuple[Column, ...]]:
    raw = json.loads(resources.files("wxbackend.data").joinpath("report_layout.json").read_text(encoding="utf-8"))
    return raw["sheet"], tuple(Column(c["header"], c["key"]) for c in raw["columns"])


def header_of(key: str) -> str:
    return next((c.header for c in layout()[1] if c.key == key), key)


@dataclass
class Row:
    """One graduate in the school's report view."""

    graduate_id: int
    data: dict[str, Any]
    state: str
    reported_at: Any = None
    #: Headers of the columns that differ from the last report (有改动).
    changed: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def _last(school_id: int, year: int) -> dict[int, tuple[str, Any, dict[str, Any]]]:
    """{graduate id: (digest, reported_at, data)} of each graduate's last report."""
    rows = db.session.execute(
        select(GraduateReport.graduate_id, GraduateReport.digest, GraduateReport.reported_at, ReportSnapshot.data)
        .join(ReportSnapshot, ReportSnapshot.id == GraduateReport.snapshot_id)
        .join(Graduate, Graduate.id == GraduateReport.graduate_id)
        .where(*snapshot.year_filter(school_id, year)))
    return {gid: (dig, at, data) for gid, dig, at, data in rows}


def rows(school_id: int, year: int) -> list[Row]:
    """Every graduate the school reports for *year*, with their state (RP-1)."""
    current = snapshot.build(school_id, year)
    last = _last(school_id, year)
    out = []
    for gid, data in current.items():
        before = last.get(gid)
        if before is None:
            out.append(Row(gid, data, "new"))
            continue
        dig, at, old = before
        if dig == snapshot.digest(data):
            out.append(Row(gid, data, "reported", at))
        else:
            keys = sorted(set(old) | set(data), key=_column_order)
            out.append(Row(gid, data, "changed", at, [header_of(k) for k in keys if old.get(k) != data.get(k)]))
    return out


def _column_order(key: str) -> int:
    keys = [c.key for c in layout()[1]]
    return keys.index(key) if key in keys else len(keys)


def counts(report_rows: list[Row]) -> dict[str, int]:
    out = dict.fromkeys(STATE_LABELS, 0)
    for r in report_rows:
        out[r.state] += 1
    return out


def report(user: User, school_id: int, year: int) -> ReportBatch:
    """上报: one batch with a snapshot of every new or changed graduate; refused when nothing changed."""
    db.session.execute(select(School.id).where(School.id == school_id).with_for_update())
    todo = [r for r in rows(school_id, year) if r.state != "reported"]
    if not todo:
        raise Conflict("nothing_to_report", "没有新增或有改动的毕业生，无需上报")
    now = timeutil.now()
    batch = ReportBatch(school_id=school_id, graduation_year=year, reported_at=now, reported_by=user.id,
                        new_count=sum(r.state == "new" for r in todo),
                        changed_count=sum(r.state == "changed" for r in todo))
    db.session.add(batch)
    db.session.flush()
    db.session.execute(insert(ReportSnapshot), [
        {"batch_id": batch.id, "graduate_id": r.graduate_id, "state": r.state, "digest": snapshot.digest(r.data),
         "data": r.data} for r in todo])
    db.session.execute(delete(GraduateReport).where(
        GraduateReport.graduate_id.in_(select(ReportSnapshot.graduate_id).where(ReportSnapshot.batch_id == batch.id))))
    db.session.execute(insert(GraduateReport).from_select(
        ["graduate_id", "snapshot_id", "digest", "reported_at"],
        select(ReportSnapshot.graduate_id, ReportSnapshot.id, ReportSnapshot.digest,
               select(ReportBatch.reported_at).where(ReportBatch.id == batch.id).scalar_subquery())
        .where(ReportSnapshot.batch_id == batch.id)))
    # CF-5: a confirmation of what an earlier report said no longer holds
    signals.info_reported.send("reporting", batch_id=batch.id, graduate_ids=[r.graduate_id for r in todo])
    audit.record(actor_for(user), "report.submit", batch, year=year, new=batch.new_count,
                 changed=batch.changed_count, total=len(todo))
    return batch


def batches(school_id: int, year: int | None = None) -> list[tuple[ReportBatch, int]]:
    stmt = (select(ReportBatch, func.count(ReportSnapshot.id)).outerjoin(ReportSnapshot)
            .where(ReportBatch.school_id == school_id).group_by(ReportBatch.id).order_by(ReportBatch.id.desc()))
    if year is not None:
        stmt = stmt.where(ReportBatch.graduation_year == year)
    return [(b, n) for b, n in db.session.execute(stmt)]


def get_batch(school_id: int, batch_id: int) -> ReportBatch:
    batch = db.session.get(ReportBatch, batch_id)
    if batch is None or batch.school_id != school_id:
        raise NotFound()
    return batch


def export(batch: ReportBatch) -> bytes:
    """The batch as xlsx: the layout's columns, one row per snapshot, codes as codes (RP-3)."""
    sheet_name, columns = layout()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_name)
    ws.append([c.header for c in columns] + ["上报状态"])
    for data, state in db.session.execute(select(ReportSnapshot.data, ReportSnapshot.state)
                                          .where(ReportSnapshot.batch_id == batch.id).order_by(ReportSnapshot.id)):
        sheets.append(ws, [str(data.get(c.key, "")) for c in columns] + [STATE_LABELS[state]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def years(school_id: int) -> list[int]:
    """Graduation years the school has graduates of, newest first."""
    found = db.session.scalars(select(func.substr(Graduate.graduate_ym, 1, 4)).where(
        Graduate.school_id == school_id, Graduate.deleted_at.is_(None)).distinct())
    return sorted({int(y) for y in found if y and y.isdigit()}, reverse=True)


def last_report(graduate_id: int) -> tuple[ReportSnapshot, Any] | None:
    """The graduate's last reported snapshot and when it was reported (None: never reported)."""
    row = db.session.execute(
        select(ReportSnapshot, GraduateReport.reported_at)
        .join(GraduateReport, GraduateReport.snapshot_id == ReportSnapshot.id)
        .where(GraduateReport.graduate_id == graduate_id)).first()
    return None if row is None else (row[0], row[1])


def current_digest(graduate: Graduate) -> str | None:
    """The digest a report of *graduate* would carry now (compare with :func:`last_report`)."""
    year = int(graduate.graduate_ym[:4])
    data = snapshot.build(graduate.school_id, year, [graduate.id]).get(graduate.id)
    return None if data is None else snapshot.digest(data)
