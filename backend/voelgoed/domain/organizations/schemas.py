from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.accounts.schemas import UserRead
from voelgoed.domain.organizations.machines import InvitationStatus
from voelgoed.domain.organizations.models import Role
from voelgoed.lib.closed_sets import documented_as
from voelgoed.lib.contact import Email

if TYPE_CHECKING:
    from voelgoed.domain.accounts.models import User
    from voelgoed.domain.organizations.models import Invitation, Membership, Organization

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


Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Address = Annotated[str, msgspec.Meta(max_length=1000)]
VatNumberText = Annotated[str, msgspec.Meta(max_length=20)]  # checked by lib/vat_numbers.py
VatRateBp = Annotated[int, msgspec.Meta(ge=0, le=10000)]
InvoicePrefix = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9-]{1,12}$")]


class TaxSettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out stay as they are; null clears an optional text. Registering for VAT needs
    the VAT number (10 digits, starting with 4)."""

    legal_name: Text200 | msgspec.UnsetType | None = msgspec.UNSET
    trading_name: Text200 | msgspec.UnsetType | None = msgspec.UNSET
    postal_address: Address | msgspec.UnsetType | None = msgspec.UNSET
    physical_address: Address | msgspec.UnsetType | None = msgspec.UNSET
    vat_registered: bool | msgspec.UnsetType = msgspec.UNSET
    vat_number: VatNumberText | msgspec.UnsetType | None = msgspec.UNSET
    vat_rate_bp: VatRateBp | msgspec.UnsetType = msgspec.UNSET  # 1500 = 15%
    invoice_prefix: InvoicePrefix | msgspec.UnsetType = msgspec.UNSET


class TaxSettingsRead(msgspec.Struct):
    """The organisation's business and tax details (printed on its invoices and credit notes)."""

    legal_name: str | None
    trading_name: str | None
    postal_address: str | None
    physical_address: str | None
    vat_registered: bool
    vat_number: str | None
    vat_rate_bp: int  # the rate when registered, in basis points (1500 = 15%)
    invoice_prefix: str
    charged_vat_rate_bp: int  # what new orders carry: vat_rate_bp when registered, else 0


class OrganizationRead(msgspec.Struct):
    id: uuid.UUID
    name: str
    slug: str
    role: RoleName | None  # the caller's role; null when an API key asks (a key has scopes, not a role)
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
    email: Email
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


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def invitation_read(i: Invitation) -> InvitationRead:
    return InvitationRead(
        id=i.id, email=i.email, role=i.role, status=i.status, expires_at=i.expires_at, created_at=i.created_at
    )


def membership_organization_read(m: Membership) -> OrganizationRead:
    o = m.organization
    return organization_read(o, m.role)


def organization_read(o: Organization, role: str | None) -> OrganizationRead:
    return OrganizationRead(
        id=o.id, name=o.name, slug=o.slug, role=role, created_at=o.created_at, time_zone=o.time_zone
    )


def member_read(m: Membership, u: User) -> MemberRead:
    return MemberRead(user_id=u.id, email=u.email, name=u.name, role=m.role, joined_at=m.created_at)


def tax_settings_read(o: Organization) -> TaxSettingsRead:
    return TaxSettingsRead(
        legal_name=o.legal_name,
        trading_name=o.trading_name,
        postal_address=o.postal_address,
        physical_address=o.physical_address,
        vat_registered=o.vat_registered,
        vat_number=o.vat_number,
        vat_rate_bp=o.vat_rate_bp,
        invoice_prefix=o.invoice_prefix,
        charged_vat_rate_bp=o.charged_vat_rate_bp,
    )
