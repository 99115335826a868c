"""AR-7: the directory of 档案接收单位 — search, scope, validation, import; AR-2: a region's office.

Driven through ``transfers.directory`` on its own; the console pages and the two JSON endpoints
are in tests/console/test_receiving_offices.py.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts.imports import ImportRefused
from wxbackend.core import audit
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.transfers import directory
from wxbackend.transfers.directory import HEADER
from wxbackend.transfers.models import ReceivingOffice

SYSTEM = audit.SYSTEM


def office(school_id: int | None, name: str, region: str, **kw: Any) -> ReceivingOffice:
    form = {"name": name, "region": region, "address": kw.pop("address", "某某路1号"), **kw}
    made = directory.create(SYSTEM, school_id, form)
    db.session.commit()
    return made


def names(offices: list[ReceivingOffice]) -> list[str]:
    return [o.name for o in offices]


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = directory.SHEET
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def count() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count(ReceivingOffice.id))) or 0)


@pytest.fixture()
def two_schools(make_school: Callable[..., Any]) -> tuple[Any, Any]:
    return make_school(name="北京测试大学"), make_school(name="武汉测试大学")


# --- search -------------------------------------------------------------------------------------------


def test_ar_7_search_puts_name_prefix_matches_before_substring_matches(app: Any) -> None:
    """AR-7: 西城 typed as the start of a name comes first; names that merely contain the words follow;
    within each group by region code."""
    office(None, "北京市西城区人才服务中心", "110102")
    office(None, "西城人才交流中心", "110102")
    office(None, "北京市海淀区人才服务中心", "110108")
    office(None, "上海市浦东新区人才服务中心", "310115")
    # prefix hits, then the Beijing office whose name does not start so (found by its region's name)
    assert names(directory.search("北京市")) == [
        "北京市西城区人才服务中心", "北京市海淀区人才服务中心", "西城人才交流中心"]
    found = names(directory.search("西城"))
    assert found[0] == "西城人才交流中心"  # prefix
    assert found[1:] == ["北京市西城区人才服务中心"]  # substring (and the region's name)
    assert names(directory.search("人才服务")) == [
        "北京市西城区人才服务中心", "北京市海淀区人才服务中心", "上海市浦东新区人才服务中心"]
    assert directory.search("不存在的单位") == []


def test_ar_7_search_ignores_case_width_and_spaces(app: Any) -> None:
    """AR-7: the query and the names compare normalised — 全角 letters, spaces and case do not matter."""
    office(None, "ABC 人才 服务中心", "110102")
    assert names(directory.search("ａｂｃ人才")) == ["ABC 人才 服务中心"]
    assert names(directory.search(" abc 人 才 ")) == ["ABC 人才 服务中心"]
    assert names(directory.search("50%")) == [] and names(directory.search("%")) == []  # LIKE wildcards are text


def test_ar_7_search_matches_by_region_name_and_filters_by_region(app: Any) -> None:
    """AR-7: a region's name finds its offices even when their names do not say it; ``region`` limits the
    result to that region and the regions below it."""
    office(None, "第一人才交流中心", "110102")  # 北京市西城区, but its name does not say so
    office(None, "北京市人才服务中心", "110000")
    office(None, "郑州市人才服务中心", "410100")
    office(None, "郑州市金水区公共就业和人才服务中心", "410105")
    assert names(directory.search("西城")) == ["第一人才交流中心"]
    assert names(directory.search("", region="410000")) == ["郑州市人才服务中心", "郑州市金水区公共就业和人才服务中心"]
    assert names(directory.search("", region="河南省郑州市金水区")) == ["郑州市金水区公共就业和人才服务中心"]
    assert names(directory.search("人才", region="110000")) == ["北京市人才服务中心", "第一人才交流中心"]
    assert directory.search("人才", region="999999") == []


def test_ar_7_a_school_never_sees_another_schools_entries(app: Any, two_schools: tuple[Any, Any]) -> None:
    """AR-7: visible entries are the platform's and the school's own — never another school's."""
    beijing, wuhan = two_schools
    office(None, "北京市西城区人才服务中心", "110102")
    office(beijing.id, "北京测试大学档案室指定单位", "110102")
    office(wuhan.id, "武汉测试大学档案室指定单位", "420111")
    assert names(directory.search("", school_id=beijing.id)) == [
        "北京测试大学档案室指定单位", "北京市西城区人才服务中心"]
    assert names(directory.search("武汉", school_id=beijing.id)) == []
    assert names(directory.search("档案室", school_id=wuhan.id)) == ["武汉测试大学档案室指定单位"]
    assert names(directory.search("")) == ["北京市西城区人才服务中心"]  # no school: the platform's only
    other = directory.search("武汉", school_id=wuhan.id)[0]
    assert directory.get(other.id, beijing.id) is None and directory.owned(other.id, beijing.id) is None


def test_ar_7_inactive_entries_are_not_found(app: Any) -> None:
    """AR-7: an entry switched off stays in the console's list but the graduates' search skips it."""
    made = office(None, "北京市西城区人才服务中心", "110102")
    directory.update(SYSTEM, made, {"name": made.name, "region": "110102", "address": made.address, "active": ""})
    db.session.commit()
    assert directory.search("北京") == []
    assert names(directory.search("北京", include_inactive=True)) == ["北京市西城区人才服务中心"]
    assert directory.office_for_region("110102", None) is None


def test_ar_7_search_respects_the_limit_across_prefix_and_substring(app: Any) -> None:
    """AR-7: the prefix hits fill the page first; substring hits only fill what is left."""
    for i in range(5):
        office(None, f"人才中心{i}", "110102")
        office(None, f"北京人才中心{i}", "110108")
    assert names(directory.search("人才", limit=3)) == ["人才中心0", "人才中心1", "人才中心2"]
    found = names(directory.search("人才", limit=7))
    assert found[:5] == [f"人才中心{i}" for i in range(5)] and found[5:] == ["北京人才中心0", "北京人才中心1"]


# --- office_for_region -------------------------------------------------------------------------------


def test_ar_2_office_for_region_falls_back_district_city_province(app: Any) -> None:
    """AR-2: the prefill asks for the office of the graduate's 生源所在地: the district's, else its city's,
    else its province's; none when the province has none either."""
    office(None, "湖北省人才服务局", "420000")
    office(None, "武汉市人才服务中心", "420100")
    office(None, "武汉市洪山区公共就业和人才服务中心", "420111")
    found = directory.office_for_region
    assert found("420111", None).name == "武汉市洪山区公共就业和人才服务中心"  # type: ignore[union-attr]
    assert found("420102", None).name == "武汉市人才服务中心"  # type: ignore[union-attr]  # 江岸区: its city
    assert found("420500", None).name == "湖北省人才服务局"  # type: ignore[union-attr]  # 宜昌市: the province
    assert found("420502", None).name == "湖北省人才服务局"  # type: ignore[union-attr]
    assert found("湖北省武汉市洪山区", None).name == "武汉市洪山区公共就业和人才服务中心"  # type: ignore[union-attr]
    assert found("410105", None) is None and found("", None) is None and found("999999", None) is None


def test_ar_2_office_for_region_in_a_municipality(app: Any) -> None:
    """AR-2: a Beijing district without its own entry falls back to the municipality's office."""
    office(None, "北京市人才服务中心", "110000")
    office(None, "北京市西城区人才服务中心", "110102")
    assert directory.office_for_region("110102", None).name == "北京市西城区人才服务中心"  # type: ignore[union-attr]
    assert directory.office_for_region("110108", None).name == "北京市人才服务中心"  # type: ignore[union-attr]


def test_ar_2_the_schools_own_entry_comes_before_the_platforms(app: Any, two_schools: tuple[Any, Any]) -> None:
    """AR-2: at the same level the school's own entry wins over the platform's; another school's is never
    used; a more precise level still wins over a less precise one."""
    beijing, wuhan = two_schools
    office(None, "武汉市人才服务中心", "420100")
    office(wuhan.id, "武汉测试大学指定的武汉市接收单位", "420100")
    office(beijing.id, "北京测试大学指定的武汉市接收单位", "420100")
    assert directory.office_for_region("420102", wuhan.id).name == "武汉测试大学指定的武汉市接收单位"  # type: ignore[union-attr]
    assert directory.office_for_region("420102", beijing.id).name == "北京测试大学指定的武汉市接收单位"  # type: ignore[union-attr]
    assert directory.office_for_region("420102", None).name == "武汉市人才服务中心"  # type: ignore[union-attr]
    office(None, "武汉市洪山区公共就业和人才服务中心", "420111")
    assert directory.office_for_region("420111", wuhan.id).name == "武汉市洪山区公共就业和人才服务中心"  # type: ignore[union-attr]


# --- validation and changes -------------------------------------------------------------------------


def test_ar_7_validation_reports_every_field(app: Any) -> None:
    """AR-7: name required ≤100, a region of the region data, an address, postcode of 6 digits, a phone
    like every other phone field — each reported on its own field."""
    with pytest.raises(ApiError) as err:
        directory.create(SYSTEM, None, {"name": "", "region": "123456", "address": "", "postcode": "10003",
                                        "phone": "12345", "contact": "王" * 51})
    assert set(err.value.fields) == {"name", "region", "address", "postcode", "phone", "contact"}
    assert err.value.fields["postcode"] == "邮编应为6位数字"
    assert err.value.fields["phone"] == "请填写手机号码或带区号的固定电话"
    assert "所在地区无效" in err.value.fields["region"]
    with pytest.raises(ApiError) as err:
        directory.create(SYSTEM, None, {"name": "单" * 101, "region": "", "address": "路"})
    assert err.value.fields == {"name": "单位名称不能超过100个字", "region": "请填写所在地区（6位行政区划代码或全称）"}
    made = directory.create(SYSTEM, None, {"name": "  北京市西城区人才服务中心 ", "region": "北京市西城区",
                                           "address": "西直门内大街2号", "postcode": "100035",
                                           "phone": "010-6618 0000"})
    assert (made.name, made.region_code, made.phone, made.contact) == (
        "北京市西城区人才服务中心", "110102", "010-66180000", None)
    assert count() == 1


def test_ar_7_one_entry_per_owner_region_and_name(app: Any, two_schools: tuple[Any, Any]) -> None:
    """AR-7: the same name in the same region once per owner (the platform counts as one owner); the
    database refuses a duplicate the service missed, for the NULL owner too."""
    beijing, wuhan = two_schools
    office(None, "北京市西城区人才服务中心", "110102")
    with pytest.raises(ApiError) as err:
        directory.create(SYSTEM, None, {"name": "北京市西城区 人才服务中心", "region": "110102", "address": "路"})
    assert err.value.fields == {"name": "该地区已有同名的档案接收单位"}
    db.session.rollback()
    office(beijing.id, "北京市西城区人才服务中心", "110102")
    office(wuhan.id, "北京市西城区人才服务中心", "110102")
    office(None, "北京市西城区人才服务中心", "110108")  # another region
    for school_id in (None, beijing.id):
        db.session.add(ReceivingOffice(school_id=school_id, name="x", name_key="北京市西城区人才服务中心",
                                       region_code="110102", address="路"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert count() == 4


def test_ar_7_update_is_audited_versioned_and_refuses_a_stale_form(app: Any) -> None:
    """AR-7: an edit records what changed, bumps the version, and a form of an older version is a 409."""
    made = office(None, "北京市西城区人才服务中心", "110102")
    changes = directory.update(SYSTEM, made, {"name": made.name, "region": "110102", "address": "新地址1号",
                                              "postcode": "100035"}, expected_version=1)
    db.session.commit()
    assert changes == {"address": ["某某路1号", "新地址1号"], "postcode": [None, "100035"]}
    assert made.version == 2
    with pytest.raises(Conflict):
        directory.update(SYSTEM, made, {"name": made.name, "region": "110102", "address": "再改"},
                         expected_version=1)
    assert directory.update(SYSTEM, made, {"name": made.name, "region": "110102", "address": "新地址1号",
                                           "postcode": "100035"}) == {}
    directory.remove(SYSTEM, made)
    db.session.commit()
    assert count() == 0
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "receiving_office")))
    assert actions == ["receiving_office.create", "receiving_office.update", "receiving_office.delete"]
    assert all(audit.action_label(a) != "其他操作" for a in actions)


# --- import -------------------------------------------------------------------------------------------


def test_ar_7_import_with_bad_rows_reports_row_by_row_and_changes_nothing(app: Any) -> None:
    """AR-7: every bad row is reported with its sheet row, field and reason; nothing is stored, not even
    the good rows."""
    office(None, "北京市西城区人才服务中心", "110102", address="旧地址")
    content = xlsx([
        ["北京市西城区人才服务中心", "110102", "新地址", "100035", "", ""],  # good (an update)
        ["", "110108", "某路", "", "", ""],  # row 3: no name
        ["某中心", "北京市不存在区", "某路", "12", "", "123"],  # row 4: region, postcode, phone
        [None, None, None, None, None, None],  # blank: skipped
        ["上海市人才服务中心", "310000", "某路", "200003", "", "021-63200000"],  # good
        ["上海市人才服务中心", "上海市", "另一路", "", "", ""],  # row 7: the same as row 6
    ])
    result = directory.import_xlsx(SYSTEM, None, "offices.xlsx", content)
    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "单位名称"), (4, "所在地区"), (4, "邮编"), (4, "联系电话"), (7, "单位名称")]
    assert "与第6行重复" in result.errors[-1].message
    db.session.rollback()
    assert count() == 1
    assert db.session.scalar(select(ReceivingOffice.address)) == "旧地址"


def test_ar_7_import_upserts_by_owner_region_and_name(app: Any, two_schools: tuple[Any, Any]) -> None:
    """AR-7: known (region, name) pairs of the owner are updated, new ones added, the same ones left alone;
    another owner's entries are untouched; a region may be given by name."""
    beijing, wuhan = two_schools
    office(beijing.id, "北京市西城区人才服务中心", "110102", address="旧地址")
    office(beijing.id, "北京市海淀区人才服务中心", "110108", address="海淀某路")
    office(wuhan.id, "北京市西城区人才服务中心", "110102", address="武汉大学的条目")
    content = xlsx([
        ["北京市西城区人才服务中心", "北京市西城区", "新地址", 100035, "档案科", "010-66180000"],
        ["北京市海淀区人才服务中心", "110108", "海淀某路", None, None, None],
        ["上海市浦东新区人才服务中心", 310115.0, "合欢路2号", "200135", "", ""],
    ])
    result = directory.import_xlsx(SYSTEM, beijing.id, "offices.xlsx", content)
    db.session.commit()
    assert result.ok and (result.created, result.updated, result.unchanged) == (1, 1, 1)
    own = {o.name: o for o in directory.owned_entries(beijing.id)}
    assert own["北京市西城区人才服务中心"].address == "新地址" and own["北京市西城区人才服务中心"].postcode == "100035"
    assert own["北京市西城区人才服务中心"].version == 2
    assert own["上海市浦东新区人才服务中心"].region_code == "310115"
    assert [o.address for o in directory.owned_entries(wuhan.id)] == ["武汉大学的条目"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "receiving_office.import"))
    assert event is not None and event.school_id == beijing.id and event.data["created"] == 1


def test_ar_7_import_refuses_files_it_cannot_read(app: Any) -> None:
    """AR-7: not an xlsx, no header, a header without a required column, no data rows — refused whole."""
    cases = [
        ("a.csv", b"name,region\n"),
        ("a.xlsx", b"PK\x03\x04 broken"),
        ("a.xlsx", xlsx([["x"]], header=["随便", "什么"])),
        ("a.xlsx", xlsx([["某中心", "某路"]], header=["单位名称", "详细地址"])),
        ("a.xlsx", xlsx([])),
    ]
    for filename, content in cases:
        with pytest.raises(ImportRefused):
            directory.import_xlsx(SYSTEM, None, filename, content)
    assert count() == 0


def test_ar_7_the_template_and_the_export_import_back(app: Any) -> None:
    """AR-7: the blank template has the import's header; an export of the owner's entries imports back
    unchanged."""
    from openpyxl import load_workbook

    blank = load_workbook(io.BytesIO(directory.template_xlsx()))
    assert [c.value for c in blank[directory.SHEET][1]] == HEADER and blank[directory.SHEET].max_row == 1
    assert "填写说明" in blank.sheetnames
    office(None, "北京市西城区人才服务中心", "110102", postcode="100035", phone="010-66180000")
    office(None, "郑州市人才服务中心", "410100")
    exported = directory.template_xlsx(directory.owned_entries(None))
    result = directory.import_xlsx(SYSTEM, None, "export.xlsx", exported)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_ar_7_demo_entries_are_platform_wide_and_valid(app: Any) -> None:
    """AR-7: the demo data file's entries load as platform-wide entries, each valid, once."""
    from wxbackend.demo import _receiving_offices

    _receiving_offices()
    _receiving_offices()
    total = count()
    assert total >= 20
    assert db.session.scalar(select(func.count()).where(ReceivingOffice.school_id.is_not(None))) == 0
    assert directory.office_for_region("110102", None).name == "北京市西城区人才服务中心"  # type: ignore[union-attr]
    assert directory.office_for_region("110109", None).name == "北京市人才服务中心"  # type: ignore[union-attr]
