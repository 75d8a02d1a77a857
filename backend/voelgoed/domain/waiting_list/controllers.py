"""The organiser's waiting list of an event: settings, entries, removing an entry. Thin: the
rules are services.py and workflows/waiting_list_offers.py (withdrawing an offer frees stock)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.params import Parameter
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.availability import invalidate_availability
from voelgoed.domain.waiting_list import services
from voelgoed.domain.waiting_list.jobs import enqueue_offer_run
from voelgoed.domain.waiting_list.machines import WaitingListStatus
from voelgoed.domain.waiting_list.schemas import (
    WaitingListEntryRead,
    WaitingListSettingsRead,
    WaitingListSettingsUpdate,
    entry_read,
    settings_read,
)
from voelgoed.lib.patching import sent_fields
from voelgoed.lib.problems import NotFound
from voelgoed.workflows.waiting_list_offers import remove_entry


async def _event(db: AsyncSession, event_id: uuid.UUID) -> Event:
    event = await db.scalar(select(Event).where(Event.id == event_id))
    if event is None:  # unknown, or another organisation's (the session is tenant-scoped)
        raise NotFound("No such event.")
    return event


class WaitingListController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/waiting-list"
    tags = ["waiting list"]

    @get("", operation_id="listWaitingList", opt=access(Permission.EVENTS_READ))
    async def list_entries(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        db_session: AsyncSession,
        status: WaitingListStatus | None = Parameter(default=None),
    ) -> list[WaitingListEntryRead]:
        """List the waiting list

        The event's waiting-list entries in joining order, with each waiting entry's place in
        its type's line and each offer (its hold's order, when it expires, whether it was used)."""
        await _event(db_session, event_id)
        rows = await services.entries(db_session, event_id, status)
        places = services.positions(rows if status in (None, "waiting") else [])
        return [entry_read(e, places.get(e.id)) for e in rows]

    @get("/settings", operation_id="getWaitingListSettings", opt=access(Permission.EVENTS_READ))
    async def get_settings(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession
    ) -> WaitingListSettingsRead:
        """Get waiting-list settings

        Whether sold-out types of the event take a waiting list, and how long an offer holds."""
        await _event(db_session, event_id)
        return settings_read(event_id, await services.settings_of(db_session, event_id))

    @put("/settings", operation_id="updateWaitingListSettings", opt=access(Permission.EVENTS_WRITE))
    async def update_settings(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: WaitingListSettingsUpdate,
        db_session: AsyncSession,
        queue: Queue,
        redis: Redis,
    ) -> WaitingListSettingsRead:
        """Update waiting-list settings

        Turn the waiting list on or off, or change how many hours (1-168) an offer holds the
        freed tickets. Offers already made keep their time."""
        event = await _event(db_session, event_id)
        row = await services.update_settings(db_session, organization_id, event.id, sent_fields(data))
        read = settings_read(event.id, row)
        await db_session.commit()
        await invalidate_availability(redis, event.id)  # what the list keeps back changed
        if row.enabled:
            await enqueue_offer_run(queue, event.id)  # stock may be free for those already waiting
        return read

    @post(
        "/{entry_id:uuid}/remove",
        operation_id="removeWaitingListEntry",
        opt=access(Permission.EVENTS_WRITE),
        status_code=200,
    )
    async def remove(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        entry_id: uuid.UUID,
        db_session: AsyncSession,
        queue: Queue,
        redis: Redis,
    ) -> WaitingListEntryRead:
        """Remove a waiting-list entry

        Take an entry off the list. An open offer is withdrawn: its held tickets go to the next
        in line. An entry already converted, expired or removed: 409."""
        entry, released = await remove_entry(db_session, event_id, entry_id)
        read = entry_read(entry)
        await db_session.commit()
        if released:
            await invalidate_availability(redis, event_id)
        await enqueue_offer_run(queue, event_id)
        return read
