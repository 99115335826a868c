"""Employer portal, the invitation list and its actions: withdraw (ON-11) and invite again (ON-6), the
graduate's decline reason (ON-12), the notice before inviting a signed graduate (ON-5), and the
list's search by name, identifier, effective status (ON-3) and invitation days, paginated in SQL."""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.employer import test_portal as portal_tests
from tests.employer.test_portal import _find, _send, _signed, _token
from tests.signing import conftest as signing
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.employer import views
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement

world = signing.world
graduate_api = signing.graduate_api
employer_user = signing.employer_user
invite = signing.invite
review_all = signing.review_all
login = portal_tests.login
portal = portal_tests.portal

SH = timeutil.SHANGHAI


def _text(res: Any) -> str:
    return htmllib.unescape(res.get_data(as_text=True))


def _listed(html: str) -> list[int]:
    """Agreement ids of the home list's rows, in order."""
    table = html[html.index('id="agreement-list"'):]
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)">', table)]


def _error(html: str, key: str) -> str:
    m = re.search(rf'<div class="field-error" id="error-{re.escape(key)}">([^<]*)</div>', html)
    return m.group(1) if m else ""


def _csrf(client: Any, path: str = "/employer/") -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert m
    return m.group(1)


# --- ON-11: withdraw ---------------------------------------------------------------------------------


def test_on_11_employer_withdraws_from_the_agreement_page_and_may_invite_again(
        client, portal, graduate_api, invite, csrf_off) -> None:
    """ON-11: 撤回 on the page → 已撤回, the graduate cannot answer, and 再次邀请 leads to a new invitation (ON-6)."""
    user = portal()
    graduate, api = graduate_api(name="王小明")
    row = invite(user, graduate, position="数据工程师")
    page = _text(client.get(f"/employer/agreements/{row.id}"))
    assert 'id="withdraw-form"' in page and 'id="invite-again"' not in page

    res = client.post(f"/employer/agreements/{row.id}/withdraw")
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/employer/agreements/{row.id}")
    db.session.refresh(row)
    assert row.status == "withdrawn" and row.withdrawn_at is not None
    page = _text(client.get(f"/employer/agreements/{row.id}"))
    assert "已撤回对王小明的签约邀请" in page
    assert re.search(r'id="agreement-status">已撤回<', page)
    assert 'id="withdrawn-banner"' in page and "撤回时间" in page and "撤回签约邀请" in page  # the timeline
    assert 'id="withdraw-form"' not in page and 'id="invite-again"' in page

    # the graduate's entry (API, mini-program, web): 已撤回 and nothing to answer
    entry = api.get(f"/agreements/{row.id}").get_json()
    assert (entry["status"], entry["status_label"], entry["can_answer"]) == ("withdrawn", "已撤回", False)
    assert entry["actions"]["accept"] is False and entry["actions"]["decline"] is False
    assert api.post(f"/agreements/{row.id}/accept").status_code == 409

    # 再次邀请: the same graduate, carried in a fresh token, with the earlier terms filled in
    again = _text(client.get(f"/employer/invite?again={row.id}"))
    assert "王小明" in again and 'id="pending-invitation"' not in again
    assert 'value="数据工程师"' in again
    res = _send(client, _token(again))
    assert res.status_code == 302
    rows = db.session.query(OnlineAgreement).filter_by(graduate_id=graduate.id).order_by(OnlineAgreement.id).all()
    assert [r.status for r in rows] == ["withdrawn", "waiting"]


def test_on_11_withdraw_from_the_list_returns_to_the_same_search(client, portal, graduate_api, invite,
                                                                 csrf_off) -> None:
    """ON-11: the list offers 撤回 only on waiting rows; after it the same filtered page shows 已撤回."""
    user = portal()
    waiting_g, _ = graduate_api(name="赵一")
    answered_g, answered_api = graduate_api(name="赵二")
    waiting = invite(user, waiting_g)
    answered = invite(user, answered_g)
    answered_api.post(f"/agreements/{answered.id}/decline", json={})
    html = _text(client.get("/employer/?name=赵"))
    forms = re.findall(r'action="/employer/agreements/(\d+)/withdraw"', html)
    assert forms == [str(waiting.id)]
    m = re.search(r'name="next" value="([^"]+)"', html)
    assert m and urlsplit(m.group(1)).path == "/employer/" and parse_qs(urlsplit(m.group(1)).query) == {"name": ["赵"]}

    res = client.post(f"/employer/agreements/{waiting.id}/withdraw", data={"next": m.group(1)})
    assert res.status_code == 302 and urlsplit(res.headers["Location"]).path == "/employer/"
    assert parse_qs(urlsplit(res.headers["Location"]).query) == {"name": ["赵"]}
    html = _text(client.get(res.headers["Location"]))
    assert "已撤回对赵一的签约邀请" in html
    assert re.search(rf'<tr data-id="{waiting.id}">.*?已撤回', html, re.S)
    # an outside address in next is not followed
    other = invite(user, graduate_api(name="赵三")[0])
    res = client.post(f"/employer/agreements/{other.id}/withdraw", data={"next": "https://evil.example/"})
    assert res.headers["Location"].endswith(f"/employer/agreements/{other.id}")


def test_on_11_an_accepted_invitation_cannot_be_withdrawn(client, portal, graduate_api, invite, csrf_off) -> None:
    """ON-11: once the graduate accepted, 撤回 is refused with a clear message and nothing changes."""
    user = portal()
    graduate, api = graduate_api()
    row = invite(user, graduate)
    assert api.post(f"/agreements/{row.id}/accept").status_code == 200
    assert 'id="withdraw-form"' not in _text(client.get(f"/employer/agreements/{row.id}"))
    res = client.post(f"/employer/agreements/{row.id}/withdraw", follow_redirects=True)
    html = _text(res)
    assert "撤回失败" in html and "签约审核中" in html and "只有等待毕业生应约的邀请可以撤回" in html
    db.session.refresh(row)
    assert row.status == "reviewing" and row.withdrawn_at is None


def test_on_11_an_expired_invitation_cannot_be_withdrawn(client, portal, graduate_api, invite, frozen_now,
                                                         csrf_off) -> None:
    """ON-11 with ON-3: past the deadline (job or not) there is nothing to withdraw; 再次邀请 is offered."""
    user = portal()
    graduate, _ = graduate_api()
    row = invite(user, graduate, days=1)
    frozen_now(row.deadline)
    page = _text(client.get(f"/employer/agreements/{row.id}"))
    assert 'id="withdraw-form"' not in page and 'id="invite-again"' in page
    html = _text(client.post(f"/employer/agreements/{row.id}/withdraw", follow_redirects=True))
    assert "撤回失败" in html and "已失效" in html
    db.session.refresh(row)
    assert row.status == "waiting" and row.withdrawn_at is None


def test_on_11_another_employers_invitation_is_not_found(client, portal, employer_user, graduate_api, invite,
                                                         csrf_off) -> None:
    """ON-11: an employer can neither withdraw nor re-invite from another employer's invitation."""
    portal()
    graduate, _ = graduate_api()
    row = invite(employer_user(), graduate)
    assert client.post(f"/employer/agreements/{row.id}/withdraw").status_code == 404
    assert client.post("/employer/agreements/999999/withdraw").status_code == 404
    assert client.get(f"/employer/invite?again={row.id}").status_code == 404
    db.session.refresh(row)
    assert row.status == "waiting"


def test_on_11_withdraw_without_csrf_token_is_refused(client, portal, graduate_api, invite) -> None:
    """ON-11: the withdrawal is a form post; without the CSRF token nothing happens."""
    user = portal()
    graduate, _ = graduate_api()
    row = invite(user, graduate)
    assert client.post(f"/employer/agreements/{row.id}/withdraw").status_code == 400
    db.session.refresh(row)
    assert row.status == "waiting"
    res = client.post(f"/employer/agreements/{row.id}/withdraw", data={"csrf_token": _csrf(client)})
    assert res.status_code == 302
    db.session.refresh(row)
    assert row.status == "withdrawn"


# --- ON-12: the decline reason ----------------------------------------------------------------------


def test_on_12_employer_sees_the_graduates_decline_reason(client, portal, graduate_api, invite) -> None:
    """ON-12: the reason shows on the agreement page and under the status in the list; none is said too."""
    user = portal()
    graduate, api = graduate_api(name="孙有因")
    quiet, quiet_api = graduate_api(name="孙无因")
    row = invite(user, graduate)
    silent = invite(user, quiet)
    api.post(f"/agreements/{row.id}/decline", json={"reason": "已选择<继续深造>"})
    quiet_api.post(f"/agreements/{silent.id}/decline", json={})

    raw = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    assert "已选择&lt;继续深造&gt;" in raw  # escaped, never markup
    page = htmllib.unescape(raw)
    assert re.search(r'id="decline-reason">已选择<继续深造><', page)
    assert "<th>拒绝原因</th><td>已选择<继续深造></td>" in page
    assert "原因 / 意见：已选择<继续深造>" in page  # the timeline's decline line
    assert 'id="invite-again"' in page  # ON-6: after a rejection the employer may invite again
    assert "毕业生未填写拒绝原因" in _text(client.get(f"/employer/agreements/{silent.id}"))

    listing = _text(client.get("/employer/?status=declined"))
    assert re.search(rf'<tr data-id="{row.id}">.*?已拒绝</span>\s*<div class="muted decline-reason">'
                     r"拒绝原因：已选择<继续深造></div>", listing, re.S)
    assert listing.count('class="muted decline-reason"') == 1


# --- ON-5: inviting a signed graduate ---------------------------------------------------------------------


def test_on_5_inviting_a_graduate_signed_elsewhere_shows_a_notice_and_still_sends(
        client, portal, employer_user, graduate_api, invite, review_all, csrf_off) -> None:
    """ON-5: the lookup says the graduate is signed, without naming the employer; the invitation still goes."""
    user = portal()
    graduate, _ = graduate_api(name="钱已签")
    free, _ = graduate_api(name="钱未签")
    other = employer_user(name="别家科技有限公司")
    _signed(graduate, other, invite, review_all)

    html = _text(_find(client, "钱已签", graduate.id_number))
    assert 'id="signed-notice"' in html
    assert "该毕业生已与其他单位签约完成" in html and "仍可发送邀请" in html
    assert "别家科技有限公司" not in html
    assert 'id="invite-form"' in html
    assert _send(client, _token(html)).status_code == 302
    mine = db.session.query(OnlineAgreement).filter_by(graduate_id=graduate.id, employer_id=user.employer_id).one()
    assert mine.status == "waiting"

    assert 'id="signed-notice"' not in _text(_find(client, "钱未签", free.id_number))


# --- the list's search ------------------------------------------------------------------------------------


@pytest.fixture()
def listing(portal, employer_user, graduate_api, invite) -> dict[str, Any]:
    """Five invitations of one employer on different Shanghai days, one of another employer."""
    user = portal()
    made: dict[str, Any] = {"user": user}
    days = {"zhang": "2026-06-01 23:30", "zhangsan": "2026-06-02 00:10", "li": "2026-06-05 12:00",
            "wang": "2026-06-10 08:00", "zhao": "2026-06-15 09:00"}
    names = {"zhang": "张伟", "zhangsan": "张三丰", "li": "李四", "wang": "王五", "zhao": "赵六"}
    for key, name in names.items():
        graduate, api = graduate_api(name=name)
        row = invite(user, graduate, days=30)
        row.invited_at = datetime.strptime(days[key], "%Y-%m-%d %H:%M").replace(tzinfo=SH)
        made[key], made[key + "_graduate"], made[key + "_api"] = row, graduate, api
    made["other"] = invite(employer_user(), made["zhang_graduate"])
    db.session.commit()
    return made


def test_search_by_name_fragment_and_identifier(client, listing) -> None:
    assert set(_listed(_text(client.get("/employer/?name=张")))) == {listing["zhang"].id, listing["zhangsan"].id}
    # LIKE wildcards are plain characters
    assert _listed(_text(client.get("/employer/?name=%25"))) == []
    g = listing["li_graduate"]
    by_tail = _text(client.get(f"/employer/?identifier={g.id_number[-4:]}"))
    assert listing["li"].id in _listed(by_tail)
    assert all(listing[k].id not in _listed(by_tail) for k in ("zhang", "wang", "zhao")
               if listing[k + "_graduate"].id_number[-4:] != g.id_number[-4:])
    assert _listed(_text(client.get(f"/employer/?identifier={g.id_number.lower()}"))) == [listing["li"].id]
    # only masked numbers are shown
    html = _text(client.get("/employer/"))
    assert g.id_number not in html and (g.id_number[:3] + "*" * 11 + g.id_number[-4:]) in html
    # a middle fragment would let the list be probed: refused next to the field, the list unfiltered
    res = _text(client.get(f"/employer/?identifier={g.id_number[3:9]}"))
    assert _error(res, "f-identifier") == views.MSG_IDENTIFIER
    assert len(_listed(res)) == 5


def test_search_by_effective_status(client, listing, frozen_now) -> None:
    """The status filter is the effective one (ON-3) and knows 已撤回 (ON-11)."""
    user = listing["user"]
    services.withdraw_invitation(user, listing["li"].id)
    db.session.commit()
    listing["wang_api"].post(f"/agreements/{listing['wang'].id}/decline", json={"reason": "不合适"})
    assert _listed(_text(client.get("/employer/?status=withdrawn"))) == [listing["li"].id]
    assert _listed(_text(client.get("/employer/?status=declined"))) == [listing["wang"].id]
    waiting = {listing[k].id for k in ("zhang", "zhangsan", "zhao")}
    assert set(_listed(_text(client.get("/employer/?status=waiting")))) == waiting
    assert '<option value="withdrawn" >已撤回</option>' in _text(client.get("/employer/"))
    frozen_now(listing["zhao"].deadline)  # every waiting one is past its deadline now, no job has run
    assert _listed(_text(client.get("/employer/?status=waiting"))) == []
    assert set(_listed(_text(client.get("/employer/?status=expired")))) == waiting
    assert _listed(_text(client.get("/employer/?status=expired&name=赵"))) == [listing["zhao"].id]


def test_search_by_invitation_days_in_shanghai_time(client, listing) -> None:
    ids = lambda q: set(_listed(_text(client.get("/employer/?" + q))))  # noqa: E731
    assert ids("from=2026-06-02&to=2026-06-05") == {listing["zhangsan"].id, listing["li"].id}
    assert ids("to=2026-06-01") == {listing["zhang"].id}  # 23:30 Shanghai is still the 1st
    assert ids("from=2026-06-10") == {listing["wang"].id, listing["zhao"].id}
    assert ids("from=2026-06-01&to=2026-06-15&name=张") == {listing["zhang"].id, listing["zhangsan"].id}


def test_bad_dates_get_a_message_next_to_the_field(client, listing) -> None:
    html = _text(client.get("/employer/?from=2026-13-01&name=张"))
    assert _error(html, "f-from") == "日期格式应为 YYYY-MM-DD"
    assert set(_listed(html)) == {listing["zhang"].id, listing["zhangsan"].id}  # the other filters still apply
    html = _text(client.get("/employer/?from=2026-06-10&to=2026-06-01"))
    assert _error(html, "f-to") == "结束日期不能早于开始日期"
    assert set(_listed(html)) == {listing["wang"].id, listing["zhao"].id}
    assert _error(_text(client.get("/employer/?to=20260601")), "f-to") == "日期格式应为 YYYY-MM-DD"


def test_search_is_paginated_with_its_filters_kept(client, listing, monkeypatch, count_queries) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = _text(client.get("/employer/?from=2026-06-01&status=waiting"))
    assert _listed(first) == [listing["zhao"].id, listing["wang"].id]  # newest first
    assert "第 1 / 3 页" in first
    nxt = re.search(r'<a class="btn btn-light" rel="next" href="([^"]+)"', first)
    assert nxt
    query = parse_qs(urlsplit(nxt.group(1)).query)
    assert query == {"page": ["2"], "from": ["2026-06-01"], "status": ["waiting"]}
    second = _text(client.get(nxt.group(1)))
    assert _listed(second) == [listing["li"].id, listing["zhangsan"].id]
    assert 'value="2026-06-01"' in second and '<option value="waiting" selected>' in second
    last = _text(client.get("/employer/?from=2026-06-01&status=waiting&page=99"))
    assert _listed(last) == [listing["zhang"].id]

    with count_queries() as q:
        client.get("/employer/?name=张&from=2026-06-01&to=2026-06-30&status=waiting")
    with count_queries() as q_all:
        client.get("/employer/")
    assert q.count == q_all.count  # filters add conditions, not queries


def test_home_list_stays_one_query_per_page_with_decline_reasons(client, listing, count_queries) -> None:
    """No N+1: reasons and masked numbers come with the page's one SELECT."""
    with count_queries() as few:
        client.get("/employer/")
    for key in ("zhang", "zhangsan", "li"):
        listing[key + "_api"].post(f"/agreements/{listing[key].id}/decline", json={"reason": f"理由{key}"})
    with count_queries() as many:
        html = _text(client.get("/employer/"))
    assert html.count('class="muted decline-reason"') == 3
    assert many.count == few.count


def test_invite_again_prefills_days(client, portal, graduate_api, invite, csrf_off) -> None:
    """ON-6: after a rejection 再次邀请 opens the form with the earlier 应约有效期 and terms."""
    user = portal()
    graduate, api = graduate_api()
    row = invite(user, graduate, days=7)
    api.post(f"/agreements/{row.id}/decline", json={})
    html = _text(client.get(f"/employer/invite?again={row.id}"))
    assert re.search(r'id="response_days" name="response_days" value="7"', html)
    assert f'data-today="{timeutil.today().isoformat()}"' in html
