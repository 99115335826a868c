"""The console graduates list: scope, filters, masking, pagination in SQL, no N+1."""

from __future__ import annotations

import re

from wxbackend.core import timeutil
from wxbackend.core.db import db


def _names(html: str) -> list[str]:
    return re.findall(r'class="graduate-link" href="/console/graduates/\d+">([^<]+)</a>', html)


def test_school_reviewer_sees_every_department(client, org, make_graduate, staff_login) -> None:
    make_graduate(org.major_a, name="张三")
    make_graduate(org.major_b, name="李四")
    staff_login(org.school_user)
    res = client.get("/console/graduates")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert sorted(_names(html)) == ["张三", "李四"]
    assert 'id="graduates"' in html
    assert "计算机学院" in html and "外国语学院" in html


def test_department_reviewer_sees_only_own_department(client, org, make_graduate, staff_login) -> None:
    make_graduate(org.major_a, name="张三")
    make_graduate(org.major_b, name="李四")
    staff_login(org.dept_a_user)
    html = client.get("/console/graduates").get_data(as_text=True)
    assert _names(html) == ["张三"]
    # asking for the other department by URL changes nothing
    html = client.get(f"/console/graduates?department={org.dept_b.id}&major={org.major_b.id}").get_data(
        as_text=True)
    assert "李四" not in html
    assert 'id="f-department"' not in html


def test_reviewer_of_another_school_sees_nothing(client, org, make_graduate, make_major, make_user,
                                                 staff_login) -> None:
    make_graduate(org.major_a, name="张三")
    other = make_major()
    make_graduate(other, name="王五")
    staff_login(make_user("school", school_id=other.school_id))
    assert _names(client.get("/console/graduates").get_data(as_text=True)) == ["王五"]


def test_platform_admin_has_no_graduates_list(client, org, make_user, staff_login) -> None:
    staff_login(make_user("admin"))
    assert client.get("/console/graduates").status_code == 403


def test_anonymous_is_sent_to_login(client, org) -> None:
    res = client.get("/console/graduates")
    assert res.status_code == 302
    assert "/console/login" in res.headers["Location"]


def test_filters_department_major_status_and_search(client, org, make_graduate, staff_login) -> None:
    make_graduate(org.major_a, name="张三", student_no="2022001")
    confirmed = make_graduate(org.major_a2, name="张四", student_no="2022002")
    confirmed.confirmed_at = timeutil.now()
    make_graduate(org.major_b, name="李四", student_no="2022003", exam_no="22110101123456")
    gone = make_graduate(org.major_b, name="赵六")
    gone.deleted_at = timeutil.now()
    db.session.commit()
    staff_login(org.school_user)

    def names(query: str) -> list[str]:
        res = client.get("/console/graduates" + query)
        assert res.status_code == 200
        return sorted(_names(res.get_data(as_text=True)))

    assert names("") == ["张三", "张四", "李四"]
    assert names(f"?department={org.dept_a.id}") == ["张三", "张四"]
    assert names(f"?department={org.dept_a.id}&major={org.major_a2.id}") == ["张四"]
    assert names("?status=pending") == ["张三", "李四"]
    assert names("?status=confirmed") == ["张四"]
    assert names("?status=deleted") == ["赵六"]
    assert names("?q=张") == ["张三", "张四"]
    assert names("?q=2022003") == ["李四"]
    assert names("?q=2211010112") == ["李四"]
    assert names("?q=%25") == []  # LIKE wildcards are escaped
    assert names("?status=bogus&page=abc") == ["张三", "张四", "李四"]


def test_major_filter_offers_majors_of_the_chosen_department(client, org, staff_login) -> None:
    staff_login(org.school_user)
    html = client.get(f"/console/graduates?department={org.dept_a.id}").get_data(as_text=True)
    select = html[html.index('id="f-major"'):]
    select = select[:select.index("</select>")]
    assert "软件工程" in select and "英语" not in select
    staff_login(org.dept_b_user)
    html = client.get("/console/graduates").get_data(as_text=True)
    select = html[html.index('id="f-major"'):]
    assert "英语" in select[:select.index("</select>")]


def test_list_masks_id_numbers_and_phones(client, org, make_graduate, staff_login) -> None:
    graduates = [make_graduate(org.major_a, phone="13912345678") for _ in range(3)]
    staff_login(org.school_user)
    html = client.get("/console/graduates").get_data(as_text=True)
    for g in graduates:
        assert g.id_number not in html
        assert f'<td class="id-number">{g.id_number[:3]}{"*" * 11}{g.id_number[-4:]}</td>' in html
    assert "13912345678" not in html
    assert "139****5678" in html


def test_pagination_is_fifty_a_page(client, org, make_graduate, staff_login) -> None:
    for i in range(53):
        make_graduate(org.major_a, name=f"学生{i:02d}", student_no=f"S{i:03d}")
    staff_login(org.school_user)
    html = client.get("/console/graduates").get_data(as_text=True)
    assert len(_names(html)) == 50
    assert "共 <strong>53</strong> 人" in html
    assert "下一页" in html
    html2 = client.get("/console/graduates?page=2").get_data(as_text=True)
    assert _names(html2) == ["学生50", "学生51", "学生52"]
    assert "上一页" in html2
    # beyond the last page shows the last page
    assert _names(client.get("/console/graduates?page=99").get_data(as_text=True)) == _names(html2)


def test_list_query_count_does_not_grow_with_rows(client, org, make_graduate, staff_login,
                                                  count_queries) -> None:
    staff_login(org.school_user)
    url = f"/console/graduates?department={org.dept_a.id}"
    make_graduate(org.major_a)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for i in range(60):
        make_graduate(org.major_a if i % 2 else org.major_a2)
        make_graduate(org.major_b)
    with count_queries() as big:
        assert client.get(url).status_code == 200
    with count_queries() as page2:
        assert client.get("/console/graduates?page=2").status_code == 200
    assert big.count == small.count
    assert page2.count <= small.count
    # user load, count, page rows, departments, majors
    assert big.count <= 5, "\n".join(big.statements)
