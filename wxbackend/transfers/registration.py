"""Archive and hukou registration and change requests (AR-1…AR-5, HK-1, HK-2): one implementation, both modules.

A :class:`~wxbackend.transfers.models.TransferRegistration` goes through the reviewed-record lifecycle.
Four kinds are declared from one table, ``{module}_{purpose}`` for module archive | hukou and purpose
registration | change (:data:`KINDS`): their review items then carry the labels the console shows
(档案信息登记 / 档案信息修改 / 户口信息登记 / 户口信息修改) and the queue can be filtered by them, while
the model, the checks, the editor and the presenter are the same code for all four.

Rules decided here:

* a registration is refused while the module has current info (from an approved agreement, a
  registration or the school's direct entry, AR-4): the message says where it came from; a change
  request (purpose ``change``) is the way, and needs current info;
* one open (draft, pending, returned) registration per (graduate, module), whatever the purpose —
  ``uq_transfer_registration_open`` guards it in the database;
* editing while pending (修改申请, AR-5) is a withdrawal and a resubmission in one transaction, so it
  is allowed exactly when withdrawing is: before any reviewer acted (RV-3); after that the graduate
  waits for the result (a return reopens the form);
* a draft may be cancelled (kept as 已撤销 with its history), e.g. one that can no longer be submitted
  because the info arrived meanwhile;
* approval makes the fields the graduate's current info (``sync_from_source`` with the kind as
  ``source_kind``); a rejection leaves the old info as it was, and the graduate may register again.

Functions add to the session and flush; callers commit (uploads commit themselves).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wxbackend.accounts import deadlines
from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Graduate, School, User
from wxbackend.accounts.modules import module_state, require_module
from wxbackend.core import audit, timeutil
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict, Forbidden, NotFound
from wxbackend.core.fields import form_field
from wxbackend.review import engine, history, lifecycle
from wxbackend.transfers import directory, forms, services
from wxbackend.transfers.models import MODULES, OPEN_REGISTRATION, PURPOSES, TransferInfo, TransferRegistration

#: source_kind of the school's direct entry (AR-4).
SCHOOL_ENTRY = "school_entry"
#: Where current info came from, as the graduate and reviewers read it.
SOURCE_LABELS: dict[str, str] = {
    "online_agreement": "网上签约",
    "offline_agreement": "电子就业协议书线下签约",
    "paper_agreement": "已签协议信息登记",
    SCHOOL_ENTRY: "学校直接录入",
    **{f"{m}_{p}": forms.kind_label(m, p) for m in MODULES for p in PURPOSES},
}
EDITABLE = ("draft", "returned")
#: Archive form field → the receiving office's attribute (and key of ``directory.as_dict``) it is filled
#: from: the 转回生源地 prefill here, the web form's directory search (AR-7) there.
OFFICE_FIELDS: dict[str, str] = {
    "archive_unit_name": "name", "archive_unit_region": "region_code", "archive_unit_address": "address",
    "archive_postcode": "postcode", "archive_contact": "contact", "archive_phone": "phone",
}


def source_label(source_kind: str) -> str:
    return SOURCE_LABELS.get(source_kind, source_kind)


def _module(module: Any) -> str:
    if module not in MODULES:
        raise NotFound()
    return str(module)


def kind_of(record: TransferRegistration) -> lifecycle.RecordKind:
    return KINDS[(record.module, record.purpose)]


# --- reading -------------------------------------------------------------------------------------


def get_own(graduate: Graduate, module: str, record_id: int) -> TransferRegistration:
    record = db.session.get(TransferRegistration, record_id, populate_existing=True)
    if record is None or record.graduate_id != graduate.id or record.module != module:
        raise NotFound()
    return record


def open_registration(graduate_id: int, module: str) -> TransferRegistration | None:
    return db.session.scalar(select(TransferRegistration).where(
        TransferRegistration.graduate_id == graduate_id, TransferRegistration.module == module,
        TransferRegistration.status.in_(OPEN_REGISTRATION)))


def registrations(graduate_id: int, module: str) -> list[TransferRegistration]:
    return list(db.session.scalars(select(TransferRegistration).where(
        TransferRegistration.graduate_id == graduate_id, TransferRegistration.module == module)
        .order_by(TransferRegistration.id.desc())))


def registration_refusal(graduate: Graduate, module: str, purpose: str) -> str | None:
    """Why the graduate may not start a registration (or a change) of *module* now; None when they may."""
    state = module_state(graduate, graduate.school, module)
    if not state.available:
        return state.reason
    closed = deadlines.refusal(graduate)  # RP-2: the front-ends offer no 登记 the service would refuse
    if closed is not None:
        return closed
    current = services.current(graduate.id, module)
    label = forms.MODULE_LABELS[module]
    if purpose == "registration" and current is not None:
        return (f"你的{label}信息已来自“{source_label(current.source_kind)}”，为当前{label}信息，无需登记；"
                f"如需变更请提交{forms.kind_label(module, 'change')}申请")
    if purpose == "change" and current is None:
        return f"你还没有当前{label}信息，请先进行{forms.kind_label(module, 'registration')}"
    if open_registration(graduate.id, module) is not None:
        return f"你已有一条未完成的{label}信息登记或修改申请，请在记录中修改、提交或撤回"
    return None


def prefill(graduate: Graduate, module: str) -> dict[str, dict[str, Any]]:
    """{transfer type: values} a form starts from (AR-2): 转回生源地 from the 生源所在地 and its office.

    Archive: the directory's receiving office of the region (district → city → province, the school's
    own entry first); without one only the region is known. Hukou: the region.
    """
    f = forms.form(module)
    values: dict[str, Any] = {f.type_field: forms.BACK_TO_ORIGIN, f.region_field: graduate.origin_region}
    if module == "archive":
        office = directory.office_for_region(graduate.origin_region, graduate.school_id)
        if office is not None:
            values.update({key: getattr(office, attr) for key, attr in OFFICE_FIELDS.items()
                           if getattr(office, attr)})
    return {forms.BACK_TO_ORIGIN: {k: v for k, v in values.items() if v}}


def _clean(graduate: Graduate, module: str, values: Any, require: bool) -> dict[str, Any]:
    clean, errors = forms.clean(module, values if values is not None else {}, require=require,
                                origin_region=graduate.origin_region)
    if errors:
        raise ApiError("invalid_fields", "；".join(dict.fromkeys(errors.values())) if len(errors) == 1
                       else f"{forms.MODULE_LABELS[module]}信息有误，请按提示修改",
                       {f"fields.{k}": v for k, v in errors.items()})
    return clean


def check_complete(graduate: Graduate, module: Any, values: Any) -> None:
    """Refuse an incomplete or invalid form before anything is saved (create with submit)."""
    _clean(graduate, _module(module), values, require=True)


# --- the graduate's actions ----------------------------------------------------------------------


def create(graduate: Graduate, module: Any, purpose: Any, values: Any) -> TransferRegistration:
    """Start a registration or a change request of *module* as a draft (AR-1, AR-5, HK-2)."""
    deadlines.require_open(graduate)  # RP-2
    module = _module(module)
    require_module(graduate, graduate.school, module)
    if purpose not in PURPOSES:
        raise ApiError("invalid_purpose", "请选择登记或修改", {"purpose": "应为 registration 或 change"})
    refusal = registration_refusal(graduate, module, purpose)
    if refusal:
        raise Conflict("registration_refused", refusal)
    clean = _clean(graduate, module, values, require=False)
    current = services.current(graduate.id, module) if purpose == "change" else None
    now = timeutil.now()
    record = TransferRegistration(
        graduate_id=graduate.id, school_id=graduate.school_id, department_id=graduate.department_id,
        module=module, purpose=purpose, fields=clean, status="draft",
        replaces_info_id=current.id if current is not None else None, created_at=now, updated_at=now, version=1)
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("registration_refused", f"你已有一条未完成的{forms.MODULE_LABELS[module]}信息登记或修改申请"
                       ) from None
    audit.record(actor_for(graduate), "transfer_registration.create", record, module=module, purpose=purpose,
                 fields=clean)
    return record


def update(graduate: Graduate, record: TransferRegistration, values: Any) -> TransferRegistration:
    """Replace the fields of a draft or returned registration; a pending one is withdrawn first (AR-5).

    Pending: allowed only while no reviewer acted (the withdrawal refuses otherwise); the record is
    left a draft — the caller resubmits it (the API does so in the same transaction).
    """
    deadlines.require_open(graduate)  # RP-2
    require_module(graduate, graduate.school, record.module)
    clean = _clean(graduate, record.module, values, require=False)
    if record.status == "pending":
        try:
            lifecycle.withdraw(actor_for(graduate), kind_of(record), record)
        except ApiError as err:
            if err.code != "already_reviewed":
                raise
            raise ApiError("already_reviewed", "审核人员已处理，审核中不能再修改；请等待审核结果（退回修改后可改）",
                           status=409) from None
    if record.status not in EDITABLE:
        raise Conflict("not_editable", f"当前状态（{record.status_label}）不能修改")
    before = dict(record.fields)
    lifecycle.write(record, fields=clean)
    audit.record(actor_for(graduate), "transfer_registration.update", record,
                 changes={k: [before.get(k), clean.get(k)] for k in dict.fromkeys([*before, *clean])
                          if before.get(k) != clean.get(k)})
    return record


def submit(graduate: Graduate, record: TransferRegistration) -> TransferRegistration:
    """Submit (or resubmit after a return) for review: every required field, the province rule."""
    require_module(graduate, graduate.school, record.module)
    clean = _clean(graduate, record.module, record.fields, require=True)
    lifecycle.submit(actor_for(graduate), kind_of(record), record, graduate, fields=clean)
    return record


def withdraw(graduate: Graduate, record: TransferRegistration) -> TransferRegistration:
    """撤回 before any reviewer acted (AR-3, RV-3): back to a draft."""
    lifecycle.withdraw(actor_for(graduate), kind_of(record), record)
    return record


def cancel(graduate: Graduate, record: TransferRegistration) -> TransferRegistration:
    """撤销 a draft (never submitted, or withdrawn back to one): kept as 已撤销 with its history.

    The way out of a draft that can no longer be submitted, e.g. a registration started before the
    school entered the info (AR-4): after it the graduate may request a change.
    """
    deadlines.require_open(graduate)  # RP-2
    if record.status != "draft":
        raise Conflict("not_editable", "只有未提交的登记可以撤销；审核中请先撤回")
    actor = actor_for(graduate)
    lifecycle.write(record, status="cancelled")
    audit.record(actor, "transfer_registration.cancel", record)
    history.record(actor, record.kind, record.id, "cancel", graduate_id=record.graduate_id,
                   school_id=record.school_id)
    return record


def add_image(graduate: Graduate, record: TransferRegistration, data: bytes, filename: str | None) -> Any:
    return lifecycle.add_attachment(actor_for(graduate), kind_of(record), record, data, filename)


def remove_image(graduate: Graduate, record: TransferRegistration, file_id: int) -> None:
    lifecycle.remove_attachment(actor_for(graduate), kind_of(record), record, file_id)


# --- the school's direct entry (AR-4) --------------------------------------------------------------


def enter_directly(user: User, graduate: Graduate, module: Any, values: Any) -> TransferInfo:
    """The school enters the graduate's current archive or hukou info itself; audited, no review.

    School accounts of the graduate's school only. Refused while a registration of the module waits
    for review (decide it first); a draft or returned one stays and can only become a change request.
    """
    module = _module(module)
    if user.role != "school" or user.school_id != graduate.school_id or graduate.deleted_at is not None:
        raise Forbidden("只有本校的学校账号可以直接录入档案/户口信息", code="school_only")
    school = db.session.get(School, graduate.school_id)
    assert school is not None
    if module == "archive" and not school.archive_module_enabled:
        raise Forbidden("学校未开通档案信息登记", code="module_locked")
    if module == "hukou" and (not school.hukou_module_enabled or graduate.hukou_at_school is not True):
        raise Forbidden("户口未转入学校或学校未开通户口信息登记，不能录入户口信息", code="module_locked")
    pending = open_registration(graduate.id, module)
    if pending is not None and pending.status == "pending":
        raise Conflict("registration_pending",
                       f"该毕业生有审核中的{forms.kind_label(module, pending.purpose)}，请先审核")
    clean = _clean(graduate, module, values, require=True)
    before = services.current(graduate.id, module)
    (info,) = services.sync_from_source(graduate.id, source_kind=SCHOOL_ENTRY, source_id=user.id,
                                        **{m: (clean if m == module else None) for m in MODULES})
    audit.record(actor_for(user), "transfer_info.enter", info, school_id=graduate.school_id, module=module,
                 graduate_id=graduate.id, fields=clean, replaced=before.data if before is not None else None)
    return info


# --- the reviewer's direct edit (RV-5) -------------------------------------------------------------


class TransferEditor:
    """The reviewer's edit of a registration's fields; the same form for both modules and purposes."""

    def form(self, record: TransferRegistration, graduate: Graduate, data: Any, errors: dict[str, str]
             ) -> lifecycle.EditForm:
        f = forms.form(record.module)
        values = dict(record.fields) if data is None or "version" not in data else {
            ff.field.key: data.get(ff.field.key, "") for ff in f.fields}
        return lifecycle.EditForm(
            title=forms.kind_label(record.module, record.purpose),
            fields=[form_field(ff.field, values.get(ff.field.key), required=ff.required,
                               error=errors.get(ff.field.key)) for ff in f.fields],
            notes=[f"转回生源地时地址须在生源所在地（{graduate.origin_region}）省份内；图片请在审核页面补充或删除。"])

    def apply(self, user: User, record: TransferRegistration, graduate: Graduate, data: Any
              ) -> dict[str, list[Any]]:
        f = forms.form(record.module)
        values = {ff.field.key: (v.strip() if isinstance(v := data.get(ff.field.key), str) else v) for ff in f.fields}
        clean = _clean(graduate, record.module, values, require=True)
        changes = forms.display_diff(record.module, record.fields, clean)
        if changes:
            lifecycle.write(record, fields=clean)
        return changes


# --- the lifecycle declaration ------------------------------------------------------------------------


def _images(record: TransferRegistration) -> lifecycle.AttachmentPolicy:
    return lifecycle.AttachmentPolicy("相关材料", min=0, max=forms.IMAGES_MAX, hint="选填，最多3张")


def _before_submit(record: TransferRegistration, graduate: Graduate, phase: lifecycle.Phase) -> None:
    current = services.current(graduate.id, record.module)
    label = forms.MODULE_LABELS[record.module]
    if record.purpose == "registration" and current is not None:
        raise Conflict("registration_refused", f"你的{label}信息已来自“{source_label(current.source_kind)}”，无需登记；"
                       f"如需变更请撤回本登记后提交{forms.kind_label(record.module, 'change')}申请")
    if record.purpose == "change" and current is None:
        raise Conflict("registration_refused",
                       f"你已没有当前{label}信息，请改为{forms.kind_label(record.module, 'registration')}")


def _after_change(record: TransferRegistration, old: str, new: str, outcome: engine.Outcome | None) -> None:
    """Approved: the fields become the current info (the old row turns void). Rejected: nothing else changes."""
    if new == "approved" and old != new:
        info = services.sync_from_source(record.graduate_id, source_kind=record.kind, source_id=record.id,
                                         **{m: (dict(record.fields) if m == record.module else None)
                                            for m in MODULES})[0]
        lifecycle.write(record, info_id=info.id)


EDITOR = TransferEditor()
#: (module, purpose) → its reviewed-record kind, declared once from this table.
KINDS: dict[tuple[str, str], lifecycle.RecordKind] = {
    (m, p): lifecycle.RecordKind(
        name=f"{m}_{p}",
        model=TransferRegistration,
        phases=(lifecycle.Phase(f"{m}_{p}", forms.kind_label(m, p)),),
        attachments=_images,
        editor=EDITOR,
        before_submit=_before_submit,
        after_change=_after_change,
        stamps={"pending": "submitted_at", "approved": "approved_at"},
    )
    for m in MODULES for p in PURPOSES
}
REVIEW_KINDS = tuple(k.name for k in KINDS.values())


# --- L-7 (AR-6, HK-3): the school deleted the graduate's basic info -----------------------------------------

MSG_DELETED = "毕业生基本信息已被学校删除，档案/户口信息需在重新上传后重新登记"


def on_basic_info_changed(sender: Any, *, graduate_ids: list[int], action: str, **_: Any) -> None:
    """``core.signals.basic_info_changed`` receiver: a deletion ends the graduates' archive and hukou state."""
    if action == "delete":
        end_for_deleted(graduate_ids)


def end_for_deleted(graduate_ids: list[int]) -> int:
    """L-7: pending archive/hukou applications become 审核不通过 by the system, drafts and returned ones are
    cancelled, and the current archive/hukou info becomes invalid; how many applications were ended.

    Runs inside the deleting transaction, so the deletion and its consequences commit together.
    """
    from wxbackend.review.models import ReviewItem

    if not graduate_ids:
        return 0
    ended = 0
    for item in db.session.scalars(select(ReviewItem).where(
            ReviewItem.graduate_id.in_(graduate_ids), ReviewItem.kind.in_(REVIEW_KINDS),
            ReviewItem.status == "pending").order_by(ReviewItem.id)):
        if lifecycle.close(item, MSG_DELETED) is not None:
            ended += 1
    for record in db.session.scalars(select(TransferRegistration).where(
            TransferRegistration.graduate_id.in_(graduate_ids),
            TransferRegistration.status.in_(("draft", "returned")))):
        lifecycle.write(record, status="cancelled")
        ended += 1
    services.void_for_graduates(graduate_ids)
    return ended
