"""VA-6: the 转递编号 the school issued when it mailed the archive also verifies, until 31 March of the
year after graduation (fig. 47's notes).

The answer is built like a verification report: basic info, the destination of the graduate's last
report (if any), and the archive section as it was mailed — the recipient copied when the number was
issued, with the transfer type of the archive info it was copied from.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from wxbackend.accounts.models import Graduate
from wxbackend.core import ids, timeutil
from wxbackend.core.db import db
from wxbackend.reporting import services as reporting
from wxbackend.transfers import dispatch
from wxbackend.transfers.models import ArchiveDispatch, TransferInfo
from wxbackend.verification import services
from wxbackend.verification.lookup import Found


def valid_until(graduate: Graduate) -> date:
    """31 March of the year after the graduation year."""
    return date(int(graduate.graduate_ym[:4]) + 1, 3, 31)


def find(number: str, name: str) -> Found | None:
    if not ids.is_valid(number, dispatch.PREFIX, dispatch.BODY_LENGTH):
        return None
    row = db.session.scalar(select(ArchiveDispatch).where(ArchiveDispatch.transfer_no == number,
                                                          ArchiveDispatch.state != "cancelled"))
    if row is None:
        return None
    graduate = db.session.get(Graduate, row.graduate_id)
    if graduate is None or graduate.deleted_at is not None or graduate.name != name:
        return None
    until = valid_until(graduate)
    if timeutil.now() >= services.ends_at(until):
        return None
    last = reporting.last_report(graduate.id)
    info = db.session.scalar(select(TransferInfo.data).where(TransferInfo.id == row.transfer_info_id)) or {}
    data = {**(last[0].data if last else {}), "archive_transfer_type": info.get("archive_transfer_type"),
            "archive_unit_name": row.recipient_name, "archive_unit_region": row.recipient_region,
            "archive_unit_address": row.recipient_address, "archive_postcode": row.recipient_postcode}
    return Found("archive", number, "dispatch", services.report_content(graduate, "archive", data), until)
