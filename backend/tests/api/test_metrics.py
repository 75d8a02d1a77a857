"""Observability over HTTP against the product under test (docs/operations.md, "Observability"):
/metrics refused without the token, request counts per route template, holds, sales, scans by
verdict, the worker's own metrics (queue depth, job durations), refunds by status, the pool."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api import refund_helpers
from tests.api.checkin_support import live_event, pair, scan_body
from tests.api.sales_helpers import add_type, organiser_with_event, reserve
from tests.api.test_payments_simulated import hidden_fields, on_sale_event, page_path, reserve_and_checkout
from tests.conftest import METRICS_TOKEN, Api, Stack, reset_state, sign_up

AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$")  # label values may hold braces


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The exposition as {(name, labels): value}."""
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m is None or line.startswith("#"):
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        found[(m.group(1), labels)] = float(m.group(3))
    return found


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """The sum over the series of `name` that carry (at least) `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and want <= ls)


async def scrape(
    client: httpx.AsyncClient, url: str = "/metrics"
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = await client.get(url, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


async def test_metrics_refuse_a_request_without_the_token(client: Api) -> None:
    assert (await client.get("/metrics")).status_code == 401
    assert (
        await client.get("/metrics", headers={"Authorization": "Bearer wrong-token-wrong-token"})
    ).status_code == 401
    assert (await client.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})).status_code == 401
    refused = await client.get("/metrics")
    assert refused.headers["www-authenticate"] == "Bearer" and "voelgoed_" not in refused.text
    assert (await client.get("/metrics", headers=AUTH)).status_code == 200
    # Not an API operation: left out of the OpenAPI document.
    assert "/metrics" not in (await client.get("/schema/openapi.json")).json()["paths"]


async def test_requests_are_counted_per_route_template_not_per_path(client: Api) -> None:
    before = await scrape(client)
    for _ in range(3):
        assert (await client.get("/health")).status_code == 200
    slugs = ["no-such-event-a", "no-such-event-b"]
    for slug in slugs:
        assert (await client.get(f"/api/public/events/{slug}")).status_code == 404
    after = await scrape(client)
    health = {"method": "GET", "route": "/health", "status": "200"}
    assert (
        value(after, "voelgoed_http_requests_total", **health) - value(before, "voelgoed_http_requests_total", **health)
        == 3
    )
    templates = {dict(ls)["route"] for (n, ls) in after if n == "voelgoed_http_requests_total"}
    event_route = "/api/public/events/{slug}"  # (other tests' requests add more templates to the set)
    assert event_route in templates, templates  # one series for the template, whatever slug was asked for
    assert not any(slug in t for t in templates for slug in slugs)
    missing = {"method": "GET", "route": event_route, "status": "404"}
    assert value(after, "voelgoed_http_requests_total", **missing) >= 2
    count = value(after, "voelgoed_http_request_duration_seconds_count", method="GET", route="/health")
    assert count >= 3
    assert value(after, "voelgoed_http_requests_total", route="/metrics") == 0  # scrapes are not traffic
    # The request pool's use, read from SQLAlchemy's pool (no query).
    assert value(after, "voelgoed_db_pool_size", pool="request") >= 1
    assert ("voelgoed_db_pool_checked_out", frozenset({("pool", "request")})) in after


async def test_a_reservation_counts_a_hold_and_a_refusal(client: Api, new_client: Any) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=2)
    before = await scrape(client)
    assert (await reserve(new_client(), event["slug"], {tt["id"]: 2})).status_code == 201
    assert (await reserve(new_client(), event["slug"], {tt["id"]: 1})).status_code == 409  # sold out
    after = await scrape(client)
    for outcome in ("made", "refused"):
        grown = value(after, "voelgoed_holds_total", outcome=outcome) - value(
            before, "voelgoed_holds_total", outcome=outcome
        )
        assert grown == 1, outcome


async def test_a_hold_after_a_stale_cached_slug_counts_no_refusal(
    client: Api, new_client: Any, engine: AsyncEngine, redis: Redis
) -> None:
    """The API keeps event slugs per process; when the event behind one is gone and another took
    its slug, the reservation asks once more with a fresh lookup. That first 404 is no refusal
    (it made the test after the coupon tests count one refusal too many)."""
    gone = await organiser_with_event(client)
    tt = await add_type(client, gone["id"], quantity=5)
    assert (await reserve(new_client(), gone["slug"], {tt["id"]: 1})).status_code == 201  # slug kept
    await reset_state(engine, redis)  # the event is gone
    organiser = new_client()
    event = await organiser_with_event(organiser)
    assert event["slug"] == gone["slug"]  # and a new one has its slug
    tt = await add_type(organiser, event["id"], quantity=5)
    before = await scrape(organiser)
    assert (await reserve(new_client(), event["slug"], {tt["id"]: 1})).status_code == 201
    after = await scrape(organiser)
    grown = {
        o: value(after, "voelgoed_holds_total", outcome=o) - value(before, "voelgoed_holds_total", outcome=o)
        for o in ("made", "refused")
    }
    assert grown == {"made": 1, "refused": 0}


async def test_a_paid_order_counts_a_sale_and_its_amount(client: Api, new_client: Any) -> None:
    event = await on_sale_event(client, price_cents=15000)
    buyer = new_client()
    order = await reserve_and_checkout(buyer, event, "simulated", quantity=2)
    before = await scrape(client)
    page = await buyer.get(page_path(order["payment"]["url"]))
    path = urlsplit(order["payment"]["url"]).path
    assert (await buyer.post(path, data={**hidden_fields(page.text), "outcome": "pay"})).status_code == 303
    again = await buyer.post(path, data={**hidden_fields(page.text), "outcome": "pay"})  # a replay: no new sale
    assert again.status_code == 303
    after = await scrape(client)
    assert value(after, "voelgoed_orders_paid_total") - value(before, "voelgoed_orders_paid_total") == 1
    assert value(after, "voelgoed_sales_cents_total") - value(before, "voelgoed_sales_cents_total") == 30000


async def test_a_scan_counts_its_verdict(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=2)
    device = await pair(client, stack.base_url, [s.event_id])
    ticket = s.event.tickets[0]
    before = await scrape(client)
    try:
        first = await device.post("/api/checkin/scans", json=scan_body(ticket.payload, s.gates[0].id))
        second = await device.post("/api/checkin/scans", json=scan_body(ticket.payload, s.gates[0].id))
        replay_body = scan_body(s.event.tickets[1].payload, s.gates[0].id)
        third = await device.post("/api/checkin/scans", json=replay_body)
        replay = await device.post("/api/checkin/scans", json=replay_body)  # the same scan again: counted once
    finally:
        await device.aclose()
    assert [r.json()["result"] for r in (first, second, third, replay)] == ["ok", "already_redeemed", "ok", "ok"]
    after = await scrape(client)

    def grown(verdict: str) -> float:
        return value(after, "voelgoed_scans_total", verdict=verdict, mode="online") - value(
            before, "voelgoed_scans_total", verdict=verdict, mode="online"
        )

    assert (grown("ok"), grown("already_redeemed")) == (2, 1)


async def test_a_refund_counts_its_statuses(client: Api, new_client: Any, stack: Stack) -> None:
    event = await refund_helpers.on_sale_event(client, price_cents=10000)
    order = await refund_helpers.paid_order(new_client(), event, quantity=1)
    before = await scrape(client)
    made = await refund_helpers.refund(client, order["order_id"], kind="whole_order", reason="Cannot come")
    assert made.status_code == 201, made.text
    await refund_helpers.wait_refund(client, made.json()["id"], "succeeded")
    after = await scrape(client)

    def grown(status: str) -> float:
        return value(after, "voelgoed_refund_transitions_total", status=status) - value(
            before, "voelgoed_refund_transitions_total", status=status
        )

    # Requested in the API process; moved on by the worker's job, which counts in its own metrics.
    assert grown("requested") == 1
    async with httpx.AsyncClient(timeout=10) as plain:
        worker = await scrape(plain, stack.worker_metrics_url)
    assert value(worker, "voelgoed_refund_transitions_total", status="succeeded") >= 1


async def test_the_worker_serves_its_own_metrics_behind_the_same_token(
    client: Api, new_client: Any, stack: Stack
) -> None:
    async with httpx.AsyncClient(timeout=10) as plain:
        assert (await plain.get(stack.worker_metrics_url)).status_code == 401
        event = await refund_helpers.on_sale_event(client)
        await refund_helpers.paid_order(new_client(), event, quantity=1)  # queues the tickets' delivery
        deadline = time.monotonic() + 30
        while True:
            found = await scrape(plain, stack.worker_metrics_url)
            done = value(found, "voelgoed_jobs_total", job="deliver_order_tickets")
            if done > 0 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
    assert done > 0, "the delivery job never finished in the worker"
    # Other tests' jobs run in the same worker: a scrape may fall between one job's count and its
    # duration, so the two are not compared exactly.
    assert value(found, "voelgoed_job_duration_seconds_count", job="deliver_order_tickets") >= 1
    assert ("voelgoed_queue_jobs", frozenset({("state", "queued")})) in found
    assert value(found, "voelgoed_db_pool_size", pool="worker") >= 1
