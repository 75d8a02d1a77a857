"""POPIA: webhook events copy buyers' details. Erasure scrubs them (payloads and the delivery
log's excerpts); the personal data sweep deletes events whose deliveries finished longer ago than
WEBHOOK_EVENT_RETENTION_DAYS."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import unique_email
from tests.api.personal_data_helpers import ask_and_confirm, buy, order_id, rows, worker_env  # noqa: F401
from tests.api.refund_helpers import on_sale_event
from tests.api.webhook_event_helpers import add_endpoint, outbox
from tests.conftest import Api, Stack


async def test_erasure_scrubs_webhook_payloads_and_attempt_excerpts(
    client: Api, new_client: Callable[[], Api], stack: Stack, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client)
    endpoint = await add_endpoint(engine, client.org_id)
    site = new_client()
    me = unique_email("hooked")
    mine = await buy(site, event, email=me, name="Thandi Nkosi", phone="083 111 2222")
    theirs = await buy(site, event, email=unique_email("kept"), name="Pieter Botha")
    oid = await order_id(engine, mine["reference"])
    about_me = [e for e in await outbox(engine, client.org_id) if str(oid) in json.dumps(e["payload"])]
    assert {e["type"] for e in about_me} == {"order.created", "order.paid", "ticket.issued"}
    assert all(me in json.dumps(e["payload"]) or "Thandi Nkosi" in json.dumps(e["payload"]) for e in about_me)
    # The delivery log keeps excerpts of what was sent (the delivery engine writes them).
    async with engine.begin() as conn:
        delivery = (
            await conn.execute(
                text("SELECT id FROM webhook_delivery WHERE event_id = :e AND endpoint_id = :ep"),
                {"e": about_me[0]["id"], "ep": endpoint},
            )
        ).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO webhook_attempt (id, organization_id, delivery_id, attempted_at, duration_ms,"
                " request_excerpt, response_excerpt, created_at, updated_at)"
                " VALUES (gen_random_uuid(), :org, :d, now(), 5, :req, 'ok', now(), now())"
            ),
            {"org": uuid.UUID(client.org_id), "d": delivery, "req": json.dumps(about_me[0]["payload"])[:2000]},
        )

    before = await outbox(engine, client.org_id)
    await ask_and_confirm(site, stack, me, "erasure")
    listed = await client.get(client.org("/privacy-requests"))
    [request] = listed.json()["items"]
    held = (await client.get(client.org(f"/privacy-requests/{request['id']}"))).json()["held"]
    assert held["webhook_events"] == len(about_me)
    done = await client.post(client.org(f"/privacy-requests/{request['id']}/complete"))
    assert done.status_code == 200, done.text
    assert done.json()["held"]["webhook_events"] == 0

    after = await outbox(engine, client.org_id)
    assert [e["id"] for e in after] == [e["id"] for e in before]  # scrubbed, not deleted
    for e in after:
        sent = json.dumps(e["payload"])
        assert me not in sent and "Thandi" not in sent and "Nkosi" not in sent and "111 2222" not in sent
    assert any("Pieter Botha" in json.dumps(e["payload"]) for e in after)  # the other buyer's stay
    # Every attempt about this buyer's events is scrubbed: the one written above, and any the
    # delivery workers made meanwhile (to an address that does not resolve); others' stay.
    attempts = await rows(
        engine,
        "SELECT d.event_id::text AS event_id, a.request_excerpt, a.response_excerpt FROM webhook_attempt a"
        " JOIN webhook_delivery d ON d.id = a.delivery_id",
    )
    mine_ids = {str(e["id"]) for e in about_me}
    about_me_attempts = [a for a in attempts if a["event_id"] in mine_ids]
    assert {
        "event_id": str(about_me[0]["id"]),
        "request_excerpt": "Erased",
        "response_excerpt": "ok",
    } in about_me_attempts
    assert all(a["request_excerpt"] == "Erased" for a in about_me_attempts)
    for a in attempts:
        assert me not in a["request_excerpt"] and "Thandi" not in a["request_excerpt"]
    assert theirs["reference"] != mine["reference"]


async def test_sweep_deletes_finished_events_after_the_retention_days(
    client: Api,
    new_client: Callable[[], Api],
    engine: AsyncEngine,
    worker_env: None,  # noqa: F811
) -> None:
    from voelgoed.settings import load_settings
    from voelgoed.workflows.personal_data_jobs import personal_data_sweep

    event = await on_sale_event(client)
    await add_endpoint(engine, client.org_id, ["order.paid"])
    site = new_client()
    for _ in range(3):
        await buy(site, event, email=unique_email("old"), name="Old Buyer")
    old, pending_old, recent = await outbox(engine, client.org_id)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE webhook_event SET created_at = now() - interval '31 days' WHERE id = ANY(:ids)"),
            {"ids": [old["id"], pending_old["id"]]},
        )
        await conn.execute(
            text("UPDATE webhook_delivery SET status = 'succeeded' WHERE event_id = ANY(:ids)"),
            {"ids": [old["id"], recent["id"]]},
        )
    done = await personal_data_sweep({"settings": load_settings()})
    assert done["webhook_events_purged"] == 1
    # Gone: the old finished one. Kept: the old one still being delivered, and the recent one.
    assert [e["id"] for e in await outbox(engine, client.org_id)] == [pending_old["id"], recent["id"]]
