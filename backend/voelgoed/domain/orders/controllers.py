"""Orders for organisers: list with search and filters, detail, resend tickets, sales summary.
Thin: queries live in services.py and availability.py."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.params import Parameter
from saq import Queue
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import ApiKeyScope, Permission, access
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.catalog.services import get_event
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders import services
from voelgoed.domain.orders.availability import compute_availability
from voelgoed.domain.orders.machines import OrderStatus
from voelgoed.domain.orders.models import Order, OrderLine
from voelgoed.domain.orders.schemas import (
    OrderPage,
    ResendRead,
    SalesSummaryRead,
    TypeSalesRead,
    order_summary_read,
)
from voelgoed.domain.refunds.order_detail import order_detail_read
from voelgoed.domain.tickets import services as ticket_services
from voelgoed.domain.tickets.jobs import enqueue_delivery
from voelgoed.domain.tickets.schemas import OrderDetailRead
from voelgoed.lib.pagination import PageParams, order_by, paginate
from voelgoed.lib.problems import Conflict


class OrderController(Controller):
    path = "/api/organizations/{organization_id:uuid}"
    tags = ["orders"]

    @get("/orders", operation_id="listOrders", opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.ORDERS_READ))
    async def list_orders(
        self,
        organization_id: uuid.UUID,
        db_session: AsyncSession,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=25, ge=1, le=200),
        q: str | None = Parameter(default=None, max_length=200),
        status: OrderStatus | None = None,
        event_id: uuid.UUID | None = None,
        sort: services.OrderSort | None = None,
    ) -> OrderPage:
        """List orders

        Search by reference, buyer e-mail or name, or a ticket code (any grouping); filter by status and event."""
        stmt = order_by(
            services.list_query(
                q=q,
                status=status,
                event_id=event_id,
                ticket_order_ids=ticket_services.order_ids_of_ticket_code(q) if q else None,
            ),
            sort,
            services.ORDER_SORTS,
            "-created_at",
        )
        items, total = await paginate(db_session, stmt, PageParams(page=page, page_size=page_size, sort=sort))
        return OrderPage(items=[order_summary_read(o) for o in items], total=total, page=page, page_size=page_size)

    @get(
        "/orders/{order_id:uuid}",
        operation_id="getOrder",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.ORDERS_READ),
    )
    async def get_order(
        self, organization_id: uuid.UUID, order_id: uuid.UUID, db_session: AsyncSession
    ) -> OrderDetailRead:
        """Get an order

        One order with its buyer, lines, answers, tickets, payments and refund totals."""
        return await order_detail_read(db_session, order_id)

    @post(
        "/orders/{order_id:uuid}/resend-tickets",
        operation_id="resendOrderTickets",
        opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.ORDERS_WRITE),
        status_code=202,
    )
    async def resend(
        self, organization_id: uuid.UUID, order_id: uuid.UUID, db_session: AsyncSession, queue: Queue
    ) -> ResendRead:
        """Resend an order's tickets

        Queue the ticket e-mail again (the PDF goes to the buyer's address on the order)."""
        o = await services.get_order(db_session, order_id)
        if o.status != "paid":
            raise Conflict(f"Only paid orders have tickets; this one is {o.status.replace('_', ' ')}.")
        await enqueue_delivery(queue, o.id, force=True)
        return ResendRead(order_id=o.id, queued=True, job="deliver_order_tickets")

    @get(
        "/events/{event_id:uuid}/sales",
        operation_id="getEventSales",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.ORDERS_READ),
    )
    async def sales(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession
    ) -> SalesSummaryRead:
        """Get an event's sales

        Sold / held / available per ticket type, and the paid orders' revenue and VAT."""
        event: Event = await get_event(db_session, event_id)
        avail = await compute_availability(await db_session.connection(), event.id)
        types = (
            await db_session.scalars(
                select(TicketType)
                .where(TicketType.event_id == event.id)
                .order_by(TicketType.sort_order, TicketType.name)
            )
        ).all()
        paid = (
            await db_session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(Order.total_cents), 0),
                    func.coalesce(func.sum(Order.vat_cents), 0),
                    func.coalesce(func.sum(Order.discount_cents), 0),
                ).where(Order.event_id == event.id, Order.status == "paid")
            )
        ).one()
        refunds = await db_session.scalar(
            select(func.count()).where(Order.event_id == event.id, Order.needs_refund.is_(True))
        )
        gross: dict[Any, Any] = dict(
            (
                await db_session.execute(
                    select(OrderLine.ticket_type_id, func.coalesce(func.sum(OrderLine.line_total_cents), 0))
                    .join(Order, Order.id == OrderLine.order_id)
                    .where(Order.event_id == event.id, Order.status == "paid")
                    .group_by(OrderLine.ticket_type_id)
                )
            )
            .tuples()
            .all()
        )
        rows = [
            TypeSalesRead(
                ticket_type_id=t.id,
                name=t.name,
                price_cents=t.price_cents,
                quantity=t.quantity,
                sold=t.sold,
                reserved=t.reserved,
                available=avail.of(t.id),
                gross_cents=int(gross.get(t.id, 0)),
            )
            for t in types
        ]
        return SalesSummaryRead(
            event_id=event.id,
            capacity=event.capacity,
            sold=sum(t.sold for t in types),
            reserved=sum(t.reserved for t in types),
            available=avail.event_available if avail.event_available is not None else sum(r.available for r in rows),
            paid_orders=int(paid[0]),
            gross_revenue_cents=int(paid[1]),
            vat_cents=int(paid[2]),
            discount_cents=int(paid[3]),
            refunds_needed=int(refunds or 0),
            types=rows,
        )
