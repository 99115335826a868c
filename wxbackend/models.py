"""Import every model module once, so SQLAlchemy's metadata is complete (Alembic reads it)."""

from wxbackend.accounts.models import (  # noqa: F401
    ApiToken,
    Department,
    Employer,
    EmployerQualification,
    Graduate,
    ImportBatch,
    LocalAccount,
    Major,
    Notice,
    ReportDeadline,
    School,
    User,
    WebSession,
    WechatBinding,
    WechatFollower,
)
from wxbackend.confirmation.models import DestinationConfirmation, ViolationReport  # noqa: F401
from wxbackend.core.audit import AuditEvent  # noqa: F401
from wxbackend.core.db import Base
from wxbackend.core.jobs import JobOutbox  # noqa: F401
from wxbackend.core.once import FormSubmission  # noqa: F401
from wxbackend.destinations.models import DestinationClaim, OtherDestination  # noqa: F401
from wxbackend.files.models import Attachment, StoredFile  # noqa: F401
from wxbackend.notify.models import NotificationOutbox, WechatTemplateConsent  # noqa: F401
from wxbackend.reporting.models import GraduateReport, ReportBatch, ReportSnapshot  # noqa: F401
from wxbackend.review.history import RecordEvent  # noqa: F401
from wxbackend.review.models import ReviewEvent, ReviewItem  # noqa: F401
from wxbackend.signing.models import (  # noqa: F401
    AgreementSerial,
    OfflineAgreement,
    OfflinePage,
    OfflineTermination,
    OnlineAgreement,
    TerminationRequest,
)
from wxbackend.transfers.models import (  # noqa: F401
    ArchiveDispatch,
    ArchiveDispatchBatch,
    ReceivingOffice,
    TransferInfo,
    TransferRegistration,
)
from wxbackend.verification.models import Verification, VerificationLookup  # noqa: F401
from wxbackend.wechat.models import WechatCallbackSeen  # noqa: F401

metadata = Base.metadata
