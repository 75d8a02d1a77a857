"""The simulated provider end to end over HTTP: the signed payment page, Pay and Fail, replays,
and the provider registry's refusals."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem
from tests.conftest import Api, Stack, future, sign_up
from voelgoed.worker import make_queue

BUYER = {"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za"}


@pytest.fixture(autouse=True)
async def _worker_idle(stack: Stack) -> AsyncIterator[None]:
    """Paid orders queue ticket delivery in the product's worker; let it finish before the tables
    are emptied for the next test (a TRUNCATE racing a running job can deadlock)."""
    yield
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


async def on_sale_event(api: Api, *, price_cents: int = 15000, quantity: int = 20) -> dict[str, Any]:
    """A published event with one ticket type; signs `api` up when it has no organisation yet."""
    if not api.me:
        await sign_up(api)
    venue = await api.post(api.org("/venues"), json={"name": "Baxter", "address_line1": "Main Rd", "city": "Cape Town"})
    assert venue.status_code == 201, venue.text
    event = await api.post(
        api.org("/events"),
        json={
            "name": "Payments Test Night",
            "venue_id": venue.json()["id"],
            "starts_at": future(20),
            "ends_at": future(20, 23),
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


async def reserve_and_checkout(
    buyer: httpx.AsyncClient, event: dict[str, Any], provider: str, quantity: int = 2
) -> dict[str, Any]:
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": quantity}]},
    )
    assert held.status_code == 201, held.text
    order = held.json()
    started = await buyer.post(
        f"/api/public/orders/{order['reference']}/checkout",
        json={**BUYER, "provider": provider},
        headers={"X-Order-Token": order["access_token"]},
    )
    assert started.status_code == 200, started.text
    return {**order, "payment": started.json()["payment"]}


async def order_state(engine: AsyncEngine, reference: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT o.status, o.id,"
                    " (SELECT count(*) FROM ticket t WHERE t.order_id = o.id) AS tickets,"
                    " (SELECT string_agg(p.status, ',') FROM payment_transaction p"
                    "   WHERE p.order_id = o.id) AS payments,"
                    " (SELECT string_agg(coalesce(p.failure_reason, ''), ',') FROM payment_transaction p"
                    "   WHERE p.order_id = o.id) AS reasons"
                    " FROM ticket_order o WHERE o.reference = :r"
                ),
                {"r": reference},
            )
        ).one()
    return dict(row._mapping)


def page_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r"<input type=hidden name=(\w+) value='([^']*)'>", page))


async def test_simulated_pay_marks_the_order_paid_once(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    event = await on_sale_event(client)
    buyer = new_client()
    order = await reserve_and_checkout(buyer, event, "simulated")
    payment = order["payment"]
    assert payment["method"] == "GET" and "/pay/simulated/" in payment["url"]

    page = await buyer.get(page_path(payment["url"]))
    assert page.status_code == 200
    assert "SIMULATED PAYMENT" in page.text and "no money moves" in page.text
    assert order["reference"] in page.text and "R 300.00" in page.text
    form = hidden_fields(page.text)
    assert set(form) == {"sig", "r"}

    path = urlsplit(payment["url"]).path
    paid = await buyer.post(path, data={**form, "outcome": "pay"})
    assert paid.status_code == 303
    target = urlsplit(paid.headers["location"])
    assert target.path == f"/orders/{order['reference']}"
    assert parse_qs(target.query)["token"] == [order["access_token"]]  # the buyer gets back in
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"

    again = await buyer.post(path, data={**form, "outcome": "fail"})  # a late second click
    assert again.status_code == 303 and "payment=failed" not in again.headers["location"]
    assert await order_state(engine, order["reference"]) == state
    shown = await buyer.get(page_path(payment["url"]))
    assert "already succeeded" in shown.text and "<button" not in shown.text


async def test_simulated_fail_leaves_the_order_unpaid(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    event = await on_sale_event(client)
    buyer = new_client()
    order = await reserve_and_checkout(buyer, event, "simulated", quantity=1)
    page = await buyer.get(page_path(order["payment"]["url"]))
    failed = await buyer.post(
        urlsplit(order["payment"]["url"]).path, data={**hidden_fields(page.text), "outcome": "fail"}
    )
    assert failed.status_code == 303
    target = urlsplit(failed.headers["location"])
    assert target.path == f"/orders/{order['reference']}"
    assert parse_qs(target.query)["payment"] == ["failed"]
    state = await order_state(engine, order["reference"])
    assert state["status"] != "paid" and state["tickets"] == 0
    assert state["payments"] == "failed" and state["reasons"] == "declined (simulated)"


async def test_simulated_links_cannot_be_guessed_or_altered(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    event = await on_sale_event(client)
    buyer = new_client()
    order = await reserve_and_checkout(buyer, event, "simulated", quantity=1)
    url = urlsplit(order["payment"]["url"])
    form = hidden_fields((await buyer.get(page_path(order["payment"]["url"]))).text)

    assert (await buyer.get(url.path)).status_code == 404  # no signature
    assert (await buyer.get(url.path + "?sig=AAAA")).status_code == 404
    assert (await buyer.post(url.path, data={**form, "sig": "x" * 43, "outcome": "pay"})).status_code == 404
    other = await reserve_and_checkout(new_client(), event, "simulated", quantity=1)
    other_path = urlsplit(other["payment"]["url"]).path
    # this transaction's signature does not open another one
    assert (await buyer.post(other_path, data={**form, "outcome": "pay"})).status_code == 404
    # a return URL sealed for one transaction is refused for another, and altered ones too
    other_form = hidden_fields((await buyer.get(page_path(other["payment"]["url"]))).text)
    assert (await buyer.post(other_path, data={**other_form, "r": form["r"], "outcome": "pay"})).status_code == 400
    assert (
        await buyer.post(url.path, data={**form, "r": form["r"][:-4] + "AAAA", "outcome": "pay"})
    ).status_code == 400
    assert (await buyer.post(url.path, data={**form, "outcome": "steal"})).status_code == 400
    for ref in (order["reference"], other["reference"]):
        state = await order_state(engine, ref)
        assert state["status"] != "paid" and state["tickets"] == 0


async def test_unknown_provider_is_refused_at_field_provider(client: Api, new_client: Any) -> None:
    event = await on_sale_event(client)
    buyer = new_client()
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 1}]},
    )
    started = await buyer.post(
        f"/api/public/orders/{held.json()['reference']}/checkout",
        json={**BUYER, "provider": "bitcoin"},
        headers={"X-Order-Token": held.json()["access_token"]},
    )
    assert_problem(started, 422, "provider")
