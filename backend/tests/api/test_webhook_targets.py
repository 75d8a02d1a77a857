"""Where webhooks may go (SSRF) and the timeout of an attempt, run in the test's own process.

The product under test allows private targets (VOELGOED_ENV=test), so these deliveries are made
not due for its worker (next attempt tomorrow) and delivered here by `deliver_batch(ids=...)` with
the settings under test: private targets refused, a one-second timeout.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.webhook_helpers import add_endpoint, attempts, deliveries
from tests.conftest import Api, sign_up
from voelgoed.domain.webhooks import outbox_sql
from voelgoed.domain.webhooks.delivery import deliver_batch
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.safe_http import address_refusal, check_target_url, delivery_client
from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import WebhookSettings, get_settings
from voelgoed.testing.webhook_receivers import Receiver

GUARDED = WebhookSettings(allow_private_targets=False, require_https=False, timeout_seconds=2)


@pytest.fixture(autouse=True)
def _test_secret_key() -> None:
    """Decrypt endpoint secrets as the product under test does (SECRET_KEY of tests/conftest.py)."""
    os.environ["SECRET_KEY"] = "test-secret"
    get_settings.cache_clear()


@pytest.fixture
async def org(client: Api) -> str:
    await sign_up(client)
    return client.org_id


async def not_due_deliveries(engine: AsyncEngine, org: str, endpoint_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """One event to these endpoints, its deliveries due tomorrow (the product's worker leaves them)."""
    async with AsyncSession(engine) as session, session.begin():
        await outbox_sql.record(
            session,
            organization_id=uuid.UUID(org),
            event_type=WebhookEventType.ORDER_PAID,
            data={"order": {"reference": "VG-1"}},
            endpoint_ids=endpoint_ids,
        )
        ids = await session.scalars(
            text(
                "UPDATE webhook_delivery SET next_attempt_at = now() + interval '1 day'"
                " WHERE endpoint_id = ANY(CAST(:e AS uuid[])) RETURNING id"
            ),
            {"e": endpoint_ids},
        )
        return list(ids)


@pytest.fixture
async def listeners() -> AsyncIterator[list[Receiver]]:
    """Receivers on loopback (v4 and, where the machine has it, v6) that count every connection."""
    started = [await Receiver().start()]
    with contextlib.suppress(OSError):
        started.append(await Receiver(host="::1").start())
    yield started
    for r in started:
        await r.stop()


async def test_private_targets_are_refused_without_any_connection(
    engine: AsyncEngine, org: str, listeners: list[Receiver]
) -> None:
    v4 = listeners[0]
    urls = [
        v4.url,
        f"http://localhost:{v4.port}/hook",
        f"http://[::ffff:127.0.0.1]:{v4.port}/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/hook",
        "http://[fd00::1]/hook",
    ]
    if len(listeners) > 1:
        urls.append(listeners[1].url)  # http://[::1]:port
    name = socket.gethostname()  # a name, not an address: refused after resolving (to loopback here)
    resolved = {info[4][0] for info in socket.getaddrinfo(name, None)}
    if resolved and all(address_refusal(ipaddress.ip_address(a)) for a in resolved):
        urls.append(f"http://{name}:{v4.port}/hook")
    endpoint_ids = [(await add_endpoint(engine, org, url))[0] for url in urls]
    ids = await not_due_deliveries(engine, org, endpoint_ids)
    async with delivery_client(GUARDED) as client:
        assert await deliver_batch(engine, client, GUARDED, ids=ids) == len(urls)
    assert sum(r.connections for r in listeners) == 0
    for url, endpoint_id in zip(urls, endpoint_ids, strict=True):
        (a,) = await attempts(engine, endpoint_id)
        assert a["error"] and a["error"].startswith("refused"), (url, a["error"])
        assert a["response_status"] is None
        (d,) = await deliveries(engine, endpoint_id)
        assert (d["status"], d["attempts"]) == ("pending", 1), url  # retried later, like any failure
    # Allowed (development, tests): the same loopback receiver gets it.
    allowed = WebhookSettings(allow_private_targets=True)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE webhook_delivery SET leased_until = NULL WHERE id = :d"), {"d": ids[0]})
    async with delivery_client(allowed) as client:
        assert await deliver_batch(engine, client, allowed, ids=[ids[0]]) == 1
    assert v4.count == 1


async def test_check_target_url_at_endpoint_creation() -> None:
    production = WebhookSettings(allow_private_targets=False, require_https=True)

    async def public(host: str, port: int) -> list[str]:  # a stand-in resolver: no DNS in tests
        return ["93.184.215.14"]

    for url in [
        "http://hooks.example.com/x",  # not https
        "https://127.0.0.1/x",
        "https://10.0.0.8/x",
        "https://169.254.169.254/",
        "https://[::1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://localhost/x",
        "https://printer.local/x",
        "https://user:pw@hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "https:///x",
    ]:
        with pytest.raises(Unprocessable):
            await check_target_url(url, production, resolve=public)
    await check_target_url("https://hooks.example.com/voelgoed", production, resolve=public)
    development = WebhookSettings(allow_private_targets=True)
    await check_target_url("http://127.0.0.1:9000/x", development)
    for address, refused in [
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("100.64.0.1", True),  # carrier-grade NAT
        ("224.0.0.1", True),
        ("::", True),
        ("fe80::1", True),
        ("2002:7f00:1::", True),  # 6to4 carrying 127.0.0.1
        ("64:ff9b::a00:1", True),  # NAT64 carrying 10.0.0.1
    ]:
        assert (address_refusal(ipaddress.ip_address(address)) is not None) is refused, address


async def test_a_slow_receiver_times_out_and_is_retried(engine: AsyncEngine, org: str) -> None:
    slow = await Receiver(delay=5).start()
    try:
        endpoint_id, _ = await add_endpoint(engine, org, slow.url)
        ids = await not_due_deliveries(engine, org, [endpoint_id])
        quick = WebhookSettings(allow_private_targets=True, timeout_seconds=1)
        async with delivery_client(quick) as client:
            await deliver_batch(engine, client, quick, ids=ids)
        (a,) = await attempts(engine, endpoint_id)
        assert a["error"].startswith("timed out") and a["response_status"] is None
        assert 900 <= a["duration_ms"] < 2500
        (d,) = await deliveries(engine, endpoint_id)
        assert (d["status"], d["attempts"], d["leased_until"]) == ("pending", 1, None)
        assert slow.count == 1
    finally:
        await slow.stop()
