"""Branding on the checkout site (docs/branding.md): the organiser's public page (/o/{slug}) with
its published upcoming events, the event's add-to-calendar file (/events/{slug}/calendar.ics), and
what the event page shows of the organiser, the image and the share links.

The public site reads across organisations (UNSCOPED), so every query here names the organisation
itself: an event shows on its own organiser's page only, and drafts never show anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from litestar import Controller, Request, Response, get
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.accounts.services import now
from voelgoed.domain.events.models import Event
from voelgoed.domain.events.schemas import EventImageRead, event_image_read
from voelgoed.domain.organizations.branding import Branding, branding_of
from voelgoed.domain.organizations.models import Organization
from voelgoed.lib.i18n import gettext as _
from voelgoed.settings import Settings
from voelgoed.web.checkout import language
from voelgoed.web.checkout.event_listing import event_by_slug
from voelgoed.web.checkout.render import render

# The hero is full width on a phone; beside the text column (42rem) on larger screens.
HERO_SIZES = "(min-width: 42rem) 42rem, 100vw"
CARD_SIZES = "(min-width: 42rem) 12rem, 40vw"


@dataclass(frozen=True)
class ShareLink:
    key: str  # whatsapp | facebook | x | email (the template's label and icon class)
    href: str


def share_links(url: str, title: str) -> list[ShareLink]:
    """Plain links to each service's own share page: no script or tracker of theirs on ours."""
    u, t = quote(url, safe=""), quote(title, safe="")
    return [
        ShareLink("whatsapp", f"https://wa.me/?text={quote(f'{title} {url}', safe='')}"),
        ShareLink("facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ShareLink("x", f"https://x.com/intent/post?url={u}&text={t}"),
        ShareLink("email", f"mailto:?subject={t}&body={u}"),
    ]


def srcset(image: EventImageRead) -> str:
    return ", ".join(f"{s.url} {s.width}w" for s in image.sizes)


def absolute(url: str, public_url: str) -> str:
    return url if urlsplit(url).scheme else f"{public_url}{url}"


async def organisation_by_slug(db: AsyncSession, slug: str) -> Organization | None:
    return await db.scalar(select(Organization).where(Organization.slug == slug))


async def organization_of_event(db: AsyncSession, event: Event) -> Organization:
    """The event's organisation: its branding and its VAT rule, read once per page."""
    org = await db.scalar(select(Organization).where(Organization.id == event.organization_id))
    assert org is not None  # event.organization_id references it
    return org


async def branding_of_event(db: AsyncSession, event: Event) -> Branding:
    return branding_of(await organization_of_event(db, event))


async def upcoming_events_of(db: AsyncSession, organization_id: Any, limit: int = 50) -> list[Event]:
    rows = await db.scalars(
        select(Event)
        .where(Event.organization_id == organization_id, Event.status == "published", Event.ends_at > now())
        .order_by(Event.starts_at)
        .limit(limit)
        .execution_options(**UNSCOPED)
    )
    return list(rows)


def _location(event: Event) -> str:
    v = event.venue
    if v is None:
        return ""
    parts = [v.name, v.address_line1, v.address_line2, v.city, v.province, v.postal_code]
    return ", ".join(p for p in parts if p)


def calendar_file(event: Event, *, url: str, organiser: str, host: str, stamp: datetime) -> bytes:
    """One VEVENT (RFC 5545): UTC times, a stable UID (the same event updates, not duplicates, in a
    calendar that imports it twice), and the library's escaping and line folding."""
    cal = Calendar()
    cal.add("prodid", "-//VoelgoedEvents//Tickets//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", f"event-{event.id}@{host}")
    item.add("dtstamp", stamp.astimezone(UTC))
    item.add("dtstart", event.starts_at.astimezone(UTC))
    item.add("dtend", event.ends_at.astimezone(UTC))
    item.add("summary", event.name)
    description = " ".join((event.description or "").split())
    item.add("description", f"{description}\n\n{organiser}\n{url}".strip())
    item.add("url", url)
    location = _location(event)
    if location:
        item.add("location", location)
    item.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    cal.add_component(item)
    return bytes(cal.to_ical())


def not_found_page() -> Response[str]:
    return render(
        "message.html",
        status=404,
        heading=_("Page not found"),
        paragraphs=[_("We could not find that page. The link may be mistyped, or the event is no longer listed.")],
        link=("/", _("See upcoming events")),
        robots="noindex",
    )


class BrandingPagesController(Controller):
    include_in_schema = False

    @get("/o/{slug:str}", opt=access(Access.PUBLIC))
    async def organiser_page(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
    ) -> Response[str]:
        language.apply(request)
        org = await organisation_by_slug(db_session, slug)
        if org is None:
            return not_found_page()
        brand = branding_of(org)
        events = await upcoming_events_of(db_session, org.id)
        cards = [(e, event_image_read(e, absolute=False)) for e in events]
        return render(
            "organiser.html",
            brand=brand,
            cards=cards,
            card_sizes=CARD_SIZES,
            srcset=srcset,
            description=brand.description or _("Upcoming events by %(name)s.", name=brand.display_name),
            canonical=f"{settings.server.public_url}/o/{org.slug}",
            # Public pages change when events are published: shared caches may keep them a minute, one
            # copy per language (the page is in the language of the header or the `lang` cookie).
            headers={"Cache-Control": "public, max-age=60", "Vary": "Accept-Language, Cookie"},
        )

    @get("/events/{slug:str}/calendar.ics", opt=access(Access.PUBLIC))
    async def calendar(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
    ) -> Response[Any]:
        language.apply(request)
        event = await event_by_slug(db_session, slug)
        if event is None:
            return not_found_page()
        brand = await branding_of_event(db_session, event)
        url = f"{settings.server.public_url}/events/{event.slug}"
        body = calendar_file(
            event,
            url=url,
            organiser=brand.display_name,
            host=urlsplit(settings.server.public_url).hostname or "voelgoed.local",
            stamp=event.updated_at or now(),
        )
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{event.slug}.ics"',
                "Cache-Control": "public, max-age=300",
                "X-Content-Type-Options": "nosniff",
            },
        )
