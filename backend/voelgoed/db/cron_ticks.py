"""Once per tick: a cron job's run claims its (job, tick) row in PostgreSQL first.

Every worker runs SAQ's scheduler. SAQ enqueues a cron job under one key per function
(`cron:<name>`), which collapses the workers' enqueues only while Redis remembers that key:
a worker whose clock is behind enqueues a tick that already ran, and a Redis that lost its data
(restarted without persistence, failed over) forgets what was queued. PostgreSQL is the authority:
the job's body runs only for the worker whose INSERT of (job, tick) went in (worker.py wraps every
cron job). A tick's row is written in its own transaction before the body runs, so a run that
fails after its claim is not repeated within that tick; the next tick runs it again (every cron job
of the product is a sweep that catches up, docs/operations.md "Cron jobs").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from advanced_alchemy.base import orm_registry
from sqlalchemy import DateTime, String, delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

KEEP = timedelta(days=2)  # claims older than this are deleted (by the next claims): enough to read back


class _Base(DeclarativeBase):
    registry = orm_registry


class CronTick(_Base):
    """One run of a cron job for one scheduled tick (system table, not organisation-owned)."""

    __tablename__ = "cron_tick"

    job: Mapped[str] = mapped_column(String(100), primary_key=True)
    tick: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    worker: Mapped[str] = mapped_column(String(200))


async def claim(engine: AsyncEngine, job: str, tick: datetime, worker: str) -> bool:
    """True for exactly one caller per (job, tick), whichever worker or process asks."""
    async with engine.begin() as conn:
        won = await conn.scalar(
            insert(CronTick)
            .values(job=job, tick=tick, worker=worker)
            .on_conflict_do_nothing(index_elements=["job", "tick"])
            .returning(CronTick.job)
        )
        if won is not None:
            await conn.execute(delete(CronTick).where(CronTick.job == job, CronTick.tick < tick - KEEP))
    return won is not None
