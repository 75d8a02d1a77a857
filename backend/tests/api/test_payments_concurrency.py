"""Payment notifications under concurrency: many correctly signed notifications for one payment
transaction at once (PayFast retrying, a buyer who submitted PayFast's form twice, a FAILED and a
COMPLETE racing). Every one must be answered 200 (never a 500 from a deadlock), exactly one of them
decides the transaction, and the buyer gets one ticket e-mail. Same for the simulated provider's
page, which goes through the same confirmation path."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.sales_helpers import counters
from tests.api.test_payments_payfast import at_payfast, fake, own_merchant
from tests.api.test_payments_simulated import _worker_idle, hidden_fields, on_sale_event, order_state, page_path
from tests.conftest import Api, Stack, wait_for_worker_idle
from tests.fakes.payfast import FakePayFast, php_urlencode

__all__ = ["_worker_idle", "fake"]  # fixtures used by name

CONCURRENT = 20


def itn_body(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={php_urlencode(v)}" for k, v in pairs)


async def post_all(url: str, bodies: list[str]) -> list[httpx.Response]:
    """POST every body at once, as PayFast's servers would (one connection each)."""
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        return list(
            await asyncio.gather(
                *(
                    http.post(url, content=b, headers={"Content-Type": "application/x-www-form-urlencoded"})
                    for b in bodies
                )
            )
        )


async def checkout(buyer: httpx.AsyncClient, event: dict[str, Any], provider: str) -> dict[str, Any]:
    """Hold two tickets and start paying, with a buyer e-mail of this test only (mailbox counts)."""
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 2}]},
    )
    assert held.status_code == 201, held.text
    order = held.json()
    email = f"buyer-{uuid.uuid4().hex[:12]}@example.co.za"
    started = await buyer.post(
        f"/api/public/orders/{order['reference']}/checkout",
        json={"buyer_name": "Thandi Nkosi", "buyer_email": email, "provider": provider},
        headers={"X-Order-Token": order["access_token"]},
    )
    assert started.status_code == 200, started.text
    return {**order, "email": email, "payment": started.json()["payment"]}


def unexpected(answers: list[httpx.Response], wanted: int) -> list[str]:
    return [f"{a.status_code}: {a.text[:200]}" for a in answers if a.status_code != wanted]


async def payfast_attempts(fake: FakePayFast, order: dict[str, Any], n: int) -> list[str]:
    """The buyer's form posted to PayFast `n` times: `n` pf_payment_ids for one m_payment_id."""
    return [await at_payfast(fake, order) for _ in range(n)]


async def tickets_mails(stack: Stack, to: str, *, wait_seconds: float = 60) -> int:
    """The ticket e-mails sent to `to`, once the worker is idle and at least one arrived (or the
    wait ran out: on a loaded machine the delivery job can start after the queue looked idle)."""

    def count() -> int:
        if not stack.mail_dir.is_dir():
            return 0
        return sum(1 for p in stack.mail_dir.glob("*.eml") if to in p.read_text(errors="replace"))

    deadline = time.monotonic() + wait_seconds
    await wait_for_worker_idle(stack.redis_url)
    while count() == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await wait_for_worker_idle(stack.redis_url)  # a second e-mail would be sent by now
    return count()


async def verified_notes(engine: AsyncEngine, transaction_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT provider_event_id, outcome FROM payment_notification"
                " WHERE transaction_id = CAST(:t AS uuid) AND verified"
            ),
            {"t": transaction_id},
        )
        return [dict(r._mapping) for r in rows]


async def sold(engine: AsyncEngine, type_id: str) -> tuple[int, int]:
    """(reserved, sold) of a ticket type."""
    return (await counters(engine, type_id))[1:]


async def test_concurrent_itns_with_distinct_payment_ids_all_get_200(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack, fake: FakePayFast
) -> None:
    event = await on_sale_event(client)
    await own_merchant(client)
    order = await checkout(new_client(), event, "payfast")
    pf_ids = await payfast_attempts(fake, order, CONCURRENT)
    notify_url = order["payment"]["fields"]["notify_url"]

    answers = await post_all(notify_url, [itn_body(fake.itn_pairs(p)) for p in pf_ids])

    assert [a.status_code for a in answers] == [200] * CONCURRENT, unexpected(answers, 200)
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"
    assert await sold(engine, event["ticket_type_id"]) == (0, 2)
    notes = await verified_notes(engine, str(order["payment"]["fields"]["m_payment_id"]))
    assert sorted(n["provider_event_id"] for n in notes) == sorted(pf_ids)  # every one recorded once
    assert await tickets_mails(stack, order["email"]) == 1


async def test_concurrent_complete_and_failed_itns_settle_consistently(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack, fake: FakePayFast
) -> None:
    event = await on_sale_event(client)
    await own_merchant(client)
    order = await checkout(new_client(), event, "payfast")
    pf_ids = await payfast_attempts(fake, order, CONCURRENT)
    notify_url = order["payment"]["fields"]["notify_url"]
    statuses = ["COMPLETE" if i % 2 == 0 else "FAILED" for i in range(CONCURRENT)]

    bodies = [itn_body(fake.itn_pairs(p, status=s)) for p, s in zip(pf_ids, statuses, strict=True)]
    answers = await post_all(notify_url, bodies)

    assert [a.status_code for a in answers] == [200] * CONCURRENT, unexpected(answers, 200)
    state = await order_state(engine, order["reference"])
    assert state["payments"] in {"succeeded", "failed"}
    if state["payments"] == "succeeded":  # one consistent outcome, whichever notification won
        assert state["status"] == "paid" and state["tickets"] == 2
        assert await sold(engine, event["ticket_type_id"]) == (0, 2)
        assert await tickets_mails(stack, order["email"]) == 1
    else:
        assert state["status"] == "awaiting_payment" and state["tickets"] == 0
        assert await sold(engine, event["ticket_type_id"]) == (2, 0)
        assert await tickets_mails(stack, order["email"], wait_seconds=0) == 0
    assert len(await verified_notes(engine, str(order["payment"]["fields"]["m_payment_id"]))) == CONCURRENT


async def test_concurrent_simulated_pay_and_fail_clicks_settle_once(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack
) -> None:
    event = await on_sale_event(client)
    buyer = new_client()
    order = await checkout(buyer, event, "simulated")
    page = await buyer.get(page_path(order["payment"]["url"]))
    form = hidden_fields(page.text)
    url = stack.base_url + urlsplit(order["payment"]["url"]).path
    outcomes = ["pay" if i % 2 == 0 else "fail" for i in range(CONCURRENT)]

    bodies = [itn_body([*form.items(), ("outcome", o)]) for o in outcomes]
    answers = await post_all(url, bodies)

    assert [a.status_code for a in answers] == [303] * CONCURRENT, unexpected(answers, 303)
    state = await order_state(engine, order["reference"])
    assert state["payments"] in {"succeeded", "failed"}
    paid = state["payments"] == "succeeded"
    assert state["status"] == ("paid" if paid else "awaiting_payment") and state["tickets"] == (2 if paid else 0)
    assert await tickets_mails(stack, order["email"], wait_seconds=60 if paid else 0) == (1 if paid else 0)


async def wait_until_blocked_on(engine: AsyncEngine, table: str) -> None:
    """Until some other session waits for a row lock of `table` (the ITN, queued behind us); fails
    after 60 s instead of hanging the run."""
    for _ in range(1200):
        async with engine.connect() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND pid <> pg_backend_pid() AND query ILIKE :q"
                ),
                {"q": f"%FROM {table}%FOR UPDATE%"},
            )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no session ever waited for a lock on {table}")


async def test_itn_that_loses_a_deadlock_is_retried_not_a_500(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePayFast
) -> None:
    """Force a real deadlock: another session holds the order and then asks for the payment
    transaction the ITN holds. PostgreSQL aborts the ITN's transaction (ours waits longer before
    checking); the ITN must start again and answer 200 once the other session is gone."""
    event = await on_sale_event(client)
    await own_merchant(client)
    order = await checkout(new_client(), event, "payfast")
    [pf_id] = await payfast_attempts(fake, order, 1)
    notify_url = order["payment"]["fields"]["notify_url"]
    tx_id = order["payment"]["fields"]["m_payment_id"]

    async with engine.connect() as other:
        await other.begin()
        await other.execute(text("SET LOCAL deadlock_timeout = '60s'"))  # the ITN's side detects it
        await other.execute(
            text("SELECT id FROM ticket_order WHERE reference = :r FOR UPDATE"), {"r": order["reference"]}
        )
        itn = asyncio.create_task(post_all(notify_url, [itn_body(fake.itn_pairs(pf_id))]))
        await wait_until_blocked_on(engine, "ticket_order")  # the ITN holds the transaction row now
        await other.execute(
            text("SELECT id FROM payment_transaction WHERE id = CAST(:t AS uuid) FOR UPDATE"), {"t": tx_id}
        )  # waits for the ITN: a cycle, which PostgreSQL breaks by aborting the ITN's transaction
        await other.rollback()
    [answer] = await itn

    assert answer.status_code == 200, answer.text
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"
