"""Refunds and order cancellation for organisers. Thin: rules in services.py, the cross-area work
in workflows/refunds.py, the provider call in jobs.py (after the commit)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import Parameter
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import ApiKeyScope, Permission, access
from voelgoed.domain.catalog.services import get_event
from voelgoed.domain.notifications.jobs import enqueue_mail
from voelgoed.domain.notifications.kinds import EmailKind
from voelgoed.domain.notifications.messages import OrderCancelledMail, order_cancelled
from voelgoed.domain.notifications.services import mail_look, order_facts
from voelgoed.domain.orders import availability
from voelgoed.domain.orders.services import get_order
from voelgoed.domain.refunds import outcomes, services
from voelgoed.domain.refunds.jobs import enqueue_refund, enqueue_refund_mail
from voelgoed.domain.refunds.models import Refund
from voelgoed.domain.refunds.schemas import (
    OrderCancel,
    OrderCancelRead,
    OrderRefundsRead,
    RefundCreate,
    RefundPage,
    RefundRead,
    refund_read,
)
from voelgoed.lib.problems import Conflict
from voelgoed.settings import Settings
from voelgoed.workflows import refunds as workflow

IDEMPOTENCY_HEADER = "Idempotency-Key"


async def order_refunds_read(db: AsyncSession, order_id: uuid.UUID) -> OrderRefundsRead:
    order = await get_order(db, order_id)
    return OrderRefundsRead(
        order_id=order.id,
        order_status=order.status,
        total_cents=order.total_cents,
        refunded_cents=order.refunded_cents,
        refund_pending_cents=order.refund_pending_cents,
        left_to_refund_cents=services.left_to_refund(order),
        refunds=[refund_read(r) for r in await services.refunds_of_order(db, order.id)],
    )


class RefundController(Controller):
    path = "/api/organizations/{organization_id:uuid}"
    tags = ["refunds"]

    @post("/orders/{order_id:uuid}/refunds", operation_id="createRefund", opt=access(Permission.REFUNDS_WRITE))
    async def create(
        self,
        organization_id: uuid.UUID,
        order_id: uuid.UUID,
        data: RefundCreate,
        db_session: AsyncSession,
        auth: AuthContext,
        queue: Queue,
        redis: Redis,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, min_length=1, max_length=100),
    ) -> RefundRead:
        """Refund an order

        Refund a whole order, chosen tickets, or an amount, with a reason. The refunded tickets are
        voided at once and their stock goes back on sale; the provider is asked afterwards (the
        refund reads `succeeded` only when the provider, or for a manual refund the organiser,
        says so). The same `Idempotency-Key` answers the refund recorded before (a different body
        with it is a 422). More than is left to refund, or an unpaid order: 422 / 409."""
        requested = await workflow.request_refund(
            db_session,
            order_id=order_id,
            request=services.RefundRequest(
                kind=data.kind,
                reason=data.reason,
                amount_cents=data.amount_cents,
                ticket_ids=tuple(data.ticket_ids),
                method=data.method,
                idempotency_key=idempotency_key,
            ),
            requested_by=auth.user_id,
        )
        read = refund_read(requested.refund)
        await db_session.commit()
        await requested.after_commit(queue=queue, redis=redis)
        return read

    @get(
        "/orders/{order_id:uuid}/refunds",
        operation_id="listOrderRefunds",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.ORDERS_READ),
    )
    async def of_order(
        self, organization_id: uuid.UUID, order_id: uuid.UUID, db_session: AsyncSession
    ) -> OrderRefundsRead:
        """List an order's refunds

        The order's refunds, what was refunded, what is being refunded and what is left."""
        return await order_refunds_read(db_session, order_id)

    @get(
        "/events/{event_id:uuid}/refunds",
        operation_id="listEventRefunds",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.ORDERS_READ),
    )
    async def of_event(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        db_session: AsyncSession,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=50, ge=1, le=200),
    ) -> RefundPage:
        """List an event's refunds

        Every refund of an event, newest first."""
        event = await get_event(db_session, event_id)
        items, total = await services.refunds_of_event(db_session, event.id, page_size, (page - 1) * page_size)
        return RefundPage(items=[refund_read(r) for r in items], total=total, page=page, page_size=page_size)

    @get(
        "/refunds/{refund_id:uuid}",
        operation_id="getRefund",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.ORDERS_READ),
    )
    async def one(self, organization_id: uuid.UUID, refund_id: uuid.UUID, db_session: AsyncSession) -> RefundRead:
        """Get a refund

        One refund, with its status, attempts and the tickets it revoked."""
        return refund_read(await services.get_refund(db_session, refund_id))

    @post(
        "/refunds/{refund_id:uuid}/confirm",
        operation_id="confirmManualRefund",
        opt=access(Permission.REFUNDS_WRITE),
        status_code=200,
    )
    async def confirm(
        self,
        organization_id: uuid.UUID,
        refund_id: uuid.UUID,
        db_session: AsyncSession,
        auth: AuthContext,
        queue: Queue,
    ) -> RefundRead:
        """Confirm a manual refund was paid

        The organiser paid a manual refund out: it succeeds (booked, credited, buyer e-mailed).
        Only a pending manual refund can be confirmed (409 otherwise)."""
        refund = await self._manual(db_session, refund_id)
        await outcomes.succeed(db_session, refund, confirmed_by=auth.user_id)
        read = refund_read(refund)
        await db_session.commit()
        if refund.notify_buyer:
            await enqueue_refund_mail(queue, refund.id)
        return read

    @post(
        "/refunds/{refund_id:uuid}/cancel",
        operation_id="cancelManualRefund",
        opt=access(Permission.REFUNDS_WRITE),
        status_code=200,
    )
    async def cancel(
        self, organization_id: uuid.UUID, refund_id: uuid.UUID, db_session: AsyncSession, auth: AuthContext
    ) -> RefundRead:
        """Cancel a manual refund

        A manual refund that will not be paid out: it fails, and its amount can be refunded again
        (tickets it voided stay void)."""
        refund = await self._manual(db_session, refund_id)
        await outcomes.fail(db_session, refund, "Cancelled by the organiser.", actor=auth.user_id)
        read = refund_read(refund)
        await db_session.commit()
        return read

    async def _manual(self, db: AsyncSession, refund_id: uuid.UUID) -> Refund:
        found = await services.get_refund(db, refund_id)  # 404 outside the organisation
        refund = await services.lock_refund(db, found.id)
        assert refund is not None
        if refund.method != "manual" or refund.status != "pending":
            raise Conflict(f"Only a pending manual refund can be confirmed or cancelled; this one is {refund.status}.")
        return refund

    @post(
        "/orders/{order_id:uuid}/cancel",
        operation_id="cancelOrder",
        opt=access(Permission.REFUNDS_WRITE),
        status_code=200,
    )
    async def cancel_order(
        self,
        organization_id: uuid.UUID,
        order_id: uuid.UUID,
        data: OrderCancel,
        db_session: AsyncSession,
        auth: AuthContext,
        queue: Queue,
        redis: Redis,
        settings: Settings,
    ) -> OrderCancelRead:
        """Cancel a paid order

        Cancel a paid order, with or without a refund of everything not refunded yet: its tickets
        are voided, its stock goes back on sale. Cancelling it again changes nothing."""
        order = await get_order(db_session, order_id)  # 404 outside the organisation
        outcome = await workflow.cancel_paid_order(
            db_session, order_id=order.id, refund=data.refund, reason=data.reason, requested_by=auth.user_id
        )
        refund = await services.get_refund(db_session, outcome.refund_id) if outcome.refund_id else None
        read = OrderCancelRead(
            order_id=order.id,
            order_status=order.status,
            cancelled=outcome.cancelled,
            refund=refund_read(refund) if refund else None,
        )
        await db_session.commit()
        if outcome.cancelled:
            await availability.invalidate_availability(redis, order.event_id)
            if refund is None and order.buyer_email:  # with a refund, the refund's e-mail tells the buyer
                event = await get_event(db_session, order.event_id)
                message = order_cancelled(
                    OrderCancelledMail(
                        **order_facts(order, event, settings.server.public_url),
                        reason=" ".join(data.reason.split()),
                    ),
                    await mail_look(db_session, order.organization_id, EmailKind.ORDER_CANCELLED, order.locale),
                    order.locale,
                )
                await enqueue_mail(queue, message, key=f"order-cancelled:{order.id}")
        if refund is not None and refund.method == "provider":
            await enqueue_refund(queue, refund.id)
        return read
