"""The seat holds' group-commit batcher: orders/holds.py's HoldBatcher (one queue and one
drainer per event, its own connection pool, a failed batch retried request by request), with
allocation.py's transaction instead of the GA one.

An Idempotency-Key seen again is answered with the order it made (its token is not shown again);
a key used before at another event is refused (409). After each batch the event's cached
availability and seat map are dropped once for the whole batch.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.orders.availability import invalidate_availability
from voelgoed.domain.orders.holds import HoldBatcher, HoldResult
from voelgoed.domain.orders.models import ORD
from voelgoed.domain.orders.pricing import Amounts, PricedLine
from voelgoed.domain.seating.allocation import allocate_seats
from voelgoed.domain.seating.holds import SeatHoldRequest, SeatHoldResult, held_seats_of_order
from voelgoed.lib.problems import Conflict


class SeatHoldBatcher(HoldBatcher):
    """Seat holds of one event share one transaction (allocation.py)."""

    async def submit(self, request: Any) -> Any:
        """A SeatHoldRequest's SeatHoldResult (or its refusal raised: 404, 409, 422, SeatsTaken)."""
        return await super().submit(request)

    async def _transact(self, event_id: uuid.UUID, requests: list[Any]) -> list[Any]:
        async with self._connections().connect() as conn, conn.begin():
            return await allocate_seats(conn, event_id, requests, replays=self._replays)

    async def _replays(self, conn: AsyncConnection, requests: list[Any]) -> dict[str, Any]:
        keys = {r.idempotency_key: r.event_id for r in requests if r.idempotency_key}
        if not keys:
            return {}
        orders = (await conn.execute(select(ORD).where(ORD.c.idempotency_key.in_(list(keys))))).all()
        return {o.idempotency_key: await _replayed(conn, o, keys[o.idempotency_key]) for o in orders}

    async def _after_commit(self, event_id: uuid.UUID, outcomes: list[Any], batch: list[Any]) -> None:
        if any(isinstance(o, SeatHoldResult) for o in outcomes):
            await invalidate_availability(self.redis, event_id)


async def replay(conn: AsyncConnection, event_id: uuid.UUID, key: str) -> SeatHoldResult | None:
    """The order an earlier request with this Idempotency-Key made (its token is not shown again)."""
    order = (await conn.execute(select(ORD).where(ORD.c.idempotency_key == key))).first()
    return None if order is None else await _replayed(conn, order, event_id)


async def _replayed(conn: AsyncConnection, order: Any, event_id: uuid.UUID) -> SeatHoldResult:
    if order.event_id != event_id:
        raise Conflict("This Idempotency-Key was already used for a different reservation.")
    seats = await held_seats_of_order(conn, order.id)
    per_type: dict[uuid.UUID, PricedLine] = {}
    for s in seats:
        line = per_type.setdefault(s.ticket_type_id, PricedLine(s.ticket_type_id, 0, s.price_cents))
        line.quantity += 1
    hold = HoldResult(
        order_id=order.id,
        organization_id=order.organization_id,
        event_id=order.event_id,
        reference=order.reference,
        access_token=None,
        status=order.status,
        hold_expires_at=order.hold_expires_at,
        lines=list(per_type.values()),
        amounts=Amounts(
            order.subtotal_cents, order.discount_cents, order.total_cents, order.vat_cents, order.vat_rate_bp
        ),
        replayed=True,
    )
    return SeatHoldResult(hold=hold, seats=seats)


__all__ = ["SeatHoldBatcher", "SeatHoldRequest", "replay"]
