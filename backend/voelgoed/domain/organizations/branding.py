"""An organisation's branding as buyers see it: on the checkout site, in e-mails and on the ticket
PDF. The one place those three read it from, so they never disagree.

The columns behind it (migration 0019): `contact_email`, `brand_colour`, `logo_key` and
`public_description` on the organisation, set in the organisation's branding settings
(organizations/controllers.py, docs/branding.md). An organisation that set none gets the product's
own look and no Reply-To.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.organizations.models import Organization
from voelgoed.lib.media_store import media_url

# The checkout site's own header colour (site.css --brand): used when an organisation picks none.
DEFAULT_BRAND_COLOUR = "#1f3a5f"


@dataclass(frozen=True, slots=True)
class Branding:
    organization_id: uuid.UUID
    # The name buyers know the organiser by: the trading name when there is one.
    display_name: str
    slug: str
    # Where a buyer's reply goes (e-mails' Reply-To); None sends no Reply-To.
    contact_email: str | None
    # "#rrggbb"; always a colour that white text is readable on.
    colour: str
    # Absolute URL of the logo image sized for headers, or None. A PNG (e-mail clients and the PDF
    # take PNG; not every one shows WebP), at most LOGO_PRINT_BOX (lib/images.py).
    logo_url: str | None
    # The logo for web pages: a small WebP (LOGO_WEB_BOX), or None.
    logo_web_url: str | None = None
    # The media store keys of the logo files (the PDF reads the PNG's bytes, never a URL).
    logo_png_key: str | None = None
    # A short public text about the organiser (their public page on the checkout site), or None.
    description: str | None = None


def logo_keys(logo_key: str) -> tuple[str, str]:
    """(web WebP, print PNG) file keys under an organisation's `logo_key` prefix."""
    return f"{logo_key}/logo.webp", f"{logo_key}/logo.png"


def branding_of(org: Organization) -> Branding:
    return Branding(
        organization_id=org.id,
        display_name=org.trading_name or org.name,
        slug=org.slug,
        contact_email=org.contact_email,
        colour=org.brand_colour or DEFAULT_BRAND_COLOUR,
        logo_url=media_url(logo_keys(org.logo_key)[1]) if org.logo_key else None,
        logo_web_url=media_url(logo_keys(org.logo_key)[0], absolute=False) if org.logo_key else None,
        logo_png_key=logo_keys(org.logo_key)[1] if org.logo_key else None,
        description=org.public_description,
    )


async def branding_for(db: AsyncSession, organization_id: uuid.UUID) -> Branding:
    org = await db.scalar(select(Organization).where(Organization.id == organization_id))
    if org is None:
        raise LookupError(f"no organisation {organization_id}")
    return branding_of(org)
