"""Events and their lifecycle. Thin: rules live in EventService and EventLifecycle."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.events import images
from voelgoed.domain.events.cancellation_schemas import (
    EventCancellationCreate,
    EventCancellationPreview,
    EventCancellationRead,
)
from voelgoed.domain.events.machines import EventStatus
from voelgoed.domain.events.public_links import WIDGET_PATH, page_url, widget_snippet
from voelgoed.domain.events.schemas import (
    EventCopyCreate,
    EventCreate,
    EventPage,
    EventPublicLinks,
    EventRead,
    EventSeriesCreate,
    EventSeriesRead,
    EventUpdate,
    event_read,
)
from voelgoed.domain.events.services import EventService, EventSort
from voelgoed.lib.media_store import MediaStore
from voelgoed.lib.pagination import PageParams
from voelgoed.lib.patching import sent_fields
from voelgoed.settings import Settings
from voelgoed.workflows import event_cancellation, event_copies
from voelgoed.workflows.event_cancellation_jobs import enqueue_cancellation

IDEMPOTENCY_HEADER = "Idempotency-Key"


async def provide_event_service(db_session: AsyncSession, auth: AuthContext) -> EventService:
    return EventService(db_session, AuditService(db_session, auth))


class EventController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events"
    tags = ["events"]
    dependencies = {"events": Provide(provide_event_service)}

    @get("", operation_id="listEvents", opt=access(Permission.EVENTS_READ))
    async def list_events(
        self,
        organization_id: uuid.UUID,
        events: EventService,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=25, ge=1, le=200),
        q: str | None = Parameter(default=None, max_length=200),
        status: EventStatus | None = None,
        venue_id: uuid.UUID | None = None,
        sort: EventSort | None = None,
    ) -> EventPage:
        """List events

        The organisation's events, a page at a time; `q` searches the name and slug, filter by `status` or
        `venue_id`, order by `sort`."""
        params = PageParams(page=page, page_size=page_size, sort=sort)
        items, total = await events.list(params, q=q, status=status, venue_id=venue_id)
        return EventPage(items=[event_read(e) for e in items], total=total, page=page, page_size=page_size)

    @post("", operation_id="createEvent", opt=access(Permission.EVENTS_WRITE))
    async def create_event(self, organization_id: uuid.UUID, data: EventCreate, events: EventService) -> EventRead:
        """Create an event

        A new event in `draft`, not yet on sale. Times without an offset are read in the event's time zone (the
        venue's when not given); it must end after it starts, and its capacity cannot exceed the venue's. The slug
        is made from the name unless given. Audit-logged."""
        return event_read(await events.create(organization_id, msgspec.structs.asdict(data)))

    @get("/{event_id:uuid}", operation_id="getEvent", opt=access(Permission.EVENTS_READ))
    async def get_event(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        """Get an event

        One event with its status, the statuses it may move to, its local times and its image."""
        return event_read(await events.get(event_id))

    @get("/{event_id:uuid}/public-links", operation_id="getEventPublicLinks", opt=access(Permission.EVENTS_READ))
    async def public_links(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService, settings: Settings
    ) -> EventPublicLinks:
        """Get an event's public links

        The event's public page (where buyers check out) and the snippet that embeds its ticket
        widget on another site. The links work while the event is published."""
        event = await events.get(event_id)
        public_url = settings.server.public_url
        return EventPublicLinks(
            published=event.status == "published",
            page_url=page_url(public_url, event.slug),
            widget_script_url=f"{public_url}{WIDGET_PATH}",
            widget_snippet=widget_snippet(public_url, event.slug),
        )

    @patch("/{event_id:uuid}", operation_id="updateEvent", opt=access(Permission.EVENTS_WRITE))
    async def update_event(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, data: EventUpdate, events: EventService
    ) -> EventRead:
        """Update an event

        Change an event; only the fields sent change. A cancelled or closed event can no longer be edited (409), and
        a published event keeps a venue. Audit-logged."""
        return event_read(await events.update(event_id, sent_fields(data)))

    @delete(
        "/{event_id:uuid}",
        operation_id="deleteEvent",
        opt=access(Permission.EVENTS_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_event(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        events: EventService,
        db_session: AsyncSession,
        media: MediaStore,
    ) -> None:
        """Delete a draft event

        Delete an event that was never published; its image files go too. Any other status is a 409 (cancel a
        published event instead). Answers 204. Audit-logged."""
        event = await events.get(event_id)
        image = (event.image_key, event.image_width)
        await events.delete(event_id)
        if image[0] is not None:  # the image's files go once the row is gone (and no copy uses them)
            await db_session.commit()
            await images.remove_files(media, await images.unused_files(db_session, *image))

    @post(
        "/{event_id:uuid}/publish",
        operation_id="publishEvent",
        opt=access(Permission.EVENTS_PUBLISH),
        status_code=200,
    )
    async def publish(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        """Publish an event

        Put a draft event on sale: its public page and checkout open. It needs a venue and a start in the future
        (409 says what is missing); only a draft can be published. Audit-logged."""
        return event_read(await events.transition(event_id, "publish"))

    @post(
        "/{event_id:uuid}/close",
        operation_id="closeEvent",
        opt=access(Permission.EVENTS_PUBLISH),
        status_code=200,
    )
    async def close(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        """Close an event

        Move a published event to `closed`, a final status: it is no longer on sale and its reports stay. Only a
        published event can be closed (409 otherwise). Audit-logged."""
        return event_read(await events.transition(event_id, "close"))

    @post(
        "/{event_id:uuid}/cancel",
        operation_id="cancelEvent",
        opt=access(Permission.EVENTS_PUBLISH),
        status_code=200,
    )
    async def cancel(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        """Cancel an event without paid orders

        Cancel an event that has no paid orders. With paid orders: 409, use
        POST .../cancellation (createEventCancellation), which asks what happens to them."""
        return event_read(await events.transition(event_id, "cancel"))

    @post("/{event_id:uuid}/copies", operation_id="copyEvent", opt=access(Permission.EVENTS_WRITE))
    async def copy_event(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: EventCopyCreate,
        events: EventService,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, min_length=1, max_length=100),
    ) -> EventRead:
        """Copy an event to a new date

        Duplicate the event to a new date as a draft: venue, description, capacity, ticket types
        (sales windows moved by as much as the start), check-in rules and, with `include_coupons`,
        coupons. The same `Idempotency-Key` again answers the copy made before."""
        source = await events.get(event_id)
        return event_read(await event_copies.copy_once(events.db, events.audit, source, data, idempotency_key))

    @post("/{event_id:uuid}/series", operation_id="createEventSeries", opt=access(Permission.EVENTS_WRITE))
    async def create_series(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: EventSeriesCreate,
        events: EventService,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, min_length=1, max_length=100),
    ) -> EventSeriesRead:
        """Repeat an event on more dates

        Make one draft copy of the event per date (at most 52), all or none, linked with the
        event by one series id. The same `Idempotency-Key` again answers the copies made before."""
        source = await events.get(event_id)
        series_id, made = await event_copies.create_series(events.db, events.audit, source, data, idempotency_key)
        return EventSeriesRead(series_id=series_id, events=[event_read(e) for e in made])


class EventCancellationController(Controller):
    """Cancelling an event with sold tickets: the organiser chooses whether paid orders are
    refunded; a job cancels them with progress here (workflows/event_cancellation.py)."""

    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/cancellation"
    tags = ["events"]

    @get("/preview", operation_id="previewEventCancellation", opt=access(Permission.REFUNDS_WRITE))
    async def preview(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession
    ) -> EventCancellationPreview:
        """Preview an event's cancellation

        How many paid orders (and how much money) and unpaid reservations cancelling would touch."""
        return await event_cancellation.preview(db_session, event_id)

    @post("", operation_id="createEventCancellation", opt=access(Permission.REFUNDS_WRITE), status_code=202)
    async def create(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: EventCancellationCreate,
        db_session: AsyncSession,
        auth: AuthContext,
        queue: Queue,
    ) -> EventCancellationRead:
        """Cancel an event with its orders

        Cancel the event now (the checkout stops selling at once) and start the job that cancels
        its paid orders, refunding them in full with mode `refund_all`, releases unpaid
        reservations and e-mails each order's buyer once. Idempotent: the same request again returns
        the existing cancellation; another mode is a 409."""
        cancellation, _ = await event_cancellation.start_cancellation(
            db_session, AuditService(db_session, auth), event_id, data, auth.user_id
        )
        view = await event_cancellation.view_of(db_session, cancellation)
        await db_session.commit()  # the job must find the row
        if cancellation.status == "running":  # the job's key makes a repeated enqueue a no-op
            await enqueue_cancellation(queue, cancellation.id)
        return view

    @get("", operation_id="getEventCancellation", opt=access(Permission.REFUNDS_WRITE))
    async def get_cancellation(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession
    ) -> EventCancellationRead:
        """Get an event's cancellation

        Progress of the event's cancellation (poll it) and, once finished, the summary: orders
        cancelled, refunds requested and their total, e-mails sent, orders that failed. 404 when the
        event has none."""
        return await event_cancellation.cancellation_view(db_session, event_id)
