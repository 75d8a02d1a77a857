"""Organiser dashboards over HTTP: figures after a real sale and scans, the live SSE stream,
the funnel, the organisation overview, and who may see them."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
from tests.api.helpers import add_member, assert_problem, register_for_vat
from tests.api.sales_helpers import add_type, organiser_with_event, reserve
from tests.conftest import Api, Stack, sign_up


async def _buy(buyer: httpx.AsyncClient, slug: str, type_id: str, quantity: int) -> dict[str, Any]:
    """A real purchase: hold, checkout, simulated payment."""
    held = (await reserve(buyer, slug, {type_id: quantity})).json()
    checkout = await buyer.post(
        f"/api/public/orders/{held['reference']}/checkout",
        headers={"X-Order-Token": held["access_token"]},
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "simulated"},
    )
    assert checkout.status_code == 200, checkout.text
    parts = urlsplit(checkout.json()["payment"]["url"])
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    paid = await buyer.post(parts.path, data={"sig": q["sig"], "r": q["r"], "outcome": "pay"})
    assert paid.status_code in (200, 303), paid.text
    return held


async def test_dashboard_figures_after_a_sale(client: Api, new_client: Callable[[], Api]) -> None:
    event = await organiser_with_event(client)
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    general = await add_type(client, event["id"], name="General", quantity=10, price_cents=20000)
    vip = await add_type(client, event["id"], name="VIP", quantity=5, price_cents=50000)
    buyer = new_client()
    await _buy(buyer, event["slug"], general["id"], 2)
    await _buy(buyer, event["slug"], vip["id"], 1)
    await reserve(buyer, event["slug"], {general["id"]: 3})  # held, not sold

    r = await client.get(client.org(f"/events/{event['id']}/dashboard"))
    assert r.status_code == 200, r.text
    d = r.json()
    types = {t["name"]: t for t in d["ticket_types"]}
    assert types["General"] == {**types["General"], "quantity": 10, "sold": 2, "reserved": 3, "available": 5}
    assert types["VIP"]["sold"] == 1 and types["VIP"]["available"] == 4
    assert d["sold"] == 3 and d["available"] == 9
    rev = d["revenue"]
    assert rev["gross_cents"] == 90000 and rev["paid_orders"] == 2
    assert rev["net_cents"] == rev["gross_cents"] - rev["fees_cents"]
    assert rev["vat_cents"] == 11739  # 15/115 of each order, rounded per order: 5217 + 6522
    assert sum(b["orders"] for b in d["sales_over_time"]) == 2
    assert sum(b["gross_cents"] for b in d["sales_over_time"]) == 90000
    assert d["timezone"] == "Africa/Johannesburg" and d["sales_over_time"][0]["local"].endswith(":00")
    day = (await client.get(client.org(f"/events/{event['id']}/dashboard"), params={"granularity": "day"})).json()
    assert len(day["sales_over_time"]) == 1 and day["sales_over_time"][0]["local"].endswith("T00:00")
    assert_problem(
        await client.get(client.org(f"/events/{event['id']}/dashboard"), params={"granularity": "week"}), 400
    )

    overview = (await client.get(client.org("/dashboard"))).json()
    item = next(i for i in overview["items"] if i["event_id"] == event["id"])
    assert item["sold"] == 3 and item["gross_cents"] == 90000 and item["capacity"] == 15 and item["checked_in"] == 0


async def test_occupancy_per_gate_after_scans(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    await sign_up(client)
    setup = await live_event(client, engine, tickets=4)
    north, south = setup.gates
    device = await pair(client, stack.base_url, [setup.event_id])
    t = setup.event.tickets
    url = client.org(f"/events/{setup.event_id}/dashboard")
    assert (await client.get(url)).json()["occupancy"]["total"]["inside"] == 0  # cached now
    try:
        for ticket, gate in ((t[0], north), (t[1], north), (t[2], south)):
            ok = await device.post("/api/checkin/scans", json=scan_body(setup.event.sign(ticket), gate.id))
            assert ok.json()["result"] == "ok", ok.text
        out = await device.post("/api/checkin/scans", json=scan_body(setup.event.sign(t[0]), south.id, "exit"))
        assert out.json()["result"] == "ok", out.text
        again = await device.post("/api/checkin/scans", json=scan_body(setup.event.sign(t[1]), south.id))
        assert again.json()["result"] == "already_redeemed"
    finally:
        await device.aclose()
    d = (await client.get(url)).json()  # a new scan makes a new cache key: fresh figures
    gates = {g["gate_id"]: g for g in d["occupancy"]["gates"]}
    assert (gates[north.id]["entries"], gates[north.id]["exits"], gates[north.id]["inside"]) == (2, 0, 2)
    assert (gates[south.id]["entries"], gates[south.id]["exits"], gates[south.id]["inside"]) == (1, 1, 0)
    assert d["occupancy"]["total"] == {"entries": 3, "exits": 1, "inside": 2}
    assert sum(b["entries"] for b in d["checkins_over_time"]) == 3
    assert sum(b["exits"] for b in d["checkins_over_time"]) == 1
    # paid seeded orders count as revenue (4 x R150)
    assert d["revenue"]["gross_cents"] == 60000
    overview = (await client.get(client.org("/dashboard"))).json()
    assert overview["items"][0]["checked_in"] == 3


async def _next_summary(lines: Any, timeout: float = 15) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        event = None
        async for line in lines:
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "summary":
                return json.loads(line.split(":", 1)[1])
        raise AssertionError("stream ended")

    return await asyncio.wait_for(read(), timeout)


async def _summary_where(lines: Any, wanted: Callable[[dict[str, Any]], bool], timeout: float = 15) -> dict[str, Any]:
    """The first summary for which `wanted` holds (earlier ones are intermediate states)."""

    async def read() -> dict[str, Any]:
        while not wanted(summary := await _next_summary(lines, timeout)):
            pass
        return summary

    return await asyncio.wait_for(read(), timeout)


async def test_live_stream_pushes_a_summary_after_a_sale_and_a_scan(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    await sign_up(client)
    setup = await live_event(client, engine, tickets=2)
    slug = (await client.get(client.org(f"/events/{setup.event_id}"))).json()["slug"]
    general = str(setup.event.ticket_type_ids[0])
    url = client.org(f"/events/{setup.event_id}/dashboard/stream")
    async with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        first = await _next_summary(lines)
        before = next(t for t in first["ticket_types"] if t["id"] == general)["sold"]
        await _buy(new_client(), slug, general, 2)
        # Pushed as it happens: the hold may arrive as a summary of its own before the payment.
        after_sale = await _summary_where(
            lines, lambda s: next(t for t in s["ticket_types"] if t["id"] == general)["sold"] == before + 2
        )
        assert after_sale["revenue"]["paid_orders"] == first["revenue"]["paid_orders"] + 1
        device = await pair(client, stack.base_url, [setup.event_id])
        try:
            ok = await device.post(
                "/api/checkin/scans", json=scan_body(setup.event.sign(setup.event.tickets[0]), setup.gates[0].id)
            )
            assert ok.json()["result"] == "ok"
        finally:
            await device.aclose()
        after_scan = await _summary_where(lines, lambda s: s["occupancy"]["total"]["inside"] == 1)
        # the sales part came from its own cache entry (only scans changed), still right
        assert after_scan["revenue"] == after_sale["revenue"]
        assert after_scan["sales_over_time"] == after_sale["sales_over_time"]


async def test_non_streaming_client_gets_one_summary(client: Api) -> None:
    event = await organiser_with_event(client)
    r = await client.get(client.org(f"/events/{event['id']}/dashboard/stream"))
    assert r.status_code == 200 and r.text.count("event: summary") == 1


async def test_funnel_range_and_utm_split(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    org, ev = uuid.UUID(client.org_id), uuid.UUID(event["id"])
    rows = [
        ("page_view", "s1", "facebook", "2026-03-01T10:15:00+02:00"),
        ("page_view", "s2", "facebook", "2026-03-01T10:20:00+02:00"),
        ("page_view", "s3", None, "2026-03-01T11:00:00+02:00"),
        ("add_to_cart", "s1", "facebook", "2026-03-01T10:30:00+02:00"),
        ("add_to_cart", "s3", None, "2026-03-01T11:05:00+02:00"),
        ("checkout_started", "s1", "facebook", "2026-03-01T10:40:00+02:00"),
        ("checkout_success", "s1", "facebook", "2026-03-01T10:45:00+02:00"),
        ("page_view", "s4", "google", "2026-03-02T09:00:00+02:00"),
    ]
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO analytics_event (organization_id, event_id, name, session_id, utm_source, occurred_at)"
                " VALUES (:o, :e, :n, :s, :u, :t)"
            ),
            [{"o": org, "e": ev, "n": n, "s": s, "u": u, "t": datetime.fromisoformat(t)} for n, s, u, t in rows],
        )
    url = client.org(f"/events/{event['id']}/funnel")
    whole = (await client.get(url)).json()
    assert [s["events"] for s in whole["steps"]] == [4, 2, 1, 1]
    assert [s["conversion"] for s in whole["steps"]] == [None, 0.5, 0.5, 1.0]
    by = {s["utm_source"]: [x["events"] for x in s["steps"]] for s in whole["by_utm_source"]}
    assert by == {"facebook": [2, 1, 1, 1], None: [1, 1, 0, 0], "google": [1, 0, 0, 0]}
    day1 = await client.get(url, params={"start": "2026-03-01T00:00:00+02:00", "end": "2026-03-02T00:00:00+02:00"})
    assert [s["events"] for s in day1.json()["steps"]] == [3, 2, 1, 1]
    edge = await client.get(url, params={"start": "2026-03-01T10:20:00+02:00", "end": "2026-03-01T11:00:00+02:00"})
    assert [s["events"] for s in edge.json()["steps"]] == [1, 1, 1, 1]
    assert_problem(await client.get(url, params={"start": "2026-03-02T00:00:00+02:00",
                                                 "end": "2026-03-01T00:00:00+02:00"}), 422, "end")  # fmt: skip
    assert_problem(await client.get(url, params={"start": "2026-03-01T00:00:00"}), 422, "start")


async def test_who_may_see_dashboards(client: Api, new_client: Callable[[], Api], stack: Stack) -> None:
    event = await organiser_with_event(client)
    paths = [
        f"/events/{event['id']}/dashboard",
        f"/events/{event['id']}/dashboard/stream",
        f"/events/{event['id']}/funnel",
        "/dashboard",
    ]
    viewer = await add_member(client, new_client, stack, "viewer")
    scanner = await add_member(client, new_client, stack, "scanner_only")
    for path in paths:
        assert (await viewer.get(client.org(path))).status_code == 200, path
        assert_problem(await scanner.get(client.org(path)), 403)
    other = new_client()
    await sign_up(other, organization="Other Org")
    for path in paths[:3]:
        # another organisation's event, through the other organisation's own path: not found
        assert_problem(await other.get(other.org(path)), 404)
        # the first organisation's path: not a member, not found
        assert_problem(await other.get(client.org(path)), 404)
    assert (await other.get(other.org("/dashboard"))).json()["items"] == []
    async with httpx.AsyncClient(base_url=stack.base_url) as anonymous:
        assert_problem(await anonymous.get(client.org(paths[0])), 401)
