from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.accounts.schemas import UserRead
from voelgoed.domain.organizations.machines import InvitationStatus
from voelgoed.domain.organizations.models import Role
from voelgoed.lib.closed_sets import documented_as

OrgName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# The roles of auth/permissions.py: `Role` in the spec. A role sent in may be any word: parse_role()
# refuses an unknown one with 422 and the list (organizations/services.py).
RoleChoice = Annotated[str, documented_as(Role)]
if TYPE_CHECKING:
    RoleName = str  # rows hold plain words; the enum is for the spec (see lib/closed_sets.py)
else:
    RoleName = Role


class OrganizationCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: OrgName


class OrganizationUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: OrgName | msgspec.UnsetType = msgspec.UNSET
    time_zone: TimeZone | msgspec.UnsetType = msgspec.UNSET  # IANA name, e.g. Africa/Johannesburg


class OrganizationRead(msgspec.Struct):
    id: uuid.UUID
    name: str
    slug: str
    role: RoleName
    created_at: datetime
    time_zone: str


class MemberRead(msgspec.Struct):
    user_id: uuid.UUID
    email: str
    name: str
    role: RoleName
    joined_at: datetime


class MemberUpdate(msgspec.Struct, forbid_unknown_fields=True):
    role: RoleChoice


class InvitationCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
    role: RoleChoice


class InvitationRead(msgspec.Struct):
    id: uuid.UUID
    email: str
    role: RoleName
    status: InvitationStatus
    expires_at: datetime
    created_at: datetime


class InvitationPreview(msgspec.Struct):
    organization_name: str
    email: str
    role: RoleName
    status: InvitationStatus
    expires_at: datetime


class AcceptedInvitation(msgspec.Struct):
    organization_id: uuid.UUID
    organization_name: str
    organization_slug: str
    role: RoleName


class MembershipRead(msgspec.Struct):
    organization_id: uuid.UUID
    organization_name: str
    organization_slug: str
    role: RoleName


class Me(msgspec.Struct):
    """The signed-in user and the organisations they belong to (here, not in accounts: accounts
    sit below organisations and know nothing of memberships)."""

    user: UserRead
    memberships: list[MembershipRead]
    csrf_token: str
