"""The webhook management API over HTTP: endpoints (CRUD, validation, enable/disable), signing
secrets (shown on create and on reveal, rotation keeping the previous one for 24 h), the delivery
log, redelivery and the test event; who may do it, and organisation B never seeing A's.

Delivery itself (the worker) is not what these tests check: deliveries that must be finished are
written here as the worker would leave them, so a running delivery engine cannot race the checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import add_member, assert_problem
from tests.conftest import Api, Stack, sign_up
from voelgoed.domain.webhooks.event_types import SUBSCRIBABLE

# Nothing listens on the discard port: a delivery engine's attempts fail fast, and nothing leaves.
URL = "http://127.0.0.1:9/hooks/voelgoed"


def hooks(api: Api, path: str = "") -> str:
    return api.org(f"/webhook-endpoints{path}")


async def make_endpoint(api: Api, **overrides: Any) -> dict[str, Any]:
    body = {"url": URL, "description": "CRM", "event_types": ["order.paid", "ticket.checked_in"], **overrides}
    r = await api.post(hooks(api), json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def finished_delivery(
    engine: AsyncEngine, org_id: str, endpoint_id: str, status: str = "failed", event_type: str = "order.paid"
) -> tuple[str, str]:
    """An event and its delivery to the endpoint as the worker leaves a finished one, with two
    attempts; (delivery id, event id)."""
    event_id, delivery_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO webhook_event (id, organization_id, event_type, payload, created_at, updated_at)"
                " VALUES (:id, :org, :type, CAST(:payload AS jsonb), :now, :now)"
            ),
            {
                "id": event_id,
                "org": org_id,
                "type": event_type,
                "payload": f'{{"id": "msg_{event_id.hex}", "type": "{event_type}", "data": {{}}}}',
                "now": now,
            },
        )
        await conn.execute(
            text(
                "INSERT INTO webhook_delivery (id, organization_id, event_id, endpoint_id, status, attempts,"
                " next_attempt_at, last_status_code, last_error, created_at, updated_at)"
                " VALUES (:id, :org, :event, :endpoint, :status, 2, NULL, 500, 'HTTP 500', :now, :now)"
            ),
            {
                "id": delivery_id,
                "org": org_id,
                "event": event_id,
                "endpoint": endpoint_id,
                "status": status,
                "now": now,
            },
        )
        for n in range(2):
            await conn.execute(
                text(
                    "INSERT INTO webhook_attempt (id, organization_id, delivery_id, attempted_at, duration_ms,"
                    " request_excerpt, response_status, response_excerpt, error, created_at, updated_at)"
                    " VALUES (gen_random_uuid(), :org, :delivery, :at, 120, 'POST /hooks', 500, 'oops', NULL,"
                    " :now, :now)"
                ),
                {"org": org_id, "delivery": delivery_id, "at": now - timedelta(minutes=5 - n), "now": now},
            )
    return str(delivery_id), str(event_id)


async def audit_actions(api: Api) -> list[str]:
    r = await api.get(api.org("/audit-log"), params={"entity_type": "webhook_endpoint", "page_size": 200})
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()["items"]]


async def test_create_list_get_update_delete(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    created = await make_endpoint(client, event_types=["ticket.checked_in", "order.paid", "order.paid"])
    secret = created["secret"]
    endpoint = created["endpoint"]
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 44
    assert endpoint["url"] == URL and endpoint["status"] == "enabled" and endpoint["description"] == "CRM"
    assert endpoint["event_types"] == ["order.paid", "ticket.checked_in"]  # once each, in the catalogue's order
    assert "secret" not in endpoint and endpoint["last_delivery"] is None

    listed = (await client.get(hooks(client))).json()
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert secret not in str(listed)
    got = await client.get(hooks(client, f"/{endpoint['id']}"))
    assert got.status_code == 200 and got.json()["url"] == URL

    # The secret is stored encrypted, never as typed.
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT secret_encrypted FROM webhook_endpoint"))).scalar_one()
    assert secret not in stored and "whsec_" not in stored

    r = await client.patch(
        hooks(client, f"/{endpoint['id']}"),
        json={"url": "https://crm.example.com/in", "description": "New CRM", "event_types": list(SUBSCRIBABLE)},
    )
    assert r.status_code == 200, r.text
    assert r.json()["url"] == "https://crm.example.com/in" and r.json()["description"] == "New CRM"
    assert r.json()["event_types"] == [str(t) for t in SUBSCRIBABLE]

    r = await client.patch(hooks(client, f"/{endpoint['id']}"), json={"enabled": False})
    assert r.json()["status"] == "disabled" and r.json()["disabled_reason"]
    r = await client.patch(hooks(client, f"/{endpoint['id']}"), json={"enabled": False})  # again: no change
    assert r.status_code == 200 and r.json()["status"] == "disabled"
    # Re-enabling one that delivery disabled (410 / long failure) clears why.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE webhook_endpoint SET disabled_reason = 'Answered 410 Gone', failing_since = now()")
        )
    r = await client.patch(hooks(client, f"/{endpoint['id']}"), json={"enabled": True})
    assert r.json()["status"] == "enabled"
    assert r.json()["disabled_reason"] is None and r.json()["failing_since"] is None

    delivery_id, _ = await finished_delivery(engine, client.org_id, endpoint["id"])
    r = await client.delete(hooks(client, f"/{endpoint['id']}"))
    assert r.status_code == 204, r.text
    assert_problem(await client.get(hooks(client, f"/{endpoint['id']}")), 404)
    assert_problem(await client.get(hooks(client, f"/{endpoint['id']}/deliveries/{delivery_id}")), 404)
    async with engine.connect() as conn:  # the delivery log went with it
        left = await conn.execute(
            text("SELECT (SELECT count(*) FROM webhook_delivery), (SELECT count(*) FROM webhook_attempt)")
        )
        assert tuple(left.one()) == (0, 0)

    actions = await audit_actions(client)
    assert actions.count("webhook_endpoint.created") == 1
    assert actions.count("webhook_endpoint.updated") == 3  # url etc., disable, enable (not the no-op)
    assert actions.count("webhook_endpoint.deleted") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://user:pass@example.com/hook"}, "url"),
        ({"url": "https:///no-host"}, "url"),
        ({"url": "   "}, "url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["order.paid", "order.exploded"]}, "event_types"),
        ({"event_types": ["webhook.test"]}, "event_types"),
    ],
)
async def test_bad_endpoints_are_422_at_their_field(client: Api, body: dict[str, Any], field: str) -> None:
    await sign_up(client)
    full = {"url": URL, "event_types": ["order.paid"], **body}
    assert_problem(await client.post(hooks(client), json=full), 422, field)
    endpoint = (await make_endpoint(client))["endpoint"]
    assert_problem(await client.patch(hooks(client, f"/{endpoint['id']}"), json=body), 422, field)
    assert (await client.get(hooks(client, f"/{endpoint['id']}"))).json()["url"] == URL  # unchanged


async def test_rotate_keeps_the_previous_secret_for_a_day_and_reveal_is_audited(
    client: Api, engine: AsyncEngine
) -> None:
    await sign_up(client)
    created = await make_endpoint(client)
    endpoint_id, first = created["endpoint"]["id"], created["secret"]

    revealed = await client.post(hooks(client, f"/{endpoint_id}/reveal-secret"))
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["secret"] == first and revealed.json()["previous_secret_expires_at"] is None

    rotated = await client.post(hooks(client, f"/{endpoint_id}/rotate-secret"))
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()["secret"]
    assert second.startswith("whsec_") and second != first
    expires = datetime.fromisoformat(rotated.json()["previous_secret_expires_at"])
    assert timedelta(hours=23, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=24)
    assert (await client.post(hooks(client, f"/{endpoint_id}/reveal-secret"))).json()["secret"] == second

    from voelgoed.domain.webhooks.signing import PURPOSE as SECRET_PURPOSE
    from voelgoed.lib.crypto import decrypt_str

    async with engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT secret_encrypted, previous_secret_encrypted FROM webhook_endpoint"))
        ).one()
    key = "test-secret"  # the product under test's SECRET_KEY (tests/conftest.py)
    assert decrypt_str(row[0], purpose=SECRET_PURPOSE, secret_key=key) == second
    assert decrypt_str(row[1], purpose=SECRET_PURPOSE, secret_key=key) == first  # still signs for 24 h

    actions = await audit_actions(client)
    assert actions.count("webhook_endpoint.secret_revealed") == 2
    assert actions.count("webhook_endpoint.secret_rotated") == 1
    audit = (await client.get(client.org("/audit-log"), params={"page_size": 200})).text
    assert first not in audit and second not in audit


async def test_send_test_event_makes_one_delivery_to_that_endpoint_only(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    a = (await make_endpoint(client, event_types=["order.paid"]))["endpoint"]
    b = (await make_endpoint(client, event_types=list(SUBSCRIBABLE)))["endpoint"]

    r = await client.post(hooks(client, f"/{a['id']}/test"))
    assert r.status_code == 202, r.text
    sent = r.json()
    assert sent["endpoint_id"] == a["id"] and sent["event_type"] == "webhook.test" and sent["status"] == "pending"
    assert sent["message_id"] == "msg_" + uuid.UUID(sent["event_id"]).hex

    a_log = (await client.get(hooks(client, f"/{a['id']}/deliveries"))).json()
    assert a_log["total"] == 1 and [d["id"] for d in a_log["items"]] == [sent["id"]]
    assert (await client.get(hooks(client, f"/{b['id']}/deliveries"))).json()["total"] == 0
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM webhook_delivery"))).scalar_one() == 1
        payload = (await conn.execute(text("SELECT payload FROM webhook_event"))).scalar_one()
    assert payload["type"] == "webhook.test" and payload["data"]["endpoint_id"] == a["id"]
    listed = {e["id"]: e for e in (await client.get(hooks(client))).json()}
    assert listed[a["id"]]["last_delivery"]["id"] == sent["id"]
    assert listed[b["id"]]["last_delivery"] is None

    detail = (await client.get(hooks(client, f"/{a['id']}/deliveries/{sent['id']}"))).json()
    assert detail["payload"]["id"] == sent["message_id"] and detail["payload"]["type"] == "webhook.test"

    await client.patch(hooks(client, f"/{b['id']}"), json={"enabled": False})
    assert_problem(await client.post(hooks(client, f"/{b['id']}/test")), 409)


async def test_delivery_log_and_redeliver_keep_the_event(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    endpoint = (await make_endpoint(client))["endpoint"]
    old_id, _ = await finished_delivery(engine, client.org_id, endpoint["id"], status="succeeded")
    failed_id, event_id = await finished_delivery(engine, client.org_id, endpoint["id"], status="failed")

    log = (await client.get(hooks(client, f"/{endpoint['id']}/deliveries"), params={"page_size": 1})).json()
    assert log["total"] == 2 and [d["id"] for d in log["items"]] == [failed_id]  # newest first, paged
    only_failed = (await client.get(hooks(client, f"/{endpoint['id']}/deliveries"), params={"status": "failed"})).json()
    assert [d["id"] for d in only_failed["items"]] == [failed_id]
    assert_problem(await client.get(hooks(client, f"/{endpoint['id']}/deliveries"), params={"status": "lost"}), 400)

    detail = (await client.get(hooks(client, f"/{endpoint['id']}/deliveries/{failed_id}"))).json()
    assert detail["delivery"]["status"] == "failed" and detail["delivery"]["last_status_code"] == 500
    assert [a["response_status"] for a in detail["attempts"]] == [500, 500]
    assert detail["attempts"][0]["duration_ms"] == 120 and detail["attempts"][0]["request_excerpt"] == "POST /hooks"

    r = await client.post(hooks(client, f"/{endpoint['id']}/deliveries/{failed_id}/redeliver"))
    assert r.status_code == 202, r.text
    again = r.json()
    assert again["id"] == failed_id and again["status"] == "pending"
    assert again["event_id"] == event_id and again["message_id"] == "msg_" + uuid.UUID(event_id).hex
    assert abs(datetime.fromisoformat(again["next_attempt_at"]) - datetime.now(UTC)) < timedelta(minutes=1)
    async with engine.connect() as conn:
        count = await conn.execute(text("SELECT count(*) FROM webhook_event"))
        assert count.scalar_one() == 2  # no new event: the same webhook-id goes out again

    # A pending one (retrying later) is only made due now.
    later = datetime.now(UTC) + timedelta(hours=2)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE webhook_delivery SET next_attempt_at = :later WHERE id = :id"),
            {"id": failed_id, "later": later},
        )
    r = await client.post(hooks(client, f"/{endpoint['id']}/deliveries/{failed_id}/redeliver"))
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert datetime.fromisoformat(r.json()["next_attempt_at"]) < later - timedelta(hours=1)
    r = await client.post(hooks(client, f"/{endpoint['id']}/deliveries/{old_id}/redeliver"))  # succeeded: fine
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert_problem(await client.post(hooks(client, f"/{endpoint['id']}/deliveries/{uuid.uuid4()}/redeliver")), 404)
    await client.patch(hooks(client, f"/{endpoint['id']}"), json={"enabled": False})
    assert_problem(await client.post(hooks(client, f"/{endpoint['id']}/deliveries/{old_id}/redeliver")), 409)


async def test_staff_and_viewers_are_refused(client: Api, new_client: Callable[[], Api], stack: Stack) -> None:
    await sign_up(client)
    endpoint = (await make_endpoint(client))["endpoint"]
    for role in ("staff", "viewer"):
        member = await add_member(client, new_client, stack, role)
        assert_problem(await member.get(hooks(client)), 403)
        assert_problem(await member.post(hooks(client), json={"url": URL, "event_types": ["order.paid"]}), 403)
        assert_problem(await member.post(hooks(client, f"/{endpoint['id']}/reveal-secret")), 403)
        assert_problem(await member.get(hooks(client, f"/{endpoint['id']}/deliveries")), 403)
    admin = await add_member(client, new_client, stack, "admin")
    assert (await admin.post(hooks(client, f"/{endpoint['id']}/reveal-secret"))).status_code == 200


async def test_another_organisation_sees_nothing(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    await sign_up(client, organization="Org A")
    endpoint = (await make_endpoint(client))["endpoint"]
    delivery_id, _ = await finished_delivery(engine, client.org_id, endpoint["id"])
    other = new_client()
    await sign_up(other, organization="Org B")
    base = other.org(f"/webhook-endpoints/{endpoint['id']}")
    assert (await other.get(other.org("/webhook-endpoints"))).json() == []
    assert_problem(await other.get(base), 404)
    assert_problem(await other.patch(base, json={"description": "mine"}), 404)
    assert_problem(await other.post(f"{base}/reveal-secret"), 404)
    assert_problem(await other.post(f"{base}/rotate-secret"), 404)
    assert_problem(await other.post(f"{base}/test"), 404)
    assert_problem(await other.get(f"{base}/deliveries"), 404)
    assert_problem(await other.get(f"{base}/deliveries/{delivery_id}"), 404)
    assert_problem(await other.post(f"{base}/deliveries/{delivery_id}/redeliver"), 404)
    assert_problem(await other.delete(base), 404)
    # A's organisation id in the path with B's session: not a member, no such organisation.
    assert_problem(await other.get(hooks(client, f"/{endpoint['id']}")), 404)
    still = await client.get(hooks(client, f"/{endpoint['id']}"))
    assert still.status_code == 200 and still.json()["description"] == "CRM"


async def test_the_admin_api_goes_through_the_delivery_engine(client: Api, engine: AsyncEngine) -> None:
    """Disabling cancels the endpoint's pending deliveries; the test event and a redelivery wake
    the workers (NOTIFY on the delivery engine's channel) when their transaction commits."""
    import asyncio

    from voelgoed.domain.webhooks.delivery_sql import CHANNEL

    await sign_up(client)
    endpoint = (await make_endpoint(client))["endpoint"]
    heard: list[str] = []
    async with engine.connect() as conn:
        listener = (await conn.get_raw_connection()).driver_connection
        assert listener is not None

        def hear(*_: object) -> None:
            heard.append(CHANNEL)

        await listener.add_listener(CHANNEL, hear)

        async def woken(count: int) -> None:
            async with asyncio.timeout(5):
                while len(heard) < count:
                    await asyncio.sleep(0.02)

        sent = (await client.post(hooks(client, f"/{endpoint['id']}/test"))).json()
        await woken(1)  # the insert's trigger (migration 0026)
        async with engine.begin() as db:  # still waiting for a retry, as a failed first attempt leaves it
            await db.execute(
                text("UPDATE webhook_delivery SET next_attempt_at = now() + interval '1 hour' WHERE id = :id"),
                {"id": sent["id"]},
            )
        r = await client.patch(hooks(client, f"/{endpoint['id']}"), json={"enabled": False})
        assert r.status_code == 200 and r.json()["status"] == "disabled"
        detail = (await client.get(hooks(client, f"/{endpoint['id']}/deliveries/{sent['id']}"))).json()
        assert detail["delivery"]["status"] == "cancelled"

        await client.patch(hooks(client, f"/{endpoint['id']}"), json={"enabled": True})
        before = len(heard)
        r = await client.post(hooks(client, f"/{endpoint['id']}/deliveries/{sent['id']}/redeliver"))
        assert r.status_code == 202 and r.json()["status"] == "pending"
        await woken(before + 1)
        await listener.remove_listener(CHANNEL, hear)
