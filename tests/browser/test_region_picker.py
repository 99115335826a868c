"""The employer portal's region picker in Chromium: a municipality's districts go in the 区县 box."""

from __future__ import annotations

#: The picker's select number *box* (0 province, 1 city, 2 district) has options beyond its placeholder.
OPTIONS_LOADED = "() => document.querySelector('.region-picker').querySelectorAll('select')[{box}].options.length > 1"


def test_selecting_beijing_lists_its_districts_in_the_district_box(live_server, page) -> None:
    page.goto(live_server + "/employer/register")
    picker = page.locator(".region-picker").first
    selects = picker.locator("select")
    page.wait_for_function("() => document.querySelector('.region-picker select').options.length > 30")
    selects.nth(0).select_option("110000")
    page.wait_for_function(OPTIONS_LOADED.format(box=1))
    city_options = selects.nth(1).locator("option").all_inner_texts()
    assert "北京市" in city_options and "东城区" not in city_options
    selects.nth(1).select_option(label="北京市")
    page.wait_for_function(OPTIONS_LOADED.format(box=2))
    assert "东城区" in selects.nth(2).locator("option").all_inner_texts()
    selects.nth(2).select_option(label="东城区")
    target = picker.get_attribute("data-target")
    assert page.input_value(f"#{target}") == "110101"
    assert page.inner_text(f"#{target}-hint") == "北京市东城区（110101）"


def test_a_saved_municipal_district_is_shown_selected(live_server, page, make_employer, make_user) -> None:
    employer = make_employer(address_region="500229", unit_nature="31", industry="34", address_detail="城口县某路1号",
                             contact_name="李经理", contact_phone="010-11111111", contact_mobile="13111111111")
    user = make_user(role="employer", employer_id=employer.id, display_name=employer.name)
    page.goto(live_server + "/employer/login")
    page.fill("#username", user.username)
    page.fill("#password", "secret-pass-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(live_server + "/employer/")
    page.goto(live_server + "/employer/account")
    page.wait_for_function(
        "() => document.querySelector('.region-picker[data-target=address_region]').querySelectorAll('select')[2].value"
        " === '500229'")
    selects = page.locator(".region-picker[data-target=address_region] select")
    assert [selects.nth(i).evaluate("s => s.options[s.selectedIndex].text") for i in range(3)] == [
        "重庆市", "重庆市", "城口县"]


def test_the_graduate_web_form_has_the_same_picker_on_a_phone(live_server, browser, make_school, make_department,
                                                               make_major, make_graduate, make_local_account,
                                                               screenshot_dir) -> None:
    """GW-1: the graduates' mobile web fills a region field with the same cascade (北京市 → 海淀区)."""
    from wxbackend.core import timeutil

    major = make_major(make_department(make_school()))
    graduate = make_graduate(major, confirmed_at=timeutil.now())
    account = make_local_account(id_number=graduate.id_number)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(live_server + "/login")
        page.fill("#username", account.username)
        page.fill("#password", "chsi-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(live_server + "/graduate/")
        page.goto(live_server + "/graduate/destination/new?subkind=labour_contract")
        picker = page.locator(".region-picker[data-target=unit_region]")
        selects = picker.locator("select")
        page.wait_for_function("() => document.querySelector('.region-picker select').options.length > 30")
        selects.nth(0).select_option("110000")
        page.wait_for_function(OPTIONS_LOADED.format(box=1))
        selects.nth(1).select_option(label="北京市")
        page.wait_for_function(OPTIONS_LOADED.format(box=2))
        selects.nth(2).select_option(label="海淀区")
        assert page.input_value("#unit_region") == "110108"
        assert page.inner_text("#unit_region-hint") == "北京市海淀区（110108）"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(screenshot_dir / "graduate-region-picker.png"), full_page=True)
    finally:
        context.close()
