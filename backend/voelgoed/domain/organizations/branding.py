"""An organisation's branding as buyers see it: on the checkout site, in e-mails and on the ticket
PDF. The one place those three read it from, so they never disagree.

The columns behind it (contact address, colour, logo) are added by the branding work (migration
0019); until then every organisation gets the product's own look and no Reply-To.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.organizations.models import Organization

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
    # Absolute URL of the logo image sized for headers, or None.
    logo_url: str | None


def branding_of(org: Organization) -> Branding:
    return Branding(
        organization_id=org.id,
        display_name=org.trading_name or org.name,
        slug=org.slug,
        contact_email=None,
        colour=DEFAULT_BRAND_COLOUR,
        logo_url=None,
    )


async def branding_for(db: AsyncSession, organization_id: uuid.UUID) -> Branding:
    org = await db.scalar(select(Organization).where(Organization.id == organization_id))
    if org is None:
        raise LookupError(f"no organisation {organization_id}")
    return branding_of(org)
