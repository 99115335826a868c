"""单位资质审核 (EM-1): a new employer cannot invite until the platform admin approves its 营业执照,
name and code; a change of name or code is reviewed again and takes effect only when approved."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import IS_PG
from tests.destinations.helpers import jpeg_bytes
from tests.employer.test_portal import REGISTRATION, _error, _find
from tests.factories import credit_code
from tests.signing import conftest as signing
from wxbackend.accounts import qualification
from wxbackend.accounts.models import Employer, EmployerQualification, User
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.files.models import Attachment, StoredFile
from wxbackend.signing import services
from wxbackend.signing.models import OnlineAgreement

world = signing.world
graduate_api = signing.graduate_api
employer_user = signing.employer_user
TERMS = signing.TERMS


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _submit(client: Any, name: str, code: str, image: bytes | None = None) -> Any:
    data: dict[str, Any] = {"name": name, "credit_code": code}
    if image is not None:
        data["license"] = (io.BytesIO(image), "营业执照.jpg")
    return client.post("/employer/qualification", data=data, content_type="multipart/form-data")


@pytest.fixture()
def registered(client: Any, csrf_off: None) -> Employer:
    """An employer registered through the portal, logged in."""
    assert client.post("/employer/register", data=REGISTRATION).status_code == 302
    employer = db.session.scalar(select(Employer).where(Employer.credit_code == REGISTRATION["credit_code"]))
    assert employer is not None
    return employer


@pytest.fixture()
def admin(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", display_name="平台管理员")


def _console(app: Any, user: Any) -> Any:
    """A second browser logged into the console as *user* (the employer keeps the first)."""
    other = app.test_client()
    page = other.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    resp = other.post("/console/login", data={"username": user.username, "password": "secret-pass-1",
                                              **({"csrf_token": token.group(1)} if token else {})})
    assert resp.status_code == 302
    return other


def test_em_1_a_new_employer_is_pending_and_cannot_invite(client, registered, graduate_api, world) -> None:
    """EM-1: registered is 待审核; the invite page finds nobody and the service refuses the invitation."""
    assert registered.qualification_status == "pending"
    home = client.get("/employer/").get_data(as_text=True)
    assert 'id="qualification-banner"' in home and 'id="start-invite"' not in home
    graduate, _api = graduate_api()
    resp = _find(client, graduate.name, graduate.id_number)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/employer/qualification")
    assert _count(AuditEvent, AuditEvent.action == "employer.find_graduate") == 0  # no lookup happened
    assert client.get("/employer/invite").status_code == 302
    account = db.session.scalar(select(User).where(User.employer_id == registered.id))
    with pytest.raises(ApiError) as info:
        services.invite(account, graduate, 3, TERMS)
    assert info.value.code == "employer_not_qualified" and info.value.status == 403
    db.session.rollback()
    assert _count(OnlineAgreement) == 0


def test_em_1_submission_needs_the_licence_and_a_valid_code_and_keeps_nothing_on_error(client, registered) -> None:
    """EM-1: every mistake is shown next to its field; a refused image leaves no submission or file."""
    resp = _submit(client, "", "91110108749352307X")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert _error(html, "name") and _error(html, "credit_code") == "统一社会信用代码无效（校验位不符）"
    assert _error(html, "license") == "请上传营业执照照片或扫描件"
    resp = _submit(client, registered.name, registered.credit_code, b"not an image at all")
    assert resp.status_code == 400 and _error(resp.get_data(as_text=True), "license")
    assert _count(EmployerQualification) == 0 and _count(StoredFile) == 0


def test_em_1_admin_approves_and_the_employer_may_invite(client, app, registered, admin,
                                                        graduate_api, world) -> None:
    """EM-1: the admin sees the 营业执照 beside the name and code, approves, and the invitation goes out."""
    resp = _submit(client, registered.name, registered.credit_code, jpeg_bytes())
    assert resp.status_code == 302
    page = client.get("/employer/qualification").get_data(as_text=True)
    assert 'id="qualification-pending"' in page and 'id="qualification-form"' not in page
    # a second submission while one waits is refused
    assert _submit(client, registered.name, registered.credit_code, jpeg_bytes()).status_code == 409
    row = db.session.scalar(select(EmployerQualification))
    assert row.status == "pending" and _count(Attachment, Attachment.kind == qualification.KIND) == 1

    reviewer = _console(app, admin)
    listing = reviewer.get("/console/employers/qualifications").get_data(as_text=True)
    assert registered.name in listing
    detail = reviewer.get(f"/console/employers/qualifications/{row.id}").get_data(as_text=True)
    assert registered.credit_code in detail and "校验位正确" in detail
    image = re.search(r'<img src="([^"]+)" alt="营业执照"', detail).group(1)
    got = reviewer.get(image)
    assert got.status_code == 200 and got.mimetype == "image/jpeg" and "no-store" in got.headers["Cache-Control"]

    # sending back needs a reason, and says so next to the field
    resp = reviewer.post(f"/console/employers/qualifications/{row.id}", data={"decision": "reject", "reason": " "})
    assert resp.status_code == 400 and _error(resp.get_data(as_text=True), "reason")
    resp = reviewer.post(f"/console/employers/qualifications/{row.id}", data={"decision": "approve"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Employer, registered.id).qualification_status == "approved"
    assert db.session.get(EmployerQualification, row.id).decided_by == admin.id
    # decided once: a second decision (another admin's stale page) is refused
    assert reviewer.post(f"/console/employers/qualifications/{row.id}",
                         data={"decision": "reject", "reason": "迟到的退回"}).status_code == 409

    graduate, _api = graduate_api()
    resp = _find(client, graduate.name, graduate.id_number)
    assert resp.status_code == 200 and 'id="invite-form"' in resp.get_data(as_text=True)


def test_em_1_a_rejected_employer_reads_the_reason_and_submits_again(client, registered, admin) -> None:
    _submit(client, registered.name, registered.credit_code, jpeg_bytes())
    row = db.session.scalar(select(EmployerQualification))
    qualification.decide(admin, row.id, False, "营业执照照片模糊，请重新拍摄")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Employer, registered.id).qualification_status == "rejected"
    page = client.get("/employer/qualification").get_data(as_text=True)
    assert "营业执照照片模糊，请重新拍摄" in page and 'id="qualification-form"' in page
    assert _submit(client, registered.name, registered.credit_code, jpeg_bytes()).status_code == 302
    assert _count(EmployerQualification, EmployerQualification.status == "pending") == 1


def test_em_1_a_name_change_is_reviewed_and_takes_effect_only_when_approved(
        client, csrf_off, employer_user, admin, graduate_api, world) -> None:
    """EM-1: an approved employer asking for a new name keeps inviting under the checked one until approval."""
    from tests.employer.test_portal import PASSWORD

    user = employer_user(name="北京旧名科技有限公司")
    assert client.post("/employer/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    employer = user.employer
    assert _submit(client, employer.name, employer.credit_code, jpeg_bytes()).status_code == 400  # nothing changed
    assert _submit(client, "北京新名科技有限公司", employer.credit_code, jpeg_bytes()).status_code == 302
    graduate, _api = graduate_api()
    sent = services.invite(user, graduate, 3, TERMS)
    db.session.commit()
    assert sent.unit_name == "北京旧名科技有限公司"  # still the checked name while the change waits
    row = db.session.scalar(select(EmployerQualification).where(EmployerQualification.status == "pending"))
    qualification.decide(admin, row.id, True)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).name == "北京新名科技有限公司"
    assert db.session.get(OnlineAgreement, sent.id).unit_name == "北京旧名科技有限公司"  # sent ones keep theirs


def test_em_1_a_code_another_employer_holds_is_refused(client, registered, make_employer) -> None:
    other = make_employer(credit_code=credit_code(777001))
    resp = _submit(client, registered.name, other.credit_code, jpeg_bytes())
    assert resp.status_code == 400
    assert _error(resp.get_data(as_text=True), "credit_code") == qualification.MSG_CODE_TAKEN


def test_em_1_only_the_admin_reviews_and_only_the_owner_sees_its_licence(
        client, app, registered, world, employer_user) -> None:
    _submit(client, registered.name, registered.credit_code, jpeg_bytes())
    row = db.session.scalar(select(EmployerQualification))
    file_id = db.session.scalar(select(Attachment.file_id).where(Attachment.subject_id == row.id))
    assert client.get(f"/employer/qualification/{row.id}/license/{file_id}").status_code == 200
    school = _console(app, world["school_user"])
    for url in ("/console/employers/qualifications", f"/console/employers/qualifications/{row.id}",
                f"/console/employers/qualifications/{row.id}/license/{file_id}"):
        assert school.get(url).status_code == 403, url
    assert school.post(f"/console/employers/qualifications/{row.id}", data={"decision": "approve"}).status_code == 403
    stranger = app.test_client()
    other = employer_user()
    stranger.post("/employer/login", data={"username": other.username, "password": "secret-pass-1"})
    assert stranger.get(f"/employer/qualification/{row.id}/license/{file_id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(EmployerQualification, row.id).status == "pending"


@pytest.mark.skipif(not IS_PG, reason="concurrent writers need PostgreSQL")
def test_em_1_two_admins_deciding_at_once_leave_one_decision(app, registered, client, make_user) -> None:
    _submit(client, registered.name, registered.credit_code, jpeg_bytes())
    row_id = db.session.scalar(select(EmployerQualification.id))
    admins = [make_user("admin", display_name=f"管理员{i}") for i in range(2)]
    ids = [a.id for a in admins]
    db.session.remove()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def decide(i: int) -> None:
        with app.app_context():
            admin = db.session.get(User, ids[i])
            barrier.wait()
            try:
                qualification.decide(admin, row_id, i == 0, "" if i == 0 else "资料不符")
                db.session.commit()
                results.append("won")
            except ApiError as err:
                db.session.rollback()
                results.append(err.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_decided", "won"]
    row = db.session.get(EmployerQualification, row_id)
    employer = db.session.get(Employer, row.employer_id)
    assert (row.status, employer.qualification_status) in (("approved", "approved"), ("rejected", "rejected"))
