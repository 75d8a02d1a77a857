"""Every area records its webhook events in the transaction of the change: driven over HTTP through
the real flows, the outbox holds exactly the expected events, each `data` equal to what the
organiser API answers for that resource at that moment, delivered to the subscribed, enabled
endpoints of the organisation only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.refund_helpers import BUYER, on_sale_event, pay_simulated, refund, wait_refund, wait_worker_idle
from tests.api.sales_helpers import expire_hold
from tests.api.webhook_event_helpers import add_endpoint, of_type, outbox, types
from tests.conftest import Api, Stack, sign_up

# Changes as the outbox saw them; later changes (the e-mail job stamping tickets_emailed_at) are
# not part of the event.
LATER = ("tickets_emailed_at",)


@pytest.fixture(autouse=True)
async def _worker_idle(stack: Stack) -> AsyncIterator[None]:
    yield
    await wait_worker_idle(stack)


def _same(data: dict[str, Any], api_answer: dict[str, Any]) -> None:
    assert {k: v for k, v in data.items() if k not in LATER} == {k: v for k, v in api_answer.items() if k not in LATER}


async def _order(api: Api, order_id: str) -> dict[str, Any]:
    r = await api.get(api.org(f"/orders/{order_id}"))
    assert r.status_code == 200, r.text
    return r.json()


async def _hold_and_start(buyer: httpx.AsyncClient, event: dict[str, Any], quantity: int = 2) -> dict[str, Any]:
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": quantity}]},
    )
    assert held.status_code == 201, held.text
    order = held.json()
    started = await buyer.post(
        f"/api/public/orders/{order['reference']}/checkout",
        json={**BUYER, "provider": "simulated"},
        headers={"X-Order-Token": order["access_token"]},
    )
    assert started.status_code == 200, started.text
    return {**order, "payment_url": started.json()["payment"]["url"]}


async def test_sale_refund_and_publish_record_the_resources_as_the_api_returns_them(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    await sign_up(client)
    everything = await add_endpoint(engine, client.org_id)
    paid_only = await add_endpoint(engine, client.org_id, ["order.paid"])
    await add_endpoint(engine, client.org_id, status="disabled")
    other = new_client()
    await sign_up(other)
    other_endpoint = await add_endpoint(engine, other.org_id)

    event = await on_sale_event(client, quantity=10)
    [published] = await outbox(engine, client.org_id)
    assert published["type"] == "event.published" and published["endpoints"] == [everything]
    got = await client.get(client.org(f"/events/{event['id']}"))
    assert published["payload"]["data"] == got.json()
    assert published["payload"]["type"] == "event.published"
    assert published["payload"]["id"] == f"msg_{published['id'].hex}"

    buyer = new_client()
    order = await _hold_and_start(buyer, event)
    events = await outbox(engine, client.org_id)
    assert types(events) == ["event.published", "order.created"]
    _same(events[1]["payload"]["data"], await _order(client, order["order_id"]))

    await pay_simulated(buyer, order["payment_url"])
    events = await outbox(engine, client.org_id)
    assert types(events)[2:] == ["order.paid", "ticket.issued", "ticket.issued"]
    paid = await _order(client, order["order_id"])
    assert paid["status"] == "paid"
    _same(events[2]["payload"]["data"], paid)
    assert events[2]["endpoints"] == sorted([everything, paid_only], key=str)
    issued = [e["payload"]["data"] for e in events[3:]]
    assert issued == [
        {"ticket": t, "order_id": paid["id"], "order_reference": paid["reference"], "event_id": paid["event_id"]}
        for t in paid["tickets"]
    ]
    assert all(e["endpoints"] == [everything] for e in events[3:])

    # Refund one ticket, then the rest: tickets voided at once, refunds when the provider says so,
    # order.refunded when the whole order is paid back.
    first = await refund(client, order["order_id"], kind="tickets", reason="ill", ticket_ids=[paid["tickets"][0]["id"]])
    assert first.status_code == 201, first.text
    done = await wait_refund(client, first.json()["id"], "succeeded")
    events = await outbox(engine, client.org_id)
    assert types(events)[5:] == ["ticket.voided", "refund.succeeded"]
    assert events[5]["payload"]["data"]["ticket"]["id"] == paid["tickets"][0]["id"]
    assert events[5]["payload"]["data"]["ticket"]["status"] == "void"
    assert events[6]["payload"]["data"] == done
    rest = await refund(client, order["order_id"], kind="whole_order", reason="event moved")
    assert rest.status_code == 201, rest.text
    await wait_refund(client, rest.json()["id"], "succeeded")
    events = await outbox(engine, client.org_id)
    assert types(events)[7:] == ["ticket.voided", "refund.succeeded", "order.refunded"]
    refunded = await _order(client, order["order_id"])
    assert refunded["status"] == "refunded"
    _same(events[9]["payload"]["data"], refunded)

    # Nothing reached the other organisation, nor the disabled endpoint.
    assert await outbox(engine, other.org_id) == []
    delivered_to = {ep for e in await outbox(engine) for ep in e["endpoints"]}
    assert delivered_to == {everything, paid_only}
    assert other_endpoint not in delivered_to


async def test_cancellation_and_expiry_of_holds(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    await sign_up(client)
    event = await on_sale_event(client, quantity=10)
    endpoint = await add_endpoint(engine, client.org_id, ["order.cancelled", "order.expired"])
    buyer = new_client()

    cancelled = await _hold_and_start(buyer, event)
    r = await buyer.post(
        f"/api/public/orders/{cancelled['reference']}/cancel", headers={"X-Order-Token": cancelled["access_token"]}
    )
    assert r.status_code == 200, r.text
    [ev] = await outbox(engine, client.org_id)
    assert ev["type"] == "order.cancelled" and ev["endpoints"] == [endpoint]
    _same(ev["payload"]["data"], await _order(client, cancelled["order_id"]))

    # Expiry is a bulk statement: the release that follows an expired hold records one event per order.
    expiring = [await _hold_and_start(buyer, event, 1) for _ in range(2)]
    for o in expiring:
        await expire_hold(engine, o["order_id"])
    from voelgoed.domain.orders.expiry import release_all_expired
    from voelgoed.domain.webhooks import payloads  # noqa: F401  (installs the order payload builder)

    assert await release_all_expired(engine) == 2
    expired = of_type(await outbox(engine, client.org_id), "order.expired")
    assert sorted(e["payload"]["data"]["id"] for e in expired) == sorted(o["order_id"] for o in expiring)
    for e in expired:
        _same(e["payload"]["data"], await _order(client, e["payload"]["data"]["id"]))
        assert e["payload"]["data"]["status"] == "expired"


async def test_organiser_cancels_a_paid_order(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    await sign_up(client)
    event = await on_sale_event(client, quantity=10)
    await add_endpoint(engine, client.org_id, ["order.cancelled", "ticket.voided", "refund.succeeded"])
    buyer = new_client()
    order = await _hold_and_start(buyer, event)
    await pay_simulated(buyer, order["payment_url"])
    r = await client.post(client.org(f"/orders/{order['order_id']}/cancel"), json={"refund": False, "reason": "x"})
    assert r.status_code == 200, r.text
    events = await outbox(engine, client.org_id)
    assert types(events) == ["ticket.voided", "ticket.voided", "order.cancelled"]
    _same(events[2]["payload"]["data"], await _order(client, order["order_id"]))


async def test_check_in_online_and_offline(client: Api, new_client: Any, stack: Stack, engine: AsyncEngine) -> None:
    from tests.api.checkin_support import pair, scan_body
    from tests.api.helpers import make_gate

    await sign_up(client)
    event = await on_sale_event(client, quantity=10)
    venue_id = event["venue_id"]
    gate = await make_gate(client, venue_id, "MAIN")
    async with engine.begin() as conn:  # doors open: the check-in window starts 3 h before
        await conn.execute(
            text("UPDATE event SET starts_at = now() + interval '1 hour', ends_at = now() + interval '5 hours'"
                 " WHERE id = :e"),
            {"e": uuid.UUID(event["id"])},
        )  # fmt: skip
    buyer = new_client()
    order = await _hold_and_start(buyer, event, 3)
    await pay_simulated(buyer, order["payment_url"])
    tickets = (await _order(client, order["order_id"]))["tickets"]
    endpoint = await add_endpoint(engine, client.org_id, ["ticket.checked_in"])
    device = await pair(client, stack.base_url, [event["id"]], gate["id"], name="Gate phone")

    ok = await device.post("/api/checkin/scans", json=scan_body(tickets[0]["code"], gate["id"]))
    assert ok.status_code == 200 and ok.json()["result"] == "ok", ok.text
    again = await device.post("/api/checkin/scans", json=scan_body(tickets[0]["code"], gate["id"]))
    assert again.json()["result"] == "already_redeemed"
    [online] = await outbox(engine, client.org_id)
    data = online["payload"]["data"]
    assert online["type"] == "ticket.checked_in" and online["endpoints"] == [endpoint]
    assert data["ticket"] == tickets[0]
    assert data["order_reference"] == order["reference"] and data["event_id"] == event["id"]
    assert data["scan_id"] == ok.json()["scan_id"] and data["offline"] is False
    assert data["gate"] == {"id": gate["id"], "name": gate["name"]}
    assert data["device"] == {"id": device.device_id, "name": "Gate phone"}  # type: ignore[attr-defined]

    scans = [{**scan_body(t["code"], gate["id"]), "local_verdict": "ok"} for t in (tickets[1], tickets[2], tickets[2])]
    up = await device.post("/api/checkin/offline-scans", json={"scans": scans})
    assert up.status_code == 200, up.text
    offline = (await outbox(engine, client.org_id))[1:]
    # tickets[2] was let in twice offline: one admission, one offline duplicate (no event).
    assert sorted(e["payload"]["data"]["ticket"]["id"] for e in offline) == sorted([tickets[1]["id"], tickets[2]["id"]])
    assert all(e["payload"]["data"]["offline"] for e in offline)
    await device.aclose()


async def test_no_subscriber_records_nothing(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    await sign_up(client)
    await add_endpoint(engine, client.org_id, ["ticket.checked_in"])  # listens, but to nothing sold here
    event = await on_sale_event(client, quantity=10)
    buyer = new_client()
    order = await _hold_and_start(buyer, event)
    await pay_simulated(buyer, order["payment_url"])
    r = await refund(client, order["order_id"], kind="whole_order", reason="no")
    await wait_refund(client, r.json()["id"], "succeeded")
    assert await outbox(engine) == []


async def test_a_rolled_back_payment_records_nothing(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from voelgoed.workflows.checkout import complete_checkout

    await sign_up(client)
    event = await on_sale_event(client, quantity=10)
    await add_endpoint(engine, client.org_id)
    buyer = new_client()
    order = await _hold_and_start(buyer, event)
    before = len(await outbox(engine, client.org_id))
    async with engine.connect() as conn:
        tx_id, total = (
            await conn.execute(
                text("SELECT t.id, t.amount_cents FROM payment_transaction t WHERE t.order_id = :o"),
                {"o": uuid.UUID(order["order_id"])},
            )
        ).one()
    async with AsyncSession(engine, expire_on_commit=False) as db:
        result = await complete_checkout(
            db, transaction_id=tx_id, provider_reference="pf-1", amount_cents=total, succeeded=True
        )
        assert result.order_status == "paid"
        inside = await db.scalar(
            text("SELECT count(*) FROM webhook_event WHERE organization_id = :o"), {"o": uuid.UUID(client.org_id)}
        )
        assert inside == before + 3  # order.paid and two ticket.issued, in this transaction
        await db.rollback()
    assert len(await outbox(engine, client.org_id)) == before
    assert (await _order(client, order["order_id"]))["status"] == "awaiting_payment"


async def test_event_cancellation_records_the_event_and_every_order(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    from tests.api.test_event_cancellation import cancellation_path, wait_finished

    await sign_up(client)
    event = await on_sale_event(client, quantity=10)
    buyer = new_client()
    paid = []
    for _ in range(2):
        o = await _hold_and_start(buyer, event, 1)
        await pay_simulated(buyer, o["payment_url"])
        paid.append(o)
    hold = await _hold_and_start(buyer, event, 1)
    await add_endpoint(engine, client.org_id, ["event.cancelled", "order.cancelled", "ticket.voided"])

    r = await client.post(
        cancellation_path(client, event["id"]), json={"mode": "cancel_without_refund", "reason_text": "Rained out"}
    )
    assert r.status_code == 202, r.text
    await wait_finished(client, event["id"])
    events = await outbox(engine, client.org_id)
    assert types(events)[0] == "event.cancelled"
    got = await client.get(client.org(f"/events/{event['id']}"))
    assert events[0]["payload"]["data"] == got.json()
    cancelled = of_type(events, "order.cancelled")
    assert sorted(e["payload"]["data"]["id"] for e in cancelled) == sorted(o["order_id"] for o in [*paid, hold])
    for e in cancelled:
        _same(e["payload"]["data"], await _order(client, e["payload"]["data"]["id"]))
    assert len(of_type(events, "ticket.voided")) == 2  # the paid orders' tickets; a hold has none
    assert len(events) == 1 + 3 + 2


async def test_a_cancelled_manual_refund_is_refund_failed(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    await sign_up(client)
    event = await on_sale_event(client, quantity=10)
    buyer = new_client()
    order = await _hold_and_start(buyer, event)
    await pay_simulated(buyer, order["payment_url"])
    await add_endpoint(engine, client.org_id, ["refund.failed", "refund.succeeded", "order.refunded"])
    made = await refund(client, order["order_id"], kind="amount", amount_cents=5000, reason="x", method="manual")
    assert made.status_code == 201, made.text
    cancelled = await client.post(client.org(f"/refunds/{made.json()['id']}/cancel"))
    assert cancelled.status_code == 200, cancelled.text
    [failed] = await outbox(engine, client.org_id)
    assert failed["type"] == "refund.failed"
    assert failed["payload"]["data"] == (await client.get(client.org(f"/refunds/{made.json()['id']}"))).json()
