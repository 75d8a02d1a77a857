"""Request and response bodies of refunds and order cancellation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from voelgoed.domain.orders.machines import OrderStatus
from voelgoed.domain.orders.schemas import OrderRefundBrief
from voelgoed.domain.payments.providers import PROVIDER_NAMES
from voelgoed.domain.refunds.machines import RefundStatus
from voelgoed.domain.refunds.models import Refund
from voelgoed.domain.refunds.services import REFUND_KINDS, REFUND_METHODS, RefundKind, RefundMethod
from voelgoed.lib.closed_sets import documented_as

Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
RefundCents = Annotated[int, msgspec.Meta(ge=1, le=100_000_000)]
Kind = Annotated[str, msgspec.Meta(min_length=1, max_length=20), documented_as(REFUND_KINDS)]
Method = Annotated[str, msgspec.Meta(min_length=1, max_length=20), documented_as(REFUND_METHODS)]


class RefundCreate(msgspec.Struct, forbid_unknown_fields=True):
    """whole_order: everything still not refunded; tickets: the chosen tickets at their line price
    after discount; amount: `amount_cents`. `method` (optional): manual for money the organiser
    pays back outside the provider; by default the provider's refund API where it has one."""

    kind: Annotated[
        Kind,
        msgspec.Meta(description="`whole_order`, `tickets` (give `ticket_ids`) or `amount` (give `amount_cents`)."),
    ]
    reason: Annotated[
        Reason, msgspec.Meta(description="Why, in the organiser's words.", examples=["Kliënt kan nie meer kom nie."])
    ]
    amount_cents: (
        Annotated[RefundCents, msgspec.Meta(description="For `amount`: how much, in cents.", examples=[10000])] | None
    ) = None
    ticket_ids: Annotated[
        list[uuid.UUID],
        msgspec.Meta(max_length=1000, description="For `tickets`: the tickets to refund (they are voided)."),
    ] = msgspec.field(default_factory=list)
    method: (
        Annotated[
            Method,
            msgspec.Meta(
                description=(
                    "`provider` (through its API) or `manual` (the organiser pays and "
                    "confirms); default: provider when it supports refunds."
                )
            ),
        ]
        | None
    ) = None


class OrderCancel(msgspec.Struct, forbid_unknown_fields=True):
    """Cancel a paid order."""

    reason: Annotated[
        Reason, msgspec.Meta(description="Why, in the organiser's words.", examples=["Kliënt kan nie meer kom nie."])
    ]
    refund: Annotated[bool, msgspec.Meta(description="Also refund everything not refunded yet.")] = (
        True  # also refund everything not refunded yet
    )


class RefundRead(msgspec.Struct):
    """A refund."""

    id: uuid.UUID
    order_id: uuid.UUID
    event_id: uuid.UUID
    transaction_id: uuid.UUID
    provider: Annotated[
        Annotated[str, documented_as(PROVIDER_NAMES)], msgspec.Meta(description="The provider of the refunded payment.")
    ]
    method: Annotated[RefundMethod, msgspec.Meta(description="`provider` or `manual`.")]
    kind: Annotated[RefundKind, msgspec.Meta(description="What it pays back.")]
    allocated: Annotated[
        bool, msgspec.Meta(description="false: the refund of a late payment that was never a sale.")
    ]  # False: the refund of a late payment that was never a sale
    amount_cents: int
    vat_cents: Annotated[int, msgspec.Meta(description="The VAT in the amount.")]
    reason: Annotated[
        str, msgspec.Meta(description="Why, in the organiser's words.", examples=["Kliënt kan nie meer kom nie."])
    ]
    status: Annotated[RefundStatus, msgspec.Meta(description="Where the refund is.")]
    provider_refund_id: Annotated[str, msgspec.Meta(description="The provider's refund id; null until known.")] | None
    failure_reason: str | None
    last_error: (
        Annotated[str, msgspec.Meta(description="The last failure that will be retried (provider unreachable).")] | None
    )  # the last failure that will be retried (provider unreachable)
    attempts: Annotated[int, msgspec.Meta(description="Attempts made.")]
    next_attempt_at: (
        Annotated[datetime, msgspec.Meta(description="When it is tried again (UTC); null: not scheduled.")] | None
    )
    ticket_ids: Annotated[list[uuid.UUID], msgspec.Meta(description="The tickets it voided.")]
    requested_by: (
        Annotated[uuid.UUID, msgspec.Meta(description="The member who asked; null: the system (event cancellation).")]
        | None
    )
    created_at: datetime
    completed_at: datetime | None
    can_confirm: Annotated[
        bool, msgspec.Meta(description="A manual refund waiting for the organiser to confirm the payout.")
    ]  # a manual refund waiting for the organiser to confirm the payout


class OrderRefundsRead(msgspec.Struct):
    """An order's refunds and what is left to refund."""

    order_id: uuid.UUID
    order_status: Annotated[OrderStatus, msgspec.Meta(description="The order's status.")]
    total_cents: int
    refunded_cents: Annotated[int, msgspec.Meta(description="Refunds that succeeded.")]
    refund_pending_cents: Annotated[int, msgspec.Meta(description="Refunds requested or pending.")]
    left_to_refund_cents: Annotated[int, msgspec.Meta(description="What can still be refunded.")]
    refunds: Annotated[list[RefundRead], msgspec.Meta(description="Its refunds.")]


class RefundPage(msgspec.Struct):
    """A page of refunds, newest first."""

    items: list[RefundRead]
    total: int
    page: int
    page_size: int


class OrderCancelRead(msgspec.Struct):
    """The outcome of cancelling an order."""

    order_id: uuid.UUID
    order_status: Annotated[OrderStatus, msgspec.Meta(description="The order's status now.")]
    cancelled: Annotated[
        bool, msgspec.Meta(description="false: it was cancelled before; nothing changed.")
    ]  # False: it was cancelled before; nothing changed
    refund: Annotated[RefundRead, msgspec.Meta(description="The refund made; null: none.")] | None


# --- mappers ---


def refund_read(r: Refund) -> RefundRead:
    return RefundRead(
        id=r.id,
        order_id=r.order_id,
        event_id=r.event_id,
        transaction_id=r.transaction_id,
        provider=r.provider,
        method=r.method,
        kind=r.kind,
        allocated=r.allocated,
        amount_cents=r.amount_cents,
        vat_cents=r.vat_cents,
        reason=r.reason,
        status=r.status,
        provider_refund_id=r.provider_refund_id,
        failure_reason=r.failure_reason,
        last_error=r.last_error,
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        ticket_ids=[t.ticket_id for t in r.tickets],
        requested_by=r.requested_by,
        created_at=r.created_at,
        completed_at=r.completed_at,
        can_confirm=r.method == "manual" and r.status == "pending",
    )


def refund_brief(r: Refund) -> OrderRefundBrief:
    return OrderRefundBrief(
        id=r.id,
        amount_cents=r.amount_cents,
        status=r.status,
        method=r.method,
        reason=r.reason,
        ticket_ids=[t.ticket_id for t in r.tickets],
        created_at=r.created_at,
        completed_at=r.completed_at,
    )
