"""Money over the API is integer cents (msgspec ints): text, fractions, other scripts' digits and
absurd sizes are a 400 problem naming the field, never a 500, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem
from tests.api.sales_helpers import add_type, organiser_with_event
from tests.conftest import Api

# Litestar converts request bodies with msgspec's lax mode (strict=False), which would turn the JSON
# string "200.00" into 200 (cents: R 2.00 where R 200.00 was meant), "20000" into 20000 and 2e4 into
# 20000; lib/strict_body.py decodes every JSON body strictly first, so these are 400s too.
NOT_CENTS: dict[str, Any] = {
    "rand text": "200.00",
    "digit text": "20000",
    "exponent": 2e4,
    "superscript text": "\u00b200",
    "arabic-indic text": "\u0662\u0660\u0660",
    "fullwidth text": "\uff12\uff10\uff10",
    "fraction": 200.5,
    "bool": True,
    "beyond bigint": 10**20,
    "negative": -1,
    "null": None,
    "object": {"amount": 200},
}


async def _count(engine: AsyncEngine, table: str, column: str, value: Any) -> int:
    async with engine.connect() as conn:
        sql = f"SELECT count(*) FROM {table} WHERE {column} = :v"  # noqa: S608 (names from this file)
        return int((await conn.execute(text(sql), {"v": value})).scalar_one())


@pytest.mark.parametrize("price", list(NOT_CENTS.values()), ids=list(NOT_CENTS))
async def test_ticket_type_price_must_be_integer_cents(price: Any, client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    url = client.org(f"/events/{event['id']}/ticket-types")
    created = await client.post(url, json={"name": "General", "price_cents": price, "quantity": 10})
    assert_problem(created, 400, field="price_cents")
    assert await _count(engine, "ticket_type", "event_id::text", event["id"]) == 0

    kept = await add_type(client, event["id"], price_cents=15000)
    changed = await client.patch(f"{url}/{kept['id']}", json={"price_cents": price})
    assert_problem(changed, 400, field="price_cents")
    again = await client.get(f"{url}/{kept['id']}")
    assert again.status_code == 200 and again.json()["price_cents"] == 15000


@pytest.mark.parametrize(
    "value",
    ["200.00", "\u00b200", 12.5, True],
    ids=["text", "superscript", "fraction", "bool"],
)
async def test_fixed_coupon_value_must_be_integer_cents(value: Any, client: Api) -> None:
    event = await organiser_with_event(client)
    created = await client.post(
        client.org(f"/events/{event['id']}/coupons"), json={"code": "WINTER", "kind": "fixed", "value": value}
    )
    assert_problem(created, 400, field="value")
