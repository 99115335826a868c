"""Other destinations and the destination home through the mini-program API (§4, §4.5).

OD-1…OD-4, D-1, D-2 and FS-5 uploads; the reviewer side is driven through the engine here
and through the console in tests/console/test_review_console.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import IS_PG
from tests.destinations.conftest import Api
from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from tests.files.photos import jpeg_bytes as photo_jpeg
from tests.files.photos import photo_like, png_header_only
from wxbackend.core.db import db
from wxbackend.destinations import services
from wxbackend.destinations.models import DestinationClaim, OtherDestination
from wxbackend.files.models import Attachment, StoredFile
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine


def _error(resp: Any) -> dict[str, Any]:
    return resp.get_json()["error"]  # type: ignore[no-any-return]


# --- the home screen (§4) ----------------------------------------------------------------------------


def test_home_lists_entries_and_empty_records(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    home = api.home()
    assert [e["label"] for e in home["entries"]] == ["签就业协议书就业", "其他形式就业", "升学", "未就业"]
    assert home["current"] is None and home["records"] == []
    other = next(e for e in home["entries"] if e["key"] == "other_employment")
    assert other["available"] and "签劳动合同就业" in [k["label"] for k in other["subkinds"]]
    agreement = home["entries"][0]
    assert agreement["available"] and "用人单位" in agreement["note"]  # online: the employer invites
    assert [k["key"] for k in agreement["subkinds"]] == ["eagreement", "paper"]  # offline: the graduate applies


def test_home_requires_confirmed_basic_info(graduate_api: Callable[..., Any]) -> None:
    """L-3: nothing in the destination module before the basic info is confirmed."""
    _, api = graduate_api(confirmed_at=None)
    resp = api.get("/destination")
    assert resp.status_code == 403 and _error(resp)["code"] == "basic_info_unconfirmed"
    resp = api.post("/destination/records", {"subkind": "job_seeking", "fields": {}})
    assert resp.status_code == 403


def test_kinds_carry_fields_and_proofs_as_data(graduate_api: Callable[..., Any]) -> None:
    """Every sub-kind of §4.5.1 with its code, fields and proof materials."""
    _, api = graduate_api()
    body = api.get("/destination/kinds").get_json()
    kinds = {k["label"]: k for k in body["kinds"]}
    for label in ("签劳动合同就业", "提供公招接收函就业", "其他录用证明就业", "定向/委培毕业去向补充登记", "自由职业",
                  "国家基层项目", "地方基层项目", "科研助理管理助理", "应征义务兵", "自主创业", "部队军官或文职人员",
                  "医学规培生", "国际组织任职", "出国出境工作", "境内升学", "出国出境深造", "求职中", "签约中",
                  "拟参加公招考试", "拟创业", "不就业拟升学", "暂不就业", "拟应征入伍", "拟出国出境"):
        assert label in kinds, label
    labour = kinds["签劳动合同就业"]
    assert labour["code"] == "11" and labour["proof"]["min"] == 1 and "劳动合同" in labour["proof"]["label"]
    nature = next(f for f in labour["fields"] if f["key"] == "unit_nature")
    assert nature["type"] == "code" and {"code": "39", "label": "其他企业"} in nature["choices"]
    assert kinds["求职中"]["proof"]["min"] == 0
    assert kinds["境内升学"]["code"] is None  # from the 升学类型 field: 801/802/803
    assert not kinds["定向/委培毕业去向补充登记"]["available"]


# --- OD-1: pick, fill, prove, submit --------------------------------------------------------------------


def test_od_1_register_labour_contract_through_the_api(graduate_api: Callable[..., Any]) -> None:
    """OD-1: draft, upload proof, submit; the list shows 待院系审核 and it is the current destination (D-1)."""
    _, api = graduate_api()
    resp = api.post("/destination/records", {"subkind": "labour_contract", "fields": {"unit_name": "示例公司"}})
    assert resp.status_code == 201
    draft = resp.get_json()
    assert draft["status"] == "draft" and draft["actions"]["submit"]
    resp = api.put(f"/destination/records/{draft['id']}", {"fields": LABOUR_FIELDS})
    assert resp.status_code == 200
    assert api.upload(draft["id"], jpeg_bytes()).status_code == 201
    resp = api.post(f"/destination/records/{draft['id']}/submit")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "pending" and body["status_label"] == "待院系审核" and body["destination_code"] == "11"
    rows = {r["label"]: r["value"] for r in body["rows"]}
    assert rows["单位性质"] == "其他企业" and rows["单位所在地"] == "北京市海淀区"
    home = api.home()
    assert home["current"]["id"] == draft["id"] and home["current"]["type"] == "other_destination"
    assert [r["status_label"] for r in home["records"]] == ["待院系审核"]
    assert not any(e["available"] for e in home["entries"])


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"credit_code": "91110108000000000X"}, "fields.credit_code", "校验"),
    ({"unit_nature": "77"}, "fields.unit_nature", "代码表"),
    ({"unit_region": "999999"}, "fields.unit_region", "行政区划"),
    ({"start_date": "2027-02-30"}, "fields.start_date", "YYYY-MM-DD"),
    ({"monthly_pay": "很多"}, "fields.monthly_pay", "整数"),
    ({"contact_phone": "12345"}, "fields.contact_phone", "手机"),
    ({"position": "岗" * 51}, "fields.position", "50"),
    ({"salary_secret": "1"}, "fields.salary_secret", "没有此项"),
])
def test_od_1_bad_fields_are_named(graduate_api: Callable[..., Any], fields: dict[str, Any], field: str,
                                   words: str) -> None:
    _, api = graduate_api()
    resp = api.post("/destination/records", {"subkind": "labour_contract", "fields": fields})
    assert resp.status_code == 400
    err = _error(resp)
    assert err["code"] == "invalid_fields" and words in err["fields"][field]
    assert db.session.scalar(select(func.count()).select_from(OtherDestination)) == 0


def test_od_1_submit_names_missing_fields_and_proofs(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    record_id = api.post("/destination/records", {"subkind": "labour_contract", "fields": {}}).get_json()["id"]
    resp = api.post(f"/destination/records/{record_id}/submit")
    assert resp.status_code == 400 and "fields.unit_name" in _error(resp)["fields"]
    api.put(f"/destination/records/{record_id}", {"fields": LABOUR_FIELDS})
    resp = api.post(f"/destination/records/{record_id}/submit")
    err = _error(resp)
    assert resp.status_code == 400 and err["code"] == "proof_required" and "劳动合同" in err["message"]
    assert api.record(record_id)["status"] == "draft"


def test_od_1_unemployed_needs_no_proof_and_study_code_comes_from_field(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    resp = api.post("/destination/records", {"subkind": "job_seeking", "fields": {}, "submit": True})
    assert resp.status_code == 201 and resp.get_json()["status"] == "pending"
    assert resp.get_json()["destination_code"] == "70"
    _, api2 = graduate_api()
    resp = api2.post("/destination/records", {"subkind": "domestic_study", "fields": {
        "study_level": "研究生", "admit_school": "示范大学", "admit_major": "计算机科学与技术"}})
    assert resp.status_code == 201 and resp.get_json()["destination_code"] == "801"


def test_od_1_unknown_subkind(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    resp = api.post("/destination/records", {"subkind": "astronaut", "fields": {}})
    assert resp.status_code == 400 and _error(resp)["fields"]["subkind"]


# --- OD-2: withdraw, return, reject ------------------------------------------------------------------


def test_od_2_withdraw_before_review_returns_to_editing(graduate_api: Callable[..., Any]) -> None:
    """OD-2, RV-3: 撤回修改 before any reviewer acted → editable again and no longer current (D-1)."""
    _, api = graduate_api()
    record = api.submitted_labour()
    assert record["actions"]["withdraw"]
    resp = api.post(f"/destination/records/{record['id']}/withdraw")
    assert resp.status_code == 200 and resp.get_json()["status"] == "draft"
    assert api.home()["current"] is None
    history = [h["action"] for h in api.record(record["id"])["history"]]
    assert history == ["submit", "withdraw"]
    again = api.post(f"/destination/records/{record['id']}/submit").get_json()
    assert [h["action"] for h in again["history"]] == ["submit", "withdraw", "submit"]
    assert again["status_label"] == "待院系审核"


def test_od_2_no_withdraw_after_department_acted(graduate_api: Callable[..., Any], decide: Callable[..., Any]) -> None:
    _, api = graduate_api()
    record = api.submitted_labour()
    decide(record["id"], "pass")
    assert not api.record(record["id"])["actions"]["withdraw"]
    resp = api.post(f"/destination/records/{record['id']}/withdraw")
    assert resp.status_code == 409 and _error(resp)["code"] == "already_reviewed"
    assert api.record(record["id"])["status_label"] == "待学校审核"


def test_od_2_return_shows_reason_then_edit_and_resubmit(graduate_api: Callable[..., Any],
                                                         decide: Callable[..., Any]) -> None:
    """OD-2, RV-1: a return carries its reason to the list; the graduate edits and resubmits."""
    _, api = graduate_api()
    record = api.submitted_labour()
    decide(record["id"], "return", reason="劳动合同缺少签字页")
    listed = api.home()["records"][0]
    assert listed["status"] == "returned" and listed["actions"]["edit"]
    assert listed["last_decision"]["reason"] == "劳动合同缺少签字页" and listed["last_decision"]["by"] == "院系"
    assert api.home()["current"]["id"] == record["id"]  # still current while returned
    resp = api.put(f"/destination/records/{record['id']}", {"fields": {**LABOUR_FIELDS, "position": "测试工程师"}})
    assert resp.status_code == 200
    assert api.upload(record["id"], jpeg_bytes(color="gray"), "page2.jpg").status_code == 201
    resp = api.post(f"/destination/records/{record['id']}/submit")
    assert resp.status_code == 200 and resp.get_json()["status_label"] == "待院系审核"
    actions = [h["action"] for h in resp.get_json()["history"]]
    assert actions == ["submit", "return", "resubmit"]


def test_od_2_reject_voids_and_graduate_chooses_again(graduate_api: Callable[..., Any],
                                                      decide: Callable[..., Any]) -> None:
    _, api = graduate_api()
    record = api.submitted_labour()
    decide(record["id"], "pass")
    decide(record["id"], "reject", user="school_user", reason="单位无法核实")
    home = api.home()
    assert home["records"][0]["status_label"] == "审核不通过"
    assert home["records"][0]["last_decision"]["by"] == "学校"
    assert home["current"] is None and home["entries"][1]["available"]
    resp = api.put(f"/destination/records/{record['id']}", {"fields": LABOUR_FIELDS})
    assert resp.status_code == 409 and _error(resp)["code"] == "not_editable"
    again = api.post("/destination/records", {"subkind": "public_exam", "fields": {}, "submit": True})
    assert again.status_code == 201


# --- OD-3: reviewers edit while reviewing --------------------------------------------------------------


def test_od_3_reviewer_changes_subkind_and_fields_recorded_and_notified(
        graduate_api: Callable[..., Any], world: dict[str, Any]) -> None:
    """OD-3, RV-5: the edit is kept as before/after in the history and the graduate is told."""
    graduate, api = graduate_api()
    record = api.submitted_labour()
    row = db.session.get(OtherDestination, record["id"])
    services.reviewer_edit(world["dept_user"], row, "hiring_certificate", {**LABOUR_FIELDS, "monthly_pay": 8000})
    db.session.commit()
    body = api.record(record["id"])
    assert body["subkind_label"] == "其他录用证明就业" and body["destination_code"] == "12"
    edit = next(h for h in body["history"] if h["action"] == "edit")
    changes = {c["field"]: (c["before"], c["after"]) for c in edit["changes"]}
    assert changes["毕业去向类型"] == ("签劳动合同就业", "其他录用证明就业")
    assert changes["月收入（元）"] == ("9000", "8000")
    note = db.session.scalar(select(NotificationOutbox).where(NotificationOutbox.graduate_id == graduate.id,
                                                              NotificationOutbox.kind == "info_edited"))
    assert note is not None and "修改" in note.title


def test_od_3_reviewer_edit_validates_and_needs_turn(graduate_api: Callable[..., Any], world: dict[str, Any]) -> None:
    _, api = graduate_api()
    record = api.submitted_labour()
    row = db.session.get(OtherDestination, record["id"])
    with pytest.raises(Exception) as err:
        services.reviewer_edit(world["dept_user"], row, None, {**LABOUR_FIELDS, "unit_region": "nowhere"})
    assert getattr(err.value, "code", "") == "invalid_fields"
    db.session.rollback()
    with pytest.raises(Exception) as err:
        services.reviewer_edit(world["school_user"], row, None, LABOUR_FIELDS)
    assert getattr(err.value, "code", "") == "not_waiting"


# --- OD-4: void after approval ---------------------------------------------------------------------


def test_od_4_void_after_approval(graduate_api: Callable[..., Any], decide: Callable[..., Any]) -> None:
    """OD-4: 作废 with no review; the record stays listed as 已作废; the graduate can register again."""
    _, api = graduate_api()
    record = api.submitted_labour()
    assert api.post(f"/destination/records/{record['id']}/void").status_code == 409  # not approved yet
    decide(record["id"], "pass")
    decide(record["id"], "pass", user="school_user")
    body = api.record(record["id"])
    assert body["status_label"] == "审核通过" and body["actions"]["void"]
    resp = api.post(f"/destination/records/{record['id']}/void")
    assert resp.status_code == 200 and resp.get_json()["status_label"] == "已作废"
    assert resp.get_json()["history"][-1]["action"] == "void"
    home = api.home()
    assert home["current"] is None and home["records"][0]["status"] == "voided"
    assert api.post("/destination/records", {"subkind": "not_now", "fields": {}, "submit": True}).status_code == 201
    assert [r["status"] for r in api.home()["records"]] == ["pending", "voided"]


# --- D-1: one current destination ----------------------------------------------------------------------


def test_d_1_second_registration_refused_while_one_is_open(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    api.submitted_labour()
    resp = api.post("/destination/records", {"subkind": "job_seeking", "fields": {}})
    assert resp.status_code == 409 and _error(resp)["code"] == "record_exists"


def test_d_1_other_module_claim_blocks_submit(graduate_api: Callable[..., Any]) -> None:
    """D-1 across modules: an accepted online agreement (claim) blocks submitting an other destination."""
    graduate, api = graduate_api()
    record_id = api.post("/destination/records", {"subkind": "job_seeking", "fields": {}}).get_json()["id"]
    services.claim(graduate.id, "online_agreement", 4242)
    db.session.commit()
    resp = api.post(f"/destination/records/{record_id}/submit")
    assert resp.status_code == 409 and _error(resp)["code"] == "destination_exists"
    assert "网上签约" in _error(resp)["message"]
    assert api.record(record_id)["status"] == "draft"
    assert "网上签约" in api.home()["entries"][1]["reason"]


@pytest.mark.skipif(not IS_PG, reason="concurrent writers need PostgreSQL")
def test_d_1_concurrent_registrations_end_with_one_current(graduate_api: Callable[..., Any], app: Any) -> None:
    """D-1 under concurrency: 12 simultaneous create+submit requests of one graduate → exactly one record."""
    graduate, api = graduate_api()
    kinds = ["job_seeking", "signing", "public_exam", "plan_startup", "plan_study", "not_now"] * 2
    barrier = threading.Barrier(len(kinds))
    results: list[int] = []

    def go(kind: str) -> None:
        client = app.test_client()
        barrier.wait()
        resp = Api(client, api.headers["Authorization"].split()[1]).post(
            "/destination/records", {"subkind": kind, "fields": {}, "submit": True})
        results.append(resp.status_code)

    threads = [threading.Thread(target=go, args=(k,)) for k in kinds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] + [409] * (len(kinds) - 1)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OtherDestination)) == 1
    assert db.session.get(DestinationClaim, graduate.id) is not None


@pytest.mark.skipif(not IS_PG, reason="concurrent writers need PostgreSQL")
def test_d_1_concurrent_claims_from_two_modules(graduate_api: Callable[..., Any], app: Any) -> None:
    """D-1: submitting an other destination while another module claims at the same instant → one wins."""
    graduate, api = graduate_api()
    record_id = api.post("/destination/records", {"subkind": "job_seeking", "fields": {}}).get_json()["id"]
    token = api.headers["Authorization"].split()[1]
    for attempt in range(5):
        outcome = _race_submit_and_claim(app, token, record_id, graduate.id, 9000 + attempt)
        won = (outcome["submit"] == 200) + (outcome["claim"] == "ok")
        assert won == 1, outcome
        db.session.expire_all()
        claim = db.session.get(DestinationClaim, graduate.id)
        assert claim is not None
        # reset for the next round
        if claim.kind == "online_agreement":
            services.release(graduate.id, "online_agreement", claim.subject_id)
        else:
            api.post(f"/destination/records/{record_id}/withdraw")
        db.session.commit()


def _race_submit_and_claim(app: Any, token: str, record_id: int, graduate_id: int, subject_id: int
                           ) -> dict[str, Any]:
    barrier = threading.Barrier(2)
    outcome: dict[str, Any] = {}

    def submit() -> None:
        client = app.test_client()
        barrier.wait()
        outcome["submit"] = Api(client, token).post(f"/destination/records/{record_id}/submit").status_code

    def other() -> None:
        with app.app_context():
            barrier.wait()
            try:
                services.claim(graduate_id, "online_agreement", subject_id)
                db.session.commit()
                outcome["claim"] = "ok"
            except Exception as exc:  # noqa: BLE001 - the loser's error is the point
                outcome["claim"] = getattr(exc, "code", repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


# --- D-2: 定向/委培 ----------------------------------------------------------------------------------------


def test_d_2_directed_graduate_only_gets_supplementary_registration(graduate_api: Callable[..., Any]) -> None:
    """D-2: 定向/委培 → only 定向/委培毕业去向补充登记, with the school's unit, read-only."""
    _, api = graduate_api(training_mode="2", sponsor_unit="某省教育厅")
    home = api.home()
    assert home["directed"] and "不可网签" in home["entries"][0]["reason"]
    assert not next(e for e in home["entries"] if e["key"] == "further_study")["available"]
    kinds = {k["key"]: k for k in api.get("/destination/kinds").get_json()["kinds"]}
    assert [k for k, v in kinds.items() if v["available"]] == ["directed"]
    assert kinds["directed"]["preset"] == {"unit_name": "某省教育厅"}
    assert next(f for f in kinds["directed"]["fields"] if f["key"] == "unit_name")["readonly"]
    resp = api.post("/destination/records", {"subkind": "labour_contract", "fields": LABOUR_FIELDS})
    assert resp.status_code == 403 and _error(resp)["code"] == "subkind_not_allowed"
    resp = api.post("/destination/records", {"subkind": "directed", "fields": {
        "unit_name": "我自己改的单位", "directed_agreement": "10", "unit_region": "410102"}})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["fields"]["unit_name"] == "某省教育厅" and body["readonly_fields"] == ["unit_name"]
    resp = api.put(f"/destination/records/{body['id']}", {"fields": {"unit_name": "又改", "directed_agreement": "11",
                                                                     "unit_region": "410102"}})
    assert resp.get_json()["fields"]["unit_name"] == "某省教育厅" and resp.get_json()["destination_code"] == "11"


def test_d_2_non_directed_cannot_pick_directed(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    resp = api.post("/destination/records", {"subkind": "directed", "fields": {}})
    assert resp.status_code == 403 and "定向或委培" in _error(resp)["message"]


# --- FS-5: proof uploads -----------------------------------------------------------------------------


BAD_UPLOADS = {
    "text_renamed_jpg": ("contract.jpg", lambda: "这是一个文本文件".encode() * 20, 400, "unsupported_type"),
    "png_20000x20000": ("huge.png", lambda: png_header_only(20000, 20000), 400, "image_too_large_pixels"),
    "empty": ("empty.jpg", lambda: b"", 400, "empty_file"),
    "30mb": ("big.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\0" * (30 * 1024 * 1024), 413, "too_large"),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_fs_5_bad_upload_leaves_record_as_it_was(graduate_api: Callable[..., Any], decide: Callable[..., Any],
                                                 case: str) -> None:
    """Issue 3 acceptance: each bad file gets a clear error and the record is unchanged."""
    _, api = graduate_api()
    record = api.submitted_labour()
    decide(record["id"], "return", reason="请补充合同签字页")
    before = api.record(record["id"])
    version = db.session.get(OtherDestination, record["id"]).version
    name, make, status, code = BAD_UPLOADS[case]
    resp = api.upload(record["id"], make(), name)
    assert resp.status_code == status, resp.get_json()
    err = _error(resp)
    assert err["code"] == code and err["message"]
    after = api.record(record["id"])
    assert after == before
    db.session.expire_all()
    assert db.session.get(OtherDestination, record["id"]).version == version
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1


def test_fs_5_missing_file_field(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    record_id = api.post("/destination/records", {"subkind": "labour_contract", "fields": {}}).get_json()["id"]
    resp = api.upload(record_id, jpeg_bytes(), "a.jpg", field="photo")
    assert resp.status_code == 400 and _error(resp)["code"] == "missing_file"


def test_fs_5_large_photo_submitted_while_compression_pending(graduate_api: Callable[..., Any],
                                                              drain_jobs: Callable[[], None]) -> None:
    """FS-5: a 12 MP phone photo is accepted; the record can be submitted before compression finishes."""
    _, api = graduate_api()
    record_id = api.post("/destination/records", {"subkind": "labour_contract", "fields": LABOUR_FIELDS}
                         ).get_json()["id"]
    resp = api.upload(record_id, photo_jpeg(photo_like(4032, 3024, seed=3)), "IMG_2001.JPG")
    assert resp.status_code == 201
    uploaded = resp.get_json()
    assert uploaded["size"] > 300 * 1024
    assert api.post(f"/destination/records/{record_id}/submit").status_code == 200
    drain_jobs()
    proof = api.record(record_id)["proofs"][0]
    assert proof["compression_state"] == "done" and proof["size"] <= 300 * 1024
    image = api.get(proof["url"].removeprefix("/api/v1"))
    assert image.status_code == 200 and len(image.data) == proof["size"]


def test_proofs_only_while_editable_and_removable(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    record = api.submitted_labour()
    resp = api.upload(record["id"], jpeg_bytes())
    assert resp.status_code == 409 and _error(resp)["code"] == "not_editable"
    api.post(f"/destination/records/{record['id']}/withdraw")
    file_id = api.record(record["id"])["proofs"][0]["id"]
    assert api.delete(f"/destination/records/{record['id']}/proofs/{file_id}").status_code == 204
    assert api.record(record["id"])["proofs"] == []
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_files_served_only_to_their_owner(graduate_api: Callable[..., Any]) -> None:
    _, api = graduate_api()
    _, stranger = graduate_api()
    record = api.submitted_labour()
    url = api.record(record["id"])["proofs"][0]["url"].removeprefix("/api/v1")
    own = api.get(url)
    assert own.status_code == 200 and own.mimetype == "image/jpeg"
    assert own.headers["X-Content-Type-Options"] == "nosniff" and "private" in own.headers["Cache-Control"]
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"/destination/records/{record['id']}").status_code == 404
    assert stranger.post(f"/destination/records/{record['id']}/withdraw").status_code == 404
    assert api.client.get("/api/v1" + url).status_code == 401


# --- bounded queries ---------------------------------------------------------------------------------


def test_home_query_count_does_not_grow_with_records(graduate_api: Callable[..., Any], decide: Callable[..., Any],
                                                     count_queries: Callable[[], Any], app: Any) -> None:
    """The 登记记录 list costs a fixed number of SQL queries however many records there are."""
    graduate, api = graduate_api()

    def cycle() -> None:
        record = api.post("/destination/records", {"subkind": "job_seeking", "fields": {}, "submit": True}).get_json()
        decide(record["id"], "pass")
        decide(record["id"], "pass", user="school_user")
        api.post(f"/destination/records/{record['id']}/void")

    cycle()
    with count_queries() as few:
        api.home()
    for _ in range(6):
        cycle()
    with count_queries() as many:
        body = api.home()
    assert len(body["records"]) == 7
    # One query per kind of record, one read of the review states of them all, however many records
    # there are: at most 8 for the whole home (the token lookup and the current destination included).
    assert many.count == few.count <= 8, many.statements


def test_engine_history_matches_api_history(graduate_api: Callable[..., Any], decide: Callable[..., Any]) -> None:
    """RV-6: the graduate sees every event of the item, in order, with reasons."""
    _, api = graduate_api()
    record = api.submitted_labour()
    decide(record["id"], "return", reason="缺页")
    api.post(f"/destination/records/{record['id']}/submit")
    decide(record["id"], "pass")
    decide(record["id"], "pass", user="school_user")
    body = api.record(record["id"])
    item = engine.latest_item("other_destination", record["id"])
    assert [h["action"] for h in body["history"]] == [e.action for e in engine.history(item)]
    assert [h["action_label"] for h in body["history"]] == ["提交", "退回修改", "重新提交", "通过", "通过"]
    assert body["history"][1]["reason"] == "缺页" and body["status_label"] == "审核通过"
