"""The graduate's side of online signing through the JSON API (§4.1, §4.2): list, detail, answers, PDF."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.signing.models import OnlineAgreement, TerminationRequest


def _entry(api: Any, agreement_id: int) -> dict[str, Any]:
    for r in api.home()["records"]:
        if r["type"] == "online_agreement" and r["id"] == agreement_id:
            return r  # type: ignore[no-any-return]
    raise AssertionError(f"invitation {agreement_id} not in the list")


def test_invitation_is_listed_with_deadline_and_answerability(graduate_api, employer_user, invite, frozen_now):
    """ON-2, ON-3: the 登记记录 list shows the 应约截止时间 and whether the invitation can be answered."""
    frozen_now(datetime(2023, 1, 10, 12, 0, tzinfo=timeutil.SHANGHAI))  # the token outlives the deadline
    graduate, api = graduate_api()
    frozen_now(datetime(2023, 1, 9, 16, 54, 26, tzinfo=timeutil.SHANGHAI))
    row = invite(employer_user(), graduate, days=3)
    entry = _entry(api, row.id)
    assert entry["deadline"] == "2023-01-13T00:00:00+08:00"
    assert entry["status_label"] == "等待应约" and entry["can_answer"] is True
    assert entry["actions"]["accept"] and entry["actions"]["decline"]
    frozen_now(datetime(2023, 1, 13, 0, 0, 0, tzinfo=timeutil.SHANGHAI))
    entry = _entry(api, row.id)
    assert entry["can_answer"] is False and entry["status_label"] == "已失效"
    assert "应约截止时间" in entry["answer_refusal"]
    resp = api.post(f"/agreements/{row.id}/accept")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "invitation_expired"


def test_detail_shows_fig9_blocks(graduate_api, employer_user, invite):
    """ON-8: the agreement detail carries 签约信息, 单位信息, 档案 and 户口 blocks (fig. 9)."""
    graduate, api = graduate_api()
    row = invite(employer_user(), graduate)
    body = api.get(f"/agreements/{row.id}").get_json()
    titles = [s["title"] for s in body["sections"]]
    assert titles == ["毕业生信息", "用人单位信息", "签约信息", "档案转递", "户口迁移", "协议补充内容"]
    rows = {r["label"]: r["value"] for s in body["sections"] for r in s["rows"]}
    assert rows["协议编号"] == "签约信息生效后生成"
    assert rows["职位类别"] == "科学研究人员" and rows["档案传递类型"] == "托管单位接收"
    assert rows["户口迁移类型"] == "转回生源地" and rows["试用期（月）"] == "3"
    assert body["pdf_url"] is None and body["termination_reasons"]


def test_answer_from_the_wrong_graduate_is_refused_and_changes_nothing(graduate_api, employer_user, invite):
    """ON-3: only the invited graduate can answer; another graduate gets 404 and the invitation stays."""
    graduate, _api = graduate_api()
    _other, other_api = graduate_api()
    row = invite(employer_user(), graduate)
    for action in ("accept", "decline"):
        resp = other_api.post(f"/agreements/{row.id}/{action}")
        assert resp.status_code == 404, resp.get_json()
        assert resp.get_json()["error"]["code"] == "not_found"
    assert other_api.get(f"/agreements/{row.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(OnlineAgreement, row.id).status == "waiting"


def test_accept_through_api_then_other_invitations_read_only(graduate_api, employer_user, invite):
    """ON-4: after accepting one invitation the others can be read but not answered."""
    graduate, api = graduate_api()
    first = invite(employer_user(), graduate)
    second = invite(employer_user(), graduate)
    resp = api.post(f"/agreements/{first.id}/accept")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status_label"] == "待院系审核"
    home = api.home()
    assert home["current"]["type"] == "online_agreement" and home["current"]["id"] == first.id
    entry = _entry(api, second.id)
    assert entry["can_answer"] is False and "其他单位" in entry["answer_refusal"]
    for action in ("accept", "decline"):
        resp = api.post(f"/agreements/{second.id}/{action}")
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "signed_elsewhere"
    assert api.get(f"/agreements/{second.id}").status_code == 200


def test_decline_through_api(graduate_api, employer_user, invite):
    """ON-6: declining ends the invitation; the same employer may invite again."""
    graduate, api = graduate_api()
    user = employer_user()
    row = invite(user, graduate)
    resp = api.post(f"/agreements/{row.id}/decline")
    assert resp.status_code == 200 and resp.get_json()["status"] == "declined"
    again = invite(user, graduate)
    assert again.id != row.id and again.status == "waiting"


def test_pdf_download_and_check_page(client, graduate_api, employer_user, invite, review_all, drain_jobs):
    """ON-8: after the school's pass the graduate downloads the PDF; its QR page confirms the agreement."""
    graduate, api = graduate_api()
    row = invite(employer_user(), graduate)
    assert api.get(f"/agreements/{row.id}/pdf").get_json()["error"]["code"] == "not_signed"
    assert api.post(f"/agreements/{row.id}/accept").status_code == 200
    review_all("online_agreement", row.id)
    drain_jobs()
    body = api.get(f"/agreements/{row.id}").get_json()
    assert body["status_label"] == "签约完成" and body["agreement_no"]
    resp = api.get(body["pdf_url"].removeprefix("/api/v1"))
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{body["agreement_no"]}.pdf"'
    assert len(resp.headers["X-Content-SHA256"]) == 64
    from wxbackend.signing import documents

    db.session.expire_all()
    token = documents.verify_token(db.session.get(OnlineAgreement, row.id))
    page = client.get(f"/agreements/verify/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and body["agreement_no"] in html and "真实有效" in html
    assert graduate.name not in html  # masked
    assert client.get(f"/agreements/verify/{token}x").status_code == 404


def test_termination_through_api(graduate_api, employer_user, invite, review_all, drain_jobs):
    """OT-1, OT-2: the graduate asks for 解约 (≤200 chars), sees it waiting for the employer, may cancel it."""
    graduate, api = graduate_api()
    row = invite(employer_user(), graduate)
    api.post(f"/agreements/{row.id}/accept")
    review_all("online_agreement", row.id)
    resp = api.post(f"/agreements/{row.id}/termination", {"reason": "07", "explanation": "解" * 201})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["fields"]["explanation"].startswith("解约说明不能超过200个字")
    resp = api.post(f"/agreements/{row.id}/termination", {"explanation": "协商一致"})
    assert resp.status_code == 400 and resp.get_json()["error"]["fields"]["reason"] == "请选择解约原因"
    assert db.session.scalar(select(func.count()).select_from(TerminationRequest)) == 0
    resp = api.post(f"/agreements/{row.id}/termination", {"reason": "07", "explanation": "解" * 200})
    assert resp.status_code == 201, resp.get_json()
    req = resp.get_json()
    assert req["status_label"] == "等待对方回应" and req["actions"]["cancel"] is True
    assert api.post(f"/terminations/{req['id']}/accept").get_json()["error"]["code"] == "not_other_party"
    assert api.post(f"/agreements/{row.id}/termination", {"reason": "07"}).status_code == 409
    resp = api.post(f"/terminations/{req['id']}/cancel")
    assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"


def test_employer_started_termination_is_listed_for_the_graduate(graduate_api, employer_user, invite, review_all,
                                                                 world):
    """OT-2, OT-3: a request the employer started shows in the graduate's list; accepting sends it to review."""
    from wxbackend.signing import services

    graduate, api = graduate_api()
    user = employer_user()
    row = invite(user, graduate)
    api.post(f"/agreements/{row.id}/accept")
    review_all("online_agreement", row.id)
    req = services.start_termination("employer", actor_for(user), row, "05", None, user=user)
    db.session.commit()
    entry = next(r for r in api.home()["records"] if r["type"] == "termination")
    assert entry["id"] == req.id and entry["can_answer"] is True and entry["initiator_label"] == "用人单位"
    resp = api.post(f"/terminations/{req.id}/accept")
    assert resp.status_code == 200 and resp.get_json()["status_label"] == "待院系审核"
    review_all("termination", req.id)
    body = api.get(f"/agreements/{row.id}").get_json()
    assert body["status_label"] == "已解约"
    assert api.home()["current"] is None
    later = invite(employer_user(), graduate)
    assert api.post(f"/agreements/{later.id}/accept").status_code == 200


def test_home_query_count_does_not_grow_with_invitations(graduate_api, employer_user, invite, count_queries):
    """The 登记记录 list costs the same SQL for 1 invitation as for 6 (no N+1), and with an other destination
    and an accepted invitation in review too no more than 8 statements: the review states of every kind
    are read once."""
    graduate, api = graduate_api()
    invite(employer_user(), graduate)
    with count_queries() as one:
        api.home()
    for _ in range(5):
        invite(employer_user(), graduate)
    with count_queries() as six:
        api.home()
    assert six.count == one.count, six.statements
    draft = api.post("/destination/records", {"subkind": "job_seeking", "fields": {}, "submit": True}).get_json()
    api.post(f"/destination/records/{draft['id']}/withdraw")
    accepted = invite(employer_user(), graduate)
    assert api.post(f"/agreements/{accepted.id}/accept").status_code == 200
    with count_queries() as mixed:
        body = api.home()
    kinds = {r["type"] for r in body["records"]}
    assert {"other_destination", "online_agreement"} <= kinds
    assert mixed.count <= 8, mixed.statements


def test_deadline_passes_between_list_and_answer(graduate_api, employer_user, invite, frozen_now):
    """ON-3: the list said answerable, the deadline passed, the answer is refused at that moment."""
    start = datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI)
    frozen_now(start)
    graduate, api = graduate_api()
    row = invite(employer_user(), graduate, days=1)
    assert _entry(api, row.id)["can_answer"] is True
    frozen_now(row.deadline + timedelta(seconds=1))
    resp = api.post(f"/agreements/{row.id}/decline")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "invitation_expired"


def test_ot_1_api_other_reason_without_explanation_is_a_field_error(graduate_api, employer_user, invite,
                                                                    review_all):
    """OT-1: reason 99 (其他原因) without 解约说明 → 400 with a field error on explanation."""
    graduate, api = graduate_api()
    row = invite(employer_user(), graduate)
    api.post(f"/agreements/{row.id}/accept")
    review_all("online_agreement", row.id)
    resp = api.post(f"/agreements/{row.id}/termination", {"reason": "99"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["fields"] == {"explanation": "解约原因为“其他原因”时，请填写解约说明"}
    assert api.post(f"/agreements/{row.id}/termination", {"reason": "99", "explanation": "协商"}).status_code == 201
