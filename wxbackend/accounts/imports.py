"""Spreadsheet import of graduates' basic information (§1, L-6).

A school uploads .xlsx or .csv. File-level problems (wrong type, broken file, missing
header columns, no data rows, too many rows) are refused up front and change nothing.
Each data row is validated with :func:`validation.clean_graduate`; bad rows are reported
with their sheet row number and reason, good rows are kept: new 身份证号 are inserted,
known ones (live graduates of the school) are updated. Work is done in chunks, each one
transaction, with bulk SQL and the batch's progress updated per chunk.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import String, and_, bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from stdnum.cn import ric

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Department, Graduate, ImportBatch, Major, User
from wxbackend.accounts.validation import (
    CODED_FIELDS,
    FIELDS,
    GRADUATE_COLUMNS,
    REQUIRED,
    OrgIndex,
    clean_graduate,
    normalise_id_number,
)
from wxbackend.core import audit, bulk, sheets, signals, timeutil
from wxbackend.core.audit import Actor, AuditEvent
from wxbackend.core.codes import code_list, region_name
from wxbackend.core.db import db

log = logging.getLogger(__name__)

#: A file with more data rows than this is refused.
MAX_ROWS = 50_000
#: Rows per transaction; progress is visible after each.
CHUNK_ROWS = 500
#: Rows of the error table shown on the page (the download has all of them).
ERRORS_SHOWN = 1000
#: Where the header row may be (a title line above it is tolerated).
HEADER_SEARCH_ROWS = 5

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "毕业生基本信息"

#: The template's example row; an untouched copy of it in an upload is skipped, not imported.
EXAMPLE_ID_NUMBER = "11010120020315001" + ric.calc_check_digit("11010120020315001" + "0")
EXAMPLE_NAME = "张三（示例）"

#: List-valued fields and the code list behind each, for the template's code sheet.
CODE_FIELDS = {**CODED_FIELDS, "archive_at_school": "yes_no", "hukou_at_school": "yes_no"}
YM_FIELDS = ("enrol_ym", "graduate_ym")

HINTS = {
    "id_number": "18位，末位校验位；请设为文本格式",
    "enrol_ym": "年月，如 202209",
    "graduate_ym": "年月，如 202606",
    "origin_region": "6位行政区划代码或全称，如 110101 或 北京市东城区",
    "department": "院系代码或名称",
    "major": "专业代码或名称（须属于该院系）",
    "schooling_years": "年，1–10",
    "sponsor_unit": "培养方式为定向/委培时必填",
}


class ImportRefused(Exception):
    """The whole file cannot be imported; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading ---------------------------------------------------------------------


def sniff_kind(filename: str, content: bytes) -> str:
    """Return ``xlsx`` or ``csv`` from the name *and* the bytes, or refuse the file."""
    name = (filename or "").strip().lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if not content:
        raise ImportRefused("文件是空的，请选择填写好的毕业生信息表")
    if ext not in ("xlsx", "csv"):
        raise ImportRefused("只支持 .xlsx 或 .csv 文件，请使用下载的模板填写")
    head = content[:8]
    if head.startswith(b"%PDF"):
        raise ImportRefused("这是一个 PDF 文件，不是表格；请上传 .xlsx 或 .csv 文件")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused("这是旧版 Excel（.xls）或其他 Office 文件，请在 Excel 中另存为 .xlsx 后再导入")
    if ext == "xlsx":
        if not head.startswith(b"PK"):
            raise ImportRefused("文件不是有效的 .xlsx 表格（可能已损坏，或只是改了扩展名）")
        return "xlsx"
    if head.startswith(b"PK"):
        raise ImportRefused("文件内容是压缩包或 .xlsx 表格，但扩展名是 .csv；请改用正确的扩展名")
    if b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused("文件不是文本格式的 CSV（含有二进制内容）")
    return "csv"


def cell_text(value: Any, key: str | None = None) -> str:
    """Normalise a spreadsheet cell (str, int, float, datetime, bool) to text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date):
        return value.strftime("%Y%m" if key in YM_FIELDS else "%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).replace("\u3000", " ").strip()


def _blank(values: tuple[Any, ...] | list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def normalise_label(label: Any) -> str:
    """``" *身份证号 "`` / ``"入学时间（YYYYMM）"`` → the bare label used in FIELDS."""
    text = cell_text(label)
    text = re.sub(r"[\s\u3000]+", "", text).lstrip("*＊")
    return text.replace("（", "(").replace("）", ")")


_NORMALISED = {normalise_label(v): k for k, v in FIELDS.items()}


def field_for_label(label: Any) -> str | None:
    text = normalise_label(label)
    if not text:
        return None
    if text in _NORMALISED:
        return _NORMALISED[text]
    bare = re.sub(r"\(.*\)$", "", text)  # a note in brackets after the label
    return _NORMALISED.get(bare)


@dataclass
class Table:
    """An opened upload: the header's column map and a way to walk its data rows."""

    kind: str
    columns: dict[str, int]
    header_row: int
    #: Data rows announced by the file (xlsx dimension); None when it does not say.
    estimated_rows: int | None
    _rows: Iterator[tuple[int, tuple[Any, ...]]]
    _closer: Any = None

    def data_rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Yield (sheet row number, values) of non-blank rows after the header."""
        try:
            for number, values in self._rows:
                if number <= self.header_row or _blank(values):
                    continue
                yield number, values
        except ImportRefused:
            raise
        except Exception as exc:
            raise ImportRefused(f"表格内容无法读取（文件可能已损坏或不完整）：{type(exc).__name__}") from exc

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
            self._closer = None


def open_table(content: bytes, kind: str) -> Table:
    """Open *content*, find and check the header row; refuse what cannot be imported."""
    if kind == "xlsx":
        rows, estimated, closer = _open_xlsx(content)
    else:
        rows, estimated, closer = _open_csv(content), None, None
    try:
        header_row, columns, head = _find_header(rows)
    except Exception as exc:
        if closer:
            closer()
        if isinstance(exc, ImportRefused):
            raise
        raise ImportRefused(f"表格内容无法读取（文件可能已损坏或不完整）：{type(exc).__name__}") from exc
    if estimated is not None:
        estimated = max(estimated - header_row, 0)

    def chained() -> Iterator[tuple[int, tuple[Any, ...]]]:
        yield from head
        yield from rows

    return Table(kind, columns, header_row, estimated, chained(), closer)


def _open_xlsx(content: bytes) -> tuple[Iterator[tuple[int, tuple[Any, ...]]], int | None, Any]:
    """The first sheet's rows, read by calamine (Rust): a tenth of openpyxl's time for the same file.

    Cells come as str ('' for an empty one), int/float, bool, date/datetime/time or timedelta —
    what ``cell_text`` turns into text. The rows are the cells the sheet really holds, whatever its
    ``<dimension>`` claims."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as exc:  # not a zip, no workbook part
        raise ImportRefused("文件不是有效的 .xlsx 表格（可能已损坏、不完整，或只是改了扩展名）") from exc
    if not workbook.sheet_names:
        raise ImportRefused("表格中没有工作表")
    try:
        # the whole sheet is parsed here: a file cut off after its first rows is refused at the upload
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:
        workbook.close()
        raise ImportRefused(f"表格内容无法读取（文件可能已损坏或不完整）：{type(exc).__name__}") from exc
    last = sheet.end[0] + 1 if sheet.end else 0  # the last row holding a cell, numbered from 1
    estimated = last if last > 1 else None

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        # calamine starts at the first row holding a cell; number the rows as the sheet does
        for number, values in enumerate(sheet.iter_rows(), start=sheet.start[0] + 1 if sheet.start else 1):
            yield number, tuple(values)

    return rows(), estimated, workbook.close


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")  # Excel on Chinese Windows
    except UnicodeDecodeError:
        raise ImportRefused("CSV 文件编码无法识别，请保存为 UTF-8 或 GB18030（GBK）编码") from None


def _open_csv(content: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        raise ImportRefused("CSV 文件编码无法识别，请保存为 UTF-8 或 GB18030（GBK）编码") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            for number, values in enumerate(reader, start=1):
                yield number, tuple(values)
        except csv.Error as exc:
            raise ImportRefused(f"CSV 文件第{reader.line_num}行格式有误：{exc}") from exc

    return rows()


def _find_header(
    rows: Iterator[tuple[int, tuple[Any, ...]]],
) -> tuple[int, dict[str, int], list[tuple[int, tuple[Any, ...]]]]:
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    if not head or all(_blank(v) for _, v in head):
        raise ImportRefused("表格是空的：没有表头，也没有数据行")
    for number, values in head:
        found: dict[str, int] = {}
        duplicated: list[str] = []
        for col, label in enumerate(values):
            key = field_for_label(label)
            if key is None:
                continue
            if key in found:
                duplicated.append(FIELDS[key])
            found[key] = col
        if "id_number" not in found and "name" not in found:
            continue
        if duplicated:
            raise ImportRefused("表头中这些列出现了不止一次：" + "、".join(dict.fromkeys(duplicated)))
        missing = [FIELDS[k] for k in REQUIRED if k not in found]
        if missing:
            raise ImportRefused("表头缺少必填列：" + "、".join(missing) + "。请使用下载的模板")
        return number, found, [(n, v) for n, v in head if n > number]
    raise ImportRefused("找不到表头行（前5行中没有“姓名”“身份证号”等列名），请使用下载的模板")


def row_raw(table: Table, values: tuple[Any, ...]) -> dict[str, Any]:
    """Map one row's cells to field keys."""
    out: dict[str, Any] = {}
    for key, col in table.columns.items():
        out[key] = values[col] if col < len(values) else None
    return out


# --- starting a batch ----------------------------------------------------------------


@dataclass
class Started:
    batch: ImportBatch
    inline: bool


def start_import(actor: Actor, user: User, filename: str, content: bytes,
                 created: Callable[[ImportBatch], object] | None = None) -> Started:
    """Check the upload and either import it now (small) or queue the job (large).

    Raises :class:`ImportRefused` for file-level problems; nothing is stored then. *created* is
    called with the new batch before it is committed (the console records its one-time form key).
    """
    if user.role != "school" or user.school_id is None:
        raise ImportRefused("只有学校管理员可以导入毕业生基本信息")
    kind = sniff_kind(filename, content)
    inline_max = current_app.config["SETTINGS"].IMPORT_INLINE_MAX_ROWS
    table = open_table(content, kind)
    try:
        if kind == "csv":
            rows = list(table.data_rows())  # cheap: count them all up front
            total = len(rows)
        else:
            rows = list(islice(table.data_rows(), inline_max + 1))
            total = len(rows) if len(rows) <= inline_max else max(table.estimated_rows or 0, len(rows))
    finally:
        table.close()
    if not rows:
        raise ImportRefused("表格中没有数据行（只有表头）")
    if total <= inline_max and all(is_example(row_raw(table, values)) for _n, values in rows):
        raise ImportRefused(
            "表格中没有数据行：只有表头和示例行（示例行不会导入），请在示例行下方填写毕业生信息后再上传")
    if total > MAX_ROWS:
        raise ImportRefused(f"表格有{total}行数据，超过单次导入上限{MAX_ROWS}行，请拆分后分批导入")

    batch = ImportBatch(
        school_id=user.school_id,
        uploaded_by=user.id,
        filename=(filename or "upload")[-200:],
        file_kind=kind,
        content=content,
        state="queued",
        total_rows=total,
    )
    db.session.add(batch)
    db.session.flush()
    if created is not None:
        created(batch)
    if total <= inline_max:
        batch.state = "running"
        batch.attempts = 1
        batch.heartbeat_at = timeutil.now()
        db.session.commit()
        _guarded(batch.id, actor, lambda: _process(batch, actor, table.columns, rows))
        return Started(batch, True)

    from wxbackend.core.jobs import enqueue

    enqueue("jobs.imports.import_graduates", batch.id)
    db.session.commit()
    return Started(batch, False)


def run_batch(batch_id: int) -> None:
    """The job body: import a queued batch, or resume one whose earlier run was cut off.

    The batch is claimed with an UPDATE of a ``queued`` row, so of two copies of the job (a
    retried enqueue, a relayed one) one imports and the other returns. A batch with progress
    (committed chunk by chunk) resumes after its last committed row; the rows before it are
    read again only to rebuild the duplicate check.
    """
    now = timeutil.now()
    claimed = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.state == "queued")
        .values(state="running", heartbeat_at=now, attempts=ImportBatch.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    if not claimed:
        return  # finished, or running elsewhere (recover_stale notices if that run died)
    batch = db.session.get(ImportBatch, batch_id, populate_existing=True)
    assert batch is not None
    if batch.processed_rows == 0:
        batch.created_count = batch.updated_count = batch.error_count = 0
        batch.errors = None
        db.session.commit()
    uploader = db.session.get(User, batch.uploaded_by)
    actor = actor_for(uploader) if uploader else audit.SYSTEM
    _guarded(batch_id, actor, lambda: _read_and_process(batch, actor))


#: A running batch whose job has not committed progress for this long lost its worker.
STALE_AFTER_SECONDS = 600
#: Starts of the job on one batch before a cut-off import is failed instead of resumed.
MAX_ATTEMPTS = 3


def recover_stale(stale_after: int = STALE_AFTER_SECONDS) -> dict[str, int]:
    """Find imports left ``running`` by a killed worker (or ``queued`` with no job) and resume or fail them.

    Resuming puts the batch back to ``queued`` and enqueues the job, which continues after the
    last committed chunk; after :data:`MAX_ATTEMPTS` starts the batch fails with the reason, the
    rows already imported kept. Returns {"resumed": n, "failed": n}.
    """
    from wxbackend.core.jobs import enqueue

    cutoff = timeutil.now() - timedelta(seconds=stale_after)
    beat = func.coalesce(ImportBatch.heartbeat_at, ImportBatch.created_at)
    rows = db.session.scalars(
        select(ImportBatch).where(ImportBatch.state.in_(("queued", "running")), beat < cutoff)
        .order_by(ImportBatch.id).with_for_update(skip_locked=True)).all()
    out = {"resumed": 0, "failed": 0}
    for batch in rows:
        if batch.state == "running" and batch.attempts >= MAX_ATTEMPTS:
            reason = (f"导入任务中断了{batch.attempts}次，已停止；已导入的{batch.processed_rows}行保留，"
                      "请重新上传该文件（已导入的行不会重复）或联系平台管理员")
            batch.state = "failed"
            batch.failure = reason
            batch.finished_at = timeutil.now()
            audit.record(audit.SYSTEM, "import.failed", batch, reason=reason, filename=batch.filename)
            out["failed"] += 1
            continue
        audit.record(audit.SYSTEM, "import.resumed", batch, after_rows=batch.processed_rows,
                     was=batch.state, attempts=batch.attempts)
        batch.state = "queued"
        batch.heartbeat_at = timeutil.now()
        enqueue("jobs.imports.import_graduates", batch.id)
        out["resumed"] += 1
    db.session.commit()
    if any(out.values()):
        log.warning("stale imports: %s", out)
    return out


def _read_and_process(batch: ImportBatch, actor: Actor) -> None:
    table = open_table(batch.content or b"", batch.file_kind)
    try:
        rows = []
        for item in table.data_rows():
            rows.append(item)
            if len(rows) > MAX_ROWS:
                raise ImportRefused(f"表格数据超过单次导入上限{MAX_ROWS}行，请拆分后分批导入")
    finally:
        table.close()
    if not rows:
        raise ImportRefused("表格中没有数据行（只有表头）")
    batch.total_rows = len(rows)
    db.session.commit()
    _process(batch, actor, table.columns, rows, resume=True)


def _guarded(batch_id: int, actor: Actor, work: Any) -> None:
    """Run *work*; a refused file or an unexpected error ends the batch as failed."""
    try:
        work()
    except ImportRefused as refused:
        db.session.rollback()
        _fail(batch_id, actor, refused.message)
    except OperationalError:
        db.session.rollback()
        raise  # a database hiccup: let the job retry
    except Exception:
        log.exception("import batch %s failed", batch_id)
        db.session.rollback()
        _fail(batch_id, actor, "导入过程中发生内部错误，已导入的部分保留；请稍后重新导入或联系平台管理员")


def _fail(batch_id: int, actor: Actor, message: str) -> None:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        return
    batch.state = "failed"
    batch.failure = message
    batch.finished_at = timeutil.now()
    audit.record(actor, "import.failed", batch, reason=message, filename=batch.filename)
    db.session.commit()


# --- processing rows -----------------------------------------------------------------


def _process(batch: ImportBatch, actor: Actor, columns: dict[str, int],
             rows: list[tuple[int, tuple[Any, ...]]], resume: bool = False) -> None:
    """Validate and upsert *rows* chunk by chunk, committing progress after each.

    With *resume*, the rows a cut-off run already committed (``processed_rows``) are only checked
    again for the duplicate check, and the counts go on from the batch's.
    """
    batch_id, school_id = batch.id, batch.school_id
    orgs = OrgIndex.for_school(school_id)
    table = Table(batch.file_kind, columns, 0, None, iter(()))
    first_seen: dict[str, int] = {}
    errors: list[dict[str, object]] = []
    created = updated = processed = 0
    if resume and batch.processed_rows:
        processed = min(batch.processed_rows, len(rows))
        for number, values in rows[:processed]:
            _check_row(number, row_raw(table, values), orgs, first_seen)
        created, updated = batch.created_count, batch.updated_count
        errors = list(batch.errors or [])
    for start in range(processed, len(rows), CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        good: list[tuple[int, dict[str, Any]]] = []
        for number, values in chunk:
            raw = row_raw(table, values)
            error, values = _check_row(number, raw, orgs, first_seen)
            if error is not None:
                errors.append(error)
            elif values is not None:
                good.append((number, values))
        c, u = _upsert_chunk(batch_id, school_id, actor, good)
        created += c
        updated += u
        processed += len(chunk)
        batch = db.session.get(ImportBatch, batch_id)  # type: ignore[assignment]
        batch.processed_rows = processed
        batch.created_count = created
        batch.updated_count = updated
        batch.error_count = len(errors)
        batch.heartbeat_at = timeutil.now()
        if errors and len(errors) != len(batch.errors or []):
            batch.errors = list(errors)
        db.session.commit()

    batch = db.session.get(ImportBatch, batch_id)  # type: ignore[assignment]
    batch.state = "done"
    batch.finished_at = timeutil.now()
    batch.errors = list(errors)
    audit.record(actor, "import.finished", batch, filename=batch.filename, total=batch.total_rows,
                 created=created, updated=updated, unchanged=processed - created - updated - len(errors),
                 errors=len(errors))
    db.session.commit()


def is_example(raw: dict[str, Any]) -> bool:
    """Whether *raw* is the template's example row, left in unchanged."""
    return (normalise_id_number(cell_text(raw.get("id_number"), "id_number")) == EXAMPLE_ID_NUMBER
            and cell_text(raw.get("name"), "name") == EXAMPLE_NAME)


def _check_row(number: int, raw: dict[str, Any], orgs: OrgIndex,
               first_seen: dict[str, int]) -> tuple[dict[str, object] | None, dict[str, Any] | None]:
    """Return (error entry, None), (None, clean values), or (None, None) to skip the row."""
    if is_example(raw):
        return None, None  # the template's example row, left in
    texts = {k: cell_text(v, k) for k, v in raw.items()}
    idn = normalise_id_number(texts.get("id_number"))
    problems: list[tuple[str, str, str]] = []
    id_cell = raw.get("id_number")
    numeric_id = isinstance(id_cell, int | float) and not isinstance(id_cell, bool)
    values, errs = clean_graduate(texts, orgs)
    if numeric_id and "id_number" in errs:
        errs["id_number"] = "身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本格式后重新填写"
    for key, message in errs.items():
        problems.append((FIELDS.get(key, key), texts.get(key, ""), message))
    if idn and "id_number" not in errs:
        earlier = first_seen.get(idn)
        if earlier is not None:
            problems.insert(0, ("身份证号", idn, f"身份证号与第{earlier}行重复"))
        else:
            first_seen[idn] = number
    if problems:
        return {
            "row": number,
            "field": "；".join(p[0] for p in problems),
            "value": "；".join(p[1] for p in problems),
            "message": "；".join(p[2] for p in problems),
        }, None
    return None, values


_UPDATE_PARAMS = {col: f"v_{col}" for col in GRADUATE_COLUMNS}


def _upsert_chunk(batch_id: int, school_id: int, actor: Actor,
                  good: list[tuple[int, dict[str, Any]]]) -> tuple[int, int]:
    """Insert new and update changed graduates of one chunk in bulk; return (created, updated)."""
    if not good:
        return 0, 0
    for attempt in range(3):
        try:
            return _upsert_once(batch_id, school_id, actor, good)
        except IntegrityError:
            # someone added one of these 身份证号 meanwhile: re-read and try again
            db.session.rollback()
            if attempt == 2:
                raise
    return 0, 0


def _upsert_once(batch_id: int, school_id: int, actor: Actor,
                 good: list[tuple[int, dict[str, Any]]]) -> tuple[int, int]:
    g = Graduate.__table__
    cols = [g.c[name] for name in GRADUATE_COLUMNS]
    ids = [v["id_number"] for _, v in good]
    with _custom_plans():
        existing = {
            r.id_number: r
            for r in db.session.execute(
                # one array parameter, not 500 placeholders: psycopg and the planner handle it in a fraction
                select(g.c.id, *cols).where(g.c.school_id == school_id, bulk.in_(g.c.id_number, ids, String),
                                            g.c.deleted_at.is_(None))
            )
        }
    now = timeutil.now()
    inserts: list[dict[str, Any]] = []
    insert_rows: list[int] = []
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number, values in good:
        clean = {k: values.get(k) for k in GRADUATE_COLUMNS}
        old = existing.get(values["id_number"])
        if old is None:
            inserts.append({"school_id": school_id, **clean, "created_at": now, "updated_at": now})
            insert_rows.append(number)
            continue
        changes = {k: [getattr(old, k), v] for k, v in clean.items() if getattr(old, k) != v}
        if not changes:
            continue
        params = {_UPDATE_PARAMS[k]: v for k, v in clean.items()}
        updates.append({"_id": old.id, "v_updated_at": now, **params})
        events.append(_event(actor, "graduate.import_update", old.id, school_id, now,
                             {"batch_id": batch_id, "row": number, "changes": changes}))
    if inserts:
        # plain executemany (pipelined by psycopg) and one SELECT for the new ids: much
        # cheaper than INSERT .. RETURNING with thousands of placeholders
        db.session.execute(insert(g), inserts)
        with _custom_plans():
            new_ids = dict(db.session.execute(
                select(g.c.id_number, g.c.id).where(g.c.school_id == school_id, g.c.deleted_at.is_(None),
                                                    bulk.in_(g.c.id_number, [v["id_number"] for v in inserts],
                                                             String))
            ).all())
        for values, number in zip(inserts, insert_rows, strict=True):
            changes = {k: [None, values[k]] for k in GRADUATE_COLUMNS if values[k] is not None}
            new_id = new_ids[values["id_number"]]
            events.append(_event(actor, "graduate.import_create", new_id, school_id, now,
                                 {"batch_id": batch_id, "row": number, "changes": changes}))
    if updates:
        stmt = (
            update(g)
            .where(and_(g.c.id == bindparam("_id")))
            .values({**{k: bindparam(p) for k, p in _UPDATE_PARAMS.items()},
                     "updated_at": bindparam("v_updated_at")})
        )
        db.session.execute(stmt, updates)
    if events:
        bulk.insert_rows(AuditEvent.__table__, events)  # COPY on PostgreSQL
        changed = [e["object_id"] for e in events]
        signals.basic_info_changed.send("accounts", graduate_ids=changed, action="import", actor=actor)
    return len(inserts), len(updates)


@contextmanager
def _custom_plans() -> Iterator[None]:
    """PostgreSQL: plan the block's lookups by 身份证号 for their own array, then back to the default.

    psycopg prepares a statement run five times, and PostgreSQL may then keep one generic plan for any
    array: it compares every row with the 500 numbers one by one, where a plan for this chunk's own
    array hashes them (a first import into a table not analyzed yet: 40 ms → 2 ms a lookup). The
    INSERTs between keep the default: planned once, executed 500 times."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    if postgres:
        db.session.execute(text("SET LOCAL plan_cache_mode = auto"))


def _event(actor: Actor, action: str, graduate_id: int, school_id: int, now: datetime,
           data: dict[str, Any]) -> dict[str, Any]:
    ip = ua = None
    if has_request_context():
        ip = request.remote_addr
        ua = (request.user_agent.string or "")[:300] or None
    return {
        "created_at": now,
        "actor_type": actor.actor_type,
        "actor_id": actor.actor_id,
        "actor_name": actor.name,
        "role": actor.role,
        "action": action,
        "object_type": "graduate",
        "object_id": graduate_id,
        "school_id": school_id,
        "ip": ip,
        "user_agent": ua,
        # already JSON: ids, the row number, and the cleaned values (str, int, bool, None) before and after
        "data": data,
    }


# --- templates and error download ------------------------------------------------------


def _labels() -> list[str]:
    return [("*" if k in REQUIRED else "") + label for k, label in FIELDS.items()]


def example_row(school_id: int | None) -> dict[str, str]:
    """One filled-in example, using the school's own first department and major when it has one."""
    dept_name, major_name = "计算机学院", "计算机科学与技术"
    if school_id is not None:
        row = db.session.execute(
            select(Department.name, Major.name)
            .join(Major, Major.department_id == Department.id)
            .where(Department.school_id == school_id)
            .order_by(Department.code, Major.code)
            .limit(1)
        ).first()
        if row:
            dept_name, major_name = row
    return {
        "exam_no": "22110101123456",
        "name": EXAMPLE_NAME,
        "id_number": EXAMPLE_ID_NUMBER,
        "education": "本科",
        "gender": "男",
        "ethnicity": "汉族",
        "political_status": "共青团员",
        "training_mode": "非定向",
        "sponsor_unit": "",
        "origin_region": "110101",
        "enrol_ym": "202209",
        "graduate_ym": "202606",
        "student_no": "2022000001",
        "department": dept_name,
        "major": major_name,
        "schooling_years": "4",
        "archive_at_school": "是",
        "hukou_at_school": "否",
        "email": "zhangsan@example.com",
        "phone": "13800138000",
    }


def template_xlsx(school_id: int | None) -> bytes:
    """The import template: data sheet (header, hints, example) and the valid code values."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    keys = list(FIELDS)
    ws.append(_labels())
    example = example_row(school_id)
    ws.append([example[k] for k in keys])
    bold, red = Font(bold=True), Font(bold=True, color="C0392B")
    fill = PatternFill("solid", fgColor="EEF3FA")
    for i, key in enumerate(keys, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = red if key in REQUIRED else bold
        cell.fill = fill
        if key in HINTS:
            cell.comment = Comment(HINTS[key], "模板")
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = 22 if key in ("id_number", "origin_region", "sponsor_unit") else 14
        dim.number_format = "@"  # text, so 身份证号/考生号/codes keep every digit
    ws.freeze_panes = "A2"

    codes = wb.create_sheet("代码表")
    codes.append(["字段", "代码", "名称"])
    by_list: dict[str, str] = {}
    for key, list_name in CODE_FIELDS.items():
        if list_name not in by_list:
            first = codes.max_row + 1
            for c in code_list(list_name):
                codes.append(["是/否" if list_name == "yes_no" else FIELDS[key], c.code, c.label])
            by_list[list_name] = f"代码表!$C${first}:$C${codes.max_row}"
    if school_id is not None:
        for dept in db.session.scalars(select(Department).where(Department.school_id == school_id)
                                       .order_by(Department.code)):
            sheets.append(codes, ["院系", dept.code, dept.name])
            for major in dept.majors:
                sheets.append(codes, [f"专业（{dept.name}）", major.code, major.name])
    for letter, width in (("A", 20), ("B", 10), ("C", 30)):
        codes.column_dimensions[letter].width = width

    regions = wb.create_sheet("生源所在地")
    regions.append(["代码", "名称"])
    from wxbackend.core.codes import _regions

    for code in sorted(_regions()):
        regions.append([code, region_name(code)])
    regions.column_dimensions["B"].width = 40

    for key, list_name in CODE_FIELDS.items():
        col = get_column_letter(keys.index(key) + 1)
        # a warning, not a stop: codes typed instead of labels are accepted too
        dv = DataValidation(type="list", formula1=by_list[list_name], allow_blank=True, showErrorMessage=True,
                            errorStyle="warning", errorTitle="不在代码表中",
                            error=f"请从下拉列表中选择{FIELDS[key]}（也可填写代码）")
        dv.add(f"{col}2:{col}50001")
        ws.add_data_validation(dv)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_csv(school_id: int | None) -> bytes:
    """The CSV template: UTF-8 with BOM, so Excel shows the Chinese header correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_labels())
    example = example_row(school_id)
    writer.writerow([example[k] for k in FIELDS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def errors_xlsx(batch: ImportBatch) -> bytes:
    """The bad rows with their reasons and original cells, ready to fix and import again."""
    from openpyxl import Workbook

    by_row = {int(e["row"]): e for e in (batch.errors or [])}  # type: ignore[call-overload]
    originals: dict[int, tuple[Any, ...]] = {}
    columns: dict[str, int] = {}
    if by_row and batch.content:
        try:
            table = open_table(batch.content, batch.file_kind)
            columns = table.columns
            try:
                for number, values in table.data_rows():
                    if number in by_row:
                        originals[number] = values
            finally:
                table.close()
        except ImportRefused:
            originals = {}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    keys = list(FIELDS)
    ws.append(["行号", "错误字段", "错误原因", *[FIELDS[k] for k in keys]])
    for number in sorted(by_row):
        e = by_row[number]
        values = originals.get(number, ())
        cells = [cell_text(values[columns[k]], k) if k in columns and columns[k] < len(values) else ""
                 for k in keys]
        sheets.append(ws, [number, e.get("field"), e.get("message"), *cells])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def progress(batch: ImportBatch) -> dict[str, Any]:
    """What the status endpoint and the page show."""
    total = batch.total_rows or 0
    percent = 100 if batch.state in ("done", "failed") else (
        int(batch.processed_rows * 100 / total) if total else 0)
    return {
        "id": batch.id,
        "state": batch.state,
        "state_label": STATE_LABELS.get(batch.state, batch.state),
        "total_rows": total,
        "processed_rows": batch.processed_rows,
        "created_count": batch.created_count,
        "updated_count": batch.updated_count,
        "unchanged_count": max(batch.processed_rows - batch.created_count - batch.updated_count
                               - batch.error_count, 0),
        "error_count": batch.error_count,
        "percent": min(percent, 100),
        "failure": batch.failure,
        "finished": batch.state in ("done", "failed"),
    }


STATE_LABELS = {"queued": "排队中", "running": "导入中", "done": "已完成", "failed": "导入失败"}


def iter_errors(batch: ImportBatch, limit: int = ERRORS_SHOWN) -> Iterable[dict[str, object]]:
    return (batch.errors or [])[:limit]
