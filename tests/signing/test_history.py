"""Online signing writes the one history stream (RV-6) and every view reads it back from ``history.timeline``.

ON-3 expiry events written by the set-based job, employer actions named as the employer (in audit_event
and record_event), and the graduate API and the employer page showing exactly the record's timeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import insert as sa_insert
from sqlalchemy import text as sql

from jobs.expiry import expire_invitations
from tests.conftest import IS_PG
from tests.factories import credit_code
from tests.signing.conftest import TERMS
from wxbackend.accounts.actors import actor_for
from wxbackend.core import timeutil
from wxbackend.core.audit import AuditEvent
from wxbackend.core.db import db
from wxbackend.notify.models import NotificationOutbox
from wxbackend.review import engine, history
from wxbackend.review.history import RecordEvent, TimelineEvent
from wxbackend.signing import services
from wxbackend.signing.models import InvitationExpiry, OnlineAgreement, TerminationRequest


def _events(action: str | None = None, **where: Any) -> list[RecordEvent]:
    stmt = select(RecordEvent).order_by(RecordEvent.id)
    if action is not None:
        stmt = stmt.where(RecordEvent.action == action)
    for key, value in where.items():
        stmt = stmt.where(getattr(RecordEvent, key) == value)
    return list(db.session.scalars(stmt))


def _audits(action: str, object_id: int | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    return list(db.session.scalars(stmt))


# --- ON-3: the expiry job writes the expire events ------------------------------------------------


def test_on_3_the_expiry_job_writes_one_expire_event_per_expired_invitation(
        world, grad, employer_user, invite, frozen_now, count_queries) -> None:
    """ON-3, RV-6: the job expires in one UPDATE (and notes its run), then fans the run out: one expire event
    and one message for each invitation it expired — none for one answered in time (the stale-guard) or one
    still within its period; a fan-out run again, or a second run of the job, writes nothing twice."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    due = [invite(employer_user(), grad(), days=1) for _ in range(3)]
    graduate = grad()
    answered = invite(employer_user(), graduate, days=1)
    services.accept(graduate, answered.id)
    db.session.commit()
    later = invite(employer_user(), grad(), days=5)
    moment = due[0].deadline + timedelta(minutes=1)
    frozen_now(moment)

    with count_queries() as run:
        assert services.expire_due() == 3
    db.session.commit()
    # the UPDATE and the run's row: nothing per invitation yet
    assert run.count == 2, run.statements
    assert not _events("expire")
    expiry = db.session.scalars(select(InvitationExpiry)).one()
    assert (expiry.at, expiry.count, expiry.fanned_out_at) == (moment, 3, None)

    frozen_now(moment + timedelta(seconds=2))
    with count_queries() as fan:
        assert services.fan_out_pending() == 3
    db.session.commit()
    # the pending runs; PostgreSQL: one statement writes messages and events; SQLite: two INSERT … SELECT; the mark
    assert fan.count == (3 if IS_PG else 4), fan.statements
    expired = _events("expire")
    assert sorted(e.subject_id for e in expired) == sorted(r.id for r in due)
    for e in expired:
        assert (e.kind, e.actor_type, e.actor_id, e.actor_name, e.role) == (
            services.KIND, "system", None, "系统", "system")
        assert e.at == moment and e.data == {}  # the instant it expired, not the fan-out's
        row = db.session.get(OnlineAgreement, e.subject_id)
        assert (e.graduate_id, e.school_id, row.expired_at) == (row.graduate_id, row.school_id, moment)
    assert not _events("expire", subject_id=answered.id) and not _events("expire", subject_id=later.id)
    timeline = history.timeline(services.KIND, due[0].id)
    assert [(e.action, e.action_label, e.role_label) for e in timeline] == [
        ("invite", "发出签约邀请", "用人单位"), ("expire", "签约邀请已失效", "系统")]
    db.session.expire_all()
    assert db.session.get(InvitationExpiry, expiry.id).fanned_out_at == moment + timedelta(seconds=2)

    assert services.fan_out(expiry) == 0  # a retry of a run already fanned out
    db.session.commit()
    frozen_now(moment + timedelta(minutes=1))
    assert expire_invitations() == 0  # the job entry point: nothing left to expire, nothing written
    assert len(_events("expire")) == 3
    assert db.session.scalar(select(func.count()).select_from(NotificationOutbox)
                             .where(NotificationOutbox.kind == "invitation_expired")) == 3


def test_on_3_an_invitation_expired_when_the_employer_invites_again_has_its_expire_event(
        grad, employer_user, invite, frozen_now) -> None:
    """ON-3, ON-6: inviting again expires the employer's overdue invitation first, with its event."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    user, graduate = employer_user(), grad()
    old = invite(user, graduate, days=1)
    frozen_now(old.deadline)
    new = invite(user, graduate, days=3)
    assert [e.subject_id for e in _events("expire")] == [old.id]
    assert [e.action for e in history.timeline(services.KIND, new.id)] == ["invite"]


# --- actors: the employer acts as the employer --------------------------------------------------------


def _login(client: Any, user: Any) -> None:
    assert client.post("/employer/login", data={"username": user.username, "password": "secret-pass-1"}
                       ).status_code == 302


def test_employer_actions_are_audited_and_recorded_as_the_employer(
        client, csrf_off, graduate_api, employer_user, signed) -> None:
    """ON-1, OT-1, OT-2, RV-6: the graduate lookup, the invitation and termination start/answer/cancel through
    the portal carry actor_type employer, the account and the unit's name in audit_event and record_event."""
    user = employer_user()
    _login(client, user)
    graduate, _api = graduate_api(name="陈诚")

    missed = client.post("/employer/invite", data={"step": "find", "name": "陈诚", "identifier": "X" * 18})
    assert missed.status_code == 400
    found = client.post("/employer/invite", data={"step": "find", "name": "陈诚", "identifier": graduate.id_number})
    token = re.search(r'name="token" value="([^"]+)"', found.get_data(as_text=True)).group(1)
    sent = client.post("/employer/invite", data={"step": "send", "token": token, "response_days": 3,
                                                 **{k: "" if v is None else v for k, v in TERMS.items()}})
    assert sent.status_code == 302
    lookups = _audits("employer.find_graduate")
    assert [(a.data["found"], a.object_type, a.object_id) for a in lookups] == [
        (False, "graduate", None), (True, "graduate", graduate.id)]
    row = db.session.scalar(select(OnlineAgreement).where(OnlineAgreement.employer_id == user.employer_id))

    # a signed agreement of this employer: it starts a termination and cancels it, then answers the graduate's two
    other, _api = graduate_api()
    signed_row = signed(other, user)
    assert client.post(f"/employer/agreements/{signed_row.id}/terminations",
                       data={"reason": "05", "explanation": "调整招聘计划"}).status_code == 302
    mine = db.session.scalar(select(TerminationRequest).where(TerminationRequest.initiator == "employer"))
    assert client.post(f"/employer/terminations/{mine.id}/cancel").status_code == 302
    answers = []
    for decision in ("decline", "accept"):
        req = services.start_termination("graduate", actor_for(signed_row.graduate), signed_row, "03", "")
        db.session.commit()
        assert client.post(f"/employer/terminations/{req.id}/answer", data={"decision": decision}).status_code == 302
        answers.append(req.id)

    audits = [*lookups, *_audits("signing.invite", row.id), *_audits("signing.termination_start", mine.id),
              *_audits("signing.termination_cancel", mine.id), *_audits("signing.termination_decline", answers[0]),
              *_audits("signing.termination_accept", answers[1])]
    assert len(audits) == 7
    for a in audits:
        assert (a.actor_type, a.actor_id, a.actor_name, a.role) == ("employer", user.id, user.display_name, "employer")
    db.session.expire_all()
    records = [*_events("invite", subject_id=row.id), *_events("start", subject_id=mine.id),
               *_events("cancel", subject_id=mine.id), *_events("decline", subject_id=answers[0]),
               *_events("accept", subject_id=answers[1])]
    assert [(e.kind, e.action) for e in records] == [
        ("online_agreement", "invite"), ("termination", "start"), ("termination", "cancel"),
        ("termination", "decline"), ("termination", "accept")]
    for e in records:
        assert (e.actor_type, e.actor_id, e.actor_name, e.role) == ("employer", user.id, user.display_name, "employer")
    # the graduate's own answers and starts name the graduate
    grads = _events("start", kind="termination", actor_type="graduate")
    assert len(grads) == 2 and all(e.actor_id == signed_row.graduate_id for e in grads)


# --- every view reads history.timeline ------------------------------------------------------------------


def _portal_entries(html: str, element_id: str) -> list[tuple[str, str, str, str]]:
    """(tone, time, who, text) of each line of the timeline list *element_id* on the employer page."""
    start = html.index(f'id="{element_id}"')
    block = html[start:html.index("</ol>", start)]
    return re.findall(r'<li class="event event-(\w+)">\s*<div class="event-head"><time>([^<]*)</time>'
                      r'<span class="who">([^<]*)</span><strong class="action">([^<]*)</strong>', block)


def _shown(entries: list[tuple[str, str, str, str]], events: list[TimelineEvent]) -> None:
    """Each line is the next event of the timeline, at its time and with its name; an acceptance and the
    submission it causes share one line (…，进入院系审核)."""
    events = [e for i, e in enumerate(events)
              if not (i and e.source == "review" and e.action == "submit" and events[i - 1].action == "accept")]
    assert len(entries) == len(events), (entries, [e.action for e in events])
    for (_tone, at, _who, text), e in zip(entries, events, strict=True):
        assert at == timeutil.fmt(e.at)
        assert e.action_label in text, (text, e.action_label)


def test_rv_6_graduate_api_employer_page_and_console_show_the_records_timeline(
        client, csrf_off, graduate_api, employer_user, invite, review_all, staff_login, world) -> None:
    """RV-6, ON-8, OT-3: a signed agreement with an accepted, passed termination — the graduate API's history,
    the employer page's timelines and the console's item pages are history.timeline's events, one for one."""
    user = employer_user()
    _login(client, user)
    graduate, api = graduate_api(name="陈诚")
    row = invite(user, graduate)
    assert api.post(f"/agreements/{row.id}/accept").status_code == 200
    review_all(services.KIND, row.id)
    started = api.post(f"/agreements/{row.id}/termination", {"reason": "03", "explanation": "已另选单位"})
    assert started.status_code == 201
    req_id = started.get_json()["id"]
    assert client.post(f"/employer/terminations/{req_id}/answer", data={"decision": "accept"}).status_code == 302
    review_all(services.TERMINATION_KIND, req_id)
    db.session.expire_all()
    row = db.session.get(OnlineAgreement, row.id)
    assert row.status == "terminated"

    agreement = history.timeline(services.KIND, row.id)
    termination = history.timeline(services.TERMINATION_KIND, req_id)
    assert [(e.source, e.action) for e in agreement] == [
        ("record", "invite"), ("record", "accept"), ("review", "submit"), ("review", "pass"), ("review", "pass"),
        ("record", "sign"), ("record", "terminate")]
    assert [(e.source, e.action) for e in termination] == [
        ("record", "start"), ("record", "accept"), ("review", "submit"), ("review", "pass"), ("review", "pass")]
    assert agreement[5].data["agreement_no"] == row.agreement_no
    assert agreement[6].data["termination_id"] == req_id
    assert termination[0].reason == "已另选单位" and termination[0].data["reason_code"] == "03"

    # the graduate API: one history item per event
    for path, events in ((f"/agreements/{row.id}", agreement), (f"/terminations/{req_id}", termination)):
        body = api.get(path).get_json()
        assert [(h["action"], h["action_label"], h["by"], h["reason"], h["stage"], h["source"])
                for h in body["history"]] == [
            (e.action, e.action_label, e.role_label, e.reason, e.stage, e.source) for e in events]
        assert [datetime.fromisoformat(h["at"]) for h in body["history"]] == [e.at for e in events]

    # the employer page: the agreement's progress and the termination's history
    html = client.get(f"/employer/agreements/{row.id}").get_data(as_text=True)
    progress = _portal_entries(html, "progress-timeline")
    _shown(progress, agreement)
    assert [(who, text) for _tone, _at, who, text in progress] == [
        ("用人单位", "发出签约邀请，应约有效期3天"), ("陈诚", "接受签约邀请，进入院系审核"), ("院系", "审核通过"),
        ("学校", "审核通过"), ("系统", f"签约完成，协议编号 {row.agreement_no}"), ("系统", "解约审核通过，协议已解约")]
    history_of_request = _portal_entries(html, f"termination-history-{req_id}")
    _shown(history_of_request, termination)
    assert [(who, text) for _tone, _at, who, text in history_of_request] == [
        ("陈诚", "申请解约（毕业生另选用人单位）"), ("用人单位", "同意解约，进入院系审核"), ("院系", "审核通过"),
        ("学校", "审核通过")]

    # the reviewer's console: the item page of each shows the same events, one line each, in order
    client.post("/employer/logout")
    staff_login(world["school_user"])
    for kind, subject_id, events in ((services.KIND, row.id, agreement),
                                     (services.TERMINATION_KIND, req_id, termination)):
        item = engine.latest_item(kind, subject_id)
        page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
        lines = re.findall(r'<li class="event event-([a-z_]+)">\s*<div class="event-head">\s*<time>([^<]+)</time>\s*'
                           r'<span class="who">([^<]+)</span>\s*<strong class="action">([^<]+)</strong>',
                           page.split('id="history"', 1)[1])
        assert [(key, at, action) for key, at, _who, action in lines] == [
            (e.action, timeutil.fmt(e.at), e.action_label) for e in events]
        assert [who for _k, _a, who, _x in lines] == [f"{e.actor_name or '-'}（{e.role_label}）" for e in events]


def test_on_9_a_failed_agreement_and_a_declined_invitation_have_their_events(
        client, csrf_off, graduate_api, employer_user, invite, review_all) -> None:
    """ON-9, ON-3, RV-6: 签约失败 follows the school's reject with its reason; 拒绝 is the graduate's."""
    user = employer_user()
    _login(client, user)
    graduate, api = graduate_api()
    declined = invite(user, graduate)
    assert api.post(f"/agreements/{declined.id}/decline").status_code == 200
    failed = invite(user, graduate)
    assert api.post(f"/agreements/{failed.id}/accept").status_code == 200
    review_all(services.KIND, failed.id, stages=("dept_user",))
    review_all(services.KIND, failed.id, "reject", reason="岗位信息与实际不符", stages=("school_user",))

    assert [(e.action, e.role, e.actor_name) for e in history.timeline(services.KIND, declined.id)] == [
        ("invite", "employer", user.display_name), ("decline", "graduate", graduate.name)]
    events = history.timeline(services.KIND, failed.id)
    assert [e.action for e in events] == ["invite", "accept", "submit", "pass", "reject", "fail"]
    assert events[-1].reason == events[-2].reason == "岗位信息与实际不符" and events[-1].role == "system"
    html = client.get(f"/employer/agreements/{failed.id}").get_data(as_text=True)
    entries = _portal_entries(html, "progress-timeline")
    _shown(entries, events)
    assert [(tone, who, text) for tone, _at, who, text in entries[-2:]] == [
        ("bad", "学校", "审核不通过"), ("bad", "系统", "签约失败")]
    html = client.get(f"/employer/agreements/{declined.id}").get_data(as_text=True)
    assert [(w, t) for _tone, _at, w, t in _portal_entries(html, "progress-timeline")][-1] == (
        graduate.name, "拒绝签约邀请")


def test_on_3_an_overdue_invitation_reads_expired_on_the_employer_page_before_the_job_runs(
        client, csrf_off, grad, employer_user, invite, frozen_now) -> None:
    """ON-3: the effective state is computed on read, and from the stamped row until the job's fan-out has
    written its event, which then replaces the computed line."""
    frozen_now(datetime(2026, 6, 1, 9, 0, tzinfo=timeutil.SHANGHAI))
    user = employer_user()
    row = invite(user, grad(), days=1)
    frozen_now(row.deadline + timedelta(hours=1))
    _login(client, user)
    before = _portal_entries(client.get(f"/employer/agreements/{row.id}").get_data(as_text=True), "progress-timeline")
    assert [(w, t) for _tone, _at, w, t in before] == [
        ("用人单位", "发出签约邀请，应约有效期1天"), ("系统", "超过应约截止时间，签约邀请已失效")]
    assert before[1][1] == timeutil.fmt(row.deadline)
    services.expire_due()
    db.session.commit()
    stamped = _portal_entries(client.get(f"/employer/agreements/{row.id}").get_data(as_text=True),
                              "progress-timeline")
    assert [(w, t) for _tone, _at, w, t in stamped] == [(w, t) for _tone, _at, w, t in before]
    assert stamped[1][1] == timeutil.fmt(row.deadline + timedelta(hours=1))  # when the job ran
    services.fan_out_pending()
    db.session.commit()
    after = _portal_entries(client.get(f"/employer/agreements/{row.id}").get_data(as_text=True), "progress-timeline")
    assert after == stamped
    _shown(after, history.timeline(services.KIND, row.id))


def test_rv_6_the_migration_gives_existing_records_their_events(
        app, make_school, make_department, make_major, make_graduate, make_employer, make_user) -> None:
    """RV-6: invitations, agreements and termination requests from before record_event get the events
    their columns tell, so their timelines stay whole (the test's database goes back a revision and up again)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from wxbackend.db_migrate import alembic_config, migration_connection

    cfg = alembic_config(app)
    before = ScriptDirectory.from_config(cfg).get_revision("0008").down_revision

    def migrate(step: Callable[..., None], revision: str) -> None:
        db.session.remove()
        with migration_connection(db.engine) as connection:
            cfg.attributes["connection"] = connection
            step(cfg, revision)

    migrate(command.downgrade, before)
    t0 = datetime(2026, 5, 1, 9, 0, tzinfo=timeutil.SHANGHAI)
    try:
        school = make_school()
        graduate = make_graduate(major=make_major(department=make_department(school=school)))
        # a Core INSERT too: the ORM would write columns later migrations add (qualification_status)
        db.session.execute(sql("INSERT INTO employer (name, credit_code, created_at) VALUES (:n, :c, :t)"),
                           {"n": "学信咨询服务有限公司", "c": credit_code(990001), "t": t0})
        employer_id = db.session.scalar(sql("SELECT id FROM employer WHERE credit_code = :c"),
                                        {"c": credit_code(990001)})
        db.session.commit()
        employer = SimpleNamespace(id=employer_id, name="学信咨询服务有限公司", credit_code=credit_code(990001))
        user = make_user(role="employer", employer_id=employer.id, display_name="招聘专员")

        def agreement(status: str, **kw: Any) -> Any:
            # A Core INSERT of the columns that exist at this revision (later migrations add more).
            result = db.session.execute(sa_insert(OnlineAgreement.__table__).values(
                employer_id=employer.id, graduate_id=graduate.id, school_id=school.id,
                department_id=graduate.department_id, invited_by_user_id=user.id, status=status, invited_at=t0,
                response_days=3, deadline=t0 + timedelta(days=4), terms=TERMS, employer_info={},
                unit_name=employer.name, credit_code=employer.credit_code, updated_at=t0, version=1, **kw))
            return SimpleNamespace(id=result.inserted_primary_key[0])

        hour = timedelta(hours=1)
        expired = agreement("expired", expired_at=t0 + timedelta(days=4))
        declined = agreement("declined", answered_at=t0 + hour)
        failed = agreement("failed", answered_at=t0 + hour, failed_at=t0 + 3 * hour, failed_reason="不符")
        ended = agreement("terminated", answered_at=t0 + hour, signed_at=t0 + 3 * hour, agreement_no="20264",
                          terminated_at=t0 + 9 * hour)
        req = TerminationRequest(
            agreement_id=ended.id, graduate_id=graduate.id, employer_id=employer.id, school_id=school.id,
            department_id=graduate.department_id, initiator="employer", initiator_user_id=user.id,
            reason_code="05", explanation="调整计划", status="approved", created_at=t0 + 5 * hour,
            answered_at=t0 + 6 * hour, decided_at=t0 + 9 * hour, version=1)
        db.session.add(req)
        db.session.commit()
        ids = {"expired": expired.id, "declined": declined.id, "failed": failed.id, "ended": ended.id,
               "req": req.id}
        name = graduate.name
    finally:
        migrate(command.upgrade, "head")
    def seen(kind: str, subject_id: int) -> list[tuple[Any, ...]]:
        return [(e.action, e.role, e.actor_name, e.at - t0, e.reason, e.data)
                for e in history.timeline(kind, subject_id)]

    invited = ("invite", "employer", "招聘专员", timedelta(0), None, {"response_days": 3})
    assert seen(services.KIND, ids["expired"]) == [
        invited, ("expire", "system", "系统", timedelta(days=4), None, {})]
    assert seen(services.KIND, ids["declined"]) == [
        invited, ("decline", "graduate", name, hour, None, {})]
    assert seen(services.KIND, ids["failed"]) == [
        invited, ("accept", "graduate", name, hour, None, {}),
        ("fail", "system", "系统", 3 * hour, "不符", {})]
    assert seen(services.KIND, ids["ended"]) == [
        invited, ("accept", "graduate", name, hour, None, {}),
        ("sign", "system", "系统", 3 * hour, None, {"agreement_no": "20264"}),
        ("terminate", "system", "系统", 9 * hour, None, {"termination_id": ids["req"]})]
    assert seen(services.TERMINATION_KIND, ids["req"]) == [
        ("start", "employer", "招聘专员", 5 * hour, "调整计划",
         {"initiator": "employer", "agreement_id": ids["ended"], "reason_code": "05"}),
        ("accept", "graduate", name, 6 * hour, None, {})]
