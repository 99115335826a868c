"""AR-8: the archive and hukou forms hint, without blocking, which transfer types fit the graduate's destination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.destinations.helpers import LABOUR_FIELDS
from tests.transfers.conftest import ARCHIVE
from tests.transfers.test_registration_api import Api
from wxbackend.core.db import db
from wxbackend.destinations import services as destinations
from wxbackend.transfers import policy, registration


def _destination(graduate: Any, subkind: str, fields: dict[str, Any]) -> None:
    """A destination record that holds the graduate's current destination (D-1 claim)."""
    record = destinations.create(graduate, subkind, fields)
    destinations.claim(graduate.id, destinations.KIND, record.id)
    db.session.commit()


@pytest.mark.parametrize(("subkind", "fields", "recommended", "words"), [
    ("labour_contract", {**LABOUR_FIELDS, "unit_nature": "31"}, ["11", "12"], "国有企事业单位"),
    ("labour_contract", {**LABOUR_FIELDS, "unit_nature": "10"}, ["11", "12"], "机关"),
    ("labour_contract", {**LABOUR_FIELDS, "unit_nature": "39"}, ["13", "20"], "公共就业和人才服务机构"),
    ("domestic_study", {"study_level": "801", "admit_school": "北京大学", "admit_major": "计算机"}, ["11"], "录取学校"),
    ("overseas_study", {"country": "英国", "admit_school": "某大学"}, ["20"], "出国（境）"),
    ("job_seeking", {}, ["20"], "暂未就业"),
])
def test_ar_8_the_hint_follows_the_current_destination(grad: Callable[..., Any], subkind: str,
                                                       fields: dict[str, Any], recommended: list[str],
                                                       words: str) -> None:
    graduate = grad()
    _destination(graduate, subkind, fields)
    for module, noun in (("archive", "档案"), ("hukou", "户口")):
        hint = policy.hint(graduate, module)
        assert hint["recommended"] == recommended
        assert words in hint["message"] and noun in hint["message"] and "国办发〔2022〕13号" in hint["message"]


def test_ar_8_no_destination_means_the_office_of_household_registration(grad: Callable[..., Any]) -> None:
    assert policy.hint(grad(), "archive")["recommended"] == ["20"]


def test_ar_8_a_directed_graduate_goes_to_the_directing_unit(grad: Callable[..., Any]) -> None:
    hint = policy.hint(grad(training_mode="2", sponsor_unit="某市人力资源和社会保障局"), "archive")
    assert hint["recommended"] == ["11", "12"] and "定向" in hint["message"]


def test_ar_8_an_agreement_counts_as_employment_with_its_units_nature(grad: Callable[..., Any]) -> None:
    from wxbackend.signing import home

    graduate = grad()
    assert home.policy_situation(graduate) is None  # no agreement: the signing reader does not answer
    _destination(graduate, "labour_contract", LABOUR_FIELDS)
    assert home.policy_situation(graduate) is None  # nor for another module's destination
    assert destinations.policy_situation(graduate) == policy.Situation(policy.EMPLOYED, "39")


def test_ar_8_the_hint_does_not_block_a_registration(client: Any, grad: Callable[..., Any]) -> None:
    graduate = grad()  # no destination: 转回生源地 is recommended, the graduate chooses 签约单位接收
    api = Api(client, graduate)
    body = api.get("/transfers/archive").get_json()
    assert body["policy"]["recommended"] == ["20"]
    assert ARCHIVE["archive_transfer_type"] not in body["policy"]["recommended"]
    res = api.post("/transfers/archive/registrations", {"purpose": "registration", "fields": ARCHIVE, "submit": True})
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["status"] == "pending"
    assert registration.open_registration(graduate.id, "archive") is not None


def test_ar_8_no_hint_where_the_module_is_unavailable(client: Any, grad: Callable[..., Any]) -> None:
    body = Api(client, grad(hukou_at_school=None)).get("/transfers/hukou").get_json()
    assert body["available"] is False and body["policy"] is None


def test_ar_8_reviewers_see_the_hint_on_the_item(client: Any, grad: Callable[..., Any], reg_world: dict[str, Any],
                                                 staff_login: Callable[..., Any]) -> None:
    from wxbackend.review import engine

    graduate = grad()
    api = Api(client, graduate)
    res = api.post("/transfers/archive/registrations", {"purpose": "registration", "fields": ARCHIVE, "submit": True})
    item = engine.open_item("archive_registration", res.get_json()["id"])
    assert item is not None
    staff_login(reg_world["dept_user"])
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert "暂未就业的毕业生，档案一般转至户籍所在地的公共就业和人才服务机构" in page
