"""A request that waits on a lock longer than lock_timeout answers 503 "busy, try again" with
Retry-After, never 500, and holds nothing after (db/timeouts.py, lib/problems.database_problem).

The test holds the event's inventory row lock from its own connection, as a long transaction
elsewhere would; the reservation's hold batcher then waits for it inside PostgreSQL until the
product's lock timeout (DB_LOCK_TIMEOUT_MS, 3 s by default) cancels the wait (SQLSTATE 55P03).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem
from tests.api.sales_helpers import add_type, counters, organiser_with_event, reserve
from tests.conftest import Api

LOCK_TIMEOUT_SECONDS = 3.0  # the default of DB_LOCK_TIMEOUT_MS; tests/conftest.py does not change it


async def test_a_reservation_that_waits_on_a_held_lock_gets_503_busy(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=10)
    buyer = new_client()
    assert (await reserve(buyer, event["slug"], {tt["id"]: 1})).status_code == 201  # the row exists now

    async with engine.connect() as conn, conn.begin():
        locked = await conn.execute(
            text("SELECT 1 FROM event_inventory WHERE event_id = :id FOR UPDATE"), {"id": uuid.UUID(event["id"])}
        )
        assert locked.scalar() == 1
        started = time.monotonic()
        r = await reserve(buyer, event["slug"], {tt["id"]: 2})
        waited = time.monotonic() - started
        body = assert_problem(r, 503)
        assert body["type"] == "urn:voelgoed:problem:unavailable" and "try again" in body["detail"]
        assert int(r.headers["Retry-After"]) >= 1
        # It waited for the lock (not refused at once), and gave up at the lock timeout, long
        # before the 30 s statement timeout or the client's own timeout.
        assert LOCK_TIMEOUT_SECONDS - 0.5 <= waited < LOCK_TIMEOUT_SECONDS + 5, waited

    # Nothing was held by the refused request; once the lock is gone the same request succeeds.
    assert (await counters(engine, tt["id"]))[1] == 1
    assert (await reserve(buyer, event["slug"], {tt["id"]: 2})).status_code == 201
