"""Fixed-window rate limits in Redis.

Redis is an accelerator here: if it is unreachable the limit is not enforced, because refusing
every sign-in (or every purchase) while Redis restarts would be worse than a short unthrottled
window. The request client (lib/redis_client.py) bounds each call and logs the outage once.

Limits per client key on lib/client_address.client_address (the forwarded client behind a trusted
proxy, the peer otherwise), never on the raw peer: behind a proxy that would put every buyer in
one bucket.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.asyncio import Redis
from redis.exceptions import RedisError

from voelgoed.lib.problems import TooManyRequests
from voelgoed.lib.redis_client import RedisUnavailable

log = logging.getLogger(__name__)


def _level(exc: Exception) -> int:
    # An outage is logged once per period by the breaker; anything else is worth a warning here.
    return logging.DEBUG if isinstance(exc, RedisUnavailable) else logging.WARNING


async def hit(redis: Redis, key: str, limit: int, window_seconds: int) -> None:
    """Count one attempt under `key`; raise 429 once more than `limit` happen in the window."""
    quota = await consume(redis, key, limit, window_seconds)
    if quota is not None and quota.exceeded:
        retry = max(quota.reset_seconds, 1)
        raise TooManyRequests(f"Too many attempts. Try again in {retry} seconds.", headers={"Retry-After": str(retry)})


async def reset(redis: Redis, key: str) -> None:
    try:
        await redis.delete(f"rl:{key}")
    except RedisError as exc:
        log.log(_level(exc), "rate limiter unavailable; could not reset %s", key)


@dataclass(frozen=True)
class Quota:
    """Where a caller stands in its current window, for the IETF `RateLimit-*` headers."""

    limit: int
    remaining: int
    reset_seconds: int

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(self.remaining, 0)),
            "RateLimit-Reset": str(self.reset_seconds),
        }


async def consume(redis: Redis, key: str, limit: int, window_seconds: int) -> Quota | None:
    """Count one request under `key` and say where the caller stands (None: Redis is down, so
    nothing is enforced, as with `hit`). The caller decides what to do when `exceeded`."""
    full_key = f"rl:{key}"
    try:
        # SET NX starts the window; INCR counts (works on Redis 6.2, which has no EXPIRE NX).
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(full_key, 0, ex=window_seconds, nx=True)
            pipe.incr(full_key)
            pipe.ttl(full_key)
            _, count, ttl = await pipe.execute()
    except RedisError as exc:
        log.log(_level(exc), "rate limiter unavailable; allowing %s", key)
        return None
    reset = int(ttl) if int(ttl) > 0 else window_seconds
    return Quota(limit=limit, remaining=limit - int(count), reset_seconds=reset)


QUOTA_STATE_KEY = "rate_limit_quota"


def quota_headers_middleware(app: ASGIApp) -> ASGIApp:
    """Adds `RateLimit-*` headers to every answer (errors included) of a request whose caller has a
    quota: the guard stores it in the request's state (auth/api_key.py)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                quota = (scope.get("state") or {}).get(QUOTA_STATE_KEY)
                if isinstance(quota, Quota):
                    headers: list[Any] = list(message.get("headers", []))
                    headers += [(k.lower().encode(), v.encode()) for k, v in quota.headers().items()]
                    message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_quota)

    return middleware
