"""Seat holds over the public API: specific seats and best available, concurrency (exactly one
winner per seat, alternatives for the others, never a double sale), expiry without the clean-up
job, payment marks seats sold and tickets carry them, cancellation frees them, bad input."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.api.helpers import assert_problem
from tests.api.sales_helpers import counters, expire_hold, held_in_orders, organiser_with_event, scalar
from tests.api.seating_helpers import hold, seat_map, seated_event
from tests.conftest import Api
from voelgoed.domain.catalog.inventory import TT, utcnow
from voelgoed.domain.seating.allocation import allocate_seats
from voelgoed.domain.seating.best import best_seats, centre_of
from voelgoed.domain.seating.holds import (
    SeatHoldRequest,
    SeatHoldResult,
    Seating,
    as_free,
    event_and_seating,
    event_seats,
    free_seats,
    seating_of,
)
from voelgoed.domain.seating.nearest import nearest_free


async def load_seating(conn: AsyncConnection, event_id: uuid.UUID) -> Seating:
    """The seating of an event on sale, as a hold batch sees it (its ticket types read, not locked)."""
    found = await event_and_seating(conn, event_id, utcnow())
    types = (await conn.execute(select(TT).where(TT.c.event_id == event_id))).all()
    return seating_of(found, list(types))


async def _pay(buyer: Api, held: dict[str, object]) -> None:
    checkout = await buyer.post(
        f"/api/public/orders/{held['reference']}/checkout",
        headers={"X-Order-Token": str(held["access_token"])},
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "simulated"},
    )
    assert checkout.status_code == 200, checkout.text
    parts = urlsplit(checkout.json()["payment"]["url"])
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    paid = await buyer.post(parts.path, data={"sig": q["sig"], "r": q["r"], "outcome": "pay"})
    assert paid.status_code in (200, 303), paid.text


async def test_hold_specific_seats_then_pay_and_tickets_carry_them(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    seated = await seated_event(client, price_cents=25000)
    buyer = new_client()
    seats = [seated.seat("B", "3"), seated.seat("B", "4")]
    r = await hold(buyer, seated.slug, seats)
    assert r.status_code == 201, r.text
    body = r.json()
    res = body["reservation"]
    assert res["status"] == "reserved" and res["total_cents"] == 50000 and res["access_token"]
    assert [(s["row"], s["label"], s["section"]) for s in body["seats"]] == [("B", "3", "Stalls"), ("B", "4", "Stalls")]
    assert await counters(engine, seated.ticket_type["id"]) == (100, 2, 0)
    assert await held_in_orders(engine, seated.ticket_type["id"]) == 2
    status = await seat_map(buyer, seated.slug)
    assert status[8:10] == "hh" and status.count("a") == 16

    await _pay(buyer, res)
    assert (await seat_map(buyer, seated.slug))[8:10] == "ss"
    assert await counters(engine, seated.ticket_type["id"]) == (100, 0, 2)
    labelled = await scalar(
        engine,
        "SELECT string_agg(r.label || s.label, ',' ORDER BY s.position) FROM ticket t"
        " JOIN event_seat es ON es.id = t.event_seat_id JOIN seat s ON s.id = es.seat_id"
        " JOIN seat_row r ON r.id = s.row_id WHERE t.order_id = :o AND t.status = 'valid'",
        o=uuid.UUID(res["order_id"]),
    )
    assert labelled == "B3,B4"
    # sold seats are never held again
    assert_problem(await hold(new_client(), seated.slug, [seats[0]]), 409)


async def test_bad_input(client: Api, new_client: Callable[[], Api]) -> None:
    seated = await seated_event(client, max_per_order=3)
    other = await seated_event(client)
    buyer = new_client()
    a1 = seated.seat("A", "1")
    assert_problem(await hold(buyer, seated.slug, [str(uuid.uuid4())]), 422, "seat_ids.0")
    assert_problem(await hold(buyer, seated.slug, [a1, other.seat("A", "1")]), 422, "seat_ids.1")  # another event's
    assert_problem(await hold(buyer, seated.slug, [a1, a1]), 422, "seat_ids.1")
    assert_problem(await hold(buyer, seated.slug, seated.row_ids("A")[:4]), 422, "seat_ids")  # max 3 per order
    assert_problem(await hold(buyer, seated.slug, []), 422, "seat_ids")
    assert_problem(await hold(buyer, seated.slug, [a1], best=("A", 1)), 422, "seat_ids")
    assert_problem(await hold(buyer, seated.slug, best=("Z", 1)), 422, "best_available.category")
    assert_problem(await hold(buyer, seated.slug, best=("A", 4)), 422, "best_available.quantity")
    assert_problem(await hold(buyer, "no-such-event", [a1]), 404)
    plain = await organiser_with_event(client)
    assert_problem(await hold(buyer, plain["slug"], [a1]), 404)
    assert_problem(await buyer.get(f"/api/public/events/{plain['slug']}/seating/availability"), 404)
    assert (await seat_map(buyer, seated.slug)).count("a") == 18  # nothing was held


async def test_many_buyers_on_the_same_seats(client: Api, new_client: Callable[[], Api], engine: AsyncEngine) -> None:
    """Twenty buyers race for the same two seats: exactly one wins both, every other gets 409
    naming them with two free alternatives; nothing is held twice."""
    seated = await seated_event(client)
    wanted = [seated.seat("A", "3"), seated.seat("A", "4")]
    buyers = [new_client() for _ in range(20)]
    answers = await asyncio.gather(*(hold(b, seated.slug, wanted) for b in buyers))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 19, [a.text for a in answers if a.status_code not in (201, 409)]
    for a in answers:
        if a.status_code == 409:
            body = assert_problem(a, 409, "seat_ids")
            assert {s["seat_id"] for s in body["taken_seats"]} == set(wanted)
            alternatives = body["alternatives"]
            assert len(alternatives) == 2 and not {s["seat_id"] for s in alternatives} & set(wanted)
            # the nearest free pair together: right behind the taken ones
            assert {(s["row"], s["label"]) for s in alternatives} == {("B", "3"), ("B", "4")}
    owners = await scalar(
        engine,
        "SELECT count(DISTINCT order_id) FROM event_seat es JOIN seat s ON s.id = es.seat_id"
        " WHERE es.status = 'held' AND s.id = ANY(:ids)",
        ids=[uuid.UUID(w) for w in wanted],
    )
    assert owners == 1
    assert await counters(engine, seated.ticket_type["id"]) == (100, 2, 0)
    assert await held_in_orders(engine, seated.ticket_type["id"]) == 2


async def test_overlapping_buyers_across_a_row(client: Api, new_client: Callable[[], Api], engine: AsyncEngine) -> None:
    """Buyers asking for overlapping pairs of one row: every seat is held by at most one order,
    and the seats held equal the counters."""
    seated = await seated_event(client)
    row = seated.row_ids("A")
    pairs = [row[i : i + 2] for i in range(len(row) - 1)] * 3
    answers = await asyncio.gather(*(hold(new_client(), seated.slug, p) for p in pairs))
    assert {a.status_code for a in answers} <= {201, 409}
    won = [set(p) for p, a in zip(pairs, answers, strict=True) if a.status_code == 201]
    taken = [s for w in won for s in w]
    assert len(taken) == len(set(taken))  # never twice
    assert 2 <= len(taken) <= 6
    assert await counters(engine, seated.ticket_type["id"]) == (100, len(taken), 0)


async def test_best_available_together_then_nearest_the_stage(client: Api, new_client: Callable[[], Api]) -> None:
    seated = await seated_event(client)
    buyer = new_client()
    first = (await hold(buyer, seated.slug, best=("A", 2))).json()
    assert [(s["row"], s["label"]) for s in first["seats"]] == [("A", "3"), ("A", "4")]  # front row, centre
    second = (await hold(buyer, seated.slug, best=("A", 2))).json()
    assert {s["row"] for s in second["seats"]} == {"A"}
    labels = sorted(int(s["label"]) for s in second["seats"])
    assert labels[1] - labels[0] == 1  # together
    # row A now has 2 free seats, not together (1 and 6, or similar); 3 together come from row B
    third = (await hold(buyer, seated.slug, best=("A", 3))).json()
    assert {s["row"] for s in third["seats"]} == {"B"}
    assert [int(s["label"]) for s in third["seats"]] in ([2, 3, 4], [3, 4, 5])


async def test_two_concurrent_best_available_for_the_last_adjacent_pair(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    """One row of 4 with seats 1-2 taken: the last pair together is 3-4. Two buyers ask for the best
    2 at once: one gets 3-4, the other a clear 409 (no seats left); never a double sale."""
    seated = await seated_event(client, rows=1, seats=4)
    assert (await hold(new_client(), seated.slug, [seated.seat("A", "1"), seated.seat("A", "2")])).status_code == 201
    a, b = await asyncio.gather(*(hold(new_client(), seated.slug, best=("A", 2)) for _ in range(2)))
    assert sorted([a.status_code, b.status_code]) == [201, 409]
    won = a if a.status_code == 201 else b
    lost = b if won is a else a
    assert [s["label"] for s in won.json()["seats"]] == ["3", "4"]
    assert_problem(lost, 409, "best_available.quantity")
    assert await counters(engine, seated.ticket_type["id"]) == (100, 4, 0)


async def test_expired_hold_is_free_at_once_without_the_job(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    seated = await seated_event(client)
    seat = seated.seat("C", "6")
    late = new_client()
    first = (await hold(late, seated.slug, [seat])).json()["reservation"]
    assert_problem(await hold(new_client(), seated.slug, [seat]), 409)
    checkout = await late.post(  # the first buyer goes to pay ... and takes too long
        f"/api/public/orders/{first['reference']}/checkout",
        headers={"X-Order-Token": first["access_token"]},
        json={"buyer_name": "Late", "buyer_email": "late@example.co.za", "provider": "simulated"},
    )
    assert checkout.status_code == 200, checkout.text
    await expire_hold(engine, first["order_id"])  # its time has passed; no job has run
    assert (await seat_map(client, seated.slug))[17] == "a"
    second = await hold(new_client(), seated.slug, [seat])
    assert second.status_code == 201, second.text
    # as for GA, the lapsed hold still counts in `reserved` until the job (or a hold needing its
    # stock) releases it; availability already treats it as free
    assert await counters(engine, seated.ticket_type["id"]) == (100, 2, 0)
    # the late payment cannot take the seat back: the order is not paid, money is owed back
    parts = urlsplit(checkout.json()["payment"]["url"])
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    await late.post(parts.path, data={"sig": q["sig"], "r": q["r"], "outcome": "pay"})
    status, needs_refund = (
        await scalar(engine, "SELECT status FROM ticket_order WHERE id = :o", o=uuid.UUID(first["order_id"])),
        await scalar(engine, "SELECT needs_refund FROM ticket_order WHERE id = :o", o=uuid.UUID(first["order_id"])),
    )
    assert (status, needs_refund) == ("expired", True)
    assert await scalar(engine, "SELECT count(*) FROM ticket WHERE order_id = :o", o=uuid.UUID(first["order_id"])) == 0
    assert (await seat_map(client, seated.slug))[17] == "h"  # still the second buyer's
    assert await counters(engine, seated.ticket_type["id"]) == (100, 1, 0)


async def test_cancel_frees_the_seats_and_idempotency(client: Api, new_client: Callable[[], Api]) -> None:
    seated = await seated_event(client)
    buyer = new_client()
    key = str(uuid.uuid4())
    seats = [seated.seat("A", "1")]
    first = await hold(buyer, seated.slug, seats, key=key)
    again = await hold(buyer, seated.slug, seats, key=key)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["reservation"]["order_id"] == first.json()["reservation"]["order_id"]
    assert again.json()["reservation"]["replayed"] is True and again.json()["seats"][0]["label"] == "1"
    res = first.json()["reservation"]
    r = await buyer.post(
        f"/api/public/orders/{res['reference']}/cancel", headers={"X-Order-Token": res["access_token"]}
    )
    assert r.status_code == 200, r.text
    assert (await seat_map(buyer, seated.slug))[0] == "a"
    assert (await hold(new_client(), seated.slug, seats)).status_code == 201


async def test_availability_etag_and_public_plan(client: Api, new_client: Callable[[], Api]) -> None:
    seated = await seated_event(client)
    buyer = new_client()
    url = f"/api/public/events/{seated.slug}/seating/availability"
    first = await buyer.get(url)
    etag = first.headers["etag"]
    assert first.json()["plan_version"] == 1 and len(first.json()["seat_codes"]) == 18
    assert (await buyer.get(url, headers={"If-None-Match": etag})).status_code == 304
    await hold(buyer, seated.slug, [seated.seat("A", "1")])
    changed = await buyer.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["seat_codes"][0] == "h"  # refreshed at once
    plan = (await buyer.get(f"/api/public/events/{seated.slug}/seating")).json()
    assert plan["categories"][0]["price_cents"] == 25000
    ids = [s["id"] for r in plan["plan"]["sections"][0]["rows"] for s in r["seats"]]
    assert ids[0] == seated.seat("A", "1") and len(ids) == 18  # the availability string's order


async def test_cancelling_a_paid_order_puts_its_seats_back_on_sale(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    seated = await seated_event(client)
    buyer = new_client()
    seats = [seated.seat("A", "5"), seated.seat("A", "6")]
    res = (await hold(buyer, seated.slug, seats)).json()["reservation"]
    await _pay(buyer, res)
    assert (await seat_map(client, seated.slug))[4:6] == "ss"
    r = await client.post(client.org(f"/orders/{res['order_id']}/cancel"), json={"reason": "Double booking"})
    assert r.status_code == 200, r.text
    assert (await seat_map(client, seated.slug))[4:6] == "aa"
    assert await counters(engine, seated.ticket_type["id"]) == (100, 0, 0)
    again = await hold(new_client(), seated.slug, seats)
    assert again.status_code == 201, again.text  # sold again: the voided tickets no longer hold them


async def test_a_rush_of_best_available_buyers_sells_each_seat_once(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    """30 buyers each ask for the best 2 of 18 seats at once: 9 get a pair side by side, 21 a 409;
    no seat is held twice and the counters agree with the seats."""
    seated = await seated_event(client)
    answers = await asyncio.gather(*(hold(new_client(), seated.slug, best=("A", 2)) for _ in range(30)))
    won = [a.json() for a in answers if a.status_code == 201]
    assert len(won) == 9 and sum(a.status_code == 409 for a in answers) == 21
    seats = [s["seat_id"] for w in won for s in w["seats"]]
    assert len(seats) == len(set(seats)) == 18
    for w in won:
        (r1, l1), (r2, l2) = ((s["row"], int(s["label"])) for s in w["seats"])
        assert r1 == r2 and abs(l1 - l2) == 1  # together
    assert (await seat_map(client, seated.slug)) == "h" * 18
    assert await counters(engine, seated.ticket_type["id"]) == (100, 18, 0)
    owners = await scalar(engine, "SELECT count(DISTINCT order_id) FROM event_seat WHERE status = 'held'")
    assert owners == 9


async def test_best_available_in_sql_chooses_what_the_rule_chooses_from_every_free_seat(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    """nearest.py applies best.py's rule in memory to the plan's geometry and the free seats,
    walking rows nearest first and stopping early: on a symmetric plan (ties left and right) with
    seats taken at random, for every quantity (together, and none together: nearest one by one),
    a hold gets the same seats as best_seats over every free seat of the category; and a batch of
    holds gets what the rule gives one request after the other."""
    seated = await seated_event(client, rows=8, seats=12)
    event_id = uuid.UUID(str(seated.event["id"]))
    every = [str(s["id"]) for r in seated.plan["sections"][0]["rows"] for s in r["seats"]]
    rng = random.Random(15)
    for _ in range(6):
        async with engine.connect() as conn:
            seating = await load_seating(conn, event_id)
            now = utcnow()
            category_id = seating.category_ids_by_key["A"]
            free = [as_free(r) for r in await free_seats(conn, event_id, [category_id], now)]
            for n in range(1, 11):
                rule = best_seats(free, n, seating.focus)
                if rule is None:
                    continue
                assert await _allocated(engine, event_id, [n]) == [[s.event_seat_id for s in rule]], n
            # Four requests in one batch: the rule applied one after the other.
            left, expected = list(free), []
            for n in (2, 3, 2, 4):
                picked = best_seats(left, n, seating.focus) or []
                expected.append([s.event_seat_id for s in picked])
                left = [s for s in left if s not in picked]
            assert await _allocated(engine, event_id, [2, 3, 2, 4]) == expected
        taken = set(await seat_map_ids(new_client(), seated.slug, every))
        pick = rng.sample([s for s in every if s not in taken], 10)
        for i in range(0, 10, 2):
            assert (await hold(new_client(), seated.slug, pick[i : i + 2])).status_code == 201


async def _allocated(engine: AsyncEngine, event_id: uuid.UUID, quantities: list[int]) -> list[list[uuid.UUID]]:
    """The seats one batch of best-available holds of category A gets (rolled back after)."""
    async with engine.connect() as conn:
        tx = await conn.begin()
        try:
            out = await allocate_seats(
                conn, event_id, [SeatHoldRequest(event_id=event_id, category="A", quantity=n) for n in quantities]
            )
        finally:
            await tx.rollback()
    return [[s.event_seat_id for s in o.seats] if isinstance(o, SeatHoldResult) else [] for o in out]


async def seat_map_ids(http: Api, slug: str, every: list[str]) -> list[str]:
    """The seats not shown available (held, sold, blocked)."""
    return [s for s, code in zip(every, await seat_map(http, slug), strict=True) if code != "a"]


async def test_alternatives_are_the_rule_over_every_free_seat(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    """A 409's alternatives (nearest.py's walk from the taken seats' centre) are what best_seats
    gives over every free seat of the category, for taken pairs all over a 24-row plan with seats
    taken at random."""
    seated = await seated_event(client, rows=24, seats=10, quantity=240)
    event_id = uuid.UUID(str(seated.event["id"]))
    every = [str(s["id"]) for r in seated.plan["sections"][0]["rows"] for s in r["seats"]]
    rng = random.Random(9)
    for _ in range(30):
        pair = rng.sample(every, 2)
        await hold(new_client(), seated.slug, pair)  # some collide: fine, either way seats go
    async with engine.connect() as conn:
        now = utcnow()
        for start in range(0, len(every) - 1, 17):
            around = await event_seats(conn, event_id, [uuid.UUID(every[start]), uuid.UUID(every[start + 1])])
            exclude = {r.seat_id for r in around}
            free = [
                as_free(r)
                for r in await free_seats(conn, event_id, list({r.category_id for r in around}), now)
                if r.seat_id not in exclude
            ]
            rule = best_seats(free, len(around), centre_of([as_free(r) for r in around])) or []
            placed, got = await nearest_free(conn, event_id, [r.seat_id for r in around], exclude, now)
            assert [r.seat_id for r in got] == [s.seat_id for s in rule], start
            assert [(p.seat_id, p.row_label, p.label) for p in placed] == [
                (r.seat_id, r.row_label, r.label) for r in around
            ]
