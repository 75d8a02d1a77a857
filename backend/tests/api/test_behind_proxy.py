"""Behind a reverse proxy: rate limits count per real client, and a client cannot choose its own.

The test product trusts 127.0.0.1 as its proxy (TRUSTED_PROXIES in tests/conftest.py). A client
connecting from 127.0.0.1 is therefore "the proxy" and its X-Forwarded-For names the client; a
client connecting from 127.0.0.2 (also loopback, but not trusted) is a client talking to the API
directly, whose X-Forwarded-For is a forgery. The limit used is device pairing: 20 attempts per
client per 10 minutes (domain/devices/controllers.py); a wrong code answers 4xx and still counts.
"""

from __future__ import annotations

import httpx

from tests.conftest import Stack

PAIR_LIMIT = 20


async def _pair(http: httpx.AsyncClient, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    r = await http.post("/api/devices/pair", json={"code": "WRONG-CODE"}, headers=headers)
    assert r.status_code != 500, r.text
    return r.status_code


def _client(stack: Stack, source: str) -> httpx.AsyncClient:
    """A client whose TCP connections come from `source` (any 127/8 address is this machine)."""
    return httpx.AsyncClient(
        base_url=stack.base_url, timeout=20, transport=httpx.AsyncHTTPTransport(local_address=source)
    )


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(stack: Stack) -> None:
    async with _client(stack, "127.0.0.1") as proxy:
        first = [await _pair(proxy, "198.51.100.7") for _ in range(PAIR_LIMIT)]
        assert 429 not in first
        assert await _pair(proxy, "198.51.100.7") == 429  # this buyer used up their attempts
        # Another buyer behind the same proxy is not throttled by the first one's attempts ...
        assert await _pair(proxy, "198.51.100.8") != 429
        # ... and the right-most hop not ours is the client: hops it wrote itself do not change it.
        assert await _pair(proxy, "203.0.113.99, 198.51.100.7") == 429
        # Without the header the proxy itself is the client, again a bucket of its own.
        assert await _pair(proxy) != 429


async def test_a_forged_forwarded_for_from_an_untrusted_peer_keeps_its_own_bucket(stack: Stack) -> None:
    async with _client(stack, "127.0.0.2") as direct:
        statuses = [await _pair(direct, f"198.51.100.{i}") for i in range(PAIR_LIMIT)]
        assert 429 not in statuses
        # A fresh forged address each time, and still one bucket: the peer's own.
        assert await _pair(direct, "192.0.2.200") == 429
        assert await _pair(direct) == 429
    # The forged addresses got no attempts counted against them (through the trusted proxy).
    async with _client(stack, "127.0.0.1") as proxy:
        assert await _pair(proxy, "198.51.100.3") != 429
