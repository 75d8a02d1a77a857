"""Typed ticket codes: the serial printed under the QR admits like the QR, online and offline."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
from tests.conftest import Api, Stack, sign_up
from voelgoed.domain.tickets import payload as ticket_payload


def typed(serial: str) -> str:
    """How a person types the printed code: lower case, spaces, and a zero for an O."""
    return ticket_payload.ticket_code(serial).lower().replace("-", " ").replace("o", "0")


def test_ticket_code_forms() -> None:
    serial = "AAISEM2EKVTHPCEZVK5Q"
    assert ticket_payload.ticket_code(serial) == "AAISE-M2EKV-THPCE-ZVK5Q"
    for form in (
        "AAISE-M2EKV-THPCE-ZVK5Q",
        "aaise m2ekv thpce zvk5q",
        " AAISEM2EKVTHPCEZVK5Q ",
        "AA1SE-M2EKV-THPCE-ZVK5Q",
    ):
        assert ticket_payload.serial_from_code(form) == ticket_payload.serial_from_text(serial), form
    for bad in (
        "",
        "AAISE-M2EKV-THPCE",
        "AAISE-M2EKV-THPCE-ZVK5Q-X",
        "AAISE-M2EKV-THPCE-ZVK5!",
        "A" * 65,
        "AAISEM2EKVTHPCEZVK5R",
    ):
        with pytest.raises(ticket_payload.PayloadError):
            ticket_payload.serial_from_code(bad)


async def test_typed_code_admits_once_and_is_marked_manual(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=2)
    device = await pair(client, stack.base_url, [s.event_id])
    gate = s.gates[0].id
    t = s.event.tickets[0]

    ok = await device.post("/api/checkin/scans", json=scan_body(typed(t.serial), gate))
    assert ok.status_code == 200, ok.text
    assert ok.json()["result"] == "ok", ok.json()
    assert ok.json()["ticket"]["holder_name"].startswith("Guest")
    # The same ticket's QR, and the code again, now find it admitted.
    by_qr = await device.post("/api/checkin/scans", json=scan_body(t.payload, gate))
    assert (by_qr.json()["result"], by_qr.json()["reason"]) == ("already_redeemed", "no_reentry")
    again = await device.post("/api/checkin/scans", json=scan_body(ticket_payload.ticket_code(t.serial), gate))
    assert again.json()["result"] == "already_redeemed"

    feed = await client.get(client.org(f"/events/{s.event_id}/scans"))
    assert feed.status_code == 200, feed.text
    assert [i["manual"] for i in feed.json()["items"]] == [True, False, True]
    await device.aclose()


async def test_codes_that_identify_nothing_here_are_invalid(
    client: Api, new_client: Callable[[], Api], stack: Stack, engine: AsyncEngine
) -> None:
    # Another organisation's ticket, and one of this organisation's other event, are unknown to this device.
    stranger = new_client()
    await sign_up(stranger)
    theirs = await live_event(stranger, engine, tickets=1)
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    other_event = await live_event(client, engine, tickets=1)
    device = await pair(client, stack.base_url, [s.event_id])
    gate = s.gates[0].id
    cases = {
        theirs.event.tickets[0].serial: "unknown_ticket",
        other_event.event.tickets[0].serial: "unknown_ticket",
        ticket_payload.serial_to_text(ticket_payload.new_serial()): "unknown_ticket",
        "ABCDE-12345": "malformed",
        "hello there": "malformed",
    }
    for code, reason in cases.items():
        r = await device.post("/api/checkin/scans", json=scan_body(code, gate))
        assert r.status_code == 200, r.text
        assert (r.json()["result"], r.json()["reason"]) == ("invalid", reason), code
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT manual, event_id, ticket_id FROM checkin_scan"))).all()
    assert len(rows) == len(cases)
    assert all(m and e == s.event.event_id and t is None for m, e, t in rows)
    await device.aclose()


async def test_offline_typed_code_is_synced_and_claims_the_admission(
    client: Api, stack: Stack, engine: AsyncEngine
) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    device = await pair(client, stack.base_url, [s.event_id])
    t = s.event.tickets[0]
    scan = {
        "client_scan_id": str(uuid.uuid4()),
        "payload": ticket_payload.ticket_code(t.serial),
        "gate_id": s.gates[0].id,
        "direction": "entry",
        "client_time": datetime.now(UTC).isoformat(),
        "local_verdict": "ok",
    }
    r = await device.post("/api/checkin/offline-scans", json={"scans": [scan]})
    assert r.status_code == 200, r.text
    online = await device.post("/api/checkin/scans", json=scan_body(t.payload, s.gates[0].id))
    assert online.json()["result"] == "already_redeemed"
    async with engine.connect() as conn:
        manual = await conn.scalar(text("SELECT manual FROM checkin_scan WHERE offline"))
    assert manual is True
    await device.aclose()


def look_alikes(genuine: str) -> dict[str, str]:
    """Texts a Unicode-aware upper-case, lower-case or trim turns back into `genuine`."""
    body_at = len(ticket_payload.PREFIX) if genuine.startswith(ticket_payload.PREFIX) else 0

    def swap(text_: str, letter: str, by: str) -> str:
        i = text_.index(letter, body_at)
        return text_[:i] + by + text_[i + 1 :]

    return {
        "long s": swap(genuine, "S", "\u017f"),
        "dotless i": swap(genuine, "I", "\u0131"),
        "kelvin sign": swap(genuine, "K", "\u212a"),
        "kelvin sign, lower case": swap(genuine.lower(), "k", "\u212a"),
        "no-break spaces": "\u00a0" + genuine + "\u00a0",
    }


async def test_look_alike_characters_never_admit_a_ticket(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    """One ticket, one code: a non-ASCII look-alike of a genuine unused ticket's QR text or typed
    code is invalid/malformed, online and offline, and the genuine text still admits after them."""
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    device = await pair(client, stack.base_url, [s.event_id])
    gate = s.gates[0].id
    # A serial whose code and QR text both have an S, an I and a K to stand in for.
    while True:
        serial = ticket_payload.serial_to_text(ticket_payload.new_serial())
        ticket = dataclasses.replace(s.event.tickets[0], serial=serial)
        qr, code = s.event.sign(ticket), ticket_payload.ticket_code(ticket.serial)
        if set("SIK") <= set(code) and set("SIK") <= set(qr[len(ticket_payload.PREFIX) :]):
            break
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE ticket SET serial = :s WHERE id = :t"), {"s": ticket.serial, "t": ticket.id})
    variants = {f"qr, {k}": v for k, v in look_alikes(qr).items()} | {
        f"code, {k}": v for k, v in look_alikes(code).items()
    }

    for name, variant in variants.items():
        r = await device.post("/api/checkin/scans", json=scan_body(variant, gate))
        assert r.status_code == 200, (name, r.text)
        verdict = r.json()
        assert (verdict["result"], verdict["reason"], verdict["ticket"]) == ("invalid", "malformed", None), name
    shown_ok = (variants["qr, long s"], variants["code, dotless i"])
    offline = [{**scan_body(variant, gate), "local_verdict": "ok"} for variant in shown_ok]
    uploaded = await device.post("/api/checkin/offline-scans", json={"scans": offline})
    assert uploaded.status_code == 200, uploaded.text
    assert [(x["result"], x["reason"]) for x in uploaded.json()["results"]] == [("invalid", "malformed")] * 2

    genuine = await device.post("/api/checkin/scans", json=scan_body(qr, gate))
    assert (genuine.json()["result"], genuine.json()["ticket"]["holder_name"] is not None) == ("ok", True)
    again = await device.post("/api/checkin/scans", json=scan_body(code, gate))
    assert again.json()["result"] == "already_redeemed"
    async with engine.connect() as conn:
        admissions = await conn.scalar(
            text("SELECT count(*) FROM checkin_scan WHERE ticket_id = :t AND result = 'ok'"), {"t": ticket.id}
        )
    assert admissions == 1
    await device.aclose()
