"""Reserved seats everywhere a ticket is shown or checked (docs/seating.md, "Tickets and
scanning"): a seated order paid through the simulated provider has its seat on the PDF, the order
pages, in the signed QR (version 2), the online verdict, the offline snapshot and the exports; a
gate limited to one section refuses a seat of another with a clear reason; GA stays version 1."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import pair, scan_body
from tests.api.helpers import assert_problem, make_gate
from tests.api.sales_helpers import add_type, organiser_with_event
from tests.api.seating_helpers import create_plan, hold
from tests.api.test_seating_holds import _pay
from tests.api.test_ticket_delivery import page_texts, qr_codes_in
from tests.conftest import Api, Stack
from voelgoed.domain.check_in.offline_records import open_sealed
from voelgoed.domain.seating.generation import generate_section
from voelgoed.domain.tickets import payload as ticket_payload


def two_section_plan() -> dict[str, Any]:
    stalls = generate_section(key="stalls", name="Stalls", rows=2, seats_per_row=4, category="A")
    balcony = generate_section(key="balcony", name="Balcony", rows=1, seats_per_row=4, category="A")
    doc = {
        "name": "Two levels",
        "width": 200.0,
        "height": 200.0,
        "focus": {"x": 0.0, "y": -20.0},
        "categories": [{"key": "A", "name": "Category A"}],
        "sections": [msgspec.to_builtins(stalls), msgspec.to_builtins(balcony)],
    }
    for seat in doc["sections"][1]["rows"][0]["seats"]:  # the balcony sits behind the stalls
        seat["y"] = float(seat["y"]) + 100.0
    return doc


def seat_id(plan: dict[str, Any], section: str, row: str, label: str) -> str:
    for s in plan["sections"]:
        if s["key"] == section:
            for r in s["rows"]:
                for seat in r["seats"]:
                    if r["label"] == row and seat["label"] == label:
                        return str(seat["id"])
    raise KeyError((section, row, label))


async def test_seat_on_pdf_pages_qr_scans_snapshot_and_exports(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    venue_id = event["venue_id"]
    summary = await create_plan(client, venue_id, two_section_plan())
    plan = (await client.get(client.org(f"/venues/{venue_id}/seating-plans/{summary['id']}"))).json()
    tt = await add_type(client, event["id"], name="Seated", quantity=20, price_cents=20000)
    r = await client.put(
        client.org(f"/events/{event['id']}/seating"),
        json={"plan_id": summary["id"], "categories": [{"category": "A", "ticket_type_id": tt["id"]}]},
    )
    assert r.status_code == 200, r.text
    north, south = await make_gate(client, venue_id, "NORTH"), await make_gate(client, venue_id, "SOUTH")

    # A buyer takes stalls B2 and balcony A3 and pays through the simulated provider.
    buyer = new_client()
    stalls_b2 = seat_id(plan, "stalls", "B", "2")
    balcony_a3 = seat_id(plan, "balcony", "A", "3")
    held = await hold(buyer, event["slug"], [stalls_b2, balcony_a3])
    assert held.status_code == 201, held.text
    res = held.json()["reservation"]
    await _pay(buyer, res)

    # The organiser's order detail lists each ticket's seat.
    detail = (await client.get(client.org(f"/orders/{res['order_id']}"))).json()
    seats = {(t["seat"]["section"], t["seat"]["row"], t["seat"]["seat"]): t for t in detail["tickets"]}
    assert set(seats) == {("Stalls", "B", "2"), ("Balcony", "A", "3")}
    assert {t["seat"]["section_key"] for t in detail["tickets"]} == {"stalls", "balcony"}
    stalls_ticket, balcony_ticket = seats[("Stalls", "B", "2")], seats[("Balcony", "A", "3")]

    # The buyer's order page and the PDF show it; the QR is a version 2 payload carrying it.
    page = await buyer.get(f"/orders/{res['reference']}", params={"token": res["access_token"]})
    assert page.status_code == 200 and "Section Stalls, Row B, Seat 2" in page.text, page.text
    pdf = await buyer.get(f"/orders/{res['reference']}/tickets.pdf", params={"token": res["access_token"]})
    assert pdf.status_code == 200, pdf.text
    texts = page_texts(pdf.content)
    assert len(texts) == 2
    for t in texts:
        assert "SECTION" in t.upper() and "ROW" in t.upper() and "SEAT" in t.upper()
    assert any("Stalls" in t and "B" in t for t in texts) and any("Balcony" in t for t in texts)
    key = (await buyer.get(f"/api/public/events/{event['slug']}/signing-key")).json()
    public = bytes.fromhex(key["public_key"])
    codes = qr_codes_in(pdf.content)
    by_seat = {}
    for code in codes:
        assert code.startswith("VG2:")
        claims = ticket_payload.verify_payload(code, public, key_id=key["key_id"])
        by_seat[claims.seat] = code
    assert set(by_seat) == {("stalls", "B", "2"), ("balcony", "A", "3")}

    # Online scans: the verdict names the seat; a gate limited to the stalls refuses the balcony.
    async with engine.begin() as conn:  # check-in opens three hours before the start
        await conn.execute(
            text(
                "UPDATE event SET starts_at = now() + interval '1 hour',"
                " ends_at = now() + interval '5 hours' WHERE id = :e"
            ),
            {"e": uuid.UUID(event["id"])},
        )
    bad = await client.put(
        client.org(f"/events/{event['id']}/checkin-config"),
        json={"gates": [{"gate_id": north["id"], "sections": ["nowhere"]}]},
    )
    assert_problem(bad, 422)
    config = await client.put(
        client.org(f"/events/{event['id']}/checkin-config"),
        json={"gates": [{"gate_id": north["id"], "sections": ["stalls"]}]},
    )
    assert config.status_code == 200, config.text
    body = config.json()
    assert [g["sections"] for g in body["gates"] if g["gate_id"] == north["id"]] == [["stalls"]]
    assert {s["key"]: s["name"] for s in body["seat_sections"]} == {"stalls": "Stalls", "balcony": "Balcony"}

    device = await pair(client, stack.base_url, [event["id"]])
    refused = (
        await device.post("/api/checkin/scans", json=scan_body(by_seat[("balcony", "A", "3")], north["id"]))
    ).json()
    assert (refused["result"], refused["reason"]) == ("wrong_gate", "wrong_section"), refused
    assert refused["ticket"]["seat"] == {"section": "Balcony", "row": "A", "seat": "3", "section_key": "balcony"}
    ok = (await device.post("/api/checkin/scans", json=scan_body(by_seat[("stalls", "B", "2")], north["id"]))).json()
    assert ok["result"] == "ok" and ok["ticket"]["seat"]["seat"] == "2", ok
    other_gate = (await device.post("/api/checkin/scans", json=scan_body(balcony_ticket["code"], south["id"]))).json()
    assert other_gate["result"] == "ok" and other_gate["ticket"]["seat"]["section"] == "Balcony", other_gate

    # Offline: the sealed details carry the seat, the rules the gate's sections.
    snap = (await device.get("/api/checkin/snapshot", params={"event_id": event["id"]})).json()
    sealed = {
        d.s[0] if d.s else None: d
        for t in (stalls_ticket, balcony_ticket)
        for rec in snap["tickets"]
        if rec["h"] == _hash(t["serial"])
        for d in [open_sealed(ticket_payload.serial_from_text(t["serial"]), rec["e"])]
    }
    assert sealed["stalls"].s == ["stalls", "Stalls", "B", "2"] and sealed["balcony"].s == [
        "balcony",
        "Balcony",
        "A",
        "3",
    ]
    assert [g["sections"] for g in snap["rules"]["gates"] if g["gate_id"] == north["id"]] == [["stalls"]]

    # Exports: section, row and seat columns for a seated event.
    csv_text = (await client.get(client.org(f"/events/{event['id']}/exports/csv/attendees"))).text
    header, *lines = csv_text.strip().splitlines()
    assert header.split(",")[10:13] == ["section", "row", "seat"], header
    assert any(line.split(",")[10:13] == ["Stalls", "B", "2"] for line in lines), csv_text
    scans_csv = (await client.get(client.org(f"/events/{event['id']}/exports/csv/scans"))).text
    assert scans_csv.splitlines()[0].endswith("holder_name,section,row,seat")
    assert "Balcony,A,3" in scans_csv


def _hash(serial_text: str) -> str:
    from voelgoed.domain.check_in.offline_records import serial_hash

    return serial_hash(ticket_payload.serial_from_text(serial_text))


async def test_general_admission_tickets_and_exports_are_unchanged(client: Api, new_client: Callable[[], Api]) -> None:
    from tests.api.sales_helpers import reserve

    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], name="General", quantity=10)
    buyer = new_client()
    r = await reserve(buyer, event["slug"], {tt["id"]: 1})
    assert r.status_code == 201, r.text
    res = r.json()
    await _pay(buyer, res)
    detail = (await client.get(client.org(f"/orders/{res['order_id']}"))).json()
    assert [t["seat"] for t in detail["tickets"]] == [None]
    pdf = await buyer.get(f"/orders/{res['reference']}/tickets.pdf", params={"token": res["access_token"]})
    assert [c[:4] for c in qr_codes_in(pdf.content)] == ["VG1:"]
    assert "SECTION" not in page_texts(pdf.content)[0].upper()
    header = (await client.get(client.org(f"/events/{event['id']}/exports/csv/attendees"))).text.splitlines()[0]
    assert "section" not in header.split(",")
