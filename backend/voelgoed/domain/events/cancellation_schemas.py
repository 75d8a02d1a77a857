"""Request and response bodies of an event's cancellation (controllers.py, EventCancellationController)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.events.cancellation_machines import MODES, CancellationMode, CancellationStatus
from voelgoed.lib.closed_sets import documented_as

if TYPE_CHECKING:
    from voelgoed.domain.events.models import EventCancellation


class EventCancellationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`mode`: what happens to paid orders (refund_all | cancel_without_refund); unpaid
    reservations are always cancelled and their tickets released. `reason_text` is kept for the
    organisation (audit log, refunds); `message` is quoted in every buyer's e-mail."""

    mode: Annotated[str, documented_as(MODES)]
    reason_text: Annotated[str, msgspec.Meta(max_length=500)]
    message: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class EventCancellationPreview(msgspec.Struct):
    """What cancelling would touch, for the confirmation dialog."""

    event_id: uuid.UUID
    event_name: str
    paid_orders: int
    paid_cents: int  # what those orders paid
    refundable_cents: int  # what refund_all would give back: paid, less refunds made or under way
    unpaid_holds: int  # reservations not paid yet (simply cancelled)
    can_cancel: bool  # the event's lifecycle allows cancelling (draft or published)


class FailedOrder(msgspec.Struct):
    order_id: uuid.UUID
    reference: str
    error: str


class EventCancellationRead(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    mode: CancellationMode
    reason_text: str  # free text (a `reason` field would be a closed set in this API)
    message: str | None
    status: CancellationStatus  # running | finished | failed
    orders_total: int
    orders_done: int
    progress: float  # 0..1
    refunds_requested: int
    refund_cents: int
    emails_queued: int
    emails_sent: int
    failures: int
    holds_released: int
    started_by: uuid.UUID | None
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    failed_orders: list[FailedOrder]  # the first 50 orders that could not be cancelled (summary)


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def cancellation_read(
    c: EventCancellation, *, emails_sent: int, failed_orders: list[FailedOrder]
) -> EventCancellationRead:
    if c.status == "finished" or c.orders_total == 0:
        progress = 1.0 if c.status == "finished" else 0.0
    else:
        progress = round(min(1.0, c.orders_done / c.orders_total), 4)
    return EventCancellationRead(
        id=c.id,
        event_id=c.event_id,
        mode=c.mode,
        reason_text=c.reason,
        message=c.message,
        status=c.status,
        orders_total=c.orders_total,
        orders_done=c.orders_done,
        progress=progress,
        refunds_requested=c.refunds_requested,
        refund_cents=c.refund_cents,
        emails_queued=c.emails_queued,
        emails_sent=emails_sent,
        failures=c.failures,
        holds_released=c.holds_released,
        started_by=c.started_by,
        started_at=c.started_at,
        finished_at=c.finished_at,
        error=c.error,
        failed_orders=failed_orders,
    )
