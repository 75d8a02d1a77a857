"""Server-Sent Events reach a browser at once: every browser sends `Accept-Encoding: gzip`, and a
compressed event stream is held back in the compressor (nothing arrives for many seconds, and the
organiser's check-in page falls back to polling). Each stream is opened as a browser opens it and
must deliver its first event uncompressed, with the headers that keep proxies from buffering it.

The reads are bounded (a stuck stream fails the test instead of hanging it); no speed is asserted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.checkin_support import live_event, pair, scan_body
from tests.conftest import Api, Stack, sign_up

BROWSER_HEADERS = {"Accept": "text/event-stream", "Accept-Encoding": "gzip, deflate, br"}
WAIT = 10.0  # seconds: a bound on waiting, far above what a live stream needs


async def _next_event(response: httpx.Response, name: str) -> dict[str, Any]:
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == name:
            return dict(json.loads(line.split(":", 1)[1]))
    raise AssertionError("the stream ended without a " + name)


async def _first_event(api: httpx.AsyncClient, url: str, name: str) -> tuple[httpx.Headers, dict[str, Any]]:
    """Open the stream like EventSource does and return its headers and first `name` event."""
    async with api.stream("GET", url, headers=BROWSER_HEADERS) as response:
        assert response.status_code == 200
        return response.headers, await _next_event(response, name)


def _assert_live_headers(headers: httpx.Headers) -> None:
    assert headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in headers, headers
    assert headers["cache-control"] == "no-cache"
    assert headers["x-accel-buffering"] == "no"


async def test_scan_stream_opens_at_once_and_delivers_a_scan_to_a_browser(
    client: Api, stack: Stack, engine: AsyncEngine
) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    url = client.org(f"/events/{s.event_id}/scans/stream")
    # No scan yet: the response must still start (EventSource's `open`, the page's "Live").
    try:
        opening = client.stream("GET", url, headers=BROWSER_HEADERS)
        response = await asyncio.wait_for(opening.__aenter__(), WAIT)
    except TimeoutError:
        raise AssertionError(f"the stream did not open within {WAIT} s (its start is held back)") from None
    try:
        assert response.status_code == 200
        _assert_live_headers(response.headers)
        device = await pair(client, stack.base_url, [s.event_id], s.gates[0].id)
        try:
            ok = await device.post("/api/checkin/scans", json=scan_body(s.event.tickets[0].payload, s.gates[0].id))
            assert ok.json()["result"] == "ok", ok.text
        finally:
            await device.aclose()
        try:
            scan = await asyncio.wait_for(_next_event(response, "scan"), WAIT)
        except TimeoutError:
            raise AssertionError(f"no scan event within {WAIT} s of the scan (the stream is held back)") from None
        assert scan["result"] == "ok"
        assert scan["gate_id"] == s.gates[0].id
    finally:
        await opening.__aexit__(None, None, None)


async def test_dashboard_stream_delivers_its_first_summary_to_a_browser(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    s = await live_event(client, engine, tickets=1)
    url = client.org(f"/events/{s.event_id}/dashboard/stream")
    try:
        headers, summary = await asyncio.wait_for(_first_event(client, url, "summary"), WAIT)
    except TimeoutError:
        raise AssertionError(f"no summary within {WAIT} s (the stream is held back)") from None
    _assert_live_headers(headers)
    assert summary["sold"] >= 0
