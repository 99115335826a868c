"""Organisations, accounts and graduates' basic information (guide §1, §2)."""

from __future__ import annotations

import functools
import secrets
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from wxbackend.core import timeutil
from wxbackend.core.db import Base


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 5-digit national school code (学校代码), e.g. 10001 for 北京大学.
    code: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: When true, submissions skip 院系 review and go straight to 学校 review.
    skip_department_review: Mapped[bool] = mapped_column(Boolean, default=False)
    archive_module_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    hukou_module_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    departments: Mapped[list[Department]] = relationship(back_populates="school", order_by="Department.code")

    __table_args__ = (CheckConstraint("length(code) = 5", name="code_5_digits"),)


class Department(Base):
    """院系."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))

    school: Mapped[School] = relationship(back_populates="departments")
    majors: Mapped[list[Major]] = relationship(back_populates="department", order_by="Major.code")

    __table_args__ = (
        UniqueConstraint("school_id", "code", name="uq_department_school_code"),
        UniqueConstraint("school_id", "name", name="uq_department_school_name"),
    )


class Major(Base):
    """专业, offered by one department."""

    __tablename__ = "major"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    #: National major code (专业代码), e.g. 080901.
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))

    department: Mapped[Department] = relationship(back_populates="majors")

    __table_args__ = (UniqueConstraint("department_id", "code", name="uq_major_department_code"),)


class Employer(Base):
    """用人单位, identified by its 统一社会信用代码 (GB 32100)."""

    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: 统一社会信用代码, validated with stdnum.cn.uscc before it is stored.
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    unit_nature: Mapped[str | None] = mapped_column(String(4))
    industry: Mapped[str | None] = mapped_column(String(4))
    address_region: Mapped[str | None] = mapped_column(String(6))
    address_detail: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_mobile: Mapped[str | None] = mapped_column(String(11))
    contact_email: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    #: EM-1: pending (待审核, never approved yet) | approved (name and code checked against the
    #: 营业执照) | rejected (the last submission was sent back). Only ``approved`` may invite.
    qualification_status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")

    __table_args__ = (
        CheckConstraint("length(credit_code) = 18", name="credit_code_18"),
        CheckConstraint("qualification_status IN ('pending','approved','rejected')", name="qualification_known"),
    )

    @property
    def qualified(self) -> bool:
        return self.qualification_status == "approved"

    @property
    def qualification_label(self) -> str:
        return QUALIFICATION_LABELS[self.qualification_status]


QUALIFICATION_LABELS = {"pending": "待审核", "approved": "审核通过", "rejected": "审核未通过"}
SUBMISSION_LABELS = {"pending": "待审核", "approved": "已通过", "rejected": "已退回"}


class EmployerQualification(Base):
    """One submission of an employer's qualification for review (EM-1): the 单位名称 and
    统一社会信用代码 it asks for, with the 营业执照 image attached (``attachment`` kind
    ``employer_qualification``). The first one makes a new employer qualified; a later one asks to
    change the name or code, which take effect only when it is approved.
    """

    __tablename__ = "employer_qualification"
    __audit_type__ = "employer_qualification"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18))
    #: pending | approved | rejected
    status: Mapped[str] = mapped_column(String(10), default="pending")
    submitted_at: Mapped[datetime] = mapped_column(default=timeutil.now, index=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: Why it was sent back (shown to the employer).
    reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("status IN ('pending','approved','rejected')", name="status_known"),
        CheckConstraint("length(credit_code) = 18", name="credit_code_18"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_when_not_pending"),
        # one submission waits at a time: a second click or a second tab cannot queue another
        Index("uq_employer_qualification_pending", "employer_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    @property
    def status_label(self) -> str:
        return SUBMISSION_LABELS[self.status]


@functools.cache
def _stand_in_hash() -> str:
    """A hash of a random password, made like every real one, for names that match no account."""
    return generate_password_hash(secrets.token_hex(16))


def password_matches(account: User | LocalAccount | None, password: str) -> bool:
    """Whether *password* is *account*'s; with no account, the same hash work is done and False returned.

    A wrong password and an unknown name take the same time, so login pages cannot be used to learn
    which account names exist.
    """
    if account is None:
        check_password_hash(_stand_in_hash(), password)
        return False
    return account.check_password(password)


class User(Base):
    """A console or portal account: platform admin, school or department reviewer, employer."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(100))
    #: admin | school | department | employer — what the account may see follows from it.
    role: Mapped[str] = mapped_column(String(16))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped when the password changes or the account is disabled: ends every session.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    #: Set when somebody else set the password (a new account, a reset): the console asks for a new
    #: one before any other page. Defaulted by the database and deferred, so INSERTs that do not set
    #: it and ordinary loads leave it out (a test that steps the schema back before 0011 still works);
    #: the session loader undefers it.
    must_change_password: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    last_login_at: Mapped[datetime | None]

    school: Mapped[School | None] = relationship()
    department: Mapped[Department | None] = relationship()
    employer: Mapped[Employer | None] = relationship()

    #: must_change_password is read back when used, not RETURNed by every INSERT (see above).
    __mapper_args__ = {"eager_defaults": False}
    __table_args__ = (
        CheckConstraint("role IN ('admin','school','department','employer')", name="role_known"),
        CheckConstraint(
            "(role = 'admin' AND school_id IS NULL AND department_id IS NULL AND employer_id IS NULL)"
            " OR (role = 'school' AND school_id IS NOT NULL AND department_id IS NULL AND employer_id IS NULL)"
            " OR (role = 'department' AND school_id IS NOT NULL AND department_id IS NOT NULL"
            " AND employer_id IS NULL)"
            " OR (role = 'employer' AND employer_id IS NOT NULL AND school_id IS NULL AND department_id IS NULL)",
            name="role_scope",
        ),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_reviewer(self) -> bool:
        return self.role in ("school", "department")

    @property
    def role_label(self) -> str:
        return {"admin": "平台管理员", "school": "学校", "department": "院系", "employer": "用人单位"}[self.role]


class Graduate(Base):
    """毕业生基本信息 as uploaded by the school (fig. 4). Graduates cannot edit it (L-4)."""

    __tablename__ = "graduate"
    __audit_type__ = "graduate"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    major_id: Mapped[int] = mapped_column(ForeignKey("major.id"), index=True)
    #: 考生号 (14 digits in the national entrance exam), optional for older records.
    exam_no: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    #: 身份证号, GB 11643, upper-case X. The key for re-imports and for CHSI login.
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    #: Code list ``education``.
    education: Mapped[str] = mapped_column(String(4))
    gender: Mapped[str] = mapped_column(String(1))
    ethnicity: Mapped[str] = mapped_column(String(2))
    political_status: Mapped[str] = mapped_column(String(2))
    #: Code list ``training_mode``: 1 非定向, 2 定向, 3 委培.
    training_mode: Mapped[str] = mapped_column(String(1))
    #: 定向/委培单位, required when training_mode is 定向 or 委培 (D-2 reads it).
    sponsor_unit: Mapped[str | None] = mapped_column(String(200))
    #: 生源所在地, GB/T 2260 six-digit code.
    origin_region: Mapped[str] = mapped_column(String(6))
    #: 入学时间 / 毕业时间 as YYYYMM.
    enrol_ym: Mapped[str] = mapped_column(String(6))
    graduate_ym: Mapped[str] = mapped_column(String(6))
    student_no: Mapped[str | None] = mapped_column(String(30))
    #: 学制 in years.
    schooling_years: Mapped[int] = mapped_column(Integer)
    #: 档案是否转入学校 / 户口是否转入学校: True 是, False 否, None unknown (shown as -).
    archive_at_school: Mapped[bool | None] = mapped_column(Boolean)
    hukou_at_school: Mapped[bool | None] = mapped_column(Boolean)
    email: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(11))
    #: When the graduate chose "信息确认无误，进入系统" (L-3).
    confirmed_at: Mapped[datetime | None]
    #: Soft delete by the school (L-7); a re-upload creates a new row.
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now, onupdate=timeutil.now)

    school: Mapped[School] = relationship()
    department: Mapped[Department] = relationship()
    major: Mapped[Major] = relationship()

    __table_args__ = (
        Index(
            "uq_graduate_school_id_number_live",
            "school_id",
            "id_number",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        CheckConstraint("length(id_number) = 18", name="id_number_18"),
        CheckConstraint("gender IN ('1','2')", name="gender_known"),
        CheckConstraint("training_mode IN ('1','2','3')", name="training_mode_known"),
        CheckConstraint("training_mode = '1' OR sponsor_unit IS NOT NULL", name="sponsor_for_directed"),
        CheckConstraint("length(origin_region) = 6", name="origin_region_6"),
        CheckConstraint("schooling_years BETWEEN 1 AND 10", name="schooling_years_range"),
    )

    @property
    def is_directed(self) -> bool:
        """定向/委培: may not sign online (D-2)."""
        return self.training_mode in ("2", "3")


class WechatBinding(Base):
    """A WeChat identity bound to one graduate and vice versa (L-8)."""

    __tablename__ = "wechat_binding"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), unique=True)
    #: openid under the mini-program's appid (None when bound only through the official account).
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: openid under the official account's appid (OAuth of pages opened in WeChat, template messages).
    oa_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The same person across the mini-program and the official account, when WeChat gives it.
    unionid: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)

    __table_args__ = (CheckConstraint("openid IS NOT NULL OR oa_openid IS NOT NULL", name="some_openid"),)


class WechatFollower(Base):
    """A follower of the official account, as its subscribe/unsubscribe events tell (bound or not)."""

    __tablename__ = "wechat_follower"

    #: openid under the official account's appid.
    oa_openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When the latest subscribe or unsubscribe event was sent (WeChat's CreateTime).
    changed_at: Mapped[datetime] = mapped_column(default=timeutil.now)


class ApiToken(Base):
    """A mini-program session: expiring, revocable; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class WebSession(Base):
    """A browser session (console, employer portal, graduate web): the signed cookie names one of these.

    Logging out ends the row, so a copied cookie stops working at once; a row lives at most
    :data:`WEB_SESSION_DAYS` (the periodic housekeeping job forgets older ones, which ends them too).
    """

    __tablename__ = "web_session"

    #: 32 random bytes, URL-safe; only ever inside the signed session cookie.
    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    graduate_id: Mapped[int | None] = mapped_column(ForeignKey("graduate.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now, index=True)
    ended_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (graduate_id IS NULL)", name="one_principal"),
    )


#: Longest life of a browser session, logged out or not.
WEB_SESSION_DAYS = 30


class LocalAccount(Base):
    """The built-in identity provider's accounts (embedded default and demo).

    Stands in for 学信网 accounts: an account may be bound to a student record
    (``id_number`` set) or not (L-2).
    """

    __tablename__ = "local_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str | None] = mapped_column(String(50))
    #: 身份证号 of the bound student record; None = account not bound (L-2).
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(11))
    email: Mapped[str | None] = mapped_column(String(100))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Notice(Base):
    """通知公告 posted by the platform admin on the public home page."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now, onupdate=timeutil.now)


class ImportBatch(Base):
    """One uploaded spreadsheet of graduates and what became of each row (L-6)."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(200))
    #: xlsx | csv
    file_kind: Mapped[str] = mapped_column(String(8))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    #: queued → running → done | failed
    state: Mapped[str] = mapped_column(String(8), default="queued")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    #: [{"row": 7, "field": "身份证号", "value": "...", "message": "..."}] — row numbers as in the sheet.
    errors: Mapped[list[dict[str, object]] | None] = mapped_column(default=None)
    #: Why the whole file failed (unreadable, wrong headers); per-row problems go to ``errors``.
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now)
    finished_at: Mapped[datetime | None]
    #: When the job running it last committed progress; a running batch that stops beating is
    #: found by ``recover_stale`` (its worker was killed) and resumed or failed.
    heartbeat_at: Mapped[datetime | None]
    #: How many times the job has started on it (a resumed batch counts again).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint("state IN ('queued','running','done','failed')", name="state_known"),
        CheckConstraint("file_kind IN ('xlsx','csv')", name="file_kind_known"),
    )


class ReportDeadline(Base):
    """A school's reporting deadline (上报截止日期) for one graduation year (RP-2); absent: 31 August."""

    __tablename__ = "report_deadline"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    #: The graduates' year of graduation (the first four digits of 毕业年月).
    graduation_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline: Mapped[date]
    set_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.now)
