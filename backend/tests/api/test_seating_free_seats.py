"""free_seats.py against PostgreSQL: what a process keeps of an event's free seats, brought up to
date from the changed seats only, is exactly what holds.py's TAKEABLE says a hold may take, after
holds, a cancellation, a lapse and blocking, and also when transactions commit in another
order than they wrote (a writer that began first and commits last is not missed)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.sales_helpers import expire_hold, organiser_with_event
from tests.api.seating_helpers import SeatedEvent, hold, seated_event
from tests.conftest import Api
from voelgoed.domain.catalog.inventory import utcnow
from voelgoed.domain.seating import free_seats as free_seats_module
from voelgoed.domain.seating import nearest
from voelgoed.domain.seating.free_seats import FreeSeats
from voelgoed.domain.seating.holds import free_seats
from voelgoed.domain.seating.nearest import event_plan_version, plan_geometry


async def _takeable(engine: AsyncEngine, seated: SeatedEvent) -> set[int]:
    event_id = uuid.UUID(str(seated.event["id"]))
    async with engine.connect() as conn:
        geometry = await plan_geometry(conn, *await event_plan_version(conn, event_id))
        rows = await free_seats(conn, event_id, [c for c in geometry.rows if c is not None], utcnow())
    return {r.position for r in rows}


async def _kept(engine: AsyncEngine, kept: FreeSeats) -> set[int]:
    async with engine.connect() as conn:
        await kept.refresh(conn, utcnow())
    return set().union(*kept.free.values())


async def _block(engine: AsyncEngine, seated: SeatedEvent, position: int) -> None:
    async with engine.begin() as conn:
        await _block_in(conn, seated, position)


async def _block_in(conn: object, seated: SeatedEvent, position: int) -> None:
    await conn.execute(  # type: ignore[attr-defined]
        text(
            "UPDATE event_seat SET status = 'blocked', block_reason = 'camera'"
            " WHERE event_id = :e AND position = :p AND status = 'available'"
        ),
        {"e": uuid.UUID(str(seated.event["id"])), "p": position},
    )


async def test_kept_free_seats_follow_every_change_in_any_commit_order(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    seated = await seated_event(client)  # 18 seats, positions 0-17 (rows A-C)
    event_id = uuid.UUID(str(seated.event["id"]))
    async with engine.connect() as conn:
        kept = FreeSeats(event_id, await plan_geometry(conn, *await event_plan_version(conn, event_id)))
    assert await _kept(engine, kept) == await _takeable(engine, seated) == set(range(18))

    # A writer begins first and commits last; a later one commits in between.
    async with engine.connect() as first:
        await first.begin()
        await _block_in(first, seated, 0)
        assert await _kept(engine, kept) == await _takeable(engine, seated) == set(range(18))
        await _block(engine, seated, 1)
        assert await _kept(engine, kept) == await _takeable(engine, seated) == set(range(18)) - {1}
        await first.commit()
    assert await _kept(engine, kept) == await _takeable(engine, seated) == set(range(18)) - {0, 1}

    # Holds (chosen and best available), then one is cancelled and one lapses.
    a = (await hold(new_client(), seated.slug, [seated.seat("B", "1"), seated.seat("B", "2")])).json()
    b = await hold(new_client(), seated.slug, best=("A", 2))
    assert b.status_code == 201, b.text
    c_buyer = new_client()
    c = (await hold(c_buyer, seated.slug, [seated.seat("C", "6")])).json()["reservation"]
    assert await _kept(engine, kept) == await _takeable(engine, seated)
    cancelled = await c_buyer.post(
        f"/api/public/orders/{c['reference']}/cancel", headers={"X-Order-Token": c["access_token"]}
    )
    assert cancelled.status_code == 200, cancelled.text
    await expire_hold(engine, a["reservation"]["order_id"])  # its time has passed; no job has run
    now_free = await _takeable(engine, seated)
    assert {6, 7, 17} <= now_free  # B1, B2 (lapsed) and C6 (cancelled) are free again
    assert await _kept(engine, kept) == now_free
    assert len(now_free) == 18 - 2 - 2  # the two blocked and the two best-available seats


async def test_serving_the_seat_map_loads_the_seating_ahead_of_the_holds(client: Api, engine: AsyncEngine) -> None:
    """nearest.warm_soon (called by the seat map's endpoints and the picker page): the plan's
    geometry and the event's free seats are loaded in the background, once; an event without
    seating is only logged."""
    seated = await seated_event(client)
    event_id = uuid.UUID(str(seated.event["id"]))
    assert not free_seats_module.is_kept(event_id)
    nearest.warm_soon(engine, event_id)
    nearest.warm_soon(engine, event_id)  # already on its way: no second task
    assert len(nearest._WARM_TASKS) == 1
    await asyncio.gather(*nearest._WARM_TASKS)
    assert free_seats_module.is_kept(event_id)
    assert set().union(*free_seats_module._KEPT[event_id].free.values()) == await _takeable(engine, seated)
    plain = await organiser_with_event(client)  # no seating: nothing kept, nothing raised
    nearest.warm_soon(engine, uuid.UUID(str(plain["id"])))
    await asyncio.gather(*nearest._WARM_TASKS)
    assert not free_seats_module.is_kept(uuid.UUID(str(plain["id"])))
