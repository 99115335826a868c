"""Every API route answers only to its own audience (RV-4 scope, §1 actors).

Walks ``app.url_map``: each /api/v1 route is either listed as public or must refuse a
request that carries a console session (a department reviewer's cookie) but no bearer
token, and must never return another graduate's data for a valid token.
"""

from __future__ import annotations

import re

#: Routes open to anyone (login steps, public data, the API document itself).
PUBLIC = {
    "api.notices", "api.code_lists", "api.codes", "api.region_children",
    "api.wx_login", "api.bind", "api.bind_code", "api.termination_reasons", "api.agreement_fields",
    "openapi.spec", "openapi.docs", "openapi.redoc", "apidocs.asset",
}


def _fill(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule)


def test_rv_4_api_routes_refuse_console_sessions_without_a_token(
    app, client, make_department, make_major, make_graduate, make_user, staff_login
) -> None:
    dept_a = make_department()
    dept_b = make_department(dept_a.school)
    make_graduate(make_major(dept_b))
    reviewer = make_user("department", school_id=dept_a.school_id, department_id=dept_a.id)
    staff_login(reviewer)
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            res = client.open(_fill(rule.rule), method=method, json={})
            assert res.status_code == 401, (rule.rule, method, res.status_code)
            assert res.get_json()["error"]["code"] == "unauthorized"
            checked.append((rule.rule, method))
    assert ("/api/v1/me", "GET") in checked


def test_api_token_reaches_only_its_own_graduate(app, client, make_graduate) -> None:
    from wxbackend.auth import tokens
    from wxbackend.core.db import db

    mine = make_graduate(name="李玥")
    other = make_graduate(name="张喆")
    token, _ = tokens.issue(mine)
    db.session.commit()
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    text = str(body)
    assert "李玥" in text and "张喆" not in text and other.id_number not in text
