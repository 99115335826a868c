"""通知公告: the platform admin writes and publishes them; the public home page shows published ones."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from wxbackend.accounts.models import Notice
from wxbackend.core import timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db


def _events(prefix: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.startswith(prefix))
                                   .order_by(AuditEvent.id)))


def _notice(title: str, published: bool = True, minutes_ago: int = 0) -> Notice:
    at = timeutil.now() - timedelta(minutes=minutes_ago)
    notice = Notice(title=title, body=f"{title}的正文", published=published, created_at=at, updated_at=at)
    db.session.add(notice)
    db.session.commit()
    return notice


def test_admin_creates_edits_and_unpublishes_a_notice(client, make_user, staff_login) -> None:
    admin = make_user("admin", display_name="平台管理员甲")
    staff_login(admin)
    page = client.get("/console/notices/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = client.post("/console/notices/new", data={"csrf_token": token, "title": "关于毕业去向登记的通知",
                                                    "body": "第一段\n\n第二段", "published": "1"})
    assert res.status_code == 302
    notice = db.session.scalar(db.select(Notice))
    assert (notice.title, notice.published, notice.created_by) == ("关于毕业去向登记的通知", True, admin.id)
    assert "关于毕业去向登记的通知" in client.get("/console/notices").get_data(as_text=True)

    res = client.post(f"/console/notices/{notice.id}/edit",
                      data={"csrf_token": token, "title": "关于毕业去向登记的通知（更新）",
                            "body": "第一段\n\n第二段"})
    assert res.status_code == 302
    res = client.post(f"/console/notices/{notice.id}/publish", data={"csrf_token": token, "publish": "0"})
    assert res.status_code == 302
    db.session.expire_all()
    assert (notice.title, notice.published) == ("关于毕业去向登记的通知（更新）", False)
    events = _events("notice.")
    assert [e.action for e in events] == ["notice.create", "notice.update", "notice.unpublish"]
    assert events[1].data["changes"] == {
        "title": ["关于毕业去向登记的通知", "关于毕业去向登记的通知（更新）"]}
    assert all(e.actor_id == admin.id and e.role == "admin" for e in events)
    edit_page = client.get(f"/console/notices/{notice.id}/edit").get_data(as_text=True)
    assert 'id="history"' in edit_page and "撤回" in edit_page


def test_notice_form_errors_rerender_with_400(client, make_user, staff_login, csrf_off) -> None:
    staff_login(make_user("admin"))
    res = client.post("/console/notices/new", data={"title": "", "body": "保留的正文"})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert "请填写标题" in html and "保留的正文" in html
    assert db.session.scalar(db.select(db.func.count(Notice.id))) == 0


def test_only_the_platform_admin_manages_notices(client, org, staff_login, csrf_off) -> None:
    notice = _notice("通知")
    for user in (org.school_user, org.dept_a_user):
        staff_login(user)
        assert client.get("/console/notices").status_code == 403
        assert client.get("/console/notices/new").status_code == 403
        assert client.post("/console/notices/new", data={"title": "x", "body": "y"}).status_code == 403
        assert client.post(f"/console/notices/{notice.id}/publish", data={"publish": "0"}).status_code == 403
    db.session.expire_all()
    assert notice.published is True
    assert db.session.scalar(db.select(db.func.count(Notice.id))) == 1


def test_unknown_notice_is_404_for_admin(client, make_user, staff_login) -> None:
    staff_login(make_user("admin"))
    assert client.get("/console/notices/12345/edit").status_code == 404


def test_home_page_shows_only_published_notices_newest_first(client, app) -> None:
    _notice("较早的通知", minutes_ago=60)
    _notice("最新的通知", minutes_ago=1)
    hidden = _notice("未发布的通知", published=False)
    res = client.get("/")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert "未发布的通知" not in html
    assert html.index("最新的通知") < html.index("较早的通知")
    assert client.get(f"/notices/{hidden.id}").status_code == 404
    published_id = db.session.scalar(db.select(Notice.id).where(Notice.title == "最新的通知"))
    detail = client.get(f"/notices/{published_id}")
    assert detail.status_code == 200 and "最新的通知的正文" in detail.get_data(as_text=True)


def test_home_page_lists_many_notices_with_a_link_to_all(client, app) -> None:
    for i in range(10):
        _notice(f"通知{i}", minutes_ago=100 - i)
    html = client.get("/").get_data(as_text=True)
    assert "通知9" in html and "通知1<" not in html
    assert 'href="/notices"' in html
    all_html = client.get("/notices").get_data(as_text=True)
    assert "通知0" in all_html and "通知9" in all_html


def test_home_page_has_the_fig_46_entries(client, app) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "全国高校毕业生毕业去向登记系统" in html
    assert re.search(r'<a class="tile tile-primary" href="/login"', html)
    assert "关注“国家大学生就业服务平台”公众号，点击“去向登记”" in html
    assert re.search(r'<a class="tile" href="/console/login"', html)
    assert re.search(r'<a class="tile" href="/employer/login" id="entry-employer"', html)
    # VA-5: the two public verification entries open their pages
    assert re.search(r'<a class="tile" href="/verify/archive" id="entry-archive-verify"', html)
    assert re.search(r'<a class="tile" href="/verify/hukou" id="entry-hukou-verify"', html)
    assert "档案转递信息在线核验" in html and "户口迁移信息在线核验" in html and "用人单位在线签约" in html
    assert "通知公告" in html


def test_notice_times_are_in_shanghai(client, app) -> None:
    from wxbackend.core.timeutil import SHANGHAI

    n = _notice("时区")
    n.created_at = datetime(2023, 1, 9, 16, 54, 26, tzinfo=SHANGHAI)
    db.session.commit()
    assert "2023-01-09 16:54:26" in client.get(f"/notices/{n.id}").get_data(as_text=True)


def test_an_anonymous_visit_of_the_public_pages_writes_no_session(app) -> None:
    """The home page and the notices have no form: a visitor without a cookie is given none (no session,
    no CSRF token), so the busiest anonymous pages cost no session signing; the login page still has its
    token and cookie."""
    notice = _notice("公开的通知", minutes_ago=5)
    anonymous = app.test_client(use_cookies=False)
    for path in ("/", "/notices", f"/notices/{notice.id}"):
        res = anonymous.get(path)
        assert res.status_code == 200, path
        assert "Set-Cookie" not in res.headers and 'name="csrf-token"' not in res.get_data(as_text=True), path
    login = anonymous.get("/login")
    assert 'name="csrf-token"' in login.get_data(as_text=True) and "session=" in login.headers["Set-Cookie"]
