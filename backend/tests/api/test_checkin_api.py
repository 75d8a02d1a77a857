"""Check-in over HTTP: pairing, device tokens, every verdict, forged payloads, concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
from tests.api.helpers import assert_problem, make_event
from tests.conftest import Api, Stack, sign_up
from voelgoed.domain.tickets import payload as ticket_payload
from voelgoed.testing.seeding import SeededEvent, seed_signing_key, seed_tickets


async def _admissions(engine: AsyncEngine, ticket_id: uuid.UUID) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                text(
                    "SELECT count(*) FROM checkin_scan WHERE ticket_id = :t AND result = 'ok' AND direction = 'entry'"
                ),
                {"t": ticket_id},
            )
            or 0
        )


async def test_pairing_scan_and_revocation(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=2)
    device = await pair(client, stack.base_url, [s.event_id], s.gates[0].id, name="North phone")
    me = await device.get("/api/checkin/device")
    assert me.status_code == 200, me.text
    assert me.json()["events"][0]["id"] == s.event_id
    assert {g["code"] for g in me.json()["events"][0]["gates"]} == {"NORTH", "SOUTH"}

    t = s.event.tickets[0]
    ok = await device.post("/api/checkin/scans", json=scan_body(t.payload, s.gates[0].id))
    assert ok.status_code == 200, ok.text
    verdict = ok.json()
    assert verdict["result"] == "ok"
    assert verdict["ticket"]["ticket_type_name"] == "General"
    assert verdict["ticket"]["holder_name"].startswith("Guest")

    again = await device.post("/api/checkin/scans", json=scan_body(t.payload, s.gates[0].id))
    body = again.json()
    assert body["result"] == "already_redeemed" and body["reason"] == "no_reentry"
    assert body["admitted"]["gate_name"] == "NORTH gate" and body["admitted"]["device_name"] == "North phone"

    devices = await client.get(client.org("/devices"))
    assert devices.status_code == 200
    [listed] = devices.json()["items"]
    assert listed["last_seen_at"] is not None and listed["revoked_at"] is None

    revoked = await client.post(client.org(f"/devices/{listed['id']}/revoke"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    after = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[1].payload, s.gates[0].id))
    assert_problem(after, 401)
    await device.aclose()


async def test_pairing_code_is_single_use_and_tokens_do_nothing_else(
    client: Api, stack: Stack, engine: AsyncEngine
) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    code = await client.post(client.org("/devices/pairing-codes"), json={"event_ids": [s.event_id]})
    assert code.status_code == 201
    text_code = code.json()["code"]
    assert len(text_code) == 14 and code.json()["qr_text"] == "VGPAIR1:" + text_code
    first = await client.post("/api/devices/pair", json={"code": text_code.lower()})
    assert first.status_code == 201, first.text
    second = await client.post("/api/devices/pair", json={"code": text_code})
    assert_problem(second, 400)
    garbage = await client.post("/api/devices/pair", json={"code": "not a code"})
    assert_problem(garbage, 400)
    token = first.json()["token"]
    # The device token opens nothing but check-in; a session cookie opens no check-in endpoint.
    import httpx

    async with httpx.AsyncClient(base_url=stack.base_url, headers={"Authorization": f"Bearer {token}"}) as dev:
        assert (await dev.get(f"/api/organizations/{client.org_id}/events")).status_code == 401
    assert (await client.get("/api/checkin/device")).status_code == 401
    # A gate of another venue cannot be bound.
    other = await client.post(
        client.org("/devices/pairing-codes"), json={"event_ids": [s.event_id], "gate_id": str(uuid.uuid4())}
    )
    assert_problem(other, 422, "gate_id")


async def test_every_verdict(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=8)
    north, south = s.gates[0].id, s.gates[1].id
    device = await pair(client, stack.base_url, [s.event_id])
    t = s.event.tickets
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE ticket SET status = 'void' WHERE id = :t"), {"t": t[1].id})
        await conn.execute(text("UPDATE ticket_order SET status = 'refunded' WHERE id = :o"), {"o": t[2].order_id})
        await conn.execute(
            text("UPDATE ticket_order SET status = 'awaiting_payment' WHERE id = :o"), {"o": t[3].order_id}
        )
    vip = s.event.ticket_type_ids[1]
    config = await client.put(
        client.org(f"/events/{s.event_id}/checkin-config"),
        json={"gates": [{"gate_id": south, "ticket_type_ids": [str(vip)]}], "reentry_allowed": False},
    )
    assert config.status_code == 200, config.text
    assert config.json()["gates"][1]["ticket_type_ids"] == [str(vip)] or config.json()["gates"][0][
        "ticket_type_ids"
    ] == [str(vip)]

    async def verdict(payload: str, gate: str = north, direction: str = "entry") -> dict[str, Any]:
        r = await device.post("/api/checkin/scans", json=scan_body(payload, gate, direction))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    assert (await verdict(t[0].payload, direction="exit"))["result"] == "not_inside"
    assert (await verdict(t[0].payload))["result"] == "ok"
    assert (await verdict(t[0].payload))["result"] == "already_redeemed"
    assert (await verdict(t[0].payload, direction="exit"))["result"] == "ok"
    no_reentry = await verdict(t[0].payload)
    assert (no_reentry["result"], no_reentry["reason"]) == ("already_redeemed", "no_reentry")
    assert (await verdict(t[1].payload))["result"] == "revoked"
    assert (await verdict(t[2].payload))["result"] == "cancelled"
    assert (await verdict(t[3].payload))["result"] == "unpaid"
    assert (await verdict(t[4].payload, gate=south))["result"] == "wrong_ticket_type"
    foreign_gate = await verdict(t[4].payload, gate=str(uuid.uuid4()))
    assert (foreign_gate["result"], foreign_gate["reason"]) == ("wrong_gate", "not_event_venue")
    # The payload's own validity window.
    expired = s.event.sign(t[5], valid_until=int((datetime.now(UTC) - timedelta(minutes=1)).timestamp()))
    assert (await verdict(expired))["result"] == "outside_window"
    # The event's window (valid_from in the future).
    await client.put(
        client.org(f"/events/{s.event_id}/checkin-config"),
        json={"valid_from": (datetime.now(UTC) + timedelta(hours=2)).isoformat()},
    )
    early = await verdict(t[6].payload)
    assert (early["result"], early["reason"]) == ("outside_window", "too_early")
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE event SET status = 'closed' WHERE id = :e"), {"e": s.event.event_id})
    assert (await verdict(t[7].payload))["result"] == "event_not_live"

    # Bound device at the wrong gate (gate rules come before the window).
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE event SET status = 'published' WHERE id = :e"), {"e": s.event.event_id})
    bound = await pair(client, stack.base_url, [s.event_id], north)
    r = await bound.post("/api/checkin/scans", json=scan_body(t[7].payload, south))
    assert (r.json()["result"], r.json()["reason"]) == ("wrong_gate", "not_this_device")

    counts = await client.get(client.org(f"/events/{s.event_id}/checkin-counts"))
    assert counts.status_code == 200
    north_count = next(g for g in counts.json()["gates"] if g["gate_id"] == north)
    assert (north_count["entries"], north_count["exits"], north_count["inside"]) == (1, 1, 0)
    feed = await client.get(client.org(f"/events/{s.event_id}/scans"), params={"after": 0})
    assert feed.status_code == 200 and len(feed.json()["items"]) >= 14
    later = await client.get(client.org(f"/events/{s.event_id}/scans"), params={"after": feed.json()["last_seq"]})
    assert later.json()["items"] == []
    sessions = await client.get(client.org(f"/events/{s.event_id}/scan-sessions"))
    assert sessions.status_code == 200 and sessions.json()["items"]
    await device.aclose()
    await bound.aclose()


@pytest.mark.parametrize(
    "forge",
    ["wrong_signature", "other_event_key", "truncated", "garbage", "huge", "unknown_ticket", "empty"],
)
async def test_forged_payloads_get_a_clean_invalid(forge: str, client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    device = await pair(client, stack.base_url, [s.event_id])
    good = s.event.tickets[0].payload
    if forge == "wrong_signature":
        raw = bytearray(ticket_payload._unb32(good[4:]))
        raw[-1] ^= 0x01
        payload = "VG1:" + ticket_payload._b32(bytes(raw))
        reason = "bad_signature"
    elif forge == "other_event_key":
        other = await make_event(client, s.venue_id)
        async with engine.begin() as conn:
            key_id, private = await seed_signing_key(conn, s.event.organization_id, uuid.UUID(other["id"]))
            other_event = SeededEvent(
                s.event.organization_id, uuid.UUID(other["id"]), key_id, private, s.event.ticket_type_ids
            )
            [ticket] = await seed_tickets(conn, other_event, 1)
        payload, reason = ticket.payload, "other_event"
    elif forge == "truncated":
        payload, reason = good[:-10], "malformed"
    elif forge == "garbage":
        payload, reason = "'; DROP TABLE ticket; -- \u00e9\u0000", "malformed"
    elif forge == "huge":
        payload, reason = "VG1:" + "A" * 100_000, "too_long"
    elif forge == "empty":
        payload, reason = "", "malformed"
    else:
        fake = SeededEvent(s.event.organization_id, s.event.event_id, s.event.key_id, s.event.private_key, [])
        from voelgoed.testing.seeding import SeededTicket

        ghost = SeededTicket(
            uuid.uuid4(),
            uuid.uuid4(),
            ticket_payload.serial_to_text(ticket_payload.new_serial()),
            s.event.ticket_type_ids[0],
            "",
        )
        payload, reason = fake.sign(ghost), "unknown_ticket"
    r = await device.post("/api/checkin/scans", json=scan_body(payload, s.gates[0].id))
    assert r.status_code == 200, r.text
    assert (r.json()["result"], r.json()["reason"]) == ("invalid", reason)
    async with engine.connect() as conn:
        recorded = await conn.scalar(text("SELECT count(*) FROM checkin_scan WHERE result = 'invalid'"))
    assert recorded == 1
    if forge == "other_event_key":  # filed under the device's own event, never the other one
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT event_id FROM checkin_scan")) == s.event.event_id
    await device.aclose()


async def test_malformed_bodies_are_4xx(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    device = await pair(client, stack.base_url, [s.event_id])
    body = scan_body(s.event.tickets[0].payload, s.gates[0].id)
    for bad in (
        {**body, "direction": "sideways"},
        {**body, "client_scan_id": "nope"},
        {**body, "extra": 1},
        {"payload": 1},
    ):
        r = await device.post("/api/checkin/scans", json=bad)
        assert r.status_code == 400, r.text
    big = await device.post("/api/checkin/scans", json={**body, "payload": "x" * 300_000})
    assert big.status_code in (400, 413)
    await device.aclose()


async def test_replayed_scan_returns_the_stored_verdict(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    device = await pair(client, stack.base_url, [s.event_id])
    body = scan_body(s.event.tickets[0].payload, s.gates[0].id)
    first = (await device.post("/api/checkin/scans", json=body)).json()
    replays = await asyncio.gather(*[device.post("/api/checkin/scans", json=body) for _ in range(5)])
    for r in replays:
        assert r.json()["result"] == "ok" and r.json()["replayed"] is True and r.json()["scan_id"] == first["scan_id"]
    assert await _admissions(engine, s.event.tickets[0].id) == 1
    await device.aclose()


async def test_two_devices_one_ticket_same_moment(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=20)
    a = await pair(client, stack.base_url, [s.event_id], name="A")
    b = await pair(client, stack.base_url, [s.event_id], name="B")
    for t in s.event.tickets:
        ra, rb = await asyncio.gather(
            a.post("/api/checkin/scans", json=scan_body(t.payload, s.gates[0].id)),
            b.post("/api/checkin/scans", json=scan_body(t.payload, s.gates[1].id)),
        )
        assert sorted([ra.json()["result"], rb.json()["result"]]) == ["already_redeemed", "ok"]
        assert await _admissions(engine, t.id) == 1
    await a.aclose()
    await b.aclose()


async def test_fifty_concurrent_scans_admit_once(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    devices = [await pair(client, stack.base_url, [s.event_id], name=f"D{i}") for i in range(5)]
    t = s.event.tickets[0]
    results = await asyncio.gather(
        *[devices[i % 5].post("/api/checkin/scans", json=scan_body(t.payload, s.gates[i % 2].id)) for i in range(50)]
    )
    verdicts = [r.json()["result"] for r in results]
    assert verdicts.count("ok") == 1 and verdicts.count("already_redeemed") == 49
    assert await _admissions(engine, t.id) == 1
    for d in devices:
        await d.aclose()


async def test_one_client_scan_id_sent_twice_at_once_is_one_scan(
    client: Api, stack: Stack, engine: AsyncEngine
) -> None:
    """A device retrying while its first attempt is still in flight (same client_scan_id): one
    scan row, one verdict for both, and never an admission without its scan row, even when the
    two attempts carry different codes (a misbehaving client)."""
    await sign_up(client)
    s = await live_event(client, engine, tickets=20)
    device = await pair(client, stack.base_url, [s.event_id])
    gate = s.gates[0].id
    for i, t in enumerate(s.event.tickets):
        body = scan_body(t.payload, gate)
        other = {**body, "payload": "not a ticket"} if i % 2 else body
        first, second = await asyncio.gather(
            device.post("/api/checkin/scans", json=body), device.post("/api/checkin/scans", json=other)
        )
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        assert first.json()["scan_id"] == second.json()["scan_id"]
        assert first.json()["result"] == second.json()["result"]
    async with engine.connect() as conn:
        scans = await conn.scalar(text("SELECT count(*) FROM checkin_scan"))
        orphans = await conn.scalar(
            text(
                "SELECT count(*) FROM ticket_checkin_state st"
                " WHERE NOT EXISTS (SELECT 1 FROM checkin_scan s WHERE s.id = st.admitted_scan_id)"
            )
        )
    assert scans == len(s.event.tickets) and orphans == 0
    await device.aclose()


async def test_other_organisation_cannot_see_devices_or_scans(
    client: Api, new_client: Any, stack: Stack, engine: AsyncEngine
) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    device = await pair(client, stack.base_url, [s.event_id])
    stranger = new_client()
    await sign_up(stranger)
    assert (await stranger.get(f"/api/organizations/{client.org_id}/devices")).status_code == 404
    own = await stranger.get(stranger.org(f"/events/{s.event_id}/scans"))
    assert own.status_code == 404
    code = await stranger.post(stranger.org("/devices/pairing-codes"), json={"event_ids": [s.event_id]})
    assert_problem(code, 422, "event_ids")
    listed = await client.get(client.org("/devices"))
    revoke = await stranger.post(stranger.org(f"/devices/{listed.json()['items'][0]['id']}/revoke"))
    assert revoke.status_code == 404
    # A scan naming the stranger's gate is refused, and nothing of ours points at their gate.
    theirs = await live_event(stranger, engine, tickets=1)
    for payload in (s.event.tickets[0].payload, "not a ticket"):
        r = await device.post("/api/checkin/scans", json=scan_body(payload, theirs.gates[0].id))
        assert r.status_code == 200 and r.json()["result"] in ("wrong_gate", "invalid"), r.text
    async with engine.connect() as conn:
        pointing = await conn.scalar(
            text(
                "SELECT count(*) FROM checkin_scan s LEFT JOIN checkin_scan_session ss ON ss.id = s.session_id"
                " WHERE s.gate_id = :g OR ss.gate_id = :g"
            ),
            {"g": uuid.UUID(theirs.gates[0].id)},
        )
    assert pointing == 0
    await device.aclose()


async def test_broken_device_clocks_still_get_verdicts_and_sync(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=4)
    device = await pair(client, stack.base_url, [s.event_id])
    gate = s.gates[0].id
    for i, when in enumerate(("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")):
        online = await device.post(
            "/api/checkin/scans", json=scan_body(s.event.tickets[i].payload, gate, client_time=when)
        )
        assert online.status_code == 200, online.text
        scan = {
            "client_scan_id": str(uuid.uuid4()), "payload": s.event.tickets[2 + i].payload, "gate_id": gate,
            "direction": "entry", "client_time": when, "local_verdict": "ok",
        }  # fmt: skip
        for device_time in (None, "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):
            body = {"scans": [scan]} if device_time is None else {"scans": [scan], "device_time": device_time}
            offline = await device.post("/api/checkin/offline-scans", json=body)
            # A device with a broken clock must still be able to hand in its scans: never a 4xx here.
            assert offline.status_code == 200, offline.text
            assert len(offline.json()["results"]) == 1
    await device.aclose()


async def test_scans_are_grouped_in_sessions_per_device_and_gate(
    client: Api, stack: Stack, engine: AsyncEngine
) -> None:
    """A session is one device's run of scans at one gate: a new one on a gate change or after
    30 minutes without scans (offline scans count at their corrected time)."""
    await sign_up(client)
    s = await live_event(client, engine, tickets=8)
    device = await pair(client, stack.base_url, [s.event_id])
    north, south = s.gates[0].id, s.gates[1].id
    t = s.event.tickets
    for ticket, gate in ((t[0], north), (t[1], north), (t[0], north), (t[2], south), (t[3], south), (t[4], north)):
        r = await device.post("/api/checkin/scans", json=scan_body(ticket.payload, gate))
        assert r.status_code == 200, r.text
    # Offline, 3 h and 2 h ago at the south gate: an hour apart, so two sessions of their own.
    now = datetime.now(UTC)
    offline = [
        {"client_scan_id": str(uuid.uuid4()), "payload": t[5 + i].payload, "gate_id": south, "direction": "entry",
         "client_time": (now - timedelta(hours=3 - i)).isoformat(), "local_verdict": "outside_window"}
        for i in range(2)
    ]  # fmt: skip
    r = await device.post("/api/checkin/offline-scans", json={"scans": offline, "device_time": now.isoformat()})
    assert r.status_code == 200, r.text

    listed = await client.get(client.org(f"/events/{s.event_id}/scan-sessions"))
    assert listed.status_code == 200
    sessions = sorted(listed.json()["items"], key=lambda x: x["started_at"])
    assert [(x["gate_id"], x["scan_count"]) for x in sessions] == [
        (south, 1), (south, 1), (north, 3), (south, 2), (north, 1)
    ]  # fmt: skip
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT session_id, count(*) FROM checkin_scan GROUP BY session_id"))).all()
    assert {str(session_id): n for session_id, n in rows} == {x["id"]: x["scan_count"] for x in sessions}
    await device.aclose()


async def test_scans_for_an_event_that_is_gone_get_a_verdict(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=2)
    device = await pair(client, stack.base_url, [s.event_id])
    first = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[0].payload, s.gates[0].id))
    assert first.json()["result"] == "ok"  # the API process now caches the event's signing key
    async with engine.begin() as conn:  # an operator removes the event by hand, orders and all
        for table in ("checkin_scan", "ticket", "ticket_order"):
            await conn.execute(text(f"DELETE FROM {table} WHERE event_id = :e"), {"e": s.event.event_id})  # noqa: S608
        await conn.execute(text("DELETE FROM event WHERE id = :e"), {"e": s.event.event_id})
    r = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[1].payload, s.gates[0].id))
    assert r.status_code == 200, r.text
    assert (r.json()["result"], r.json()["reason"]) == ("invalid", "unknown_ticket")
    await device.aclose()
