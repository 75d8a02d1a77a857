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
    """A new organisation."""

    name: Annotated[OrgName, msgspec.Meta(description="Its name.", examples=["Voelgoed Promosies"])]


class OrganizationUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to an organisation: only the fields sent change."""

    name: (
        Annotated[OrgName, msgspec.Meta(description="Its name.", examples=["Voelgoed Promosies"])] | msgspec.UnsetType
    ) = msgspec.UNSET
    time_zone: (
        Annotated[TimeZone, msgspec.Meta(description="IANA time zone for reports and dates without an event.")]
        | msgspec.UnsetType
    ) = msgspec.UNSET  # IANA name, e.g. Africa/Johannesburg


Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Address = Annotated[str, msgspec.Meta(max_length=1000)]
VatNumberText = Annotated[str, msgspec.Meta(max_length=20)]  # checked by lib/vat_numbers.py
VatRateBp = Annotated[int, msgspec.Meta(ge=0, le=10000)]
InvoicePrefix = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9-]{1,12}$")]


class TaxSettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out stay as they are; null clears an optional text. Registering for VAT needs
    the VAT number (10 digits, starting with 4)."""

    legal_name: (
        Annotated[Text200, msgspec.Meta(description="The registered name on invoices.")] | msgspec.UnsetType | None
    ) = msgspec.UNSET
    trading_name: Annotated[Text200, msgspec.Meta(description="The name buyers know.")] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    postal_address: (
        Annotated[Address, msgspec.Meta(description="Printed on invoices.", examples=["Posbus 55, Stellenbosch, 7599"])]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    physical_address: (
        Annotated[
            Address, msgspec.Meta(description="Printed on invoices.", examples=["Merrimanlaan 12, Stellenbosch, 7600"])
        ]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    vat_registered: (
        Annotated[bool, msgspec.Meta(description="A VAT vendor (then `vat_number` and a rate above 0 are needed).")]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    vat_number: VatNumberText | msgspec.UnsetType | None = msgspec.UNSET
    vat_rate_bp: (
        Annotated[VatRateBp, msgspec.Meta(description="The VAT rate in basis points (1500 = 15%).")] | msgspec.UnsetType
    ) = msgspec.UNSET  # 1500 = 15%
    invoice_prefix: (
        Annotated[
            InvoicePrefix,
            msgspec.Meta(
                description="1-12 letters, digits or hyphens starting every document number.", examples=["VG"]
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class TaxSettingsRead(msgspec.Struct):
    """The organisation's business and tax details (printed on its invoices and credit notes)."""

    legal_name: Annotated[str, msgspec.Meta(description="The registered name on invoices.")] | None
    trading_name: Annotated[str, msgspec.Meta(description="The name buyers know.")] | None
    postal_address: (
        Annotated[str, msgspec.Meta(description="Printed on invoices.", examples=["Posbus 55, Stellenbosch, 7599"])]
        | None
    )
    physical_address: (
        Annotated[
            str, msgspec.Meta(description="Printed on invoices.", examples=["Merrimanlaan 12, Stellenbosch, 7600"])
        ]
        | None
    )
    vat_registered: Annotated[
        bool, msgspec.Meta(description="A VAT vendor: orders carry VAT and invoices are tax invoices.")
    ]
    vat_number: str | None
    vat_rate_bp: Annotated[
        int, msgspec.Meta(description="The rate when registered, in basis points (1500 = 15%).")
    ]  # the rate when registered, in basis points (1500 = 15%)
    invoice_prefix: Annotated[str, msgspec.Meta(description="Starts every document number.", examples=["VG"])]
    charged_vat_rate_bp: Annotated[
        int, msgspec.Meta(description="What new orders carry: vat_rate_bp when registered, else 0.")
    ]  # what new orders carry: vat_rate_bp when registered, else 0


class OrganizationRead(msgspec.Struct):
    """An organisation."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="Its name.", examples=["Voelgoed Promosies"])]
    slug: str
    role: (
        Annotated[
            RoleName,
            msgspec.Meta(
                description="The caller's role in it; null when an API key asks (a key has scopes, not a role)."
            ),
        ]
        | None
    )
    created_at: datetime
    time_zone: str


class MemberRead(msgspec.Struct):
    """A member of the organisation."""

    user_id: uuid.UUID
    email: str
    name: Annotated[str, msgspec.Meta(description="The person's name.", examples=["Anri van Wyk"])]
    role: RoleName
    joined_at: Annotated[datetime, msgspec.Meta(description="When they joined (UTC).")]


class MemberUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """A member's new role."""

    role: Annotated[RoleChoice, msgspec.Meta(description="The new role.")]


class InvitationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Who to invite, and as what."""

    email: Annotated[Email, msgspec.Meta(description="Where the invitation goes.")]
    role: Annotated[RoleChoice, msgspec.Meta(description="The role they get (only an owner invites an owner).")]


class InvitationRead(msgspec.Struct):
    """An invitation to join the organisation."""

    id: uuid.UUID
    email: str
    role: RoleName
    status: Annotated[InvitationStatus, msgspec.Meta(description="Where the invitation is.")]
    expires_at: Annotated[datetime, msgspec.Meta(description="The link stops working at this time (UTC).")]
    created_at: datetime


class InvitationPreview(msgspec.Struct):
    """What an invitation offers."""

    organization_name: str
    email: str
    role: RoleName
    status: Annotated[InvitationStatus, msgspec.Meta(description="Only a pending invitation can be accepted.")]
    expires_at: Annotated[datetime, msgspec.Meta(description="The link stops working at this time (UTC).")]


class AcceptedInvitation(msgspec.Struct):
    """The organisation joined."""

    organization_id: uuid.UUID
    organization_name: str
    organization_slug: Annotated[str, msgspec.Meta(description="The organisation's URL name.")]
    role: RoleName


class MembershipRead(msgspec.Struct):
    """An organisation the user belongs to."""

    organization_id: uuid.UUID
    organization_name: str
    organization_slug: Annotated[str, msgspec.Meta(description="The organisation's URL name.")]
    role: Annotated[RoleName, msgspec.Meta(description="The user's role in it.")]


class Me(msgspec.Struct):
    """The signed-in user and the organisations they belong to (here, not in accounts: accounts
    sit below organisations and know nothing of memberships)."""

    user: Annotated[UserRead, msgspec.Meta(description="The user.")]
    memberships: Annotated[list[MembershipRead], msgspec.Meta(description="Their organisations and roles.")]
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
