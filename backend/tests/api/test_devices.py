"""The devices list: a device paired for "any gate" shows the gate it chose and scans at."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
from tests.api.helpers import assert_problem
from tests.conftest import Api, Stack, sign_up


async def test_device_paired_for_any_gate_lists_the_gate_it_scans_at(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=2)
    device = await pair(client, stack.base_url, [s.event_id], gate_id=None, name="Roaming phone")
    try:
        [listed] = (await client.get(client.org("/devices"))).json()["items"]
        assert listed["gate_id"] is None and listed["current_gate"] is None  # paired, nothing chosen yet
        south = s.gates[1]
        ok = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[0].payload, south.id))
        assert ok.status_code in (200, 201), ok.text
        [listed] = (await client.get(client.org("/devices"))).json()["items"]
        assert listed["gate_id"] is None  # not locked to a gate: the device chose one
        assert listed["current_gate"]["id"] == south.id
        assert listed["current_gate"]["code"] == south.code
    finally:
        await device.aclose()


async def test_a_gate_chosen_on_the_device_is_listed_before_its_first_scan(
    client: Api, engine: AsyncEngine, stack: Stack, new_client: Any
) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=2)
    device = await pair(client, stack.base_url, [s.event_id], gate_id=None, name="Roaming phone")
    locked = await pair(client, stack.base_url, [s.event_id], gate_id=s.gates[0].id, name="North phone")
    stranger = new_client()
    await sign_up(stranger)
    theirs = await live_event(stranger, engine, tickets=1)
    try:
        north, south = s.gates
        chosen = await device.post("/api/checkin/device/gate", json={"gate_id": south.id})
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["gate"]["code"] == south.code

        def row(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
            return next(d for d in items if d["name"] == name)

        listed = row((await client.get(client.org("/devices"))).json()["items"], "Roaming phone")
        assert listed["gate_id"] is None  # still paired for any gate
        assert listed["current_gate"]["id"] == south.id and listed["current_gate"]["code"] == south.code

        # A later choice wins over the earlier scans; a scan after it at another gate wins over it.
        ok = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[0].payload, south.id))
        assert ok.status_code == 200, ok.text
        assert (await device.post("/api/checkin/device/gate", json={"gate_id": north.id})).status_code == 200
        listed = row((await client.get(client.org("/devices"))).json()["items"], "Roaming phone")
        assert listed["current_gate"]["id"] == north.id

        # Another organisation's gate, a made-up gate, text for an id: refused, nothing changes.
        for bad in (theirs.gates[0].id, "00000000-0000-4000-8000-000000000000"):
            refused = await device.post("/api/checkin/device/gate", json={"gate_id": bad})
            assert_problem(refused, 422, field="gate_id")
        assert_problem(await device.post("/api/checkin/device/gate", json={"gate_id": 7}), 400, field="gate_id")
        # A device locked to its gate cannot choose another one.
        assert_problem(await locked.post("/api/checkin/device/gate", json={"gate_id": south.id}), 422, field="gate_id")
        listed = row((await client.get(client.org("/devices"))).json()["items"], "Roaming phone")
        assert listed["current_gate"]["id"] == north.id
        # Without a device token: 401.
        assert (await stranger.post("/api/checkin/device/gate", json={"gate_id": north.id})).status_code == 401
    finally:
        await device.aclose()
        await locked.aclose()
