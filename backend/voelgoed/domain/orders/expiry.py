"""Expired holds: releasing them gives their stock (and coupon uses) back.

Expired holds stop counting at once: availability (availability.py) subtracts them when computed,
and a reservation that finds too little stock releases the event's expired holds inline (under the
event lock) and tries again (holds.py); so does lowering a ticket type's quantity (the catalog's
TicketTypeService is handed `release_expired`). The SAQ cron job `release_expired_holds`
(jobs.py) only tidies up in the background. Here, not in the catalog: an expiry is an order's
status change (OrderLifecycle), the counters it moves are the catalog's (inventory.py).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from voelgoed.domain.catalog.inventory import (
    CPN,
    InventoryRow,
    lock_inventory,
    move_event_counters,
    move_type_counters,
    utcnow,
)
from voelgoed.domain.orders.availability import invalidate_availability
from voelgoed.domain.orders.machines import HOLDING_STATUSES, OrderLifecycle
from voelgoed.domain.orders.models import LINE, ORD
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.recording import record_orders_on_connection

log = logging.getLogger(__name__)


@dataclass
class Released:
    """What releasing expired holds gave back (to adjust in-memory counts under the same lock)."""

    order_ids: list[uuid.UUID] = field(default_factory=list)
    per_type: Counter[uuid.UUID] = field(default_factory=Counter)
    per_coupon: Counter[uuid.UUID] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.per_type.values())


async def release_expired(
    conn: AsyncConnection, inv: InventoryRow, now: datetime | None = None, *, limit: int = 5000
) -> Released:
    """Expire the event's holds whose time has passed and give their stock (and coupon uses)
    back. The caller holds the inventory lock. Orders locked by someone else are skipped."""
    now = now or utcnow()
    return await _release_holds(conn, inv, now, "expire", ORD.c.hold_expires_at <= now, limit)


async def cancel_event_holds(conn: AsyncConnection, inv: InventoryRow, *, limit: int = 5000) -> Released:
    """Cancel every unpaid hold of a cancelled event, expired or not, and give its stock back
    (workflows/event_cancellation_jobs.py). The caller holds the inventory lock; orders locked by
    someone else (a payment landing now) are skipped: call again until nothing is released. A
    payment that lands on a cancelled hold is flagged `needs_refund` by complete_checkout."""
    return await _release_holds(conn, inv, utcnow(), "cancel", None, limit)


async def cancel_holds(conn: AsyncConnection, inv: InventoryRow, order_ids: list[uuid.UUID]) -> Released:
    """Cancel these unpaid holds of the event and give their stock back (a waiting-list offer the
    organiser withdrew: workflows/waiting_list_offers.py). The caller holds the inventory lock;
    an order no longer holding (paid, expired) or locked by a payment landing now is left alone."""
    if not order_ids:
        return Released()
    return await _release_holds(conn, inv, utcnow(), "cancel", ORD.c.id.in_(order_ids), len(order_ids))


async def _release_holds(
    conn: AsyncConnection, inv: InventoryRow, now: datetime, transition: str, condition: Any, limit: int
) -> Released:
    stmt = select(ORD.c.id, ORD.c.status, ORD.c.coupon_id, ORD.c.organization_id).where(
        ORD.c.event_id == inv.event_id, ORD.c.status.in_(HOLDING_STATUSES)
    )
    if condition is not None:
        stmt = stmt.where(condition)
    rows = (await conn.execute(stmt.limit(limit).with_for_update(skip_locked=True))).all()
    out = Released()
    if not rows:
        return out
    by_status: dict[str, list[uuid.UUID]] = defaultdict(list)
    for r in rows:
        order = SimpleNamespace(status=r.status)
        OrderLifecycle(order).send(transition)  # the machine decides; an illegal move raises
        by_status[order.status].append(r.id)
        out.order_ids.append(r.id)
        if r.coupon_id is not None:
            out.per_coupon[r.coupon_id] += 1
    for status, ids in by_status.items():
        await conn.execute(update(ORD).where(ORD.c.id.in_(ids)).values(status=status, updated_at=now))
    lines = await conn.execute(
        select(LINE.c.ticket_type_id, func.sum(LINE.c.quantity))
        .where(LINE.c.order_id.in_(out.order_ids))
        .group_by(LINE.c.ticket_type_id)
    )
    for tt_id, qty in lines.all():
        out.per_type[tt_id] += int(qty)
    await move_type_counters(conn, {t: (-q, 0) for t, q in out.per_type.items()}, check=False)
    await move_event_counters(conn, inv, -out.total, 0)
    for coupon_id, n in sorted(out.per_coupon.items()):
        await conn.execute(update(CPN).where(CPN.c.id == coupon_id).values(used=func.greatest(CPN.c.used - n, 0)))
    # One webhook event per order, in this transaction; one subscriber check for the whole batch.
    await record_orders_on_connection(
        conn,
        organization_id=rows[0].organization_id,  # an event's orders are its organisation's
        event_type=WebhookEventType.ORDER_EXPIRED if transition == "expire" else WebhookEventType.ORDER_CANCELLED,
        order_ids=out.order_ids,
    )
    log.info("released %d holds of event %s (%s)", len(out.order_ids), inv.event_id, transition)
    return out


async def release_all_expired(engine: AsyncEngine, redis: Redis | None = None) -> int:
    """Background tidy-up over every event with expired holds (the cron job's body)."""
    async with engine.connect() as conn:
        event_ids = (
            (
                await conn.execute(
                    select(ORD.c.event_id)
                    .where(ORD.c.status.in_(HOLDING_STATUSES), ORD.c.hold_expires_at <= utcnow())
                    .distinct()
                )
            )
            .scalars()
            .all()
        )
    released = 0
    for event_id in event_ids:
        async with engine.connect() as conn, conn.begin():
            inv = await lock_inventory(conn, event_id)
            if inv is not None:
                released += len((await release_expired(conn, inv)).order_ids)
        await invalidate_availability(redis, event_id)
    return released
