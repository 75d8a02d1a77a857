"""Backup and restore as docs/operations.md describes it ("Backups and restore"): data made through
the API (an organisation, an event, a paid order with tickets, a paired scanner) is dumped with
`voelgoed backup` (pg_dump, custom format), restored with pg_restore into a fresh database,
migrated with `voelgoed migrate`, and a second product started on the restored database serves
the same order, the same ticket PDF, admits the same tickets at the gate, and sells and signs new
tickets (which needs the same SECRET_KEY: the events' signing keys are stored encrypted with it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import pair, scan_body
from tests.api.helpers import make_gate, make_venue
from tests.api.sales_helpers import add_type, reserve
from tests.api.second_product import (
    create_database,
    drop_database,
    pg_restore,
    product_process,
    url_of_database,
    voelgoed,
)
from tests.api.test_ticket_delivery import qr_codes_in
from tests.conftest import Api, Stack, sign_up, wait_for_worker_idle

ZONE = ZoneInfo("Africa/Johannesburg")  # a new organisation's time zone


def _local(hours: float) -> str:
    return (datetime.now(ZONE) + timedelta(hours=hours)).replace(tzinfo=None, microsecond=0).isoformat()


async def buy(buyer: httpx.AsyncClient, slug: str, type_id: str, quantity: int) -> dict[str, Any]:
    """Hold, checkout and pay with the simulated provider; the held order (reference, access_token)."""
    held = (await reserve(buyer, slug, {type_id: quantity})).json()
    checkout = await buyer.post(
        f"/api/public/orders/{held['reference']}/checkout",
        headers={"X-Order-Token": held["access_token"]},
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "simulated"},
    )
    assert checkout.status_code == 200, checkout.text
    parts = urlsplit(checkout.json()["payment"]["url"])
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    paid = await buyer.post(parts.path, data={"sig": q["sig"], "r": q["r"], "outcome": "pay"})
    assert paid.status_code in (200, 303), paid.text
    return held  # type: ignore[no-any-return]


async def order_page(http: httpx.AsyncClient, held: dict[str, Any]) -> dict[str, Any]:
    r = await http.get(f"/api/public/orders/{held['reference']}", headers={"X-Order-Token": held["access_token"]})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def ticket_codes(http: httpx.AsyncClient, held: dict[str, Any]) -> list[str]:
    pdf = await http.get(f"/orders/{held['reference']}/tickets.pdf", params={"token": held["access_token"]})
    assert pdf.status_code == 200, pdf.text[:500]
    return qr_codes_in(pdf.content)


async def test_a_restored_dump_serves_the_same_orders_and_tickets(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    await sign_up(client)
    venue = await make_venue(client)
    gate = await make_gate(client, venue["id"])
    # Starts in an hour: the check-in window (from 3 h before the start) is open now.
    made = await client.post(
        client.org("/events"),
        json={"name": "Backup Night", "venue_id": venue["id"], "starts_at": _local(1), "ends_at": _local(5)},
    )
    assert made.status_code == 201, made.text
    event = (await client.post(client.org(f"/events/{made.json()['id']}/publish"))).json()
    general = await add_type(client, event["id"], name="General", quantity=50, price_cents=15000)
    held = await buy(new_client(), event["slug"], general["id"], 2)
    await wait_for_worker_idle(stack.redis_url)  # tickets issued and e-mailed
    codes = await ticket_codes(client, held)
    assert len(codes) == 2
    before = await order_page(client, held)
    assert before["status"] == "paid"
    balance = await client.get(client.org("/ledger/trial-balance"))
    assert balance.status_code == 200, balance.text
    device = await pair(client, stack.base_url, [event["id"]], gate["id"])
    await device.aclose()

    dump = stack.data_dir / f"backup-{uuid.uuid4().hex[:8]}.dump"
    done = voelgoed(stack, "backup", str(dump), database_url=stack.database_url)
    assert done.returncode == 0, done.stderr
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format

    name = f"restored_{uuid.uuid4().hex[:8]}"
    await create_database(engine, name)
    try:
        restored = url_of_database(stack.database_url, name)
        pg_restore(dump, restored)
        migrated = voelgoed(stack, "migrate", database_url=restored)
        assert migrated.returncode == 0 and "up to date" in migrated.stdout, migrated.stderr
        with product_process(stack, restored) as base:
            async with Api(base) as buyer, Api(base) as organiser, Api(base) as scanner:
                assert await order_page(buyer, held) == before
                assert await ticket_codes(buyer, held) == codes
                organiser.cookies = client.cookies  # the login session is in the dump too
                again = await organiser.get(client.org("/ledger/trial-balance"))
                assert again.status_code == 200 and again.json() == balance.json()

                scanner.headers["Authorization"] = device.headers["Authorization"]
                for code in codes:  # the restored server admits the tickets sold before the dump
                    scan = await scanner.post("/api/checkin/scans", json=scan_body(code, gate["id"]))
                    assert scan.status_code == 200 and scan.json()["result"] == "ok", scan.text
                twice = await scanner.post("/api/checkin/scans", json=scan_body(codes[0], gate["id"]))
                assert twice.json()["result"] == "already_redeemed", twice.text

                # And keeps selling: a new ticket is signed with the event's key, read with SECRET_KEY.
                later = await buy(buyer, event["slug"], general["id"], 1)
                (new_code,) = await ticket_codes(buyer, later)
                assert new_code not in codes
                scan = await scanner.post("/api/checkin/scans", json=scan_body(new_code, gate["id"]))
                assert scan.json()["result"] == "ok", scan.text
    finally:
        await drop_database(engine, name)
        dump.unlink(missing_ok=True)
