"""Every failure reads right for its reader: a Chinese page in the browser, the one JSON shape on /api.

The first test walks ``app.url_map`` as four visitors (nobody, a school reviewer, an employer, a
graduate) and requests every route in ways that fail — unknown ids, a method the route does not
take, a form post without its CSRF token, no login — so a new route cannot ship a Werkzeug page
or a JSON body to a browser. The rest pin the statuses with their own texts (413, 429, 500, an
ApiError raised under a browser route), the 核验失败 page of the QR check and the wrong-portal pages.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import url_for
from werkzeug.routing.converters import NumberConverter

from tests.signing.conftest import employer_user, graduate_api, invite, review_all, signed, world  # noqa: F401
from wxbackend.core import timeutil
from wxbackend.core.errors import Conflict

CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: What a browser must never see on an error page.
LEAKS = ("Traceback", "Werkzeug", "werkzeug", "Not Found", "Method Not Allowed", "Bad Request", "Forbidden",
         "Internal Server Error", '{"error"')
UNKNOWN_INT = 987654
#: Methods tried against a route that does not take them.
OTHER_METHODS = ("GET", "POST", "DELETE")
#: Browser-side endpoints that answer the page's own scripts in JSON (their errors stay JSON too).
SCRIPT_ENDPOINTS = {"home.region_children", "console.import_status", "auth.receiving_offices"}
#: Endpoints that only WeChat's servers call: a refusal is a short plain-text body, as WeChat expects.
MACHINE_ENDPOINTS = {"wechat.verify", "wechat.receive"}


@pytest.fixture()
def settings_overrides() -> dict[str, Any]:
    return {"LOGIN_RATE_LIMIT": "2 per 15 minutes", "MAX_UPLOAD_MB": 1}


def _csrf(client: Any, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _login(client: Any, path: str, username: str, password: str) -> Any:
    return client.post(path, data={"username": username, "password": password, "csrf_token": _csrf(client, path)})


@pytest.fixture()
def visitors(client: Any, make_school: Any, make_department: Any, make_major: Any, make_user: Any,
             make_employer: Any, make_graduate: Any, make_local_account: Any) -> dict[str, Callable[[], None]]:
    """name → a function that makes *client* that visitor (logging out whoever was signed in)."""
    school = make_school()
    major = make_major(make_department(school))
    reviewer = make_user("school", school_id=school.id, display_name="学校老师")
    employer = make_user("employer", employer_id=make_employer().id, display_name="测试科技有限公司")
    graduate = make_graduate(major, confirmed_at=timeutil.now())
    account = make_local_account(id_number=graduate.id_number)

    def fresh() -> None:
        client.delete_cookie("session")

    def as_reviewer() -> None:
        fresh()
        assert _login(client, "/console/login", reviewer.username, "secret-pass-1").status_code == 302

    def as_employer() -> None:
        fresh()
        assert _login(client, "/employer/login", employer.username, "secret-pass-1").status_code == 302

    def as_graduate() -> None:
        fresh()
        assert _login(client, "/login", account.username, "chsi-pass-1").status_code == 302

    return {"anonymous": fresh, "reviewer": as_reviewer, "employer": as_employer, "graduate": as_graduate}


def _url(app: Any, rule: Any) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]  # noqa: SLF001
        name = converter.__class__.__name__
        if isinstance(converter, NumberConverter):  # int, float and our BoundedIntConverter
            values[arg] = UNKNOWN_INT
        elif name == "AnyConverter":  # one of a fixed set: take the first, the id makes it fail
            values[arg] = sorted(converter.items)[0] if hasattr(converter, "items") else "unknown-x"
        else:
            values[arg] = "unknown-x"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def assert_page(res: Any, where: Any) -> str:
    """A browser error page: HTML, in Chinese, with nothing of Werkzeug or JSON in it."""
    assert res.mimetype == "text/html", (where, res.status_code, res.mimetype)
    html = res.get_data(as_text=True)
    assert CHINESE.search(html), where
    assert 'lang="zh-CN"' in html, where
    for leak in LEAKS:
        assert leak not in html, (where, leak)
    return html


def assert_json_error(res: Any, where: Any) -> dict[str, Any]:
    assert res.mimetype == "application/json", (where, res.status_code, res.mimetype)
    error = res.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and CHINESE.search(error["message"]), (where, error)
    return error  # type: ignore[no-any-return]


def test_every_route_fails_in_its_readers_format(app, client, visitors) -> None:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    seen: set[tuple[str, int]] = set()
    for who, become in visitors.items():
        become()
        for rule in rules:
            url = _url(app, rule)
            allowed = rule.methods - {"HEAD", "OPTIONS"}
            tries = [(m, url) for m in sorted(allowed)] + [(m, url) for m in OTHER_METHODS if m not in allowed]
            for method, target in tries:
                if rule.endpoint.endswith("logout") and method == "POST":
                    continue  # without CSRF this is refused; with it the walk would lose its visitor
                res = client.open(target, method=method)
                where = (who, method, target, res.status_code)
                if res.status_code < 400:
                    continue
                seen.add((rule.endpoint, res.status_code))
                if target.startswith("/api/"):
                    assert_json_error(res, where)
                elif rule.endpoint in SCRIPT_ENDPOINTS and method in allowed:
                    continue
                elif rule.endpoint in MACHINE_ENDPOINTS and res.status_code != 405:  # its GET or its POST
                    assert res.mimetype == "text/plain" and "Traceback" not in res.get_data(as_text=True), where
                else:
                    assert_page(res, where)
    statuses = {status for _endpoint, status in seen}
    assert {400, 401, 403, 404, 405} <= statuses, statuses
    # an unknown id is a 404 page for the console and the portal, a wrong method a 405 page
    assert ("console.graduate_detail", 404) in seen and ("employer.agreement", 404) in seen
    assert ("home.notice", 404) in seen and ("console.logout", 405) in seen


def test_error_pages_link_the_home_of_whoever_is_asking(client, visitors) -> None:
    homes = {"anonymous": "/", "reviewer": "/console/", "employer": "/employer/", "graduate": "/graduate/"}
    for who, become in visitors.items():
        become()
        res = client.get("/no-such-page")
        assert res.status_code == 404
        html = assert_page(res, who)
        assert "页面不存在" in html
        assert re.search(rf'id="error-home" href="{re.escape(homes[who])}"', html), (who, html)


def test_csrf_refusal_is_a_chinese_page(client, visitors) -> None:
    visitors["reviewer"]()
    res = client.post("/console/logout")
    assert res.status_code == 400
    html = assert_page(res, "csrf")
    assert '<h1 id="error-title">页面已过期</h1>' in html
    assert "页面已过期或安全校验未通过，请刷新页面后重新提交" in html


def test_employer_on_a_console_page_is_told_where_to_go(client, visitors) -> None:
    visitors["employer"]()
    for path in ("/console/", "/console/review", "/console/graduates"):
        res = client.get(path)
        assert res.status_code == 403
        html = assert_page(res, path)
        assert "您已以用人单位身份（测试科技有限公司）登录" in html and "使用学校账号登录" in html
        assert 'id="error-home" href="/employer/"' in html
        assert re.search(r'<form method="post" action="/employer/logout"[^>]*id="error-logout"', html)
        assert ">首页</a>" not in html  # no dead "首页" link of a portal this account cannot use


def test_reviewer_on_a_portal_page_is_told_where_to_go(client, visitors) -> None:
    visitors["reviewer"]()
    for path in ("/employer/", "/employer/invite", "/employer/account"):
        res = client.get(path)
        assert res.status_code == 403
        html = assert_page(res, path)
        assert "您已以学校账号（学校老师" in html and "用人单位账号" in html
        assert 'id="error-home" href="/console/"' in html
        assert re.search(r'<form method="post" action="/console/logout"[^>]*id="error-logout"', html)


def test_graduate_on_a_console_or_portal_page_is_told_where_to_go(client, visitors) -> None:
    visitors["graduate"]()
    for path in ("/console/", "/console/review", "/employer/", "/employer/invite"):
        res = client.get(path)
        assert res.status_code == 403, path
        html = assert_page(res, path)
        assert "您已以毕业生身份" in html and "我的首页" in html
        assert 'id="error-home" href="/graduate/"' in html
        assert re.search(r'<form method="post" action="/logout"[^>]*id="error-logout"', html)


def test_department_reviewer_on_a_school_page_gets_a_plain_403(client, make_school, make_department,
                                                               make_user, staff_login) -> None:
    school = make_school()
    user = make_user("department", school_id=school.id, department_id=make_department(school).id)
    staff_login(user)
    res = client.get("/console/imports")
    assert res.status_code == 403
    html = assert_page(res, "imports")
    assert "无权访问" in html and 'href="/console/"' in html and 'id="error-logout"' not in html


def test_413_says_the_limit(client) -> None:
    big = b"x" * (1024 * 1024 + 10)
    res = client.post("/employer/login", data=big, content_type="application/x-www-form-urlencoded")
    assert res.status_code == 413
    assert "单次请求不能超过 1 MB" in assert_page(res, 413)
    res = client.post("/api/v1/auth/wx-login", data=big, content_type="application/json")
    assert res.status_code == 413
    error = assert_json_error(res, "api 413")
    assert error["code"] == "too_large" and "1 MB" in error["message"]


def test_429_says_how_long_to_wait(client, make_user, make_school) -> None:
    make_user("school", username="target", school_id=make_school().id)
    for _ in range(2):
        assert _login(client, "/console/login", "target", "wrong").status_code == 400
    res = _login(client, "/console/login", "target", "wrong")
    assert res.status_code == 429
    wait = int(res.headers["Retry-After"])
    assert 0 < wait <= 15 * 60 + 1
    html = assert_page(res, 429)
    assert "尝试次数过多" in html and re.search(r"约 \d+ (分钟|秒)后可再试", html)
    api = client.post("/api/v1/auth/wx-login", json={})  # not limited: the shape of others stays JSON
    assert api.mimetype == "application/json"


def test_500_is_logged_and_shows_no_traceback(app, client, caplog) -> None:
    def boom() -> Any:
        raise RuntimeError("secret detail of the failure")

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.add_url_rule("/api/v1/test-boom", "test_api_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        res = client.get("/test-boom")
    assert res.status_code == 500
    html = assert_page(res, 500)
    assert "系统繁忙" in html and "secret detail" not in html and "RuntimeError" not in html
    assert any("secret detail of the failure" in (r.exc_text or "") or (r.exc_info and "secret detail" in
               str(r.exc_info[1])) for r in caplog.records)
    res = client.get("/api/v1/test-boom")
    assert res.status_code == 500
    assert assert_json_error(res, "api 500")["code"] == "server_error"
    assert "secret detail" not in res.get_data(as_text=True)


def test_api_error_under_a_browser_route_is_a_page_with_its_message(app, client) -> None:
    def refuse() -> Any:
        raise Conflict("already_done", "该事项已处理，请刷新页面")

    app.add_url_rule("/test-conflict", "test_conflict", refuse)
    app.add_url_rule("/api/v1/test-conflict", "test_api_conflict", refuse)
    res = client.get("/test-conflict")
    assert res.status_code == 409
    html = assert_page(res, 409)
    assert "该事项已处理，请刷新页面" in html and "already_done" not in html
    res = client.get("/api/v1/test-conflict")
    assert res.status_code == 409 and res.get_json() == {
        "error": {"code": "already_done", "message": "该事项已处理，请刷新页面", "fields": {}}}


def _without_csrf(html: str) -> str:
    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)


def test_a_bad_check_link_reveals_nothing(client, world, graduate_api, signed) -> None:  # noqa: F811
    """核验失败 for a forged, altered or foreign link — the same page whether or not the agreement exists."""
    from wxbackend.core import tokens
    from wxbackend.signing import documents

    graduate, _api = graduate_api()
    row = signed(graduate)
    good = documents.verify_token(row)
    assert client.get(f"/agreements/verify/{good}").status_code == 200
    existing_id_wrong_number = tokens.dumps(documents.VERIFY_PURPOSE, [row.id, "WRONG-NUMBER"])
    missing_id = tokens.dumps(documents.VERIFY_PURPOSE, [row.id + 1000, row.agreement_no])
    bad = [good + "x", good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb"), "not-a-token",
           existing_id_wrong_number, missing_id]
    answers = []
    for token in bad:
        res = client.get(f"/agreements/verify/{token}")
        html = assert_page(res, token)
        assert "核验失败" in html and row.agreement_no not in html and row.unit_name not in html
        assert res.headers["Cache-Control"] == "no-store"
        answers.append((res.status_code, _without_csrf(html)))
    assert len(set(answers)) == 1, "every bad link must get the very same answer"


def test_favicon_is_served_and_linked(client) -> None:
    with client.get("/favicon.ico") as res:
        assert res.status_code == 200 and res.mimetype.startswith("image/") and res.data[:4] == b"\x00\x00\x01\x00"
    html = client.get("/").get_data(as_text=True)
    svg = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    with client.get(svg) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_swagger_ui_loads_only_same_origin_assets(client) -> None:
    res = client.get("/api/v1/docs")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'url: "([^"]+)"', html)
    assert len(urls) >= 4, urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as js:
        assert b"SwaggerUIBundle" in js.data
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404
    assert json.loads(client.get("/api/v1/openapi.json").data)["paths"]
