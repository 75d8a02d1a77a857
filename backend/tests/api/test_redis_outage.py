"""Redis may vanish: PostgreSQL is the authority. With the product's Redis paused (SIGSTOP: the
socket accepts, nothing answers) or killed, a buyer still buys and a gate still scans, each step
answering within the buyer's 5 s timeout; the tickets e-mail follows once Redis is back.

These tests pause the session's shared Redis, so every one of them resumes (or restarts) it in a
`finally`, before the next test's clean-up needs it."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
from tests.api.test_checkout_site import Buyer, checkout, pay_simulated, reference_of, reserve, sale, wait_delivered
from tests.api.test_payments_simulated import BUYER, hidden_fields, on_sale_event, page_path
from tests.conftest import Api, Stack, sign_up
from voelgoed.devservices import ensure_redis
from voelgoed.lib.redis_client import RedisBreaker, RedisUnavailable, make_request_redis

CLIENT_TIMEOUT = httpx.Timeout(5.0)  # the buyer's patience; no other timing is asserted


def _redis_pid(stack: Stack) -> int:
    return int((stack.data_dir / "redis" / "redis.pid").read_text().strip())


async def _until_product_uses_redis_again(stack: Stack) -> None:
    """The product skips Redis for a few seconds after a failure; the next tests expect it in use
    (rate limits, caches), so wait until its readiness reports Redis again."""
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=5) as http:
        while time.monotonic() < deadline:
            if (await http.get("/ready")).json().get("redis") == "ok":
                return
            await asyncio.sleep(0.2)
    raise AssertionError("the product did not use Redis again after it came back")


@asynccontextmanager
async def redis_paused(stack: Stack) -> AsyncIterator[None]:
    pid = _redis_pid(stack)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)
        await _until_product_uses_redis_again(stack)


@asynccontextmanager
async def redis_killed(stack: Stack) -> AsyncIterator[None]:
    pid = _redis_pid(stack)
    os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # not our child (daemonized): wait until it is gone
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
    try:
        yield
    finally:
        ensure_redis(stack.data_dir)  # same socket, same append-only file: the product reconnects
        # A Redis that comes back (or is replaced) may have lost its scripts (see the next test).
        restarted = Redis.from_url(stack.redis_url)
        try:
            await restarted.script_flush()
        finally:
            await restarted.aclose()


def _answered(r: httpx.Response, *ok: int) -> None:
    """Each step answers: its normal status, or a clear problem+json 503 (never a hang or a 500)."""
    if r.status_code == 503:
        assert r.headers["content-type"].startswith("application/problem+json"), r.text[:500]
        raise AssertionError(f"{r.request.method} {r.request.url.path} needs Redis: {r.text[:300]}")
    assert r.status_code in ok, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:500]}"


async def test_a_buyer_buys_on_the_site_while_redis_is_paused(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    s = await sale(client, engine)
    email = f"paused-{uuid.uuid4().hex[:8]}@example.co.za"
    log_from = (stack.data_dir / "product.log").stat().st_size
    async with Buyer(stack.base_url) as buyer:
        buyer.timeout = CLIENT_TIMEOUT
        async with redis_paused(stack):
            page, csrf = await buyer.page(f"/events/{s['slug']}")
            _answered(page, 200)
            r = await reserve(buyer, s["slug"], {s["types"]["General"]: 2}, csrf=csrf)
            _answered(r, 303)
            reference = reference_of(r)
            details = await buyer.get(f"/checkout/{reference}")
            _answered(details, 200)
            started = await checkout(buyer, reference, buyer_email=email)
            _answered(started, 303)
            back = await pay_simulated(buyer, started.headers["location"])
            order_page = await buyer.get(back)
            _answered(order_page, 200)
            assert "Paid" in order_page.text
    # The outage is logged once, not once per request (each of which touched Redis).
    logged = (stack.data_dir / "product.log").read_bytes()[log_from:].decode(errors="replace").splitlines()
    warnings = [line for line in logged if " WARNING " in line and "unavailable" in line]
    assert len(warnings) == 1 and "Redis unavailable" in warnings[0], warnings
    # Owed work was found again once Redis answered: the tickets e-mail arrives.
    mail = await wait_delivered(engine, stack, email)
    assert reference in str(mail["Subject"])


async def test_a_buyer_buys_over_the_api_while_redis_is_down(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack
) -> None:
    event = await on_sale_event(client)
    email = f"killed-{uuid.uuid4().hex[:8]}@example.co.za"
    buyer = new_client()
    buyer.timeout = CLIENT_TIMEOUT
    try:
        reference = await _buy_while_redis_is_killed(buyer, event, email, stack)
        # Nothing asks the product anything now: the job it kept must find the restarted Redis by
        # itself.
        mail = await wait_delivered(engine, stack, email)
        assert reference in str(mail["Subject"])
    finally:
        await _until_product_uses_redis_again(stack)


async def _buy_while_redis_is_killed(buyer: httpx.AsyncClient, event: dict[str, Any], email: str, stack: Stack) -> str:
    async with redis_killed(stack):
        shown = await buyer.get(f"/api/public/events/{event['slug']}")
        _answered(shown, 200)
        held = await buyer.post(
            f"/api/public/events/{event['slug']}/reservations",
            json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 1}]},
        )
        _answered(held, 201)
        order = held.json()
        started = await buyer.post(
            f"/api/public/orders/{order['reference']}/checkout",
            json={**BUYER, "buyer_email": email, "provider": "simulated"},
            headers={"X-Order-Token": order["access_token"]},
        )
        _answered(started, 200)
        url = started.json()["payment"]["url"]
        page = await buyer.get(page_path(url))
        _answered(page, 200)
        paid = await buyer.post(urlsplit(url).path, data={**hidden_fields(page.text), "outcome": "pay"})
        _answered(paid, 303)
        mine = await buyer.get(
            f"/api/public/orders/{order['reference']}", headers={"X-Order-Token": order["access_token"]}
        )
        _answered(mine, 200)
        assert mine.json()["status"] == "paid"
        return str(order["reference"])


async def test_a_gate_scans_while_redis_is_paused(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    device = await pair(client, stack.base_url, [s.event_id], s.gates[0].id)
    device.timeout = CLIENT_TIMEOUT
    try:
        async with redis_paused(stack):
            scanned = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[0].payload, s.gates[0].id))
            _answered(scanned, 200)
            assert scanned.json()["result"] == "ok"
            # Still ready (a load balancer keeps sending traffic), and it says what is missing.
            ready = await device.get("/ready")
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "degraded" and ready.json()["redis"].startswith("error")
    finally:
        await device.aclose()


async def test_an_error_reply_after_an_outage_counts_as_redis_answering(stack: Stack, redis: Redis) -> None:
    """The breaker's probe after an outage may get an error reply (NOSCRIPT from a Redis that lost
    its scripts); Redis answered, so the script is loaded and run instead of being skipped."""
    breaker = RedisBreaker(timeout_seconds=0.5, cooldown_seconds=0.1)
    dead = make_request_redis(f"unix://{stack.data_dir / 'no-such.sock'}", breaker)
    live = make_request_redis(stack.redis_url, breaker)
    try:
        with pytest.raises(RedisUnavailable):  # the breaker is open now
            await dead.get("x")
        await redis.script_flush()  # through the test's own client, not the breaker's
        await asyncio.sleep(breaker.cooldown * 2)  # let the cool-down pass: the next call probes
        script = live.register_script("return 41 + 1")
        assert await script() == 42
    finally:
        await dead.aclose()
        await live.aclose()
