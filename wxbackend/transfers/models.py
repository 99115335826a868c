"""The graduate's archive and hukou transfer info, one ``current`` row per module (ON-10).

Database guard: ``uq_transfer_info_current`` — at most one current row per (graduate, module).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base

MODULES = ("archive", "hukou")


class TransferInfo(Base):
    """Archive or hukou transfer info synced from a source record, e.g. a signed agreement (ON-10).

    The archive and hukou modules read the graduate's ``current`` row as their starting point;
    a row becomes ``void`` when a newer one replaces it or its source is undone (an agreement terminated).
    """

    __tablename__ = "transfer_info"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"))
    #: archive | hukou
    module: Mapped[str] = mapped_column(String(8))
    #: Where it came from: online_agreement (later offline_agreement, the module's own form).
    source_kind: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(8), default="current")
    synced_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (
        CheckConstraint("module IN ('archive','hukou')", name="module_known"),
        CheckConstraint("status IN ('current','void')", name="status_known"),
        Index("uq_transfer_info_current", "graduate_id", "module", unique=True,
              sqlite_where=text("status = 'current'"), postgresql_where=text("status = 'current'")),
    )
