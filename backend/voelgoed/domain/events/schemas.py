from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import msgspec

from voelgoed.domain.events.machines import EventStatus, allowed_transitions
from voelgoed.lib.closed_sets import closed_set
from voelgoed.lib.images import event_image_widths, scaled_height
from voelgoed.lib.media_store import media_url

if TYPE_CHECKING:
    from voelgoed.domain.events.models import Event

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern="^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Description = Annotated[str, msgspec.Meta(max_length=20_000)]
Capacity = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class EventCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`starts_at`/`ends_at` without an offset are read in the event's time zone."""

    name: Annotated[Name, msgspec.Meta(description="What buyers see.", examples=["Stellenbosch Wynfees 2026"])]
    starts_at: datetime
    ends_at: datetime
    slug: Annotated[Slug, msgspec.Meta(description="The URL name; default: made from the name.")] | None = None
    description: (
        Annotated[
            Description,
            msgspec.Meta(
                description="Shown on the public page.", examples=["Proe wyne van twintig kelders onder die eike."]
            ),
        ]
        | None
    ) = None
    venue_id: Annotated[uuid.UUID, msgspec.Meta(description="The venue (needed to publish).")] | None = None
    timezone: (
        Annotated[TimeZone, msgspec.Meta(description="Default: the venue's, else Africa/Johannesburg.")] | None
    ) = None
    capacity: (
        Annotated[
            Capacity,
            msgspec.Meta(
                description=(
                    "Most tickets over all types; null: only the types' quantities "
                    "limit sales (at most the venue's capacity)."
                )
            ),
        ]
        | None
    ) = None


class EventUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Changes to an event: only the fields sent change."""

    name: (
        Annotated[Name, msgspec.Meta(description="What buyers see.", examples=["Stellenbosch Wynfees 2026"])]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    slug: Annotated[Slug, msgspec.Meta(description="The URL name.")] | msgspec.UnsetType = msgspec.UNSET
    description: (
        Annotated[
            Description,
            msgspec.Meta(
                description="Shown on the public page.", examples=["Proe wyne van twintig kelders onder die eike."]
            ),
        ]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    venue_id: (
        Annotated[uuid.UUID, msgspec.Meta(description="The venue (a published event keeps one).")]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET
    starts_at: datetime | msgspec.UnsetType = msgspec.UNSET
    ends_at: datetime | msgspec.UnsetType = msgspec.UNSET
    timezone: Annotated[TimeZone, msgspec.Meta(description="The event's IANA time zone.")] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    capacity: (
        Annotated[Capacity, msgspec.Meta(description="Most tickets over all types; null: no event-wide limit.")]
        | msgspec.UnsetType
        | None
    ) = msgspec.UNSET


if TYPE_CHECKING:
    SeriesRepeat = str
else:
    SeriesRepeat = closed_set("SeriesRepeat", ("daily", "weekly"), "How often a series of event dates repeats.")

MAX_SERIES_DATES = 52  # a year of weekly dates; more is a mistake or a script gone wrong


class EventCopyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A draft copy of an event at a new date (workflows/event_copies.py). Times without an offset
    are read in the event's time zone; without `ends_at` the copy lasts as long as the source.
    Ticket types (sales windows moved by as much as the start), check-in rules and, with
    `include_coupons`, coupons are copied; orders, tickets and scans never are."""

    starts_at: Annotated[datetime, msgspec.Meta(description="The copy's start.")]
    ends_at: Annotated[datetime, msgspec.Meta(description="The copy's end; default: as long as the source.")] | None = (
        None
    )
    name: (
        Annotated[
            Name,
            msgspec.Meta(description="The copy's name; default: the source's.", examples=["Stellenbosch Wynfees 2027"]),
        ]
        | None
    ) = None
    include_coupons: Annotated[bool, msgspec.Meta(description="Copy the coupons too.")] = False


class EventSeriesCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Draft copies of an event, one per date, made together (all or none) and linked by one
    series id. Give either `starts` (start times, without an offset read in the event's zone) or
    `repeat` with `count` (dates after the event's own: every day or week at the same local time)."""

    starts: (
        Annotated[
            list[datetime],
            msgspec.Meta(max_length=1000, description="The copies' start times; or use `repeat` and `count`."),
        ]
        | None
    ) = None
    repeat: (
        Annotated[SeriesRepeat, msgspec.Meta(description="Repeat `daily` or `weekly` after the event's own date.")]
        | None
    ) = None
    count: Annotated[int, msgspec.Meta(ge=1, le=1000, description="How many copies `repeat` makes.")] | None = None
    include_coupons: Annotated[bool, msgspec.Meta(description="Copy the coupons too.")] = False


class ImageSize(msgspec.Struct):
    """One stored width of an image."""

    width: int
    height: int
    url: Annotated[
        str, msgspec.Meta(description="Absolute URL, cacheable for a year (a new upload is a new URL).")
    ]  # absolute, cacheable for a year (a new upload is a new URL)


class EventImageRead(msgspec.Struct):
    """The event image's stored widths (WebP), smallest first; `width`/`height` are the largest's."""

    width: int
    height: int
    sizes: Annotated[list[ImageSize], msgspec.Meta(description="The stored widths, smallest first.")]


class EventRead(msgspec.Struct):
    """An event."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="What buyers see.", examples=["Stellenbosch Wynfees 2026"])]
    slug: str
    description: str | None
    venue_id: uuid.UUID | None
    venue_name: str | None
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    ends_at_local: datetime
    timezone: str
    capacity: int | None
    status: Annotated[EventStatus, msgspec.Meta(description="Where the event is in its lifecycle.")]
    allowed_transitions: list[str]
    published_at: (
        Annotated[datetime, msgspec.Meta(description="When it was first published (UTC); null: never.")] | None
    )
    created_at: datetime
    updated_at: datetime
    image: Annotated[EventImageRead, msgspec.Meta(description="The event's image; null: none.")] | None = (
        None  # uploadEventImage / deleteEventImage
    )


class EventSeriesRead(msgspec.Struct):
    """Copies made together, linked by one series id."""

    series_id: Annotated[uuid.UUID, msgspec.Meta(description="The series' id (the source event belongs to it too).")]
    events: Annotated[
        list[EventRead], msgspec.Meta(description="The new copies, earliest first.")
    ]  # the new copies, earliest first


class EventPublicLinks(msgspec.Struct):
    """Where buyers find the event: its page on the checkout site and the ticket widget to paste
    on the organiser's own site (docs/widget.md). They work while the event is published."""

    published: Annotated[bool, msgspec.Meta(description="The links work only while the event is published.")]
    page_url: Annotated[str, msgspec.Meta(description="The event's page on the checkout site.")]
    widget_script_url: Annotated[str, msgspec.Meta(description="The ticket widget's script.")]
    widget_snippet: Annotated[
        str,
        msgspec.Meta(
            description="HTML to paste on another site to embed the widget.",
            examples=[
                '<div data-voelgoed-event="stellenbosch-wynfees-2026"></div>\n'
                '<script src="https://kaartjies.voelgoed.example/widget.js" async></script>'
            ],
        ),
    ]


class EventPage(msgspec.Struct):
    """A page of events."""

    items: list[EventRead]
    total: int
    page: int
    page_size: int


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def event_read(e: Event) -> EventRead:
    tz = ZoneInfo(e.timezone)
    return EventRead(
        id=e.id,
        name=e.name,
        slug=e.slug,
        description=e.description,
        venue_id=e.venue_id,
        venue_name=e.venue.name if e.venue else None,
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        starts_at_local=e.starts_at.astimezone(tz),
        ends_at_local=e.ends_at.astimezone(tz),
        timezone=e.timezone,
        capacity=e.capacity,
        status=e.status,
        allowed_transitions=list(allowed_transitions(e.status)),
        published_at=e.published_at,
        created_at=e.created_at,
        updated_at=e.updated_at,
        image=event_image_read(e),
    )


def event_image_read(e: Event, *, absolute: bool = True) -> EventImageRead | None:
    """The image's sizes with their URLs; `absolute=False` gives site-relative URLs where the app
    serves media itself (the checkout site's pages: shorter, and no other origin)."""
    if e.image_key is None or e.image_width is None or e.image_height is None:
        return None
    sizes = [
        ImageSize(
            width=w,
            height=scaled_height(e.image_width, e.image_height, w),
            url=media_url(f"{e.image_key}/{w}.webp", absolute=absolute),
        )
        for w in event_image_widths(e.image_width)
    ]
    return EventImageRead(width=e.image_width, height=e.image_height, sizes=sizes)
