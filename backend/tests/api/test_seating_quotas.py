"""Seat holds whose ticket type draws on a shared quota (docs/inventory.md): the batch's writes
take the separate statements that move the quota too (seating/batch_writes.py is for the other
batches), and the pool's limit refuses a hold its type alone would allow."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem
from tests.api.sales_helpers import counters
from tests.api.seating_helpers import hold, seated_event
from tests.api.test_shared_quotas import quota_counters
from tests.conftest import Api


async def test_seat_holds_move_and_respect_a_shared_quota(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    seated = await seated_event(client, quantity=100)
    r = await client.post(
        client.org(f"/events/{seated.event['id']}/quotas"),
        json={"name": "Stalls pool", "capacity": 3, "ticket_type_ids": [seated.ticket_type["id"]]},
    )
    assert r.status_code == 201, r.text
    quota = r.json()

    first = await hold(new_client(), seated.slug, [seated.seat("A", "1"), seated.seat("A", "2")])
    assert first.status_code == 201, first.text
    assert await quota_counters(engine, quota["id"]) == (3, 2, 0)
    assert_problem(await hold(new_client(), seated.slug, best=("A", 2)), 409)  # the type has 98, the pool 1
    best = await hold(new_client(), seated.slug, best=("A", 1))
    assert best.status_code == 201, best.text
    assert await quota_counters(engine, quota["id"]) == (3, 3, 0)
    assert await counters(engine, seated.ticket_type["id"]) == (100, 3, 0)
