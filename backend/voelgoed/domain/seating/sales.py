"""What happens to an order's seats when the order is paid, cancelled or refunded.

Called by the workflows that change the order (workflows/checkout.py, workflows/refunds.py),
inside their transaction, after the event's inventory lock (lock order: catalog/inventory.py).
Each is one conditional UPDATE applying a transition of machines.py to the order's own seats;
the row counts say whether the seats were still the order's.

Expiry needs no call here: a seat whose hold lapsed is free for the next hold at once
(holds.py `TAKEABLE`), and the availability map shows it free (availability.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog.inventory import utcnow
from voelgoed.domain.seating.machines import sources
from voelgoed.domain.seating.models import EVENT_SEAT as ES

_SELL = (
    update(ES)
    .where(
        ES.c.id.in_(bindparam("ids", expanding=True)),
        ES.c.order_id == bindparam("b_owner"),
        ES.c.status.in_(sources("sell")),
    )
    .values(status="sold", held_until=None, updated_at=bindparam("now"))
    .returning(ES.c.id)
)
_RELEASE = (
    update(ES)
    .where(ES.c.order_id == bindparam("b_owner"), ES.c.status.in_(sources("release")))
    .values(status="available", order_id=None, held_until=None, updated_at=bindparam("now"))
)
_RELEASE_SOLD = (
    update(ES)
    .where(
        ES.c.id.in_(bindparam("ids", expanding=True)),
        ES.c.order_id == bindparam("b_owner"),
        ES.c.status.in_(sources("release_sold")),
    )
    .values(status="available", order_id=None, held_until=None, updated_at=bindparam("now"))
)


def seats_of_lines(lines: Sequence[object]) -> list[uuid.UUID]:
    """The seats an order's lines carry (none for a GA order: no query is made for it)."""
    return [seat for line in lines if (seat := getattr(line, "event_seat_id", None)) is not None]


async def sell_seats(conn: AsyncConnection, order_id: uuid.UUID, seat_ids: Sequence[uuid.UUID]) -> bool:
    """Mark the order's seats sold. False when any of them is no longer the order's (its hold
    lapsed and another order took it): the caller rolls back what this moved (a savepoint) and
    treats the payment like one that came too late for its stock (money owed back)."""
    if not seat_ids:
        return True
    done = await conn.execute(_SELL, {"ids": list(seat_ids), "b_owner": order_id, "now": utcnow()})
    return len(done.all()) == len(set(seat_ids))


async def release_seats(conn: AsyncConnection, order_id: uuid.UUID) -> None:
    """The order stopped holding (the buyer cancelled): its held seats are available again."""
    await conn.execute(_RELEASE, {"b_owner": order_id, "now": utcnow()})


async def release_sold_seats(conn: AsyncConnection, order_id: uuid.UUID, seat_ids: Sequence[uuid.UUID]) -> None:
    """Tickets of these seats were voided (refunded, or the paid order cancelled): on sale again."""
    if seat_ids:
        await conn.execute(_RELEASE_SOLD, {"ids": list(seat_ids), "b_owner": order_id, "now": utcnow()})
