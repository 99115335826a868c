"""What the callback remembers: signatures seen (replays) and messages handled (WeChat's retries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core.db import Base


class WechatCallbackSeen(Base):
    """A key the callback has seen, until ``expires_at``; used only when no Redis is configured."""

    __tablename__ = "wechat_callback_seen"

    #: ``sig:<sha1 of nonce, timestamp, signature>`` or ``msg:<MsgId or FromUserName+CreateTime+Event>``.
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
