"""The 核验授权 page as data (figs. 43–44), for the API (mini-program) and the graduates' web (GW-1)."""

from __future__ import annotations

from typing import Any

from wxbackend.accounts.models import Graduate
from wxbackend.accounts.modules import module_state
from wxbackend.core import ids, timeutil
from wxbackend.verification import services
from wxbackend.verification.models import MODULES, Verification


def verification_payload(row: Verification) -> dict[str, Any]:
    return {"id": row.id, "module": row.module, "label": row.label, "number": row.number,
            "number_display": ids.display(row.number), "valid_until": row.valid_until.isoformat(),
            "valid_until_text": f"{row.valid_until.year}年{row.valid_until.month:02d}月"
                                f"{row.valid_until.day:02d}日 23:59:59",
            "status": row.status, "status_label": services.state_label(row),
            "valid": services.holds(row), "created_at": timeutil.fmt(row.created_at),
            "ended_at": timeutil.fmt(row.ended_at) if row.ended_at else None, "content": row.content}


def page_payload(graduate: Graduate) -> dict[str, Any]:
    """GET /verifications: per module whether it can be set, the latest date allowed, the active one, history."""
    state = module_state(graduate, graduate.school, services.MODULE)
    latest = services.latest_valid_until(graduate)
    history = services.history(graduate.id) if state.available else []
    modules = []
    for key, label in MODULES.items():
        refusal = services.refusal(graduate, key) if state.available else state.reason
        active = next((r for r in history if r.module == key and r.status == "active"), None)
        # the newest of the module says its state: 未设置, 生效中, 已过期, 已失效 or 已结束 (after 提前结束)
        latest_row = next((r for r in history if r.module == key), None)
        effective = services.state(latest_row) if latest_row is not None else "unset"
        modules.append({
            "module": key, "label": label, "available": refusal is None, "reason": refusal,
            "active": verification_payload(active) if active is not None else None,
            "state": effective,
            "status_label": services.state_label(latest_row) if latest_row is not None else "未设置",
        })
    return {"available": state.available, "reason": state.reason, "latest_valid_until": latest.isoformat(),
            "today": timeutil.today().isoformat(), "modules": modules,
            "history": [verification_payload(r) for r in history]}
