"""Ids beyond what a database column holds are a 404 on every id route, never a 500 (SQLite overflows)."""

from __future__ import annotations

from typing import Any

from wxbackend.core.urls import MAX_ID


def test_an_id_above_bigint_is_404_on_public_api_and_console_routes(client: Any) -> None:
    huge = str(MAX_ID + 1)
    res = client.get(f"/notices/{huge}")
    assert res.status_code == 404 and "页面不存在" in res.get_data(as_text=True)
    res = client.get(f"/api/v1/destination/records/{huge}")
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"
    assert client.get("/notices/99999999999999999999999999").status_code == 404
    # the largest id a column holds is still routed (and simply not found)
    assert client.get(f"/notices/{MAX_ID}").status_code == 404
