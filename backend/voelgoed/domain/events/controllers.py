"""Events and their lifecycle. Thin: rules live in EventService and EventLifecycle."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.events.machines import EventStatus
from voelgoed.domain.events.schemas import EventCreate, EventPage, EventRead, EventUpdate, event_read
from voelgoed.domain.events.services import EventService, EventSort
from voelgoed.lib.pagination import PageParams
from voelgoed.lib.patching import sent_fields


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
        return EventPage(items=[event_read(e) for e in items], total=total, page=page, page_size=page_size)

    @post("", operation_id="createEvent", opt=access(Permission.EVENTS_WRITE))
    async def create_event(self, organization_id: uuid.UUID, data: EventCreate, events: EventService) -> EventRead:
        return event_read(await events.create(organization_id, msgspec.structs.asdict(data)))

    @get("/{event_id:uuid}", operation_id="getEvent", opt=access(Permission.EVENTS_READ))
    async def get_event(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        return event_read(await events.get(event_id))

    @patch("/{event_id:uuid}", operation_id="updateEvent", opt=access(Permission.EVENTS_WRITE))
    async def update_event(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, data: EventUpdate, events: EventService
    ) -> EventRead:
        return event_read(await events.update(event_id, sent_fields(data)))

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
        return event_read(await events.transition(event_id, "publish"))

    @post(
        "/{event_id:uuid}/close",
        operation_id="closeEvent",
        opt=access(Permission.EVENTS_PUBLISH),
        status_code=200,
    )
    async def close(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        return event_read(await events.transition(event_id, "close"))

    @post(
        "/{event_id:uuid}/cancel",
        operation_id="cancelEvent",
        opt=access(Permission.EVENTS_PUBLISH),
        status_code=200,
    )
    async def cancel(self, organization_id: uuid.UUID, event_id: uuid.UUID, events: EventService) -> EventRead:
        return event_read(await events.transition(event_id, "cancel"))
