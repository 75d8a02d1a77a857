"""Every organisation-scoped operation of the OpenAPI document, called with API keys of every scope.

Like the role matrix (test_authorization_matrix.py), the expected answers come from the code's
own rules: each handler's required scope (`required_scope(opt)`: the permission's scope, or the one
the handler names), and a write scope including its read scope. A key outside its scope gets 403;
within it, never 401/403 (the handler may then answer 404/422 for the made-up ids and bodies).
A representative set of operations must succeed outright with real resources.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.api_key_helpers import key_client, make_key
from tests.api.helpers import make_event, make_venue
from tests.api.routes import Operation, call, non_public_operations, org_operations
from tests.conftest import Api, Stack, future, reset_state, sign_up
from voelgoed.auth.permissions import Access, ApiKeyScope, effective_scopes

SCOPES = [s.value for s in ApiKeyScope]


@dataclass
class Keys:
    owner: Api
    clients: dict[str, httpx.AsyncClient]  # one key per scope, and "all" with every scope
    event_id: str
    venue_id: str


@pytest.fixture(autouse=True)
async def _clean_state() -> AsyncIterator[None]:
    """Overrides the per-test truncation: this module shares one organisation (see `keys`)."""
    yield


@pytest.fixture(scope="module")
async def keys(stack: Stack, engine: AsyncEngine, redis: Redis) -> AsyncIterator[Keys]:
    owner = Api(stack.base_url)
    await sign_up(owner, organization="Scope Matrix Org")
    clients = {s: key_client(stack.base_url, (await make_key(owner, [s], name=s))["key"]) for s in SCOPES}
    clients["all"] = key_client(stack.base_url, (await make_key(owner, SCOPES, name="all"))["key"])
    venue = await make_venue(owner)
    event = await make_event(owner, venue["id"])
    yield Keys(owner, clients, event["id"], venue["id"])
    for client in clients.values():
        await client.aclose()
    await owner.aclose()
    await reset_state(engine, redis)


def _url(op: Operation, org_id: str) -> str:
    return op.path.format(**{n: org_id if n == "organization_id" else str(uuid.uuid4()) for n in op.params})


def test_every_organisation_operation_has_a_known_scope_or_none() -> None:
    """Keys reach only what a scope names; people-only areas (members, settings, audit, keys) none."""
    people_only = {"listMembers", "createInvitation", "updateOrganization", "listAuditLog", "createApiKey",
                   "listApiKeys", "revokeApiKey", "setPaymentProvider", "updatePrivacySettings"}  # fmt: skip
    by_id = {op.operation_id: op for op in org_operations()}
    assert people_only <= by_id.keys()
    assert all(by_id[o].scope is None for o in people_only), [o for o in people_only if by_id[o].scope]
    orders = {"listOrders": "orders:read", "getOrder": "orders:read", "createRefund": "orders:write",
              "createExport": "orders:read", "listEvents": "events:read", "createEvent": "events:write",
              "listScans": "checkin", "createPairingCode": "checkin"}  # fmt: skip
    assert {o: by_id[o].scope for o in orders} == orders


@pytest.mark.parametrize("op", org_operations(), ids=lambda op: op.operation_id)
async def test_scope_matrix(op: Operation, keys: Keys) -> None:
    url = _url(op, keys.owner.org_id)
    body: Any = {} if op.method in {"POST", "PUT", "PATCH"} else None

    async def attempt(name: str) -> str | None:
        granted = effective_scopes(SCOPES if name == "all" else [name])
        allowed = op.scope is not None and op.scope in granted
        status, text = await call(keys.clients[name], op.method, url, body)
        if not allowed and status != 403:
            return f"{name}: expected 403, got {status} {text[:200]}"
        if allowed and (status in (401, 403, 429) or status >= 500):
            return f"{name}: allowed ({op.scope}), got {status} {text[:200]}"
        return None

    failures = [r for r in await asyncio.gather(*(attempt(n) for n in keys.clients)) if r]
    assert not failures, f"{op} [{op.access}, scope {op.scope}]:\n" + "\n".join(failures)


async def test_representative_operations_succeed_within_their_scope(keys: Keys) -> None:
    org = keys.owner.org
    event = keys.event_id
    cases: list[tuple[str, str, str, Any]] = [
        ("events:read", "GET", org("/events"), None),
        ("events:read", "GET", org(f"/events/{event}"), None),
        ("events:read", "GET", org("/venues"), None),
        ("events:write", "GET", org("/events"), None),  # write includes read
        ("events:write", "POST", org("/events"), {"name": "Key Gig", "starts_at": future(), "ends_at": future(31)}),
        ("events:write", "PATCH", org(f"/events/{event}"), {"description": "Changed by a key"}),
        ("orders:read", "GET", org("/orders"), None),
        ("orders:read", "GET", org(f"/events/{event}/sales"), None),
        ("orders:read", "GET", org(f"/events/{event}/exports/"), None),
        ("orders:write", "GET", org("/orders"), None),
        ("checkin", "GET", org("/devices"), None),
        ("checkin", "GET", org(f"/events/{event}/checkin-counts"), None),
        ("checkin", "POST", org("/devices/pairing-codes"), {"event_ids": [event]}),
    ]
    failures = []
    for scope, method, url, body in cases:
        response = await keys.clients[scope].request(method, url, json=body)
        if not 200 <= response.status_code < 300:
            failures.append(f"{scope} {method} {url}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("op", non_public_operations(), ids=lambda op: op.operation_id)
async def test_a_made_up_key_is_401_everywhere(op: Operation, stack: Stack) -> None:
    """On organisation routes, user routes and device routes alike: never 403/404 that would tell
    anything, never a fall-back to another way of signing in."""
    url = op.path.format(**{name: str(uuid.uuid4()) for name in op.params})
    body = {} if op.method in {"POST", "PUT", "PATCH"} else None
    async with key_client(stack.base_url, "vg_abcdefgh_" + "x" * 43) as forged:
        status, text = await call(forged, op.method, url, body)
    assert status == 401, f"{op}: {status} {text[:200]}"
    assert '"status":401' in text.replace(" ", ""), text[:200]


@pytest.mark.parametrize(
    "op", [op for op in non_public_operations() if op.access == Access.USER], ids=lambda op: op.operation_id
)
async def test_user_routes_refuse_a_valid_key(op: Operation, keys: Keys) -> None:
    """Signed-in-person routes (my profile, my organisations, sign-out) are not an integration's."""
    url = op.path.format(**{name: str(uuid.uuid4()) for name in op.params})
    body = {} if op.method in {"POST", "PUT", "PATCH"} else None
    status, text = await call(keys.clients["all"], op.method, url, body)
    assert status == 401, f"{op}: {status} {text[:200]}"
