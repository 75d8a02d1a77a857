"""Fifty buyers at once on the checkout site's HTML journey: event page, reserve form, buyer
details, simulated payment, order page. Each buyer is its own browser (own cookie jar).

This used to fall over: the event page held its request's pooled connection while availability
took a second one from the same pool, and the reserve form held one while the hold batcher waited
for another; enough concurrent buyers held every pooled connection while each waited for a second,
until the pool timed out (500s, orders left reserved). Every buyer must now end with a paid order.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.sales_helpers import add_type, counters, organiser_with_event, scalar
from tests.api.test_checkout_site import Buyer
from tests.conftest import Api, Stack, _free_port

BUYERS = 50
TICKETS = 200
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
TICKET_CODE = re.compile(r"code <code>[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}</code>")


@dataclass
class Walk:
    """What one buyer saw: every answer's status per step, and the order page at the end."""

    statuses: list[tuple[str, int]] = field(default_factory=list)
    reference: str | None = None
    order_page: str = ""
    stopped_at: str | None = None

    def saw(self, step: str, status: int) -> None:
        self.statuses.append((step, status))


async def _walk(base_url: str, slug: str, type_id: str, n: int) -> Walk:
    walk = Walk()
    # A pool timeout used to take 30 s per attempt; the client waits longer than the server would.
    async with Buyer(base_url) as buyer:
        buyer.timeout = httpx.Timeout(120)
        page = await buyer.get(f"/events/{slug}")
        walk.saw("event page", page.status_code)
        csrf = CSRF.search(page.text)
        if page.status_code != 200 or not csrf:
            walk.stopped_at = "event page"
            return walk
        held = await buyer.post(
            f"/events/{slug}/reserve", data={"csrf": csrf.group(1), "coupon": "", f"qty_{type_id}": "1"}
        )
        walk.saw("reserve", held.status_code)
        match = re.fullmatch(r"/checkout/(VG-[A-Z0-9]+)", held.headers.get("location", ""))
        if held.status_code != 303 or not match:
            walk.stopped_at = "reserve"
            return walk
        walk.reference = reference = match.group(1)
        details = await buyer.get(f"/checkout/{reference}")
        walk.saw("details page", details.status_code)
        csrf = CSRF.search(details.text)
        if details.status_code != 200 or not csrf:
            walk.stopped_at = "details page"
            return walk
        started = await buyer.post(
            f"/checkout/{reference}",
            data={
                "csrf": csrf.group(1),
                "buyer_name": f"Buyer {n}",
                "buyer_email": f"buyer{n}@example.co.za",
                "buyer_phone": "",
                "provider": "simulated",
            },
        )
        walk.saw("details form", started.status_code)
        if started.status_code != 303 or "/pay/simulated/" not in started.headers.get("location", ""):
            walk.stopped_at = "details form"
            return walk
        pay_page = await buyer.get(started.headers["location"])
        walk.saw("pay page", pay_page.status_code)
        action = re.search(r"<form method=post action='([^']+)'", pay_page.text)
        hidden = dict(re.findall(r"<input type=hidden name=(\w+) value='([^']*)'", pay_page.text))
        if pay_page.status_code != 200 or not action:
            walk.stopped_at = "pay page"
            return walk
        paid = await buyer.post(action.group(1), data={**hidden, "outcome": "pay"})
        walk.saw("pay", paid.status_code)
        if paid.status_code != 303:
            walk.stopped_at = "pay"
            return walk
        order = await buyer.get(paid.headers["location"])
        walk.saw("order page", order.status_code)
        walk.order_page = order.text
        return walk


async def test_fifty_concurrent_buyers_walk_the_html_journey_and_all_pay(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=TICKETS, max_per_order=10)

    walks = await asyncio.gather(*(_walk(stack.base_url, event["slug"], tt["id"], n) for n in range(BUYERS)))

    server_errors = [(step, status) for w in walks for step, status in w.statuses if status >= 500]
    assert server_errors == [], f"{len(server_errors)} answers were 5xx, e.g. {server_errors[:5]}"
    stopped = [w.stopped_at for w in walks if w.stopped_at]
    assert stopped == [], f"buyers stopped at: {stopped}"
    for w in walks:
        assert w.statuses[-1] == ("order page", 200), w.statuses
        assert "Paid" in w.order_page, w.reference
        assert len(TICKET_CODE.findall(w.order_page)) == 1, w.reference

    event_id = uuid.UUID(event["id"])
    async with engine.connect() as conn:
        by_status = dict(
            (
                await conn.execute(
                    text("SELECT status, count(*) FROM ticket_order WHERE event_id = :e GROUP BY status"),
                    {"e": event_id},
                )
            ).all()
        )
    assert by_status == {"paid": BUYERS}, by_status
    tickets = await scalar(engine, "SELECT count(*) FROM ticket WHERE event_id = :e", e=event_id)
    assert tickets == BUYERS
    _, reserved, sold = await counters(engine, tt["id"])
    assert (reserved, sold) == (0, BUYERS)


@pytest.fixture
def one_connection_api(stack: Stack) -> Iterator[str]:
    """A second API process on the test database whose request pool is one connection, given up
    after one second (DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0, DB_POOL_TIMEOUT_SECONDS=1)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "REDIS_URL": stack.redis_url,
        "VOELGOED_ENV": "test",
        "SECRET_KEY": "test-secret",
        "PORT": str(port),
        "DB_POOL_SIZE": "1",
        "DB_MAX_OVERFLOW": "0",
        "DB_POOL_TIMEOUT_SECONDS": "1",
    }
    log = (stack.data_dir / "one-connection-api.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voelgoed", "serve", "--port", str(port), "--data-dir", str(stack.data_dir)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (stack.data_dir / "one-connection-api.log").read_text()[-3000:]
            time.sleep(0.1)
        else:
            raise AssertionError("the one-connection API did not answer /health within 60 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


async def test_a_request_that_finds_no_free_connection_gets_503_with_retry_after(
    client: Api, engine: AsyncEngine, one_connection_api: str
) -> None:
    event = await organiser_with_event(client)
    await add_type(client, event["id"], quantity=10)
    async with engine.connect() as locker, Buyer(one_connection_api) as first, Buyer(one_connection_api) as second:
        # The first page view takes the pool's only connection and waits there on a table lock.
        await locker.execute(text("BEGIN"))
        # Fail, not hang, if some other session holds a lock on the table (e.g. a leaked stream).
        await locker.execute(text("SET LOCAL lock_timeout = '20s'"))
        await locker.execute(text("LOCK TABLE event IN ACCESS EXCLUSIVE MODE"))
        waiting = asyncio.create_task(first.get(f"/events/{event['slug']}"))
        for _ in range(600):
            blocked = await scalar(
                engine,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%FROM event%'",
            )
            if blocked:
                break
            await asyncio.sleep(0.05)
        assert blocked, "the first request never reached the lock"
        # The second finds no free connection: 503 problem+json with Retry-After, not a 500.
        busy = await second.get(f"/events/{event['slug']}")
        assert busy.status_code == 503, busy.text[:500]
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert int(busy.headers["retry-after"]) >= 1
        assert busy.json()["status"] == 503
        await locker.execute(text("ROLLBACK"))
        page = await waiting
        assert page.status_code == 200
