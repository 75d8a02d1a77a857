"""DATABASE_READ_URL (db/replica.py, docs/operations.md "Read replica"): dashboards, streamed CSV
exports and the money reports read the replica, everything else the primary, and the replica's
reads are tenant-scoped like the primary's.

The "replica" is a second database made from a dump of the primary, then left behind while the
primary sells on: a product started with DATABASE_READ_URL pointing at it shows the replica's
(older) figures on exactly the replica pages, and the primary's everywhere else. A real streaming
replica differs only in catching up."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.sales_helpers import add_type, organiser_with_event
from tests.api.second_product import (
    create_database,
    drop_database,
    pg_restore,
    product_process,
    url_of_database,
    voelgoed,
)
from tests.api.test_backup_restore import buy
from tests.conftest import Api, Stack, sign_up
from voelgoed.db import pool

PRICE = 10000


async def test_replica_pages_read_the_replica_and_stay_tenant_scoped(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    general = await add_type(client, event["id"], name="General", quantity=20, price_cents=PRICE)
    await buy(new_client(), event["slug"], general["id"], 1)
    other = new_client()
    await sign_up(other, organization="Other Org")
    other_event = await organiser_with_event(other)

    dump = stack.data_dir / f"replica-{uuid.uuid4().hex[:8]}.dump"
    assert voelgoed(stack, "backup", str(dump), database_url=stack.database_url).returncode == 0
    name = f"replica_{uuid.uuid4().hex[:8]}"
    await create_database(engine, name)
    try:
        replica = url_of_database(stack.database_url, name)
        pg_restore(dump, replica)
        later = await buy(new_client(), event["slug"], general["id"], 2)  # on the primary only

        with product_process(stack, stack.database_url, DATABASE_READ_URL=replica) as base:
            async with Api(base) as organiser, Api(base) as stranger, Api(base) as buyer:
                organiser.cookies, organiser.me = client.cookies, client.me
                stranger.cookies, stranger.me = other.cookies, other.me
                ev = f"/events/{event['id']}"

                # The replica's figures (one ticket sold) on the replica pages...
                dashboard = await organiser.get(organiser.org(f"{ev}/dashboard"))
                assert dashboard.status_code == 200, dashboard.text
                assert dashboard.json()["sold"] == 1
                overview = (await organiser.get(organiser.org("/dashboard"))).json()
                assert [i["sold"] for i in overview["items"] if i["event_id"] == event["id"]] == [1]
                assert (await organiser.get(organiser.org(f"{ev}/funnel"))).status_code == 200
                sales = await organiser.get(organiser.org("/reports/sales"), params={"event_id": event["id"]})
                assert sales.status_code == 200, sales.text
                assert sales.json()["totals"]["gross_sales_cents"] == PRICE
                sales_csv = await organiser.get(organiser.org("/reports/sales.csv"))
                assert sales_csv.status_code == 200, sales_csv.text
                balance = await organiser.get(organiser.org("/ledger/trial-balance"))
                assert balance.status_code == 200 and balance.json()["total_cents"] == 0
                journal = (await organiser.get(organiser.org("/ledger/journal"))).json()
                settlement = await organiser.get(organiser.org("/reports/settlement"), params={"provider": "simulated"})
                assert settlement.status_code == 200, settlement.text
                assert len(settlement.json()["rows"]) == 1
                orders_csv = await organiser.get(organiser.org(f"{ev}/exports/csv/orders"))
                assert orders_csv.status_code == 200, orders_csv.text
                assert len(list(csv.DictReader(io.StringIO(orders_csv.text)))) == 1

                # ... and the primary's (three sold) on the primary product and on every other page.
                primary = (await client.get(client.org(f"{ev}/dashboard"))).json()
                assert primary["sold"] == 3
                primary_journal = (await client.get(client.org("/ledger/journal"))).json()
                assert primary_journal["total"] > journal["total"]
                page = await buyer.get(
                    f"/api/public/orders/{later['reference']}", headers={"X-Order-Token": later["access_token"]}
                )
                assert page.status_code == 200 and page.json()["status"] == "paid"

                # Tenant scope on the replica: the other organisation's member, on their own
                # organisation's paths, cannot reach this event's figures there.
                mine = stranger.org(f"/events/{event['id']}")
                for path in (f"{mine}/dashboard", f"{mine}/funnel", f"{mine}/exports/csv/orders"):
                    assert (await stranger.get(path)).status_code == 404, path
                for path in ("/ledger/trial-balance", "/ledger/journal", "/reports/sales"):
                    r = await stranger.get(stranger.org(path), params={"event_id": event["id"]})
                    assert r.status_code == 404, (path, r.text)
                own = (await stranger.get(stranger.org("/dashboard"))).json()
                assert [i["event_id"] for i in own["items"]] == [other_event["id"]]
                assert (await stranger.get(stranger.org("/ledger/journal"))).json()["total"] == 0
                theirs = await stranger.get(stranger.org("/reports/settlement"), params={"provider": "simulated"})
                assert theirs.status_code == 200 and theirs.json()["rows"] == []
                assert (await stranger.get(organiser.org(f"{ev}/dashboard"))).status_code == 404
    finally:
        await drop_database(engine, name)
        dump.unlink(missing_ok=True)


async def test_the_replica_pool_refuses_writes(stack: Stack) -> None:
    """Every transaction on the replica's pool is READ ONLY: a write that strayed onto a read path
    fails even when DATABASE_READ_URL points at the primary itself."""
    replica = pool.replica_engine(stack.database_url, pool_size=1, max_overflow=0, pool_timeout=5, connect_args={})
    try:
        async with AsyncSession(replica) as db:
            assert (await db.execute(text("SELECT count(*) FROM organization"))).scalar() is not None
            with pytest.raises(DBAPIError, match="read-only transaction"):
                await db.execute(text("UPDATE organization SET name = name"))
    finally:
        await pool.dispose_separate_pools()
