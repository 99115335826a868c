"""核验授权 (VA-1 … VA-8): the graduate lets the archive and hukou offices verify what was registered.

A verification may be set only while the graduate's confirmation holds (VA-1) and only for a module
with registered info in the confirmed report (VA-2). The graduate picks 有效期至, at the latest the
last day of the sixth month after the graduation month (VA-3: 202306 → 2023-12-31); the report is valid
through 23:59:59 of that day, Asia/Shanghai, checked when a lookup is answered. Its 核验编号 comes from
``core.ids`` (random, ISO 7064 check character, VA-7). Setting a new one ends the old one, and the
graduate may end one early (VA-8): the old number stops verifying at once.

The report content is fixed when it is set, from the confirmed report (the graduate confirmed it) and
the basic info; when the confirmation stops holding (CF-5) the number stops verifying too.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, Major
from wxbackend.accounts.modules import require_module
from wxbackend.confirmation import services as confirmation
from wxbackend.confirmation.models import DestinationConfirmation
from wxbackend.core import audit, ids, timeutil
from wxbackend.core.codes import code_list, region_name
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, NotFound
from wxbackend.core.jobs import enqueue
from wxbackend.reporting.models import ReportSnapshot
from wxbackend.verification.models import MODULES, STATE_LABELS, Verification

MODULE = "verification"
#: The first character of a 核验编号 says which verification it is.
PREFIXES = {"archive": "A", "hukou": "H"}
BODY_LENGTH = 12
audit.ACTION_LABELS.update({"verification.create": "设置核验有效期", "verification.close": "提前结束核验"})

#: What each module's section needs in the confirmed report to exist (VA-2).
_SECTION_KEY = {"archive": "archive_transfer_type", "hukou": "hukou_transfer_type"}


def latest_valid_until(graduate: Graduate) -> date:
    """The last day of the sixth month after the graduation month (VA-3)."""
    year, month = int(graduate.graduate_ym[:4]), int(graduate.graduate_ym[4:6])
    month += 6
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def ends_at(valid_until: date) -> Any:
    """The first moment a report with *valid_until* no longer verifies (00:00 the day after)."""
    return timeutil.start_of_day(valid_until + timedelta(days=1))


def is_valid_now(row: Verification) -> bool:
    return row.status == "active" and timeutil.now() < ends_at(row.valid_until)


def _confirmed(graduate_id: int) -> tuple[DestinationConfirmation, ReportSnapshot] | None:
    answer = confirmation.current_answer(graduate_id)
    if answer is None or answer.answer != "confirmed":
        return None
    snap = db.session.get(ReportSnapshot, answer.snapshot_id)
    return None if snap is None else (answer, snap)


def _ym(value: str | None) -> str:
    return f"{value[:4]}年{value[4:6]}月" if value and len(value) == 6 else "-"


def _label(list_name: str, code: str | None) -> str:
    return code_list(list_name).label(code) if code else "-"


def report_content(graduate: Graduate, module: str, data: dict[str, Any]) -> dict[str, Any]:
    """The 去向登记信息表 (VA-4): basic info, destination, and this module's section, as label/value rows."""
    major = db.session.get(Major, graduate.major_id)
    basic = [
        ("姓名", graduate.name), ("性别", _label("gender", graduate.gender)), ("毕业院校", graduate.school.name),
        ("毕业时间", _ym(graduate.graduate_ym)), ("学制", f"{graduate.schooling_years}年"),
        ("专业", major.name if major else "-"), ("学历", _label("education", graduate.education)),
        ("生源所在地", region_name(graduate.origin_region)),
    ]
    destination = [("毕业去向", data.get("destination_label") or "-"),
                   ("单位名称", data.get("unit_name") or data.get("admit_school") or "-"),
                   ("单位所在地", region_name(data.get("unit_region")))]
    if module == "archive":
        section = ("档案转递信息", [
            ("档案转递类型", _label("transfer_type", data.get("archive_transfer_type"))),
            ("档案转递单位名称", data.get("archive_unit_name") or "-"),
            ("档案转递单位所在地", region_name(data.get("archive_unit_region"))),
            ("档案转递单位地址", data.get("archive_unit_address") or "-"),
            ("邮政编码", data.get("archive_postcode") or "-"),
            ("联系人/联系部门", data.get("archive_contact") or "-"),
            ("联系电话", data.get("archive_phone") or "-")])
    else:
        section = ("户口迁移信息", [
            ("户口迁移类型", _label("transfer_type", data.get("hukou_transfer_type"))),
            ("户口迁移所在地", region_name(data.get("hukou_region"))),
            ("户口迁移详细地址", data.get("hukou_address") or "-")])
    return {"name": graduate.name, "school": graduate.school.name, "graduate_ym": graduate.graduate_ym,
            "sections": [{"title": "基本信息", "rows": [list(r) for r in basic]},
                         {"title": "毕业去向信息", "rows": [list(r) for r in destination]},
                         {"title": section[0], "rows": [list(r) for r in section[1]]}]}


def content_digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def refusal(graduate: Graduate, module: str) -> str | None:
    """Why *graduate* cannot set a *module* verification now (VA-1, VA-2); None when they can."""
    found = _confirmed(graduate.id)
    if found is None:
        return "需完成去向登记确认才能进行核验授权"
    if not found[1].data.get(_SECTION_KEY[module]):
        what = "档案" if module == "archive" else "户口"
        return f"你还没有已上报并确认的{what}信息，不能进行{MODULES[module]}"
    return None


def active(graduate_id: int, module: str) -> Verification | None:
    return db.session.scalar(select(Verification).where(
        Verification.graduate_id == graduate_id, Verification.module == module, Verification.status == "active"))


def history(graduate_id: int) -> list[Verification]:
    return list(db.session.scalars(select(Verification).where(Verification.graduate_id == graduate_id)
                                   .order_by(Verification.id.desc())))


def _module(module: Any) -> str:
    if module not in MODULES:
        raise ApiError("invalid_fields", "请选择档案信息核验或户口信息核验", {"module": "应为 archive 或 hukou"})
    return str(module)


def _valid_until(graduate: Graduate, raw: Any) -> date:
    if isinstance(raw, date):
        value = raw
    else:
        try:
            value = date.fromisoformat(str(raw or "").strip())
        except ValueError:
            raise ApiError("invalid_fields", "请选择有效期", {"valid_until": "请选择有效期（年-月-日）"}) from None
    latest = latest_valid_until(graduate)
    if value < timeutil.today():
        raise ApiError("invalid_fields", "有效期不能早于今天", {"valid_until": "有效期不能早于今天"})
    if value > latest:
        message = f"有效期最晚为毕业时间后六个月的最后一天（{latest.year}年{latest.month}月{latest.day}日）"
        raise ApiError("invalid_fields", message, {"valid_until": message})
    return value


def create(graduate: Graduate, module: Any, valid_until: Any) -> Verification:
    """设置有效期: a new 核验编号 for *module*; an active one of the same module ends (replaced, VA-8)."""
    require_module(graduate, graduate.school, MODULE)
    module = _module(module)
    reason = refusal(graduate, module)
    if reason is not None:
        raise Conflict("verification_refused", reason)
    value = _valid_until(graduate, valid_until)
    answer, snap = _confirmed(graduate.id)  # type: ignore[misc]  # refusal() said it is there
    content = report_content(graduate, module, snap.data or {})
    now = timeutil.now()
    db.session.execute(
        update(Verification)
        .where(Verification.graduate_id == graduate.id, Verification.module == module,
               Verification.status == "active")
        .values(status="replaced", ended_at=now).execution_options(synchronize_session=False))
    for _attempt in range(3):  # a colliding random number is astronomically rare; try again if it happens
        row = Verification(graduate_id=graduate.id, school_id=graduate.school_id, module=module,
                           number=ids.new(PREFIXES[module], BODY_LENGTH), confirmation_id=answer.id,
                           valid_until=value, status="active", content=content, digest=content_digest(content),
                           created_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            if active(graduate.id, module) is not None:  # a concurrent 设置 of the same module won
                raise Conflict("verification_exists", "已有生效中的核验，请刷新页面") from None
            continue
        audit.record(actor_for(graduate), "verification.create", row, module=module,
                     valid_until=value.isoformat())
        enqueue("jobs.pdf.render_verification_pdf", row.id)  # VA-4: ready by the first download
        return row
    raise Conflict("verification_retry", "生成核验编号失败，请重试")


def get_own(graduate: Graduate, verification_id: int) -> Verification:
    row = db.session.get(Verification, verification_id)
    if row is None or row.graduate_id != graduate.id:
        raise NotFound()
    return row


def close(graduate: Graduate, row: Verification) -> Verification:
    """提前结束 (VA-8): the number stops verifying now."""
    done = db.session.execute(
        update(Verification).where(Verification.id == row.id, Verification.status == "active")
        .values(status="closed", ended_at=timeutil.now()).execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict("not_active", "该核验已结束")
    db.session.refresh(row)
    audit.record(actor_for(graduate), "verification.close", row, module=row.module)
    return row


def state(row: Verification) -> str:
    """The effective state, derived on read (the one place): active, expired, void, closed or replaced.

    ``active`` is the only one that verifies: within its date and its confirmation still current (CF-5).
    """
    if row.status != "active":
        return row.status
    if not is_valid_now(row):
        return "expired"
    status = db.session.scalar(select(DestinationConfirmation.status).where(
        DestinationConfirmation.id == row.confirmation_id))
    return "active" if status == "current" else "void"


def state_label(row: Verification) -> str:
    return STATE_LABELS[state(row)]


def holds(row: Verification) -> bool:
    """Valid now: active, within its date, and its confirmation still current (CF-5)."""
    return state(row) == "active"
