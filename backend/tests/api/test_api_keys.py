"""API keys over HTTP against the real product: created by owners and admins and shown once,
stored as a digest, listed without secrets, revoked and expired keys refused (401), another
organisation's key 404, no CSRF for keys (still for cookies), last use shown, audit-logged as
"API key <name>", and per-key rate limits with RateLimit-* headers and 429 + Retry-After."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.api_key_helpers import key_client, make_key
from tests.api.helpers import add_member, make_event, make_venue
from tests.api.second_product import product_process
from tests.conftest import Api, Stack, future, sign_up

KEY_SHAPE = re.compile(r"^vg_([a-z2-9]{8})_[A-Za-z0-9_-]{40,}$")


async def test_a_key_is_shown_once_and_only_its_digest_is_stored(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    made = await make_key(client, ["events:read", "orders:read"], name="CRM sync")
    shape = KEY_SHAPE.match(made["key"])
    assert shape, made["key"]
    assert made["prefix"] == shape.group(1)
    assert made["scopes"] == ["events:read", "orders:read"]
    assert made["revoked_at"] is None and made["last_used_at"] is None and made["expires_at"] is None

    listed = (await client.get(client.org("/api-keys"))).json()["items"]
    assert [k["id"] for k in listed] == [made["id"]]
    assert "key" not in listed[0] and made["key"] not in str(listed)

    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM api_key"))).mappings().one()
    assert row["secret_hash"] == hashlib.sha256(made["key"].encode()).hexdigest()
    assert not any(made["key"] in str(v) for v in row.values())

    audit = (await client.get(client.org("/audit-log"), params={"entity_type": "api_key"})).json()["items"]
    assert [(a["action"], a["actor"]) for a in audit] == [("api_key.created", client.me["user"]["email"])]


async def test_a_key_works_without_csrf_and_is_audited_as_the_key(client: Api, stack: Stack) -> None:
    await sign_up(client)
    made = await make_key(client, ["events:write"], name="Box office sync")
    async with key_client(stack.base_url, made["key"]) as integration:
        created = await integration.post(
            client.org("/events"), json={"name": "Keyed Gig", "starts_at": future(), "ends_at": future(31)}
        )
        assert created.status_code == 201, created.text
        listed = await integration.get(client.org("/events"))
        assert listed.status_code == 200 and [e["name"] for e in listed.json()["items"]] == ["Keyed Gig"]
        org = await integration.get(client.org())
        assert org.status_code == 200 and org.json()["role"] is None  # a key has scopes, not a role

    # A browser's cookie still needs the CSRF header on a write.
    async with httpx.AsyncClient(base_url=stack.base_url, cookies=dict(client.cookies)) as browser:
        refused = await browser.post(
            client.org("/events"), json={"name": "x", "starts_at": future(), "ends_at": future(31)}
        )
    assert refused.status_code == 403 and "CSRF" in refused.text

    audit = (await client.get(client.org("/audit-log"), params={"entity_type": "event"})).json()["items"]
    assert audit and audit[0]["actor"] == "API key Box office sync"
    assert audit[0]["actor_api_key_id"] == made["id"] and audit[0]["actor_user_id"] is None

    used = (await client.get(client.org("/api-keys"))).json()["items"][0]
    assert used["last_used_at"] is not None


async def test_last_use_is_written_at_most_once_a_minute(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    made = await make_key(client, ["events:read"])
    async with key_client(stack.base_url, made["key"]) as integration:
        assert (await integration.get(client.org("/events"))).status_code == 200
        async with engine.connect() as conn:
            first = (await conn.execute(text("SELECT last_used_at, xmin::text FROM api_key"))).one()
        for _ in range(5):
            assert (await integration.get(client.org("/events"))).status_code == 200
    async with engine.connect() as conn:
        again = (await conn.execute(text("SELECT last_used_at, xmin::text FROM api_key"))).one()
    assert first[0] is not None and again == first  # the same row version: no write per request


async def test_revoked_key_is_401(client: Api, stack: Stack) -> None:
    await sign_up(client)
    made = await make_key(client, ["events:read"])
    async with key_client(stack.base_url, made["key"]) as integration:
        assert (await integration.get(client.org("/events"))).status_code == 200
        revoked = await client.post(client.org(f"/api-keys/{made['id']}/revoke"))
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        refused = await integration.get(client.org("/events"))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "revoked" in refused.json()["detail"]
    again = await client.post(client.org(f"/api-keys/{made['id']}/revoke"))  # a no-op, same answer
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    audit = (await client.get(client.org("/audit-log"), params={"entity_type": "api_key"})).json()["items"]
    assert [a["action"] for a in audit] == ["api_key.revoked", "api_key.created"]


async def test_expired_key_is_401(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    past = await client.post(
        client.org("/api-keys"),
        json={
            "name": "old",
            "scopes": ["events:read"],
            "expires_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        },
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "expires_at"
    soon = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    made = await make_key(client, ["events:read"], expires_at=soon.isoformat())
    assert datetime.fromisoformat(made["expires_at"]) == soon
    async with key_client(stack.base_url, made["key"]) as integration:
        assert (await integration.get(client.org("/events"))).status_code == 200
        async with engine.begin() as conn:  # time passes
            await conn.execute(text("UPDATE api_key SET expires_at = now() - interval '1 second'"))
        refused = await integration.get(client.org("/events"))
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]


async def test_unknown_and_malformed_keys_are_401(client: Api, stack: Stack) -> None:
    await sign_up(client)
    made = await make_key(client, ["events:read"])
    tampered = made["key"][:-4] + ("AAAA" if not made["key"].endswith("AAAA") else "BBBB")
    for key in (tampered, "vg_nothing", "vg_abcdefgh_" + "y" * 43):
        async with key_client(stack.base_url, key) as integration:
            response = await integration.get(client.org("/events"))
        assert response.status_code == 401, (key, response.text)
        assert "RateLimit-Limit" not in response.headers  # no quota for a key that is not one


async def test_another_organisations_key_is_404(client: Api, new_client: Any, stack: Stack) -> None:
    await sign_up(client, organization="Org A")
    event_a = await make_event(client, (await make_venue(client))["id"])
    other = new_client()
    await sign_up(other, organization="Org B")
    key_b = (await make_key(other, [s for s in ("events:write", "orders:write", "checkin")]))["key"]
    async with key_client(stack.base_url, key_b) as integration:
        for method, url in [
            ("GET", client.org("/events")),
            ("GET", client.org(f"/events/{event_a['id']}")),
            ("PATCH", client.org(f"/events/{event_a['id']}")),
            ("GET", client.org("/orders")),
            ("GET", other.org(f"/events/{event_a['id']}")),  # A's event under B's own path
        ]:
            response = await integration.request(method, url, json={"description": "x"} if method == "PATCH" else None)
            assert response.status_code == 404, (method, url, response.text)
    assert (await client.get(client.org(f"/events/{event_a['id']}"))).json()["description"] != "x"


async def test_only_owners_and_admins_manage_keys(client: Api, new_client: Any, stack: Stack) -> None:
    await sign_up(client)
    made = await make_key(client, ["events:read"])
    admin = await add_member(client, new_client, stack, "admin")
    assert (await admin.get(client.org("/api-keys"))).status_code == 200
    assert (await admin.post(client.org("/api-keys"), json={"name": "a", "scopes": ["checkin"]})).status_code == 201
    for role in ("staff", "viewer", "scanner_only"):
        member = await add_member(client, new_client, stack, role)
        assert (await member.get(client.org("/api-keys"))).status_code == 403, role
        create = await member.post(client.org("/api-keys"), json={"name": "m", "scopes": ["checkin"]})
        assert create.status_code == 403, role
        assert (await member.post(client.org(f"/api-keys/{made['id']}/revoke"))).status_code == 403, role
    # A key cannot make keys (or do anything else that is people's business).
    every = await make_key(client, ["events:write", "orders:write", "checkin", "webhooks"])
    async with key_client(stack.base_url, every["key"]) as integration:
        for method, url in [("POST", client.org("/api-keys")), ("GET", client.org("/members"))]:
            response = await integration.request(method, url, json={"name": "k", "scopes": ["checkin"]})
            assert response.status_code == 403, (url, response.text)
        scoped = await integration.get(client.org("/api-keys"))
    assert "sign in" in scoped.json()["detail"]


async def test_missing_scope_is_403_naming_it(client: Api, stack: Stack) -> None:
    await sign_up(client)
    made = await make_key(client, ["events:read"])
    async with key_client(stack.base_url, made["key"]) as integration:
        response = await integration.get(client.org("/orders"))
    assert response.status_code == 403 and "orders:read" in response.json()["detail"]


async def test_idempotency_key_makes_one_key(client: Api) -> None:
    await sign_up(client)
    body = {"name": "Retry me", "scopes": ["events:read"]}
    first = await client.post(client.org("/api-keys"), json=body, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == 201
    again = await client.post(client.org("/api-keys"), json=body, headers={"Idempotency-Key": "abc-1"})
    assert again.status_code == 409 and first.json()["prefix"] in again.json()["detail"]
    assert len((await client.get(client.org("/api-keys"))).json()["items"]) == 1


async def test_every_key_answer_carries_rate_limit_headers(client: Api, stack: Stack) -> None:
    await sign_up(client)
    made = await make_key(client, ["events:read"])
    async with key_client(stack.base_url, made["key"]) as integration:
        ok = await integration.get(client.org("/events"))
        refused = await integration.get(client.org("/orders"))  # 403: still counted and reported
    assert ok.headers["RateLimit-Limit"] == "600" and ok.headers["RateLimit-Remaining"] == "599"
    assert 0 < int(ok.headers["RateLimit-Reset"]) <= 60
    assert refused.status_code == 403 and refused.headers["RateLimit-Remaining"] == "598"
    assert "RateLimit-Limit" not in (await client.get(client.org("/events"))).headers  # sessions: none


async def test_over_the_limit_is_429_with_retry_after(client: Api, stack: Stack) -> None:
    """A second product on the same database with a limit of 3 requests a minute per key."""
    await sign_up(client)
    made = await make_key(client, ["events:read"])
    other = await make_key(client, ["events:read"], name="another")
    with product_process(stack, stack.database_url, API_KEY_RATE_LIMIT="3") as base:
        async with key_client(base, made["key"]) as integration:
            remaining = []
            for _ in range(3):
                response = await integration.get(client.org("/events"))
                assert response.status_code == 200, response.text
                remaining.append(response.headers["RateLimit-Remaining"])
            limited = await integration.get(client.org("/events"))
        async with key_client(base, other["key"]) as neighbour:  # per key: another key is unaffected
            assert (await neighbour.get(client.org("/events"))).status_code == 200
    assert remaining == ["2", "1", "0"]
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["RateLimit-Limit"] == "3" and limited.headers["RateLimit-Remaining"] == "0"
