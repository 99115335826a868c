"""The stand-in's endpoints: the same paths and answers as WeChat's, for demo appids and identities.

Codes (OAuth and ``wx.login``) work once and for 5 minutes, as WeChat's do (errcode 40163 / 40029);
an access token is checked on every message call (40001). What would be sent to WeChat users is
logged and kept in memory (the latest 200 calls), and listed on ``/_wechat/``.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template_string, request

from wxbackend.core import tokens as signed

log = logging.getLogger("wxbackend.standin")

PREFIX = "/_wechat"
OA_APPID, OA_SECRET = "wxstandin00000oa1", "standin-oa-secret"
MINI_APPID, MINI_SECRET = "wxstandin00000mp1", "standin-mini-secret"
APPS = {OA_APPID: OA_SECRET, MINI_APPID: MINI_SECRET}
CODE_SECONDS = 300
CODE_PURPOSE = "wx-standin-code"


@dataclass(frozen=True)
class StandinIdentity:
    """A demo WeChat user: one person, so one unionid, and an openid under each app."""

    key: str
    label: str
    oa_openid: str
    mini_openid: str
    unionid: str


def _demo(key: str, label: str) -> StandinIdentity:
    return StandinIdentity(key, label, f"oa-demo-{key}", f"mp-demo-{key}", f"un-demo-{key}")


IDENTITIES = [
    _demo("wangkun", "微信用户「堃」（演示：已绑定毕业生王堃）"),
    _demo("liyue", "微信用户「玥」（演示：尚未绑定，登录 chsi-liyue 后绑定）"),
    _demo("visitor", "微信用户「访客」（演示：尚未绑定）"),
]


def identity(key: str) -> StandinIdentity:
    return next(i for i in IDENTITIES if i.key == key)


bp = Blueprint("wx_standin", __name__)


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: codes already exchanged (their nonces)
        self.used: set[str] = set()
        self.calls: deque[dict[str, Any]] = deque(maxlen=200)


def state() -> _State:
    st = current_app.extensions.get("wx_standin")
    if st is None:
        st = current_app.extensions.setdefault("wx_standin", _State())
    return st  # type: ignore[no-any-return]


def _err(errcode: int, errmsg: str) -> Any:
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def _app_ok(appid: str | None, secret: str | None) -> bool:
    return bool(appid) and APPS.get(appid or "") == secret


def _token_for(appid: str) -> str:
    return "STANDIN_ACCESS_TOKEN_" + appid


def _new_code(appid: str, key: str) -> str:
    return signed.dumps(CODE_PURPOSE, {"a": appid, "i": key, "n": secrets.token_hex(8)})


def _spend_code(appid: str, code: str) -> StandinIdentity | None:
    """The identity of a fresh, unused code made for *appid*; None for 40029; raises LookupError if used."""
    data = signed.loads(CODE_PURPOSE, code, max_age=CODE_SECONDS)
    if not isinstance(data, dict) or data.get("a") != appid:
        return None
    st = state()
    with st.lock:
        if data["n"] in st.used:
            raise LookupError(code)
        st.used.add(data["n"])
    try:
        return identity(str(data["i"]))
    except StopIteration:
        return None


def _log_call(kind: str, body: Any) -> None:
    entry = {"kind": kind, "body": body}
    state().calls.append(entry)
    log.info("微信模拟服务收到 %s：%s", kind, json.dumps(body, ensure_ascii=False)[:2000])


# --- access token ------------------------------------------------------------------------------


@bp.get("/cgi-bin/token")
def token():  # type: ignore[no-untyped-def]
    appid = request.args.get("appid")
    if not _app_ok(appid, request.args.get("secret")):
        return _err(40013, "invalid appid or secret (stand-in)")
    return jsonify({"access_token": _token_for(appid or ""), "expires_in": 7200})


def _token_ok() -> bool:
    return request.args.get("access_token") in {_token_for(a) for a in APPS}


# --- the official account's web OAuth ----------------------------------------------------------

_AUTHORIZE_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信登录（本地模拟）</title>
<style>
 body{margin:0;font-family:-apple-system,"PingFang SC","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
      background:#ededed;color:#111}
 .bar{background:#f7f7f7;padding:12px 16px;font-size:17px;text-align:center;border-bottom:1px solid #ddd}
 .box{margin:16px;background:#fff;border-radius:8px;padding:16px}
 h1{font-size:18px;margin:0 0 8px} p{color:#666;font-size:14px;margin:0 0 12px}
 a.who{display:block;padding:14px 12px;margin:8px 0;border:1px solid #e5e5e5;border-radius:6px;
       color:#111;text-decoration:none;font-size:15px}
 a.who:active{background:#f2f2f2} .id{display:block;color:#999;font-size:12px;margin-top:4px}
 a.cancel{display:block;text-align:center;color:#576b95;margin:16px 0 0;font-size:15px}
 .note{margin:16px;color:#999;font-size:12px}
</style></head><body>
<div class="bar">微信登录</div>
<div class="box">
  <h1>以哪个微信身份登录</h1>
  <p>公众号 {{ appid }} 申请获取你的微信身份（snsapi_base，静默授权）。</p>
  {% for who in identities %}
  <a class="who" data-identity="{{ who.key }}" href="{{ choose(who.key) }}">{{ who.label }}
    <span class="id">openid {{ who.oa_openid }}</span></a>
  {% endfor %}
  <a class="cancel" id="cancel" href="{{ choose('') }}">取消</a>
</div>
<p class="note">本页面是本地微信模拟服务（未配置真实公众号时使用），真实环境中微信会直接识别当前用户。</p>
</body></html>"""


def _redirect_allowed(uri: str) -> bool:
    """Like WeChat's 网页授权域名: only back to the platform's own origin (when it is known)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    origin = current_app.config.get("WECHAT_STANDIN_REDIRECT_ORIGIN")
    return not origin or urlsplit(origin).netloc == parts.netloc


@bp.get("/connect/oauth2/authorize")
def authorize():  # type: ignore[no-untyped-def]
    appid = request.args.get("appid", "")
    redirect_uri = request.args.get("redirect_uri", "")
    if appid != OA_APPID:
        return "appid 参数错误（本地模拟服务只认演示公众号 " + OA_APPID + "）", 400
    if not _redirect_allowed(redirect_uri):
        return "redirect_uri 域名与后台配置不一致（10003）", 400
    if request.args.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
        return "scope 参数错误（10005）", 400

    def choose(key: str) -> str:
        query = {k: request.args.get(k, "") for k in ("appid", "redirect_uri", "state")}
        return f"{PREFIX}/connect/oauth2/authorize/choose?" + urlencode({**query, "identity": key})

    return render_template_string(_AUTHORIZE_PAGE, appid=appid, identities=IDENTITIES, choose=choose)


@bp.get("/connect/oauth2/authorize/choose")
def authorize_choose():  # type: ignore[no-untyped-def]
    """Back to the platform with a code for the chosen identity, or without one (取消)."""
    appid = request.args.get("appid", "")
    redirect_uri = request.args.get("redirect_uri", "")
    if appid != OA_APPID or not _redirect_allowed(redirect_uri):
        abort(400)
    params = {"state": request.args.get("state", "")}
    key = request.args.get("identity", "")
    if key:
        if key not in {i.key for i in IDENTITIES}:
            abort(400)
        params = {"code": _new_code(appid, key), **params}
    sep = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + sep + urlencode(params))


@bp.get("/sns/oauth2/access_token")
def oauth_access_token():  # type: ignore[no-untyped-def]
    appid = request.args.get("appid", "")
    if appid != OA_APPID or not _app_ok(appid, request.args.get("secret")):
        return _err(40013, "invalid appid or secret (stand-in)")
    try:
        who = _spend_code(appid, request.args.get("code", ""))
    except LookupError:
        return _err(40163, "code been used (stand-in)")
    if who is None:
        return _err(40029, "invalid code (stand-in)")
    return jsonify({"access_token": "STANDIN_OAUTH_" + secrets.token_hex(8), "expires_in": 7200,
                    "refresh_token": "STANDIN_REFRESH_" + secrets.token_hex(8), "openid": who.oa_openid,
                    "scope": "snsapi_base", "unionid": who.unionid})


# --- the mini-program's wx.login -----------------------------------------------------------------


@bp.get("/sns/jscode2session")
def jscode2session():  # type: ignore[no-untyped-def]
    """A ``wx.login`` code → the demo identity it names.

    WeChat DevTools sends real codes the stand-in cannot read: any code that is not ``<identity>`` or
    ``<identity>:<anything>`` signs in as the first demo identity. Each code works once.
    """
    appid = request.args.get("appid", "")
    if appid != MINI_APPID or not _app_ok(appid, request.args.get("secret")):
        return _err(40013, "invalid appid or secret (stand-in)")
    code = request.args.get("js_code", "")
    if not code:
        return _err(41008, "missing code (stand-in)")
    st = state()
    with st.lock:
        if "js:" + code in st.used:
            return _err(40163, "code been used (stand-in)")
        st.used.add("js:" + code)
    key = code.split(":", 1)[0]
    who = next((i for i in IDENTITIES if i.key == key), IDENTITIES[0])
    return jsonify({"openid": who.mini_openid, "session_key": secrets.token_urlsafe(16), "unionid": who.unionid})


# --- messages and the menu: logged, not sent ---------------------------------------------------------


def _logged(kind: str) -> Any:
    if not _token_ok():
        return _err(40001, "invalid credential, access_token is invalid or not latest (stand-in)")
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        return _err(47001, "data format error (stand-in)")
    _log_call(kind, body)
    return jsonify({"errcode": 0, "errmsg": "ok", "msgid": len(state().calls)})


@bp.post("/cgi-bin/message/template/send")
def template_send():  # type: ignore[no-untyped-def]
    return _logged("template")


@bp.post("/cgi-bin/message/subscribe/send")
def subscribe_send():  # type: ignore[no-untyped-def]
    return _logged("subscribe")


@bp.post("/cgi-bin/menu/create")
def menu_create():  # type: ignore[no-untyped-def]
    return _logged("menu")


_INDEX_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>本地微信模拟服务</title></head>
<body style="font-family:sans-serif;max-width:900px;margin:24px auto">
<h1>本地微信模拟服务</h1>
<p>演示公众号 appid <code>{{ oa }}</code>，演示小程序 appid <code>{{ mini }}</code>。</p>
<h2>演示微信身份</h2>
<ul>{% for who in identities %}<li>{{ who.label }}：公众号 openid <code>{{ who.oa_openid }}</code>，
小程序 openid <code>{{ who.mini_openid }}</code>，unionid <code>{{ who.unionid }}</code></li>{% endfor %}</ul>
<h2>收到的消息与菜单（最近 {{ calls|length }} 条）</h2>
<ol>{% for call in calls %}<li><b>{{ call.kind }}</b> <code>{{ call.body|tojson }}</code></li>{% endfor %}</ol>
</body></html>"""


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    return render_template_string(_INDEX_PAGE, oa=OA_APPID, mini=MINI_APPID, identities=IDENTITIES,
                                  calls=list(reversed(state().calls)))
