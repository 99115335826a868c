"""Import every model module once, so SQLAlchemy's metadata is complete (Alembic reads it)."""

from wxbackend.accounts.models import (  # noqa: F401
    ApiToken,
    Department,
    Employer,
    Graduate,
    ImportBatch,
    LocalAccount,
    Major,
    Notice,
    School,
    User,
    WechatBinding,
)
from wxbackend.core.audit import AuditEvent  # noqa: F401
from wxbackend.core.db import Base

# Review hooks of the modules register on import (the engine calls them inside its transaction).
from wxbackend.destinations import services as _destination_hooks  # noqa: E402,F401
from wxbackend.destinations.models import DestinationClaim, OtherDestination  # noqa: F401
from wxbackend.files.models import Attachment, StoredFile  # noqa: F401
from wxbackend.review.history import RecordEvent  # noqa: F401
from wxbackend.review.models import NotificationOutbox, ReviewEvent, ReviewItem  # noqa: F401
from wxbackend.signing import services as _signing_hooks  # noqa: E402,F401
from wxbackend.signing.models import (  # noqa: F401
    AgreementSerial,
    OnlineAgreement,
    TerminationRequest,
    TransferInfo,
)

metadata = Base.metadata
