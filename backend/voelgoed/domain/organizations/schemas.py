from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

OrgName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class OrganizationCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: OrgName


class OrganizationUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: OrgName | msgspec.UnsetType = msgspec.UNSET
    time_zone: TimeZone | msgspec.UnsetType = msgspec.UNSET  # IANA name, e.g. Africa/Johannesburg


class OrganizationRead(msgspec.Struct):
    id: uuid.UUID
    name: str
    slug: str
    role: str
    created_at: datetime
    time_zone: str


class MemberRead(msgspec.Struct):
    user_id: uuid.UUID
    email: str
    name: str
    role: str
    joined_at: datetime


class MemberUpdate(msgspec.Struct, forbid_unknown_fields=True):
    role: str


class InvitationCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
    role: str


class InvitationRead(msgspec.Struct):
    id: uuid.UUID
    email: str
    role: str
    status: str
    expires_at: datetime
    created_at: datetime


class InvitationPreview(msgspec.Struct):
    organization_name: str
    email: str
    role: str
    status: str
    expires_at: datetime


class AcceptedInvitation(msgspec.Struct):
    organization_id: uuid.UUID
    organization_name: str
    organization_slug: str
    role: str
