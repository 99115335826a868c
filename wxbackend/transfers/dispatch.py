"""档案转递 (AR-9): the school numbers the archives it mails, exports the mailing list and imports the
carrier's tracking numbers; the graduate then sees 已寄出 with date, carrier and number.

States of an :class:`~wxbackend.transfers.models.ArchiveDispatch` (one table, checked by the database):

==========  ============================================  ==========
from        event                                         to
==========  ============================================  ==========
(none)      :func:`issue` (生成转递编号)                  prepared
prepared    :func:`import_tracking` (运单导入)            sent
prepared    :func:`cancel`; the archive info it copied    cancelled
            is replaced or voided (signal)
==========  ============================================  ==========

Rules decided here:

* **Candidates** are the school's live graduates whose archive info is current (from an approved
  registration or change, an agreement, or the school's direct entry) and has no dispatch that is not
  cancelled; ``uq_archive_dispatch_live`` guards the latter in the database.
* **Pre-flight** lists per graduate what is missing (blocking: the number is not issued) and what
  looks wrong (a warning the school confirms explicitly): no street and number in the address, the
  graduate's own name or phone as the recipient, a 邮编 outside the province's ranges
  (``data/postcode_prefixes.json``), an archive the basic info says is not at the school, an archive
  already mailed once before.
* **Issuing** takes the school row's lock (PostgreSQL), so two simultaneous issues of one school run
  one after the other and the second finds the first's numbers; the numbers are random
  (``core.ids``, VA-7) and go in with one INSERT … SELECT whose WHERE re-checks every candidate. A
  number that collides with an existing one (about 1 in 10^12 per batch of a thousand) repeats the
  INSERT with fresh numbers inside a savepoint.
* **Tracking import** is all or nothing: every row is checked first and reported by row number; a
  row already recorded with exactly the same carrier, number and date is unchanged (the same file
  may be imported twice); otherwise the rows become sent in one UPDATE … FROM and each graduate is
  owed one message (outbox, MS-2) in one INSERT … SELECT.

Statements per call do not grow with the number of archives (``core.bulk``). Functions add to the
session and flush; callers commit.
"""

from __future__ import annotations

import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import Date, Integer, String, and_, cast, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.imports import ImportRefused, cell_text
from wxbackend.accounts.models import Department, Graduate, School, User
from wxbackend.accounts.validation import mask_id_number
from wxbackend.core import audit, bulk, ids, sheets, timeutil
from wxbackend.core.codes import region_at_start, region_name, resolve_region
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden, NotFound
from wxbackend.notify import NotificationOutbox, queue_sender
from wxbackend.transfers.directory import RowError  # one row-error shape for the school's uploads
from wxbackend.transfers.models import DISPATCH_STATE_LABELS, ArchiveDispatch, ArchiveDispatchBatch, TransferInfo

#: 转递编号: ZD (转递) + 12 random base-36 characters + the check character.
PREFIX = "ZD"
BODY_LENGTH = 12
#: Data rows of one tracking file.
MAX_ROWS = 20000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MESSAGE_KIND = "archive_sent"
CANCEL_INFO_CHANGED = "档案信息已变更，原转递编号作废"

#: archive info field → what the pre-flight calls it when it is missing.
REQUIRED_FIELDS = {
    "archive_unit_name": "档案转递单位名称",
    "archive_unit_region": "所在地区",
    "archive_unit_address": "详细地址",
    "archive_postcode": "邮编",
    "archive_contact": "联系人",
    "archive_phone": "联系电话",
}
#: A street, lane or house-number word, and a number, must both be in the address detail.
STREET = re.compile(r"路|街|道|巷|弄|胡同|号|里")
NUMBER = re.compile(r"[0-9０-９]|[一二三四五六七八九十百千〇零]+号")


# --- pre-flight -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    #: True: the number is not issued until the info is completed; False: a warning to confirm.
    blocking: bool


@dataclass
class Candidate:
    """A graduate whose archive the school may number, with the pre-flight's findings."""

    graduate_id: int
    name: str
    student_no: str | None
    id_number: str
    department_name: str
    info_id: int
    data: dict[str, Any]
    #: What would be copied onto the dispatch: the archive info's fields, trimmed, the region filled
    #: from the address line when the info has none (archive info synced from an agreement has none).
    recipient: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return any(p.blocking for p in self.problems)

    @property
    def warned(self) -> bool:
        return any(not p.blocking for p in self.problems)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def address_line(self) -> str:
        return full_address(self.recipient.get("region"), self.recipient.get("address"))


@cache
def postcode_prefixes() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Province code (2 digits) → (name, postcode prefixes), from ``data/postcode_prefixes.json``."""
    raw = json.loads(resources.files("wxbackend.data").joinpath("postcode_prefixes.json").read_text(encoding="utf-8"))
    return {code: (p["name"], tuple(p["prefixes"])) for code, p in raw["provinces"].items()}


def postcode_problem(postcode: str, region: str) -> str | None:
    """Why *postcode* does not fit *region*'s province, or None (also when the province is not checked)."""
    name, prefixes = postcode_prefixes().get(region[:2], ("", ()))
    if not prefixes or postcode.startswith(prefixes):
        return None
    return f"邮编 {postcode} 与所在地区（{name}）不符：{name}的邮编以 {'、'.join(prefixes[:4])} 开头"


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


#: archive info field → recipient key (the dispatch's ``recipient_*`` columns).
RECIPIENT_KEYS = {"archive_unit_name": "name", "archive_unit_region": "region", "archive_unit_address": "address",
                  "archive_postcode": "postcode", "archive_contact": "contact", "archive_phone": "phone"}


def recipient_of(data: dict[str, Any]) -> dict[str, str]:
    """The recipient an archive info names, trimmed; without a region of its own (info synced from an
    agreement has only an address line) the region the address line starts with, if any."""
    out = {key: _text(data.get(field_key)) for field_key, key in RECIPIENT_KEYS.items()}
    if not out["region"]:
        out["region"] = region_at_start(out["address"]) or ""
    return out


def problems_of(recipient: dict[str, str], *, graduate_name: str, graduate_phone: str | None,
                archive_at_school: bool | None = True, sent_before: tuple[str, date | None] | None = None
                ) -> list[Problem]:
    """The pre-flight of one recipient (:func:`recipient_of`, AR-9): what is missing, what looks wrong."""
    out: list[Problem] = []
    for field_key, label in REQUIRED_FIELDS.items():
        if not recipient[RECIPIENT_KEYS[field_key]]:
            out.append(Problem(f"missing_{field_key}", f"缺少{label}", True))
    region = recipient["region"] or None
    if region is not None and (not re.fullmatch(r"\d{6}", region) or resolve_region(region) != region):
        out.append(Problem("bad_region", "所在地区无法识别（应为6位行政区划代码）", True))
        region = None
    postcode = recipient["postcode"]
    if postcode and not re.fullmatch(r"\d{6}", postcode):
        out.append(Problem("bad_postcode", "邮编应为6位数字", True))
    elif postcode and region and (why := postcode_problem(postcode, region)):
        out.append(Problem("postcode_region", why, False))
    address = recipient["address"]
    if address and not (STREET.search(address) and NUMBER.search(address)):
        out.append(Problem("no_street_number", "详细地址中没有街道和门牌号（如“××路12号”）", False))
    contact = re.sub(r"\s+", "", recipient["contact"])
    if contact and contact == re.sub(r"\s+", "", graduate_name or ""):
        out.append(Problem("contact_is_graduate", "联系人是毕业生本人", False))
    phone, own = _digits(recipient["phone"]), _digits(graduate_phone)
    if len(phone) >= 7 and len(own) >= 7 and phone[-11:] == own[-11:]:
        out.append(Problem("phone_is_graduate", "联系电话是毕业生本人的手机号码", False))
    if archive_at_school is False:
        out.append(Problem("archive_not_at_school", "基本信息为档案未转入学校，请核实学校是否保管其档案", False))
    if sent_before is not None:
        number, sent_on = sent_before
        when = f"{sent_on:%Y-%m-%d}" if sent_on else ""
        out.append(Problem("sent_before", f"已于{when}寄出过档案（转递编号 {ids.display(number)}），"
                                          "请核实是否需要再次转递", False))
    return out


def full_address(region: Any, detail: Any) -> str:
    """The region's full name and the detail line, without repeating a name the detail already starts with."""
    name = region_name(_text(region)) if region else ""
    detail = _text(detail)
    if name == "-" or not name:
        return detail
    province = name[:3]
    if detail.startswith(name) or detail.startswith(province):
        return detail
    return name + detail


def _live_dispatch() -> Any:
    return (select(ArchiveDispatch.id).where(ArchiveDispatch.transfer_info_id == TransferInfo.id,
                                             ArchiveDispatch.state != "cancelled").exists())


def _candidate_stmt(school_id: int, department_id: int | None = None,
                    graduate_ids: Iterable[int] | None = None) -> Any:
    earlier = aliased(ArchiveDispatch)
    last_sent = (select(ArchiveDispatch.id).where(ArchiveDispatch.graduate_id == Graduate.id,
                                                  ArchiveDispatch.state == "sent")
                 .order_by(ArchiveDispatch.id.desc()).limit(1).scalar_subquery())
    stmt = (select(Graduate.id, Graduate.name, Graduate.student_no, Graduate.id_number, Graduate.phone,
                   Graduate.archive_at_school, Department.name, TransferInfo.id, TransferInfo.data,
                   earlier.transfer_no, earlier.sent_on)
            .join(TransferInfo, and_(TransferInfo.graduate_id == Graduate.id, TransferInfo.module == "archive",
                                     TransferInfo.status == "current"))
            .join(Department, Department.id == Graduate.department_id)
            .outerjoin(earlier, earlier.id == last_sent)
            .where(Graduate.school_id == school_id, Graduate.deleted_at.is_(None), ~_live_dispatch())
            .order_by(Department.code, Graduate.student_no, Graduate.id))
    if department_id is not None:
        stmt = stmt.where(Graduate.department_id == department_id)
    if graduate_ids is not None:
        stmt = stmt.where(bulk.in_(Graduate.id, graduate_ids))
    return stmt


def candidates(school_id: int, department_id: int | None = None,
               graduate_ids: Iterable[int] | None = None) -> list[Candidate]:
    """The school's graduates whose archive can be numbered, each with its pre-flight (one query)."""
    out = []
    for gid, name, student_no, id_number, phone, at_school, dept, info_id, data, sent_no, sent_on in (
            db.session.execute(_candidate_stmt(school_id, department_id, graduate_ids))):
        data = dict(data or {})
        recipient = recipient_of(data)
        out.append(Candidate(gid, name, student_no, id_number, dept, info_id, data, recipient, problems_of(
            recipient, graduate_name=name, graduate_phone=phone, archive_at_school=at_school,
            sent_before=(sent_no, sent_on) if sent_no else None)))
    return out


# --- issuing 转递编号 --------------------------------------------------------------------------------


@dataclass
class IssueResult:
    batch: ArchiveDispatchBatch
    issued: int
    #: Graduates asked for that were no longer candidates (numbered meanwhile, info changed, deleted).
    skipped: int


def _require_school(user: User, school_id: int) -> None:
    if user.role != "school" or user.school_id != school_id:
        raise Forbidden("只有本校的学校账号可以办理档案转递", code="school_only")


def issue(user: User, school_id: int, graduate_ids: Sequence[int], *, confirm_warnings: bool = False
          ) -> IssueResult:
    """生成转递编号 for the chosen graduates in one batch (AR-9).

    Refused when a chosen graduate's info is incomplete, or looks wrong and *confirm_warnings* is not
    given (the error's ``fields`` name each graduate and what is wrong). Chosen graduates who are not
    candidates (any more) are skipped and counted.
    """
    _require_school(user, school_id)
    wanted = list(dict.fromkeys(int(g) for g in graduate_ids))
    if not wanted:
        raise ApiError("nothing_chosen", "请选择要生成转递编号的毕业生")
    # two issues of one school run one after the other; the second sees the first's numbers
    db.session.execute(select(School.id).where(School.id == school_id).with_for_update())
    found = candidates(school_id, graduate_ids=wanted)
    blocked = [c for c in found if c.blocking]
    if blocked:
        raise ApiError("incomplete", f"{len(blocked)} 名毕业生的档案转递信息不完整，不能生成转递编号",
                       _problem_fields(blocked, blocking=True))
    warned = [c for c in found if c.warned]
    if warned and not confirm_warnings:
        raise ApiError("needs_confirmation", f"{len(warned)} 名毕业生的地址有可疑之处，请核实后勾选“已核实”再生成",
                       _problem_fields(warned, blocking=False), status=409)
    if not found:
        raise Conflict("nothing_to_issue", "所选毕业生都已生成转递编号或不再需要转递，请刷新页面")
    now = timeutil.now()
    batch = ArchiveDispatchBatch(school_id=school_id, created_by=user.id, created_at=now)
    db.session.add(batch)
    db.session.flush()
    issued = _insert_dispatches(batch, found, now)
    actor = actor_for(user)
    audit.record(actor, "archive_dispatch.batch", batch, count=issued, skipped=len(wanted) - issued,
                 warnings_confirmed=bool(warned))
    audit.record_select(actor, "archive_dispatch.issue", "archive_dispatch", select(
        ArchiveDispatch.id, ArchiveDispatch.school_id,
        bulk.json_object(transfer_no=ArchiveDispatch.transfer_no, graduate_id=ArchiveDispatch.graduate_id,
                         batch_id=ArchiveDispatch.batch_id)).where(ArchiveDispatch.batch_id == batch.id))
    return IssueResult(batch, issued, len(wanted) - issued)


def _problem_fields(found: list[Candidate], *, blocking: bool) -> dict[str, str]:
    return {str(c.graduate_id): f"{c.name}：" + "；".join(p.message for p in c.problems if p.blocking == blocking)
            for c in found}


def _insert_dispatches(batch: ArchiveDispatchBatch, found: list[Candidate], now: datetime, attempts: int = 3) -> int:
    """One INSERT … SELECT of a dispatch per candidate whose info is still current and undispatched (the
    WHERE re-checks it); the recipient comes from the pre-flight's copy. Fresh numbers on a collision."""
    columns = ["batch_id", "school_id", "graduate_id", "transfer_info_id", "transfer_no", "recipient_name",
               "recipient_region", "recipient_address", "recipient_postcode", "recipient_contact",
               "recipient_phone", "state", "created_at"]
    recipient_columns = {f"r_{key}": String for key in RECIPIENT_KEYS.values()}
    for attempt in range(attempts):
        numbers: set[str] = set()
        while len(numbers) < len(found):
            numbers.add(ids.new(PREFIX, BODY_LENGTH))
        chosen = bulk.json_rows(
            ({"info_id": c.info_id, "no": n, **{f"r_{k}": v for k, v in c.recipient.items()}}
             for c, n in zip(found, numbers, strict=True)),
            {"info_id": Integer, "no": String, **recipient_columns})
        rows = (select(literal(batch.id), Graduate.school_id, TransferInfo.graduate_id, TransferInfo.id, chosen.c.no,
                       *(chosen.c[key] for key in recipient_columns),
                       literal("prepared"), literal(now, type_=ArchiveDispatch.created_at.type))
                .select_from(chosen)
                .join(TransferInfo, TransferInfo.id == chosen.c.info_id)
                .join(Graduate, Graduate.id == TransferInfo.graduate_id)
                .where(TransferInfo.status == "current", TransferInfo.module == "archive",
                       Graduate.school_id == batch.school_id, Graduate.deleted_at.is_(None), ~_live_dispatch()))
        savepoint = db.session.begin_nested()
        try:
            db.session.execute(insert(ArchiveDispatch).from_select(columns, rows))
            savepoint.commit()
            break
        except IntegrityError:
            savepoint.rollback()
            taken = db.session.scalar(select(func.count()).select_from(ArchiveDispatch)
                                      .where(bulk.in_(ArchiveDispatch.transfer_no, numbers, String)))
            if not taken or attempt == attempts - 1:
                raise Conflict("dispatch_conflict", "生成转递编号时与其他操作冲突，请刷新页面后重试") from None
    return int(db.session.scalar(select(func.count()).where(ArchiveDispatch.batch_id == batch.id)) or 0)


# --- reading: batches, dispatches, the graduate's view ------------------------------------------------


@dataclass
class BatchSummary:
    batch: ArchiveDispatchBatch
    created_by: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return self.counts.get("prepared", 0) + self.counts.get("sent", 0)

    @property
    def state_label(self) -> str:
        """待寄出 / 部分寄出 / 已寄出 (全部作废 when nothing is left), read from the dispatches."""
        sent, prepared = self.counts.get("sent", 0), self.counts.get("prepared", 0)
        if not sent and not prepared:
            return "全部作废"
        if not sent:
            return "待寄出"
        return "部分寄出" if prepared else "已寄出"


def batches(school_id: int, batch_id: int | None = None) -> list[BatchSummary]:
    """The school's batches (or just *batch_id*), newest first, with their counts per state (two queries)."""
    stmt = (select(ArchiveDispatchBatch, User.display_name).join(User, User.id == ArchiveDispatchBatch.created_by)
            .where(ArchiveDispatchBatch.school_id == school_id).order_by(ArchiveDispatchBatch.id.desc()))
    counted = (select(ArchiveDispatch.batch_id, ArchiveDispatch.state, func.count())
               .where(ArchiveDispatch.school_id == school_id)
               .group_by(ArchiveDispatch.batch_id, ArchiveDispatch.state))
    if batch_id is not None:
        stmt = stmt.where(ArchiveDispatchBatch.id == batch_id)
        counted = counted.where(ArchiveDispatch.batch_id == batch_id)
    rows = db.session.execute(stmt).all()
    counts: dict[int, dict[str, int]] = {}
    for bid, state, n in db.session.execute(counted):
        counts.setdefault(bid, {})[state] = n
    return [BatchSummary(b, who, counts.get(b.id, {})) for b, who in rows]


def get_batch(school_id: int, batch_id: int) -> BatchSummary:
    """One batch of the school with its counts, or 404 (another school's batch too)."""
    found = batches(school_id, batch_id)
    if not found:
        raise NotFound()
    return found[0]


def batch_rows_stmt(school_id: int, batch_id: int, state: str = "") -> Any:
    """The batch's dispatches with the graduate's name, student number and 身份证号, for ``paginate``."""
    stmt = (select(ArchiveDispatch, Graduate.name, Graduate.student_no, Graduate.id_number)
            .join(Graduate, Graduate.id == ArchiveDispatch.graduate_id)
            .where(ArchiveDispatch.school_id == school_id, ArchiveDispatch.batch_id == batch_id)
            .order_by(ArchiveDispatch.id))
    if state in DISPATCH_STATE_LABELS:
        stmt = stmt.where(ArchiveDispatch.state == state)
    return stmt


def get_dispatch(school_id: int, dispatch_id: int) -> ArchiveDispatch:
    row = db.session.get(ArchiveDispatch, dispatch_id, populate_existing=True)
    if row is None or row.school_id != school_id:
        raise NotFound()
    return row


def latest_for_graduate(graduate_id: int) -> ArchiveDispatch | None:
    """The graduate's latest dispatch that is not cancelled: what their archive page shows."""
    return db.session.scalar(select(ArchiveDispatch).where(ArchiveDispatch.graduate_id == graduate_id,
                                                           ArchiveDispatch.state != "cancelled")
                             .order_by(ArchiveDispatch.id.desc()).limit(1))


def graduate_view(graduate_id: int) -> dict[str, Any] | None:
    """``dispatch`` of the graduate's archive payload: None, or number, state and — once sent — date,
    carrier and tracking number."""
    row = latest_for_graduate(graduate_id)
    if row is None:
        return None
    return {
        "transfer_no": ids.display(row.transfer_no),
        "state": row.state,
        "state_label": row.state_label,
        "sent_on": row.sent_on.isoformat() if row.sent_on else None,
        "carrier": row.carrier,
        "tracking_no": row.tracking_no,
    }


# --- cancelling -----------------------------------------------------------------------------------------


def cancel(user: User, row: ArchiveDispatch, reason: str) -> ArchiveDispatch:
    """作废 a prepared dispatch (the archive is not mailed with this number); a sent one stays."""
    _require_school(user, row.school_id)
    reason = (reason or "").strip()
    if not reason:
        raise ApiError("reason_required", "请填写作废原因", {"reason": "请填写作废原因"})
    if len(reason) > 200:
        raise ApiError("reason_too_long", "作废原因不能超过200个字", {"reason": "作废原因不能超过200个字"})
    now = timeutil.now()
    result = db.session.execute(update(ArchiveDispatch).where(ArchiveDispatch.id == row.id,
                                                              ArchiveDispatch.state == "prepared")
                                .values(state="cancelled", cancelled_at=now, cancel_reason=reason)
                                .execution_options(synchronize_session=False))
    db.session.refresh(row)
    if not result.rowcount:  # type: ignore[attr-defined]
        raise Conflict("not_prepared", f"该转递编号当前为“{row.state_label}”，不能作废")
    audit.record(actor_for(user), "archive_dispatch.cancel", row, transfer_no=row.transfer_no,
                 graduate_id=row.graduate_id, reason=reason)
    return row


def on_transfer_info_changed(sender: Any, *, graduate_id: int, module: str, **_: Any) -> None:
    """The archive info was replaced or voided: a prepared dispatch that copied the old info is cancelled,
    so the graduate is a candidate again with the new address (a sent one is history and stays)."""
    if module != "archive":
        return
    current = select(TransferInfo.id).where(TransferInfo.graduate_id == graduate_id, TransferInfo.module == "archive",
                                            TransferInfo.status == "current")
    cancelled = db.session.execute(
        update(ArchiveDispatch).where(ArchiveDispatch.graduate_id == graduate_id, ArchiveDispatch.state == "prepared",
                                      ArchiveDispatch.transfer_info_id.not_in(current))
        .values(state="cancelled", cancelled_at=timeutil.now(), cancel_reason=CANCEL_INFO_CHANGED)
        .returning(ArchiveDispatch.id, ArchiveDispatch.school_id, ArchiveDispatch.transfer_no)
        .execution_options(synchronize_session=False)).all()
    for dispatch_id, school_id, number in cancelled:
        audit.record(audit.SYSTEM, "archive_dispatch.cancel", object_type="archive_dispatch", object_id=dispatch_id,
                     school_id=school_id, transfer_no=number, graduate_id=graduate_id, reason=CANCEL_INFO_CHANGED)


# --- the mailing list -----------------------------------------------------------------------------------

EXPORT_HEADER = ["转递编号", "收件单位", "收件地址", "邮编", "收件联系人", "联系电话", "毕业生姓名", "学号", "身份证号",
                 "院系", "状态", "快递公司", "运单号", "寄出日期"]


def export_xlsx(school_id: int, batch_id: int) -> bytes:
    """The batch's mailing list: one row per archive (cancelled ones left out), the label's fields and the
    graduate's, 身份证号 masked; the last three columns are the tracking file's, so the same sheet can
    come back filled in (:func:`import_tracking`)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    get_batch(school_id, batch_id)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("档案转递")
    for i, width in enumerate((20, 32, 48, 8, 12, 16, 10, 14, 20, 18, 8, 12, 20, 12)):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for label in EXPORT_HEADER:
        cell = WriteOnlyCell(ws, value=label)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    rows = db.session.execute(
        select(ArchiveDispatch.transfer_no, ArchiveDispatch.recipient_name, ArchiveDispatch.recipient_region,
               ArchiveDispatch.recipient_address, ArchiveDispatch.recipient_postcode, ArchiveDispatch.recipient_contact,
               ArchiveDispatch.recipient_phone, Graduate.name, Graduate.student_no, Graduate.id_number, Department.name,
               ArchiveDispatch.state, ArchiveDispatch.carrier, ArchiveDispatch.tracking_no, ArchiveDispatch.sent_on)
        .join(Graduate, Graduate.id == ArchiveDispatch.graduate_id)
        .join(Department, Department.id == Graduate.department_id)
        .where(ArchiveDispatch.school_id == school_id, ArchiveDispatch.batch_id == batch_id,
               ArchiveDispatch.state != "cancelled")
        .order_by(ArchiveDispatch.id))
    for (number, office, region, address, postcode, contact, phone, name, student_no, id_number, dept, state,
         carrier, tracking, sent_on) in rows:
        sheets.append(ws, [ids.display(number), office, full_address(region, address), postcode, contact, phone, name,
                   student_no or "", mask_id_number(id_number), dept, DISPATCH_STATE_LABELS[state], carrier or "",
                   tracking or "", sent_on.isoformat() if sent_on else ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the carrier's tracking file ------------------------------------------------------------------------

#: tracking column → the header labels that name it.
TRACKING_COLUMNS = {
    "number": ("转递编号",),
    "carrier": ("快递公司", "承运公司", "快递"),
    "tracking_no": ("运单号", "快递单号", "运单编号", "邮件号"),
    "sent_on": ("寄出日期", "寄件日期", "发货日期"),
}
COLUMN_LABELS = {key: labels[0] for key, labels in TRACKING_COLUMNS.items()}
TRACKING_NO = re.compile(r"[A-Z0-9\-]{6,40}")
CARRIER_MAX = 30


@dataclass
class TrackingResult:
    sent: int = 0
    unchanged: int = 0
    #: Rows with a number but no carrier, tracking number or date: not mailed yet, left alone.
    blank: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _header_key(label: Any) -> str | None:
    text = re.sub(r"[\s\u3000*＊]+", "", cell_text(label))
    text = re.sub(r"[（(].*$", "", text)
    for key, labels in TRACKING_COLUMNS.items():
        if text in labels:
            return key
    return None


def _read_tracking_rows(content: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    if not content:
        raise ImportRefused("文件是空的，请选择快递公司返回的运单表")
    if not (filename or "").lower().endswith(".xlsx") or not content.startswith(b"PK"):
        raise ImportRefused("只支持 .xlsx 文件")
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportRefused("文件不是有效的 .xlsx 表格（可能已损坏，或只是改了扩展名）") from exc
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        columns: dict[str, int] | None = None
        out: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if columns is None:
                found: dict[str, int] = {}
                for i, label in enumerate(values):
                    key = _header_key(label)
                    if key and key not in found:
                        found[key] = i
                if "number" in found:
                    missing = [COLUMN_LABELS[k] for k in TRACKING_COLUMNS if k not in found]
                    if missing:
                        raise ImportRefused("表头缺少列：" + "、".join(missing)
                                            + "（需要 转递编号、快递公司、运单号、寄出日期）")
                    columns = found
                elif number >= 5:
                    raise ImportRefused("找不到表头行（前5行中没有“转递编号”列）")
                continue
            if all(v is None or not str(v).strip() for v in values):
                continue
            out.append((number, {k: values[i] if i < len(values) else None for k, i in columns.items()}))
            if len(out) > MAX_ROWS:
                raise ImportRefused(f"表格数据超过单次导入上限{MAX_ROWS}行，请拆分后分批导入")
    finally:
        wb.close()
    if columns is None:
        raise ImportRefused("找不到表头行（没有“转递编号”列）")
    if not out:
        raise ImportRefused("表格中没有数据行")
    return out


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+.*)?")


def parse_date(value: Any) -> date | None:
    """A date cell as people and carriers write it: a date, 2027-07-01, 2027/7/1, 2027年7月1日, 20270701."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value).strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE_TEXT.fullmatch(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


@dataclass
class _Row:
    row: int
    number: str
    carrier: str
    tracking_no: str
    sent_on: date


def import_tracking(user: User, school_id: int, filename: str, content: bytes) -> TrackingResult:
    """Record the carrier's tracking file (转递编号, 快递公司, 运单号, 寄出日期) and tell each graduate.

    All or nothing: every row is checked first — number format and check character, duplicates in the
    file, unknown numbers, another school's, cancelled ones, one already sent with other details, bad
    or future dates — and any bad row leaves everything unchanged. A file-level problem raises
    :class:`ImportRefused`.
    """
    _require_school(user, school_id)
    rows = _read_tracking_rows(content, filename)
    result = TrackingResult()
    today = timeutil.today()
    seen: dict[str, int] = {}
    checked: list[_Row] = []
    for number_row, raw in rows:
        errors: list[tuple[str, str]] = []
        number = ids.normalise(cell_text(raw.get("number")))
        carrier = re.sub(r"\s+", " ", cell_text(raw.get("carrier"))).strip()
        tracking = re.sub(r"\s+", "", cell_text(raw.get("tracking_no"))).upper()
        raw_date = raw.get("sent_on")
        if not number:
            errors.append(("number", "请填写转递编号"))
        elif not ids.is_valid(number, PREFIX, BODY_LENGTH):
            errors.append(("number", "转递编号格式有误或校验位不符，请核对"))
        elif number in seen:
            errors.append(("number", f"与第{seen[number]}行的转递编号重复"))
        else:
            seen[number] = number_row
        if not carrier and not tracking and (raw_date is None or not cell_text(raw_date).strip()):
            if not errors:
                result.blank += 1
                continue
        sent_on = parse_date(raw_date)
        if not carrier:
            errors.append(("carrier", "请填写快递公司"))
        elif len(carrier) > CARRIER_MAX:
            errors.append(("carrier", f"快递公司不能超过{CARRIER_MAX}个字"))
        if not tracking:
            errors.append(("tracking_no", "请填写运单号"))
        elif not TRACKING_NO.fullmatch(tracking):
            errors.append(("tracking_no", "运单号应为6至40位字母或数字"))
        if raw_date is None or not cell_text(raw_date).strip():
            errors.append(("sent_on", "请填写寄出日期"))
        elif sent_on is None:
            errors.append(("sent_on", "寄出日期无效，请写成 2027-07-01 的形式"))
        elif sent_on > today:
            errors.append(("sent_on", f"寄出日期（{sent_on:%Y-%m-%d}）晚于今天"))
        for key, message in errors:
            result.errors.append(RowError(number_row, COLUMN_LABELS[key], message))
        if not errors:
            assert sent_on is not None
            checked.append(_Row(number_row, number, carrier, tracking, sent_on))
    known = _lookup([r.number for r in checked])
    to_send: list[_Row] = []
    for r in checked:
        row = known.get(r.number)
        problem: tuple[str, str] | None = None
        if row is None:
            problem = ("number", "转递编号不存在")
        elif row.school_id != school_id:
            problem = ("number", "不是本校的转递编号")
        elif row.state == "cancelled":
            problem = ("number", "该转递编号已作废，不能登记寄出")
        elif row.state == "sent":
            if (row.carrier, row.tracking_no, row.sent_on) == (r.carrier, r.tracking_no, r.sent_on):
                result.unchanged += 1
                continue
            key = "tracking_no" if row.tracking_no != r.tracking_no else (
                "carrier" if row.carrier != r.carrier else "sent_on")
            problem = (key, f"已登记寄出（{row.carrier} {row.tracking_no}，{row.sent_on:%Y-%m-%d}），"
                            f"与本行的{COLUMN_LABELS[key]}不同")
        elif r.sent_on < timeutil.local(row.created_at).date():
            problem = ("sent_on", f"寄出日期早于生成转递编号的日期（{timeutil.local(row.created_at):%Y-%m-%d}）")
        if problem is not None:
            result.errors.append(RowError(r.row, COLUMN_LABELS[problem[0]], problem[1]))
            continue
        to_send.append(r)
    result.errors.sort(key=lambda e: e.row)
    if result.errors:
        return result
    actor = actor_for(user)
    if to_send:
        result.sent = _mark_sent(actor, school_id, to_send)
    audit.record(actor, "archive_dispatch.import", object_type="school", object_id=school_id, school_id=school_id,
                 filename=(filename or "")[-200:], rows=len(rows), sent=result.sent, unchanged=result.unchanged,
                 blank=result.blank)
    return result


def _lookup(numbers: list[str]) -> dict[str, ArchiveDispatch]:
    """The dispatches of *numbers*, whichever school's (one query)."""
    if not numbers:
        return {}
    return {row.transfer_no: row for row in db.session.scalars(
        select(ArchiveDispatch).where(bulk.in_(ArchiveDispatch.transfer_no, numbers, String)))}


def _mark_sent(actor: audit.Actor, school_id: int, rows: list[_Row]) -> int:
    """prepared → sent for *rows* in one UPDATE … FROM, then one message and one audit event each."""
    now = timeutil.now()
    given = bulk.json_rows(({"no": r.number, "carrier": r.carrier, "tracking_no": r.tracking_no,
                             "sent_on": r.sent_on.isoformat()} for r in rows),
                           {"no": String, "carrier": String, "tracking_no": String, "sent_on": Date})
    result = db.session.execute(
        update(ArchiveDispatch)
        .where(ArchiveDispatch.transfer_no == given.c.no, ArchiveDispatch.school_id == school_id,
               ArchiveDispatch.state == "prepared")
        .values(state="sent", carrier=given.c.carrier, tracking_no=given.c.tracking_no, sent_on=given.c.sent_on,
                sent_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != len(rows):  # type: ignore[attr-defined]
        # a dispatch was cancelled or recorded by someone else since the check: nothing of this file counts
        raise Conflict("dispatch_changed", "导入期间有转递编号被作废或已登记寄出，请重新导入该文件")
    just_sent = and_(bulk.in_(ArchiveDispatch.transfer_no, [r.number for r in rows], String),
                     ArchiveDispatch.school_id == school_id,
                     ArchiveDispatch.state == "sent", ArchiveDispatch.sent_at == now)
    body = (literal("你的档案已于") + cast(ArchiveDispatch.sent_on, String) + literal("寄往")
            + ArchiveDispatch.recipient_name + literal("：") + ArchiveDispatch.carrier + literal(" ")
            + ArchiveDispatch.tracking_no + literal("（转递编号 ") + ArchiveDispatch.transfer_no + literal("）"))
    db.session.execute(insert(NotificationOutbox).from_select(
        ["created_at", "graduate_id", "kind", "title", "body", "data", "attempts", "status"],
        select(literal(now, type_=NotificationOutbox.created_at.type), ArchiveDispatch.graduate_id,
               literal(MESSAGE_KIND), literal("档案已寄出"), body,
               bulk.json_object(kind=literal("archive_dispatch"), dispatch_id=ArchiveDispatch.id,
                                transfer_no=ArchiveDispatch.transfer_no, carrier=ArchiveDispatch.carrier,
                                tracking_no=ArchiveDispatch.tracking_no,
                                sent_on=cast(ArchiveDispatch.sent_on, String)),
               literal(0), literal("pending")).where(just_sent)))
    queue_sender()
    audit.record_select(actor, "archive_dispatch.sent", "archive_dispatch", select(
        ArchiveDispatch.id, ArchiveDispatch.school_id,
        bulk.json_object(transfer_no=ArchiveDispatch.transfer_no, graduate_id=ArchiveDispatch.graduate_id,
                         carrier=ArchiveDispatch.carrier, tracking_no=ArchiveDispatch.tracking_no,
                         sent_on=cast(ArchiveDispatch.sent_on, String))).where(just_sent))
    return len(rows)


def tracking_template_xlsx() -> bytes:
    """A blank tracking file: the four columns the import reads."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "寄出运单"
    ws.append(["转递编号", "快递公司", "运单号", "寄出日期"])
    for col, width in zip("ABCD", (22, 12, 22, 12), strict=True):
        ws.column_dimensions[col].width = width
        ws.column_dimensions[col].number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
