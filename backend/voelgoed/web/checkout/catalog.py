"""What the event page shows: published events by slug and their ticket types with availability.

Availability comes from the inventory module's `availability(...)` (Redis-cached, dropped after
every change); if that fails it is computed here from PostgreSQL, counting only unexpired holds,
so an expired hold stops counting at once. The server decides at reserve time
in any case: this is only what the buyer sees.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voelgoed.domain.accounts.services import now
from voelgoed.domain.catalog.models import EventInventory, TicketType
from voelgoed.domain.catalog.services import PublicTypes, public_types
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import Order, OrderLine

log = logging.getLogger(__name__)
PUBLIC = {"skip_tenant_scope": True}  # the public site reads across organisations


@dataclass
class TypeView:
    id: uuid.UUID
    name: str
    description: str | None
    price_cents: int
    available: int
    state: str  # on_sale | sold_out | not_yet | ended
    min_per_order: int
    max_per_order: int
    sales_start_at: datetime | None
    selected: int = 0
    choices: list[int] = field(default_factory=list)
    unlocked: bool = False  # a hidden type this visitor's access code opened


async def upcoming_events(db: AsyncSession, limit: int = 50) -> list[Event]:
    rows = await db.scalars(
        select(Event)
        .where(Event.status == "published", Event.ends_at > now())
        .order_by(Event.starts_at)
        .limit(limit)
        .execution_options(**PUBLIC)
    )
    return list(rows)


async def event_by_slug(db: AsyncSession, slug: str) -> Event | None:
    """Published, closed and cancelled events have a public page; drafts do not exist publicly."""
    return await db.scalar(
        select(Event)
        .where(Event.slug == slug, Event.status.in_(("published", "closed", "cancelled")))
        .execution_options(**PUBLIC)
    )


async def _db_availability(db: AsyncSession, event_id: uuid.UUID, types: list[TicketType]) -> dict[uuid.UUID, int]:
    """Per type: quantity - sold - live holds, capped by what is left of the event's capacity."""
    at = now()
    held_rows = await db.execute(
        select(OrderLine.ticket_type_id, func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, and_(Order.id == OrderLine.order_id))
        .where(
            Order.event_id == event_id,
            Order.status.in_(HOLDING_STATUSES),
            Order.hold_expires_at > at,
        )
        .group_by(OrderLine.ticket_type_id)
        .execution_options(**PUBLIC)
    )
    held = {tid: int(n) for tid, n in held_rows.all()}
    inventory = await db.scalar(
        select(EventInventory).where(EventInventory.event_id == event_id).execution_options(**PUBLIC)
    )
    event_left: int | None = None
    if inventory is not None and inventory.capacity is not None:
        event_left = inventory.capacity - inventory.sold - sum(held.values())
    out = {}
    for t in types:
        left = t.quantity - t.sold - held.get(t.id, 0)
        if event_left is not None:
            left = min(left, event_left)
        out[t.id] = max(left, 0)
    return out


async def availability_for(
    db: AsyncSession, redis: Redis | None, event: Event, types: list[TicketType], ttl: int
) -> dict[uuid.UUID, int]:
    """The inventory module's cached availability; computed here if that fails for any reason."""
    try:
        from voelgoed.domain.catalog import inventory

        engine = db.bind
        if isinstance(engine, AsyncEngine):
            result = await inventory.availability(engine, redis, event.id, ttl=ttl)
            return {t.id: max(result.of(t.id), 0) for t in types}
    except Exception:  # an accelerator failing must not take the event page down
        log.warning("inventory availability failed for event %s; computing from the database", event.id, exc_info=True)
    return await _db_availability(db, event.id, types)


async def ticket_types(
    db: AsyncSession, redis: Redis | None, event: Event, ttl: int = 5, shown: PublicTypes | None = None
) -> list[TypeView]:
    """`shown`: the types this visitor may see (listed ones plus any their access code opens)."""
    if shown is None:
        shown = await public_types(db, event.id, None)
    types = shown.types
    if not types:
        return []
    left = await availability_for(db, redis, event, types, ttl)
    at = now()
    views = []
    for t in types:
        available = left.get(t.id, 0)
        if t.sales_start_at and t.sales_start_at > at:
            state = "not_yet"
        elif (t.sales_end_at and t.sales_end_at <= at) or event.status != "published":
            state = "ended"
        elif available < t.min_per_order:
            state = "sold_out"
        else:
            state = "on_sale"
        top = min(t.max_per_order, available)
        choices = [0, *range(t.min_per_order, top + 1)] if state == "on_sale" else []
        views.append(
            TypeView(
                id=t.id,
                name=t.name,
                description=t.description,
                price_cents=t.price_cents,
                available=available,
                state=state,
                min_per_order=t.min_per_order,
                max_per_order=t.max_per_order,
                sales_start_at=t.sales_start_at,
                choices=choices,
                unlocked=t.id in shown.unlocked,
            )
        )
    return views
