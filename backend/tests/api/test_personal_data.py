"""POPIA personal data requests (docs/privacy.md): a buyer asks on the checkout site, confirms
from the e-mailed link, each organisation that holds data sees and completes its own request;
the export file, the erasure (accounting, ledger and scans intact), the links' rules, the rate
limit, who may see what, and the attendee detail retention job."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import pair, scan_body
from tests.api.helpers import add_member, assert_problem, make_gate, unique_email
from tests.api.personal_data_helpers import (
    DOWNLOAD_LINK,
    SENT,
    ask,
    ask_and_confirm,
    buy,
    confirm_token,
    mails_to,
    order_id,
    rows,
    worker_env,  # noqa: F401 (fixture)
)
from tests.api.refund_helpers import on_sale_event, refund, wait_refund
from tests.conftest import Api, Stack, mail_text, sign_up, wait_for_mail
from voelgoed.domain.tickets.payload import ticket_code

REQUESTS = "/privacy-requests"


async def only_request(api: Api, **query: Any) -> dict[str, Any]:
    listed = await api.get(api.org(REQUESTS), params=query)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert len(items) == 1, items
    return items[0]  # type: ignore[no-any-return]


async def test_export_request_reaches_each_organisation_and_holds_only_that_buyers_data(
    client: Api, new_client: Callable[[], Api], stack: Stack, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client)
    other_org = new_client()
    await sign_up(other_org, organization="Other Org")
    other_event = await on_sale_event(other_org)
    site = new_client()
    me, someone_else = unique_email("buyer"), unique_email("other")
    mine = await buy(site, event, email=me, name="Thandi Nkosi")
    theirs = await buy(site, event, email=someone_else, name="Pieter Botha")
    elsewhere = await buy(site, other_event, email=me, name="Thandi Nkosi", quantity=1)

    confirmed = await ask_and_confirm(site, stack, me, "export")
    assert "2 organisers" in confirmed.text  # one request per organisation holding data
    confirm_mail = mail_text(await wait_for_mail(stack, me, "Confirm your personal data request"))
    assert "Test Org" in confirm_mail and "Other Org" in confirm_mail

    request = await only_request(client)
    assert (request["kind"], request["status"], request["email"]) == ("export", "open", me)
    theirs_request = await only_request(other_org)
    assert theirs_request["id"] != request["id"]
    # Organisation B never reaches A's request, nor A B's.
    assert_problem(await other_org.get(other_org.org(f"{REQUESTS}/{request['id']}")), 404)
    assert_problem(await other_org.post(other_org.org(f"{REQUESTS}/{request['id']}/complete")), 404)

    detail = await client.get(client.org(f"{REQUESTS}/{request['id']}"))
    assert detail.status_code == 200, detail.text
    assert detail.json()["held"]["orders"] == 1 and detail.json()["held"]["tickets"] == 2
    assert "tax_documents" in detail.json()["kept_on_erasure"]

    done = await client.post(client.org(f"{REQUESTS}/{request['id']}/complete"))
    assert done.status_code == 200, done.text
    assert done.json()["request"]["status"] == "completed" and done.json()["request"]["export_available"]
    assert done.json()["request"]["summary"]["orders"] == 1
    assert_problem(await client.post(client.org(f"{REQUESTS}/{request['id']}/complete")), 409)  # once

    ready = mail_text(await wait_for_mail(stack, me, "Your personal data held by Test Org"))
    link = DOWNLOAD_LINK.search(ready)
    assert link, ready
    download = await site.get(f"/privacy/download?token={link.group(1)}")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("application/json")
    raw = download.text
    file = json.loads(raw)
    assert (file["format"], file["version"]) == ("voelgoed.personal-data-export", 1)
    assert file["subject"]["email"] == me and file["responsible_party"]["name"] == "Test Org"
    orders = file["sections"]["orders"]["items"]
    assert [o["reference"] for o in orders] == [mine["reference"]]
    assert orders[0]["buyer_name"] == "Thandi Nkosi" and orders[0]["total_cents"] == 30000
    assert orders[0]["lines"][0]["quantity"] == 2
    tickets = file["sections"]["tickets"]["items"]
    assert len(tickets) == 2 and {t["holder_name"] for t in tickets} == {"Thandi Nkosi"}
    assert len(file["sections"]["payments"]["items"]) == 1
    assert file["sections"]["tax_documents"]["kept_because"]
    # Nothing of another buyer, nor of the other organisation's order.
    for foreign in (theirs["reference"], someone_else, "Pieter Botha", elsewhere["reference"]):
        assert foreign not in raw

    by_organiser = await client.get(client.org(f"{REQUESTS}/{request['id']}/export"))
    assert by_organiser.status_code == 200 and json.loads(by_organiser.content)["subject"]["email"] == me
    assert_problem(await other_org.get(other_org.org(f"{REQUESTS}/{request['id']}/export")), 404)
    assert (await site.get("/privacy/download?token=not-a-real-token")).status_code == 404
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE personal_data_request SET download_expires_at = now() - interval '1 second'"))
    expired = await site.get(f"/privacy/download?token={link.group(1)}")
    assert expired.status_code == 410 and "expired" in expired.text

    audit = await client.get(client.org("/audit-log"), params={"entity_type": "personal_data_request"})
    actions = sorted(e["action"] for e in audit.json()["items"] if e["entity_id"] == request["id"])
    assert actions == [
        "privacy_request.completed",
        "privacy_request.confirmed",
        "privacy_request.export_downloaded",
        "privacy_request.export_downloaded_by_buyer",
        "privacy_request.submitted",
    ]
    assert all(me not in json.dumps(e) for e in audit.json()["items"])  # the address stays out of the log


async def test_erasure_tombstones_personal_fields_and_keeps_accounting_and_scans(
    client: Api,
    new_client: Callable[[], Api],
    stack: Stack,
    engine: AsyncEngine,
    worker_env: None,  # noqa: F811
) -> None:
    event = await on_sale_event(client)  # a VAT vendor: the payment issues a tax invoice
    site = new_client()
    me = unique_email("erase")
    order = await buy(site, event, email=me, name="Thandi Nkosi")
    other = await buy(site, event, email=unique_email("keep"), name="Pieter Botha")
    oid = await order_id(engine, order["reference"])
    billing = await site.put(
        f"/api/public/orders/{order['reference']}/billing-details",
        json={"name": "Thandi Nkosi", "company": "Nkosi Events"},
        headers={"X-Order-Token": order["access_token"]},
    )
    assert billing.status_code == 200, billing.text
    part = await refund(client, str(oid), kind="amount", amount_cents=5000, reason="Thandi Nkosi asked for R50 back")
    assert part.status_code in (200, 201), part.text
    await wait_refund(client, part.json()["id"], "succeeded")
    # A scan at the gate: the event opens for check-in now.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE event SET starts_at = now() + interval '1 hour', ends_at = now() + interval '5 hours'"
                 " WHERE id = :e"), {"e": uuid.UUID(event["id"])},
        )  # fmt: skip
    gate = await make_gate(client, event["venue_id"])
    device = await pair(client, stack.base_url, [event["id"]], gate["id"])
    serial = (await rows(engine, "SELECT serial FROM ticket WHERE order_id = :o ORDER BY position", o=oid))[0]["serial"]
    scanned = await device.post("/api/checkin/scans", json=scan_body(ticket_code(serial), gate["id"]))
    assert scanned.status_code == 200 and scanned.json()["result"] == "ok", scanned.text
    await device.aclose()

    amounts_sql = "SELECT total_cents, vat_cents, refunded_cents, status FROM ticket_order WHERE id = :o"
    docs_sql = "SELECT id, kind, document_number, total_cents, vat_cents, snapshot FROM tax_document ORDER BY number"
    scans_sql = "SELECT id, ticket_id, gate_id, result, effective_time FROM checkin_scan ORDER BY seq"
    journal_sql = "SELECT count(*) AS n FROM journal_entry"
    before = {
        "docs": await rows(engine, docs_sql),
        "scans": await rows(engine, scans_sql),
        "journal": await rows(engine, journal_sql),
        "amounts": await rows(engine, amounts_sql, o=oid),
        "trial": (await client.get(client.org("/ledger/trial-balance"))).json(),
    }  # fmt: skip
    assert {d["kind"] for d in before["docs"]} == {"invoice", "credit_note"} and len(before["scans"]) == 1

    await ask_and_confirm(site, stack, me, "erasure")
    request = await only_request(client)
    assert request["kind"] == "erasure"
    held = (await client.get(client.org(f"{REQUESTS}/{request['id']}"))).json()["held"]
    assert (held["orders"], held["tickets"], held["billing_details"], held["refunds"]) == (1, 2, 1, 1)
    mine = (await rows(engine, "SELECT count(*) AS n FROM tax_document WHERE order_id = :o", o=oid))[0]["n"]
    assert held["check_ins"] == 1 and held["tax_documents"] == mine >= 2 and held["audit_entries"] >= 1
    done = await client.post(client.org(f"{REQUESTS}/{request['id']}/complete"))
    assert done.status_code == 200, done.text
    assert done.json()["request"]["email"] is None  # only a keyed hash of the address is kept
    assert done.json()["request"]["summary"]["orders"] == 1 and done.json()["request"]["summary"]["tickets"] == 2
    assert all(v == 0 for v in done.json()["held"].values())  # a new export finds nothing
    erased_mail = mail_text(await wait_for_mail(stack, me, "Test Org erased your personal data"))
    assert "kept" in erased_mail and "Tax invoices" in erased_mail

    stored = (await rows(engine, "SELECT buyer_name, buyer_email, buyer_phone FROM ticket_order WHERE id = :o", o=oid))[
        0
    ]
    assert stored == {"buyer_name": "Erased", "buyer_email": None, "buyer_phone": None}
    holders = await rows(engine, "SELECT holder_name FROM ticket WHERE order_id = :o", o=oid)
    assert [h["holder_name"] for h in holders] == ["Erased", "Erased"]
    bill = (await rows(engine, "SELECT name, company FROM order_billing_details WHERE order_id = :o", o=oid))[0]
    assert bill == {"name": "Erased", "company": None}
    reasons = await rows(engine, "SELECT reason FROM refund WHERE order_id = :o", o=oid)
    assert [r["reason"] for r in reasons] == ["Erased"]
    audit_sql = "SELECT action, changes::text AS c FROM audit_entry WHERE entity_id = :o"
    audit_about_order = await rows(engine, audit_sql, o=oid)
    assert any(a["action"] == "refund.requested" for a in audit_about_order)  # kept, its reason tombstoned
    assert all("Thandi" not in a["c"] for a in audit_about_order)
    # Kept exactly: amounts, tax documents as issued, the ledger, the scans.
    assert await rows(engine, amounts_sql, o=oid) == before["amounts"]
    assert await rows(engine, docs_sql) == before["docs"]
    assert await rows(engine, scans_sql) == before["scans"]
    assert await rows(engine, journal_sql) == before["journal"]
    trial = (await client.get(client.org("/ledger/trial-balance"))).json()
    assert trial["total_cents"] == 0 and trial["accounts"] == before["trial"]["accounts"]
    # The other buyer is untouched.
    kept = (await rows(engine, "SELECT buyer_name FROM ticket_order WHERE reference = :r", r=other["reference"]))[0]
    assert kept["buyer_name"] == "Pieter Botha"

    # A ticket PDF stored by a delivery that was rendering while the erasure ran goes at the sweep.
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO order_document (id, organization_id, order_id, pdf, rendered_at, created_at, updated_at)"
                 " VALUES (:i, :g, :o, 'x', now(), now(), now())"),
            {"i": uuid.uuid4(), "g": uuid.UUID(client.org_id), "o": oid},
        )  # fmt: skip
    from voelgoed.settings import load_settings
    from voelgoed.workflows.personal_data_jobs import personal_data_sweep

    assert (await personal_data_sweep({"settings": load_settings()}))["erased_ticket_documents"] == 1
    assert await rows(engine, "SELECT id FROM order_document WHERE order_id = :o", o=oid) == []

    # Asking again finds no organisation holding data: the same answer, and no e-mail.
    mails_before = len(mails_to(stack, me))
    again = await ask(site, me, "export")
    assert again.status_code == 200 and SENT in again.text
    assert len(await rows(engine, "SELECT id FROM personal_data_request")) == 1
    assert len(mails_to(stack, me)) == mails_before


async def test_links_work_once_and_expire(
    client: Api, new_client: Callable[[], Api], stack: Stack, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client)
    site = new_client()
    me = unique_email("links")
    await buy(site, event, email=me, name="Sipho Dube")
    assert (await ask(site, me, "export")).status_code == 200
    token = await confirm_token(stack, me)
    assert (await site.post("/privacy/confirm", data={"token": token})).status_code == 200
    used = await site.post("/privacy/confirm", data={"token": token})
    assert used.status_code == 410 and "already used" in used.text
    assert (await site.get(f"/privacy/confirm?token={token}")).status_code == 410
    assert (await site.post("/privacy/confirm", data={"token": "made-up"})).status_code == 404

    late = unique_email("late")
    await buy(site, event, email=late, name="Late Person")
    assert (await ask(site, late, "erasure")).status_code == 200
    late_token = await confirm_token(stack, late)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE personal_data_request SET confirm_expires_at = now() - interval '1 minute'"
                 " WHERE status = 'unconfirmed'")
        )  # fmt: skip
    expired = await site.post("/privacy/confirm", data={"token": late_token})
    assert expired.status_code == 410 and "expired" in expired.text
    statuses = await rows(engine, "SELECT status, email FROM personal_data_request WHERE kind = 'erasure'")
    assert statuses == [{"status": "expired", "email": None}]  # an unconfirmed address is not kept
    listed = await client.get(client.org(REQUESTS))
    assert [i["kind"] for i in listed.json()["items"]] == ["export"]  # never confirmed: not shown


async def test_the_form_validates_reveals_nothing_and_is_rate_limited(
    new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    site = new_client()
    bad = await ask(site, "not-an-address", "everything")
    assert bad.status_code == 422 and bad.text.count('aria-invalid="true"') == 1 and "kind-error" in bad.text
    forged = await site.post("/privacy/requests", data={"csrf": "1.abc", "email": "a@example.co.za", "kind": "export"})
    assert forged.status_code == 403
    nobody = unique_email("nobody")
    unknown = await ask(site, nobody, "export", ip="198.51.100.7")
    assert unknown.status_code == 200 and SENT in unknown.text  # the same answer as for a buyer
    assert mails_to(stack, nobody) == []
    # Per client address: 5 in 15 minutes.
    statuses = [(await ask(site, unique_email("rl"), "export", ip="198.51.100.8")).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # Per e-mail address, from any client address: 3 an hour.
    same = unique_email("same")
    statuses = [(await ask(site, same, "export", ip=f"198.51.100.{20 + i}")).status_code for i in range(4)]
    assert statuses == [200] * 3 + [429]
    assert await rows(engine, "SELECT id FROM personal_data_request") == []


async def test_only_owners_and_admins_handle_requests_and_rejection_is_told(
    client: Api, new_client: Callable[[], Api], stack: Stack
) -> None:
    event = await on_sale_event(client)
    site = new_client()
    me = unique_email("reject")
    await buy(site, event, email=me, name="Lerato Mokoena")
    await ask_and_confirm(site, stack, me, "erasure")
    request = await only_request(client, status="open")

    staff = await add_member(client, new_client, stack, "staff")
    assert_problem(await staff.get(staff.org(REQUESTS)), 403)
    assert_problem(await staff.post(staff.org(f"{REQUESTS}/{request['id']}/complete")), 403)
    assert_problem(await staff.get(staff.org("/privacy-settings")), 403)
    assert_problem(await new_client().get(client.org(REQUESTS)), 401)
    wrong_status = await client.get(client.org(REQUESTS), params={"status": "unconfirmed"})
    assert wrong_status.status_code == 400 and "status" in wrong_status.text

    url = client.org(f"{REQUESTS}/{request['id']}/reject")
    assert_problem(await client.post(url, json={"explanation": "   "}), 422, "explanation")
    rejected = await client.post(url, json={"explanation": "Your tickets are for an event still to come."})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["request"]["status"] == "rejected"
    assert rejected.json()["held"]["orders"] == 1  # nothing was erased
    told = mail_text(await wait_for_mail(stack, me, "could not complete your personal data request"))
    assert "still to come" in told
    assert_problem(await client.post(client.org(f"{REQUESTS}/{request['id']}/complete")), 409)
    assert_problem(await client.get(client.org(f"{REQUESTS}/{uuid.uuid4()}")), 404)


async def test_retention_removes_attendee_details_of_events_past_the_window_once(
    client: Api,
    new_client: Callable[[], Api],
    engine: AsyncEngine,
    worker_env: None,  # noqa: F811
) -> None:
    from voelgoed.settings import load_settings
    from voelgoed.worker import CRON_JOBS
    from voelgoed.workflows.personal_data_jobs import PERSONAL_DATA_SWEEP_CRON, personal_data_sweep

    # Registered (wrapped so that one worker runs it per tick: worker.once_per_tick).
    assert "personal_data_sweep" in {cron.function.__qualname__ for cron in CRON_JOBS}
    assert PERSONAL_DATA_SWEEP_CRON.cron in {cron.cron for cron in CRON_JOBS}
    old = await on_sale_event(client)
    recent = await on_sale_event(client)
    site = new_client()
    old_order = await buy(site, old, email=unique_email("old"), name="Old Attendee")
    recent_order = await buy(site, recent, email=unique_email("new"), name="Recent Attendee")

    settings_url = client.org("/privacy-settings")
    assert (await client.get(settings_url)).json()["attendee_retention_days"] is None  # off by default
    for bad in (0, 3651):
        assert_problem(
            await client.put(settings_url, json={"attendee_retention_days": bad}), 422, "attendee_retention_days"
        )
    assert (await client.put(settings_url, json={"attendee_retention_days": "30"})).status_code in (400, 422)
    saved = await client.put(settings_url, json={"attendee_retention_days": 30})
    assert saved.status_code == 200 and saved.json()["attendee_retention_days"] == 30

    async with engine.begin() as conn:
        for ev, ended_days_ago in ((old, 31), (recent, 29)):
            await conn.execute(
                text("UPDATE event SET starts_at = now() - make_interval(days => :d) - interval '4 hours',"
                     " ends_at = now() - make_interval(days => :d) WHERE id = :e"),
                {"d": ended_days_ago, "e": uuid.UUID(ev["id"])},
            )  # fmt: skip
    # Another organisation without the setting keeps everything, however old.
    other_org = new_client()
    await sign_up(other_org, organization="Keeps Everything")
    theirs = await on_sale_event(other_org)
    their_order = await buy(site, theirs, email=unique_email("theirs"), name="Their Attendee")
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE event SET starts_at = now() - interval '400 days', ends_at = now() - interval '399 days'"
                 " WHERE id = :e"), {"e": uuid.UUID(theirs["id"])},
        )  # fmt: skip

    ctx = {"settings": load_settings()}
    # Two workers at once (each its own engine and transactions): the event is handled once.
    first = await asyncio.gather(personal_data_sweep(ctx), personal_data_sweep(ctx))
    assert sorted(run["retention_events"] for run in first) == [0, 1]

    async def attendee(reference: str) -> tuple[list[str | None], str | None, int]:
        oid = await order_id(engine, reference)
        names = [
            r["holder_name"] for r in await rows(engine, "SELECT holder_name FROM ticket WHERE order_id = :o", o=oid)
        ]
        order = (await rows(engine, "SELECT buyer_phone, total_cents FROM ticket_order WHERE id = :o", o=oid))[0]
        return names, order["buyer_phone"], order["total_cents"]

    assert await attendee(old_order["reference"]) == ([None, None], None, 30000)
    assert await attendee(recent_order["reference"]) == (["Recent Attendee"] * 2, "082 555 1234", 30000)
    assert (await attendee(their_order["reference"]))[0] == ["Their Attendee"] * 2

    second = await personal_data_sweep(ctx)
    assert second["retention_events"] == 0  # once per event
    audit = await client.get(client.org("/audit-log"), params={"entity_type": "event", "entity_id": old["id"]})
    removed = [e for e in audit.json()["items"] if e["action"] == "retention.attendee_details_removed"]
    assert len(removed) == 1 and removed[0]["changes"]["removed"]["tickets"] == 2
