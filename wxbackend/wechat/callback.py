"""The official account's server callback ``/wechat/callback`` (WX-1).

Order of checks, before anything in the body is read:

1. ``signature`` = SHA-1 over the sorted token, ``timestamp`` and ``nonce`` (403 otherwise);
2. ``timestamp`` within ``WECHAT_CALLBACK_MAX_AGE`` seconds of now (403: stale or from the future);
3. the triple (nonce, timestamp, signature) not seen within that window (403: a replay) —
   remembered in Redis when configured, else in the database (:mod:`.seen`).

GET is WeChat's server-URL check: answer ``echostr``. POST is a message or an event, in plain mode or
safe mode (``encrypt_type=aes``: the ``Encrypt`` field is checked against ``msg_signature`` and
decrypted with ``WECHAT_ENCODING_AES_KEY``; once a key is configured, plain POSTs are refused). Bodies
are XML or JSON (WeChat's JSON push: ``Content-Type: application/json`` or a body starting with ``{``),
and replies come back in the same format and mode. WeChat retries a message it got no answer to three
times: a message is handled once, keyed by ``MsgId`` or ``FromUserName`` + ``CreateTime`` + ``Event``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import xmltodict
from flask import Blueprint, Request, Response, current_app, request
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from wxbackend.auth.principals import csrf
from wxbackend.core import audit, timeutil
from wxbackend.core.db import db
from wxbackend.notify import official_account
from wxbackend.wechat import seen

log = logging.getLogger(__name__)

bp = Blueprint("wechat", __name__)
csrf.exempt(bp)

#: Events whose ``List`` holds the user's choices per subscribe-message template.
TEMPLATE_EVENTS = {
    "subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
    "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
    "subscribe_msg_sent_event": "SubscribeMsgSentEvent",
}
#: How long a handled message is remembered (WeChat's three retries come within about 15 seconds).
DEDUP_SECONDS = 600


def how_to_register() -> str:
    """The text reply to a message: how to open 去向登记."""
    public = current_app.config["SETTINGS"].PUBLIC_URL.rstrip("/")
    return ("您好，这里是国家大学生就业服务平台。办理毕业去向登记、网上签约，请点击下方菜单「去向登记」"
            f"进入小程序；也可以在浏览器打开 {public}/graduate/ 登录办理。")


WELCOME = "感谢关注国家大学生就业服务平台！"


class Refused(Exception):
    """The request is not from WeChat (or is a replay): 403, nothing parsed."""


def _refuse(reason: str) -> Response:
    log.warning("WeChat callback refused: %s (from %s)", reason, request.remote_addr)
    return Response("forbidden", status=403, mimetype="text/plain")


def _check(req: Request) -> None:
    """Signature, freshness and replay of the query string (WX-1); raises :class:`Refused`."""
    settings = current_app.config["SETTINGS"]
    if not settings.WECHAT_TOKEN:
        raise Refused("WECHAT_TOKEN is not configured")
    signature = req.args.get("signature", "")
    timestamp = req.args.get("timestamp", "")
    nonce = req.args.get("nonce", "")
    if not (signature and timestamp.isdigit() and nonce):
        raise Refused("missing signature, timestamp or nonce")
    try:
        check_signature(settings.WECHAT_TOKEN, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise Refused("bad signature") from None
    window = settings.WECHAT_CALLBACK_MAX_AGE
    if abs(timeutil.now().timestamp() - int(timestamp)) > window:
        raise Refused(f"stale timestamp {timestamp}")
    digest = hashlib.sha1(f"{nonce}:{timestamp}:{signature}:{req.args.get('msg_signature', '')}".encode())
    if not seen.first_time("sig:" + digest.hexdigest(), 2 * window):
        raise Refused("replayed request")


@bp.get("/wechat/callback")
def verify() -> Response:
    """WeChat's server-URL check (the same in plain and safe mode): echo ``echostr``."""
    try:
        _check(request)
    except Refused as exc:
        return _refuse(str(exc))
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


def _is_json(req: Request, body: bytes) -> bool:
    if req.mimetype == "application/json":
        return True
    return body.lstrip()[:1] == b"{"


def _parse(body: bytes | str, is_json: bool) -> dict[str, Any]:
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if is_json:
        data = json.loads(body)
    else:
        data = xmltodict.parse(body, disable_entities=True).get("xml")
    if not isinstance(data, dict):
        raise ValueError("not a WeChat message")
    return data


def _crypto() -> WeChatCrypto:
    settings = current_app.config["SETTINGS"]
    return WeChatCrypto(settings.WECHAT_TOKEN, settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APPID)


@bp.post("/wechat/callback")
def receive() -> Response:
    """A message or event from WeChat, in plain or safe mode, as XML or JSON."""
    try:
        _check(request)
    except Refused as exc:
        return _refuse(str(exc))
    settings = current_app.config["SETTINGS"]
    body = request.get_data()
    is_json = _is_json(request, body)
    encrypted = request.args.get("encrypt_type", "raw") == "aes"
    if settings.WECHAT_ENCODING_AES_KEY and not encrypted:
        return _refuse("plain message while safe mode is configured")
    try:
        if encrypted:
            if not settings.WECHAT_ENCODING_AES_KEY:
                return _refuse("encrypted message but WECHAT_ENCODING_AES_KEY is not configured")
            envelope = _parse(body, is_json)
            if not isinstance(envelope.get("Encrypt"), str):
                return _refuse("safe-mode message without Encrypt")
            try:
                plain = _crypto().decrypt_message(envelope, request.args.get("msg_signature", ""),
                                                  request.args["timestamp"], request.args["nonce"])
            except (InvalidSignatureException, InvalidAppIdException):
                return _refuse("bad msg_signature or appid")
            message = _parse(plain, plain.lstrip()[:1] == "{")
        else:
            message = _parse(body, is_json)
    except (ValueError, KeyError, TypeError) as exc:  # signed by WeChat, yet unreadable: do not make it retry
        log.warning("unreadable WeChat message: %s", exc)
        return Response("success", mimetype="text/plain")

    key = _message_key(message)
    if not seen.first_time(key, DEDUP_SECONDS):
        log.info("WeChat retry of %s ignored (already handled)", key)
        return Response("success", mimetype="text/plain")
    try:
        reply = handle(message)
        db.session.commit()
    except Exception:
        db.session.rollback()
        seen.forget(key)  # let WeChat's retry try again
        raise
    if reply is None:
        return Response("success", mimetype="text/plain")
    return _reply(message, reply, is_json, encrypted)


def _message_key(message: dict[str, Any]) -> str:
    if message.get("MsgId") or message.get("MsgID"):
        return f"msg:{message.get('MsgId') or message.get('MsgID')}"
    return f"msg:{message.get('FromUserName')}:{message.get('CreateTime')}:{message.get('Event')}"


def _reply(message: dict[str, Any], content: str, is_json: bool, encrypted: bool) -> Response:
    to, source = str(message.get("FromUserName", "")), str(message.get("ToUserName", ""))
    if is_json:
        text = json.dumps({"ToUserName": to, "FromUserName": source, "CreateTime": int(time.time()),
                           "MsgType": "text", "Content": content}, ensure_ascii=False)
    else:
        text = TextReply(source=source, target=to, content=content).render()
    if encrypted:
        nonce, timestamp = request.args["nonce"], str(int(time.time()))
        xml = _crypto().encrypt_message(text, nonce, timestamp)
        if is_json:
            envelope = xmltodict.parse(xml)["xml"]
            return Response(json.dumps({"Encrypt": envelope["Encrypt"], "MsgSignature": envelope["MsgSignature"],
                                        "TimeStamp": int(envelope["TimeStamp"]), "Nonce": envelope["Nonce"]}),
                            mimetype="application/json")
        return Response(xml, mimetype="application/xml")
    return Response(text, mimetype="application/json" if is_json else "application/xml")


# --- handling -------------------------------------------------------------------------

def _when(message: dict[str, Any]) -> datetime:
    try:
        return datetime.fromtimestamp(int(message.get("CreateTime") or 0), timeutil.SHANGHAI)
    except (TypeError, ValueError, OverflowError):
        return timeutil.now()


def items(value: Any) -> list[dict[str, Any]]:
    """A ``List`` as WeChat sends it: an object for one item, an array for several (XML and JSON alike)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def template_choices(message: dict[str, Any]) -> list[tuple[str, str]]:
    """``(template_id, accept|reject)`` from a subscribe-message event; sent results that say the user
    refused (43101) count as a reject, other sent results change nothing."""
    event = str(message.get("Event", ""))
    container = message.get(TEMPLATE_EVENTS[event])
    raw = items(container.get("List")) if isinstance(container, dict) else items(container)
    if not raw:
        raw = items(message.get("List"))
    out: list[tuple[str, str]] = []
    for item in raw:
        template_id = str(item.get("TemplateId") or "")
        if event == "subscribe_msg_sent_event":
            if str(item.get("ErrorCode", "0")) == "43101":
                out.append((template_id, official_account.REJECT))
            continue
        status = str(item.get("SubscribeStatusString") or "")
        if template_id and status in (official_account.ACCEPT, official_account.REJECT):
            out.append((template_id, status))
    return out


def _on_event(message: dict[str, Any]) -> str | None:
    event = str(message.get("Event", ""))
    openid = str(message.get("FromUserName", ""))
    at = _when(message)
    if event == "subscribe":
        official_account.record_follow(openid, True, at, unionid=message.get("UnionId") or None)
        return WELCOME + how_to_register()
    if event == "unsubscribe":
        official_account.record_follow(openid, False, at, unionid=message.get("UnionId") or None)
        return None
    if event in TEMPLATE_EVENTS:
        choices = template_choices(message)
        if official_account.record_template_choices(openid, choices, at):
            audit.record(audit.SYSTEM, "wechat.template_choice", object_type="wechat_template_consent",
                         openid=openid, event=event, choices=[list(c) for c in choices])
        return None
    if event == "CLICK":
        return CLICK_REPLIES.get(str(message.get("EventKey", "")), how_to_register)()
    if event in ("VIEW", "view_miniprogram"):
        log.info("menu %s opened %s", event, message.get("EventKey"))
        return None
    return None


#: Replies to the menu's ``click`` buttons, by key (``wxbackend/data/wechat_menu.json``).
CLICK_REPLIES: dict[str, Callable[[], str]] = {"HOW_TO_REGISTER": how_to_register}


def handle(message: dict[str, Any]) -> str | None:
    """Act on one message; the text to reply with, or None (WeChat is answered ``success``)."""
    if message.get("MsgType") == "event":
        return _on_event(message)
    return how_to_register()
