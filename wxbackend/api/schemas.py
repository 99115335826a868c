"""Request and response schemas of the mini-program API; they validate and generate OpenAPI."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, Raw, String
from apiflask.validators import Length, OneOf

# --- errors -------------------------------------------------------------------------------


class ErrorBodySchema(Schema):
    code = String(required=True, metadata={"description": "稳定的错误代码，如 basic_info_missing"})
    message = String(required=True, metadata={"description": "给用户看的说明"})
    fields = Dict(keys=String(), values=String(), metadata={"description": "字段 → 错误原因"})


class ErrorSchema(Schema):
    error = Nested(ErrorBodySchema, required=True)


def error_responses(**statuses: str) -> dict[int, Any]:
    """``error_responses(_401="未登录")`` → apiflask ``responses`` with the one error shape."""
    return {
        int(key.lstrip("_")): {"description": text, "content": {"application/json": {"schema": ErrorSchema}}}
        for key, text in statuses.items()
    }


# --- auth ---------------------------------------------------------------------------------


class WxLoginIn(Schema):
    code = String(required=True, validate=Length(1, 128), metadata={"description": "wx.login() 返回的 code"})


class GraduateBriefSchema(Schema):
    id = Integer()
    name = String()
    school = String(metadata={"description": "毕业院校"})
    confirmed = Boolean(metadata={"description": "是否已核对并确认基本信息（L-3）"})


class TokenOut(Schema):
    token = String(required=True, metadata={"description": "Authorization: Bearer 令牌"})
    expires_at = DateTime(required=True)
    graduate = Nested(GraduateBriefSchema, required=True)


class WxLoginOut(Schema):
    bind_required = Boolean(required=True, metadata={"description": "为 true 时需先用账号登录以绑定微信"})
    bind_ticket = String(metadata={"description": "绑定凭证，10 分钟内有效"})
    bind_ticket_expires_at = DateTime()
    bind_method = String(metadata={
        "description": "password：调用 /auth/bind（内置账号）；"
                       "code：在网页版用学信网账号登录后取得绑定码，调用 /auth/bind-code"})
    bind_code_url = String(metadata={
        "description": "网页版获取绑定码的地址：在任意浏览器用学信网账号登录后点“绑定小程序”，"
                       "把 6 位绑定码填入小程序（/auth/bind-code）"})
    token = String()
    expires_at = DateTime()
    graduate = Nested(GraduateBriefSchema)


class BindIn(Schema):
    bind_ticket = String(required=True, validate=Length(1, 2000))
    username = String(required=True, validate=Length(1, 64), metadata={"description": "学信网账号"})
    password = String(required=True, validate=Length(1, 128))


class LogoutOut(Schema):
    revoked = Boolean(required=True)


# --- me and modules ----------------------------------------------------------------------


class InfoRowSchema(Schema):
    key = String(required=True)
    label = String(required=True, metadata={"description": "图4中的字段名，如 毕业院校"})
    value = String(required=True, metadata={"description": "显示值；空值为 -"})


class MeOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    confirmed = Boolean(required=True)
    confirmed_at = DateTime(allow_none=True)
    items = List(Nested(InfoRowSchema), required=True, metadata={"description": "按图4顺序排列的基本信息"})
    notice = String(metadata={"description": "核对提示"})


class ModuleSchema(Schema):
    key = String(required=True,
                 metadata={"description": "destination/archive/hukou/confirmation/verification"})
    name = String(required=True)
    available = Boolean(required=True)
    reason = String(allow_none=True, metadata={"description": "不可用的原因"})


class ModulesOut(Schema):
    confirmed = Boolean(required=True)
    modules = List(Nested(ModuleSchema), required=True)


class ConfirmOut(Schema):
    confirmed = Boolean(required=True)
    confirmed_at = DateTime(required=True)
    modules = List(Nested(ModuleSchema), required=True)


# --- destinations (§4, §4.5) -------------------------------------------------------------------


class SubKindEntrySchema(Schema):
    key = String(required=True)
    label = String(required=True)
    code = String(allow_none=True, metadata={"description": "国家毕业去向代码；由字段决定时为空"})
    available = Boolean(required=True)
    reason = String(allow_none=True)


class EntrySchema(Schema):
    key = String(required=True, metadata={"description": "agreement / other_employment / further_study / unemployed"})
    label = String(required=True)
    available = Boolean(required=True)
    reason = String(allow_none=True, metadata={"description": "不可登记的原因"})
    subkinds = List(Nested(SubKindEntrySchema), required=True)
    note = String(metadata={"description": "签就业协议书就业：线上签约由用人单位发起邀请的说明"})


class DecisionSchema(Schema):
    action = String(required=True, metadata={"description": "pass / return / reject"})
    label = String(required=True)
    by = String(required=True, metadata={"description": "院系 / 学校"})
    at = DateTime(required=True)
    reason = String(allow_none=True)


class RecordActionsSchema(Schema):
    edit = Boolean(required=True)
    submit = Boolean(required=True)
    withdraw = Boolean(required=True, metadata={"description": "审核人员处理前可撤回（RV-3）"})
    void = Boolean(required=True, metadata={"description": "审核通过后可作废（OD-4）"})
    accept = Boolean(metadata={"description": "网上签约/解约：现在可接受"})
    decline = Boolean(metadata={"description": "网上签约/解约：现在可拒绝"})
    terminate = Boolean(metadata={"description": "网上签约：签约完成且无进行中的解约申请，可申请解约（OT-1）"})
    pdf = Boolean(metadata={"description": "网上签约：可下载电子就业协议书（ON-8）"})
    cancel = Boolean(metadata={"description": "解约申请：发起方在对方回应前可撤销；线下解约：未提交时可删除"})
    upload_pages = Boolean(metadata={"description": "线下签约：可上传盖章后的协议书图片（本人回传，FS-4）"})
    employer_link = Boolean(metadata={"description": "线下签约：可请用人单位协助回传（发送短信链接，FS-8）"})
    signed_pdf = Boolean(metadata={"description": "线下签约：签约完成，可下载含签约过程记录的协议书"})


class RecordSummarySchema(Schema):
    type = String(required=True, metadata={"description": "other_destination / online_agreement（签约邀请及协议）/ "
                                                          "termination（解约申请）"})
    id = Integer(required=True)
    group = String(required=True)
    group_label = String(required=True)
    subkind = String(required=True)
    subkind_label = String(required=True)
    destination_code = String(allow_none=True)
    title = String(required=True)
    status = String(required=True, metadata={"description": "draft/pending/returned/approved/rejected/voided"})
    status_label = String(required=True, metadata={"description": "如 待院系审核、退回修改、审核通过"})
    stage = String(allow_none=True, metadata={"description": "审核中时的环节：department / school"})
    stage_label = String(allow_none=True)
    last_decision = Nested(DecisionSchema, allow_none=True)
    proof_count = Integer(required=True)
    proof_min = Integer(required=True)
    actions = Nested(RecordActionsSchema, required=True)
    created_at = DateTime(required=True)
    submitted_at = DateTime(allow_none=True)
    updated_at = DateTime(required=True)
    # online_agreement and termination entries
    unit_name = String(metadata={"description": "用人单位名称"})
    position = String(metadata={"description": "岗位名称"})
    invited_at = DateTime(metadata={"description": "邀约时间"})
    response_days = Integer(metadata={"description": "应约有效期（天）"})
    deadline = DateTime(metadata={"description": "应约截止时间（ON-2）"})
    agreement_no = String(allow_none=True, metadata={"description": "协议编号（签约完成后生成，ON-8）"})
    failed_reason = String(allow_none=True, metadata={"description": "签约失败原因（ON-9）"})
    decline_reason = String(allow_none=True, metadata={"description": "本人拒绝时填写的原因（ON-12）"})
    can_answer = Boolean(metadata={"description": "现在能否回应（接受或拒绝）"})
    answer_refusal = String(allow_none=True, metadata={"description": "不能回应的原因（已失效、已接受其他邀请等）"})
    accept_refusal = String(allow_none=True, metadata={"description": "不能接受的原因（含 D-1 已有当前毕业去向）"})
    open_termination_id = Integer(allow_none=True)
    agreement_id = Integer(metadata={"description": "解约申请所属的协议"})
    initiator = String(metadata={"description": "解约发起方 graduate / employer"})
    initiator_label = String()
    reason = String(metadata={"description": "解约原因代码"})
    reason_label = String()
    explanation = String(allow_none=True, metadata={"description": "解约说明"})
    decided_reason = String(allow_none=True)


class HistoryEntrySchema(Schema):
    at = DateTime(required=True)
    action = String(required=True)
    action_label = String(required=True)
    by = String(required=True)
    reason = String(allow_none=True)
    stage = String(allow_none=True, metadata={"description": "审核环节（审核历史）：department / school"})
    source = String(metadata={"description": "record（邀请、回应、失效、签约完成、解约等）或 review（提交与审核）"})


class LabelValueSchema(Schema):
    label = String(required=True)
    value = String(required=True)


class SectionSchema(Schema):
    title = String(required=True)
    rows = List(Nested(LabelValueSchema), required=True)


class CodeLabelSchema(Schema):
    code = String(required=True)
    label = String(required=True)


class TerminationOut(RecordSummarySchema):
    history = List(Nested(HistoryEntrySchema), metadata={"description": "回应与审核历史"})


class AgreementOut(RecordSummarySchema):
    sections = List(Nested(SectionSchema), required=True,
                    metadata={"description": "图9：毕业生信息、单位信息、签约信息、档案转递、户口迁移、协议补充内容"})
    terms = Dict(metadata={"description": "签约信息原值（代码）"})
    pdf_url = String(allow_none=True)
    history = List(Nested(HistoryEntrySchema))
    terminations = List(Nested(RecordSummarySchema))
    termination_reasons = List(Nested(CodeLabelSchema))
    explanation_max = Integer()


class TerminationIn(Schema):
    reason = String(allow_none=True, metadata={"description": "解约原因代码（/termination-reasons），必选"})
    explanation = String(allow_none=True, metadata={"description": "解约说明，选填，不超过200字"})


class DeclineIn(Schema):
    reason = String(allow_none=True, metadata={"description": "拒绝原因，选填，不超过200字；用人单位可见（ON-12）"})


class CurrentDestinationSchema(Schema):
    type = String(required=True)
    type_label = String(required=True)
    id = Integer(required=True)
    since = DateTime(required=True)


class DestinationHomeOut(Schema):
    current = Nested(CurrentDestinationSchema, allow_none=True,
                     metadata={"description": "当前毕业去向（D-1）；无则为 null"})
    directed = Boolean(required=True, metadata={"description": "定向/委培毕业生（D-2）"})
    entries = List(Nested(EntrySchema), required=True)
    records = List(Nested(RecordSummarySchema), required=True, metadata={"description": "登记记录，最近的在前"})
    notice = String()


class FieldSchema(Schema):
    """One field of a form that is data (``wxbackend.core.fields.FieldDef.to_dict``)."""

    key = String(required=True)
    label = String(required=True)
    type = String(required=True, metadata={
        "description": "text / code / region / credit_code / phone / money / date / url / postcode"})
    widget = String(required=True, metadata={
        "description": "输入控件，由类型决定（各端相同）：text 单行文字、textarea 多行文字、"
                       "select 代码表选择（choices）、region 行政区划代码、date 日期、number 整数（min～max）、"
                       "tel 电话、url 网址、postcode 邮编、credit_code 统一社会信用代码"})
    hint = String(required=True, allow_none=True, metadata={"description": "填写提示，各端相同；没有时为 null"})
    required = Boolean(required=True)
    max = Integer()
    min = Integer()
    list = String()
    choices = List(Dict(keys=String(), values=String()))


class FieldSpecSchema(FieldSchema):
    readonly = Boolean(required=True, metadata={"description": "取自学校上传，不能修改（D-2）"})


class AgreementFieldSchema(FieldSchema):
    required_if_unit_receive = String(required=True, allow_none=True, metadata={
        "description": "该传递类型字段为单位接收类时本项必填；null 表示不受其影响"})


class AgreementFieldsOut(Schema):
    fields = List(Nested(AgreementFieldSchema), required=True, metadata={"description": "图9 签约信息各项"})
    response_days = Dict(keys=String(), values=Integer(), required=True,
                         metadata={"description": "应约有效期天数：min、max、default"})
    deadline_rule = String(required=True)
    #: Raw keeps the serialisation this endpoint has always had (the app's JSON provider's).
    now = Raw(required=True, metadata={"type": "string", "description": "服务器当前时间"})


class ProofSpecSchema(Schema):
    label = String(required=True)
    min = Integer(required=True)
    max = Integer(required=True)
    hint = String(allow_none=True)


class KindSchema(Schema):
    key = String(required=True)
    label = String(required=True)
    group = String(required=True)
    group_label = String(required=True)
    code = String(allow_none=True)
    available = Boolean(required=True)
    reason = String(allow_none=True)
    preset = Dict(keys=String(), values=String(), metadata={"description": "只读字段的值（如定向/委培单位）"})
    fields = List(Nested(FieldSpecSchema), required=True)
    proof = Nested(ProofSpecSchema, required=True)


class GroupSchema(Schema):
    key = String(required=True)
    label = String(required=True)


class KindsOut(Schema):
    groups = List(Nested(GroupSchema), required=True)
    kinds = List(Nested(KindSchema), required=True)


class RecordIn(Schema):
    subkind = String(validate=Length(1, 32), metadata={"description": "子类型，见 /destination/kinds；修改时可省略"})
    fields = Dict(keys=String(), load_default=dict, metadata={"description": "字段键 → 值"})
    submit = Boolean(load_default=False, metadata={"description": "保存后立即提交审核"})


class RecordCreateIn(RecordIn):
    subkind = String(required=True, validate=Length(1, 32), metadata={"description": "子类型，见 /destination/kinds"})


class FileSchema(Schema):
    id = Integer(required=True)
    url = String(required=True, metadata={"description": "GET 该地址（带令牌）查看图片"})
    content_type = String(required=True)
    size = Integer(required=True)
    width = Integer(allow_none=True)
    height = Integer(allow_none=True)
    compression_state = String(required=True, metadata={"description": "pending（后台压缩中）/ done / not_needed"})
    original_name = String(allow_none=True)


class StoredFileOut(FileSchema):
    """One uploaded image (the upload's response)."""


class RowSchema(Schema):
    key = String(required=True)
    label = String(required=True)
    value = String(required=True)


class ChangeSchema(Schema):
    field = String(required=True)
    before = String(allow_none=True)
    after = String(allow_none=True)


class HistorySchema(Schema):
    at = DateTime(required=True)
    action = String(required=True)
    action_label = String(required=True)
    by = String(required=True)
    reason = String(allow_none=True)
    changes = List(Nested(ChangeSchema), required=True)


class RecordOut(RecordSummarySchema):
    fields = Dict(keys=String(), required=True, metadata={"description": "字段原值（代码）"})
    rows = List(Nested(RowSchema), required=True, metadata={"description": "按顺序的显示值（代码已转名称）"})
    readonly_fields = List(String(), required=True)
    proof_requirement = Nested(ProofSpecSchema, required=True)
    proofs = List(Nested(FileSchema), required=True)
    history = List(Nested(HistorySchema), required=True,
                   metadata={"description": "提交、撤回、审核、修改、作废（RV-6）"})
    approved_at = DateTime(allow_none=True)
    voided_at = DateTime(allow_none=True)


# --- offline signing (§4.3), the paper agreement, offline termination (§4.4) -------------------------


class OfflineFieldSchema(FieldSchema):
    required = Boolean(required=True)
    block = String(required=True,
                   metadata={"description": "unit（用人单位信息）/ terms（签约信息、档案、户口、补充内容）"})
    required_if_unit_receive = String(allow_none=True)


class OfflineFormOut(Schema):
    fields = List(Nested(OfflineFieldSchema), required=True,
                  metadata={"description": "图21 各项（unit 与 terms 两组）"})
    modes = List(Nested(CodeLabelSchema), required=True, metadata={"description": "eagreement / paper"})
    termination_reasons = List(Nested(CodeLabelSchema), required=True)
    explanation_max = Integer(required=True)


class OfflineIn(Schema):
    mode = String(metadata={"description": "eagreement（向学校申请电子就业协议书）/ paper（已签协议信息登记）；"
                                          "创建时必填"})
    fields = Dict(keys=String(), load_default=dict,
                  metadata={"description": "字段键 → 值（见 /offline-agreements/form）"})
    submit = Boolean(load_default=False, metadata={"description": "保存后立即提交审核"})


class OfflineCreateIn(OfflineIn):
    mode = String(required=True, validate=OneOf(["eagreement", "paper"]),
                  metadata={"description": "eagreement（向学校申请电子就业协议书）/ paper（已签协议信息登记）"})


class PageSchema(FileSchema):
    compression_state = String()
    page_result = String(allow_none=True,
                         metadata={"description": "match（本协议第 page 页）/ none（未识别到页面二维码）"})
    page = Integer(allow_none=True)
    page_total = Integer(allow_none=True)
    page_note = String(allow_none=True)


class PageCoverageSchema(Schema):
    total = Integer(required=True)
    matched = List(Integer(), required=True)
    missing = List(Integer(), required=True)
    unread = Integer(required=True)
    count = Integer(required=True)


class LinkStateSchema(Schema):
    sent_at = DateTime(required=True)
    phone = String(required=True, metadata={"description": "接收短信的单位联系人手机（已隐藏中间四位）"})
    delivery = String(required=True, metadata={"description": "pending / sent / failed（失败时提示重新发送，MS-3）"})
    delivery_label = String(required=True)
    live = Boolean(required=True, metadata={"description": "链接当前是否有效（FS-8）"})
    expires_at = DateTime(required=True)


class OfflineOut(RecordSummarySchema):
    mode = String(required=True)
    fields = Dict(keys=String(), required=True, metadata={"description": "字段原值（代码）"})
    sections = List(Nested(SectionSchema), required=True)
    pages = List(Nested(PageSchema), required=True, metadata={"description": "已上传的协议书图片"})
    page_requirement = Nested(ProofSpecSchema, allow_none=True)
    coverage = Nested(PageCoverageSchema, allow_none=True, metadata={"description": "图片覆盖的协议页（FS-10）"})
    pdf_pages = Integer(allow_none=True)
    pdf_url = String(allow_none=True)
    signed_pdf_url = String(allow_none=True)
    pdf_pending = Boolean(required=True, metadata={"description": "协议审核已通过、协议书正在生成"})
    link = Nested(LinkStateSchema, allow_none=True)
    pages_submitted_by = String(allow_none=True)
    history = List(Nested(HistoryEntrySchema), required=True)
    terminations = List(Nested(RecordSummarySchema), required=True)


class OfflineTerminationIn(Schema):
    reason = String(allow_none=True, metadata={"description": "解约原因代码，必选"})
    explanation = String(allow_none=True, metadata={"description": "解约说明，选填，不超过200字"})
    submit = Boolean(load_default=False)


class OfflineTerminationOut(RecordSummarySchema):
    files = List(Nested(FileSchema), required=True, metadata={"description": "单位盖章的解约函等材料"})
    history = List(Nested(HistoryEntrySchema), required=True)


# --- archive and hukou (AR-1…AR-5, HK-1, HK-2) ------------------------------------------------------


class TransferFieldSchema(FieldSchema):
    required = Boolean(required=True)


class TransferRegistrationIn(Schema):
    purpose = String(load_default="registration", metadata={
        "description": "registration（档案/户口信息登记）/ change（档案/户口信息修改，需已有当前信息）；"
                       "创建时使用"})
    fields = Dict(keys=String(), load_default=dict,
                  metadata={"description": "字段键 → 值（见 GET /transfers/<module>）"})
    submit = Boolean(load_default=False, metadata={"description": "保存后立即提交审核"})


class TransferChangeSchema(Schema):
    field = String(required=True)
    before = String(allow_none=True)
    after = String(allow_none=True)


class TransferHistorySchema(Schema):
    at = DateTime(required=True)
    action = String(required=True)
    action_label = String(required=True)
    by = String(required=True)
    reason = String(allow_none=True)
    stage = String(allow_none=True)
    changes = List(Nested(TransferChangeSchema), required=True)


class TransferRecordSummarySchema(Schema):
    id = Integer(required=True)
    module = String(required=True, metadata={"description": "archive / hukou"})
    purpose = String(required=True, metadata={"description": "registration / change"})
    title = String(required=True, metadata={"description": "档案信息登记 / 档案信息修改 / 户口信息登记 / 户口信息修改"})
    status = String(required=True, metadata={"description": "draft/pending/returned/approved/rejected/cancelled"})
    status_label = String(required=True)
    stage = String(allow_none=True)
    reason = String(allow_none=True, metadata={"description": "退回或不通过的原因"})
    created_at = DateTime(required=True)
    submitted_at = DateTime(allow_none=True)
    approved_at = DateTime(allow_none=True)


class TransferRecordOut(TransferRecordSummarySchema):
    fields = Dict(keys=String(), required=True, metadata={"description": "字段原值（代码）"})
    rows = List(Nested(RowSchema), required=True)
    images = List(Nested(FileSchema), required=True)
    image_requirement = Nested(ProofSpecSchema, required=True)
    editable = Boolean(required=True, metadata={"description": "可修改：未提交、退回修改，或审核人员处理前的审核中"})
    cancellable = Boolean(required=True, metadata={"description": "可撤销（未提交时）"})
    history = List(Nested(TransferHistorySchema), required=True)


class TransferOpenSchema(TransferRecordOut):
    """The open registration inside the module's state (its own name in the OpenAPI document)."""


class TransferCurrentSchema(Schema):
    source_kind = String(required=True)
    source_label = String(required=True, metadata={"description": "当前信息的来源，如 网上签约、学校直接录入"})
    synced_at = String(required=True)
    fields = Dict(keys=String(), required=True)
    rows = List(Nested(RowSchema), required=True)


class TransferPolicySchema(Schema):
    recommended = List(String(), required=True, metadata={"description": "按毕业去向一般适用的类型代码"})
    message = String(required=True)


class TransferDispatchSchema(Schema):
    transfer_no = String(required=True, metadata={"description": "转递编号（分组显示，如 ZDAB-CDEF-GHIJ-KLM）"})
    state = String(required=True, metadata={"description": "prepared（待寄出）/ sent（已寄出）"})
    state_label = String(required=True, metadata={"description": "待寄出 / 已寄出"})
    sent_on = String(allow_none=True, metadata={"description": "寄出日期 YYYY-MM-DD，寄出后才有"})
    carrier = String(allow_none=True, metadata={"description": "快递公司"})
    tracking_no = String(allow_none=True, metadata={"description": "运单号"})


class TransferModuleOut(Schema):
    module = String(required=True)
    label = String(required=True)
    available = Boolean(required=True)
    reason = String(allow_none=True, metadata={"description": "模块不可用的原因（如户口未转入学校，HK-1）"})
    current = Nested(TransferCurrentSchema, allow_none=True)
    open = Nested(TransferOpenSchema, allow_none=True, metadata={"description": "未完成的登记或修改申请"})
    records = List(Nested(TransferRecordSummarySchema), required=True, metadata={"description": "登记记录，最近的在前"})
    fields = List(Nested(TransferFieldSchema), required=True)
    type_field = String(required=True)
    region_field = String(required=True)
    origin_region = String(required=True)
    prefill = Dict(keys=String(), values=Dict(), required=True,
                   metadata={"description": "转递/迁移类型代码 → 预填的值"
                                            "（转回生源地：生源所在地及其档案接收单位，AR-2）"})
    can_register = Boolean(required=True)
    register_refusal = String(allow_none=True)
    can_change = Boolean(required=True)
    change_refusal = String(allow_none=True)
    image_max = Integer(required=True)
    policy = Nested(TransferPolicySchema, allow_none=True,
                    metadata={"description": "转递/迁移类型提示（AR-8）：所选类型不在 recommended 中时显示 message，"
                                             "不阻止提交"})
    dispatch = Nested(TransferDispatchSchema, allow_none=True,
                      metadata={"description": "学校的档案转递（AR-9）：仅档案模块，未生成转递编号时为 null；"
                                               "户口模块始终为 null"})


# --- 去向登记确认 (CF-1 … CF-6) ----------------------------------------------------------------


class ConfirmationRowSchema(Schema):
    label = String(required=True)
    value = String(required=True)


class ConfirmationReportSchema(Schema):
    id = Integer(required=True,
                 metadata={"description": "上报快照编号：确认或提交有误时带回（report_id），已重新上报则 409"})
    reported_at = String(required=True)
    reported_on = String(required=True, metadata={"description": "上报日期，如 2027年05月24日"})
    name = String(required=True)
    rows = List(Nested(ConfirmationRowSchema), required=True,
                metadata={"description": "毕业去向、档案转递、户口迁移（图40）"})
    note = String(required=True)


class ConfirmationErrorLineSchema(Schema):
    kind = String(required=True)
    label = String(required=True)
    explanation = String(required=True)


class ConfirmationAnswerSchema(Schema):
    answer = String(required=True, metadata={"description": "confirmed | error"})
    label = String(required=True)
    at = String(required=True)
    errors = List(Nested(ConfirmationErrorLineSchema), required=True)
    mobile = String(allow_none=True)


class ChoiceSchema(Schema):
    value = String(required=True)
    label = String(required=True)


class ConfirmationKindSchema(Schema):
    key = String(required=True)
    label = String(required=True)
    explanation_label = String(required=True)
    choices = List(Nested(ChoiceSchema), required=True, metadata={"description": "仅毕业去向：有变化 / 有错误"})


class ConfirmationFormSchema(Schema):
    kinds = List(Nested(ConfirmationKindSchema), required=True)
    explanation_max = Integer(required=True)


class ConfirmationOut(Schema):
    available = Boolean(required=True)
    reason = String(allow_none=True)
    state = String(allow_none=True, metadata={
        "description": "open 可确认 | awaiting_report 信息已变化待重新上报 | confirmed 已确认 | error 已提交信息有误"})
    message = String(allow_none=True)
    report = Nested(ConfirmationReportSchema, allow_none=True)
    answer = Nested(ConfirmationAnswerSchema, allow_none=True)
    can_answer = Boolean(required=True)
    can_revoke = Boolean(required=True)
    error_form = Nested(ConfirmationFormSchema, required=True)


class ConfirmIn(Schema):
    report_id = Integer(load_default=None, allow_none=True, metadata={"description": "页面显示的上报快照编号"})


class ConfirmationErrorIn(Schema):
    report_id = Integer(load_default=None, allow_none=True)
    destination = String(load_default=None, allow_none=True,
                         metadata={"description": "changed 有变化 | wrong 有错误；不选则留空"})
    archive = Boolean(load_default=False, metadata={"description": "档案转递信息有变化或存在错误"})
    hukou = Boolean(load_default=False, metadata={"description": "户口迁移信息有变化或存在错误"})
    destination_explanation = String(load_default=None, allow_none=True)
    archive_explanation = String(load_default=None, allow_none=True)
    hukou_explanation = String(load_default=None, allow_none=True)
    mobile = String(load_default=None, allow_none=True)


class ViolationKindSchema(Schema):
    key = String(required=True)
    label = String(required=True)


class ViolationReportSchema(Schema):
    id = Integer(required=True)
    kinds = List(String(), required=True)
    kind_labels = List(String(), required=True)
    party = String(allow_none=True)
    description = String(required=True)
    mobile = String(allow_none=True)
    status = String(required=True)
    status_label = String(required=True)
    created_at = String(required=True)
    handled_at = String(allow_none=True)
    handled_note = String(allow_none=True, metadata={"description": "平台的处理情况"})


class ViolationReportOut(ViolationReportSchema):
    """One report, as POST answers it (the list nests :class:`ViolationReportSchema`)."""


class ViolationFormOut(Schema):
    kinds = List(Nested(ViolationKindSchema), required=True)
    description_max = Integer(required=True)
    party_max = Integer(required=True)
    notice = String(required=True)
    reports = List(Nested(ViolationReportSchema), required=True)


class ViolationReportIn(Schema):
    kinds = List(String(), load_default=list)
    party = String(load_default=None, allow_none=True)
    description = String(load_default=None, allow_none=True)
    mobile = String(load_default=None, allow_none=True)


# --- 核验授权 (VA-1 … VA-8) ------------------------------------------------------------------------


class VerificationSchema(Schema):
    id = Integer(required=True)
    module = String(required=True)
    label = String(required=True)
    number = String(required=True, metadata={"description": "核验编号（无分隔符）"})
    number_display = String(required=True, metadata={"description": "分组显示，如 A1B2-C3D4-E5F6-G"})
    valid_until = String(required=True)
    valid_until_text = String(required=True)
    status = String(required=True, metadata={"description": "active | closed（提前结束）| replaced（已重新设置）"})
    status_label = String(required=True, metadata={"description": "生效中 / 已过期 / 已失效 / 已结束 / 已重新设置"})
    valid = Boolean(required=True, metadata={"description": "此刻能否核验"})
    created_at = String(required=True)
    ended_at = String(allow_none=True)
    content = Dict(required=True,
                   metadata={"description": "去向登记信息表内容：sections[{title, rows[[label, value]]}]"})


class VerificationOut(VerificationSchema):
    """One verification, as POST answers it."""


class VerificationModuleSchema(Schema):
    module = String(required=True)
    label = String(required=True)
    available = Boolean(required=True)
    reason = String(allow_none=True)
    active = Nested(VerificationSchema, allow_none=True)
    state = String(required=True,
                   metadata={"description": "unset | active | expired | void（去向登记确认已失效）| closed"})
    status_label = String(required=True, metadata={"description": "未设置 / 生效中 / 已过期 / 已失效 / 已结束"})


class VerificationsOut(Schema):
    available = Boolean(required=True)
    reason = String(allow_none=True)
    latest_valid_until = String(required=True, metadata={"description": "有效期最晚可选的日期（VA-3）"})
    today = String(required=True)
    modules = List(Nested(VerificationModuleSchema), required=True)
    history = List(Nested(VerificationSchema), required=True)


class VerificationIn(Schema):
    module = String(load_default=None, allow_none=True, metadata={"description": "archive | hukou"})
    valid_until = String(load_default=None, allow_none=True, metadata={"description": "有效期至，YYYY-MM-DD"})
