"""Orders: checkout with the simulated provider, idempotent completion, the state machine, the
organiser's order list, detail, resend and sales summary."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from statemachine.exceptions import TransitionNotAllowed

from tests.api.helpers import assert_problem, register_for_vat
from tests.api.sales_helpers import add_type, counters, expire_hold, organiser_with_event, reserve, scalar
from tests.conftest import Api, Stack, sign_up
from voelgoed.domain.orders.machines import OrderLifecycle


async def _settled(stack: Stack, to: str, messages: int) -> None:
    """Wait until the worker has e-mailed `messages` ticket mails to `to` (so no job still runs
    when the test's clean-up empties the tables)."""
    for _ in range(300):
        found = [p for p in stack.mail_dir.glob("*.eml") if to in p.read_text(errors="replace")]
        if len(found) >= messages:
            return
        await asyncio.sleep(0.1)
    listing = sorted(p.name for p in stack.mail_dir.glob("*")) if stack.mail_dir.is_dir() else "no mail dir"
    log = (stack.data_dir / "product.log").read_text(errors="replace")[-3000:]
    raise AssertionError(f"expected {messages} e-mails to {to}: {listing}\n{log}")


def test_order_machine_allows_only_the_designed_moves() -> None:
    o = SimpleNamespace(status="reserved", paid_at=None)
    m = OrderLifecycle(o)
    assert set(m.allowed()) == {"start_payment", "cancel", "expire"}
    with pytest.raises(TransitionNotAllowed):
        m.send("pay")
    m.send("start_payment")
    m.send("pay")
    assert o.status == "paid" and o.paid_at is not None
    for illegal in ("cancel", "expire", "start_payment"):
        with pytest.raises(TransitionNotAllowed):
            OrderLifecycle(SimpleNamespace(status="paid", paid_at=None)).send(illegal)
    late = SimpleNamespace(status="expired", paid_at=None)
    OrderLifecycle(late).send("pay_late")
    assert late.status == "paid"
    with pytest.raises(TransitionNotAllowed):
        OrderLifecycle(SimpleNamespace(status="cancelled")).send("pay")


async def _checkout(http: httpx.AsyncClient, held: dict[str, Any]) -> httpx.Response:
    return await http.post(
        f"/api/public/orders/{held['reference']}/checkout",
        headers={"X-Order-Token": held["access_token"]},
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "simulated"},
    )


async def _pay(http: httpx.AsyncClient, url: str, outcome: str = "pay") -> httpx.Response:
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return await http.post(parts.path, data={"sig": q["sig"], "r": q["r"], "outcome": outcome})


async def test_checkout_and_pay_moves_counters_to_sold(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    tt = await add_type(client, event["id"], quantity=5, price_cents=20000)
    buyer = new_client()
    held = (await reserve(buyer, event["slug"], {tt["id"]: 2})).json()
    assert_problem(
        await buyer.post(
            f"/api/public/orders/{held['reference']}/checkout",
            headers={"X-Order-Token": held["access_token"]},
            json={"buyer_name": "X", "buyer_email": "not-an-email"},
        ),
        422,
        "buyer_email",
    )
    r = await _checkout(buyer, held)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["order"]["status"] == "awaiting_payment"
    again = (await _checkout(buyer, held)).json()  # a retried request reuses the open transaction
    assert again["payment"]["transaction_id"] == body["payment"]["transaction_id"]
    assert await scalar(engine, "SELECT status FROM payment_transaction") == "pending"

    # the provider's notification arrives twice, at the same time: one completion only
    results = await asyncio.gather(_pay(buyer, body["payment"]["url"]), _pay(buyer, body["payment"]["url"]))
    assert all(x.status_code in (303, 200) for x in results), [x.text for x in results]
    view = (
        await buyer.get(f"/api/public/orders/{held['reference']}", headers={"X-Order-Token": held["access_token"]})
    ).json()
    assert view["status"] == "paid" and view["paid_at"]
    assert await counters(engine, tt["id"]) == (5, 0, 2)
    assert await scalar(engine, "SELECT count(*) FROM ticket WHERE order_id = :o", o=uuid.UUID(held["order_id"])) == 2
    assert await scalar(engine, "SELECT count(*) FROM payment_transaction WHERE status = 'succeeded'") == 1
    assert await scalar(engine, "SELECT count(*) FROM analytics_event WHERE name = 'checkout_success'") == 1
    assert_problem(await _checkout(buyer, held), 409)

    # organiser views
    page = (await client.get(client.org("/orders"), params={"q": "thandi@example"})).json()
    assert page["total"] == 1 and page["items"][0]["status"] == "paid" and page["items"][0]["tickets"] == 2
    assert (await client.get(client.org("/orders"), params={"status": "reserved"})).json()["total"] == 0
    detail = (await client.get(client.org(f"/orders/{held['order_id']}"))).json()
    assert [p["status"] for p in detail["payments"]] == ["succeeded"]
    assert len(detail["tickets"]) == 2 and detail["lines"][0]["ticket_type_name"] == "General"
    # The code printed under each QR, for reading out to the gate when a buyer has no phone.
    assert all(t["code"] == "-".join(t["serial"][i : i + 5] for i in range(0, 20, 5)) for t in detail["tickets"])
    # ... and searching for that code, however it was typed, finds the order; a made-up one nothing.
    typed = detail["tickets"][1]["code"].lower().replace("-", " ")
    found = (await client.get(client.org("/orders"), params={"q": typed})).json()
    assert [o["id"] for o in found["items"]] == [held["order_id"]]
    assert (await client.get(client.org("/orders"), params={"q": "AAAAA-AAAAA-AAAAA-AAAAA"})).json()["total"] == 0
    stranger = new_client()
    await sign_up(stranger)
    assert (await stranger.get(stranger.org("/orders"), params={"q": typed})).json()["total"] == 0
    sales = (await client.get(client.org(f"/events/{event['id']}/sales"))).json()
    assert sales["sold"] == 2 and sales["gross_revenue_cents"] == 40000 and sales["vat_cents"] == 5217
    assert sales["types"][0]["available"] == 3
    resend = await client.post(client.org(f"/orders/{held['order_id']}/resend-tickets"))
    assert resend.status_code == 202, resend.text
    await _settled(stack, "thandi@example.co.za", 1)


async def test_failed_payment_keeps_the_order_awaiting_payment(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=5)
    held = (await reserve(client, event["slug"], {tt["id"]: 1})).json()
    body = (await _checkout(client, held)).json()
    await _pay(client, body["payment"]["url"], "fail")
    assert await scalar(engine, "SELECT status FROM ticket_order") == "awaiting_payment"
    assert await scalar(engine, "SELECT status FROM payment_transaction") == "failed"
    retry = (await _checkout(client, held)).json()  # the buyer may try again
    assert retry["payment"]["transaction_id"] != body["payment"]["transaction_id"]
    assert await counters(engine, tt["id"]) == (5, 1, 0)


async def test_late_payment_after_stock_is_gone_is_flagged_for_refund(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=1)
    held = (await reserve(client, event["slug"], {tt["id"]: 1})).json()
    body = (await _checkout(client, held)).json()
    await expire_hold(engine, held["order_id"])
    assert (await reserve(client, event["slug"], {tt["id"]: 1})).status_code == 201  # releases, re-sells
    await _pay(client, body["payment"]["url"])
    assert (
        await scalar(engine, "SELECT needs_refund FROM ticket_order WHERE id = :o", o=uuid.UUID(held["order_id"]))
        is True
    )
    assert await scalar(engine, "SELECT status FROM payment_transaction") == "succeeded"
    assert await counters(engine, tt["id"]) == (1, 1, 0)  # never oversold


async def test_late_payment_with_stock_left_is_re_reserved(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=3)
    held = (await reserve(client, event["slug"], {tt["id"]: 1})).json()
    body = (await _checkout(client, held)).json()
    await expire_hold(engine, held["order_id"])
    assert (await reserve(client, event["slug"], {tt["id"]: 1})).status_code == 201  # releases the first
    await _pay(client, body["payment"]["url"])
    assert (
        await scalar(engine, "SELECT status FROM ticket_order WHERE id = :o", o=uuid.UUID(held["order_id"])) == "paid"
    )
    assert await counters(engine, tt["id"]) == (3, 1, 1)
    await _settled(stack, "thandi@example.co.za", 1)


async def test_other_organisations_cannot_see_orders(client: Api, new_client: Callable[[], Api]) -> None:

    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"])
    held = (await reserve(client, event["slug"], {tt["id"]: 1})).json()
    other = new_client()
    await sign_up(other)
    assert_problem(await other.get(other.org(f"/orders/{held['order_id']}")), 404)
    assert (await other.get(other.org("/orders"))).json()["total"] == 0
    assert_problem(await other.get(client.org("/orders")), 404)
