"""The directory of 档案接收单位 (AR-7): search it, find a region's office (AR-2), maintain it, import it.

An entry belongs to a school (``school_id``) or to the whole platform (``school_id`` NULL, kept by
the platform admin). A school sees the platform's entries and its own, never another school's.

Search. A name is stored twice: as typed (``name``) and normalised (``name_key``: NFKC, case-folded,
without spaces and punctuation), and the query is normalised the same way. :func:`search` runs

1. a **prefix** match on ``name_key`` — served by ``ix_receiving_office_name_key``: on PostgreSQL a
   ``text_pattern_ops`` btree answers ``LIKE 'prefix%'`` whatever the database's collation; on
   SQLite the same condition is written as the range ``name_key >= p AND name_key < p'`` (``p'`` is
   ``p`` with its last character incremented), which the plain BINARY-collated btree answers —
   SQLite only turns LIKE into an index range for NOCASE columns;
2. only if that leaves room under *limit*, a **substring** match on the name and a match on the
   **region's name** (``西城`` finds the offices of 北京市西城区; the region codes come from the
   in-memory GB/T 2260 table, so the database sees ``region_code IN (…)``). These scan, but only the
   directory's few thousand rows, and only when the prefix did not fill the page.

Results: prefix hits first, then the rest; within each, the school's own entries before the
platform's, then by region code (a province's own office before its cities', a city's before its
districts', provinces in GB/T 2260 order) and name.

Functions add to the session and flush; callers commit. A refused change is an :class:`ApiError`
whose ``fields`` name the form fields (``name``, ``region``, ``address``, ``postcode``, ``contact``,
``phone``).
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select

from wxbackend.accounts.imports import ImportRefused, cell_text
from wxbackend.core import audit, sheets, timeutil
from wxbackend.core.audit import Actor
from wxbackend.core.codes import _regions, region_name, resolve_region
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.core.fields import PHONE, POSTCODE
from wxbackend.transfers.models import ReceivingOffice

NAME_MAX = 100
ADDRESS_MAX = 200
CONTACT_MAX = 50
#: A region-name match that hits more regions than this (e.g. a single 区) is not used.
REGION_MATCH_MAX = 400
#: Data rows of one import.
MAX_ROWS = 5000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "档案接收单位"

#: form field → label; also the import's columns, in order.
FIELDS: dict[str, str] = {
    "name": "单位名称",
    "region": "所在地区",
    "address": "详细地址",
    "postcode": "邮编",
    "contact": "联系人",
    "phone": "联系电话",
}
REQUIRED = ("name", "region", "address")
#: The header the template writes (the region column says what it takes).
HEADER = ["单位名称", "所在地区（6位代码或名称）", "详细地址", "邮编", "联系人", "联系电话"]


_DROP = re.compile(r"[\s\u3000·•.,，。、()（）\[\]【】\-—_]+")


def name_key(text: str) -> str:
    """The form of a name (or a query) that search and uniqueness compare: NFKC, case-folded, no spaces
    or punctuation — 全角/半角 and stray spaces do not matter."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").casefold())[:NAME_MAX]


# --- reading -----------------------------------------------------------------------------------------


def visible(school_id: int | None) -> ColumnElement[bool]:
    """Entries a school (or, with None, the platform) sees: the platform's and its own."""
    if school_id is None:
        return ReceivingOffice.school_id.is_(None)
    return or_(ReceivingOffice.school_id.is_(None), ReceivingOffice.school_id == school_id)


def _next_after(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def prefix_clause(prefix: str) -> ColumnElement[bool]:
    """``name_key`` starts with *prefix* (a normalised key), in the form this database's index serves."""
    col = ReceivingOffice.name_key
    if db.engine.dialect.name == "postgresql":
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return col.like(escaped + "%", escape="\\")
    return and_(col >= prefix, col < _next_after(prefix))


def region_subtree(code: str) -> ColumnElement[bool]:
    """Entries in region *code* or below it (a province's cities and districts, a city's districts)."""
    if code.endswith("0000"):
        stem = code[:2]
    elif code.endswith("00"):
        stem = code[:4]
    else:
        return ReceivingOffice.region_code == code
    return and_(ReceivingOffice.region_code >= stem.ljust(6, "0"), ReceivingOffice.region_code <= stem.ljust(6, "9"))


@cache
def _region_keys() -> list[tuple[str, str]]:
    return [(code, name_key(name)) for code, name in _regions().items()]


def regions_named(q: str) -> list[str]:
    """Codes of the regions whose full name contains *q* (``西城`` → 110102); none when too many."""
    key = name_key(q)
    if len(key) < 2:
        return []
    codes = [code for code, k in _region_keys() if key in k]
    return codes if len(codes) <= REGION_MATCH_MAX else []


def _ordered(stmt: Any, school_id: int | None) -> Any:
    own_first = case((ReceivingOffice.school_id.is_(None), 1), else_=0) if school_id is not None else None
    order = [own_first] if own_first is not None else []
    return stmt.order_by(*order, ReceivingOffice.region_code, ReceivingOffice.name_key, ReceivingOffice.id)


def search(q: str | None, region: str | None = None, school_id: int | None = None, limit: int = 20,
           *, include_inactive: bool = False) -> list[ReceivingOffice]:
    """Offices visible to *school_id* matching *q* (prefix of the name first, then a substring of the
    name or of the region's name), within *region* (a code or full name; its subtree) when given."""
    limit = max(1, min(int(limit), 100))
    base = [visible(school_id)]
    if not include_inactive:
        base.append(ReceivingOffice.active.is_(True))
    if region:
        code = resolve_region(region)
        if code is None:
            return []
        base.append(region_subtree(code))
    key = name_key(q or "")
    if not key:
        return list(db.session.scalars(_ordered(select(ReceivingOffice).where(*base), school_id).limit(limit)))
    found = list(db.session.scalars(
        _ordered(select(ReceivingOffice).where(*base, prefix_clause(key)), school_id).limit(limit)))
    if len(found) >= limit:
        return found
    more: list[ColumnElement[bool]] = [ReceivingOffice.name_key.contains(key, autoescape=True)]
    codes = regions_named(q or "")
    if codes:
        more.append(ReceivingOffice.region_code.in_(codes))
    rest = select(ReceivingOffice).where(*base, or_(*more))
    if found:
        rest = rest.where(ReceivingOffice.id.not_in([o.id for o in found]))
    found.extend(db.session.scalars(_ordered(rest, school_id).limit(limit - len(found))))
    return found


def fallback_codes(region_code: str) -> list[str]:
    """The region and the levels above it, most specific first: district → city → province."""
    out = [region_code]
    if not region_code.endswith("00"):
        out.append(region_code[:4] + "00")
    if not region_code.endswith("0000"):
        out.append(region_code[:2] + "0000")
    return out


def office_for_region(region_code: str | None, school_id: int | None) -> ReceivingOffice | None:
    """The receiving office for a graduate from *region_code* (AR-2's prefill): the region's own entry,
    else its city's, else its province's; at each level the school's own entry before the platform's."""
    code = resolve_region(region_code)
    if code is None:
        return None
    levels = fallback_codes(code)
    level = case({c: i for i, c in enumerate(levels)}, value=ReceivingOffice.region_code)
    own_first = case((ReceivingOffice.school_id.is_(None), 1), else_=0)
    return db.session.scalar(
        select(ReceivingOffice)
        .where(visible(school_id), ReceivingOffice.active.is_(True), ReceivingOffice.region_code.in_(levels))
        .order_by(level, own_first, ReceivingOffice.id).limit(1))


def as_dict(office: ReceivingOffice) -> dict[str, Any]:
    """What the graduate's forms (mini-program and web) get for one office."""
    return {
        "id": office.id,
        "name": office.name,
        "region_code": office.region_code,
        "region_name": region_name(office.region_code),
        "address": office.address,
        "postcode": office.postcode or "",
        "contact": office.contact or "",
        "phone": office.phone or "",
        "scope": "platform" if office.school_id is None else "school",
    }


def get(office_id: int, school_id: int | None) -> ReceivingOffice | None:
    """An entry *school_id* sees (None: the platform's), or None."""
    return db.session.scalar(select(ReceivingOffice).where(ReceivingOffice.id == office_id, visible(school_id)))


def owned(office_id: int, school_id: int | None) -> ReceivingOffice | None:
    """An entry *school_id* maintains (None: a platform-wide one), or None."""
    office = db.session.get(ReceivingOffice, office_id)
    if office is None or office.school_id != school_id:
        return None
    return office


# --- validation and changes ----------------------------------------------------------------------------


def _text(form: Mapping[str, Any], key: str) -> str:
    return cell_text(form.get(key))


def clean(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(values, errors) of one entry typed in a form or a sheet row; errors by field."""
    errors: dict[str, str] = {}
    name = re.sub(r"\s+", " ", _text(form, "name"))
    if not name:
        errors["name"] = "请填写单位名称"
    elif len(name) > NAME_MAX:
        errors["name"] = f"单位名称不能超过{NAME_MAX}个字"
    elif not name_key(name):
        errors["name"] = "单位名称不能只有标点符号"
    raw_region = _text(form, "region")
    region = resolve_region(raw_region) if raw_region else None
    if not raw_region:
        errors["region"] = "请填写所在地区（6位行政区划代码或全称）"
    elif region is None:
        errors["region"] = "所在地区无效：请填写6位行政区划代码或全称，如 110102 或 北京市西城区"
    address = _text(form, "address")
    if not address:
        errors["address"] = "请填写详细地址"
    elif len(address) > ADDRESS_MAX:
        errors["address"] = f"详细地址不能超过{ADDRESS_MAX}个字"
    postcode = _text(form, "postcode")
    if postcode and not POSTCODE.fullmatch(postcode):
        errors["postcode"] = "邮编应为6位数字"
    contact = _text(form, "contact")
    if len(contact) > CONTACT_MAX:
        errors["contact"] = f"联系人不能超过{CONTACT_MAX}个字"
    phone = _text(form, "phone").replace(" ", "")
    if phone and not PHONE.match(phone):
        errors["phone"] = "请填写手机号码或带区号的固定电话"
    values = {"name": name, "name_key": name_key(name), "region_code": region, "address": address,
              "postcode": postcode or None, "contact": contact or None, "phone": phone or None}
    return values, errors


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ApiError("invalid", "；".join(errors.values()), errors)


def same_entry(school_id: int | None, region_code: str, key: str, not_id: int | None = None) -> ReceivingOffice | None:
    owner = ReceivingOffice.school_id.is_(None) if school_id is None else ReceivingOffice.school_id == school_id
    stmt = select(ReceivingOffice).where(owner, ReceivingOffice.region_code == region_code,
                                         ReceivingOffice.name_key == key)
    if not_id is not None:
        stmt = stmt.where(ReceivingOffice.id != not_id)
    return db.session.scalar(stmt)


def _active(form: Mapping[str, Any], default: bool) -> bool:
    if "active" not in form:
        return default
    return str(form.get("active") or "") in ("1", "on", "true", "是")


def create(actor: Actor, school_id: int | None, form: Mapping[str, Any]) -> ReceivingOffice:
    """Add an entry of *school_id* (None: platform-wide)."""
    values, errors = clean(form)
    if not errors and same_entry(school_id, values["region_code"], values["name_key"]):
        errors["name"] = "该地区已有同名的档案接收单位"
    _refuse(errors)
    now = timeutil.now()
    office = ReceivingOffice(school_id=school_id, active=_active(form, True), created_at=now, updated_at=now,
                             version=1, **values)
    db.session.add(office)
    db.session.flush()
    audit.record(actor, "receiving_office.create", office, name=office.name, region_code=office.region_code)
    return office


def update(actor: Actor, office: ReceivingOffice, form: Mapping[str, Any],
           expected_version: int | None = None) -> dict[str, list[Any]]:
    """Change an entry; returns {field: [before, after]}. A stale *expected_version* is a 409."""
    if expected_version is not None and expected_version != office.version:
        raise Conflict("stale", "该单位已被他人修改，请刷新页面后重新编辑")
    values, errors = clean(form)
    if not errors and same_entry(office.school_id, values["region_code"], values["name_key"], office.id):
        errors["name"] = "该地区已有同名的档案接收单位"
    _refuse(errors)
    values["active"] = _active(form, office.active)
    changes = {k: [getattr(office, k), v] for k, v in values.items() if getattr(office, k) != v}
    changes.pop("name_key", None)
    if not changes:
        return {}
    for key, value in values.items():
        setattr(office, key, value)
    office.updated_at = timeutil.now()
    office.version += 1
    db.session.flush()
    audit.record(actor, "receiving_office.update", office, changes=changes)
    return changes


def remove(actor: Actor, office: ReceivingOffice) -> None:
    """Delete an entry. Nothing refers to it: a graduate's archive info keeps the office's name and
    address as filled in."""
    audit.record(actor, "receiving_office.delete", office, name=office.name, region_code=office.region_code)
    db.session.delete(office)
    db.session.flush()


def listing(school_id: int | None, q: str = "", region: str = "") -> Any:
    """The console's list: a SELECT of entries visible to *school_id* (for ``paginate``), inactive ones
    included, filtered by a name/region-name keyword and a region; own entries first, then by region
    and name."""
    stmt = select(ReceivingOffice).where(visible(school_id))
    if region:
        code = resolve_region(region)
        stmt = stmt.where(region_subtree(code) if code else false())
    key = name_key(q)
    if key:
        codes = regions_named(q)
        cond = ReceivingOffice.name_key.contains(key, autoescape=True)
        stmt = stmt.where(or_(cond, ReceivingOffice.region_code.in_(codes)) if codes else cond)
    own_first = case((ReceivingOffice.school_id.is_(None), 1), else_=0)
    return stmt.order_by(own_first, ReceivingOffice.region_code, ReceivingOffice.name_key, ReceivingOffice.id)


def counts(school_id: int | None) -> dict[str, int]:
    """Entries of the platform and of the school, for the console's summary."""
    rows = db.session.execute(select(ReceivingOffice.school_id.is_(None), func.count())
                              .where(visible(school_id)).group_by(ReceivingOffice.school_id.is_(None))).all()
    out = {"platform": 0, "school": 0}
    for platform, n in rows:
        out["platform" if platform else "school"] += n
    return out


# --- import and export ------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _label_key(label: Any) -> str | None:
    text = re.sub(r"[\s\u3000*＊]+", "", cell_text(label))
    text = re.sub(r"[（(].*$", "", text)
    for key, lbl in FIELDS.items():
        if text == lbl:
            return key
    return None


def _read_rows(content: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    if not content:
        raise ImportRefused("文件是空的，请选择填写好的档案接收单位表")
    if not (filename or "").lower().endswith(".xlsx") or not content.startswith(b"PK"):
        raise ImportRefused("只支持 .xlsx 文件，请使用下载的模板填写")
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportRefused("文件不是有效的 .xlsx 表格（可能已损坏，或只是改了扩展名）") from exc
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        ws.reset_dimensions()
        columns: dict[str, int] | None = None
        header_row = 0
        out: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if columns is None:
                found = {k: i for i, lbl in enumerate(values) if (k := _label_key(lbl))}
                if "name" in found:
                    missing = [FIELDS[k] for k in REQUIRED if k not in found]
                    if missing:
                        raise ImportRefused("表头缺少必填列：" + "、".join(missing) + "。请使用下载的模板")
                    columns, header_row = found, number
                elif number >= 5:
                    raise ImportRefused("找不到表头行（前5行中没有“单位名称”列），请使用下载的模板")
                continue
            if all(v is None or not str(v).strip() for v in values):
                continue
            out.append((number, {k: values[i] if i < len(values) else None for k, i in columns.items()}))
            if len(out) > MAX_ROWS:
                raise ImportRefused(f"表格数据超过单次导入上限{MAX_ROWS}行，请拆分后分批导入")
    finally:
        wb.close()
    if columns is None:
        raise ImportRefused("找不到表头行（没有“单位名称”列），请使用下载的模板")
    if not out:
        raise ImportRefused(f"表格中没有数据行（第{header_row}行表头下方为空）")
    return out


def import_xlsx(actor: Actor, school_id: int | None, filename: str, content: bytes) -> ImportResult:
    """Upsert the sheet's entries as *school_id*'s (None: platform-wide), keyed by (region, name).

    All or nothing: every row is checked first; any bad row (its field and reason reported with its
    sheet row number) or a file-level problem (:class:`ImportRefused`) leaves the directory unchanged.
    """
    rows = _read_rows(content, filename)
    result = ImportResult()
    cleaned: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in rows:
        values, errors = clean(raw)
        if not errors:
            first = seen.setdefault((values["region_code"], values["name_key"]), number)
            if first != number:
                errors["name"] = f"与第{first}行重复（同一地区的同名单位）"
        for key, message in errors.items():
            result.errors.append(RowError(number, FIELDS[key], message))
        if not errors:
            cleaned.append((number, values))
    if result.errors:
        return result
    owner = ReceivingOffice.school_id.is_(None) if school_id is None else ReceivingOffice.school_id == school_id
    existing = {(o.region_code, o.name_key): o for o in db.session.scalars(select(ReceivingOffice).where(owner))}
    now = timeutil.now()
    for _number, values in cleaned:
        old = existing.get((values["region_code"], values["name_key"]))
        if old is None:
            db.session.add(ReceivingOffice(school_id=school_id, active=True, created_at=now, updated_at=now,
                                           version=1, **values))
            result.created += 1
            continue
        changes = {k: v for k, v in values.items() if getattr(old, k) != v}
        if not changes and old.active:
            result.unchanged += 1
            continue
        for key, value in changes.items():
            setattr(old, key, value)
        old.active = True
        old.updated_at = now
        old.version += 1
        result.updated += 1
    db.session.flush()
    audit.record(actor, "receiving_office.import", object_type="receiving_office", object_id=None,
                 school_id=school_id, filename=(filename or "")[-200:], rows=len(cleaned),
                 created=result.created, updated=result.updated, unchanged=result.unchanged)
    return result


EXAMPLE = ["北京市西城区人才服务中心（示例）", "110102", "北京市西城区xx路xx号", "100032", "王老师", "010-12345678"]


def template_xlsx(offices: Sequence[ReceivingOffice] = ()) -> bytes:
    """The import sheet: the header and *offices* (the owner's current entries for an export; none for
    the blank template), and a second sheet explaining the columns with an example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(HEADER)
    for office in offices:
        sheets.append(ws, [office.name, office.region_code, office.address, office.postcode or "", office.contact or "",
                   office.phone or ""])
    for i, width in enumerate((36, 22, 44, 10, 12, 18), start=1):
        ws.cell(row=1, column=i).font = Font(bold=True, color="C0392B" if i <= 3 else "000000")
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = width
        dim.number_format = "@"  # codes, postcodes and phones keep every digit
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for label, text in (
        ("单位名称", "必填，不超过100个字；同一地区的同名单位只有一条，再次导入即更新该条"),
        ("所在地区", "必填，6位行政区划代码或全称（区县、地市或省级），如 110102 或 北京市西城区"),
        ("详细地址", "必填，街道门牌等，不超过200个字"),
        ("邮编", "选填，6位数字"),
        ("联系人", "选填"),
        ("联系电话", "选填，手机号码或带区号的固定电话"),
    ):
        notes.append([label, text])
    notes.append([])
    notes.append(["示例（请填写在第一个工作表中，本行不会导入）"])
    notes.append(HEADER)
    notes.append(EXAMPLE)
    notes.column_dimensions["A"].width = 36
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def owned_entries(school_id: int | None) -> list[ReceivingOffice]:
    owner = ReceivingOffice.school_id.is_(None) if school_id is None else ReceivingOffice.school_id == school_id
    return list(db.session.scalars(select(ReceivingOffice).where(owner)
                                   .order_by(ReceivingOffice.region_code, ReceivingOffice.name_key)))
