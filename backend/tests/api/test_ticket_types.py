"""Ticket types over HTTP: CRUD, VAT shown, per-order limits and sales window checks, hidden types,
the event's capacity cap, quantity never below what is held or sold, deletion refused once in orders,
the audit log, and who may do what (viewers read only; another organisation sees nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import add_member, assert_problem, register_for_vat
from tests.api.sales_helpers import add_type, counters, expire_hold, organiser_with_event, reserve, scalar
from tests.conftest import Api, Stack, sign_up


def vat(price_cents: int) -> int:
    return round(price_cents * 15 / 115)


def types_url(api: Api, event_id: str, type_id: str = "") -> str:
    return api.org(f"/events/{event_id}/ticket-types" + (f"/{type_id}" if type_id else ""))


async def public_types(http: Api, slug: str) -> dict[str, dict[str, Any]]:
    r = await http.get(f"/api/public/events/{slug}")
    assert r.status_code == 200, r.text
    return {t["id"]: t for t in r.json()["ticket_types"]}


async def test_create_read_update_delete(client: Api) -> None:
    event = await organiser_with_event(client)
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    start = datetime.now(UTC) + timedelta(days=1)
    body = {
        "name": "  Early Bird  ",
        "description": "The first hundred.",
        "price_cents": 15000,
        "quantity": 100,
        "sales_start_at": start.isoformat(),
        "sales_end_at": (start + timedelta(days=7)).isoformat(),
        "min_per_order": 2,
        "max_per_order": 6,
        "sort_order": 5,
    }
    r = await client.post(types_url(client, event["id"]), json=body)
    assert r.status_code == 201, r.text
    tt = r.json()
    assert tt["name"] == "Early Bird"  # trimmed
    assert (tt["price_cents"], tt["vat_cents"]) == (15000, 1957)  # 15000 * 15 / 115 = 1956.52
    assert (tt["quantity"], tt["reserved"], tt["sold"], tt["available"]) == (100, 0, 0, 100)
    assert (tt["min_per_order"], tt["max_per_order"], tt["hidden"], tt["sort_order"]) == (2, 6, False, 5)
    assert datetime.fromisoformat(tt["sales_start_at"]) == start
    assert tt["event_id"] == event["id"]

    free = await add_type(client, event["id"], name="Free entry", price_cents=0, quantity=10, sort_order=1)
    assert (free["price_cents"], free["vat_cents"]) == (0, 0)

    got = await client.get(types_url(client, event["id"], tt["id"]))
    assert got.status_code == 200 and got.json() == tt
    listed = await client.get(types_url(client, event["id"]))
    assert [t["id"] for t in listed.json()] == [free["id"], tt["id"]]  # by sort_order

    r = await client.patch(
        types_url(client, event["id"], tt["id"]), json={"price_cents": 20001, "quantity": 150, "description": None}
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert (changed["price_cents"], changed["vat_cents"], changed["quantity"]) == (20001, vat(20001), 150)
    assert changed["description"] is None and changed["name"] == "Early Bird"  # unsent fields kept
    assert changed["min_per_order"] == 2 and changed["sales_start_at"] == tt["sales_start_at"]

    r = await client.delete(types_url(client, event["id"], tt["id"]))
    assert r.status_code == 204, r.text
    assert_problem(await client.get(types_url(client, event["id"], tt["id"])), 404)
    assert_problem(await client.patch(types_url(client, event["id"], tt["id"]), json={"quantity": 1}), 404)
    assert [t["id"] for t in (await client.get(types_url(client, event["id"]))).json()] == [free["id"]]


async def test_vat_is_rounded_from_the_inclusive_price(client: Api) -> None:
    event = await organiser_with_event(client)
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    for price, expected in [(1, 0), (4, 1), (115, 15), (999, 130), (11500, 1500), (123457, 16103)]:
        tt = await add_type(client, event["id"], name=f"P{price}", price_cents=price, quantity=1)
        assert tt["vat_cents"] == expected == vat(price), (price, tt["vat_cents"])
        page = await public_types(client, event["slug"])
        assert page[tt["id"]]["vat_cents"] == expected


async def test_bad_limits_and_windows_are_422_at_the_field(client: Api) -> None:
    event = await organiser_with_event(client)
    url = types_url(client, event["id"])
    base = {"name": "General", "price_cents": 1000, "quantity": 10}
    assert_problem(await client.post(url, json={**base, "min_per_order": 5, "max_per_order": 4}), 422, "max_per_order")
    now = datetime.now(UTC)
    assert_problem(
        await client.post(
            url,
            json={**base, "sales_start_at": now.isoformat(), "sales_end_at": (now - timedelta(hours=1)).isoformat()},
        ),
        422,
        "sales_end_at",
    )
    assert_problem(
        await client.post(url, json={**base, "sales_start_at": now.isoformat(), "sales_end_at": now.isoformat()}),
        422,
        "sales_end_at",
    )
    assert_problem(await client.post(url, json={**base, "name": "   "}), 422, "name")
    # out-of-range values are refused by the body schema, naming the field
    assert_problem(await client.post(url, json={**base, "price_cents": -1}), 400, "price_cents")
    assert_problem(await client.post(url, json={**base, "min_per_order": 0}), 400, "min_per_order")
    assert_problem(await client.post(url, json={**base, "colour": "red"}), 400)
    assert (await client.get(url)).json() == []

    tt = await add_type(client, event["id"], min_per_order=2, max_per_order=4)
    one = types_url(client, event["id"], tt["id"])
    # the check uses the merged values: one side sent, the other kept
    assert_problem(await client.patch(one, json={"min_per_order": 5}), 422, "max_per_order")
    assert_problem(await client.patch(one, json={"max_per_order": 1}), 422, "max_per_order")
    ok = await client.patch(one, json={"sales_start_at": now.isoformat(), "sales_end_at": None})
    assert ok.status_code == 200, ok.text
    assert_problem(
        await client.patch(one, json={"sales_end_at": (now - timedelta(minutes=1)).isoformat()}), 422, "sales_end_at"
    )
    assert_problem(await client.patch(one, json={"name": " "}), 422, "name")
    kept = (await client.get(one)).json()
    assert (kept["min_per_order"], kept["max_per_order"], kept["sales_end_at"], kept["name"]) == (2, 4, None, "General")


async def test_sales_times_without_offset_are_read_in_the_event_zone(client: Api) -> None:
    event = await organiser_with_event(client)  # Africa/Johannesburg (UTC+2, no DST)
    tt = await add_type(client, event["id"], sales_start_at="2030-03-01T09:00:00", sales_end_at="2030-03-02T09:00:00")
    assert datetime.fromisoformat(tt["sales_start_at"]) == datetime(2030, 3, 1, 7, 0, tzinfo=UTC)


async def test_hidden_types_are_not_listed_and_carry_an_access_code_and_link(
    client: Api, new_client: Callable[[], Api], stack: Stack
) -> None:
    event = await organiser_with_event(client)
    public = await add_type(client, event["id"], name="General")
    crew = await add_type(client, event["id"], name="Crew", hidden=True, price_cents=0)
    assert public["access_code"] is None and public["access_link"] is None
    code = crew["access_code"]
    assert code and len(code) >= 10 and code == code.upper()
    port = stack.base_url.rsplit(":", 1)[1]  # PUBLIC_URL defaults to http://localhost:<port>
    assert crew["access_link"] == f"http://localhost:{port}/events/{event['slug']}?access={code}"
    buyer = new_client()
    page = await public_types(buyer, event["slug"])
    assert set(page) == {public["id"]}
    listed = (await client.get(types_url(client, event["id"]))).json()
    assert {t["id"]: t["access_code"] for t in listed} == {public["id"]: None, crew["id"]: code}
    assert_problem(await reserve(buyer, event["slug"], {crew["id"]: 2}), 422, "items.0.ticket_type_id")
    held = await reserve(buyer, event["slug"], {crew["id"]: 2}, access_code=code)
    assert held.status_code == 201, held.text
    assert held.json()["total_cents"] == 0

    # the organiser chooses a code (stored upper-cased); unique per event; or regenerates it
    r = await client.patch(types_url(client, event["id"], crew["id"]), json={"access_code": " crew-2026 "})
    assert r.status_code == 200, r.text
    assert r.json()["access_code"] == "CREW-2026" and r.json()["access_link"].endswith("?access=CREW-2026")
    vip = await add_type(client, event["id"], name="VIP", hidden=True)
    assert_problem(
        await client.patch(types_url(client, event["id"], vip["id"]), json={"access_code": "Crew-2026"}),
        409,
        "access_code",
    )
    assert_problem(await client.patch(types_url(client, event["id"], vip["id"]), json={"access_code": "ab"}), 400)
    regenerate = types_url(client, event["id"], crew["id"]) + "/access-code"
    r = await client.post(regenerate)
    assert r.status_code == 200 and r.json()["access_code"] not in (None, "CREW-2026", code)
    assert_problem(await client.post(types_url(client, event["id"], public["id"]) + "/access-code"), 409)

    # hiding and showing again takes effect on the public page; hiding gives a code
    r = await client.patch(types_url(client, event["id"], public["id"]), json={"hidden": True})
    assert r.status_code == 200 and r.json()["hidden"] is True and r.json()["access_code"]
    assert await public_types(buyer, event["slug"]) == {}
    await client.patch(types_url(client, event["id"], crew["id"]), json={"hidden": False})
    assert set(await public_types(buyer, event["slug"])) == {crew["id"]}
    assert (await reserve(buyer, event["slug"], {crew["id"]: 1})).status_code == 201  # listed: no code needed

    # another organisation cannot regenerate (or see) the code
    outsider = new_client()
    await sign_up(outsider)
    foreign = outsider.org(f"/events/{event['id']}/ticket-types/{vip['id']}/access-code").replace(
        str(outsider.org_id), str(client.org_id)
    )
    assert (await outsider.post(foreign)).status_code in (403, 404)


async def test_event_capacity_caps_the_sum_of_quantities(client: Api) -> None:
    event = await organiser_with_event(client, capacity=100)
    a = await add_type(client, event["id"], name="A", quantity=60)
    url = types_url(client, event["id"])
    body = assert_problem(
        await client.post(url, json={"name": "B", "price_cents": 100, "quantity": 41}), 422, "quantity"
    )
    assert "40" in body["errors"][0]["message"] or "40" in body["detail"]
    b = await add_type(client, event["id"], name="B", quantity=40)  # exactly full
    assert_problem(await client.post(url, json={"name": "C", "price_cents": 100, "quantity": 1}), 422, "quantity")
    free = await add_type(client, event["id"], name="Zero", quantity=0)  # zero still fits
    assert_problem(await client.patch(types_url(client, event["id"], a["id"]), json={"quantity": 61}), 422, "quantity")
    assert_problem(
        await client.patch(types_url(client, event["id"], free["id"]), json={"quantity": 1}), 422, "quantity"
    )
    # the type's own current quantity is not counted twice
    assert (await client.patch(types_url(client, event["id"], a["id"]), json={"quantity": 60})).status_code == 200
    # lowering one type makes room for another
    assert (await client.patch(types_url(client, event["id"], b["id"]), json={"quantity": 30})).status_code == 200
    r = await client.patch(types_url(client, event["id"], a["id"]), json={"quantity": 70})
    assert r.status_code == 200, r.text
    total = sum(t["quantity"] for t in (await client.get(url)).json())
    assert total == 100


async def test_quantity_cannot_drop_below_held_and_sold(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=10)
    one = types_url(client, event["id"], tt["id"])
    first = (await reserve(client, event["slug"], {tt["id"]: 3})).json()
    assert (await reserve(client, event["slug"], {tt["id"]: 2})).status_code == 201
    assert await counters(engine, tt["id"]) == (10, 5, 0)

    body = assert_problem(await client.patch(one, json={"quantity": 4}), 409, "quantity")
    assert "5" in body["detail"]
    assert_problem(await client.patch(one, json={"quantity": 0}), 409, "quantity")
    assert await counters(engine, tt["id"]) == (10, 5, 0)
    r = await client.patch(one, json={"quantity": 5})  # exactly what is taken: allowed, now sold out
    assert r.status_code == 200, r.text
    assert (r.json()["quantity"], r.json()["available"]) == (5, 0)
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}), 409)

    # an expired hold does not block lowering the quantity (released on the spot)
    await expire_hold(engine, first["order_id"])
    r = await client.patch(one, json={"quantity": 2})
    assert r.status_code == 200, r.text
    assert await counters(engine, tt["id"]) == (2, 2, 0)
    assert (
        await scalar(engine, "SELECT status FROM ticket_order WHERE id = :id", id=uuid.UUID(first["order_id"]))
        == "expired"
    )


async def test_deleting_a_type_with_orders_is_refused(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=5)
    spare = await add_type(client, event["id"], name="Spare")
    held = (await reserve(client, event["slug"], {tt["id"]: 1})).json()
    one = types_url(client, event["id"], tt["id"])
    in_orders = "This ticket type is in orders; hide it instead (hidden: true) or set quantity to sold."
    assert assert_problem(await client.delete(one), 409)["detail"] == in_orders
    assert (await client.get(one)).status_code == 200
    # even once the order is cancelled the type stays: the order still refers to it
    cancel = await client.post(
        f"/api/public/orders/{held['reference']}/cancel", headers={"X-Order-Token": held["access_token"]}
    )
    assert cancel.status_code == 200, cancel.text
    assert assert_problem(await client.delete(one), 409)["detail"] == in_orders
    assert await scalar(engine, "SELECT count(*) FROM ticket_type WHERE event_id = :e", e=uuid.UUID(event["id"])) == 2
    assert (await client.delete(types_url(client, event["id"], spare["id"]))).status_code == 204


async def test_audit_log_records_create_update_delete(client: Api) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], name="General", price_cents=15000, quantity=100)
    one = types_url(client, event["id"], tt["id"])
    assert (await client.patch(one, json={"price_cents": 17500, "name": "General"})).status_code == 200
    assert (await client.patch(one, json={"name": "General"})).status_code == 200  # no change: no entry
    assert_problem(await client.patch(one, json={"min_per_order": 50}), 422)  # refused: no entry
    assert (await client.delete(one)).status_code == 204

    log = await client.get(client.org("/audit-log"), params={"entity_type": "ticket_type"})
    assert log.status_code == 200, log.text
    entries = log.json()["items"]
    assert [(e["action"], e["entity_id"]) for e in entries] == [
        ("ticket_type.deleted", tt["id"]),
        ("ticket_type.updated", tt["id"]),
        ("ticket_type.created", tt["id"]),
    ]
    created, updated, deleted = entries[2], entries[1], entries[0]
    assert created["changes"]["name"] == "General" and created["changes"]["quantity"] == 100
    assert updated["changes"] == {"price_cents": [15000, 17500]}
    assert deleted["changes"] == {"name": "General"}
    assert {e["actor_email"] for e in entries} == {client.me["user"]["email"]}


async def test_viewer_reads_but_cannot_write(client: Api, new_client: Callable[[], Api], stack: Stack) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"])
    viewer = await add_member(client, new_client, stack, "viewer")
    url, one = types_url(client, event["id"]), types_url(client, event["id"], tt["id"])
    assert (await viewer.get(url)).status_code == 200
    assert (await viewer.get(one)).json()["id"] == tt["id"]
    assert_problem(await viewer.post(url, json={"name": "Sneaky", "price_cents": 1, "quantity": 1}), 403)
    assert_problem(await viewer.patch(one, json={"price_cents": 1}), 403)
    assert_problem(await viewer.delete(one), 403)
    after = (await client.get(url)).json()
    assert [(t["id"], t["price_cents"]) for t in after] == [(tt["id"], tt["price_cents"])]


async def test_another_organisation_gets_404(client: Api, new_client: Callable[[], Api]) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"])
    other = new_client()
    await sign_up(other, organization="Other Org")
    own_event = await organiser_with_event(other)
    # B with A's ids under A's organisation path: not a member -> 404 (nothing is revealed)
    a_url, a_one = types_url(client, event["id"]), types_url(client, event["id"], tt["id"])
    assert_problem(await other.get(a_url), 404)
    assert_problem(await other.get(a_one), 404)
    assert_problem(await other.post(a_url, json={"name": "X", "price_cents": 1, "quantity": 1}), 404)
    assert_problem(await other.patch(a_one, json={"price_cents": 1}), 404)
    assert_problem(await other.delete(a_one), 404)
    # B with A's event/type ids under B's own organisation: 404
    b_url = other.org(f"/events/{event['id']}/ticket-types")
    assert_problem(await other.get(b_url), 404)
    assert_problem(await other.get(f"{b_url}/{tt['id']}"), 404)
    assert_problem(await other.post(b_url, json={"name": "X", "price_cents": 1, "quantity": 1}), 404)
    assert_problem(await other.patch(f"{b_url}/{tt['id']}", json={"price_cents": 1}), 404)
    assert_problem(await other.delete(f"{b_url}/{tt['id']}"), 404)
    # A's type id under B's own event: 404
    b_own = other.org(f"/events/{own_event['id']}/ticket-types/{tt['id']}")
    assert_problem(await other.get(b_own), 404)
    assert_problem(await other.patch(b_own, json={"price_cents": 1}), 404)
    assert_problem(await other.delete(b_own), 404)
    unchanged = (await client.get(a_one)).json()
    assert unchanged == tt


async def test_public_availability_follows_a_quantity_change(client: Api, new_client: Callable[[], Api]) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=5)
    buyer = new_client()
    assert (await public_types(buyer, event["slug"]))[tt["id"]]["available"] == 5  # now cached
    r = await client.patch(types_url(client, event["id"], tt["id"]), json={"quantity": 8})
    assert r.status_code == 200, r.text
    # the cache is an accelerator, refreshed after every change: the page shows 8 at once
    assert (await public_types(buyer, event["slug"]))[tt["id"]]["available"] == 8
