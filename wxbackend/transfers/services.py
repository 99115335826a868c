"""Write and read the graduate's current archive and hukou info (ON-10).

Functions add to the session and flush; callers commit. The caller decides which blocks apply;
each given block replaces the graduate's current row of that module in the same transaction, and
every change is announced as ``core.signals.transfer_info_changed`` (confirmation, CF-5, listens).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from wxbackend.core import signals, timeutil
from wxbackend.core.db import db
from wxbackend.transfers.models import MODULES, TransferInfo


def sync_from_source(graduate_id: int, *, source_kind: str, source_id: int, archive: dict[str, Any] | None,
                     hukou: dict[str, Any] | None) -> list[TransferInfo]:
    """Make each given block the graduate's current info of its module; the row it replaces turns void."""
    out = []
    now = timeutil.now()
    for module, data in (("archive", archive), ("hukou", hukou)):
        if data is None:
            continue
        db.session.execute(update(TransferInfo).where(
            TransferInfo.graduate_id == graduate_id, TransferInfo.module == module,
            TransferInfo.status == "current").values(status="void").execution_options(synchronize_session=False))
        info = TransferInfo(graduate_id=graduate_id, module=module, source_kind=source_kind, source_id=source_id,
                            data=data, status="current", synced_at=now)
        db.session.add(info)
        out.append(info)
    db.session.flush()
    for info in out:
        signals.transfer_info_changed.send("transfers", graduate_id=graduate_id, module=info.module,
                                           source_kind=source_kind, source_id=source_id, status="current")
    return out


def void_from_source(source_kind: str, source_id: int) -> int:
    """Void the current rows that came from one source record (e.g. a terminated agreement); how many."""
    voided = db.session.execute(update(TransferInfo).where(
        TransferInfo.source_kind == source_kind, TransferInfo.source_id == source_id,
        TransferInfo.status == "current").values(status="void")
        .returning(TransferInfo.graduate_id, TransferInfo.module).execution_options(synchronize_session=False)).all()
    for graduate_id, module in voided:
        signals.transfer_info_changed.send("transfers", graduate_id=graduate_id, module=module,
                                           source_kind=source_kind, source_id=source_id, status="void")
    return len(voided)


def current(graduate_id: int, module: str) -> TransferInfo | None:
    """The graduate's current archive or hukou info, or None."""
    if module not in MODULES:
        raise ValueError(f"unknown transfer module {module!r}")
    return db.session.scalar(select(TransferInfo).where(
        TransferInfo.graduate_id == graduate_id, TransferInfo.module == module, TransferInfo.status == "current"))


def void_for_graduates(graduate_ids: list[int]) -> int:
    """Every current archive and hukou row of *graduate_ids* becomes void (L-7); how many."""
    voided = db.session.execute(update(TransferInfo).where(
        TransferInfo.graduate_id.in_(graduate_ids), TransferInfo.status == "current").values(status="void")
        .returning(TransferInfo.graduate_id, TransferInfo.module, TransferInfo.source_kind,
                   TransferInfo.source_id).execution_options(synchronize_session=False)).all()
    for graduate_id, module, source_kind, source_id in voided:
        signals.transfer_info_changed.send("transfers", graduate_id=graduate_id, module=module,
                                           source_kind=source_kind, source_id=source_id, status="void")
    return len(voided)
