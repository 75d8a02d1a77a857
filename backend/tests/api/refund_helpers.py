"""Set-up for the refund tests: an event on sale, orders paid through the simulated provider."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Api, Stack, future, sign_up
from voelgoed.worker import make_queue

BUYER = {"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za"}


async def on_sale_event(
    api: Api, *, price_cents: int = 15000, quantity: int = 20, starts_in_days: int = 20
) -> dict[str, Any]:
    if not api.me:
        await sign_up(api)
    venue = await api.post(api.org("/venues"), json={"name": "Baxter", "address_line1": "Main Rd", "city": "Cape Town"})
    assert venue.status_code == 201, venue.text
    event = await api.post(
        api.org("/events"),
        json={
            "name": "Refund Test Night",
            "venue_id": venue.json()["id"],
            "starts_at": future(starts_in_days),
            "ends_at": future(starts_in_days, 23),
            "capacity": 100,
        },
    )
    assert event.status_code == 201, event.text
    ev = event.json()
    tt = await api.post(
        api.org(f"/events/{ev['id']}/ticket-types"),
        json={"name": "General", "price_cents": price_cents, "quantity": quantity},
    )
    assert tt.status_code == 201, tt.text
    published = await api.post(api.org(f"/events/{ev['id']}/publish"))
    assert published.status_code == 200, published.text
    return {**published.json(), "ticket_type_id": tt.json()["id"]}


async def paid_order(
    buyer: httpx.AsyncClient, event: dict[str, Any], quantity: int = 2, email: str | None = None, pay: bool = True
) -> dict[str, Any]:
    """An order paid through the simulated provider's page (the real checkout path)."""
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": quantity}]},
    )
    assert held.status_code == 201, held.text
    order = held.json()
    started = await buyer.post(
        f"/api/public/orders/{order['reference']}/checkout",
        json={**BUYER, "buyer_email": email or BUYER["buyer_email"], "provider": "simulated"},
        headers={"X-Order-Token": order["access_token"]},
    )
    assert started.status_code == 200, started.text
    if pay:
        await pay_simulated(buyer, started.json()["payment"]["url"])
    return order


async def pay_simulated(buyer: httpx.AsyncClient, url: str) -> None:
    parts = urlsplit(url)
    page = await buyer.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200, page.text
    form = dict(re.findall(r"<input type=hidden name=(\w+) value='([^']*)'>", page.text))
    paid = await buyer.post(parts.path, data={**form, "outcome": "pay"})
    assert paid.status_code == 303, paid.text


async def order_row(engine: AsyncEngine, order_id: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT status, total_cents, vat_cents, refunded_cents, refund_pending_cents, needs_refund"
                    " FROM ticket_order WHERE id = :id"
                ),
                {"id": uuid.UUID(order_id)},
            )
        ).one()
    return dict(row._mapping)


async def wait_refund(api: Api, refund_id: str, status: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        r = await api.get(api.org(f"/refunds/{refund_id}"))
        assert r.status_code == 200, r.text
        body = r.json()
        if body["status"] == status:
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"refund {refund_id} never became {status}: {body}")


async def wait_worker_idle(stack: Stack) -> None:
    queue = make_queue(stack.redis_url)
    await queue.connect()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if await queue.count("queued") == 0 and await queue.count("active") == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        await queue.disconnect()


async def refund(api: Api, order_id: str, key: str | None = None, **body: Any) -> httpx.Response:
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    return await api.post(api.org(f"/orders/{order_id}/refunds"), json=body, headers=headers)
