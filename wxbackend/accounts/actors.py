"""The one way to name who acts, for the audit trail and every history (graduate, staff, employer)."""

from __future__ import annotations

from wxbackend.accounts.models import Graduate, User
from wxbackend.core.audit import Actor


def actor_for(who: User | Graduate) -> Actor:
    """The actor of a graduate or an account: employers act as ``employer``, reviewers and admins as ``staff``."""
    if isinstance(who, Graduate):
        return Actor("graduate", who.id, "graduate", who.name)
    return Actor("employer" if who.role == "employer" else "staff", who.id, who.role, who.display_name)
