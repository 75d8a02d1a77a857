"""The organisation's branding settings as the organiser edits them (docs/branding.md): contact
address, colour, public description and logo. Buyers' pages, e-mails and PDFs read the result only
through branding.py."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from voelgoed.domain.organizations.branding import DEFAULT_BRAND_COLOUR, logo_keys
from voelgoed.domain.organizations.models import Organization
from voelgoed.lib.colours import MIN_CONTRAST_WITH_WHITE, contrast_with_white, parse_hex_colour
from voelgoed.lib.contact import Email, normalise_email
from voelgoed.lib.images import logo_renditions
from voelgoed.lib.media_store import MediaStore, media_url, new_key, put_all
from voelgoed.lib.problems import Unprocessable

if TYPE_CHECKING:
    from voelgoed.domain.audit.services import AuditService

ColourText = Annotated[str, msgspec.Meta(max_length=20)]  # "#rrggbb"; checked by lib/colours.py
PublicDescription = Annotated[str, msgspec.Meta(max_length=500)]


class BrandingSettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out stay as they are; null clears one. The colour is "#rrggbb" and must be dark
    enough for white text (WCAG contrast 4.5:1 or more), which buyers' pages print on it."""

    contact_email: (
        Annotated[Email, msgspec.Meta(description="Where buyers' replies go; null clears it.")]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    brand_colour: (
        Annotated[
            ColourText,
            msgspec.Meta(
                description="`#rrggbb`, dark enough for white text; null: the product's own.", examples=["#1f5f3f"]
            ),
        ]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    public_description: (
        Annotated[
            PublicDescription,
            msgspec.Meta(
                description="Shown on the organiser's page.", examples=["Wynfeeste en konserte in die Boland."]
            ),
        ]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET


class LogoRead(msgspec.Struct):
    """The organisation's logo."""

    web_url: Annotated[
        str, msgspec.Meta(description="WebP, at most 240 x 96 (pages).")
    ]  # WebP, at most 240 x 96 (pages)
    print_url: Annotated[
        str, msgspec.Meta(description="PNG, at most 600 x 240 (ticket PDF, e-mails).")
    ]  # PNG, at most 600 x 240 (ticket PDF, e-mails)


class BrandingSettingsRead(msgspec.Struct):
    """What buyers see of the organisation."""

    display_name: Annotated[
        str, msgspec.Meta(description="The trading name, else the name.", examples=["Voelgoed Promosies"])
    ]  # the trading name, else the name (tax settings / organisation)
    slug: str
    contact_email: Annotated[str, msgspec.Meta(description="Where buyers' replies go; null: nowhere.")] | None
    brand_colour: (
        Annotated[str, msgspec.Meta(description="The organisation's colour; null: the product's own.")] | None
    )  # null: the product's own colour, `effective_colour`
    effective_colour: Annotated[str, msgspec.Meta(description="The colour pages use.")]
    public_description: (
        Annotated[
            str,
            msgspec.Meta(
                description="Shown on the organiser's page.", examples=["Wynfeeste en konserte in die Boland."]
            ),
        ]
        | None
    )
    logo: Annotated[LogoRead, msgspec.Meta(description="The logo; null: none.")] | None
    public_page_path: Annotated[
        str, msgspec.Meta(description="The organiser's page on the checkout site.", examples=["/o/voelgoed-promosies"])
    ]  # the organiser's page on the checkout site, e.g. /o/kaapstad-live


def branding_settings_read(o: Organization) -> BrandingSettingsRead:
    logo = None
    if o.logo_key:
        web, png = logo_keys(o.logo_key)
        logo = LogoRead(web_url=media_url(web), print_url=media_url(png))
    return BrandingSettingsRead(
        display_name=o.trading_name or o.name,
        slug=o.slug,
        contact_email=o.contact_email,
        brand_colour=o.brand_colour,
        effective_colour=o.brand_colour or DEFAULT_BRAND_COLOUR,
        public_description=o.public_description,
        logo=logo,
        public_page_path=f"/o/{o.slug}",
    )


def check_brand_colour(raw: str) -> str:
    colour = parse_hex_colour(raw)
    if colour is None:
        raise Unprocessable.field("brand_colour", "Enter the colour as # and six hex digits, e.g. #1f3a5f.")
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        raise Unprocessable.field(
            "brand_colour",
            f"White text on {colour} has a contrast of {ratio:.1f}:1; it needs at least "
            f"{MIN_CONTRAST_WITH_WHITE}:1 to be readable. Choose a darker colour.",
        )
    return colour


def update_branding(org: Organization, sent: dict[str, Any], audit: AuditService) -> None:
    """Apply the fields sent (422 at the field for a bad address or an unreadable colour)."""
    wanted: dict[str, Any] = {}
    if "contact_email" in sent:
        raw = sent["contact_email"]
        wanted["contact_email"] = normalise_email(raw, field="contact_email") if raw and raw.strip() else None
    if "brand_colour" in sent:
        raw = sent["brand_colour"]
        wanted["brand_colour"] = check_brand_colour(raw) if raw and raw.strip() else None
    if "public_description" in sent:
        raw = sent["public_description"]
        wanted["public_description"] = " ".join(raw.split()) or None if raw else None
    changes = {k: [getattr(org, k), v] for k, v in wanted.items() if getattr(org, k) != v}
    if changes:
        audit.record(
            action="organization.branding_changed", entity_type="organization", entity_id=org.id, changes=changes
        )
        for k, (_, v) in changes.items():
            setattr(org, k, v)


async def store_logo(store: MediaStore, organization_id: uuid.UUID, data: bytes) -> tuple[str, list[str]]:
    """Check and resize the logo (ImageRejected), write both files under a new key prefix."""
    web, png = await asyncio.to_thread(logo_renditions, data)
    key = new_key("logos", organization_id.hex)
    web_key, png_key = logo_keys(key)
    written = await put_all(store, [(web_key, web.data, web.content_type), (png_key, png.data, png.content_type)])
    return key, written


def set_logo(org: Organization, key: str | None, audit: AuditService) -> list[str]:
    """Point the organisation at a new logo (or none); returns the old logo's files."""
    old = list(logo_keys(org.logo_key)) if org.logo_key else []
    audit.record(
        action="organization.logo_changed" if key else "organization.logo_removed",
        entity_type="organization",
        entity_id=org.id,
        changes={"logo_key": [org.logo_key, key]},
    )
    org.logo_key = key
    return old
