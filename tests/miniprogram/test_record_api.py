"""Record the mini-program's API responses from the real backend, for its page tests (jest).

One graduate journey per recording set, driven through the test client at a frozen time with
fixed names, so that ids, dates and texts come out the same on every run and on both engines.
Each response lands in ``miniprogram/tests/recorded/<name>.json`` (sorted keys, random tokens
replaced); the jest ``wx`` stub answers ``wx.request``/``uploadFile``/``downloadFile`` from them
by method and path (and, for a GET with query arguments, by those too: ``query``). A file is
rewritten only when its content changed, and files no longer recorded are removed, so the
recordings track the API without churning git.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.destinations.conftest import Api
from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from tests.factories import credit_code
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.review import engine
from wxbackend.signing import services as signing
from wxbackend.signing.forms import EXAMPLE_TERMS

RECORDED = Path(__file__).resolve().parents[2] / "miniprogram" / "tests" / "recorded"
START = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)

#: Values that differ on every run (random or signed with the current time): fixed placeholders.
PLACEHOLDERS = {"token": "wxg_RECORDED_TOKEN", "bind_ticket": "RECORDED_BIND_TICKET"}


def normalise(value: Any, stable: dict[str, str] | None = None) -> Any:
    """Tokens by key (:data:`PLACEHOLDERS`); each random value in *stable* by its fixed stand-in, wherever it is."""
    stable = stable or {}
    if isinstance(value, dict):
        return {k: (PLACEHOLDERS[k] if k in PLACEHOLDERS and isinstance(v, str) else normalise(v, stable))
                for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, stable) for v in value]
    if isinstance(value, str):
        for random_value, placeholder in stable.items():
            value = value.replace(random_value, placeholder)
    return value


class Recorder:
    """Keeps every response under a name; :meth:`write` saves them all."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        #: random value → its fixed stand-in (e.g. a 核验编号, see :meth:`stabilise`)
        self.stable: dict[str, str] = {}

    def stabilise(self, value: str, placeholder: str) -> None:
        """Record *placeholder* wherever *value* (random on every run) appears, from now on."""
        self.stable.setdefault(value, placeholder)

    def __call__(self, name: str, method: str, path: str, resp: Any, status: int | None = None) -> Any:
        assert name not in self.items, f"recorded twice: {name}"
        if status is not None:
            assert resp.status_code == status, (name, resp.status_code, resp.get_json())
        body = resp.get_json(silent=True)
        bare, _, query = path.partition("?")
        self.items[name] = {"name": name, "method": method, "path": bare,
                            "status": resp.status_code, "body": normalise(body, self.stable)}
        if query:  # the mini-program passes query arguments as wx.request data: the stub matches them
            self.items[name]["query"] = dict(parse_qsl(query))
        return body

    def write(self) -> list[str]:
        RECORDED.mkdir(parents=True, exist_ok=True)
        changed = []
        for name, item in sorted(self.items.items()):
            text = json.dumps(item, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
            target = RECORDED / f"{name}.json"
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
                changed.append(name)
        for stale in RECORDED.glob("*.json"):
            if stale.stem not in self.items:
                stale.unlink()
        return changed


class RecordingApi(Api):
    """The mini-program's calls for one graduate, each response recorded under a name."""

    def __init__(self, client: Any, token: str | None, rec: Recorder) -> None:
        super().__init__(client, token or "")
        if not token:
            self.headers = {}
        self.rec = rec

    def call(self, name: str, method: str, path: str, json_body: Any = None, status: int | None = None) -> Any:
        if method == "GET":
            resp = self.get(path)
        elif method == "POST":
            resp = self.post(path, json_body)
        elif method == "PUT":
            resp = self.put(path, json_body)
        else:
            resp = self.delete(path)
        return self.rec(name, method, path, resp, status)


@pytest.fixture()
def clock() -> Callable[[int], None]:
    """``clock(minutes)``: the frozen time, *minutes* after START (each step a distinct moment)."""

    def at(minutes: int) -> None:
        timeutil.freeze(START + timedelta(minutes=minutes))

    at(0)
    yield at
    timeutil.freeze(None)


@pytest.fixture()
def people(app: Any, clock: Any) -> dict[str, Any]:
    """A school with reviewers and an employer, all with fixed names (the factories number theirs)."""
    from tests.factories import _password_hash, id_number
    from wxbackend.accounts.models import Department, Employer, Graduate, Major, School, User

    school = School(code="10001", name="示例大学")
    db.session.add(school)
    db.session.flush()
    dept = Department(school_id=school.id, code="D001", name="计算机学院")
    db.session.add(dept)
    db.session.flush()
    major = Major(school_id=school.id, department_id=dept.id, code="080901", name="计算机科学与技术")
    employer = Employer(name="北京示例科技有限公司", credit_code=credit_code(11), unit_nature="31", industry="34",
                        address_region="110102", address_detail="西直门外大街18号楼3层5单元301",
                        contact_name="李经理", contact_phone="010-11111111", contact_mobile="13111111111",
                        qualification_status="approved")
    db.session.add_all([major, employer])
    db.session.flush()
    users = {
        "dept_user": User(username="dept1", display_name="计算机学院审核员", role="department",
                          school_id=school.id, department_id=dept.id),
        "school_user": User(username="school1", display_name="学校审核员", role="school", school_id=school.id),
        "employer_user": User(username="employer1", display_name=employer.name, role="employer",
                              employer_id=employer.id),
    }
    for u in users.values():
        u.password_hash = _password_hash("secret-pass-1")
    db.session.add_all(users.values())
    db.session.commit()

    def graduate(name: str, seq: int, confirmed: bool = True) -> Graduate:
        row = Graduate(school_id=school.id, department_id=dept.id, major_id=major.id, name=name,
                       id_number=id_number(seq=seq), gender="1", education="31", ethnicity="01",
                       political_status="03", training_mode="1", origin_region="110101", enrol_ym="202309",
                       graduate_ym="202706", schooling_years=4, archive_at_school=True, hukou_at_school=True,
                       phone="13800138000", confirmed_at=timeutil.now() if confirmed else None)
        db.session.add(row)
        db.session.commit()
        return row

    return {"school": school, "graduate": graduate, **users}


def _decide(people: dict[str, Any], kind: str, subject_id: int, outcome: str, reason: str | None = None,
            stages: tuple[str, ...] = ("dept_user", "school_user")) -> None:
    for who in stages:
        item = engine.open_item(kind, subject_id)
        assert item is not None
        engine.decide(people[who], item.id, outcome, reason=reason)
        db.session.commit()


def test_record_the_mini_program_api(app, client, fake_server, people, clock, monkeypatch):
    """Every page's calls, recorded (GW-1: the mini-program reads the same services as the web).

    The offline part (``_record_offline``) checks on the way what its recordings show: FS-1, FS-2,
    FS-3, FS-4, FS-8, FS-9, FT-1 and MS-3.
    """
    from wxbackend.accounts.models import LocalAccount
    from wxbackend.auth import service, tokens

    # No job runs while recording: the PDF stays "being rendered" and no message leaves.
    monkeypatch.setattr(app.extensions["wx_jobs"], "dispatch", lambda ref, args: None)
    rec = Recorder()

    # --- sign-in: wx.login → bind (password or bind code) → token; errors ------------------------
    newcomer = people["graduate"]("王小明", 1, confirmed=False)
    account = LocalAccount(username="chsi-wang", id_number=newcomer.id_number)
    account.set_password("chsi-pass-1")
    db.session.add(account)
    db.session.commit()
    anon = RecordingApi(client, None, rec)
    fake_server.add_wx_code("wx-code-1", "openid-wang")
    first = anon.call("auth_wx_login_bind_required", "POST", "/auth/wx-login", {"code": "wx-code-1"}, 200)
    ticket = client.post("/api/v1/auth/wx-login", json={"code": _code(fake_server, "wx-code-1b", "openid-wang")}
                         ).get_json()["bind_ticket"]
    assert first["bind_required"]
    anon.call("auth_bind_code_invalid", "POST", "/auth/bind-code", {"bind_ticket": ticket, "code": "000000"}, 400)
    code, _ = service.make_bind_code(newcomer)
    db.session.commit()
    bound = anon.call("auth_bind_code", "POST", "/auth/bind-code", {"bind_ticket": ticket, "code": code}, 200)
    anon.call("auth_bind_wrong_password", "POST", "/auth/bind",
              {"bind_ticket": ticket, "username": "chsi-wang", "password": "wrong"}, 401)
    fake_server.add_wx_code("wx-code-2", "openid-wang")
    anon.call("auth_wx_login_bound", "POST", "/auth/wx-login", {"code": "wx-code-2"}, 200)
    anon.call("unauthorized", "GET", "/me", status=401)
    assert bound["token"]

    # --- basic info (L-3) --------------------------------------------------------------------------
    token, _ = tokens.issue(newcomer)
    db.session.commit()
    wang = RecordingApi(client, token, rec)
    wang.call("me_unconfirmed", "GET", "/me", status=200)
    clock(1)
    wang.call("me_confirm", "POST", "/me/confirm", status=200)
    wang.call("me_confirmed", "GET", "/me", status=200)
    wang.call("modules", "GET", "/modules", status=200)
    wang.call("message_templates", "GET", "/me/message-templates", status=200)
    wang.call("destination_kinds", "GET", "/destination/kinds", status=200)
    wang.call("destination_home_empty", "GET", "/destination", status=200)

    # --- other destinations: a draft with a proof, edited, submitted; field errors ------------------
    clock(2)
    wang.call("record_create_invalid", "POST", "/destination/records",
              {"subkind": "labour_contract", "fields": {**LABOUR_FIELDS, "contact_phone": "12"}}, 400)
    draft = wang.call("record_create", "POST", "/destination/records",
                      {"subkind": "labour_contract", "fields": LABOUR_FIELDS}, 201)
    rid = draft["id"]
    clock(3)
    proof = rec("record_proof_upload", "POST", f"/destination/records/{rid}/proofs",
                wang.upload(rid, jpeg_bytes()), 201)
    file_path = proof["url"].removeprefix("/api/v1")
    rec("file_download", "GET", file_path, client.get(proof["url"], headers=wang.headers), 200)
    wang.call("record_draft", "GET", f"/destination/records/{rid}", status=200)
    clock(4)
    wang.call("record_update", "PUT", f"/destination/records/{rid}",
              {"subkind": "labour_contract", "fields": {**LABOUR_FIELDS, "position": "后端工程师"}}, 200)
    clock(5)
    wang.call("record_submit", "POST", f"/destination/records/{rid}/submit", status=200)
    clock(6)
    _decide(people, "other_destination", rid, "return", reason="劳动合同缺少签字页", stages=("dept_user",))
    wang.call("record_returned", "GET", f"/destination/records/{rid}", status=200)

    # a waiting invitation next to the returned record: listed, but not answerable (D-1)
    clock(7)
    waiting = signing.invite(people["employer_user"], newcomer, 3, dict(EXAMPLE_TERMS))
    db.session.commit()
    wang.call("agreement_waiting_blocked", "GET", f"/agreements/{waiting.id}", status=200)
    wang.call("agreement_accept_conflict", "POST", f"/agreements/{waiting.id}/accept", status=409)
    wang.call("destination_home", "GET", "/destination", status=200)

    # --- online signing: waiting → accepted → signed; PDF; termination ------------------------------
    clock(10)
    li = people["graduate"]("李华", 2)
    li_api = RecordingApi(client, tokens.issue(li)[0], rec)
    db.session.commit()
    declined = signing.invite(people["employer_user"], li, 3, dict(EXAMPLE_TERMS))
    db.session.commit()
    li_api.call("agreement_decline", "POST", f"/agreements/{declined.id}/decline", {"reason": "已有其他选择"}, 200)
    clock(11)
    offer = signing.invite(people["employer_user"], li, 3, dict(EXAMPLE_TERMS))
    db.session.commit()
    li_api.call("agreement_waiting", "GET", f"/agreements/{offer.id}", status=200)
    li_api.call("agreement_pdf_not_signed", "GET", f"/agreements/{offer.id}/pdf", status=409)
    clock(12)
    li_api.call("agreement_accept", "POST", f"/agreements/{offer.id}/accept", status=200)
    clock(13)
    _decide(people, "online_agreement", offer.id, "pass")
    li_api.call("agreement_signed", "GET", f"/agreements/{offer.id}", status=200)
    li_api.call("agreement_pdf_pending", "GET", f"/agreements/{offer.id}/pdf", status=409)
    clock(14)
    li_api.call("termination_invalid", "POST", f"/agreements/{offer.id}/termination",
                {"explanation": "协商一致"}, 400)
    term = li_api.call("termination_create", "POST", f"/agreements/{offer.id}/termination",
                       {"reason": "07", "explanation": "协商一致解约"}, 201)
    li_api.call("termination", "GET", f"/terminations/{term['id']}", status=200)
    li_api.call("destination_home_signed", "GET", "/destination", status=200)
    clock(15)
    li_api.call("termination_cancel", "POST", f"/terminations/{term['id']}/cancel", status=200)
    li_api.call("auth_logout", "POST", "/auth/logout", status=200)

    _record_offline(client, people, clock, rec)
    _record_transfers(client, people, clock, rec)
    _record_confirmation(client, people, clock, rec)

    changed = rec.write()
    # the set of recordings the jest tests rely on
    names = set(rec.items)
    for needed in ("auth_wx_login_bind_required", "auth_bind_code", "me_unconfirmed", "modules",
                   "destination_home", "destination_kinds", "record_draft", "record_returned",
                   "agreement_waiting", "agreement_signed", "agreement_pdf_pending", "termination",
                   "unauthorized", "agreement_accept_conflict", "offline_form", "offline_draft",
                   "offline_passed", "offline_pages_uploaded", "offline_link_sent", "offline_signed",
                   "offline_termination_draft", "offline_termination_submitted", "destination_home_offline",
                   "transfer_archive_empty", "transfer_archive_draft", "transfer_archive_pending",
                   "transfer_archive_approved", "transfer_archive_change_open", "transfer_archive_change_rejected",
                   "transfer_hukou_unavailable", "transfer_hukou_school_entry", "receiving_offices",
                   "regions", "regions_110000", "regions_110100",
                   "confirmation_locked", "confirmation_open", "confirmation_errors_invalid", "confirmation_errors",
                   "confirmation_errors_no_kind", "confirmation_confirm_conflict",
                   "confirmation_error", "confirmation_revoke", "confirmation_confirm", "confirmation_confirmed",
                   "confirmation_awaiting_report", "violation_form", "violation_create_invalid", "violation_create",
                   "violation_form_with_report", "verifications_locked", "verifications_available",
                   "verification_create_invalid", "verification_create", "verifications_active", "verification_pdf",
                   "verification_close", "verifications_closed", "verifications_expired"):
        assert needed in names
    assert isinstance(changed, list)


# --- offline signing (§4.3, §4.4) ---------------------------------------------------------------------


def _page_photos(pdf: bytes) -> list[bytes]:
    """Each page of the printable agreement rasterised and saved as a JPEG: what a phone photo of it reads as."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        out = []
        for page in document:
            buf = io.BytesIO()
            page.render(scale=150 / 72).to_pil().convert("RGB").save(buf, "JPEG", quality=85)
            out.append(buf.getvalue())
        return out
    finally:
        document.close()


def _multipart(api: RecordingApi, path: str, data: bytes, filename: str) -> Any:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return api.client.post(f"/api/v1{path}", headers=api.headers, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")


def _record_offline(client: Any, people: dict[str, Any], clock: Callable[[int], None], rec: Recorder) -> None:
    """The e-agreement application from fig. 21 to 签约完成 and 线下解约, and a paper agreement.

    FS-1 (保存 checks what is filled, 提交 every required field), FS-2 (撤回修改 before review), FS-3 (the
    printable PDF once both reviews passed), FS-4 (本人回传 and 用人单位协助回传), FS-8 (the employer's link),
    MS-3 (its SMS delivery state), FS-9 (the paper agreement), FT-1 (线下解约 with its letter).
    """
    from tests.signing.offline_helpers import FORM, UNIT, review_phase
    from wxbackend.auth import tokens
    from wxbackend.notify.sender import send_pending
    from wxbackend.signing import offline, offline_documents
    from wxbackend.signing.models import OfflineAgreement

    clock(20)
    zhang = people["graduate"]("张伟", 3)
    api = RecordingApi(client, tokens.issue(zhang)[0], rec)
    db.session.commit()
    api.call("offline_form", "GET", "/offline-agreements/form", status=200)
    # FS-1: 保存 refuses what is filled wrongly (a landline in 联系人手机) …
    bad = api.call("offline_create_invalid", "POST", "/offline-agreements",
                   {"mode": "eagreement", "fields": {**UNIT, "contact_mobile": "010-1234"}}, 400)
    assert list(bad["error"]["fields"]) == ["contact_mobile"]
    # … and keeps a partial form as a draft; 提交 names every missing required field
    draft = api.call("offline_create", "POST", "/offline-agreements",
                     {"mode": "eagreement", "fields": {"unit_name": UNIT["unit_name"]}}, 201)
    oid = draft["id"]
    assert (draft["status"], draft["actions"]["submit"]) == ("draft", True)
    base = f"/offline-agreements/{oid}"
    api.call("offline_draft", "GET", base, status=200)
    clock(21)
    missing = api.call("offline_submit_incomplete", "POST", f"{base}/submit", status=400)
    assert {"credit_code", "contact_mobile", "position", "hukou_transfer_type"} <= set(missing["error"]["fields"])
    api.call("offline_update", "PUT", base, {"fields": FORM}, 200)
    clock(22)
    api.call("offline_update_submit", "PUT", base, {"fields": FORM, "submit": True}, 200)
    api.call("offline_review", "GET", base, status=200)
    # FS-2: 撤回修改 before a reviewer acted, then 提交 again
    clock(23)
    assert api.call("offline_withdraw", "POST", f"{base}/withdraw", status=200)["status"] == "draft"
    clock(24)
    api.call("offline_submit", "POST", f"{base}/submit", status=200)

    # FS-3: both reviews pass → 协议编号; the PDF is rendered by a job (not run here): pending first
    clock(25)
    review_phase(people, offline.KIND, oid)
    pending = api.call("offline_passed_pdf_pending", "GET", base, status=200)
    assert (pending["status"], pending["pdf_pending"], pending["pdf_url"]) == ("agreement_passed", True, None)
    api.call("offline_pdf_pending", "GET", f"{base}/pdf", status=409)
    assert offline_documents.render_printable(oid)
    passed = api.call("offline_passed", "GET", base, status=200)
    assert passed["pdf_url"] and passed["actions"]["employer_link"] and not passed["pdf_pending"]
    pdf = client.get(f"/api/v1{base}/pdf", headers=api.headers)
    rec("offline_pdf", "GET", f"{base}/pdf", pdf, 200)

    # FS-4 本人回传: one photo per page (page codes read, FS-10), an unreadable one deleted again
    clock(26)
    record = db.session.get(OfflineAgreement, oid)
    assert record is not None and record.pdf_pages == len(photos := _page_photos(pdf.data))
    pages_path = f"{base}/pages"
    for i, photo in enumerate(photos, start=1):
        resp = _multipart(api, pages_path, photo, f"page-{i}.jpg")
        if i == 1:
            rec("offline_page_upload", "POST", pages_path, resp, 201)
        else:
            assert resp.status_code == 201, resp.get_json()
    blank = rec("offline_page_upload_unread", "POST", pages_path,
                _multipart(api, pages_path, jpeg_bytes(), "blank.jpg"), 201)
    api.call("offline_pages_with_unread", "GET", base, status=200)
    api.call("offline_page_delete", "DELETE", f"{pages_path}/{blank['id']}", status=204)
    uploaded = api.call("offline_pages_uploaded", "GET", base, status=200)
    assert uploaded["coverage"]["missing"] == [] and uploaded["coverage"]["unread"] == 0

    # FS-4 用人单位协助回传 / FS-8 / MS-3: the SMS link, pending, then sent by the outbox
    clock(27)
    sent = api.call("offline_link_sent", "POST", f"{base}/employer-link", status=200)
    assert sent["link"]["phone"] == "131****1111" and sent["link"]["live"]
    assert sent["link"]["delivery"] in ("pending", "sent")
    api.call("offline_link_too_soon", "POST", f"{base}/employer-link", status=429)
    send_pending()
    db.session.commit()
    assert api.call("offline_link_delivered", "GET", base, status=200)["link"]["delivery"] == "sent"

    # 本人回传 submitted → 签约审核 → 签约完成
    clock(28)
    in_review = api.call("offline_submit_pages", "POST", f"{base}/submit-pages", status=200)
    assert (in_review["status"], in_review["pages_submitted_by"]) == ("signing_review", "graduate")
    assert not in_review["link"]["live"]  # FS-8: submitting the pages ends the employer's link
    clock(29)
    review_phase(people, offline.SIGNING_REVIEW, oid)
    # the signed PDF with its 签约过程记录 page is a job too: rendered here as the job would
    assert offline_documents.render_signed(oid)
    signed = api.call("offline_signed", "GET", base, status=200)
    assert (signed["status"], signed["actions"]["terminate"]) == ("signed", True)
    assert signed["signed_pdf_url"] == f"/api/v1{base}/signed-pdf"
    rec("offline_signed_pdf", "GET", f"{base}/signed-pdf", client.get(signed["signed_pdf_url"], headers=api.headers),
        200)

    # FT-1: 线下解约 — reason required; the letter; submit; withdraw; delete the draft; a returned one
    clock(30)
    api.call("offline_termination_invalid", "POST", f"{base}/termination", {"explanation": "协商一致"}, 400)
    term = api.call("offline_termination_create", "POST", f"{base}/termination",
                    {"reason": "07", "explanation": "协商一致解约"}, 201)
    tbase = f"/offline-terminations/{term['id']}"
    api.call("offline_termination_submit_no_letter", "POST", f"{tbase}/submit", status=400)
    rec("offline_termination_file", "POST", f"{tbase}/files",
        _multipart(api, f"{tbase}/files", jpeg_bytes(), "letter.jpg"), 201)
    api.call("offline_termination_update", "PUT", tbase, {"reason": "07", "explanation": "双方协商一致解约"}, 200)
    api.call("offline_termination_draft", "GET", tbase, status=200)
    clock(31)
    assert api.call("offline_termination_submit", "POST", f"{tbase}/submit", status=200)["status"] == "pending"
    api.call("offline_termination_submitted", "GET", tbase, status=200)
    api.call("offline_signed_with_termination", "GET", base, status=200)
    clock(32)
    api.call("offline_termination_withdraw", "POST", f"{tbase}/withdraw", status=200)
    api.call("offline_termination_delete", "DELETE", tbase, status=204)
    clock(33)
    again = api.call("offline_termination_create_again", "POST", f"{base}/termination", {"reason": "07"}, 201)
    t2 = f"/offline-terminations/{again['id']}"
    _multipart(api, f"{t2}/files", jpeg_bytes(), "letter.jpg")
    api.call("offline_termination_resubmit", "PUT", t2, {"reason": "07", "submit": True}, 200)
    clock(34)
    review_phase(people, offline.TERMINATION_KIND, again["id"], "return", reason="解约函缺少单位公章",
                 stages=("dept_user",))
    api.call("offline_termination_returned", "GET", t2, status=200)
    api.call("destination_home_offline", "GET", "/destination", status=200)

    # FS-9: an agreement already signed on paper — the form and its images, one 签约审核
    clock(35)
    zhao = people["graduate"]("赵敏", 4)
    paper_api = RecordingApi(client, tokens.issue(zhao)[0], rec)
    db.session.commit()
    paper = paper_api.call("offline_paper_create", "POST", "/offline-agreements",
                           {"mode": "paper", "fields": FORM}, 201)
    _multipart(paper_api, f"/offline-agreements/{paper['id']}/pages", jpeg_bytes(), "paper.jpg")
    paper_draft = paper_api.call("offline_paper_draft", "GET", f"/offline-agreements/{paper['id']}", status=200)
    assert (paper_draft["mode"], len(paper_draft["pages"]), paper_draft["pdf_url"]) == ("paper", 1, None)


# --- archive and hukou (§5, §6) ---------------------------------------------------------------------


def _record_transfers(client: Any, people: dict[str, Any], clock: Callable[[int], None], rec: Recorder) -> None:
    """Archive registration from the empty module to an approved one and a rejected change; hukou unavailable
    and entered by the school.

    AR-1 (register, submit, the record list), AR-2 (the 转回生源地 prefill from the directory, another
    province refused next to the address), AR-3 (withdraw, pass), AR-4 (the source of the current info),
    AR-5 (a change request, edited while pending, rejected: the old info stays), AR-7 (the directory
    search), AR-8 (the policy hint), HK-1 (unavailable without 户口转入学校), HK-2 (the school's entry).
    """
    from tests.transfers.conftest import ARCHIVE, HUKOU
    from wxbackend.accounts.actors import actor_for
    from wxbackend.auth import tokens
    from wxbackend.transfers import directory, registration

    clock(40)
    directory.create(actor_for(people["school_user"]), people["school"].id,
                     {"name": "北京市东城区人才服务中心", "region": "110101", "address": "东四北大街107号",
                      "postcode": "100007", "contact": "刘老师", "phone": "010-64011111"})
    directory.create(actor_for(people["school_user"]), people["school"].id,
                     {"name": "北京市东城区公共就业服务中心", "region": "110101", "address": "安定门外大街2号",
                      "postcode": "100011"})
    db.session.commit()
    sun = people["graduate"]("孙丽", 5)
    api = RecordingApi(client, tokens.issue(sun)[0], rec)
    db.session.commit()
    base = "/transfers/archive"
    empty = api.call("transfer_archive_empty", "GET", base, status=200)
    assert empty["can_register"] and not empty["can_change"] and empty["current"] is None
    assert empty["prefill"]["20"]["archive_unit_name"] == "北京市东城区人才服务中心"  # AR-2
    assert empty["policy"]["recommended"] == ["20"]  # AR-8: not yet employed
    found = api.call("receiving_offices", "GET", "/receiving-offices?q=东城区", status=200)  # AR-7
    assert {o["name"] for o in found["items"]} >= {"北京市东城区公共就业服务中心", "北京市东城区人才服务中心"}
    api.call("regions", "GET", "/regions", status=200)
    api.call("regions_110000", "GET", "/regions?parent=110000", status=200)
    api.call("regions_110100", "GET", "/regions?parent=110100", status=200)

    # AR-2: 转回生源地 keeps the province of the 生源所在地; a wrong postcode is named too
    bad = api.call("transfer_archive_create_invalid", "POST", f"{base}/registrations",
                   {"purpose": "registration", "fields": {**empty["prefill"]["20"], "archive_unit_region": "310101",
                                                          "archive_postcode": "1000"}}, 400)
    assert set(bad["error"]["fields"]) == {"fields.archive_unit_region", "fields.archive_postcode"}
    draft = api.call("transfer_archive_create", "POST", f"{base}/registrations",
                     {"purpose": "registration", "fields": {**empty["prefill"]["20"], "archive_contact": "刘老师"}},
                     201)
    rid = draft["id"]
    rbase = f"{base}/registrations/{rid}"
    clock(41)
    rec("transfer_archive_image_upload", "POST", f"{rbase}/images",
        _multipart(api, f"{rbase}/images", jpeg_bytes(), "letter.jpg"), 201)
    api.call("transfer_archive_draft", "GET", base, status=200)
    api.call("transfer_archive_record", "GET", rbase, status=200)
    clock(42)
    api.call("transfer_archive_update", "PUT", rbase, {"fields": {**empty["prefill"]["20"],
                                                                   "archive_remark": "本人暂未就业"}}, 200)
    api.call("transfer_archive_submit", "PUT", rbase, {"fields": {**empty["prefill"]["20"],
                                                                   "archive_remark": "本人暂未就业"},
                                                        "submit": True}, 200)
    pending = api.call("transfer_archive_pending", "GET", base, status=200)
    assert pending["open"]["status_label"] == "待院系审核" and not pending["can_register"]
    clock(43)
    assert api.call("transfer_archive_withdraw", "POST", f"{rbase}/withdraw", status=200)["status"] == "draft"
    api.call("transfer_archive_update_submit", "PUT", rbase, {"fields": {**empty["prefill"]["20"],
                                                                          "archive_remark": "本人暂未就业"},
                                                               "submit": True}, 200)
    clock(44)
    _decide(people, "archive_registration", rid, "pass")
    approved = api.call("transfer_archive_approved", "GET", base, status=200)
    assert approved["current"]["source_label"] == "档案信息登记" and approved["can_change"]  # AR-4
    api.call("transfer_archive_register_refused", "POST", f"{base}/registrations",
             {"purpose": "registration", "fields": {}}, 409)

    # AR-5: 档案信息修改 — a draft cancelled, then one submitted, edited while pending, rejected
    clock(45)
    change = api.call("transfer_archive_change_create", "POST", f"{base}/registrations",
                      {"purpose": "change", "fields": {**ARCHIVE}}, 201)
    api.call("transfer_archive_cancel", "DELETE", f"{base}/registrations/{change['id']}", status=200)
    clock(46)
    change = api.call("transfer_archive_change_submit", "POST", f"{base}/registrations",
                      {"purpose": "change", "fields": {**ARCHIVE}, "submit": True}, 201)
    cbase = f"{base}/registrations/{change['id']}"
    api.call("transfer_archive_change_edit", "PUT", cbase,
             {"fields": {**ARCHIVE, "archive_postcode": "100081"}, "submit": True}, 200)
    opened = api.call("transfer_archive_change_open", "GET", base, status=200)
    assert opened["open"]["purpose"] == "change" and opened["current"]["fields"]["archive_transfer_type"] == "20"
    clock(47)
    _decide(people, "archive_change", change["id"], "reject", reason="调档函与单位名称不符", stages=("dept_user",))
    rejected = api.call("transfer_archive_change_rejected", "GET", base, status=200)
    assert rejected["open"] is None and rejected["current"]["fields"]["archive_transfer_type"] == "20"
    assert rejected["records"][0]["reason"] == "调档函与单位名称不符"
    assert "dispatch" not in rejected or rejected["dispatch"] is None

    # HK-1: hukou unavailable while it is not at the school; HK-2 / AR-4: the school's direct entry
    clock(48)
    zhou = people["graduate"]("周强", 6)
    zhou.hukou_at_school = False
    db.session.commit()
    zhou_api = RecordingApi(client, tokens.issue(zhou)[0], rec)
    db.session.commit()
    locked = zhou_api.call("transfer_hukou_unavailable", "GET", "/transfers/hukou", status=200)
    assert not locked["available"] and locked["reason"]
    registration.enter_directly(people["school_user"], sun, "hukou", {**HUKOU, "hukou_transfer_type": "13"})
    db.session.commit()
    entered = api.call("transfer_hukou_school_entry", "GET", "/transfers/hukou", status=200)
    assert entered["current"]["source_label"] == "学校直接录入" and entered["can_change"]


# --- 去向登记确认 and 核验授权 (§7, §8) -------------------------------------------------------------------


def _stable_number(rec: Recorder, row: dict[str, Any]) -> None:
    """A 核验编号 is random (VA-7): recorded as a fixed number of the same shape, with a valid check character."""
    from stdnum.iso7064 import mod_37_36

    from wxbackend.core import ids

    body = row["number"][0] + f"RECORDED{len(rec.stable) // 2 + 1:04d}"
    placeholder = body + mod_37_36.calc_check_digit(body)
    rec.stabilise(row["number"], placeholder)
    rec.stabilise(row["number_display"], ids.display(placeholder))


def _record_confirmation(client: Any, people: dict[str, Any], clock: Callable[[int], None], rec: Recorder) -> None:
    """One graduate from 去向登记确认 to 核验授权, and the 四不准 report.

    CF-1 (locked before the school reports; the reported rows and date), CF-3 (field errors, then an error
    report), CF-4 (revoked: open again), CF-2 (confirmed), CF-5 (info changed after the confirmation:
    awaiting the next report), CF-6 (the report form, a report filed), VA-1 (locked before CF-2), VA-2 (the
    archive can be set, the hukou cannot: nothing registered), VA-3 (a date past the limit refused, then a
    number), VA-4 (the PDF), VA-8 (提前结束), and an expired one (已过期).
    """
    from tests.transfers.conftest import ARCHIVE
    from wxbackend.auth import tokens
    from wxbackend.destinations import services as destinations
    from wxbackend.reporting import services as reporting
    from wxbackend.transfers import registration

    clock(50)
    qian = people["graduate"]("钱进", 7)
    api = RecordingApi(client, tokens.issue(qian)[0], rec)
    db.session.commit()
    record = destinations.create(qian, "labour_contract", dict(LABOUR_FIELDS))
    destinations.claim(qian.id, destinations.KIND, record.id)
    registration.enter_directly(people["school_user"], qian, "archive", dict(ARCHIVE))
    db.session.commit()
    locked = api.call("confirmation_locked", "GET", "/confirmation", status=200)
    assert not locked["available"] and locked["report"] is None  # CF-1: not reported yet
    api.call("verifications_locked", "GET", "/verifications", status=200)  # VA-1

    # CF-1: the school reports; the page shows what was reported and when
    clock(51)
    reporting.report(people["school_user"], people["school"].id, 2027)
    db.session.commit()
    page = api.call("confirmation_open", "GET", "/confirmation", status=200)
    assert (page["state"], page["can_answer"]) == ("open", True)
    report_id = page["report"]["id"]

    # CF-3: every chosen kind needs its 情况说明, and a mobile; then the error report
    clock(52)
    bad = api.call("confirmation_errors_invalid", "POST", "/confirmation/errors",
                   {"report_id": report_id, "destination": "changed", "archive": True,
                    "destination_explanation": "已改签另一家单位", "mobile": "1391234"}, 400)
    assert set(bad["error"]["fields"]) == {"archive_explanation", "mobile"}
    none = api.call("confirmation_errors_no_kind", "POST", "/confirmation/errors",
                    {"report_id": report_id, "mobile": "13912345678"}, 400)
    assert set(none["error"]["fields"]) == {"kinds"}
    api.call("confirmation_errors", "POST", "/confirmation/errors",
             {"report_id": report_id, "destination": "changed", "archive": True,
              "destination_explanation": "已改签另一家单位", "archive_explanation": "档案改转新单位",
              "mobile": "13912345678"}, 200)
    error = api.call("confirmation_error", "GET", "/confirmation", status=200)
    assert (error["state"], error["can_revoke"]) == ("error", True)

    # CF-4: 实际信息无误，撤销确认 → open again; CF-2: confirm
    clock(53)
    assert api.call("confirmation_revoke", "POST", "/confirmation/revoke", status=200)["state"] == "open"
    clock(54)
    api.call("confirmation_confirm", "POST", "/confirmation/confirm", {"report_id": report_id}, 200)
    assert api.call("confirmation_confirmed", "GET", "/confirmation", status=200)["state"] == "confirmed"
    # a second 提交 (another device, a stale page): 409, the page reloads
    api.call("confirmation_confirm_conflict", "POST", "/confirmation/confirm", {"report_id": report_id}, 409)

    # CF-6: the 四不准 report
    clock(55)
    form = api.call("violation_form", "GET", "/violation-reports", status=200)
    assert form["reports"] == [] and len(form["kinds"]) == 4
    api.call("violation_create_invalid", "POST", "/violation-reports", {"kinds": [], "description": ""}, 400)
    api.call("violation_create", "POST", "/violation-reports",
             {"kinds": ["diploma_withheld"], "party": "某某学院就业办", "description": "签约前不发毕业证书"}, 201)
    api.call("violation_form_with_report", "GET", "/violation-reports", status=200)

    # VA-2, VA-3: archive can be set (hukou has no registered info); a date past the limit is refused
    clock(56)
    home = api.call("verifications_available", "GET", "/verifications", status=200)
    assert [m["available"] for m in home["modules"]] == [True, False]
    assert home["latest_valid_until"] == "2027-12-31"
    api.call("verification_create_invalid", "POST", "/verifications",
             {"module": "archive", "valid_until": "2028-01-01"}, 400)
    resp = api.post("/verifications", {"module": "archive", "valid_until": "2026-12-31"})
    _stable_number(rec, resp.get_json())
    vid = rec("verification_create", "POST", "/verifications", resp, 201)["id"]
    active = api.call("verifications_active", "GET", "/verifications", status=200)
    assert active["modules"][0]["status_label"] == "生效中"
    # VA-4: the 去向登记信息表 (rendered now: no job runs while recording)
    rec("verification_pdf", "GET", f"/verifications/{vid}/pdf",
        client.get(f"/api/v1/verifications/{vid}/pdf", headers=api.headers), 200)

    # VA-8: 提前结束 — the number stops at once; the module can be set again
    clock(57)
    assert api.call("verification_close", "POST", f"/verifications/{vid}/close", status=200)["status"] == "closed"
    closed = api.call("verifications_closed", "GET", "/verifications", status=200)
    assert closed["modules"][0]["active"] is None and closed["history"][0]["status_label"] == "已结束"

    # a verification valid through today, seen the next morning: 已过期
    clock(58)
    resp = api.post("/verifications", {"module": "archive", "valid_until": "2026-06-01"})
    assert resp.status_code == 201, resp.get_json()
    _stable_number(rec, resp.get_json())
    timeutil.freeze(START + timedelta(days=1))
    expired = api.call("verifications_expired", "GET", "/verifications", status=200)
    assert expired["modules"][0]["status_label"] == "已过期"
    clock(59)

    # CF-5: info changed after the confirmation (the school enters hukou info) → wait for the next report
    registration.enter_directly(people["school_user"], qian, "hukou", {"hukou_transfer_type": "11",
                                                                        "hukou_region": "110108",
                                                                        "hukou_address": "中关村大街1号"})
    db.session.commit()
    waiting = api.call("confirmation_awaiting_report", "GET", "/confirmation", status=200)
    assert (waiting["state"], waiting["can_answer"]) == ("awaiting_report", False)


def _code(fake: Any, code: str, openid: str) -> str:
    fake.add_wx_code(code, openid)
    return code


def test_recordings_are_deterministic_json():
    """Sorted keys, no random tokens: a re-run writes the same bytes."""
    for path in RECORDED.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n", path.name
        assert not re.search(r"wxg_(?!RECORDED_TOKEN)[A-Za-z0-9_-]{20,}", text), path.name


def test_every_recorded_response_answers_a_call_the_mini_program_makes():
    """The recordings the page tests serve are answers to the listed calls, not to something else."""
    from tests.miniprogram.contract import Call, extract_calls

    calls = extract_calls()
    for path in sorted(RECORDED.glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        concrete = Call(item["method"], item["path"], path.name)
        assert any(c.method == concrete.method and _concrete_matches(c.path, concrete.path) for c in calls), \
            path.name


def _concrete_matches(template: str, path: str) -> bool:
    a, b = template.strip("/").split("/"), path.strip("/").split("/")
    return len(a) == len(b) and all((x == "{}" and y.isdigit()) or x == y for x, y in zip(a, b, strict=True))
