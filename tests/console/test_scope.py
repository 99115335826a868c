"""Acceptance: a department reviewer cannot see another department's graduates (§1, RV-4).

The test walks ``app.url_map``: every console route that takes an id must be listed in
``ID_ROUTES`` (so a new route cannot slip in untested), and every API route that takes an
id is tried with the other department's graduate id.
"""

from __future__ import annotations

from flask import url_for

from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db

#: Console endpoints that take an id → the kind of object the id names.
ID_ROUTES = {
    "console.graduate_detail": "graduate",
    "console.graduate_reveal_id": "graduate",
    "console.graduate_edit": "graduate",
    "console.graduate_delete": "graduate",
    "console.transfer_entry": "graduate",
    "console.notice_edit": "notice",
    "console.notice_publish": "notice",
    "console.import_detail": "import",
    "console.import_status": "import",
    "console.import_errors_xlsx": "import",
    "console.review_item": "review_item",
    "console.review_decide": "review_item",
    "console.review_edit": "review_item",
    "console.review_add_proof": "review_item",
    "console.review_remove_proof": "review_item",
    "console.stored_file": "file",
    "console.department_edit": "department",
    "console.department_delete": "department",
    "console.major_edit": "major",
    "console.major_delete": "major",
    "console.account_detail": "account",
    "console.account_active": "account",
    "console.account_reset_password": "account",
    "console.school_edit": "school",
    "console.receiving_office_edit": "receiving_office",
    "console.receiving_office_delete": "receiving_office",
    "console.reporting_export": "report_batch",
    "console.violation_detail": "violation",
    "console.qualification_detail": "qualification",
    "console.qualification_license": "qualification",
    "console.dispatch_batch": "dispatch_batch",
    "console.dispatch_export": "dispatch_batch",
    "console.dispatch_cancel": "archive_dispatch",
}

#: What a POST would carry if a check were missing, so a leak would really act.
POST_DATA = {
    "reason": "越权测试", "confirm": "1", "name": "越权修改", "publish": "0", "title": "越权", "body": "越权",
    "outcome": "reject", "version": "1", "subkind": "job_seeking", "note": "越权修改",
    "code": "X99", "display_name": "越权", "scope": "school", "active": "0", "password_mode": "generate",
}


def _methods(rule) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _request(client, method: str, url: str):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data=POST_DATA)


def _setup(org, make_graduate):  # type: ignore[no-untyped-def]
    from tests.destinations.helpers import jpeg_bytes
    from wxbackend.accounts.actors import actor_for
    from wxbackend.accounts.models import ImportBatch, Notice
    from wxbackend.core import timeutil
    from wxbackend.destinations import services
    from wxbackend.review import engine

    own = make_graduate(org.major_a, name="甲院学生")
    other = make_graduate(org.major_b, name="乙院学生", confirmed_at=timeutil.now())
    notice = Notice(title="通知", body="正文", published=True)
    batch = ImportBatch(school_id=org.school.id, uploaded_by=org.school_user.id, filename="乙院.xlsx",
                        file_kind="xlsx")
    db.session.add_all([notice, batch])
    db.session.commit()
    # the other department's graduate has a record under review, with a proof image
    record = services.create(other, "job_seeking", {"note": "乙院学生的登记"})
    db.session.commit()
    proof = services.add_proof(actor_for(other), record, jpeg_bytes(), "乙院.jpg")
    services.submit(other, record)
    db.session.commit()
    item = engine.open_item(services.KIND, record.id)
    # the school's own 档案接收单位 entry: only the school (not its department reviewers) edits it
    from wxbackend.core import audit
    from wxbackend.transfers import directory

    office = directory.create(audit.SYSTEM, org.school.id, {"name": "越权测试接收单位", "region": "110102",
                                                             "address": "某路1号"})
    db.session.commit()
    # the school's 上报 batch (only the school role exports it)
    from wxbackend.reporting import services as reporting

    report_batch = reporting.report(org.school_user, org.school.id, 2027)
    db.session.commit()
    # the other graduate's 四不准 report: the platform admin's only
    from wxbackend.confirmation import violations

    violation = violations.file_report(other, {"kinds": ["forced_signing"], "description": "越权测试举报"})
    db.session.commit()
    # an employer's 单位资质 submission: the platform admin's only (EM-1)
    from wxbackend.accounts.models import Employer, EmployerQualification

    employer = Employer(name="越权测试单位", credit_code="91110105MA01ABCD13")
    db.session.add(employer)
    db.session.flush()
    submission = EmployerQualification(employer_id=employer.id, name=employer.name, credit_code=employer.credit_code)
    db.session.add(submission)
    db.session.commit()
    # the other department's graduate's archive is numbered for dispatch (only the school role sees it)
    from tests.transfers.conftest import ARCHIVE
    from wxbackend.transfers import dispatch
    from wxbackend.transfers import services as transfers

    transfers.sync_from_source(other.id, source_kind="school_entry", source_id=0, archive=ARCHIVE, hukou=None)
    issued = dispatch.issue(org.school_user, org.school.id, [other.id])
    db.session.commit()
    archive_dispatch = db.session.scalar(db.select(dispatch.ArchiveDispatch.id))
    return own, other, {"graduate": other.id, "notice": notice.id, "import": batch.id, "review_item": item.id,
                        "file": proof.id, "department": org.dept_b.id, "major": org.major_b.id,
                        "account": org.dept_b_user.id, "school": org.school.id,
                        "receiving_office": office.id, "report_batch": report_batch.id,
                        "violation": violation.id, "qualification": submission.id,
                        "dispatch_batch": issued.batch.id, "archive_dispatch": archive_dispatch}


def test_every_console_id_route_is_covered(app) -> None:
    console_id_rules = {r.endpoint for r in app.url_map.iter_rules()
                        if r.endpoint.startswith("console.") and r.arguments}
    missing = console_id_rules - ID_ROUTES.keys()
    assert not missing, f"add these console routes to ID_ROUTES in {__file__}: {sorted(missing)}"


def test_department_reviewer_gets_404_or_403_for_other_departments_graduates_everywhere(
        app, client, org, make_graduate, staff_login, csrf_off) -> None:
    own, other, ids = _setup(org, make_graduate)
    other_id_number, other_name = other.id_number, other.name
    staff_login(org.dept_a_user)
    tried = 0
    for rule in app.url_map.iter_rules():
        if not rule.arguments:
            continue
        if rule.endpoint.startswith("console."):
            value = ids[ID_ROUTES[rule.endpoint]]
        elif rule.rule.startswith("/api/"):
            value = other.id
        else:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{arg: value for arg in rule.arguments})
        for method in _methods(rule):
            res = _request(client, method, url)
            tried += 1
            body = res.get_data(as_text=True)
            assert res.status_code in (401, 403, 404), (method, url, res.status_code)
            assert other_name not in body and other_id_number not in body, (method, url)
    assert tried >= len(ID_ROUTES)

    from wxbackend.transfers.models import ArchiveDispatch

    assert db.session.get(ArchiveDispatch, ids["archive_dispatch"], populate_existing=True).state == "prepared"
    db.session.expire_all()
    assert other.deleted_at is None and other.name == "乙院学生"
    from wxbackend.accounts.models import EmployerQualification
    from wxbackend.review.models import ReviewEvent, ReviewItem

    item = db.session.get(ReviewItem, ids["review_item"])
    assert item.stage == "department" and item.status == "pending" and item.version == 1
    assert db.session.scalar(db.select(db.func.count(ReviewEvent.id)).where(ReviewEvent.item_id == item.id)) == 1
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.actor_id == org.dept_a_user.id, AuditEvent.object_type == "graduate")) == 0
    assert db.session.get(EmployerQualification, ids["qualification"]).status == "pending"
    # the same reviewer does reach their own department's graduate
    assert client.get(f"/console/graduates/{own.id}").status_code == 200


def test_department_reviewer_never_sees_other_department_on_any_page(
        app, client, org, make_graduate, staff_login) -> None:
    """Every GET route without parameters (console, API, public) with the reviewer's session."""
    _own, other, _ids = _setup(org, make_graduate)
    staff_login(org.dept_a_user)
    queries = ["", f"?department={org.dept_b.id}", f"?major={org.major_b.id}", "?status=deleted",
               "?q=乙院", f"?q={other.id_number}", "?status=pending&page=2"]
    pages = [r for r in app.url_map.iter_rules()
             if not r.arguments and "GET" in r.methods and r.endpoint != "static"]
    assert any(r.endpoint == "console.graduates" for r in pages)
    for rule in pages:
        for query in queries if rule.endpoint == "console.graduates" else [""]:
            res = client.get(rule.rule + query)
            body = res.get_data(as_text=True)
            assert "乙院学生" not in body, (rule.rule, query)
            if not query.startswith(f"?q={other.id_number}"):
                assert other.id_number[-4:] + "</td>" not in body, (rule.rule, query)


def test_school_reviewer_of_another_school_gets_404(client, org, make_graduate, make_major, make_user,
                                                    staff_login, csrf_off) -> None:
    g = make_graduate(org.major_a)
    outsider = make_user("school", school_id=make_major().school_id)
    staff_login(outsider)
    for suffix in ("", "/edit", "/delete"):
        assert client.get(f"/console/graduates/{g.id}{suffix}").status_code == 404
    assert client.post(f"/console/graduates/{g.id}/reveal-id").status_code == 404
    assert client.post(f"/console/graduates/{g.id}/delete", data=POST_DATA).status_code == 404
    db.session.expire_all()
    assert g.deleted_at is None
