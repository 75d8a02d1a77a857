from __future__ import annotations

import enum
import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voelgoed.db.tenancy import OrgOwned


class Role(enum.StrEnum):
    """A member's role in an organisation; what each may do is in auth/permissions.py."""

    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"
    VIEWER = "viewer"
    SCANNER_ONLY = "scanner_only"


# Higher number, more power: used where one member acts on another (only owners touch owners).
# Here with the roles, not in auth/: a rule of memberships that organizations/services.py applies.
ROLE_RANK = {Role.OWNER: 4, Role.ADMIN: 3, Role.STAFF: 2, Role.VIEWER: 1, Role.SCANNER_ONLY: 0}


DEFAULT_ORG_TIME_ZONE = "Africa/Johannesburg"
DEFAULT_VAT_RATE_BP = 1500  # South Africa's standard rate, 15%, in basis points
DEFAULT_INVOICE_PREFIX = "INV"


class Organization(UUIDAuditBase):
    __tablename__ = "organization"
    __table_args__ = (
        # Only a VAT vendor charges VAT, and a VAT vendor's tax invoice must carry its number.
        CheckConstraint("NOT vat_registered OR vat_number IS NOT NULL", name="organization_vat_number_when_registered"),
        CheckConstraint("vat_rate_bp BETWEEN 0 AND 10000", name="organization_vat_rate_range"),
        CheckConstraint("brand_colour ~ '^#[0-9a-f]{6}$'", name="organization_brand_colour_hex"),
    )

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # Where the organisation works: times not tied to an event (audit log) are shown in it.
    time_zone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_ORG_TIME_ZONE, server_default=DEFAULT_ORG_TIME_ZONE
    )
    # Business and tax details (docs/tax.md): printed on invoices and credit notes as they are at
    # issue time (each document keeps its own copy), and the VAT rule of new orders.
    legal_name: Mapped[str | None] = mapped_column(String(200), default=None)
    trading_name: Mapped[str | None] = mapped_column(String(200), default=None)
    postal_address: Mapped[str | None] = mapped_column(Text, default=None)
    physical_address: Mapped[str | None] = mapped_column(Text, default=None)
    # Not registered by default: a seller who is not a VAT vendor must not charge or show VAT.
    vat_registered: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    vat_number: Mapped[str | None] = mapped_column(String(10), default=None)
    vat_rate_bp: Mapped[int] = mapped_column(Integer, default=DEFAULT_VAT_RATE_BP, server_default="1500")
    invoice_prefix: Mapped[str] = mapped_column(
        String(12), default=DEFAULT_INVOICE_PREFIX, server_default=DEFAULT_INVOICE_PREFIX
    )

    # Public branding (docs/branding.md), read by buyers' pages, e-mails and PDFs only through
    # organizations/branding.py. Colour: "#rrggbb" that white text is readable on (services.py).
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    brand_colour: Mapped[str | None] = mapped_column(String(7), default=None)
    # The key prefix of the logo's files in the media store (lib/media_store.py): <key>/logo.webp, .png
    logo_key: Mapped[str | None] = mapped_column(String(300), default=None)
    public_description: Mapped[str | None] = mapped_column(Text, default=None)

    @property
    def charged_vat_rate_bp(self) -> int:
        """The VAT rate new orders carry: the organisation's rate when it is a VAT vendor, else 0."""
        return self.vat_rate_bp if self.vat_registered else 0


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
