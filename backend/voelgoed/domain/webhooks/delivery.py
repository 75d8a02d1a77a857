"""Delivering webhooks: claim due deliveries, POST them signed, record what happened.

One run (`deliver_batch`): claim up to N due deliveries (delivery_sql.claim, a short transaction),
send them concurrently outside any transaction (each with a total timeout, through the guarded
client of safe_http.py), then record every attempt in one transaction:
- 2xx: the delivery succeeded; the endpoint's `failing_since` is cleared.
- 410 Gone: the receiver says the endpoint is gone: it is disabled at once, its pending deliveries
  cancelled, and its organisation's owners and admins are e-mailed.
- anything else (another status, a timeout, a refused address, a network error): one more attempt
  counted and the next one scheduled by RETRY_DELAYS (with jitter), about three days in all; after
  the last, the delivery failed. An endpoint failing without a single success for longer than
  WEBHOOKS_DISABLE_AFTER_HOURS, or still failing when a delivery has used its last attempt, is
  disabled and e-mailed about likewise.
Who calls it: the worker's dispatcher (dispatcher.py, woken by NOTIFY or every second) and the
cron sweep (jobs.py). Neither Redis nor the queue holds anything that is not in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

import httpx
import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine

from voelgoed.domain.webhooks import delivery_sql, signing
from voelgoed.domain.webhooks.delivery_sql import Claimed, Result
from voelgoed.domain.webhooks.outbox_sql import message_id
from voelgoed.domain.webhooks.safe_http import TargetRefused, url_refusal
from voelgoed.settings import WebhookSettings

log = logging.getLogger(__name__)

# After the first attempt (at once), the waits before each retry: Standard Webhooks' / Svix's
# schedule, its last step repeated so that the whole spans about three days (~67.6 h).
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    *(timedelta(hours=10),) * 6,
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2  # +-20 %: retries of one outage do not all arrive in the same second
EXCERPT_BYTES = 2048
ENVELOPE_ORDER = ("id", "type", "timestamp", "payload_version", "data")

# Told about endpoints disabled by this run: (organisation id, endpoint id, url, reason).
DisabledHook = Callable[[Sequence[tuple[uuid.UUID, uuid.UUID, str, str]]], Awaitable[None]]


def next_attempt_after(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` attempts (None: they are all used)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[attempts - 1].total_seconds()
    return now + timedelta(seconds=delay * random.uniform(1 - JITTER, 1 + JITTER))  # noqa: S311 (not a secret)


def body_of(payload: str) -> bytes:
    """The request body: the stored envelope with its keys in their documented order (JSONB keeps
    its own). The same bytes are signed and sent."""
    stored = msgspec.json.decode(payload)
    ordered = {k: stored[k] for k in ENVELOPE_ORDER if k in stored}
    ordered.update((k, v) for k, v in stored.items() if k not in ordered)
    return msgspec.json.encode(ordered)


def _request_excerpt(url: str, headers: dict[str, str], body: bytes) -> str:
    lines = [f"POST {url}", *(f"{k}: {v}" for k, v in headers.items()), ""]
    return "\n".join(lines) + "\n" + body[:EXCERPT_BYTES].decode("utf-8", "replace")


async def _post(client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    """POST and read at most EXCERPT_BYTES of the answer (a receiver's huge body is not ours to read)."""
    async with client.stream("POST", url, content=body, headers=headers) as response:
        read = b""
        async for chunk in response.aiter_bytes():
            read += chunk
            if len(read) >= EXCERPT_BYTES:
                break
        return response.status_code, read[:EXCERPT_BYTES].decode("utf-8", "replace")


async def attempt(client: httpx.AsyncClient, ws: WebhookSettings, c: Claimed) -> Result:
    """One attempt of one claimed delivery: never raises; the Result says what happened."""
    now = datetime.now(UTC)
    if c.endpoint_status != "enabled":  # disabled after this delivery was written
        return Result(c, now, 0, "", None, "", "endpoint disabled", verdict="cancel")
    body = body_of(c.payload)
    msg_id = message_id(c.event_id)
    started = time.perf_counter()
    status: int | None = None
    response_excerpt = ""
    error: str | None = None
    headers: dict[str, str] = {}
    try:
        secrets = signing.secrets_in_force(
            c.secret_encrypted, c.previous_secret_encrypted, c.previous_secret_expires_at, now
        )
        headers = signing.headers(secrets, msg_id, int(now.timestamp()), body)
        refusal = url_refusal(c.url, ws)
        if refusal:
            raise TargetRefused(refusal)
        async with asyncio.timeout(ws.timeout_seconds):
            status, response_excerpt = await _post(client, c.url, headers, body)
    except TargetRefused as exc:
        error = str(exc)
    except TimeoutError:
        error = f"timed out after {ws.timeout_seconds:g} s"
    except httpx.TimeoutException as exc:
        error = f"timed out ({type(exc).__name__})"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
    except Exception as exc:  # a bug or a bad stored secret: recorded, retried, never kills the run
        log.exception("webhook delivery %s: unexpected error", c.id)
        error = f"internal error: {type(exc).__name__}"
    duration_ms = int((time.perf_counter() - started) * 1000)
    attempts = c.attempts + 1
    if status is not None and 200 <= status < 300:
        verdict, next_at = "succeed", None
    elif status == 410:
        verdict, next_at = "give_up", None
    else:
        next_at = next_attempt_after(attempts, now)
        verdict = "retry" if next_at else "give_up"
    if status is not None and not 200 <= status < 300 and error is None:
        error = f"HTTP {status}"
    return Result(
        c,
        now,
        duration_ms,
        _request_excerpt(c.url, headers, body),
        status,
        response_excerpt,
        error,
        verdict=verdict,
        next_attempt_at=next_at,
    )


def lease_for(ws: WebhookSettings, now: datetime) -> datetime:
    """Until when a claim keeps other workers off: the request ends within the timeout, then a short
    transaction records it."""
    return now + timedelta(seconds=ws.timeout_seconds * 2 + 5)


async def claim_due(
    engine: AsyncEngine,
    ws: WebhookSettings,
    limit: int,
    *,
    ids: Sequence[uuid.UUID] | None = None,
    skip_endpoints: Sequence[uuid.UUID] = (),
) -> list[Claimed]:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        return await delivery_sql.claim(
            conn, now=now, lease_until=lease_for(ws, now), limit=limit, ids=ids, skip_endpoints=skip_endpoints
        )


async def record_results(
    engine: AsyncEngine, results: Sequence[Result], ws: WebhookSettings, on_disabled: DisabledHook | None
) -> None:
    """Record attempts (one transaction), then tell `on_disabled` of endpoints this disabled."""
    disabled = await _record(engine, results, ws)
    if disabled and on_disabled is not None:
        try:
            await on_disabled(disabled)
        except Exception:  # the e-mail is a courtesy; the endpoint is disabled either way
            log.exception("webhook endpoints disabled, e-mail not queued")


async def deliver_batch(
    engine: AsyncEngine,
    client: httpx.AsyncClient,
    ws: WebhookSettings,
    *,
    limit: int | None = None,
    ids: Sequence[uuid.UUID] | None = None,
    on_disabled: DisabledHook | None = None,
) -> int:
    """Claim, send and record one batch; the number of deliveries attempted (0: nothing was due).
    (The sweep and tests; the dispatcher pipelines the same steps, dispatcher.py.)"""
    claimed = await claim_due(engine, ws, limit or ws.batch_size, ids=ids)
    if not claimed:
        return 0
    gate = asyncio.Semaphore(ws.concurrency)

    async def one(c: Claimed) -> Result:
        async with gate:
            return await attempt(client, ws, c)

    results = await asyncio.gather(*(one(c) for c in claimed))
    await record_results(engine, results, ws, on_disabled)
    return len(claimed)


async def _record(
    engine: AsyncEngine, results: Sequence[Result], ws: WebhookSettings
) -> list[tuple[uuid.UUID, uuid.UUID, str, str]]:
    now = datetime.now(UTC)
    disabled: list[tuple[uuid.UUID, uuid.UUID, str, str]] = []
    async with engine.begin() as conn:
        await delivery_sql.record(conn, results, now=now)
        gone = {r.claimed.endpoint_id for r in results if r.status_code == 410}
        for endpoint_id in gone:
            reason = "the endpoint answered 410 Gone"
            row = await delivery_sql.disable_endpoint(conn, endpoint_id, reason, now=now)
            if row:
                disabled.append((row[0], endpoint_id, row[1], reason))
        failing = {r.claimed.endpoint_id for r in results if r.verdict in ("retry", "give_up")} - gone
        if failing:
            exhausted = {r.claimed.endpoint_id for r in results if r.verdict == "give_up"}
            disable_before = now - timedelta(hours=ws.disable_after_hours)
            for endpoint_id in await delivery_sql.endpoints_failing_too_long(
                conn, list(failing), list(exhausted), disable_before
            ):
                reason = "every delivery failed for too long" + (
                    " (a delivery used its last attempt)" if endpoint_id in exhausted else ""
                )
                row = await delivery_sql.disable_endpoint(conn, endpoint_id, reason, now=now)
                if row:
                    disabled.append((row[0], endpoint_id, row[1], reason))
    for org, endpoint_id, url, reason in disabled:
        log.warning("webhook endpoint %s (%s) of %s disabled: %s", endpoint_id, url, org, reason)
    return disabled


async def deliver_until_idle(
    engine: AsyncEngine,
    client: httpx.AsyncClient,
    ws: WebhookSettings,
    *,
    within: float,
    on_disabled: DisabledHook | None = None,
) -> int:
    """Batches until nothing is due or `within` seconds have passed (the cron sweep)."""
    deadline = time.monotonic() + within
    total = 0
    while time.monotonic() < deadline:
        n = await deliver_batch(engine, client, ws, on_disabled=on_disabled)
        total += n
        if n == 0:
            break
    return total
