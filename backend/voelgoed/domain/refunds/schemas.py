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

    kind: Kind
    reason: Reason
    amount_cents: RefundCents | None = None
    ticket_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)
    method: Method | None = None


class OrderCancel(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    refund: bool = True  # also refund everything not refunded yet


class RefundRead(msgspec.Struct):
    id: uuid.UUID
    order_id: uuid.UUID
    event_id: uuid.UUID
    transaction_id: uuid.UUID
    provider: Annotated[str, documented_as(PROVIDER_NAMES)]
    method: RefundMethod
    kind: RefundKind
    allocated: bool  # False: the refund of a late payment that was never a sale
    amount_cents: int
    vat_cents: int
    reason: str
    status: RefundStatus
    provider_refund_id: str | None
    failure_reason: str | None
    last_error: str | None  # the last failure that will be retried (provider unreachable)
    attempts: int
    next_attempt_at: datetime | None
    ticket_ids: list[uuid.UUID]
    requested_by: uuid.UUID | None
    created_at: datetime
    completed_at: datetime | None
    can_confirm: bool  # a manual refund waiting for the organiser to confirm the payout


class OrderRefundsRead(msgspec.Struct):
    order_id: uuid.UUID
    order_status: OrderStatus
    total_cents: int
    refunded_cents: int
    refund_pending_cents: int
    left_to_refund_cents: int
    refunds: list[RefundRead]


class RefundPage(msgspec.Struct):
    items: list[RefundRead]
    total: int
    page: int
    page_size: int


class OrderCancelRead(msgspec.Struct):
    order_id: uuid.UUID
    order_status: OrderStatus
    cancelled: bool  # False: it was cancelled before; nothing changed
    refund: RefundRead | None


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
