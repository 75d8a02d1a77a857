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

    mode: Annotated[
        Annotated[str, documented_as(MODES)],
        msgspec.Meta(
            description=(
                "`refund_all`: every paid order is refunded in full; "
                "`cancel_without_refund`: orders are cancelled, no money moves."
            )
        ),
    ]
    reason_text: Annotated[
        str,
        msgspec.Meta(
            max_length=500,
            description="Why, for the audit log and the buyers' e-mail.",
            examples=["Swaar reën: die terrein is onbegaanbaar."],
        ),
    ]
    message: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=2000,
                description="An extra note in the buyers' e-mail.",
                examples=["Ons hoop om julle in Maart te sien."],
            ),
        ]
        | None
    ) = None


class EventCancellationPreview(msgspec.Struct):
    """What cancelling would touch, for the confirmation dialog."""

    event_id: uuid.UUID
    event_name: str
    paid_orders: Annotated[int, msgspec.Meta(description="Paid orders the cancellation would cancel.")]
    paid_cents: Annotated[int, msgspec.Meta(description="What those orders paid.")]  # what those orders paid
    refundable_cents: Annotated[
        int, msgspec.Meta(description="What `refund_all` would give back: paid, less refunds made or under way.")
    ]  # what refund_all would give back: paid, less refunds made or under way
    unpaid_holds: Annotated[
        int, msgspec.Meta(description="Reservations not paid yet (simply cancelled).")
    ]  # reservations not paid yet (simply cancelled)
    can_cancel: Annotated[
        bool, msgspec.Meta(description="The event's status allows cancelling (draft or published).")
    ]  # the event's lifecycle allows cancelling (draft or published)


class FailedOrder(msgspec.Struct):
    """An order a cancellation could not cancel."""

    order_id: uuid.UUID
    reference: str
    error: Annotated[str, msgspec.Meta(description="Why.")]


class EventCancellationRead(msgspec.Struct):
    """An event's cancellation job and its outcome."""

    id: uuid.UUID
    event_id: uuid.UUID
    mode: Annotated[CancellationMode, msgspec.Meta(description="`refund_all` or `cancel_without_refund`.")]
    reason_text: Annotated[
        str, msgspec.Meta(description="Why it was cancelled.", examples=["Swaar reën: die terrein is onbegaanbaar."])
    ]  # free text (a `reason` field would be a closed set in this API)
    message: Annotated[str, msgspec.Meta(description="The extra note in the buyers' e-mail.")] | None
    status: Annotated[
        CancellationStatus, msgspec.Meta(description="`running`, `finished` or `failed`.")
    ]  # running | finished | failed
    orders_total: Annotated[int, msgspec.Meta(description="Paid orders to cancel.")]
    orders_done: Annotated[int, msgspec.Meta(description="Paid orders handled so far.")]
    progress: Annotated[float, msgspec.Meta(description="orders_done / orders_total, from 0 to 1.")]  # 0..1
    refunds_requested: Annotated[int, msgspec.Meta(description="Refunds started.")]
    refund_cents: Annotated[int, msgspec.Meta(description="Their total.")]
    emails_queued: Annotated[int, msgspec.Meta(description="Buyer e-mails queued.")]
    emails_sent: Annotated[int, msgspec.Meta(description="Buyer e-mails sent.")]
    failures: Annotated[int, msgspec.Meta(description="Orders that could not be cancelled.")]
    holds_released: Annotated[int, msgspec.Meta(description="Unpaid reservations released.")]
    started_by: Annotated[uuid.UUID, msgspec.Meta(description="The member who cancelled.")] | None
    started_at: datetime
    finished_at: datetime | None
    error: Annotated[str, msgspec.Meta(description="Why the job failed; null unless `failed`.")] | None
    failed_orders: Annotated[
        list[FailedOrder], msgspec.Meta(description="The first 50 orders that could not be cancelled.")
    ]  # the first 50 orders that could not be cancelled (summary)


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
