"""Public verification pages (figs. 46–47, VA-5 … VA-9): 档案转递信息在线核验 and 户口迁移信息在线核验.

A verifier enters the graduate's name and the 核验编号 (or, for archives, the school's 转递编号), or
scans the report's QR code. Every miss — unknown, expired, ended, wrong name, malformed — gets the one
same page, and every lookup is recorded; lookups are rate-limited per client (Redis when configured).
The QR page also says whether the signature holds, and the platform's public keys are published as a
JWKS so a verifier can check a payload offline.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, render_template, request

from wxbackend.core import ids
from wxbackend.core.db import db
from wxbackend.core.ratelimit import client_ip, verify_limit
from wxbackend.home.views import bp
from wxbackend.verification import keys, lookup
from wxbackend.verification.models import MODULES

HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
MSG_NOT_FOUND = "未查询到有效的核验信息：姓名与编号不匹配、编号不存在或已过有效期。请向毕业生核实姓名和编号。"


def _module(module: str) -> str:
    if module not in MODULES:
        abort(404)
    return module


@bp.route("/verify")
def verify_index():  # type: ignore[no-untyped-def]
    return render_template("home/verify_index.html", modules=MODULES), 200, HEADERS


@bp.route("/verify/<module>", methods=["GET", "POST"])
@verify_limit()
def verify_lookup(module: str):  # type: ignore[no-untyped-def]
    module = _module(module)
    form = {"name": "", "number": ""}
    errors: dict[str, str] = {}
    found: Any = None
    looked = False
    if request.method == "POST":
        form = {"name": (request.form.get("name") or "").strip()[:50],
                "number": (request.form.get("number") or "").strip()[:60]}
        if not form["name"]:
            errors["name"] = "请输入毕业生姓名"
        if not form["number"]:
            errors["number"] = "请输入核验编号" + ("或转递编号" if module == "archive" else "")
        if not errors:
            looked = True
            found = lookup.find(module, form["name"], form["number"], channel="form", ip=client_ip())
            db.session.commit()
    status = 400 if errors else 200
    return render_template("home/verify.html", module=module, label=MODULES[module], form=form, errors=errors,
                           found=found, looked=looked, not_found=MSG_NOT_FOUND, display=ids.display,
                           signature=None), status, HEADERS


@bp.route("/verify/q/<path:token>")
@verify_limit()
def verify_qr(token: str):  # type: ignore[no-untyped-def]
    try:
        claims, kid, found = lookup.from_qr(token, ip=client_ip())
    except keys.InvalidSignature as err:
        return render_template("home/verify.html", module=None, label="核验二维码", form=None, errors={},
                               found=None, looked=True, not_found=MSG_NOT_FOUND, display=ids.display,
                               signature={"ok": False, "message": err.message}), 404, HEADERS
    db.session.commit()
    module = str(claims.get("m"))
    return render_template("home/verify.html", module=module if module in MODULES else None,
                           label=MODULES.get(module, "核验二维码"), form=None, errors={}, found=found, looked=True,
                           not_found=MSG_NOT_FOUND, display=ids.display,
                           signature={"ok": True, "message": f"二维码签名有效（密钥 {kid}）"}), \
        (200 if found else 404), HEADERS


@bp.route("/.well-known/jwks.json")
def jwks():  # type: ignore[no-untyped-def]
    resp = jsonify(keys.public_jwks())
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


def fmt_date(value: Any) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日" if value else "-"


@bp.app_template_filter("cn_date")
def _cn_date(value: Any) -> str:
    return fmt_date(value)
