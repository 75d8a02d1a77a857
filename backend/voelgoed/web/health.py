from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Response, get
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.lib.openapi_answers import json_answer


class Health(msgspec.Struct):
    """The process is alive."""

    status: Annotated[Literal["ok"], msgspec.Meta(description="Always `ok`.")]


class Readiness(msgspec.Struct):
    """Whether the product can serve requests."""

    status: Annotated[
        Literal["ok", "degraded", "unavailable"],
        msgspec.Meta(
            description="`ok`; `degraded`: Redis is down (still serving); `unavailable`: the database is down."
        ),
    ]
    database: Annotated[str, msgspec.Meta(description="`ok` or what failed.", examples=["ok"])]
    redis: Annotated[str, msgspec.Meta(description="`ok` or what failed.", examples=["ok"])]


class HealthController(Controller):
    tags = ["health"]

    @get("/health", operation_id="health", opt=access(Access.PUBLIC), summary="Liveness probe")
    async def health(self) -> Health:
        """Answers 200 while the process runs; it checks nothing else (see /ready). For load balancers and uptime
        probes."""
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="ready",
        opt=access(Access.PUBLIC),
        summary="Readiness: the database answers (Redis is reported, not required)",
        responses=json_answer(Readiness, "Not ready: the database does not answer (status `unavailable`)", 503),
    )
    async def ready(self, db_session: AsyncSession, redis: Redis) -> Response[Readiness]:
        """Answers 200 when the database answers within 2 seconds; Redis is reported but not required, since the
        product works without it (slower, no rate limits). 503 when the database does not answer."""

        async def check_db() -> str:
            try:
                await asyncio.wait_for(db_session.execute(text("SELECT 1")), 2)
                return "ok"
            except Exception as exc:  # any failure means "not ready"; say which
                return f"error: {type(exc).__name__}"

        async def check_redis() -> str:
            try:
                await asyncio.wait_for(redis.ping(), 2)
                return "ok"
            except Exception as exc:
                return f"error: {type(exc).__name__}"

        db, rd = await check_db(), await check_redis()
        # PostgreSQL is the authority; without Redis the API still sells and scans (slower caches,
        # rate limits open, jobs kept to enqueue later), so a Redis outage must not take every
        # instance out of a load balancer: "degraded", still 200.
        status: Literal["ok", "degraded", "unavailable"] = (
            "unavailable" if db != "ok" else "ok" if rd == "ok" else "degraded"
        )
        return Response(
            Readiness(status=status, database=db, redis=rd),
            status_code=503 if db != "ok" else 200,
        )
