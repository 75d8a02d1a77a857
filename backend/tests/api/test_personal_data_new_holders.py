"""Personal data requests over the attendee answers, names per ticket and waiting lists
(workflows/personal_data_attendee_holders.py, personal_data_waiting_list_holder.py): the export
lists them, erasure removes them (an open offer withdrawn, its stock back) while the order detail,
the exports and the ledger keep working, retention removes an old event's answers and names only,
and an address known only from a waiting list reaches that organisation."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import unique_email
from tests.api.personal_data_helpers import (
    ask,
    ask_and_confirm,
    buy,
    order_id,
    rows,
    worker_env,  # noqa: F401 (fixture)
)
from tests.api.refund_helpers import on_sale_event
from tests.api.sales_helpers import counters, expire_hold, held_in_orders, reserve
from tests.api.test_questions import add_question, set_names
from tests.api.test_waiting_list import entries, join, offer_token, run_offers, waiting_list_event
from tests.conftest import Api, Stack, mail_text, sign_up, wait_for_mail

REQUESTS = "/privacy-requests"


async def event_with_questions(client: Api) -> dict[str, Any]:
    """An event asking a per-order question, a per-ticket choice and a name per ticket."""
    event = await on_sale_event(client)
    diet = await add_question(client, event["id"], required=True)
    shirt = await add_question(
        client,
        event["id"],
        kind="choice",
        label="T-shirt size",
        purpose="Every guest gets a shirt.",
        scope="ticket",
        options=["S", "M", "L"],
    )
    await set_names(client, event["id"], "required")
    return {**event, "diet": diet["id"], "shirt": shirt["id"]}


async def buy_answering(
    site: Api, event: dict[str, Any], *, email: str, buyer: str, diet: str, guests: list[tuple[str, str]]
) -> dict[str, Any]:
    """A paid order whose buyer answered the questions and named each ticket (name, shirt size)."""
    return await buy(
        site,
        event,
        email=email,
        name=buyer,
        quantity=len(guests),
        answers=[{"question_id": event["diet"], "value": diet}],
        tickets=[
            {
                "ticket_type_id": event["ticket_type_id"],
                "number": n,
                "holder_name": guest,
                "answers": [{"question_id": event["shirt"], "value": size}],
            }
            for n, (guest, size) in enumerate(guests, start=1)
        ],
    )


async def open_request(api: Api, kind: str) -> dict[str, Any]:
    listed = await api.get(api.org(REQUESTS), params={"status": "open"})
    assert listed.status_code == 200, listed.text
    found = [r for r in listed.json()["items"] if r["kind"] == kind]
    assert len(found) == 1, listed.json()
    return found[0]  # type: ignore[no-any-return]


async def complete(api: Api, request: dict[str, Any]) -> dict[str, Any]:
    done = await api.post(api.org(f"{REQUESTS}/{request['id']}/complete"))
    assert done.status_code == 200, done.text
    return done.json()  # type: ignore[no-any-return]


async def answers_of(engine: AsyncEngine, oid: uuid.UUID) -> list[dict[str, Any]]:
    sql = (
        "SELECT value #>> '{}' AS value, position FROM attendee_answer WHERE order_id = :o"
        " ORDER BY position NULLS FIRST, value::text"
    )
    return await rows(engine, sql, o=oid)


async def names_of(engine: AsyncEngine, oid: uuid.UUID) -> list[str]:
    found = await rows(engine, "SELECT holder_name FROM attendee_name WHERE order_id = :o ORDER BY position", o=oid)
    return [r["holder_name"] for r in found]


async def test_export_and_erasure_cover_answers_names_and_an_open_waiting_list_offer(
    client: Api, new_client: Callable[[], Api], stack: Stack, engine: AsyncEngine
) -> None:
    event = await event_with_questions(client)
    sold_out = await waiting_list_event(client, quantity=2)
    site = new_client()
    me = unique_email("answers")
    mine = await buy_answering(
        site, event, email=me, buyer="Thandi Nkosi", diet="Vegetarian",
        guests=[("Thandi Nkosi", "M"), ("Sipho Dlamini", "L")],
    )  # fmt: skip
    theirs = await buy_answering(
        site, event, email=unique_email("keep"), buyer="Pieter Botha", diet="Halaal", guests=[("Anna Botha", "S")]
    )
    oid, their_oid = await order_id(engine, mine["reference"]), await order_id(engine, theirs["reference"])
    their_answers = await answers_of(engine, their_oid)
    assert len(their_answers) == 2 and await names_of(engine, their_oid) == ["Anna Botha"]

    # The sold-out event's 2 tickets come back; the offer to me holds 1 of them for me.
    holder = new_client()
    held = (await reserve(holder, sold_out["slug"], {sold_out["ticket_type_id"]: 2})).json()
    assert (await join(new_client(), sold_out, me, quantity=1, name="Thandi Nkosi")).status_code == 201
    await expire_hold(engine, held["order_id"])
    await run_offers(stack, sold_out["id"])
    token = await offer_token(stack, me)
    assert (await entries(client, sold_out))[me]["status"] == "offered"
    assert await held_in_orders(engine, sold_out["ticket_type_id"]) == 1
    assert (await counters(engine, sold_out["ticket_type_id"]))[1] == 1  # reserved by the offer

    # --- the export ---
    await ask_and_confirm(site, stack, me, "export")
    export = await open_request(client, "export")
    held_now = (await client.get(client.org(f"{REQUESTS}/{export['id']}"))).json()["held"]
    assert (held_now["question_answers"], held_now["attendee_names"], held_now["waiting_list"]) == (3, 2, 1)
    await complete(client, export)
    file = await client.get(client.org(f"{REQUESTS}/{export['id']}/export"))
    assert file.status_code == 200, file.text
    sections = json.loads(file.content)["sections"]
    answers = {(a["question"], a["ticket_number"]): a for a in sections["question_answers"]["items"]}
    assert {k: a["answer"] for k, a in answers.items()} == {
        ("Dietary needs", None): "Vegetarian",
        ("T-shirt size", 1): "M",
        ("T-shirt size", 2): "L",
    }
    assert all(a["order_reference"] == mine["reference"] for a in answers.values())
    assert answers[("T-shirt size", 1)]["ticket_type"] == "General" and answers[("T-shirt size", 1)]["ticket_code"]
    names = sections["attendee_names"]["items"]
    assert [(n["ticket_number"], n["holder_name"]) for n in names] == [(1, "Thandi Nkosi"), (2, "Sipho Dlamini")]
    [entry] = sections["waiting_list"]["items"]
    assert (entry["email"], entry["name"], entry["status"], entry["quantity"]) == (me, "Thandi Nkosi", "offered", 1)
    assert entry["event"] == sold_out["name"] and entry["offer_expires_at"]
    for foreign in ("Halaal", "Pieter Botha", "Anna Botha", theirs["reference"]):
        assert foreign not in file.text

    # --- the erasure ---
    trial_before = (await client.get(client.org("/ledger/trial-balance"))).json()
    await ask_and_confirm(site, stack, me, "erasure", nth=2)
    erasure = await open_request(client, "erasure")
    done = await complete(client, erasure)
    summary = done["request"]["summary"]
    assert (summary["question_answers"], summary["attendee_names"], summary["waiting_list"]) == (3, 2, 1)
    assert all(v == 0 for v in done["held"].values()), done["held"]
    assert await answers_of(engine, oid) == [] and await names_of(engine, oid) == []
    assert await answers_of(engine, their_oid) == their_answers  # another buyer's untouched
    assert await names_of(engine, their_oid) == ["Anna Botha"]
    # The offer is withdrawn and its ticket is back, not stuck until the offer would expire.
    stored = await rows(engine, "SELECT name, email, status, offer_token_hash FROM waiting_list_entry")
    assert stored == [{"name": "Erased", "email": "Erased", "status": "removed", "offer_token_hash": None}]
    assert await held_in_orders(engine, sold_out["ticket_type_id"]) == 0
    assert (await counters(engine, sold_out["ticket_type_id"]))[1] == 0
    assert (await site.get(f"/api/public/events/{sold_out['slug']}")).json()["ticket_types"][0]["available"] == 2
    assert (await site.get(f"/waiting-list/offers/{token}")).status_code == 404  # the link is forgotten

    # The organiser's order detail and exports still work; the ledger is unchanged and balances.
    detail = await client.get(client.org(f"/orders/{oid}"))
    assert detail.status_code == 200, detail.text
    assert detail.json()["answers"] == [] and {t["holder_name"] for t in detail.json()["tickets"]} == {"Erased"}
    their_detail = (await client.get(client.org(f"/orders/{their_oid}"))).json()
    assert {a["value"] for a in their_detail["answers"]} == {"Halaal", "S"}
    for kind in ("attendees", "orders"):
        csv = await client.get(client.org(f"/events/{event['id']}/exports/csv/{kind}"))
        assert csv.status_code == 200 and "Halaal" in csv.text and "Vegetarian" not in csv.text, csv.text
    trial = (await client.get(client.org("/ledger/trial-balance"))).json()
    assert trial["total_cents"] == 0 and trial["accounts"] == trial_before["accounts"]


async def test_retention_removes_answers_and_names_of_an_old_event_only(
    client: Api,
    new_client: Callable[[], Api],
    engine: AsyncEngine,
    worker_env: None,  # noqa: F811
) -> None:
    from voelgoed.settings import load_settings
    from voelgoed.workflows.personal_data_jobs import personal_data_sweep

    old, recent = await event_with_questions(client), await event_with_questions(client)
    site = new_client()
    guests = [("Old Guest", "S")]
    old_order = await buy_answering(site, old, email=unique_email("o"), buyer="Old Buyer", diet="Kosher", guests=guests)
    recent_order = await buy_answering(
        site, recent, email=unique_email("r"), buyer="New Buyer", diet="Vegan", guests=[("New Guest", "M")]
    )
    saved = await client.put(client.org("/privacy-settings"), json={"attendee_retention_days": 30})
    assert saved.status_code == 200, saved.text
    async with engine.begin() as conn:
        for ev, ended_days_ago in ((old, 31), (recent, 29)):
            await conn.execute(
                text("UPDATE event SET starts_at = now() - make_interval(days => :d) - interval '4 hours',"
                     " ends_at = now() - make_interval(days => :d) WHERE id = :e"),
                {"d": ended_days_ago, "e": uuid.UUID(ev["id"])},
            )  # fmt: skip

    assert (await personal_data_sweep({"settings": load_settings()}))["retention_events"] == 1
    old_id, recent_id = (
        await order_id(engine, old_order["reference"]),
        await order_id(engine, recent_order["reference"]),
    )
    assert await answers_of(engine, old_id) == [] and await names_of(engine, old_id) == []
    assert [a["value"] for a in await answers_of(engine, recent_id)] == ["Vegan", "M"]
    assert await names_of(engine, recent_id) == ["New Guest"]
    assert (await client.get(client.org(f"/orders/{old_id}"))).status_code == 200
    audit = await client.get(client.org("/audit-log"), params={"entity_type": "event", "entity_id": old["id"]})
    [removed] = [e for e in audit.json()["items"] if e["action"] == "retention.attendee_details_removed"]
    assert removed["changes"]["removed"]["question_answers"] == 2
    assert removed["changes"]["removed"]["attendee_names"] == 1


async def test_an_address_only_on_a_waiting_list_reaches_that_organisation(
    client: Api, new_client: Callable[[], Api], stack: Stack, engine: AsyncEngine
) -> None:
    await on_sale_event(client)  # an organisation holding nothing for the address
    other = new_client()
    await sign_up(other, organization="Waiting Org")
    sold_out = await waiting_list_event(other, quantity=1)
    assert (await reserve(new_client(), sold_out["slug"], {sold_out["ticket_type_id"]: 1})).status_code == 201
    me = unique_email("waits")
    assert (await join(new_client(), sold_out, me.upper(), quantity=1, name="Lerato Molefe")).status_code == 201

    site = new_client()
    await ask_and_confirm(site, stack, me, "erasure")
    confirm_mail = mail_text(await wait_for_mail(stack, me, "Confirm your personal data request"))
    assert "Waiting Org" in confirm_mail and "Test Org" not in confirm_mail
    assert (await client.get(client.org(REQUESTS))).json()["items"] == []
    request = await open_request(other, "erasure")
    held = (await other.get(other.org(f"{REQUESTS}/{request['id']}"))).json()["held"]
    assert held["waiting_list"] == 1 and held["orders"] == 0
    done = await complete(other, request)
    assert done["request"]["summary"]["waiting_list"] == 1
    stored = await rows(engine, "SELECT name, email, status FROM waiting_list_entry")
    assert stored == [{"name": "Erased", "email": "Erased", "status": "removed"}]
    # Nothing held any more: asking again stores no request and sends no confirmation.
    asked = await ask(site, me, "export")
    assert asked.status_code == 200
    assert len(await rows(engine, "SELECT id FROM personal_data_request")) == 1
