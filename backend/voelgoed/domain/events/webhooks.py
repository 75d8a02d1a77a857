"""The events area's webhook events: event.published and event.cancelled, whose `data` is the event
as getEvent answers it (`event_read`), recorded in the transaction of the change. Here rather than
in domain/webhooks/payloads.py: events sit below the areas that module draws on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.events.models import Event
from voelgoed.domain.events.schemas import EventRead, event_read
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.outbox_sql import record

# EventLifecycle's transitions that integrators hear about (closing sales is not one of them).
WEBHOOK_EVENT_OF = {"publish": WebhookEventType.EVENT_PUBLISHED, "cancel": WebhookEventType.EVENT_CANCELLED}


async def record_event_webhook(db: AsyncSession, event: Event, event_type: WebhookEventType) -> None:
    async def data() -> EventRead:
        await db.flush()
        await db.refresh(event, ["updated_at"])  # as stored: getEvent reads it back from the row
        return event_read(event)

    await record(db, organization_id=event.organization_id, event_type=event_type, data=data)
