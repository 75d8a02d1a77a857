"""What a refund or cancellation does beyond the money: scanners refuse the revoked tickets (online
and in their next delta), the buyer is e-mailed once per refund, the buyer's order page shows it,
orders are cancelled with or without a refund, and late payments are refunded on their own."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import pair, scan_body
from tests.api.helpers import assert_problem, make_gate
from tests.api.refund_helpers import (
    on_sale_event,
    order_row,
    paid_order,
    pay_simulated,
    refund,
    wait_refund,
    wait_worker_idle,
)
from tests.api.sales_helpers import counters, expire_hold
from tests.conftest import Api, Stack
from voelgoed.domain.check_in import offline_records
from voelgoed.domain.orders.schemas import REFUND_STATUS_WORDS
from voelgoed.domain.refunds.machines import RefundLifecycle
from voelgoed.domain.tickets import payload as ticket_payload
from voelgoed.lib.closed_sets import states_of


@pytest.fixture(autouse=True)
async def _worker_idle(stack: Stack) -> AsyncIterator[None]:
    yield
    await wait_worker_idle(stack)


def test_order_views_name_the_refund_states_of_the_machine() -> None:
    assert tuple(states_of(RefundLifecycle)) == REFUND_STATUS_WORDS


async def _detail(api: Api, order_id: str) -> dict[str, Any]:
    r = await api.get(api.org(f"/orders/{order_id}"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _mails(stack: Stack, to: str, subject: str) -> list[str]:
    found = []
    for path in Path(stack.mail_dir).glob("*"):
        body = path.read_text(errors="replace")
        if f"To: {to}" in body and subject in body:
            found.append(body)
    return found


async def _wait_mails(stack: Stack, to: str, subject: str, n: int, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _mails(stack, to, subject)
        if len(found) >= n:
            return found
        await asyncio.sleep(0.2)
    return _mails(stack, to, subject)


async def test_refunded_ticket_is_refused_online_and_revoked_in_the_delta(
    client: Api, new_client: Any, stack: Stack, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=2)
    async with engine.begin() as conn:  # the event starts in an hour: check-in is open
        await conn.execute(
            text(
                "UPDATE event SET starts_at = now() + interval '1 hour',"
                " ends_at = now() + interval '5 hours' WHERE id = :e"
            ),
            {"e": uuid.UUID(event["id"])},
        )
    gate = await make_gate(client, event["venue_id"])
    device = await pair(client, stack.base_url, [event["id"]], gate["id"])
    snap = await device.get("/api/checkin/snapshot", params={"event_id": event["id"]})
    assert snap.status_code == 200, snap.text
    cursor = snap.json()["cursor"]
    assert snap.json()["revoked"] == []

    tickets = (await _detail(client, order["order_id"]))["tickets"]
    gone, kept = tickets
    r = await refund(client, order["order_id"], kind="tickets", ticket_ids=[gone["id"]], reason="Sick")
    assert r.status_code == 201, r.text

    refused = await device.post("/api/checkin/scans", json=scan_body(gone["code"], gate["id"]))
    assert refused.status_code == 200 and refused.json()["result"] == "revoked", refused.text
    admitted = await device.post("/api/checkin/scans", json=scan_body(kept["code"], gate["id"]))
    assert admitted.json()["result"] == "ok", admitted.text

    delta = await device.get("/api/checkin/changes", params={"event_id": event["id"], "cursor": cursor})
    assert delta.status_code == 200, delta.text
    by_hash = {rec["h"]: rec["s"] for rec in delta.json()["tickets"]}
    gone_hash = offline_records.serial_hash(ticket_payload.serial_from_text(gone["serial"]))
    assert by_hash[gone_hash] == "r"  # revoked
    await device.aclose()


async def test_buyer_is_emailed_once_per_refund_and_sees_it_on_the_order_page(
    client: Api, new_client: Any, stack: Stack
) -> None:
    event = await on_sale_event(client)
    email = f"buyer-{uuid.uuid4().hex[:8]}@example.co.za"
    buyer = new_client()
    order = await paid_order(buyer, event, quantity=3, email=email)
    tickets = (await _detail(client, order["order_id"]))["tickets"]
    one = await refund(client, order["order_id"], kind="tickets", ticket_ids=[tickets[0]["id"]], reason="Sick child")
    two = await refund(client, order["order_id"], kind="amount", amount_cents=2500, reason="Late start")
    await wait_refund(client, one.json()["id"], "succeeded")
    await wait_refund(client, two.json()["id"], "succeeded")
    mails = await _wait_mails(stack, email, "Refund of", 2)
    await wait_worker_idle(stack)
    await asyncio.sleep(1)
    mails = _mails(stack, email, "Refund of")
    assert len(mails) == 2, [m[:300] for m in mails]
    text_all = "\n".join(mails)
    assert "Sick child" in text_all and "Late start" in text_all and tickets[0]["code"] in text_all

    public = await buyer.get(
        f"/api/public/orders/{order['reference']}", headers={"X-Order-Token": order["access_token"]}
    )
    assert public.status_code == 200, public.text
    assert public.json()["refunded_cents"] == 15000 + 2500
    assert {r["status"] for r in public.json()["refunds"]} == {"succeeded"}
    page = await buyer.get(f"/orders/{order['reference']}", params={"token": order["access_token"]})
    assert page.status_code == 200
    assert "Refunds" in page.text and "revoked" in page.text and "Sick child" in page.text

    detail = await _detail(client, order["order_id"])
    assert detail["refunded_cents"] == 17500 and len(detail["refunds"]) == 2
    assert detail["left_to_refund_cents"] == 45000 - 17500


async def test_cancel_with_refund_voids_everything_and_refunds_the_rest(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack
) -> None:
    event = await on_sale_event(client)
    email = f"cancel-{uuid.uuid4().hex[:8]}@example.co.za"
    order = await paid_order(new_client(), event, quantity=2, email=email)
    part = await refund(client, order["order_id"], kind="amount", amount_cents=1000, reason="Parking")
    await wait_refund(client, part.json()["id"], "succeeded")

    r = await client.post(client.org(f"/orders/{order['order_id']}/cancel"), json={"reason": "Venue flooded"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["cancelled"] is True and body["order_status"] == "cancelled"
    assert body["refund"]["amount_cents"] == 29000 and body["refund"]["kind"] == "whole_order"
    assert (await counters(engine, event["ticket_type_id"]))[2] == 0
    assert all(t["status"] == "void" for t in (await _detail(client, order["order_id"]))["tickets"])
    await wait_refund(client, body["refund"]["id"], "succeeded")
    row = await order_row(engine, order["order_id"])
    assert row["status"] == "cancelled" and row["refunded_cents"] == 30000

    again = await client.post(client.org(f"/orders/{order['order_id']}/cancel"), json={"reason": "again"})
    assert again.status_code == 200 and again.json()["cancelled"] is False and again.json()["refund"] is None
    mails = await _wait_mails(stack, email, "Refund of", 2)
    assert any("cancelled your order" in m for m in mails)


async def test_cancel_without_refund_then_refund_later(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack
) -> None:
    event = await on_sale_event(client)
    email = f"norefund-{uuid.uuid4().hex[:8]}@example.co.za"
    order = await paid_order(new_client(), event, quantity=1, email=email)
    r = await client.post(
        client.org(f"/orders/{order['order_id']}/cancel"), json={"reason": "Fraudulent card", "refund": False}
    )
    assert r.status_code == 200 and r.json()["refund"] is None, r.text
    assert (await order_row(engine, order["order_id"]))["status"] == "cancelled"
    assert (await counters(engine, event["ticket_type_id"]))[2] == 0
    assert len(await _wait_mails(stack, email, "Order cancelled", 1)) == 1

    later = await refund(client, order["order_id"], kind="whole_order", reason="Changed our mind")
    assert later.status_code == 201, later.text
    assert later.json()["ticket_ids"] == []  # already void
    await wait_refund(client, later.json()["id"], "succeeded")
    assert (await order_row(engine, order["order_id"]))["refunded_cents"] == 15000

    unpaid = await paid_order(new_client(), event, quantity=1, pay=False)
    assert_problem(await client.post(client.org(f"/orders/{unpaid['order_id']}/cancel"), json={"reason": "x"}), 409)


async def test_late_payment_that_cannot_be_filled_is_refunded_automatically(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, quantity=1)
    buyer = new_client()
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 1}]},
    )
    late = held.json()
    started = await buyer.post(
        f"/api/public/orders/{late['reference']}/checkout",
        json={"buyer_name": "Late Larry", "buyer_email": "late@example.co.za", "provider": "simulated"},
        headers={"X-Order-Token": late["access_token"]},
    )
    assert started.status_code == 200, started.text
    await expire_hold(engine, late["order_id"])
    # someone else buys the last ticket (the expired hold is released on the way)
    await paid_order(new_client(), event, quantity=1)
    await pay_simulated(buyer, started.json()["payment"]["url"])  # the late payment lands
    row = await order_row(engine, late["order_id"])
    assert row["needs_refund"] is True and row["status"] == "expired"

    deadline = time.monotonic() + 20
    refunds: list[Any] = []
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            refunds = list(
                await conn.execute(
                    text("SELECT status, amount_cents, allocated FROM refund WHERE order_id = :o"),
                    {"o": uuid.UUID(late["order_id"])},
                )
            )
        if refunds and refunds[0][0] == "succeeded":
            break
        await asyncio.sleep(0.2)
    assert [tuple(r) for r in refunds] == [("succeeded", 15000, False)]
    row = await order_row(engine, late["order_id"])
    assert row["refunded_cents"] == 0  # never a sale: not counted against the order


async def test_a_refund_whose_job_was_lost_is_picked_up_by_the_sweep(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    """PostgreSQL is the record: a refund recorded without any queued job (Redis lost it, the API
    died before enqueueing) is asked for by the every-minute sweep."""
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=1)
    oid = uuid.UUID(order["order_id"])
    rid = uuid.uuid4()
    async with engine.begin() as conn:
        tx = (
            await conn.execute(
                text("SELECT id, organization_id, provider FROM payment_transaction WHERE order_id = :o"), {"o": oid}
            )
        ).one()
        await conn.execute(
            text(
                "INSERT INTO refund (id, organization_id, event_id, order_id, transaction_id, provider, method, kind,"
                " allocated, amount_cents, vat_cents, reason, status, attempts, next_attempt_at, notify_buyer,"
                " created_at, updated_at)"
                " VALUES (:id, :org, :ev, :o, :tx, :p, 'provider', 'amount', true, 1000, 130, 'lost job', 'requested',"
                " 0, now() - interval '1 minute', false, now(), now())"
            ),
            {
                "id": rid,
                "org": tx.organization_id,
                "ev": uuid.UUID(event["id"]),
                "o": oid,
                "tx": tx.id,
                "p": tx.provider,
            },
        )
        await conn.execute(text("UPDATE ticket_order SET refund_pending_cents = 1000 WHERE id = :o"), {"o": oid})
    done = await wait_refund(client, str(rid), "succeeded", timeout=90)  # the sweep runs every minute
    assert done["attempts"] == 1
    row = await order_row(engine, order["order_id"])
    assert row["refunded_cents"] == 1000 and row["refund_pending_cents"] == 0
