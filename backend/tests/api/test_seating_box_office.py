"""The box office over HTTP (allocateSeats): the organiser allocates seats by hand to a person,
as a comp (0 cents) or paid at the box office; tickets issued and e-mailed, seats sold, the ledger
and audit log written; bad input, idempotency, organisation B, and a race with a buyer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem
from tests.api.sales_helpers import counters, organiser_with_event, scalar
from tests.api.seating_helpers import hold, seat_map, seated_event
from tests.conftest import Api, Stack, sign_up, wait_for_mail


async def allocate(
    api: Api, event_id: str, seat_ids: list[str], *, comp: bool = True, key: str | None = None, **extra: Any
) -> httpx.Response:
    body = {"seat_ids": seat_ids, "buyer_name": "Sipho Dlamini", "buyer_email": "sipho@example.co.za", "comp": comp}
    headers = {"Idempotency-Key": key} if key else {}
    return await api.post(api.org(f"/events/{event_id}/seating/allocations"), json={**body, **extra}, headers=headers)


async def test_comp_of_a_blocked_seat_issues_and_mails_tickets(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    seated = await seated_event(client, price_cents=25000, max_per_order=1)
    event_id = seated.event["id"]
    a1, a2 = seated.seat("A", "1"), seated.seat("A", "2")
    blocked = await client.post(
        client.org(f"/events/{event_id}/seating/block"), json={"seat_ids": [a1], "reason": "comps"}
    )
    assert blocked.status_code == 200, blocked.text

    r = await allocate(client, event_id, [a1, a2], key="comp-1")  # over max_per_order: the box office may
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "paid" and body["total_cents"] == 0 and body["comp"] is True
    assert [(s["row"], s["label"], s["price_cents"]) for s in body["seats"]] == [("A", "1", 0), ("A", "2", 0)]
    assert (await seat_map(client, seated.slug))[:2] == "ss"
    assert await counters(engine, seated.ticket_type["id"]) == (100, 0, 2)
    order_id = uuid.UUID(body["order_id"])
    tickets = await scalar(
        engine,
        "SELECT string_agg(r.label || s.label, ',' ORDER BY s.position) FROM ticket t"
        " JOIN event_seat es ON es.id = t.event_seat_id JOIN seat s ON s.id = es.seat_id"
        " JOIN seat_row r ON r.id = s.row_id WHERE t.order_id = :o AND t.status = 'valid'",
        o=order_id,
    )
    assert tickets == "A1,A2"
    provider = await scalar(engine, "SELECT provider FROM payment_transaction WHERE order_id = :o", o=order_id)
    assert provider == "manual"
    booked = await scalar(engine, "SELECT count(*) FROM journal_entry WHERE order_id = :o", o=order_id)
    assert booked == 0  # the ledger books money: a 0-cent payment posts nothing (as for any free order)
    audited = await scalar(
        engine, "SELECT count(*) FROM audit_entry WHERE action = 'seats.allocate' AND entity_id = :o", o=order_id
    )
    assert audited == 1
    mail = await wait_for_mail(stack, "sipho@example.co.za")
    assert mail["To"] is not None  # the tickets went out like any order's

    again = await allocate(client, event_id, [a1, a2], key="comp-1")  # the same key: the same order
    assert again.status_code == 201 and again.json()["order_id"] == body["order_id"] and again.json()["replayed"]
    orders = await scalar(engine, "SELECT count(*) FROM ticket_order WHERE event_id = :e", e=uuid.UUID(event_id))
    assert orders == 1

    detail = (await client.get(client.org(f"/orders/{order_id}"))).json()
    assert detail["status"] == "paid" and detail["buyer_email"] == "sipho@example.co.za"


async def test_paid_at_the_box_office_takes_the_seats_price(client: Api, engine: AsyncEngine) -> None:
    seated = await seated_event(client, price_cents=25000)
    r = await allocate(client, seated.event["id"], [seated.seat("B", "3")], comp=False)
    assert r.status_code == 201, r.text
    assert r.json()["total_cents"] == 25000 and r.json()["comp"] is False
    paid = await scalar(
        engine,
        "SELECT amount_cents FROM payment_transaction WHERE order_id = :o AND status = 'succeeded'",
        o=uuid.UUID(r.json()["order_id"]),
    )
    assert paid == 25000
    booked = await scalar(
        engine,
        "SELECT count(*) FROM journal_entry WHERE order_id = :o AND kind = 'sale' AND provider = 'manual'",
        o=uuid.UUID(r.json()["order_id"]),
    )
    assert booked == 1


async def test_bad_input_and_taken_seats(client: Api, new_client: Callable[[], Api]) -> None:
    seated = await seated_event(client)
    other = await seated_event(client)
    event_id = seated.event["id"]
    assert_problem(await allocate(client, event_id, [str(uuid.uuid4())]), 422, "seat_ids.0")
    assert_problem(await allocate(client, event_id, [other.seat("A", "1")]), 422, "seat_ids.0")
    assert_problem(await allocate(client, event_id, []), 400, "seat_ids")  # the schema says at least one
    assert_problem(await allocate(client, event_id, [seated.seat("A", "1")], buyer_email="nope"), 422, "buyer_email")
    assert_problem(await allocate(client, event_id, [seated.seat("A", "1")], buyer_name=" "), 422, "buyer_name")

    buyer = new_client()
    held = await hold(buyer, seated.slug, [seated.seat("C", "2")])
    assert held.status_code == 201, held.text
    taken = assert_problem(await allocate(client, event_id, [seated.seat("A", "1"), seated.seat("C", "2")]), 409)
    assert "row C seat 2" in taken["detail"] and "held" in taken["detail"]
    assert [s["label"] for s in taken["taken_seats"]] == ["2"]
    assert (await seat_map(client, seated.slug))[0] == "a"  # nothing allocated, A1 still free

    sold = (await allocate(client, event_id, [seated.seat("A", "1")])).json()
    assert sold["status"] == "paid"
    again = assert_problem(await allocate(client, event_id, [seated.seat("A", "1")]), 409)
    assert "row A seat 1 is sold" in again["detail"]

    draft = await organiser_with_event(client, publish=False)
    assert_problem(await allocate(client, draft["id"], [seated.seat("A", "1")]), 404)  # no seating there


async def test_organisation_b_gets_404(client: Api, new_client: Callable[[], Api]) -> None:
    seated = await seated_event(client)
    b = new_client()
    await sign_up(b, organization="Org B")
    await organiser_with_event(b)
    path = f"/events/{seated.event['id']}/seating/allocations"
    body = {"seat_ids": [seated.seat("A", "1")], "buyer_name": "X", "buyer_email": "x@example.com", "comp": True}
    for org_path in (b.org(path), client.org(path)):
        assert_problem(await b.post(org_path, json=body), 404)
    assert (await seat_map(client, seated.slug))[0] == "a"


async def test_box_office_and_a_buyer_race_for_one_seat(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    """The organiser allocates a seat while buyers hold it: exactly one wins, the others 409."""
    seated = await seated_event(client)
    seat = seated.seat("A", "3")
    for _ in range(3):  # a few rounds on fresh seats: the order of arrival varies
        answers = await asyncio.gather(
            allocate(client, seated.event["id"], [seat]),
            hold(new_client(), seated.slug, [seat]),
            hold(new_client(), seated.slug, [seat]),
        )
        codes = [a.status_code for a in answers]
        assert sorted(codes) == [201, 409, 409], [a.text for a in answers]
        owners = await scalar(
            engine,
            "SELECT count(DISTINCT order_id) FROM event_seat WHERE seat_id = :s AND status IN ('held', 'sold')",
            s=uuid.UUID(seat),
        )
        assert owners == 1
        seat = seated.seat("B", str(_ + 1))


async def test_the_same_key_twice_at_once_makes_one_order(client: Api, engine: AsyncEngine) -> None:
    seated = await seated_event(client)
    seats = [seated.seat("C", "5"), seated.seat("C", "6")]
    answers = await asyncio.gather(*(allocate(client, seated.event["id"], seats, key="double-click") for _ in range(3)))
    assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
    assert len({a.json()["order_id"] for a in answers}) == 1
    orders = await scalar(
        engine, "SELECT count(*) FROM ticket_order WHERE event_id = :e", e=uuid.UUID(seated.event["id"])
    )
    assert orders == 1


async def test_api_keys_need_orders_write(client: Api, stack: Stack) -> None:
    from tests.api.api_key_helpers import key_client, make_key

    seated = await seated_event(client)
    path = client.org(f"/events/{seated.event['id']}/seating/allocations")
    body = {"seat_ids": [seated.seat("A", "6")], "buyer_name": "CRM", "buyer_email": "crm@example.com", "comp": True}
    events_only = key_client(stack.base_url, (await make_key(client, ["events:write"]))["key"])
    orders = key_client(stack.base_url, (await make_key(client, ["orders:write"]))["key"])
    try:
        assert_problem(await events_only.post(path, json=body), 403)
        made = await orders.post(path, json=body)
        assert made.status_code == 201, made.text
    finally:
        await events_only.aclose()
        await orders.aclose()
