"""Which way an action reached the platform (渠道): the mini-program, the graduates' web, the console, …

History rows keep it (``review_event.channel``, ``record_event.channel``) so a record's timeline —
and the 签约过程记录 page at the end of a signed agreement — says for every event how it was done.
It is read from the request being answered; work done outside a request (jobs, the scheduler, CLI
commands) is the system's.
"""

from __future__ import annotations

from flask import has_request_context, request

CHANNEL_LABELS: dict[str, str] = {
    "miniprogram": "微信小程序",
    "web": "毕业生网页",
    "console": "审核管理后台",
    "employer": "用人单位门户",
    "sms_link": "短信链接",
    "wechat": "微信公众号",
    "system": "系统",
}

#: URL prefix → channel, first match wins.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/api/", "miniprogram"),
    ("/graduate", "web"),
    ("/console", "console"),
    ("/employer", "employer"),
    ("/u/", "sms_link"),
    ("/wechat", "wechat"),
)


def current() -> str:
    """The channel of the request being answered, ``system`` outside a request."""
    if not has_request_context():
        return "system"
    path = request.path
    for prefix, channel in _PREFIXES:
        if path.startswith(prefix):
            return channel
    return "web"


def label(channel: str | None) -> str:
    return CHANNEL_LABELS.get(channel or "", "—")
