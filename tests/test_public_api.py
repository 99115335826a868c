"""Public API: notices and code lists, in the documented shape."""

from __future__ import annotations

from wxbackend.accounts.models import Notice
from wxbackend.core.db import db


def test_notices_lists_published_only_newest_first(client, app) -> None:
    db.session.add_all([Notice(title="旧通知", body="a"), Notice(title="草稿", body="b", published=False)])
    db.session.commit()
    db.session.add(Notice(title="新通知", body="c"))
    db.session.commit()
    items = client.get("/api/v1/notices").get_json()["items"]
    assert [i["title"] for i in items][:2] == ["新通知", "旧通知"]
    assert "草稿" not in [i["title"] for i in items]


def test_code_lists_come_from_the_data_file(client) -> None:
    names = client.get("/api/v1/codes").get_json()["names"]
    assert {"unit_nature", "industry", "job_category", "ethnicity"} <= set(names)
    nature = client.get("/api/v1/codes/unit_nature").get_json()
    assert {"code": "31", "label": "国有企业"} in nature["items"]
    assert len(client.get("/api/v1/codes/ethnicity").get_json()["items"]) == 56
    missing = client.get("/api/v1/codes/nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_regions_cascade_province_city_district(client) -> None:
    """The mini-program's address picker reads the same cascade as the web's (GW-1)."""
    provinces = client.get("/api/v1/regions").get_json()["items"]
    assert {"code": "110000", "name": "北京市", "value": "110000"} in provinces and len(provinces) >= 31
    # a municipality lists itself once as its city, under its 市辖区 code, choosing the province code
    assert client.get("/api/v1/regions?parent=110000").get_json()["items"] == [
        {"code": "110100", "name": "北京市", "value": "110000"}]
    districts = client.get("/api/v1/regions?parent=110100").get_json()["items"]
    assert {"code": "110102", "name": "西城区", "value": "110102"} in districts
    assert client.get("/api/v1/regions?parent=abc").get_json()["items"] == []
    assert client.get("/api/v1/regions?parent=1234567").status_code == 422
