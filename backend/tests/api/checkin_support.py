"""Set-up for the check-in tests: a live event with gates, seeded paid tickets, paired devices."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import make_event, make_gate, make_venue
from tests.conftest import Api, future
from voelgoed.testing.seeding import SeededEvent, seed_signing_key, seed_ticket_types, seed_tickets


@dataclass
class Gate:
    id: str
    code: str


@dataclass
class Setup:
    owner: Api
    event: SeededEvent
    gates: list[Gate]
    venue_id: str

    @property
    def event_id(self) -> str:
        return str(self.event.event_id)


async def live_event(
    owner: Api, engine: AsyncEngine, tickets: int = 10, gates: tuple[str, ...] = ("NORTH", "SOUTH")
) -> Setup:
    venue = await make_venue(owner)
    made = [await make_gate(owner, venue["id"], code) for code in gates]
    # Starts in an hour: the default check-in window (start - 3 h) is open now.
    event = await make_event(owner, venue["id"], starts_at=future(0, 0), ends_at=future(2, 0))
    org = uuid.UUID(owner.org_id)
    ev = uuid.UUID(event["id"])
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE event SET status = 'published', starts_at = now() + interval '1 hour',"
                " ends_at = now() + interval '5 hours' WHERE id = :e"
            ),
            {"e": ev},
        )
        key_id, private = await seed_signing_key(conn, org, ev)
        types = await seed_ticket_types(conn, org, ev, ["General", "VIP"], 1000)
        seeded = SeededEvent(org, ev, key_id, private, types)
        await seed_tickets(conn, seeded, tickets, ticket_type_id=types[0])
    return Setup(owner=owner, event=seeded, gates=[Gate(g["id"], g["code"]) for g in made], venue_id=venue["id"])


async def pair(
    owner: Api, base_url: str, event_ids: list[str], gate_id: str | None = None, name: str = "Phone"
) -> httpx.AsyncClient:
    code = await owner.post(owner.org("/devices/pairing-codes"), json={"event_ids": event_ids, "gate_id": gate_id})
    assert code.status_code == 201, code.text
    device = httpx.AsyncClient(base_url=base_url, timeout=30)
    paired = await device.post("/api/devices/pair", json={"code": code.json()["qr_text"], "device_name": name})
    assert paired.status_code == 201, paired.text
    device.headers["Authorization"] = f"Bearer {paired.json()['token']}"
    device.device_id = paired.json()["device_id"]  # type: ignore[attr-defined]
    return device


def scan_body(payload: str, gate_id: str, direction: str = "entry", **extra: Any) -> dict[str, Any]:
    return {
        "payload": payload,
        "gate_id": gate_id,
        "direction": direction,
        "client_scan_id": str(uuid.uuid4()),
        "client_time": datetime.now(UTC).isoformat(),
        **extra,
    }
