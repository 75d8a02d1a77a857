"""Refunds over HTTP: tickets, amounts, whole orders, manual refunds; the limits (more than paid,
twice, unpaid, bad tickets, other organisations, roles), concurrency, idempotency, provider
retries, stock and the buyer's e-mail."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import add_member, assert_problem
from tests.api.refund_helpers import (
    on_sale_event,
    order_row,
    paid_order,
    refund,
    wait_refund,
    wait_worker_idle,
)
from tests.api.sales_helpers import counters
from tests.conftest import Api, Stack, sign_up


@pytest.fixture(autouse=True)
async def _worker_idle(stack: Stack) -> AsyncIterator[None]:
    yield
    await wait_worker_idle(stack)


async def _detail(api: Api, order_id: str) -> dict[str, Any]:
    r = await api.get(api.org(f"/orders/{order_id}"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_refund_chosen_tickets_voids_them_and_returns_stock(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, quantity=5)
    order = await paid_order(new_client(), event, quantity=3)
    assert (await counters(engine, event["ticket_type_id"]))[2] == 3
    tickets = (await _detail(client, order["order_id"]))["tickets"]
    assert len(tickets) == 3

    r = await refund(client, order["order_id"], kind="tickets", ticket_ids=[tickets[0]["id"]], reason="Cannot come")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["amount_cents"] == 15000 and body["kind"] == "tickets" and body["method"] == "provider"
    assert body["status"] in ("requested", "pending")  # never succeeded before the provider answers
    assert body["ticket_ids"] == [tickets[0]["id"]]
    assert body["vat_cents"] == round(15000 * 15 / 115)

    # the ticket is void at once, its stock is back on sale
    detail = await _detail(client, order["order_id"])
    assert {t["id"]: t["status"] for t in detail["tickets"]}[tickets[0]["id"]] == "void"
    assert (await counters(engine, event["ticket_type_id"]))[2] == 2

    done = await wait_refund(client, body["id"], "succeeded")
    assert done["provider_refund_id"] and done["attempts"] == 1
    row = await order_row(engine, order["order_id"])
    assert row["status"] == "paid" and row["refunded_cents"] == 15000 and row["refund_pending_cents"] == 0

    listed = await client.get(client.org(f"/orders/{order['order_id']}/refunds"))
    assert listed.status_code == 200
    assert listed.json()["left_to_refund_cents"] == 30000 and len(listed.json()["refunds"]) == 1
    by_event = await client.get(client.org(f"/events/{event['id']}/refunds"))
    assert by_event.status_code == 200 and by_event.json()["total"] == 1

    # the stock that came back can be sold again: 5 - 2 sold = 3 left
    again = await paid_order(new_client(), event, quantity=3)
    assert (await order_row(engine, again["order_id"]))["status"] == "paid"


async def test_amount_then_the_rest_refunds_the_whole_order(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=2)  # R 300.00, VAT 3913
    first = await refund(client, order["order_id"], kind="amount", amount_cents=10001, reason="Late start")
    assert first.status_code == 201, first.text
    assert first.json()["ticket_ids"] == []
    await wait_refund(client, first.json()["id"], "succeeded")
    detail = await _detail(client, order["order_id"])
    assert all(t["status"] == "valid" for t in detail["tickets"])  # an amount voids nothing

    rest = await refund(client, order["order_id"], kind="whole_order", reason="Event moved")
    assert rest.status_code == 201, rest.text
    assert rest.json()["amount_cents"] == 30000 - 10001 and len(rest.json()["ticket_ids"]) == 2
    await wait_refund(client, rest.json()["id"], "succeeded")
    row = await order_row(engine, order["order_id"])
    assert row["status"] == "refunded" and row["refunded_cents"] == 30000
    vat = first.json()["vat_cents"] + rest.json()["vat_cents"]
    assert vat == row["vat_cents"]  # the last refund takes the VAT that is left: the totals match
    assert (await counters(engine, event["ticket_type_id"]))[2] == 0

    more = await refund(client, order["order_id"], kind="amount", amount_cents=1, reason="again")
    assert_problem(more, 409)  # a refunded order is not paid any more


async def test_limits_more_than_paid_twice_unpaid_bad_tickets(client: Api, new_client: Any) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=1)
    too_much = await refund(client, order["order_id"], kind="amount", amount_cents=15001, reason="x")
    assert_problem(too_much, 422, "amount_cents")
    bad = await refund(client, order["order_id"], kind="tickets", ticket_ids=[str(uuid.uuid4())], reason="x")
    assert_problem(bad, 422, "ticket_ids")
    none = await refund(client, order["order_id"], kind="tickets", ticket_ids=[], reason="x")
    assert_problem(none, 422, "ticket_ids")
    blank = await refund(client, order["order_id"], kind="whole_order", reason="   ")
    assert_problem(blank, 422, "reason")
    unknown = await refund(client, order["order_id"], kind="everything", reason="x")
    assert_problem(unknown, 422, "kind")

    whole = await refund(client, order["order_id"], kind="whole_order", reason="x")
    assert whole.status_code == 201, whole.text
    twice = await refund(client, order["order_id"], kind="whole_order", reason="x")
    assert_problem(twice, 422)
    ticket_again = await refund(
        client, order["order_id"], kind="tickets", ticket_ids=whole.json()["ticket_ids"], reason="x"
    )
    assert_problem(ticket_again, 422)

    unpaid = await paid_order(new_client(), event, quantity=1, pay=False)
    r = await refund(client, unpaid["order_id"], kind="whole_order", reason="x")
    assert_problem(r, 409)
    missing = await refund(client, str(uuid.uuid4()), kind="whole_order", reason="x")
    assert_problem(missing, 404)


async def test_other_organisations_and_roles(client: Api, new_client: Any, stack: Stack) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=1)
    other = new_client()
    await sign_up(other, organization="Other Org")
    r = await other.post(
        f"/api/organizations/{other.org_id}/orders/{order['order_id']}/refunds",
        json={"kind": "whole_order", "reason": "x"},
        headers={"Idempotency-Key": "k1"},
    )
    assert_problem(r, 404)
    assert_problem(await other.get(f"/api/organizations/{other.org_id}/orders/{order['order_id']}/refunds"), 404)
    cancel = await other.post(
        f"/api/organizations/{other.org_id}/orders/{order['order_id']}/cancel", json={"reason": "x"}
    )
    assert_problem(cancel, 404)

    for role in ("staff", "viewer"):
        member = await add_member(client, new_client, stack, role)
        r = await member.post(
            client.org(f"/orders/{order['order_id']}/refunds"),
            json={"kind": "whole_order", "reason": "x"},
            headers={"Idempotency-Key": f"k-{role}"},
        )
        assert_problem(r, 403)
        c = await member.post(client.org(f"/orders/{order['order_id']}/cancel"), json={"reason": "x"})
        assert_problem(c, 403)


async def test_ten_concurrent_refunds_never_exceed_what_was_paid(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=2)  # 30000
    answers = await asyncio.gather(
        *(refund(client, order["order_id"], kind="amount", amount_cents=7000, reason=f"r{i}") for i in range(10))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 4 and codes.count(422) == 6, [a.text for a in answers]
    row = await order_row(engine, order["order_id"])
    assert row["refunded_cents"] + row["refund_pending_cents"] == 28000


async def test_same_idempotency_key_returns_the_same_refund(client: Api, new_client: Any) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=2)
    body = {"kind": "amount", "amount_cents": 500, "reason": "Parking"}
    first = await refund(client, order["order_id"], key="same-key", **body)
    again = await refund(client, order["order_id"], key="same-key", **body)
    assert first.status_code == 201 and again.status_code == 201, again.text
    assert first.json()["id"] == again.json()["id"]
    listed = await client.get(client.org(f"/orders/{order['order_id']}/refunds"))
    assert len(listed.json()["refunds"]) == 1
    changed = await refund(client, order["order_id"], key="same-key", **{**body, "amount_cents": 600})
    assert_problem(changed, 422, "Idempotency-Key")
    both = await asyncio.gather(
        *(
            refund(client, order["order_id"], key="parallel", kind="amount", amount_cents=100, reason="p")
            for _ in range(5)
        )
    )
    assert {b.status_code for b in both} == {201}, [b.text for b in both]
    assert len({b.json()["id"] for b in both}) == 1


async def test_provider_down_keeps_it_pending_then_retries_to_success(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=1)
    r = await refund(client, order["order_id"], kind="whole_order", reason="Storm [simulate:unavailable-2]")
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    seen: set[str] = set()
    deadline = time.monotonic() + 40
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = (await client.get(client.org(f"/refunds/{rid}"))).json()
        seen.add(body["status"])
        if body["status"] == "succeeded":
            break
        if body["status"] == "pending" and body["last_error"]:
            seen.add("unavailable" if "unavailable" in body["last_error"] else body["last_error"])
            assert (await order_row(engine, order["order_id"]))["refunded_cents"] == 0
        await asyncio.sleep(0.2)
    assert body["status"] == "succeeded" and body["attempts"] == 3, (
        body["attempts"],
        body["last_error"],
        body["next_attempt_at"],
    )
    assert "pending" in seen and "unavailable" in seen  # waited, with the reason, between attempts
    assert (await order_row(engine, order["order_id"]))["status"] == "refunded"


async def test_provider_refusal_fails_and_frees_the_amount(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=1)
    r = await refund(client, order["order_id"], kind="amount", amount_cents=1000, reason="x [simulate:declined]")
    failed = await wait_refund(client, r.json()["id"], "failed")
    assert "refusal" in failed["failure_reason"]
    row = await order_row(engine, order["order_id"])
    assert row["refund_pending_cents"] == 0 and row["refunded_cents"] == 0 and row["status"] == "paid"


async def test_manual_refund_waits_for_the_organisers_confirmation(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack
) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=2, email="manual-buyer@example.co.za")
    r = await refund(client, order["order_id"], kind="amount", amount_cents=2000, reason="Cash back", method="manual")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending" and r.json()["can_confirm"] is True
    await wait_worker_idle(stack)
    assert (await client.get(client.org(f"/refunds/{r.json()['id']}"))).json()["status"] == "pending"
    assert (await order_row(engine, order["order_id"]))["refund_pending_cents"] == 2000

    confirmed = await client.post(client.org(f"/refunds/{r.json()['id']}/confirm"))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "succeeded"
    assert_problem(await client.post(client.org(f"/refunds/{r.json()['id']}/confirm")), 409)
    row = await order_row(engine, order["order_id"])
    assert row["refunded_cents"] == 2000 and row["refund_pending_cents"] == 0

    other = await refund(client, order["order_id"], kind="amount", amount_cents=3000, reason="Oops", method="manual")
    cancelled = await client.post(client.org(f"/refunds/{other.json()['id']}/cancel"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "failed"
    assert (await order_row(engine, order["order_id"]))["refund_pending_cents"] == 0


async def test_provider_timeout_keeps_it_pending_then_retries_to_success(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=1)
    r = await refund(client, order["order_id"], kind="whole_order", reason="Slow bank [simulate:timeout-1]")
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    await asyncio.sleep(5)  # the first call hangs: the refund waits, pending, never succeeded
    waiting = (await client.get(client.org(f"/refunds/{rid}"))).json()
    assert waiting["status"] == "pending" and waiting["attempts"] == 1
    assert (await order_row(engine, order["order_id"]))["refunded_cents"] == 0
    done = await wait_refund(client, rid, "succeeded", timeout=90)  # 30 s timeout, then a retry
    assert done["attempts"] == 2
    assert (await order_row(engine, order["order_id"]))["status"] == "refunded"
