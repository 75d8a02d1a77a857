"""Every organisation-scoped operation of the OpenAPI document, called as every role.

Expected answers come from the code's own rules: each handler's `opt["access"]` and
`ROLE_PERMISSIONS`. The list of operations comes from the app's OpenAPI document, so a new
endpoint is exercised (and must declare a rule) without anyone editing this file.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import VENUE, add_member, invite, make_event, make_gate, make_venue, unique_email
from tests.api.routes import MISSING, Operation, call, non_public_operations, operations, org_operations
from tests.conftest import Api, Stack, future, reset_state, sign_up
from voelgoed.auth.permissions import Access, Permission
from voelgoed.domain.organizations.models import Role

ROLES = [r.value for r in Role]
VICTIMS = 3  # members that removeMember may remove: one per allowed role (owner, admin) + one shared

# Bodies that make the call succeed for an allowed role. Operations not listed get `{}`: an
# allowed role may then see 400/404/422, but never 401/403.
BODIES: dict[str, Any] = {
    "updateOrganization": lambda: {"name": "Matrix Org"},
    "createVenue": lambda: VENUE,
    "updateVenue": lambda: {"capacity": 321},
    "createGate": lambda: {"code": "G" + uuid.uuid4().hex[:6]},
    "updateGate": lambda: {"name": "Renamed gate"},
    "createEvent": lambda: {"name": "Matrix Gig", "starts_at": future(), "ends_at": future(31)},
    "updateEvent": lambda: {"description": "Updated"},
    "createInvitation": lambda: {"email": unique_email("matrix"), "role": "viewer"},
    "updateMember": lambda: {"role": "scanner_only"},  # the scanner's own role: a harmless no-op
    "setPaymentProvider": lambda: {"enabled": True, "sandbox": True},
    "orderPaymentProviders": lambda: {"providers": ["simulated", "payfast"]},
    "updateEmailTemplate": lambda: {"subject": "Matrix {event_name}", "intro": "Hi {buyer_name}"},
}
# Operations whose allowed roles must get a 2xx with the prepared resources above.
MUST_SUCCEED = {
    "getOrganization",
    "updateOrganization",
    "listAuditLog",
    "listEvents",
    "createEvent",
    "getEvent",
    "updateEvent",
    "deleteEvent",
    "publishEvent",
    "closeEvent",
    "cancelEvent",
    "listInvitations",
    "createInvitation",
    "revokeInvitation",
    "listMembers",
    "updateMember",
    "removeMember",
    "listVenues",
    "createVenue",
    "getVenue",
    "updateVenue",
    "deleteVenue",
    "createGate",
    "updateGate",
    "deleteGate",
    "listPaymentProviders",
    "getPaymentProvider",
    "setPaymentProvider",
    "orderPaymentProviders",
    "testPaymentProvider",
    "listEmailTemplates",
    "updateEmailTemplate",
    "resetEmailTemplate",
    "previewEmailTemplate",
    "sendTestEmail",
}


@dataclass
class Team:
    stack: Stack
    owner: Api
    clients: dict[str, Api]
    victims: list[str] = field(default_factory=list)

    @property
    def org_id(self) -> str:
        return self.owner.org_id

    async def prepare(self, op: Operation, *, allowed: bool) -> tuple[str, Any]:
        """A concrete URL (fresh resources from the owner) and body for one call of `op`."""
        values: dict[str, str] = {"organization_id": self.org_id}
        venue: dict[str, Any] | None = None
        for name in op.params:
            if name == "organization_id":
                continue
            if name == "venue_id":
                venue = await make_venue(self.owner)
                values[name] = venue["id"]
            elif name == "gate_id":
                assert venue is not None
                values[name] = (await make_gate(self.owner, venue["id"], "G" + uuid.uuid4().hex[:6]))["id"]
            elif name == "event_id":
                event = await make_event(self.owner, (await make_venue(self.owner))["id"])
                if op.operation_id == "closeEvent":
                    published = await self.owner.post(self.owner.org(f"/events/{event['id']}/publish"))
                    assert published.status_code == 200, published.text
                values[name] = event["id"]
            elif name == "kind":
                values[name] = "reminder"
            elif name == "provider":
                values[name] = "simulated"  # needs no account; its connection test always answers
            elif name == "invitation_id":
                values[name] = (await invite(self.owner, unique_email("revoke"), "viewer"))["id"]
            elif name == "user_id":
                if op.method == "DELETE":
                    values[name] = self.victims.pop() if allowed else self.victims[0]
                else:
                    values[name] = self.clients["scanner_only"].me["user"]["id"]
            else:
                values[name] = str(uuid.uuid4())
        url = op.path.format(**values)
        body = BODIES.get(op.operation_id, lambda: {})() if op.method in {"POST", "PUT", "PATCH"} else None
        return url, body


@pytest.fixture(autouse=True)
async def _clean_state() -> AsyncIterator[None]:
    """Overrides the per-test truncation: this module shares one organisation (see `team`)."""
    yield


@pytest.fixture(scope="module")
async def team(stack: Stack, engine: AsyncEngine, redis: Redis) -> AsyncIterator[Team]:
    opened: list[Api] = []

    def new_client() -> Api:
        api = Api(stack.base_url)
        opened.append(api)
        return api

    owner = new_client()
    await sign_up(owner, organization="Matrix Org")
    roles = [r for r in ROLES if r != "owner"]
    members = await asyncio.gather(*(add_member(owner, new_client, stack, r) for r in roles))
    victims = await asyncio.gather(*(add_member(owner, new_client, stack, "scanner_only") for _ in range(VICTIMS)))
    clients = {"owner": owner, **dict(zip(roles, members, strict=True))}
    for role, api in clients.items():
        assert api.me["memberships"][0]["role"] == role
    yield Team(stack, owner, clients, [v.me["user"]["id"] for v in victims])
    for api in opened:
        await api.aclose()
    await reset_state(engine, redis)


# --- the rules themselves --------------------------------------------------------------------
def test_every_operation_declares_an_access_rule() -> None:
    missing = [str(op) for op in operations() if op.access is MISSING]
    assert not missing, f"operations without opt['access']: {missing}"
    unknown = [str(op) for op in operations() if not isinstance(op.access, Access | Permission)]
    assert not unknown, f"operations with an unknown access level: {unknown}"


def test_organisation_operations_require_an_organisation_permission() -> None:
    """A PUBLIC/USER rule on an organisation path would skip the membership check entirely."""
    assert len(org_operations()) >= 25
    loose = [f"{op}: {op.access}" for op in org_operations() if not isinstance(op.access, Permission)]
    assert not loose, loose


async def test_running_server_serves_the_same_operations(client: Api) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    live = {(m.upper(), p) for p, item in response.json()["paths"].items() for m in item if m != "parameters"}
    assert live == {(op.method, op.path) for op in operations()}


# --- the matrix ------------------------------------------------------------------------------
@pytest.mark.parametrize("op", org_operations(), ids=lambda op: op.operation_id)
async def test_role_matrix(op: Operation, team: Team) -> None:
    allowed = op.allowed_roles()
    shared = await team.prepare(op, allowed=False)  # for refused roles, and for every role on reads

    async def attempt(role: str) -> str | None:
        fresh = role in allowed and op.method != "GET"
        url, body = await team.prepare(op, allowed=True) if fresh else shared
        status, text = await call(team.clients[role], op.method, url, body)
        if role not in allowed and status != 403:
            return f"{role}: expected 403, got {status} {text[:200]}"
        if role in allowed and (status in (401, 403) or status >= 500):
            return f"{role}: allowed, got {status} {text[:200]}"
        if role in allowed and op.operation_id in MUST_SUCCEED and not 200 <= status < 300:
            return f"{role}: allowed, expected 2xx, got {status} {text[:200]}"
        return None

    if op.method == "GET":  # reads do not interfere: ask as every role at once
        results = list(await asyncio.gather(*(attempt(role) for role in ROLES)))
    else:  # refused roles first: a refused write must not change what an allowed one needs
        results = [await attempt(role) for role in sorted(ROLES, key=lambda r: r in allowed)]
    failures = [r for r in results if r]
    assert not failures, f"{op} [{op.access}]:\n" + "\n".join(failures)


@pytest.mark.parametrize("op", non_public_operations(), ids=lambda op: op.operation_id)
async def test_no_session_is_401(op: Operation, stack: Stack) -> None:
    url = op.path.format(**{name: str(uuid.uuid4()) for name in op.params})
    body = {} if op.method in {"POST", "PUT", "PATCH"} else None
    async with httpx.AsyncClient(base_url=stack.base_url) as anonymous:
        status, text = await call(anonymous, op.method, url, body)
        assert status == 401, f"{op}: {status} {text[:200]}"
        assert text.startswith("{") and '"status":401' in text.replace(" ", ""), text[:200]
    async with httpx.AsyncClient(base_url=stack.base_url, cookies={"vg_session": "expired-or-forged"}) as forged:
        status, text = await call(forged, op.method, url, body)
        assert status == 401, f"{op} with a forged session: {status} {text[:200]}"


def _cookie_writes() -> list[Operation]:
    """Writes authenticated by the session cookie (device endpoints use a bearer token instead)."""
    return [
        op
        for op in non_public_operations()
        if op.method != "GET" and (op.access == Access.USER or isinstance(op.access, Permission))
    ]


@pytest.mark.parametrize("op", _cookie_writes(), ids=lambda op: op.operation_id)
async def test_writes_without_csrf_header_are_403(op: Operation, team: Team) -> None:
    url = op.path.format(
        **{name: team.org_id if name == "organization_id" else str(uuid.uuid4()) for name in op.params}
    )
    cookies = dict(team.owner.cookies)
    async with httpx.AsyncClient(base_url=team.stack.base_url, cookies=cookies) as browser:
        status, text = await call(browser, op.method, url, BODIES.get(op.operation_id, lambda: {})(), csrf=False)
    assert status == 403, f"{op}: {status} {text[:200]}"
