"""The graduates' web: 核验授权 (§8.1, figs. 43–44), over the same payload and services as the API (GW-1).

One page for both verifications (档案信息核验, 户口信息核验): each module's state (未设置, 生效中,
已过期, 已失效, 已结束) from ``verification.payload.page_payload``, why it cannot be set (VA-1, VA-2),
设置有效期 with a date limited to [today, the last day of the sixth month after graduation] (VA-3) and
the service's error next to the input; the active one's 核验编号 (grouped), 有效期至, the
《去向登记信息表》 to view or download (VA-4), 提前结束 and 重新设置 (VA-8); the history.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from wxbackend.core import ids, once
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.graduate.web import bp, confirmed_required, me, owned, refused
from wxbackend.verification import documents, payload, services
from wxbackend.verification.models import MODULES, Verification

MODULE_ROUTE = "<any(" + ", ".join(MODULES) + "):module>"
#: The rule under the date input (fig. 43 note 2, VA-3).
RULE = "有效期至当天23:59:59，最晚为毕业时间后六个月的最后一天"


def _home(module: str | None = None) -> str:
    return url_for("auth.verification_home") + (f"#module-{module}" if module else "")


def _own(verification_id: int) -> Verification:
    graduate = me()
    return owned(lambda: services.get_own(graduate, verification_id))


def _cn(day: str) -> str:
    y, m, d = day.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


def _page(errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200) -> Any:
    data = payload.page_payload(me())
    return render_template(
        "graduate/verification.html", v=data, errors=errors or {}, values=values or {}, rule=RULE,
        latest_text=_cn(data["latest_valid_until"]),
        pdf_url=lambda vid, download=False: url_for("auth.verification_pdf", verification_id=vid,
                                                    **({"download": 1} if download else {}))), status


@bp.get("/graduate/verification")
@confirmed_required
def verification_home():  # type: ignore[no-untyped-def]
    """Both verifications with their state, the date form or the active number, and the history."""
    return _page()


@bp.post(f"/graduate/verification/{MODULE_ROUTE}")
@confirmed_required
def verification_create(module: str):  # type: ignore[no-untyped-def]
    """设置有效期 (VA-3): a new 核验编号; an active one of the module stops verifying at once (VA-8)."""
    graduate = me()
    raw = (request.form.get("valid_until") or "").strip()[:20]
    key = once.claim("graduate.verification_create", message="已设置，请勿重复提交", fallback=_home(module))
    try:
        row = services.create(graduate, module, raw)
        target = once.done(key, _home(module))
        db.session.commit()
    except ApiError as err:
        db.session.rollback()
        if err.code == "invalid_fields" and err.fields:
            return _page({module: err.fields.get("valid_until") or err.message}, {module: raw}, 400)
        return refused(err, _home(module))
    flash(f"已设置{row.label}：核验编号 {ids.display(row.number)}，有效期至 "
          f"{_cn(row.valid_until.isoformat())} 23:59:59", "success")
    return redirect(target)


@bp.post("/graduate/verification/<int:verification_id>/close")
@confirmed_required
def verification_close(verification_id: int):  # type: ignore[no-untyped-def]
    """提前结束 (VA-8): the number stops verifying now."""
    row = _own(verification_id)
    try:
        services.close(me(), row)
        db.session.commit()
    except ApiError as err:
        return refused(err, _home(row.module))
    flash(f"已提前结束{row.label}，核验编号 {ids.display(row.number)} 已不能再核验", "success")
    return redirect(_home(row.module))


@bp.get("/graduate/verification/<int:verification_id>/pdf")
@confirmed_required
def verification_pdf(verification_id: int):  # type: ignore[no-untyped-def]
    """《去向登记信息表》 with its QR code (VA-4): shown in the browser, ``?download=1`` saves it."""
    response = documents.download(_own(verification_id))
    if not request.args.get("download"):
        response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
            "attachment", "inline", 1)
    return response
