from __future__ import annotations

import asyncio
from typing import Literal

import msgspec
from litestar import Controller, Response, get
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.lib.openapi_answers import json_answer


class Health(msgspec.Struct):
    status: Literal["ok"]


class Readiness(msgspec.Struct):
    status: Literal["ok", "degraded", "unavailable"]
    database: str
    redis: str


class HealthController(Controller):
    tags = ["health"]

    @get("/health", operation_id="health", opt=access(Access.PUBLIC), summary="Liveness")
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="ready",
        opt=access(Access.PUBLIC),
        summary="Readiness: the database answers (Redis is reported, not required)",
        responses=json_answer(Readiness, "Not ready: the database does not answer (status `unavailable`)", 503),
    )
    async def ready(self, db_session: AsyncSession, redis: Redis) -> Response[Readiness]:
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
