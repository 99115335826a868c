"""The reviewed-record lifecycle (RV-1…RV-6) with a kind of the test's own: nothing of it lives in console/.

The kind (a "研学证明" with one text field and two to three images) declares its phases, status
mapping, attachment policy and editor; the console item page then edits it, changes its images and
passes it, with before/after history (RV-5). Two-phase records (协议审核 then 签约审核, as the offline
e-agreement will be) and the system decision (L-7) run on the same declarations.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.destinations.helpers import jpeg_bytes
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, User
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError
from wxbackend.core.fields import FieldDef, form_field
from wxbackend.files.models import Attachment
from wxbackend.review import engine, lifecycle, subjects
from wxbackend.review.models import ReviewEvent, ReviewItem

KIND = "test_study_note"
SIGN_KIND = "test_two_phase"


class _Base(DeclarativeBase):
    pass


class StudyNote(_Base):
    """A record of the test's own, in a table of the test's own."""

    __tablename__ = "test_study_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    graduate_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24), default="draft")
    topic: Mapped[str] = mapped_column(String(50), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True), nullable=True)

    @property
    def status_label(self) -> str:
        return self.status


TOPIC = FieldDef("topic", "研学主题", "text", max=50)


class NoteEditor:
    """The kind's editor: one field, 研学主题."""

    def form(self, record: StudyNote, graduate: Graduate, data: Mapping[str, str] | None,
             errors: dict[str, str]) -> lifecycle.EditForm:
        value = record.topic if data is None or "topic" not in data else data["topic"]
        field = form_field(TOPIC, value, required=True, error=errors.get("topic"))
        return lifecycle.EditForm(title="研学证明", fields=[field])

    def apply(self, user: User, record: StudyNote, graduate: Graduate, data: Mapping[str, str]
              ) -> dict[str, list[Any]]:
        topic = (data.get("topic") or "").strip()
        if not topic:
            raise ApiError("invalid_fields", "研学证明有误，请按提示修改", {"fields.topic": "请填写研学主题"})
        if topic == record.topic:
            return {}
        before = record.topic
        lifecycle.write(record, topic=topic)
        return {"研学主题": [before, topic]}


def _present(item: ReviewItem) -> subjects.Subject:
    record = db.session.get(StudyNote, item.subject_id)
    assert record is not None
    return subjects.Subject(title="研学证明", status_label=record.status, rows=[("研学主题", record.topic)],
                            files=lifecycle.attachments(NOTE, record), editable=True, files_label="研学照片")


NOTE = lifecycle.RecordKind(
    name=KIND, model=StudyNote,
    phases=(lifecycle.Phase(KIND, "研学证明", statuses={
        "pending": "reviewing", "returned": "returned", "rejected": "failed", "approved": "passed",
        "withdrawn": "draft"}),),
    attachments=lambda record: lifecycle.AttachmentPolicy("研学照片", min=2, max=3),
    editor=NoteEditor(),
    stamps={"reviewing": "submitted_at"},
)

#: Two reviews on one record: 协议审核 first, then 签约审核 of the stamped copy.
TWO_PHASE = lifecycle.RecordKind(
    name=SIGN_KIND, model=StudyNote,
    phases=(
        lifecycle.Phase(SIGN_KIND, "协议审核", statuses={
            "pending": "agreement_review", "returned": "agreement_returned", "rejected": "agreement_failed",
            "approved": "agreement_passed", "withdrawn": "draft"},
            submittable_from=("draft", "agreement_returned")),
        lifecycle.Phase(SIGN_KIND + "_signing", "签约审核", statuses={
            "pending": "signing_review", "returned": "signing_returned", "rejected": "signing_failed",
            "approved": "signed", "withdrawn": "agreement_passed"},
            submittable_from=("agreement_passed", "signing_returned"), allow_return=False),
    ),
)


@pytest.fixture()
def note_kind(app: Any) -> Iterator[None]:
    """The test kind's table and its registration, as a module's ``init_app`` would do."""
    _Base.metadata.create_all(db.engine)
    lifecycle.register(NOTE)
    lifecycle.register(TWO_PHASE)
    subjects.register(KIND, _present)
    yield
    db.session.rollback()
    _Base.metadata.drop_all(db.engine)


@pytest.fixture()
def world(note_kind: None, make_graduate: Any, make_user: Any) -> dict[str, Any]:
    graduate = make_graduate(name="研学生", confirmed_at=timeutil.now())
    school = graduate.school
    return {
        "graduate": graduate,
        "dept": make_user("department", school_id=school.id, department_id=graduate.department_id,
                          display_name="院系老师"),
        "school": make_user("school", school_id=school.id, display_name="学校老师"),
    }


def _note(graduate: Graduate, topic: str = "黄河湿地调查") -> StudyNote:
    record = StudyNote(graduate_id=graduate.id, school_id=graduate.school_id, department_id=graduate.department_id,
                       status="draft", topic=topic, version=1)
    db.session.add(record)
    db.session.commit()
    return record


def _version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match
    return match.group(1)


def test_rv_1_attachment_minimum_is_checked_before_submit(world: dict[str, Any]) -> None:
    """The kind's policy: at least two 研学照片 before submitting, at most three."""
    g = world["graduate"]
    record = _note(g)
    lifecycle.add_attachment(actor_for(g), NOTE, record, jpeg_bytes(), "1.jpg")
    with pytest.raises(ApiError) as err:
        lifecycle.submit(actor_for(g), NOTE, record, g)
    assert err.value.code == "proof_required" and "研学照片" in err.value.message
    db.session.rollback()
    for n in (2, 3):
        lifecycle.add_attachment(actor_for(g), NOTE, record, jpeg_bytes(), f"{n}.jpg")
    with pytest.raises(ApiError) as err:
        lifecycle.add_attachment(actor_for(g), NOTE, record, jpeg_bytes(), "4.jpg")
    assert err.value.code == "too_many_proofs"
    item = lifecycle.submit(actor_for(g), NOTE, record, g)
    db.session.commit()
    assert (record.status, item.kind, item.stage) == ("reviewing", KIND, "department")
    assert record.submitted_at is not None  # the declared stamp


def test_rv_5_console_edits_changes_images_and_passes_a_kind_it_does_not_know(
        world: dict[str, Any], client: Any, staff_login: Any, csrf_off: None) -> None:
    """RV-5 through the generic item page: edit, image change and pass, with before/after history."""
    g = world["graduate"]
    record = _note(g)
    for n in range(2):
        lifecycle.add_attachment(actor_for(g), NOTE, record, jpeg_bytes(), f"{n}.jpg")
    item = lifecycle.submit(actor_for(g), NOTE, record, g)
    db.session.commit()
    staff_login(world["dept"])

    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert 'id="edit-record"' in page and 'id="upload-form"' in page and "黄河湿地调查" in page

    form = client.get(f"/console/review/items/{item.id}/edit").get_data(as_text=True)
    assert "修改 研学生 的研学证明" in form and 'value="黄河湿地调查"' in form and "不超过 50 个字" in form
    res = client.post(f"/console/review/items/{item.id}/edit", data={"topic": "", "version": _version(form)})
    assert res.status_code == 400 and "请填写研学主题" in res.get_data(as_text=True)
    res = client.post(f"/console/review/items/{item.id}/edit",
                      data={"topic": "长江口湿地调查", "version": _version(form)})
    assert res.status_code == 302

    res = client.post(f"/console/review/items/{item.id}/proofs",
                      data={"file": (io.BytesIO(jpeg_bytes()), "3.jpg")},
                      content_type="multipart/form-data")
    assert res.status_code == 302
    first = db.session.scalar(select(Attachment.file_id).where(Attachment.kind == KIND).order_by(Attachment.id))
    res = client.post(f"/console/review/items/{item.id}/proofs/{first}/delete")
    assert res.status_code == 302

    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    res = client.post(f"/console/review/items/{item.id}/decide", data={"outcome": "pass", "version": _version(page)})
    assert res.status_code == 302

    db.session.expire_all()
    edits = [e.changes for e in db.session.scalars(
        select(ReviewEvent).where(ReviewEvent.item_id == item.id, ReviewEvent.action == "edit")
        .order_by(ReviewEvent.id))]
    assert edits == [{"研学主题": ["黄河湿地调查", "长江口湿地调查"]}, {"证明材料": ["2张", "3张"]},
                     {"证明材料": ["3张", "2张"]}]
    item = db.session.get(ReviewItem, item.id)
    record = db.session.get(StudyNote, record.id)
    assert (item.stage, item.status) == ("school", "pending") and record.status == "reviewing"
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert '<td class="before">黄河湿地调查</td><td class="arrow">→</td><td class="after">长江口湿地调查</td>' in page

    client.post("/console/logout")
    staff_login(world["school"])
    page = client.get(f"/console/review/items/{item.id}").get_data(as_text=True)
    assert client.post(f"/console/review/items/{item.id}/decide",
                       data={"outcome": "pass", "version": _version(page)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(StudyNote, record.id).status == "passed"  # the declared mapping: approved → passed


def test_rv_3_withdraw_and_resubmit_follow_the_mapping(world: dict[str, Any]) -> None:
    g = world["graduate"]
    record = _note(g)
    for n in range(2):
        lifecycle.add_attachment(actor_for(g), NOTE, record, jpeg_bytes(), f"{n}.jpg")
    lifecycle.submit(actor_for(g), NOTE, record, g)
    lifecycle.withdraw(actor_for(g), NOTE, record)
    assert record.status == "draft"
    item = lifecycle.submit(actor_for(g), NOTE, record, g)
    engine.decide(world["dept"], item.id, "return", "照片不清晰")
    db.session.refresh(record)
    assert record.status == "returned"
    again = lifecycle.submit(actor_for(g), NOTE, record, g)  # a resubmission reopens the same item
    db.session.commit()
    assert again.id == item.id and (again.status, record.status) == ("pending", "reviewing")


def test_two_review_phases_on_one_record(world: dict[str, Any]) -> None:
    """协议审核 then 签约审核 on one record, each with its own mapping; the second phase allows no return."""
    g = world["graduate"]
    record = _note(g)
    first = lifecycle.submit(actor_for(g), TWO_PHASE, record, g)
    assert record.status == "agreement_review"
    with pytest.raises(ApiError):  # the second phase is not open before the first passed
        lifecycle.submit(actor_for(g), TWO_PHASE, record, g, review_kind=SIGN_KIND + "_signing")
    engine.decide(world["dept"], first.id, "pass")
    engine.decide(world["school"], first.id, "pass")
    db.session.refresh(record)
    assert record.status == "agreement_passed"
    second = lifecycle.submit(actor_for(g), TWO_PHASE, record, g, review_kind=SIGN_KIND + "_signing")
    assert (second.kind, second.allow_return, record.status) == (SIGN_KIND + "_signing", False, "signing_review")
    with pytest.raises(ApiError):
        engine.decide(world["dept"], second.id, "return", "盖章不清")
    engine.decide(world["dept"], second.id, "pass")
    engine.decide(world["school"], second.id, "pass")
    db.session.commit()
    db.session.refresh(record)
    assert record.status == "signed"
    assert [e.action for e in engine.subject_history(SIGN_KIND, record.id)] == ["submit", "pass", "pass"]


def test_l_7_system_decision_closes_pending_items_as_rejected(world: dict[str, Any]) -> None:
    """A system decision: the pending item becomes 不通过 by 系统, the record follows its mapping."""
    g = world["graduate"]
    record = _note(g)
    for n in range(2):
        lifecycle.add_attachment(actor_for(g), NOTE, record, jpeg_bytes(), f"{n}.jpg")
    item = lifecycle.submit(actor_for(g), NOTE, record, g)
    assert lifecycle.close_open(g.id, "毕业生基本信息已删除") == 1
    db.session.commit()
    db.session.refresh(record)
    item = db.session.get(ReviewItem, item.id)
    assert (item.status, record.status) == ("rejected", "failed")
    last = engine.subject_history(KIND, record.id)[-1]
    assert (last.action, last.role, last.reason) == ("reject", "system", "毕业生基本信息已删除")
    assert lifecycle.close(item, "再次") is None  # no longer pending: left alone
