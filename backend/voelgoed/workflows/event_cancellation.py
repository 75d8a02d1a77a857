"""Cancelling an event that has sold tickets (events, orders, refunds, notifications).

The request (`start_cancellation`) moves the event to `cancelled` through EventLifecycle and
records the organiser's choice in one transaction: from that commit on, the checkout site refuses
the event (holds.py sells only published events). The work on the orders runs afterwards in the
SAQ job of event_cancellation_jobs.py, which the controller enqueues after the commit; the
progress and the summary are read here (`cancellation_view`). docs/event-cancellation.md.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.events import queries
from voelgoed.domain.events.cancellation_machines import MODES, CancellationLifecycle
from voelgoed.domain.events.cancellation_schemas import (
    EventCancellationCreate,
    EventCancellationPreview,
    EventCancellationRead,
    FailedOrder,
    cancellation_read,
)
from voelgoed.domain.events.machines import EventLifecycle, allowed_transitions
from voelgoed.domain.events.models import Event, EventCancellation
from voelgoed.domain.events.services import required_text
from voelgoed.domain.events.webhooks import record_event_webhook
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable


async def _event(db: AsyncSession, event_id: uuid.UUID, *, lock: bool = False) -> Event:
    stmt = select(Event).where(Event.id == event_id)
    event = await db.scalar(stmt.with_for_update(of=Event) if lock else stmt)
    if event is None:  # unknown, or another organisation's (the session is scoped): same answer
        raise NotFound("No such event.")
    return event


async def preview(db: AsyncSession, event_id: uuid.UUID) -> EventCancellationPreview:
    """How many paid orders and how much money a cancellation would touch."""
    event = await _event(db, event_id)
    figures = (await db.execute(queries.ORDER_FIGURES, {"e": event.id})).one()
    return EventCancellationPreview(
        event_id=event.id,
        event_name=event.name,
        paid_orders=int(figures.paid_orders),
        paid_cents=int(figures.paid_cents),
        refundable_cents=int(figures.refundable_cents),
        unpaid_holds=int(figures.unpaid_holds),
        can_cancel="cancel" in allowed_transitions(event.status),
    )


async def start_cancellation(
    db: AsyncSession, audit: AuditService, event_id: uuid.UUID, data: EventCancellationCreate, user_id: uuid.UUID | None
) -> tuple[EventCancellation, bool]:
    """Cancel the event and record what happens to its orders (no commit). Returns the
    cancellation and whether it is new: a repeated request with the same mode gets the existing
    one (idempotent; a failed one is resumed); another mode is a 409. The event row is locked first, so two concurrent
    requests run one after the other."""
    if data.mode not in MODES:
        raise Unprocessable.field("mode", f"Choose one of: {', '.join(MODES)}.")
    reason = required_text(data.reason_text, "reason_text")
    message = (data.message or "").strip() or None
    event = await _event(db, event_id, lock=True)
    existing = await db.scalar(select(EventCancellation).where(EventCancellation.event_id == event.id))
    if existing is not None:
        if existing.mode != data.mode:
            raise Conflict(
                f"This event is already being cancelled with mode {existing.mode}; the mode cannot be changed."
            )
        if existing.status == "failed":  # the organiser asks again: resume where the job stopped
            CancellationLifecycle(existing).send("resume")
            existing.runs, existing.error, existing.finished_at = 0, None, None
            existing.heartbeat_at = datetime.now(UTC)
        return existing, False
    before = event.status
    EventLifecycle(event).send("cancel")  # a closed or cancelled event: 409
    await record_event_webhook(db, event, WebhookEventType.EVENT_CANCELLED)
    figures = (await db.execute(queries.ORDER_FIGURES, {"e": event.id})).one()
    now = datetime.now(UTC)
    cancellation = EventCancellation(
        organization_id=event.organization_id,
        event_id=event.id,
        mode=data.mode,
        reason=reason,
        message=message,
        status="running",
        orders_total=int(figures.paid_orders),
        started_by=user_id,
        started_at=now,
        heartbeat_at=now,
    )
    db.add(cancellation)
    await db.flush()
    audit.record(
        action="event.cancel",
        entity_type="event",
        entity_id=event.id,
        changes={
            "status": [before, event.status],
            "cancellation_id": cancellation.id,
            "mode": data.mode,
            "reason": reason,
            "paid_orders": int(figures.paid_orders),
            "paid_cents": int(figures.paid_cents),
        },
    )
    return cancellation, True


async def cancellation_view(db: AsyncSession, event_id: uuid.UUID) -> EventCancellationRead:
    """The event's cancellation: progress while running, the summary when finished."""
    event = await _event(db, event_id)
    cancellation = await db.scalar(select(EventCancellation).where(EventCancellation.event_id == event.id))
    if cancellation is None:
        raise NotFound("This event has no cancellation.")
    return await view_of(db, cancellation)


async def view_of(db: AsyncSession, cancellation: EventCancellation) -> EventCancellationRead:
    sent = int(await db.scalar(queries.EMAILS_SENT, {"c": cancellation.id}) or 0)
    failed = [
        FailedOrder(order_id=r.order_id, reference=r.reference, error=r.error)
        for r in (await db.execute(queries.FAILED_ORDERS, {"c": cancellation.id})).all()
    ]
    return cancellation_read(cancellation, emails_sent=sent, failed_orders=failed)
