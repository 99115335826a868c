"""ON-10: transfers keeps one current archive and one current hukou row per graduate, whoever feeds it.

The agreement-driven cases (which blocks a school pass syncs, termination voiding them) are in
tests/signing/test_signing_rules.py; these drive the platform API on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wxbackend.core.db import db
from wxbackend.transfers import services as transfers
from wxbackend.transfers.models import TransferInfo

ARCHIVE = {"archive_transfer_type": "13", "archive_unit_name": "北京市海淀区人才服务中心"}
HUKOU = {"hukou_transfer_type": "11", "hukou_address": "北京市西城区西直门外大街18号"}


def _rows(graduate_id: int) -> list[tuple[str, str, int, str]]:
    return [(t.module, t.source_kind, t.source_id, t.status) for t in db.session.scalars(
        select(TransferInfo).where(TransferInfo.graduate_id == graduate_id).order_by(TransferInfo.id))]


def test_on_10_sync_writes_only_the_given_blocks(make_graduate: Callable[..., Any]) -> None:
    """ON-10: a block the caller leaves out (module off, hukou not at school) is not written."""
    graduate = make_graduate()
    rows = transfers.sync_from_source(graduate.id, source_kind="online_agreement", source_id=1,
                                      archive=ARCHIVE, hukou=None)
    db.session.commit()
    assert [(r.module, r.data) for r in rows] == [("archive", ARCHIVE)]
    assert transfers.current(graduate.id, "hukou") is None
    current = transfers.current(graduate.id, "archive")
    assert current is not None and current.data == ARCHIVE and current.status == "current"


def test_on_10_a_newer_source_replaces_the_current_row(make_graduate: Callable[..., Any]) -> None:
    """ON-10: syncing again voids the graduate's current row of that module; other graduates are untouched."""
    graduate, other = make_graduate(), make_graduate()
    transfers.sync_from_source(graduate.id, source_kind="online_agreement", source_id=1, archive=ARCHIVE, hukou=HUKOU)
    transfers.sync_from_source(other.id, source_kind="online_agreement", source_id=2, archive=ARCHIVE, hukou=None)
    newer = {**ARCHIVE, "archive_unit_name": "上海市人才服务中心"}
    transfers.sync_from_source(graduate.id, source_kind="online_agreement", source_id=3, archive=newer, hukou=None)
    db.session.commit()
    db.session.expire_all()
    assert _rows(graduate.id) == [("archive", "online_agreement", 1, "void"),
                                  ("hukou", "online_agreement", 1, "current"),
                                  ("archive", "online_agreement", 3, "current")]
    archive = transfers.current(graduate.id, "archive")
    assert archive is not None and archive.data == newer
    assert _rows(other.id) == [("archive", "online_agreement", 2, "current")]


def test_on_10_voiding_a_source_voids_only_its_current_rows(make_graduate: Callable[..., Any]) -> None:
    """ON-10: undoing a source (a terminated agreement) voids what it synced, and nothing else."""
    graduate, other = make_graduate(), make_graduate()
    transfers.sync_from_source(graduate.id, source_kind="online_agreement", source_id=1, archive=ARCHIVE, hukou=HUKOU)
    transfers.sync_from_source(other.id, source_kind="offline_agreement", source_id=1, archive=ARCHIVE, hukou=None)
    db.session.commit()
    assert transfers.void_from_source("online_agreement", 1) == 2
    assert transfers.void_from_source("online_agreement", 1) == 0
    db.session.commit()
    assert transfers.current(graduate.id, "archive") is None and transfers.current(graduate.id, "hukou") is None
    assert transfers.current(other.id, "archive") is not None


def test_on_10_the_database_keeps_one_current_row_per_module(make_graduate: Callable[..., Any]) -> None:
    """ON-10: uq_transfer_info_current refuses a second current row that bypasses the service."""
    graduate = make_graduate()
    transfers.sync_from_source(graduate.id, source_kind="online_agreement", source_id=1, archive=ARCHIVE, hukou=None)
    db.session.commit()
    db.session.add(TransferInfo(graduate_id=graduate.id, module="archive", source_kind="online_agreement",
                                source_id=2, data=ARCHIVE, status="current"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_current_refuses_an_unknown_module(make_graduate: Callable[..., Any]) -> None:
    with pytest.raises(ValueError):
        transfers.current(make_graduate().id, "photo")


def test_on_10_every_change_is_signalled(make_graduate: Callable[..., Any]) -> None:
    """ON-10: setting and voiding transfer info reach listeners (``transfer_info_changed``; CF-5 will listen)."""
    from wxbackend.core import signals

    heard: list[tuple[int, str, str]] = []

    def receiver(sender: Any, **data: Any) -> None:
        heard.append((data["graduate_id"], data["module"], data["status"]))

    graduate = make_graduate()
    signals.transfer_info_changed.connect(receiver)
    try:
        transfers.sync_from_source(graduate.id, source_kind="online_agreement", source_id=7, archive=ARCHIVE,
                                   hukou=HUKOU)
        assert transfers.void_from_source("online_agreement", 7) == 2
    finally:
        signals.transfer_info_changed.disconnect(receiver)
    assert sorted(heard) == sorted([(graduate.id, "archive", "current"), (graduate.id, "hukou", "current"),
                                    (graduate.id, "archive", "void"), (graduate.id, "hukou", "void")])
