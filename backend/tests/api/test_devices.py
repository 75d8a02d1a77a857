"""The devices list: a device paired for "any gate" shows the gate it chose and scans at."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
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
