"""The waiting list: buyers join a sold-out type's line; stock that comes back (an expired hold,
a buyer's cancellation, an organiser's refund or cancellation) is held for the next in line and
offered by e-mail; an offer is used once, expires and passes on, and never oversells
(docs/inventory.md). Offers are made by the product's worker (the SAQ job `offer_waiting_list`),
enqueued by the release itself or, for expiries, by its cron run: the tests enqueue that run
instead of waiting a minute for the cron.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem
from tests.api.refund_helpers import BUYER, on_sale_event, paid_order, pay_simulated, refund, wait_worker_idle
from tests.api.sales_helpers import counters, expire_hold, held_in_orders, reserve, scalar
from tests.conftest import Api, Stack, mail_text, sign_up, wait_for_mail
from voelgoed.worker import make_queue

OFFER_LINK = re.compile(r"http://[^\s]+/waiting-list/offers/([A-Za-z0-9_-]+)")


async def waiting_list_event(client: Api, quantity: int) -> dict[str, Any]:
    event = await on_sale_event(client, quantity=quantity)
    r = await client.put(
        client.org(f"/events/{event['id']}/waiting-list/settings"), json={"enabled": True, "offer_hours": 2}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"event_id": event["id"], "enabled": True, "offer_hours": 2}
    return event


async def join(buyer: Api, event: dict[str, Any], email: str, quantity: int = 1, name: str = "Sipho") -> Any:
    return await buyer.post(
        f"/api/public/events/{event['slug']}/waiting-list",
        json={"ticket_type_id": event["ticket_type_id"], "email": email, "name": name, "quantity": quantity},
    )


async def run_offers(stack: Stack, event_id: str, times: int = 1) -> None:
    """What the cron run does every minute, now (and `times` runs at once, as several workers would)."""
    queue = make_queue(stack.redis_url)
    await queue.connect()
    try:
        await asyncio.gather(*(queue.enqueue("offer_waiting_list", event_id=event_id) for _ in range(times)))
    finally:
        await queue.disconnect()
    await wait_worker_idle(stack)


async def entries(client: Api, event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    r = await client.get(client.org(f"/events/{event['id']}/waiting-list"))
    assert r.status_code == 200, r.text
    return {e["email"]: e for e in r.json()}


async def offer_token(stack: Stack, email: str) -> str:
    msg = await wait_for_mail(stack, email, "held for you", timeout=60)
    match = OFFER_LINK.search(mail_text(msg))
    assert match, mail_text(msg)
    return match.group(1)


async def test_join_only_when_sold_out_and_idempotent(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event = await waiting_list_event(client, quantity=2)
    buyer = new_client()
    on_sale = await join(buyer, event, "early@example.co.za")
    assert_problem(on_sale, 409, "ticket_type_id")
    held = await reserve(buyer, event["slug"], {event["ticket_type_id"]: 2})
    assert held.status_code == 201

    assert_problem(await join(buyer, event, "not-an-address"), 422, "email")
    assert_problem(await join(buyer, event, "a@example.co.za", quantity=11), 422, "quantity")
    zero = await join(buyer, event, "a@example.co.za", quantity=0)
    assert zero.status_code in (400, 422) and "quantity" in zero.text
    assert_problem(await join(buyer, event, "a@example.co.za", name="   "), 422, "name")
    assert await scalar(engine, "SELECT count(*) FROM waiting_list_entry") == 0  # nothing stored half

    first = await join(buyer, event, "Lerato@Example.co.za", quantity=2, name="Lerato")
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "waiting" and first.json()["quantity"] == 2
    again = await join(new_client(), event, "  lerato@example.co.za ", quantity=3)
    assert again.status_code == 201 and again.json() == first.json()  # the same place, unchanged
    assert await scalar(engine, "SELECT count(*) FROM waiting_list_entry") == 1
    listed = await entries(client, event)
    assert listed["lerato@example.co.za"]["position"] == 1 and listed["lerato@example.co.za"]["quantity"] == 2

    page = await buyer.get(f"/events/{event['slug']}")
    assert "Join the waiting list" in page.text
    off = await client.put(client.org(f"/events/{event['id']}/waiting-list/settings"), json={"enabled": False})
    assert off.json()["enabled"] is False
    assert_problem(await join(buyer, event, "late@example.co.za"), 409)
    assert "Join the waiting list" not in (await buyer.get(f"/events/{event['slug']}")).text
    # A list switched off keeps nothing back: the holder's tickets, once given back, are on sale;
    # switched on again, they are kept for the line (Lerato wants 2).
    cancel = await buyer.post(
        f"/api/public/orders/{held.json()['reference']}/cancel", headers={"X-Order-Token": held.json()["access_token"]}
    )
    assert cancel.status_code == 200, cancel.text
    public = f"/api/public/events/{event['slug']}"
    assert (await buyer.get(public)).json()["ticket_types"][0]["available"] == 2
    on = await client.put(client.org(f"/events/{event['id']}/waiting-list/settings"), json={"enabled": True})
    assert on.json()["enabled"] is True
    assert (await buyer.get(public)).json()["ticket_types"][0]["available"] == 0
    assert_problem(await reserve(new_client(), event["slug"], {event["ticket_type_id"]: 1}), 409)
    bad = await client.put(client.org(f"/events/{event['id']}/waiting-list/settings"), json={"offer_hours": 0})
    assert bad.status_code in (400, 422) and "offer_hours" in bad.text


async def test_expired_hold_is_offered_held_against_others_and_used_once(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await waiting_list_event(client, quantity=2)
    holder = new_client()
    held = (await reserve(holder, event["slug"], {event["ticket_type_id"]: 2})).json()
    assert (await join(new_client(), event, "first@example.co.za", quantity=2)).status_code == 201
    assert (await join(new_client(), event, "second@example.co.za", quantity=1)).status_code == 201

    await expire_hold(engine, held["order_id"])
    # Until the offer is made the freed 2 are kept for the line, not sold to whoever comes first.
    assert_problem(await reserve(new_client(), event["slug"], {event["ticket_type_id"]: 1}), 409)
    await run_offers(stack, event["id"])
    token = await offer_token(stack, "first@example.co.za")
    listed = await entries(client, event)
    assert listed["first@example.co.za"]["status"] == "offered"
    assert listed["second@example.co.za"]["status"] == "waiting"  # 2 freed, the first wanted 2
    assert await counters(engine, event["ticket_type_id"]) == (2, 2, 0)  # the offer holds them
    assert await held_in_orders(engine, event["ticket_type_id"]) == 2

    other = new_client()
    assert_problem(await reserve(other, event["slug"], {event["ticket_type_id"]: 1}), 409)
    page = (await other.get(f"/api/public/events/{event['slug']}")).json()
    assert page["ticket_types"][0]["available"] == 0

    buyer = new_client()
    shown = await buyer.get(f"/api/public/waiting-list/offers/{token}")
    assert shown.status_code == 200 and shown.json()["status"] == "offered"
    claimed = await buyer.post(f"/api/public/waiting-list/offers/{token}/claim")
    assert claimed.status_code == 200, claimed.text
    body = claimed.json()
    assert body["quantity"] == 2 and body["ticket_type_id"] == event["ticket_type_id"]
    started = await buyer.post(
        f"/api/public/orders/{body['reference']}/checkout",
        json={**BUYER, "buyer_email": "first@example.co.za", "provider": "simulated"},
        headers={"X-Order-Token": body["access_token"]},
    )
    assert started.status_code == 200, started.text
    assert started.json()["order"]["total_cents"] == 2 * 15000
    await pay_simulated(buyer, started.json()["payment"]["url"])

    assert_problem(await buyer.post(f"/api/public/waiting-list/offers/{token}/claim"), 409, "token")
    assert (await buyer.get(f"/waiting-list/offers/{token}")).status_code == 409
    assert_problem(await buyer.post("/api/public/waiting-list/offers/not-a-real-token/claim"), 404, "token")
    await run_offers(stack, event["id"])
    listed = await entries(client, event)
    assert listed["first@example.co.za"]["status"] == "converted"
    assert await counters(engine, event["ticket_type_id"]) == (2, 0, 2)


async def test_cancellation_and_refund_offer_to_the_next_in_line(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await waiting_list_event(client, quantity=3)
    paid = await paid_order(new_client(), event, quantity=2)
    holder = new_client()
    held = (await reserve(holder, event["slug"], {event["ticket_type_id"]: 1})).json()
    assert (await join(new_client(), event, "one@example.co.za", quantity=1)).status_code == 201
    assert (await join(new_client(), event, "two@example.co.za", quantity=2)).status_code == 201

    # The buyer gives a hold back: its 1 ticket goes to the first in line (the job is enqueued).
    cancel = await holder.post(
        f"/api/public/orders/{held['reference']}/cancel", headers={"X-Order-Token": held["access_token"]}
    )
    assert cancel.status_code == 200, cancel.text
    await offer_token(stack, "one@example.co.za")
    # The organiser refunds a paid order: its 2 tickets are voided and go to the next.
    r = await refund(client, paid["order_id"], kind="whole_order", reason="Cannot come")
    assert r.status_code == 201, r.text
    await offer_token(stack, "two@example.co.za")
    listed = await entries(client, event)
    assert {e: v["status"] for e, v in listed.items()} == {
        "one@example.co.za": "offered",
        "two@example.co.za": "offered",
    }
    assert await counters(engine, event["ticket_type_id"]) == (3, 3, 0)


async def test_organiser_cancels_a_paid_order_and_the_offer_follows(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await waiting_list_event(client, quantity=1)
    paid = await paid_order(new_client(), event, quantity=1)
    assert (await join(new_client(), event, "next@example.co.za")).status_code == 201
    r = await client.post(
        client.org(f"/orders/{paid['order_id']}/cancel"), json={"refund": False, "reason": "Duplicate"}
    )
    assert r.status_code == 200, r.text
    await offer_token(stack, "next@example.co.za")
    assert await counters(engine, event["ticket_type_id"]) == (1, 1, 0)


async def test_expired_offer_is_refused_and_passes_to_the_next(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await waiting_list_event(client, quantity=1)
    held = (await reserve(new_client(), event["slug"], {event["ticket_type_id"]: 1})).json()
    for email in ("late@example.co.za", "patient@example.co.za"):
        assert (await join(new_client(), event, email)).status_code == 201
    await expire_hold(engine, held["order_id"])
    await run_offers(stack, event["id"])
    token = await offer_token(stack, "late@example.co.za")
    async with engine.begin() as conn:  # the offer's time runs out (its hold and the entry alike)
        await conn.execute(
            text(
                "UPDATE ticket_order SET hold_expires_at = now() - interval '1 minute' WHERE id ="
                " (SELECT order_id FROM waiting_list_entry WHERE email = 'late@example.co.za')"
            )
        )
        await conn.execute(
            text("UPDATE waiting_list_entry SET offer_expires_at = now() - interval '1 minute' WHERE email = :e"),
            {"e": "late@example.co.za"},
        )
    buyer = new_client()
    assert_problem(await buyer.post(f"/api/public/waiting-list/offers/{token}/claim"), 410, "token")
    assert (await buyer.get(f"/waiting-list/offers/{token}")).status_code == 410
    await run_offers(stack, event["id"])
    await offer_token(stack, "patient@example.co.za")
    listed = await entries(client, event)
    assert listed["late@example.co.za"]["status"] == "expired"
    assert listed["patient@example.co.za"]["status"] == "offered"
    assert_problem(await buyer.post(f"/api/public/waiting-list/offers/{token}/claim"), 410, "token")
    assert await counters(engine, event["ticket_type_id"]) == (1, 1, 0)
    assert await held_in_orders(engine, event["ticket_type_id"]) == 1


async def test_organiser_withdraws_an_offer_and_organisation_b_sees_nothing(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await waiting_list_event(client, quantity=1)
    held = (await reserve(new_client(), event["slug"], {event["ticket_type_id"]: 1})).json()
    for email in ("gone@example.co.za", "stays@example.co.za"):
        assert (await join(new_client(), event, email)).status_code == 201
    await expire_hold(engine, held["order_id"])
    await run_offers(stack, event["id"])
    token = await offer_token(stack, "gone@example.co.za")
    entry = (await entries(client, event))["gone@example.co.za"]

    other = new_client()
    await sign_up(other)
    base = f"/events/{event['id']}/waiting-list"
    for method, url, body in (
        ("GET", other.org(base), None),
        ("GET", other.org(f"{base}/settings"), None),
        ("PUT", other.org(f"{base}/settings"), {"enabled": False}),
        ("POST", other.org(f"{base}/{entry['id']}/remove"), None),
        ("POST", client.org(f"{base}/{entry['id']}/remove"), None),  # A's path, B's session
    ):
        r = await other.request(method, url, json=body)
        assert r.status_code == 404, (method, url, r.status_code, r.text)

    removed = await client.post(client.org(f"{base}/{entry['id']}/remove"))
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert_problem(await client.post(client.org(f"{base}/{entry['id']}/remove")), 409)
    assert_problem(await new_client().post(f"/api/public/waiting-list/offers/{token}/claim"), 410, "token")
    await wait_worker_idle(stack)
    await offer_token(stack, "stays@example.co.za")
    assert await counters(engine, event["ticket_type_id"]) == (1, 1, 0)


async def test_concurrent_releases_never_offer_more_than_was_freed(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await waiting_list_event(client, quantity=6)
    holds = []
    for _ in range(6):
        buyer = new_client()
        holds.append((buyer, (await reserve(buyer, event["slug"], {event["ticket_type_id"]: 1})).json()))
    for i in range(8):
        assert (await join(new_client(), event, f"line{i}@example.co.za")).status_code == 201
    for _, held in holds[:3]:
        await expire_hold(engine, held["order_id"])

    async def cancel(buyer: Api, held: dict[str, Any]) -> int:
        r = await buyer.post(
            f"/api/public/orders/{held['reference']}/cancel", headers={"X-Order-Token": held["access_token"]}
        )
        return r.status_code

    # 3 expired and 2 cancelled at once, while five offer runs race (several workers).
    statuses = await asyncio.gather(*(cancel(b, h) for b, h in holds[3:5]), run_offers(stack, event["id"], times=5))
    assert statuses[:2] == [200, 200]
    await run_offers(stack, event["id"])
    listed = await entries(client, event)
    offered = sorted(e for e, v in listed.items() if v["status"] == "offered")
    assert offered == [f"line{i}@example.co.za" for i in range(5)]  # first in line first, 5 freed
    assert await counters(engine, event["ticket_type_id"]) == (6, 6, 0)
    assert await held_in_orders(engine, event["ticket_type_id"]) == 6
    offers_made = await scalar(engine, "SELECT count(*) FROM waiting_list_entry WHERE order_id IS NOT NULL")
    assert offers_made == 5
    assert len({v["order_id"] for v in listed.values() if v["order_id"]}) == 5


async def test_event_page_form_joins_and_refuses_bad_input_at_the_field(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    from tests.api.test_checkout_site import Buyer

    event = await waiting_list_event(client, quantity=1)
    assert (await reserve(new_client(), event["slug"], {event["ticket_type_id"]: 1})).status_code == 201
    async with Buyer(stack.base_url) as browser:
        page = await browser.get(f"/events/{event['slug']}")
        assert page.status_code == 200 and "Join the waiting list" in page.text
        tokens = re.findall(r'name="csrf" value="([^"]+)"', page.text)
        form = {"csrf": tokens[-1], "ticket_type_id": event["ticket_type_id"], "quantity": "2", "name": "Ayanda"}
        url = f"/events/{event['slug']}/waiting-list"
        bad = await browser.post(url, data={**form, "email": "ayanda-at-example"})
        assert bad.status_code == 422
        assert 'id="wl-email-error"' in bad.text and 'value="Ayanda"' in bad.text  # kept, said at the field
        many = await browser.post(url, data={**form, "quantity": "11", "email": "ayanda@example.co.za"})
        assert many.status_code == 422 and 'id="wl-quantity-error"' in many.text
        forged = await browser.post(url, data={**form, "csrf": "forged", "email": "ayanda@example.co.za"})
        assert forged.status_code == 403
        assert await scalar(engine, "SELECT count(*) FROM waiting_list_entry") == 0
        ok = await browser.post(url, data={**form, "email": "Ayanda@Example.co.za"})
        assert ok.status_code == 200 and "You are on the waiting list" in ok.text
    listed = await entries(client, event)
    assert listed["ayanda@example.co.za"]["quantity"] == 2
