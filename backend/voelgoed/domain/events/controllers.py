"""Events and their lifecycle. Thin: rules live in EventService and EventLifecycle."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.events.machines import EventStatus, allowed_transitions
from voelgoed.domain.events.models import Event
from voelgoed.domain.events.schemas import EventCreate, EventPage, EventRead, EventUpdate
from voelgoed.domain.events.services import EventService, EventSort
from voelgoed.lib.pagination import PageParams
from voelgoed.lib.patching import sent_fields


def to_read(e: Event) -> EventRead:
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
    )


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
        params = PageParams(page=page, page_size=page_size, sort=sort)
        items, total = await events.list(params, q=q, status=status, venue_id=venue_id)
        return EventPage(items=[to_read(e) for e in items], total=total, page=page, page_size=page_size)

    @post("", operation_id="createEvent", opt=access(Permission.EVENTS_WRITE))
    async def create_event(self, organization_id: uuid.UUID, data: EventCreate, events: EventService) -> EventRead:
        return to_read(await events.create(organization_id, msgspec.structs.asdict(data)))

    @get("/{event_id:uuid}", operation_id="getEvent", opt=access(Permission.EVENTS_READ))
    async def get_event(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        return to_read(await events.get(event_id))

    @patch("/{event_id:uuid}", operation_id="updateEvent", opt=access(Permission.EVENTS_WRITE))
    async def update_event(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, data: EventUpdate, events: EventService
    ) -> EventRead:
        return to_read(await events.update(event_id, sent_fields(data)))

    @delete(
        "/{event_id:uuid}",
        operation_id="deleteEvent",
        opt=access(Permission.EVENTS_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_event(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> None:
        await events.delete(event_id)

    @post(
        "/{event_id:uuid}/publish",
        operation_id="publishEvent",
        opt=access(Permission.EVENTS_PUBLISH),
        status_code=200,
    )
    async def publish(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        return to_read(await events.transition(event_id, "publish"))

    @post(
        "/{event_id:uuid}/close",
        operation_id="closeEvent",
        opt=access(Permission.EVENTS_PUBLISH),
        status_code=200,
    )
    async def close(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        return to_read(await events.transition(event_id, "close"))

    @post(
        "/{event_id:uuid}/cancel",
        operation_id="cancelEvent",
        opt=access(Permission.EVENTS_PUBLISH),
        status_code=200,
    )
    async def cancel(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        return to_read(await events.transition(event_id, "cancel"))
