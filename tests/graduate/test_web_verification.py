"""The graduates' web: 核验授权 (§8.1, figs. 43–44), over the same payload and services as the API (GW-1).

VA-1 locked until the destination is confirmed; VA-2 a module without registered info says why; VA-3 the
date input limited to [today, the last day of the sixth month after graduation], the rule text and each
refusal next to the input, valid through 23:59:59 then 已过期; VA-4 the report viewed and downloaded, the
owner's only; VA-5 the number shown verifies on the public page; VA-6 the school's 转递编号 is not the
graduate's to set; VA-7 the number carries its check character and is shown grouped; VA-8 提前结束 and
重新设置 stop the old number at once; CSRF, the history, and the module tile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.confirmation.conftest import reported  # noqa: F401 - the fixture
from tests.graduate.conftest import Web, location
from tests.transfers.conftest import grad, reg_world  # noqa: F401 - the fixtures
from tests.verification.conftest import confirmed  # noqa: F401 - the fixture
from wxbackend.confirmation import services as confirmation
from wxbackend.core import ids, timeutil
from wxbackend.core.db import db
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.verification import lookup, services
from wxbackend.verification.models import Verification

FLASH = re.compile(r'<div class="flash flash-(\w+)" role="alert">([^<]*)</div>')
PAGE = "/graduate/verification"


@pytest.fixture()
def sign_in(app: Any, client: Any, make_local_account: Callable[..., Any]) -> Callable[[Any], Web]:
    """``sign_in(graduate)`` → a Web session of that graduate, through the real login form (each its own
    isolated client: ``client`` sets the class)."""

    def make(graduate: Any) -> Web:
        account = make_local_account(id_number=graduate.id_number)
        web = Web(app.test_client())
        resp = web.post("/login", {"username": account.username, "password": "chsi-pass-1"})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return web

    return make


def _main(html: str) -> str:
    return html.split('<main class="page">')[1].split("</main>")[0]


def _section(html: str, module: str) -> str:
    start = html.index(f'id="module-{module}"')
    end = html.find('<section class="card', start)
    return html[start:end]


def _set(web: Web, module: str = "archive", valid_until: str = "2027-12-31", **extra: Any) -> Any:
    return web.post(f"{PAGE}/{module}", {"valid_until": valid_until, **extra})


def _follow(web: Web, resp: Any) -> tuple[str, list[tuple[str, str]]]:
    html = web.page(location(resp).split("#")[0])
    return html, FLASH.findall(html)


def _find(name: str, number: str) -> Any:
    """A public lookup as the web route makes it: a fresh session's view, recorded and committed."""
    db.session.expire_all()
    found = lookup.find("archive", name, number)
    db.session.commit()
    return found


def _rows(module: str | None = None) -> list[Verification]:
    db.session.expire_all()
    query = select(Verification).order_by(Verification.id)
    if module:
        query = query.where(Verification.module == module)
    return list(db.session.scalars(query))


def test_va_1_gw_1_locked_until_the_destination_is_confirmed_then_the_tile_opens_the_page(
        reported: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    g = reported()
    web = sign_in(g)
    home = web.page("/graduate/")
    assert re.search(r'id="module-verification"\s+href="/graduate/modules/verification"', home)
    html = web.page(PAGE)  # the page itself says why, like the tile's page
    main = _main(html)
    assert "暂不可用：需完成去向登记确认才能进行核验授权" in main and "<form" not in main.split('id="verify-notes"')[0]
    assert "需完成去向登记确认才能进行核验授权" in web.page("/graduate/modules/verification")
    _, flashes = _follow(web, _set(web))
    assert ("error", "需完成去向登记确认才能进行核验授权") in flashes
    assert _rows() == []

    confirmation.confirm(g)
    db.session.commit()
    assert re.search(r'id="module-verification"\s+href="/graduate/verification"', web.page("/graduate/"))
    assert location(web.get("/graduate/modules/verification")).endswith(PAGE)
    assert 'id="archive-form"' in web.page(PAGE)


def test_va_2_a_module_without_registered_info_says_why_and_refuses(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    web = sign_in(confirmed())  # archive info reported and confirmed, no hukou info
    html = web.page(PAGE)
    archive, hukou = _section(html, "archive"), _section(html, "hukou")
    assert 'data-state="unset"' in archive and "未设置" in archive and "暂未生成核验编号" in archive
    assert 'id="archive-form"' in archive
    assert 'id="hukou-form"' not in hukou
    assert "暂不可用：你还没有已上报并确认的户口信息，不能进行户口信息核验" in hukou
    _, flashes = _follow(web, _set(web, "hukou"))
    assert ("error", "你还没有已上报并确认的户口信息，不能进行户口信息核验") in flashes
    assert _rows() == []
    assert web.post(f"{PAGE}/nothing", {"valid_until": "2027-12-31"}).status_code == 404


def test_va_3_the_date_input_is_limited_and_each_refusal_shows_next_to_it(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    web = sign_in(confirmed())  # graduates 202706 → at the latest 2027-12-31
    archive = _section(web.page(PAGE), "archive")
    today = timeutil.today().isoformat()
    assert f'min="{today}" max="2027-12-31"' in archive
    assert "有效期至当天23:59:59，最晚为毕业时间后六个月的最后一天（2027年12月31日）" in archive
    for value, message in (("2028-01-01", "有效期最晚为毕业时间后六个月的最后一天（2027年12月31日）"),
                           ("2020-01-01", "有效期不能早于今天"), ("", "请选择有效期（年-月-日）"),
                           ("明天", "请选择有效期（年-月-日）")):
        res = _set(web, valid_until=value)
        assert res.status_code == 400, value
        section = _section(res.get_data(as_text=True), "archive")
        field = section.split('id="field-archive-valid-until"')[1].split("</div>\n      ")[0]
        assert f'<div class="field-error" id="error-archive-valid_until">{message}</div>' in section, value
        assert 'aria-invalid="true"' in field and f'value="{value}"' in field, value
        assert "<details class=\"g-set\" open" in section
    assert _rows() == []


def test_va_3_va_4_va_7_setting_shows_the_grouped_number_and_the_report(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    g = confirmed(name="李娟")
    web = sign_in(g)
    html, flashes = _follow(web, _set(web, valid_until="2027-10-01"))
    [row] = _rows()
    grouped = ids.display(row.number)
    assert ids.is_valid(row.number, "A", services.BODY_LENGTH) and "-" in grouped  # VA-7
    assert ("success", f"已设置档案信息核验：核验编号 {grouped}，有效期至 2027年10月1日 23:59:59") in flashes
    archive = _section(html, "archive")
    assert 'data-state="active"' in archive and "生效中" in archive
    assert f'<span class="g-number" id="archive-number">{grouped}</span>' in archive
    assert "2027年10月01日 23:59:59" in archive
    assert "重新设置有效期" in archive and "<details class=\"g-set\" id=" in archive  # folded while active
    assert "北京某某科技有限公司" in archive  # the preview of the report's content
    # VA-4: view inline, download as an attachment — the same PDF
    view = web.get(f"{PAGE}/{row.id}/pdf")
    assert view.status_code == 200 and view.mimetype == "application/pdf"
    assert view.headers["Content-Disposition"].startswith("inline")
    down = web.get(f"{PAGE}/{row.id}/pdf?download=1")
    assert down.headers["Content-Disposition"].startswith("attachment") and "filename" in down.headers[
        "Content-Disposition"]
    assert down.get_data() == view.get_data() and down.get_data().startswith(b"%PDF")
    assert f'href="{PAGE}/{row.id}/pdf"' in archive and f'href="{PAGE}/{row.id}/pdf?download=1"' in archive
    # the history lists it
    assert f'id="history-{row.id}"' in html and grouped in html.split('id="verify-history"')[1]


def test_va_4_only_the_owner_sees_the_report_or_ends_it(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    owner = sign_in(confirmed(name="李娟"))
    _set(owner)
    [row] = _rows()
    stranger = sign_in(confirmed(name="别人"))
    assert stranger.get(f"{PAGE}/{row.id}/pdf").status_code == 404
    assert stranger.post(f"{PAGE}/{row.id}/close").status_code == 404
    assert stranger.get(f"{PAGE}/{row.id + 999}/pdf").status_code == 404
    assert _rows()[0].status == "active"
    anonymous = Web(owner.client.application.test_client())
    assert "/login" in location(anonymous.get(f"{PAGE}/{row.id}/pdf"))
    assert "/login" in location(anonymous.get(PAGE))


def test_va_3_valid_through_23_59_59_then_the_page_reads_expired(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web], frozen_now: Any) -> None:  # noqa: F811
    web = sign_in(confirmed())
    _set(web, valid_until="2027-03-01")
    frozen_now(datetime(2027, 3, 1, 23, 59, 59, tzinfo=SHANGHAI))
    assert 'data-state="active"' in _section(web.page(PAGE), "archive")
    frozen_now(datetime(2027, 3, 2, 0, 0, tzinfo=SHANGHAI))
    html = web.page(PAGE)
    archive = _section(html, "archive")
    assert 'data-state="expired"' in archive and "已过期" in archive and "已过有效期" in archive
    assert 'id="archive-close"' not in archive and 'id="archive-view"' not in archive
    assert 'min="2027-03-02"' in archive and "<details class=\"g-set\" open" in archive  # set again


def test_va_5_the_number_on_the_page_verifies_on_the_public_page(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web], client: Any) -> None:  # noqa: F811
    web = sign_in(confirmed(name="李娟"))
    html, _ = _follow(web, _set(web))
    grouped = re.search(r'id="archive-number">([^<]+)<', html).group(1)  # type: ignore[union-attr]
    public = Web(client)
    res = public.post("/verify/archive", {"name": "李娟", "number": grouped}, environ_base={"REMOTE_ADDR": "10.31.0.1"})
    assert res.status_code == 200 and "核验有效" in res.get_data(as_text=True)
    assert 'href="/verify/archive"' in html and 'href="/verify/hukou"' in html  # the notes tell where


def test_va_6_the_schools_transfer_number_is_not_set_here(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    """The page sets 核验编号 only; the 转递编号 comes from the school when it sends the archive."""
    web = sign_in(confirmed())
    _set(web)
    [row] = _rows()
    assert row.number.startswith(services.PREFIXES["archive"])
    notes = web.page(PAGE).split('id="verify-notes"')[1]
    assert "转递编号由学校寄出档案时提供" in notes and "无需在此设置" in notes


def test_va_8_ending_early_and_setting_again_stop_the_old_number_at_once(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    web = sign_in(confirmed(name="李娟"))
    _set(web)
    [first] = _rows()
    html, flashes = _follow(web, _set(web, valid_until="2027-11-30"))  # 重新设置
    old, new = _rows()
    assert old.status == "replaced" and new.status == "active" and old.number != new.number
    assert _find("李娟", old.number) is None and _find("李娟", new.number) is not None
    assert "data-confirm=" in _section(html, "archive").split('id="archive-form"')[1].split(">")[0]  # asks first
    # 提前结束 (a POST, confirmed in the browser)
    archive = _section(html, "archive")
    close_form = archive.split(f'action="{PAGE}/{new.id}/close"')[1].split("</form>")[0]
    assert "data-confirm=" in archive.split(f'action="{PAGE}/{new.id}/close"')[1].split(">")[0]
    assert 'name="csrf_token"' in close_form
    html, flashes = _follow(web, web.post(f"{PAGE}/{new.id}/close"))
    assert ("success", f"已提前结束档案信息核验，核验编号 {ids.display(new.number)} 已不能再核验") in flashes
    assert _find("李娟", new.number) is None
    archive = _section(html, "archive")
    assert 'data-state="closed"' in archive and "已结束" in archive and "已提前结束" in archive
    assert 'id="archive-close"' not in archive and 'id="archive-form"' in archive
    history = html.split('id="verify-history"')[1]
    assert history.index(f"history-{new.id}") < history.index(f"history-{first.id}")
    assert "已结束" in history and "已重新设置" in history
    _, flashes = _follow(web, web.post(f"{PAGE}/{new.id}/close"))  # twice: said, not a crash
    assert ("error", "该核验已结束") in flashes


def test_va_8_a_double_submitted_form_sets_once(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    web = sign_in(confirmed())
    form = re.search(r'id="archive-form".*?name="form_key" value="([^"]+)"', web.page(PAGE), re.S)
    assert form
    first = _set(web, form_key=form.group(1))
    again = _set(web, form_key=form.group(1))
    assert location(first) == location(again)
    assert db.session.scalar(select(func.count(Verification.id))) == 1


def test_gw_1_posts_need_the_csrf_token_and_errors_are_chinese_pages(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web]) -> None:  # noqa: F811
    web = sign_in(confirmed())
    res = web.post(f"{PAGE}/archive", {"valid_until": "2027-12-31"}, csrf=False)
    assert res.status_code == 400 and _rows() == []
    assert "<html lang=\"zh-CN\"" in res.get_data(as_text=True)
    missing = web.get(f"{PAGE}/999999/pdf")
    assert missing.status_code == 404 and '<html lang="zh-CN"' in missing.get_data(as_text=True)


def test_gw_1_the_web_shows_what_the_api_says(
        confirmed: Callable[..., Any], sign_in: Callable[[Any], Web], client: Any) -> None:  # noqa: F811
    """Same services, same payload: a number set on the web is the API's active one, and the reverse."""
    from tests.transfers.test_registration_api import Api

    g = confirmed()
    web = sign_in(g)
    api = Api(client, g)
    _set(web)
    page = api.get("/verifications").get_json()
    archive = {m["module"]: m for m in page["modules"]}["archive"]
    assert archive["state"] == "active" and archive["active"]["number"] == _rows()[0].number
    api.post(f"/verifications/{archive['active']['id']}/close")
    assert 'data-state="closed"' in _section(web.page(PAGE), "archive")
