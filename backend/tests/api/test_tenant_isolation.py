"""One organisation can neither see nor change another's data.

Organisation A has a venue with a gate, events, a second member, a pending invitation and an
audit log. Organisation B's owner tries every organisation-scoped operation against A, both
through A's path (not a member: 404) and with A's ids under B's own path (not B's rows: 404).
Afterwards A's data, seen by A, is exactly as before.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import (
    INVITE_LINK,
    add_member,
    assert_problem,
    invite,
    make_event,
    make_gate,
    make_venue,
    unique_email,
)
from tests.api.routes import Operation, call, org_operations
from tests.conftest import Api, Stack, future, mail_text, reset_state, sign_up, wait_for_mail

# Bodies that would succeed on one's own resources, so a 404 means "not found", not "bad body".
BODIES: dict[str, dict[str, Any]] = {
    "updateOrganization": {"name": "Taken Over"},
    "updateVenue": {"name": "Taken Over"},
    "createGate": {"code": "HIJACK"},
    "updateGate": {"name": "Taken Over"},
    "updateEvent": {"name": "Taken Over"},
    "updateMember": {"role": "viewer"},
    "createVenue": {"name": "Intruder", "address_line1": "1 Main Rd", "city": "Cape Town"},
    "createEvent": {"name": "Intruder", "starts_at": future(), "ends_at": future(31)},
    "createInvitation": {"email": "intruder@example.co.za", "role": "owner"},
}


@dataclass
class World:
    a: Api
    b: Api
    ids: dict[str, str]  # A's ids by path parameter name
    b_venue: dict[str, Any]
    b_event: dict[str, Any]
    new_client: Callable[[], Api]

    def url(self, op: Operation, org_id: str) -> str:
        return op.path.format(
            **{**{p: self.ids.get(p, str(uuid.uuid4())) for p in op.params}, "organization_id": org_id}
        )


async def _snapshot(a: Api, ids: dict[str, str]) -> dict[str, Any]:
    paths = [
        "",
        "/venues",
        "/events",
        "/members",
        "/invitations",
        "/audit-log",
        f"/venues/{ids['venue_id']}",
        f"/events/{ids['event_id']}",
        f"/events/{ids['draft_id']}",
        "/webhook-endpoints",
        f"/webhook-endpoints/{ids['endpoint_id']}/deliveries",
    ]
    snap = {}
    for path in paths:
        response = await a.get(a.org(path))
        assert response.status_code == 200, response.text
        snap[path] = response.json()
    return snap


@pytest.fixture(autouse=True)
async def _clean_state() -> AsyncIterator[None]:
    """Overrides the per-test truncation: the tests share one world (see `world`); each checks
    that A is unchanged by its own attempts."""
    yield


@pytest.fixture(scope="module")
async def world(stack: Stack, engine: AsyncEngine, redis: Redis) -> AsyncIterator[World]:
    opened: list[Api] = []

    def new_client() -> Api:
        api = Api(stack.base_url)
        opened.append(api)
        return api

    a = new_client()
    await sign_up(a, organization="Org A")
    venue = await make_venue(a, name="A Venue")
    gate = await make_gate(a, venue["id"], "AGATE")
    event = await make_event(a, venue["id"], name="A Published", slug="a-published")
    assert (await a.post(a.org(f"/events/{event['id']}/publish"))).status_code == 200
    draft = await make_event(a, venue["id"], name="A Draft")
    member = await add_member(a, new_client, stack, "staff")
    invitation = await invite(a, unique_email("a-invitee"), "viewer")
    hook = await a.post(a.org("/webhook-endpoints"), json={"url": "http://127.0.0.1:9/", "event_types": ["order.paid"]})
    assert hook.status_code == 201, hook.text

    b = new_client()
    await sign_up(b, organization="Org B")
    b_venue = await make_venue(b, name="B Venue")
    await make_gate(b, b_venue["id"], "BGATE")
    b_event = await make_event(b, b_venue["id"], name="B Event")
    ids = {
        "organization_id": a.org_id,
        "venue_id": venue["id"],
        "gate_id": gate["id"],
        "event_id": event["id"],
        "draft_id": draft["id"],
        "user_id": member.me["user"]["id"],
        "owner_id": a.me["user"]["id"],
        "invitation_id": invitation["id"],
        "endpoint_id": hook.json()["endpoint"]["id"],
    }
    yield World(a, b, ids, b_venue, b_event, new_client)
    for api in opened:
        await api.aclose()
    await reset_state(engine, redis)


async def test_b_cannot_reach_a_through_a_path(world: World) -> None:
    before = await _snapshot(world.a, world.ids)
    wrong = []
    for op in org_operations():
        status, text = await call(world.b, op.method, world.url(op, world.a.org_id), BODIES.get(op.operation_id))
        if status != 404:
            wrong.append(f"{op}: {status} {text[:150]}")
        elif "A Venue" in text or "A Published" in text:
            wrong.append(f"{op}: 404 mentions A's data")
    assert not wrong, "\n".join(wrong)
    assert await _snapshot(world.a, world.ids) == before


async def test_b_cannot_use_a_ids_under_its_own_path(world: World) -> None:
    before = await _snapshot(world.a, world.ids)
    wrong = []
    for op in org_operations():
        if op.params == ["organization_id"]:
            continue  # no resource id in the path: covered by the list tests below
        combos: list[dict[str, str]] = [{}]  # all of A's ids; then B's parent with A's child
        if "venue_id" in op.params and len(op.params) > 2:
            combos.append({"venue_id": world.b_venue["id"]})
        if "event_id" in op.params and len(op.params) > 2:
            combos.append({"event_id": world.b_event["id"]})
        for overrides in combos:
            ids = {**world.ids, **overrides}
            url = op.path.format(
                **{**{p: ids.get(p, str(uuid.uuid4())) for p in op.params}, "organization_id": world.b.org_id}
            )
            body = BODIES.get(op.operation_id, {} if op.method in {"POST", "PUT", "PATCH"} else None)
            status, text = await call(world.b, op.method, url, body)
            # A body or a path value (e.g. {kind}) this test cannot build for a newer endpoint may
            # stop it earlier (400/422, or 415 where the body must be a multipart upload: the same
            # answer whether the id exists); what must never happen is a 2xx or a 403 that admits it exists.
            guessed = (op.operation_id not in BODIES and body is not None) or set(op.params) - set(ids)
            ok = {400, 404, 415, 422} if guessed else {404}
            if status not in ok:
                wrong.append(f"{op} {overrides or ''}: {status} {text[:150]}")
    assert not wrong, "\n".join(wrong)
    assert await _snapshot(world.a, world.ids) == before


async def test_specific_attempts_are_404(world: World) -> None:
    a, b, ids = world.a, world.b, world.ids
    before = await _snapshot(a, ids)
    attempts = [
        ("GET", f"/venues/{ids['venue_id']}", None),
        ("PATCH", f"/venues/{ids['venue_id']}", {"capacity": 1}),
        ("DELETE", f"/venues/{ids['venue_id']}", None),
        ("POST", f"/venues/{ids['venue_id']}/gates", {"code": "X"}),
        ("PATCH", f"/venues/{ids['venue_id']}/gates/{ids['gate_id']}", {"code": "X"}),
        ("DELETE", f"/venues/{world.b_venue['id']}/gates/{ids['gate_id']}", None),
        ("GET", f"/events/{ids['event_id']}", None),
        ("PATCH", f"/events/{ids['draft_id']}", {"name": "Mine now"}),
        ("DELETE", f"/events/{ids['draft_id']}", None),
        ("POST", f"/events/{ids['draft_id']}/publish", None),
        ("POST", f"/events/{ids['event_id']}/close", None),
        ("POST", f"/events/{ids['event_id']}/cancel", None),
        ("PATCH", f"/members/{ids['user_id']}", {"role": "owner"}),
        ("DELETE", f"/members/{ids['owner_id']}", None),
        ("DELETE", f"/invitations/{ids['invitation_id']}", None),
    ]
    for method, path, body in attempts:
        assert_problem(await b.request(method, b.org(path), json=body), 404)
    assert await _snapshot(a, ids) == before


async def test_a_data_never_appears_in_b_lists(world: World) -> None:
    a_ids = {v for k, v in world.ids.items() if k != "organization_id"}
    b = world.b
    for path in (
        "/venues",
        "/events",
        "/members",
        "/invitations",
        "/audit-log",
        f"/audit-log?entity_id={world.ids['venue_id']}",
        "/events?q=A",
        "/venues?q=A Venue",
        f"/events?venue_id={world.ids['venue_id']}",
    ):
        response = await b.get(b.org(path))
        assert response.status_code == 200, f"{path}: {response.text}"
        text = response.text
        leaked = [i for i in a_ids if i in text]
        assert not leaked and "A Venue" not in text and "A Published" not in text, f"{path} leaks A: {text[:300]}"
    venues = (await b.get(b.org("/venues"))).json()
    assert [v["name"] for v in venues["items"]] == ["B Venue"] and venues["total"] == 1
    events = (await b.get(b.org("/events"))).json()
    assert [e["name"] for e in events["items"]] == ["B Event"] and events["total"] == 1
    members = (await b.get(b.org("/members"))).json()
    assert [m["email"] for m in members] == [b.me["user"]["email"]]
    assert (await b.get(b.org("/invitations"))).json() == []
    assert {e["actor_email"] for e in (await b.get(b.org("/audit-log"))).json()["items"]} == {b.me["user"]["email"]}
    assert [o["name"] for o in (await b.get("/api/organizations")).json()] == ["Org B"]


async def test_b_cannot_point_its_events_at_a_venue(world: World) -> None:
    b, a_venue = world.b, world.ids["venue_id"]
    created = await b.post(
        b.org("/events"), json={"name": "Sneaky", "starts_at": future(), "ends_at": future(31), "venue_id": a_venue}
    )
    assert_problem(created, 422, field="venue_id")
    moved = await b.patch(b.org(f"/events/{world.b_event['id']}"), json={"venue_id": a_venue})
    assert_problem(moved, 422, field="venue_id")
    assert (await b.get(b.org(f"/events/{world.b_event['id']}"))).json()["venue_id"] == world.b_venue["id"]
    listed = (await world.a.get(world.a.org("/events"), params={"venue_id": a_venue})).json()
    assert {e["name"] for e in listed["items"]} == {"A Published", "A Draft"}


async def test_a_member_of_both_sees_each_with_its_own_role(world: World, stack: Stack) -> None:
    """Last in the file: it adds members to both organisations."""
    both = await add_member(world.b, world.new_client, stack, "viewer")
    email = both.me["user"]["email"]
    await invite(world.a, email, "admin")  # B's viewer is also invited to A, as admin
    match = INVITE_LINK.search(mail_text(await wait_for_mail(stack, email, "Org A")))
    assert match
    token = match.group(1)
    assert (await both.post(f"/api/invitations/{token}/accept")).status_code == 200
    roles = {o["name"]: o["role"] for o in (await both.get("/api/organizations")).json()}
    assert roles == {"Org A": "admin", "Org B": "viewer"}
    # Admin in A does not carry over to B.
    assert_problem(await both.post(world.b.org("/venues"), json=BODIES["createVenue"]), 403)
    assert (await both.post(world.a.org("/venues"), json=BODIES["createVenue"])).status_code == 201
