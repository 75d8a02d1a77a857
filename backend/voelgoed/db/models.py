"""Imports every model so that Alembic and the app see the whole schema."""

from voelgoed.domain.accounts.models import PasswordResetToken, User, UserSession
from voelgoed.domain.audit.models import AuditEntry
from voelgoed.domain.events.models import Event
from voelgoed.domain.organizations.models import Invitation, Membership, Organization
from voelgoed.domain.venues.models import Gate, Venue

__all__ = [
    "AuditEntry",
    "Event",
    "Gate",
    "Invitation",
    "Membership",
    "Organization",
    "PasswordResetToken",
    "User",
    "UserSession",
    "Venue",
]
