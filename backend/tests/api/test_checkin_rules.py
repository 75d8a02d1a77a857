"""The check-in rules the organiser app's rules screen edits: entry window in the event's own time
zone, per-gate ticket types, and another organisation kept out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
from tests.api.helpers import assert_problem
from tests.conftest import Api, Stack, sign_up


def _wall_clock(at: datetime, tz: str) -> str:
    """A naive local time, as the app's datetime-local input sends it."""
    return at.astimezone(ZoneInfo(tz)).replace(tzinfo=None, microsecond=0).isoformat()


async def test_window_without_offset_is_read_in_the_events_zone(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=2)
    event = (await client.get(client.org(f"/events/{s.event_id}"))).json()
    tz = event["timezone"]
    device = await pair(client, stack.base_url, [s.event_id])
    north = s.gates[0].id
    config_url = client.org(f"/events/{s.event_id}/checkin-config")

    # Doors open in two hours, typed as a wall-clock time: the scan now is too early.
    opens = datetime.now(UTC) + timedelta(hours=2)
    r = await client.put(config_url, json={"valid_from": _wall_clock(opens, tz), "reentry_allowed": True})
    assert r.status_code == 200, r.text
    stored = datetime.fromisoformat(r.json()["valid_from"])
    assert abs((stored - opens).total_seconds()) < 1, (stored, opens)
    early = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[0].payload, north))
    assert (early.json()["result"], early.json()["reason"]) == ("outside_window", "too_early")

    # The organiser moves the window back an hour: the same ticket is admitted.
    r = await client.put(
        config_url,
        json={"valid_from": _wall_clock(datetime.now(UTC) - timedelta(hours=1), tz), "reentry_allowed": True},
    )
    assert r.status_code == 200, r.text
    assert r.json()["reentry_allowed"] is True
    ok = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[0].payload, north))
    assert ok.json()["result"] == "ok", ok.text

    # An end before the start is refused at the field, and nothing changes.
    bad = await client.put(
        config_url,
        json={"valid_from": _wall_clock(opens, tz), "valid_until": _wall_clock(opens - timedelta(hours=1), tz)},
    )
    assert_problem(bad, 422, "valid_until")
    after = (await client.get(config_url)).json()
    assert after["reentry_allowed"] is True
    assert datetime.fromisoformat(after["valid_from"]) < datetime.now(UTC)
    # What a blank window stands for comes from the server (screens do not copy the rule).
    starts, ends = datetime.fromisoformat(event["starts_at"]), datetime.fromisoformat(event["ends_at"])
    assert datetime.fromisoformat(after["default_valid_from"]) == starts - timedelta(hours=3)
    assert datetime.fromisoformat(after["default_valid_until"]) == ends


async def test_gate_types_round_trip_and_other_organisation_is_kept_out(
    client: Api, new_client, engine: AsyncEngine
) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    vip = str(s.event.ticket_type_ids[1])
    config_url = client.org(f"/events/{s.event_id}/checkin-config")
    r = await client.put(
        config_url, json={"gates": [{"gate_id": s.gates[1].id, "entry": True, "ticket_type_ids": [vip]}]}
    )
    assert r.status_code == 200, r.text
    gates = {g["gate_id"]: g for g in r.json()["gates"]}
    assert gates[s.gates[1].id]["ticket_type_ids"] == [vip]
    assert gates[s.gates[0].id]["ticket_type_ids"] is None  # not listed: every type

    other = new_client()
    await sign_up(other)
    foreign = f"/api/organizations/{other.org_id}/events/{s.event_id}/checkin-config"
    assert_problem(await other.get(foreign), 404)
    assert_problem(await other.put(foreign, json={"reentry_allowed": True}), 404)
    mine = f"/api/organizations/{client.org_id}/events/{s.event_id}/checkin-config"
    assert (await other.get(mine)).status_code == 404
    assert (await client.get(config_url)).json()["reentry_allowed"] is False
