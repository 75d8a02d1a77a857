"""Shared quotas: several ticket types sold from one pool (docs/inventory.md).

Availability everywhere is the least of the type's, the quota's and the event's room; the hold
path enforces the pool under the event's inventory lock, and a CHECK refuses an oversell of it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem
from tests.api.sales_helpers import add_type, counters, expire_hold, organiser_with_event, reserve, scalar
from tests.api.test_backup_restore import buy
from tests.conftest import Api, sign_up


async def quota_counters(engine: AsyncEngine, quota_id: str) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        from sqlalchemy import text

        row = (
            await conn.execute(
                text("SELECT capacity, reserved, sold FROM ticket_quota WHERE id = :id"), {"id": uuid.UUID(quota_id)}
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def pooled_event(
    client: Api, capacity: int = 5
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    event = await organiser_with_event(client)
    early = await add_type(client, event["id"], name="Early bird", quantity=capacity, price_cents=10000)
    general = await add_type(client, event["id"], name="General", quantity=capacity, price_cents=15000)
    r = await client.post(
        client.org(f"/events/{event['id']}/quotas"),
        json={"name": "Main floor", "capacity": capacity, "ticket_type_ids": [early["id"], general["id"]]},
    )
    assert r.status_code == 201, r.text
    return event, early, general, r.json()


def available(page: dict[str, Any]) -> dict[str, int]:
    return {t["name"]: t["available"] for t in page["ticket_types"]}


async def test_types_of_a_quota_sell_from_one_pool(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event, early, general, quota = await pooled_event(client, capacity=5)
    assert quota["capacity"] == 5 and quota["available"] == 5
    assert sorted(quota["ticket_type_ids"]) == sorted([early["id"], general["id"]])
    buyer = new_client()
    assert (await reserve(buyer, event["slug"], {early["id"]: 3})).status_code == 201
    page = (await buyer.get(f"/api/public/events/{event['slug']}")).json()
    # Each type alone has 5 (early 2 after its own hold), the pool 2: both show 2.
    assert available(page) == {"Early bird": 2, "General": 2}
    refused = await reserve(buyer, event["slug"], {general["id"]: 3})
    assert_problem(refused, 409, "items.0.quantity")
    assert "Only 2" in refused.text
    assert (await reserve(buyer, event["slug"], {general["id"]: 2})).status_code == 201
    assert await quota_counters(engine, quota["id"]) == (5, 5, 0)
    page = (await buyer.get(f"/api/public/events/{event['slug']}")).json()
    assert available(page) == {"Early bird": 0, "General": 0}
    assert all(t["sold_out"] for t in page["ticket_types"])

    # The organiser's figures say the same (types, quota).
    listed = (await client.get(client.org(f"/events/{event['id']}/ticket-types"))).json()
    assert {t["name"]: (t["available"], t["quota_id"]) for t in listed} == {
        "Early bird": (0, quota["id"]),
        "General": (0, quota["id"]),
    }
    got = (await client.get(client.org(f"/events/{event['id']}/quotas/{quota['id']}"))).json()
    assert (got["reserved"], got["sold"], got["available"]) == (5, 0, 0)
    board = (await client.get(client.org(f"/events/{event['id']}/dashboard"))).json()
    assert {t["name"]: t["available"] for t in board["ticket_types"]} == {"Early bird": 0, "General": 0}


async def test_expiry_payment_and_release_move_the_pool(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event, early, general, quota = await pooled_event(client, capacity=4)
    buyer = new_client()
    held = (await reserve(buyer, event["slug"], {early["id"]: 2})).json()
    await buy(buyer, event["slug"], general["id"], 2)  # held, then paid: reserved -> sold
    assert await quota_counters(engine, quota["id"]) == (4, 2, 2)
    await expire_hold(engine, held["order_id"])
    # The expired hold is released inline by the next reservation, and its 2 go back to the pool.
    assert (await reserve(buyer, event["slug"], {general["id"]: 2})).status_code == 201
    assert await quota_counters(engine, quota["id"]) == (4, 2, 2)
    assert await counters(engine, early["id"]) == (4, 0, 0)
    assert await counters(engine, general["id"]) == (4, 2, 2)
    cancel = await buyer.post(
        f"/api/public/orders/{held['reference']}/cancel", headers={"X-Order-Token": held["access_token"]}
    )
    assert cancel.status_code == 409  # expired already: nothing moves twice
    assert await quota_counters(engine, quota["id"]) == (4, 2, 2)


async def test_capacity_below_what_is_taken_is_refused(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event, early, general, quota = await pooled_event(client, capacity=10)
    buyer = new_client()
    assert (await reserve(buyer, event["slug"], {early["id"]: 3, general["id"]: 3})).status_code == 201
    url = client.org(f"/events/{event['id']}/quotas/{quota['id']}")
    r = await client.patch(url, json={"capacity": 5})
    assert_problem(r, 409, "capacity")
    assert "6 tickets" in r.json()["detail"]
    assert (await quota_counters(engine, quota["id"]))[0] == 10  # nothing stored
    assert (await client.patch(url, json={"capacity": 6})).json()["available"] == 0
    assert_problem(await client.patch(url, json={"capacity": -1}), 400, "capacity")
    # A type that already holds more than a new pool has room for cannot join it.
    other = await add_type(client, event["id"], name="VIP", quantity=10)
    assert (await reserve(buyer, event["slug"], {other["id"]: 4})).status_code == 201
    small = await client.post(
        client.org(f"/events/{event['id']}/quotas"),
        json={"name": "Small", "capacity": 3, "ticket_type_ids": [other["id"]]},
    )
    assert_problem(small, 409, "capacity")
    assert await scalar(engine, "SELECT count(*) FROM ticket_quota WHERE name = 'Small'") == 0
    # A type belongs to at most one quota.
    twice = await client.post(
        client.org(f"/events/{event['id']}/quotas"),
        json={"name": "Second", "capacity": 50, "ticket_type_ids": [early["id"]]},
    )
    assert_problem(twice, 409, "ticket_type_ids")
    dup = await client.post(client.org(f"/events/{event['id']}/quotas"), json={"name": "Main floor", "capacity": 5})
    assert_problem(dup, 409, "name")
    foreign = await client.post(
        client.org(f"/events/{event['id']}/quotas"),
        json={"name": "X", "capacity": 5, "ticket_type_ids": [str(uuid.uuid4())]},
    )
    assert_problem(foreign, 422, "ticket_type_ids")


async def test_leaving_and_deleting_a_quota(client: Api, new_client: Callable[[], Api], engine: AsyncEngine) -> None:
    event, early, general, quota = await pooled_event(client, capacity=4)
    buyer = new_client()
    assert (await reserve(buyer, event["slug"], {early["id"]: 2, general["id"]: 2})).status_code == 201
    url = client.org(f"/events/{event['id']}/quotas/{quota['id']}")
    left = await client.patch(url, json={"ticket_type_ids": [early["id"]]})
    assert left.status_code == 200, left.text
    assert (left.json()["reserved"], left.json()["ticket_type_ids"]) == (2, [early["id"]])
    page = (await buyer.get(f"/api/public/events/{event['slug']}")).json()
    assert available(page) == {"Early bird": 2, "General": 2}
    assert (await client.delete(url)).status_code == 204
    assert (await client.get(client.org(f"/events/{event['id']}/ticket-types/{early['id']}"))).json()[
        "quota_id"
    ] is None
    assert (await client.get(url)).status_code == 404


async def test_concurrent_buyers_across_two_types_never_oversell_the_pool(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event, early, general, quota = await pooled_event(client, capacity=200)
    # 190 sold/held already: 10 left in the pool, while each type alone still has plenty.
    filler = new_client()
    for _ in range(19):
        r = await reserve(filler, event["slug"], {early["id"]: 5, general["id"]: 5})
        assert r.status_code == 201, r.text
    assert await quota_counters(engine, quota["id"]) == (200, 190, 0)

    async def one(i: int) -> int:
        buyer = new_client()
        type_id = early["id"] if i % 2 else general["id"]
        return (await reserve(buyer, event["slug"], {type_id: 1 + i % 2})).status_code

    statuses = Counter(await asyncio.gather(*(one(i) for i in range(60))))
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] >= 5  # 1s and 2s into 10: at least 5 holds fit
    cap, held, sold = await quota_counters(engine, quota["id"])
    type_held = (await counters(engine, early["id"]))[1] + (await counters(engine, general["id"]))[1]
    assert held + sold == type_held  # the pool and its types agree
    assert held + sold <= cap
    in_orders = await scalar(
        engine,
        "SELECT coalesce(sum(l.quantity), 0) FROM order_line l JOIN ticket_order o ON o.id = l.order_id"
        " WHERE l.ticket_type_id IN (:a, :b) AND o.status IN ('reserved', 'awaiting_payment', 'paid')",
        a=uuid.UUID(early["id"]),
        b=uuid.UUID(general["id"]),
    )
    assert in_orders == held + sold  # oversold: 0
    assert cap - held - sold <= 1  # sold the pool (a 2 may not fit the last 1)
    page = (await client.get(f"/api/public/events/{event['slug']}")).json()
    assert max(available(page).values()) == cap - held - sold


async def test_organisation_b_cannot_see_or_change_a_quota(client: Api, new_client: Callable[[], Api]) -> None:
    event, _early, _general, quota = await pooled_event(client)
    other = new_client()
    await sign_up(other)
    path = f"/events/{event['id']}/quotas"
    for method, url, body in (
        ("GET", other.org(path), None),
        ("POST", other.org(path), {"name": "Steal", "capacity": 1}),
        ("GET", other.org(f"{path}/{quota['id']}"), None),
        ("PATCH", other.org(f"{path}/{quota['id']}"), {"capacity": 1000}),
        ("DELETE", other.org(f"{path}/{quota['id']}"), None),
        # A's path with B's session: not a member of A.
        ("PATCH", client.org(f"{path}/{quota['id']}"), {"capacity": 1000}),
    ):
        r = await other.request(method, url, json=body)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
    assert (await client.get(client.org(f"{path}/{quota['id']}"))).json()["capacity"] == 5
