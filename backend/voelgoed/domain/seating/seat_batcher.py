"""The seat holds' group-commit batcher: orders/holds.py's HoldBatcher (one queue per event, its
own connection pool, a failed batch retried request by request), with allocation.py's transaction
instead of the GA one, and two drainers per event instead of one (a pipeline):

A batch's transaction first reads the event and its seating, then waits for the event's inventory
lock, and only then takes its requests from the queue (allocation.py calls `take`). So while one
batch holds the lock, the next has already begun and read what it needs, and it takes every
request that queued meanwhile the moment the lock is its own. The lock still lets one batch at a
time choose and write seats (and use this process's kept free seats and walks): the pipeline only
overlaps what comes before the lock (and answering the last batch's buyers) with the batch under
it. A batch that finds the queue empty commits nothing.

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
from voelgoed.domain.seating import free_seats
from voelgoed.domain.seating.allocation import allocate_seats
from voelgoed.domain.seating.holds import SeatHoldRequest, SeatHoldResult, held_seats_of_order
from voelgoed.lib.problems import Conflict


class SeatHoldBatcher(HoldBatcher):
    """Seat holds of one event share one transaction (allocation.py), two batches in flight."""

    PIPELINE = 2

    async def submit(self, request: Any) -> Any:
        """A SeatHoldRequest's SeatHoldResult (or its refusal raised: 404, 409, 422, SeatsTaken).
        Only the types differ from HoldBatcher's."""
        return await super().submit(request)

    async def _next_batch(self, event_id: uuid.UUID) -> None:
        """One batch whose requests are taken from the queue once its transaction holds the
        event's lock (allocation.py calls `take`)."""
        taken: list[Any] = []

        def take() -> list[Any]:
            queue = self._queues.get(event_id) or []
            batch = queue[: self.max_batch]
            del queue[: self.max_batch]
            taken.extend(batch)
            return [p.request for p in batch]

        try:
            outcomes = await self._transact(event_id, take)
        except Exception as exc:
            if not taken:  # it failed before taking a batch: the queued requests get the failure
                take()
            if taken:
                await self._failed(event_id, taken, exc)
            return
        if taken:
            await self._answer(event_id, taken, outcomes)

    async def _transact(self, event_id: uuid.UUID, requests: Any) -> list[Any]:
        """One batch's transaction: `requests` as a list (HoldBatcher's retries one by one) or
        the function that takes them once the lock is held (`_next_batch`)."""
        held: list[Any] = []
        async with self._connections().connect() as conn, conn.begin():
            outcomes = await allocate_seats(conn, event_id, requests, replays=self._replays, held=held)
        free_seats.committed(event_id, held)  # committed: the 409s answered next see them
        return outcomes

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
