"""Ids beyond what a primary key holds are a 404 on every id route, never a 500 (SQLite overflows past
2^63−1, PostgreSQL's INTEGER past 2^31−1)."""

from __future__ import annotations

from typing import Any

from wxbackend.core.urls import MAX_ID


def test_an_id_above_bigint_is_404_on_public_api_and_console_routes(client: Any) -> None:
    huge = str(2**63)  # SQLite's overflow
    res = client.get(f"/notices/{huge}")
    assert res.status_code == 404 and "页面不存在" in res.get_data(as_text=True)
    res = client.get(f"/api/v1/destination/records/{huge}")
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"
    assert client.get("/notices/99999999999999999999999999").status_code == 404
    assert client.get(f"/notices/{MAX_ID + 1}").status_code == 404  # PostgreSQL INTEGER's overflow
    # the largest id a column holds is still routed (and simply not found)
    assert client.get(f"/notices/{MAX_ID}").status_code == 404


def test_a_deeply_nested_json_body_is_a_400_in_the_error_shape_before_authentication(client: Any) -> None:
    from wxbackend.core import jsonlimits

    body = "[" * 100_000 + "]" * 100_000
    res = client.post("/api/v1/auth/wx-login", data=body, content_type="application/json")
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "bad_request"
    res = client.post("/api/v1/confirmation/confirm", data=body, content_type="application/json")
    assert res.status_code == 400  # refused before the token check, without a 500
    # brackets inside strings do not count; ordinary bodies pass
    assert jsonlimits.depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1
    assert jsonlimits.depth(b'{"a": [1, {"b": "\\"]"}]}') == 3
    res = client.post("/api/v1/auth/wx-login", json={"code": ""})
    assert res.status_code != 500 and res.get_json()["error"]["code"] != "bad_request"
