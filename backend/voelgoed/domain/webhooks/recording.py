"""Recording many webhook events at once, and from code that cannot build their payloads itself.

`outbox_sql.record()` asks PostgreSQL once per event who subscribes. Where one change produces
many events (an order's tickets issued or voided, a batch of expired holds, an offline upload of
many admissions), `outbox_sql.subscribers()` (the question record() asks) asks once for the
whole batch, for several types at a time, and `record_each()` writes one event per resource to
exactly those endpoints; with no subscriber nothing is built and nothing is written.

Expiry (domain/orders/expiry.py) reports orders but sits below the areas an order's payload is made
of (tickets, refunds). It reaches the builder, payloads.order(), through `order_payload()`, which
imports domain/webhooks/payloads.py by name when somebody subscribes (any process, any import order).
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.outbox_sql import DataSource, PayloadData, Subscribers, record, subscribers


async def record_each(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_type: WebhookEventType,
    items: Sequence[DataSource],
    subs: Subscribers,
) -> int:
    """One event per item, to the endpoints `subscribers()` found for the type; how many written."""
    endpoint_ids = subs.get(event_type)
    if not endpoint_ids:
        return 0
    for data in items:
        await record(
            db, organization_id=organization_id, event_type=event_type, data=data, endpoint_ids=list(endpoint_ids)
        )
    return len(items)


# --- the order's payload, for areas below the ones it is made of -----------------------------


def order_payload(db: AsyncSession, order_id: uuid.UUID) -> Callable[[], Awaitable[PayloadData]]:
    """`data` for record(): the order as getOrder answers it, built only if somebody subscribes.
    (By name: the areas payloads.py draws on sit above this module's callers.)"""
    payloads = importlib.import_module("voelgoed.domain.webhooks.payloads")
    return payloads.order(db, order_id)


async def record_orders_on_connection(
    conn: AsyncConnection, *, organization_id: uuid.UUID, event_type: WebhookEventType, order_ids: Sequence[uuid.UUID]
) -> int:
    """Record one event per order from code that holds a Core connection (bulk expiry): one
    subscriber check for the batch; a session on the same connection (and transaction) only when
    somebody listens."""
    if not order_ids:
        return 0
    subs = await subscribers(conn, organization_id, [event_type])
    if not subs:
        return 0
    session = AsyncSession(bind=conn, expire_on_commit=False)
    try:
        return await record_each(
            session,
            organization_id=organization_id,
            event_type=event_type,
            items=[order_payload(session, oid) for oid in order_ids],
            subs=subs,
        )
    finally:
        await session.close()  # joined the caller's transaction: closing it neither commits nor rolls back
