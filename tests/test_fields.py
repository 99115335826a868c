"""Field types (core.fields): cleaning, display, the widget and the one hint every client shows."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.factories import credit_code, wrong_check_character
from wxbackend.auth import tokens
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.fields import HINTS, LONG_TEXT, WIDGETS, FieldDef, FormField, clean_value, form_field
from wxbackend.destinations import catalogue
from wxbackend.employer.agreements import invite_sections
from wxbackend.signing import forms

MINIPROGRAM_KIND = Path(__file__).resolve().parent.parent / "miniprogram/tests/fixtures/directed_kind.json"


def fd(type_: str, **kw: Any) -> FieldDef:
    return FieldDef(kw.pop("key", "f"), kw.pop("label", "字段"), type_, **kw)


# --- cleaning, per type ---------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "raw", "clean"), [
    (fd("text", max=5), "  岗位  ", "岗位"),
    (fd("text"), 123, "123"),
    (fd("code", list="unit_nature"), "39", "39"),
    (fd("code", list="unit_nature"), "其他企业", "39"),  # a label is accepted, the code stored
    (fd("region"), "110108", "110108"),
    (fd("region"), "北京市海淀区", "110108"),
    (fd("credit_code"), credit_code(7), credit_code(7)),
    (fd("credit_code"), credit_code(7).lower(), credit_code(7)),
    (fd("phone"), "138 0013 8000", "13800138000"),
    (fd("phone"), "010-68352260", "010-68352260"),
    (fd("postcode"), "100056", "100056"),
    (fd("money", min=0, max=6), "3", 3),
    (fd("money", min=1), 8000, 8000),
    (fd("date"), " 2027-07-15 ", "2027-07-15"),
    (fd("url", max=300), "https://shop.example.cn/a", "https://shop.example.cn/a"),
])
def test_clean_value_keeps_the_stored_form_of_each_type(field: FieldDef, raw: Any, clean: Any) -> None:
    assert clean_value(field, raw) == (clean, None)


@pytest.mark.parametrize(("field", "raw", "reason"), [
    (fd("text", max=5), "一二三四五六", "不能超过5个字"),
    (fd("text"), ["a"], "格式不正确"),
    (fd("code", list="unit_nature"), "99x", "不在代码表中"),
    (fd("region"), "999999", "行政区划代码无效"),
    (fd("credit_code"), wrong_check_character(credit_code(7)), "统一社会信用代码无效（校验位不符）"),
    (fd("phone"), "12345", "请填写手机号码或带区号的固定电话"),
    (fd("postcode"), "10005", "邮编应为6位数字"),
    (fd("postcode"), "1000567", "邮编应为6位数字"),
    (fd("money"), "7k", "请填写整数金额"),
    (fd("money", min=1), "0", "不能小于1"),
    (fd("money", max=6), 7, "不能大于6"),
    (fd("date"), "2027/07/15", "日期格式应为 YYYY-MM-DD"),
    (fd("url"), "ftp://example.cn", "请填写以 http:// 或 https:// 开头的网址"),
    (fd("url", max=20), "https://example.cn/" + "a" * 10, "请填写以 http:// 或 https:// 开头的网址"),
])
def test_clean_value_refuses_with_the_reason_shown_next_to_the_field(field: FieldDef, raw: Any,
                                                                     reason: str) -> None:
    assert clean_value(field, raw) == (None, reason)


def test_catalogue_clean_fields_still_cleans_a_sub_kind_with_these_types() -> None:
    kind = catalogue.subkind("labour_contract")
    assert kind is not None
    clean, errors = catalogue.clean_fields(kind, {"unit_region": "北京市海淀区", "monthly_pay": "8000",
                                                  "contact_phone": "12"}, require=False)
    assert clean["unit_region"] == "110108" and clean["monthly_pay"] == 8000
    assert errors == {"contact_phone": "请填写手机号码或带区号的固定电话"}


# --- display --------------------------------------------------------------------------------------


def test_display_names_codes_and_regions_and_dashes_empty_values() -> None:
    assert fd("code", list="unit_nature").display("39") == "其他企业"
    assert fd("region").display("110108") == "北京市海淀区"
    assert fd("money").display(8000) == "8000"
    assert fd("text").display("岗位") == "岗位"
    for f in (fd("text"), fd("code", list="unit_nature"), fd("region"), fd("date")):
        assert f.display(None) == "-" and f.display("") == "-"


# --- widget and hint, per type -------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "widget"), [
    (fd("text", max=50), "text"),
    (fd("text", max=LONG_TEXT), "text"),
    (fd("text", max=LONG_TEXT + 1), "textarea"),
    (fd("text"), "text"),
    (fd("code", list="unit_nature"), "select"),
    (fd("region"), "region"),
    (fd("date"), "date"),
    (fd("money", min=0), "number"),
    (fd("phone"), "tel"),
    (fd("url", max=300), "url"),
    (fd("postcode"), "postcode"),
    (fd("credit_code"), "credit_code"),
])
def test_the_type_decides_the_widget(field: FieldDef, widget: str) -> None:
    assert field.widget == widget


def test_every_type_has_a_widget_and_the_data_uses_only_known_types() -> None:
    assert set(WIDGETS) == {"text", "code", "region", "date", "money", "phone", "url", "postcode", "credit_code"}
    used = {f.field.type for k in catalogue.subkinds() for f in k.fields} | {f.field.type for f in forms.fields()}
    assert used <= set(WIDGETS)


@pytest.mark.parametrize(("field", "hint"), [
    (fd("text", max=50), "不超过 50 个字"),
    (fd("text"), None),
    (fd("code", list="unit_nature"), None),
    (fd("region"), "6 位行政区划代码，如 110108（北京市海淀区）"),
    (fd("date"), None),
    (fd("money", min=0, max=6), "整数，0～6"),
    (fd("money", min=1), "不小于 1 的整数"),
    (fd("money", max=6), "不大于 6 的整数"),
    (fd("money"), "整数"),
    (fd("phone"), "手机号码或带区号的固定电话"),
    (fd("url", max=300), "以 http:// 或 https:// 开头的网址"),
    (fd("postcode"), "6 位数字"),
    (fd("credit_code"), "18 位，由数字和大写英文字母组成"),
])
def test_each_type_has_one_hint(field: FieldDef, hint: str | None) -> None:
    assert field.hint == hint


def test_to_dict_carries_widget_hint_limits_and_choices() -> None:
    out = fd("code", key="unit_nature", label="单位性质", list="unit_nature").to_dict()
    assert out["widget"] == "select" and out["hint"] is None and out["list"] == "unit_nature"
    assert {"code": "39", "label": "其他企业"} in out["choices"]
    assert fd("money", key="pay", label="月薪", min=1, max=9).to_dict() == {
        "key": "pay", "label": "月薪", "type": "money", "widget": "number", "hint": "整数，1～9", "min": 1, "max": 9}
    assert fd("region", key="r", label="地").to_dict() == {
        "key": "r", "label": "地", "type": "region", "widget": "region", "hint": HINTS["region"]}


# --- form_field ----------------------------------------------------------------------------------------


def test_form_field_shows_the_value_as_text_with_the_types_widget_hint_and_limits() -> None:
    f = form_field(fd("text", key="position", label="岗位名称", max=50), "软件工程师", required=True)
    assert f == FormField(key="position", label="岗位名称", type="text", widget="text", required=True, readonly=False,
                          value="软件工程师", choices=[], maxlength=50, hint="不超过 50 个字", error=None)
    pay = form_field(fd("money", min=1, max=9), 8, required=False, error="不能大于9")
    assert (pay.value, pay.maxlength, pay.widget, pay.hint) == ("8", None, "number", "整数，1～9")
    assert pay.error == "不能大于9"
    assert form_field(fd("money"), 0, required=False).value == "0"
    assert form_field(fd("date"), None, required=False).value == ""
    assert form_field(fd("url", max=300), "", required=False).maxlength == 300


def test_form_field_gives_a_code_list_its_choices() -> None:
    f = form_field(fd("code", list="unit_nature"), "39", required=True)
    assert f.widget == "select" and ("39", "其他企业") in f.choices
    assert form_field(fd("region"), "", required=True).choices == []


def test_form_field_names_a_valid_region_in_its_hint_unless_the_field_has_an_error() -> None:
    region = fd("region", key="work_region")
    assert form_field(region, "110108", required=True).hint == "北京市海淀区（110108）"
    assert form_field(region, "北京市海淀区", required=True).hint == "北京市海淀区（110108）"
    assert form_field(region, "", required=True).hint == HINTS["region"]
    assert form_field(region, "999999", required=True).hint == HINTS["region"]
    shown = form_field(region, "110108", required=True, error="行政区划代码无效")
    assert shown.hint == HINTS["region"] and shown.value == "110108"


def test_form_field_read_only_shows_the_read_only_hint_instead() -> None:
    f = form_field(fd("text", max=100), "某省教育厅", required=True, readonly=True, readonly_hint="取自基本信息")
    assert f.readonly and f.hint == "取自基本信息" and f.value == "某省教育厅"
    region = form_field(fd("region"), "110108", required=True, readonly=True, readonly_hint="取自基本信息")
    assert region.hint == "取自基本信息"
    assert form_field(fd("phone"), "", required=True, readonly=True).hint is None


# --- one hint in every client ---------------------------------------------------------------------------


def _graduate_get(client: Any, make_graduate: Any, path: str) -> Any:
    graduate = make_graduate(confirmed_at=timeutil.now())
    token, _ = tokens.issue(graduate)
    db.session.commit()
    res = client.get("/api/v1" + path, headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def test_console_helper_employer_form_and_api_carry_the_same_widget_and_hint(client, make_graduate) -> None:
    """form_field (console, employer portal) and the API's field dicts (mini-program) agree per field."""
    kinds = _graduate_get(client, make_graduate, "/destination/kinds")["kinds"]
    agreement = client.get("/api/v1/agreements/fields").get_json()["fields"]
    employer = {f.key: f for section in invite_sections({}, {}) for f in section.fields}
    assert set(employer) == {f["key"] for f in agreement}
    by_type: dict[str, set[Any]] = defaultdict(set)
    for kind in kinds:
        for api_field in kind["fields"]:
            sub = catalogue.subkind(kind["key"])
            assert sub is not None
            field = sub.field(api_field["key"])
            assert field is not None
            console = form_field(field.field, None, required=field.required)
            assert (api_field["widget"], api_field["hint"]) == (console.widget, console.hint), api_field["key"]
            by_type[api_field["type"]].add((api_field["widget"], api_field["hint"], api_field.get("max"),
                                            api_field.get("min")))
    for api_field in agreement:
        shown = employer[api_field["key"]]
        console = form_field(forms.field(api_field["key"]).field, None, required=False)
        assert (api_field["widget"], api_field["hint"]) == (shown.widget, shown.hint) == (console.widget,
                                                                                          console.hint)
        by_type[api_field["type"]].add((api_field["widget"], api_field["hint"], api_field.get("max"),
                                        api_field.get("min")))
    # types without limits: one widget and one hint wherever the type is used
    for type_ in ("code", "region", "date", "phone", "postcode", "url", "credit_code"):
        assert len({(w, h) for w, h, _max, _min in by_type[type_]}) <= 1, type_
    assert {h for _w, h, _max, _min in by_type["region"]} == {HINTS["region"]}
    assert {h for _w, h, _max, _min in by_type["phone"]} == {HINTS["phone"]}
    assert {h for _w, h, _max, _min in by_type["postcode"]} == {HINTS["postcode"]}


def test_employer_form_keeps_its_number_bounds_and_unit_receive_switches(app) -> None:
    fields = {f.key: f for section in invite_sections({"work_region": "110102"}, {}) for f in section.fields}
    trial = fields["trial_period"]
    assert isinstance(trial, FormField) and trial.widget == "number" and (trial.min, trial.max) == (0, 6)
    assert trial.hint == "整数，0～6"
    assert fields["archive_unit_name"].unit_receive == "archive_transfer_type"
    assert fields["addendum"].widget == "textarea" and fields["addendum"].maxlength == 1000
    assert fields["work_region"].hint == "北京市西城区（110102）"


def test_the_mini_program_fixture_is_what_the_api_sends() -> None:
    """miniprogram/tests use a sub-kind shaped like GET /destination/kinds; its widgets and hints are ours."""
    kind = json.loads(MINIPROGRAM_KIND.read_text(encoding="utf-8"))
    for spec in kind["fields"]:
        field = FieldDef.from_dict(spec)
        assert (spec["widget"], spec["hint"]) == (field.widget, field.hint), spec["key"]


def test_openapi_describes_widget_and_hint(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for name in ("FieldSpecSchema", "AgreementFieldSchema"):
        assert {"widget", "hint"} <= set(schemas[name]["properties"]), name
        assert "textarea" in schemas[name]["properties"]["widget"]["description"]
    response = spec["paths"]["/api/v1/agreements/fields"]["get"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/AgreementFieldsOut")
