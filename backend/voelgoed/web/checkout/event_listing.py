"""What the event page shows: published events by slug and their ticket types with availability.

Availability comes from orders/availability.py's `availability(...)` (Redis-cached, dropped after
every change, computed from PostgreSQL with expired holds counted as free when the cache is
missing or Redis is down). The server decides at reserve time in any case: this is only what the
buyer sees.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.accounts.services import now
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.catalog.services import PublicTypes, public_types
from voelgoed.domain.events.models import Event

# The public site reads across organisations: its statements run UNSCOPED.


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
        .execution_options(**UNSCOPED)
    )
    return list(rows)


async def event_by_slug(db: AsyncSession, slug: str) -> Event | None:
    """Published, closed and cancelled events have a public page; drafts do not exist publicly."""
    return await db.scalar(
        select(Event)
        .where(Event.slug == slug, Event.status.in_(("published", "closed", "cancelled")))
        .execution_options(**UNSCOPED)
    )


async def availability_for(
    db: AsyncSession, redis: Redis | None, event: Event, types: list[TicketType], ttl: int
) -> dict[uuid.UUID, int]:
    """Per type, what is left: orders/availability.py (Redis-cached, computed on the
    request's own connection when the cache is missing or Redis is down)."""
    from voelgoed.domain.orders import availability

    result = await availability.availability(await db.connection(), redis, event.id, ttl=ttl)
    return {t.id: max(result.of(t.id), 0) for t in types}


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
