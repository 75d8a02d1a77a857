"""Offline sync protocol over HTTP: three offline devices, overlapping tickets, random upload
orders; replays; the changes cursor under concurrent writes; the snapshot's encrypted records."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair
from tests.conftest import Api, Stack, reset_state, sign_up
from voelgoed.domain.check_in import offline_records
from voelgoed.domain.tickets import payload as ticket_payload


@pytest.fixture(autouse=True)
async def _clean_state(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    yield
    await reset_state(engine, redis)


def offline_scan(payload: str, gate_id: str, at: datetime, local: str = "ok") -> dict[str, str]:
    return {
        "client_scan_id": str(uuid.uuid4()),
        "payload": payload,
        "gate_id": gate_id,
        "direction": "entry",
        "client_time": at.isoformat(),
        "local_verdict": local,
    }


async def test_three_offline_devices_random_upload_orders(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=12)
    devices = [await pair(client, stack.base_url, [s.event_id], name=f"D{i}") for i in range(3)]
    rng = random.Random(4)
    base = datetime.now(UTC) - timedelta(minutes=30)
    queues: list[list[dict[str, str]]] = [[], [], []]
    earliest: dict[str, tuple[datetime, str]] = {}
    for i, ticket in enumerate(s.event.tickets):
        for d in rng.sample(range(3), k=1 + i % 3):  # 1..3 devices scan each ticket offline
            at = base + timedelta(seconds=rng.randint(0, 600), milliseconds=rng.randint(0, 999))
            scan = offline_scan(ticket.payload, s.gates[d % 2].id, at)
            queues[d].append(scan)
            if ticket.serial not in earliest or at < earliest[ticket.serial][0]:
                earliest[ticket.serial] = (at, scan["client_scan_id"])

    # Upload in random orders, in random chunks, some devices concurrently; then replay everything.
    async def upload(d: int, scans: list[dict[str, str]]) -> None:
        rng.shuffle(scans)
        for start in range(0, len(scans), 3):
            r = await devices[d].post(
                "/api/checkin/offline-scans",
                json={"device_time": datetime.now(UTC).isoformat(), "scans": scans[start : start + 3]},
            )
            assert r.status_code == 200, r.text

    await asyncio.gather(*[upload(d, list(queues[d])) for d in rng.sample(range(3), 3)])
    replay = await devices[0].post("/api/checkin/offline-scans", json={"scans": queues[0]})
    assert all(r["replayed"] for r in replay.json()["results"])

    total = sum(len(q) for q in queues)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT t.serial, s.client_scan_id, s.offline_duplicate, s.claim FROM checkin_scan s"
                    " JOIN ticket t ON t.id = s.ticket_id WHERE s.event_id = :e"
                ),
                {"e": s.event.event_id},
            )
        ).all()
        states = dict((await conn.execute(text("SELECT ticket_id, entries FROM ticket_checkin_state"))).tuples().all())
    assert len(rows) == total, "every scan recorded once"
    for ticket in s.event.tickets:
        mine = [r for r in rows if r[0] == ticket.serial]
        winners = [r for r in mine if r[3] and not r[2]]
        assert len(winners) == 1, ticket.serial
        assert str(winners[0][1]) == earliest[ticket.serial][1], "the earliest client time wins"
        assert sum(1 for r in mine if r[2]) == len(mine) - 1, "every later admission flagged"
        assert states[ticket.id] == 1
    dupes = await client.get(client.org(f"/events/{s.event_id}/offline-duplicates"))
    assert dupes.status_code == 200
    assert len(dupes.json()["items"]) == total - len(s.event.tickets)
    assert all(item["winner"] is not None for item in dupes.json()["items"])
    # An online scan now sees the offline admission.
    online = await devices[1].post(
        "/api/checkin/scans",
        json={
            "payload": s.event.tickets[0].payload,
            "gate_id": s.gates[0].id,
            "direction": "entry",
            "client_scan_id": str(uuid.uuid4()),
        },
    )
    assert online.json()["result"] == "already_redeemed"
    for d in devices:
        await d.aclose()


async def test_skewed_clock_is_corrected_by_device_time(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    slow = await pair(client, stack.base_url, [s.event_id], name="slow clock")
    right = await pair(client, stack.base_url, [s.event_id], name="right clock")
    now = datetime.now(UTC)
    t = s.event.tickets[0].payload
    # The slow device's clock is 1 h behind: its scan really happened at now - 5 min, after the
    # right device's scan at now - 10 min, although its client_time looks earlier.
    await slow.post(
        "/api/checkin/offline-scans",
        json={
            "device_time": (now - timedelta(hours=1)).isoformat(),
            "scans": [offline_scan(t, s.gates[0].id, now - timedelta(hours=1, minutes=5))],
        },
    )
    r = await right.post(
        "/api/checkin/offline-scans",
        json={"device_time": now.isoformat(), "scans": [offline_scan(t, s.gates[0].id, now - timedelta(minutes=10))]},
    )
    assert r.json()["results"][0]["offline_duplicate"] is False
    async with engine.connect() as conn:
        flagged = await conn.scalar(
            text("SELECT d.name FROM checkin_scan s JOIN device d ON d.id = s.device_id WHERE s.offline_duplicate")
        )
    assert flagged == "slow clock"
    await slow.aclose()
    await right.aclose()


async def test_snapshot_and_gap_free_changes(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=30)
    device = await pair(client, stack.base_url, [s.event_id])
    snap = await device.get(
        "/api/checkin/snapshot", params={"event_id": s.event_id}, headers={"Accept-Encoding": "gzip"}
    )
    assert snap.status_code == 200, snap.text
    body = snap.json()
    assert body["keys"][0]["key_id"] == s.event.key_id
    assert len(body["tickets"]) == 30 and body["revoked"] == []
    by_h = {r["h"]: r for r in body["tickets"]}
    first = s.event.tickets[0]
    serial = ticket_payload.serial_from_text(first.serial)
    record = by_h[offline_records.serial_hash(serial)]
    details = offline_records.open_sealed(serial, record["e"])
    assert details.t == "General" and details.i == str(first.ticket_type_id)
    assert "Guest" not in snap.text, "no readable personal data in the snapshot"
    cursor = body["cursor"]

    # Concurrent writers (voids and online admissions) while a reader pages the feed.
    seen: dict[str, dict[str, object]] = {}

    async def writer(i: int) -> None:
        t = s.event.tickets[i]
        if i % 2:
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE ticket SET status = 'void' WHERE id = :t"), {"t": t.id})
                await asyncio.sleep(random.random() / 20)  # hold the transaction open a little
        else:
            await device.post(
                "/api/checkin/scans",
                json={"payload": t.payload, "gate_id": s.gates[0].id, "direction": "entry",
                      "client_scan_id": str(uuid.uuid4())},
            )  # fmt: skip

    async def reader() -> None:
        nonlocal cursor
        for _ in range(40):
            r = await device.get("/api/checkin/changes", params={"event_id": s.event_id, "cursor": cursor, "limit": 7})
            assert r.status_code == 200, r.text
            for rec in r.json()["tickets"]:
                seen[rec["h"]] = rec
            assert r.json()["cursor"] >= cursor
            cursor = r.json()["cursor"]
            await asyncio.sleep(0.01)

    await asyncio.gather(reader(), *[writer(i) for i in range(1, 21)])
    while True:  # drain
        r = await device.get("/api/checkin/changes", params={"event_id": s.event_id, "cursor": cursor})
        for rec in r.json()["tickets"]:
            seen[rec["h"]] = rec
        cursor = r.json()["cursor"]
        if not r.json()["more"]:
            break
    for i in range(1, 21):
        h = offline_records.serial_hash(ticket_payload.serial_from_text(s.event.tickets[i].serial))
        assert h in seen, f"change of ticket {i} lost"
        assert seen[h]["s"] == ("r" if i % 2 else "v")
        if not i % 2:
            assert seen[h]["a"] == 1
    # Nothing more after the end; a cursor from the future is refused.
    tail = await device.get("/api/checkin/changes", params={"event_id": s.event_id, "cursor": cursor})
    assert tail.json()["tickets"] == []
    bad = await device.get("/api/checkin/changes", params={"event_id": s.event_id, "cursor": cursor + 10**9})
    assert bad.status_code == 400
    await device.aclose()
