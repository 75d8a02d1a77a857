"""Reservations over the public API: holds, rules, sold out, expired holds, idempotency, cancel."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem, register_for_vat
from tests.api.sales_helpers import (
    add_type,
    counters,
    expire_hold,
    held_in_orders,
    organiser_with_event,
    reserve,
    scalar,
)
from tests.conftest import Api


async def test_reserve_holds_stock_and_answers_the_order(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event = await organiser_with_event(client)
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    tt = await add_type(client, event["id"], quantity=10, price_cents=11500)
    buyer = new_client()
    r = await reserve(buyer, event["slug"], {tt["id"]: 2})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "reserved"
    assert body["reference"].startswith("VG-") and len(body["reference"]) == 11
    assert body["access_token"] and len(body["access_token"]) >= 32
    assert body["subtotal_cents"] == 23000 and body["total_cents"] == 23000
    assert body["vat_cents"] == 3000
    expires = datetime.fromisoformat(body["hold_expires_at"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15, seconds=5)
    assert await counters(engine, tt["id"]) == (10, 2, 0)
    assert await held_in_orders(engine, tt["id"]) == 2
    stored = await scalar(
        engine, "SELECT access_token_hash FROM ticket_order WHERE reference = :r", r=body["reference"]
    )
    assert stored != body["access_token"] and len(stored) == 64

    view = await buyer.get(f"/api/public/orders/{body['reference']}", headers={"X-Order-Token": body["access_token"]})
    assert view.status_code == 200, view.text
    assert view.json()["lines"][0]["quantity"] == 2
    assert_problem(await buyer.get(f"/api/public/orders/{body['reference']}", headers={"X-Order-Token": "wrong"}), 404)

    page = (await buyer.get(f"/api/public/events/{event['slug']}")).json()
    assert [t["available"] for t in page["ticket_types"]] == [8]


async def test_sold_out_and_per_order_limits(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=3, min_per_order=2, max_per_order=3)
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}), 422, "items.0.quantity")
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 4}), 422, "items.0.quantity")
    assert (await reserve(client, event["slug"], {tt["id"]: 2})).status_code == 201
    body = assert_problem(await reserve(client, event["slug"], {tt["id"]: 2}), 409, "items.0.quantity")
    assert "1" in body["detail"]
    assert await counters(engine, tt["id"]) == (3, 2, 0)


async def test_cart_rules(client: Api, new_client: Callable[[], Api]) -> None:
    event = await organiser_with_event(client)
    other = await organiser_with_event(client)
    tt = await add_type(client, event["id"])
    foreign = await add_type(client, other["id"])
    later = await add_type(
        client, event["id"], name="Later", sales_start_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()
    )
    over = await add_type(
        client,
        event["id"],
        name="Over",
        sales_end_at=(datetime.now(UTC) - timedelta(days=1)).isoformat(),
        sales_start_at=(datetime.now(UTC) - timedelta(days=2)).isoformat(),
    )
    hidden = await add_type(client, event["id"], name="Crew", hidden=True)
    buyer = new_client()
    slug = event["slug"]
    assert_problem(await reserve(buyer, slug, {foreign["id"]: 1}), 422, "items.0.ticket_type_id")
    assert_problem(await reserve(buyer, slug, {str(uuid.uuid4()): 1}), 422, "items.0.ticket_type_id")
    assert_problem(await reserve(buyer, slug, {later["id"]: 1}), 422, "items.0.ticket_type_id")
    assert_problem(await reserve(buyer, slug, {over["id"]: 1}), 422, "items.0.ticket_type_id")
    assert_problem(await reserve(buyer, slug, {}), 400)
    assert_problem(await reserve(buyer, "no-such-event", {tt["id"]: 1}), 404)
    assert_problem(
        await buyer.post(
            f"/api/public/events/{slug}/reservations",
            json={"items": [{"ticket_type_id": tt["id"], "quantity": 1}], "x": 1},
        ),
        400,
    )
    # hidden: not listed, and its id alone buys nothing (as if it did not exist)
    listed = [t["id"] for t in (await buyer.get(f"/api/public/events/{slug}")).json()["ticket_types"]]
    assert hidden["id"] not in listed and tt["id"] in listed
    body = assert_problem(await reserve(buyer, slug, {hidden["id"]: 1}), 422, "items.0.ticket_type_id")
    assert body["errors"][0]["message"] == "Not a ticket type of this event."


async def test_hidden_type_is_sold_only_with_its_access_code(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event = await organiser_with_event(client)
    general = await add_type(client, event["id"], name="General")
    crew = await add_type(client, event["id"], name="Crew", hidden=True, price_cents=0, quantity=5)
    other = await add_type(client, event["id"], name="Sponsors", hidden=True, quantity=5)
    code = crew["access_code"]
    assert code and code != other["access_code"]
    buyer, slug = new_client(), event["slug"]

    # no code, a wrong code, another hidden type's code: refused, nothing held
    assert_problem(await reserve(buyer, slug, {crew["id"]: 1}), 422, "items.0.ticket_type_id")
    wrong = assert_problem(await reserve(buyer, slug, {crew["id"]: 1}, access_code="NOT-THE-CODE"), 422, "access_code")
    assert wrong["errors"][0]["message"] == "This access code is not valid for this event."
    assert_problem(
        await reserve(buyer, slug, {general["id"]: 1, crew["id"]: 1}, access_code=other["access_code"]),
        422,
        "items.1.ticket_type_id",
    )
    assert await counters(engine, crew["id"]) == (5, 0, 0)

    # the code (in any case, with spaces) unlocks its type, alone or with listed types
    held = await reserve(buyer, slug, {general["id"]: 2, crew["id"]: 2}, access_code=f"  {code.lower()} ")
    assert held.status_code == 201, held.text
    assert {ln["ticket_type_id"]: ln["quantity"] for ln in held.json()["lines"]} == {general["id"]: 2, crew["id"]: 2}
    assert await counters(engine, crew["id"]) == (5, 2, 0)

    # the public event shows the unlocked type only to whoever brings the code
    page = (await buyer.get(f"/api/public/events/{slug}", params={"access": code})).json()
    assert page["access_code_accepted"] is True
    shown = {t["id"]: t for t in page["ticket_types"]}
    assert set(shown) == {general["id"], crew["id"]} and shown[crew["id"]]["unlocked"] is True
    assert shown[crew["id"]]["available"] == 3
    page = (await buyer.get(f"/api/public/events/{slug}", params={"access": "NOPE1234"})).json()
    assert page["access_code_accepted"] is False
    assert [t["id"] for t in page["ticket_types"]] == [general["id"]]

    # a regenerated code retires the old one
    r = await client.post(client.org(f"/events/{event['id']}/ticket-types/{crew['id']}/access-code"))
    assert r.status_code == 200, r.text
    new_code = r.json()["access_code"]
    assert new_code != code
    assert_problem(await reserve(buyer, slug, {crew["id"]: 1}, access_code=code), 422, "access_code")
    assert (await reserve(buyer, slug, {crew["id"]: 1}, access_code=new_code)).status_code == 201

    # a listed type needs no code, and a code does not stop one from being bought
    assert (await reserve(buyer, slug, {general["id"]: 1})).status_code == 201


async def test_draft_event_is_not_on_sale(client: Api) -> None:
    event = await organiser_with_event(client, publish=False)
    tt = await add_type(client, event["id"])
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}), 404)
    assert_problem(await client.get(f"/api/public/events/{event['slug']}"), 404)


async def test_expired_hold_frees_stock_at_once(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=2)
    first = (await reserve(client, event["slug"], {tt["id"]: 2})).json()
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}), 409)
    await expire_hold(engine, first["order_id"])
    # availability already counts the expired hold as free, before any cleanup
    page = (await client.get(f"/api/public/events/{event['slug']}")).json()
    assert page["ticket_types"][0]["available"] in (0, 2)  # may be cached for a few seconds
    again = await reserve(client, event["slug"], {tt["id"]: 2})
    assert again.status_code == 201, again.text
    status = await scalar(engine, "SELECT status FROM ticket_order WHERE id = :id", id=uuid.UUID(first["order_id"]))
    assert status == "expired"
    assert await counters(engine, tt["id"]) == (2, 2, 0)
    assert await held_in_orders(engine, tt["id"]) == 2


async def test_idempotency_key_returns_the_same_order(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=5)
    key = str(uuid.uuid4())
    a = await reserve(client, event["slug"], {tt["id"]: 2}, key=key)
    b = await reserve(client, event["slug"], {tt["id"]: 2}, key=key)
    assert a.status_code == 201 and b.status_code == 201, b.text
    assert a.json()["order_id"] == b.json()["order_id"]
    assert b.json()["replayed"] is True
    assert b.json()["access_token"] == a.json()["access_token"]
    assert await counters(engine, tt["id"]) == (5, 2, 0)
    assert await scalar(engine, "SELECT count(*) FROM ticket_order") == 1
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}, key=key), 409)


async def test_cancel_releases_the_hold(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=2)
    held = (await reserve(client, event["slug"], {tt["id"]: 2})).json()
    headers = {"X-Order-Token": held["access_token"]}
    r = await client.post(f"/api/public/orders/{held['reference']}/cancel", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert await counters(engine, tt["id"]) == (2, 0, 0)
    assert_problem(await client.post(f"/api/public/orders/{held['reference']}/cancel", headers=headers), 409)
    assert (await reserve(client, event["slug"], {tt["id"]: 2})).status_code == 201


async def test_event_capacity_caps_all_types(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client, capacity=3)
    a = await add_type(client, event["id"], name="A", quantity=2)
    b = await add_type(client, event["id"], name="B", quantity=1)
    assert (await reserve(client, event["slug"], {a["id"]: 2})).status_code == 201
    assert (await reserve(client, event["slug"], {b["id"]: 1})).status_code == 201
    assert_problem(await reserve(client, event["slug"], {a["id"]: 1}), 409)
    assert (
        await scalar(engine, "SELECT reserved FROM event_inventory WHERE event_id = :e", e=uuid.UUID(event["id"])) == 3
    )
