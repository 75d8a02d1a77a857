from __future__ import annotations

import enum
import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voelgoed.db.tenancy import OrgOwned


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"
    VIEWER = "viewer"
    SCANNER_ONLY = "scanner_only"


# Higher number, more power: used where one member acts on another (only owners touch owners).
# Here with the roles, not in auth/: a rule of memberships that organizations/services.py applies.
ROLE_RANK = {Role.OWNER: 4, Role.ADMIN: 3, Role.STAFF: 2, Role.VIEWER: 1, Role.SCANNER_ONLY: 0}


DEFAULT_ORG_TIME_ZONE = "Africa/Johannesburg"


class Organization(UUIDAuditBase):
    __tablename__ = "organization"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # Where the organisation works: times not tied to an event (audit log) are shown in it.
    time_zone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_ORG_TIME_ZONE, server_default=DEFAULT_ORG_TIME_ZONE
    )


class Membership(OrgOwned, UUIDAuditBase):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)


class Invitation(OrgOwned, UUIDAuditBase):
    __tablename__ = "invitation"

    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    invited_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    accepted_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
