"""SAQ: the one queue configuration, the job list and the cron schedule.

The API enqueues; `voelgoed worker` (started beside the API by `voelgoed run`) processes. What
jobs use (database, Redis, the queue) is made at start-up and closed at shutdown: worker_context.py.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter
from saq import CronJob, Queue
from saq.types import SettingsDict

from voelgoed import worker_context
from voelgoed.db import cron_ticks
from voelgoed.domain.dashboards.jobs import BUILD_DASHBOARD_SNAPSHOTS_CRON
from voelgoed.domain.exports.jobs import REQUEUE_STALLED_EXPORTS_CRON, run_export
from voelgoed.domain.notifications.jobs import send_email
from voelgoed.domain.notifications.reminders import QUEUE_EVENT_REMINDERS_CRON, send_event_reminder
from voelgoed.domain.orders.jobs import RELEASE_EXPIRED_HOLDS_CRON
from voelgoed.domain.refunds.jobs import SWEEP_REFUNDS_CRON, notify_refund, process_refund, refund_late_payment
from voelgoed.domain.tickets.jobs import REDELIVER_MISSED_TICKETS_CRON, deliver_order_tickets
from voelgoed.domain.webhooks.jobs import SWEEP_WEBHOOK_DELIVERIES_CRON, start_dispatcher, stop_dispatcher
from voelgoed.lib.media_store import configure_media_urls, urls_for
from voelgoed.lib.memory import limit_malloc_arenas, release_free_memory
from voelgoed.lib.metrics import QUEUE_DEPTH, observe_job, serve_metrics
from voelgoed.lib.redis_client import DeferringQueue, RedisBreaker, make_request_redis
from voelgoed.lib.tracing import start_tracing
from voelgoed.settings import Settings
from voelgoed.worker_context import DEQUEUE_TIMEOUT_SECONDS, QUEUE_NAME, make_queue
from voelgoed.workflows.event_cancellation_jobs import (
    RESUME_EVENT_CANCELLATIONS_CRON,
    run_event_cancellation,
    send_event_cancelled_email,
)
from voelgoed.workflows.personal_data_jobs import PERSONAL_DATA_SWEEP_CRON
from voelgoed.workflows.waiting_list_jobs import OFFER_WAITING_LISTS_CRON

__all__ = ["CRON_JOBS", "FUNCTIONS", "QUEUE_NAME", "make_queue", "make_request_queue", "worker_settings"]

log = logging.getLogger("voelgoed.worker")

# Jobs enqueued by name. A cron job's function is not listed again: SAQ registers both lists by
# name in no fixed order, and the plain function could replace the claiming wrapper (once_per_tick),
# which already runs an unscheduled enqueue (`offer_waiting_list(event_id=...)`) unclaimed.
FUNCTIONS: list[Any] = [
    send_email,
    deliver_order_tickets,
    run_export,
    run_event_cancellation,
    send_event_cancelled_email,
    process_refund,
    notify_refund,
    refund_late_payment,
    send_event_reminder,
]
# Jobs that build large native buffers (WeasyPrint, CSV chunks): their freed memory goes back to
# the kernel after each run (lib/memory.py; measured by bench/memory).
HEAVY_JOBS = frozenset({"deliver_order_tickets", "run_export"})
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def tick_of(cron: str, scheduled: float) -> datetime:
    """The cron tick a run belongs to: the latest one at or before its scheduled time (SAQ schedules
    a cron job at the tick itself)."""
    at = datetime.fromtimestamp(scheduled, UTC)
    tick: datetime = croniter(cron, at + timedelta(seconds=1)).get_prev(datetime)
    return tick


def once_per_tick(cron_job: CronJob[Any]) -> CronJob[Any]:
    """The same cron job, whose body runs only for the worker that claims (job, tick) in
    PostgreSQL (db/cron_ticks.py): SAQ's own de-duplication lives in Redis, which may forget.
    Only a run scheduled for a tick (SAQ's scheduler sets `scheduled` to the tick) claims it: the
    same function enqueued to run now (an operator, a test: `queue.apply("sweep_refunds")`) runs."""
    body = cron_job.function
    name = body.__qualname__

    @functools.wraps(body)
    async def claimed(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        job = ctx.get("job")
        if job is None or not job.scheduled:
            return await body(ctx, *args, **kwargs)
        tick = tick_of(cron_job.cron, job.scheduled)
        if not await cron_ticks.claim(worker_context.db_engine(ctx), name, tick, WORKER_NAME):
            log.info("cron %s tick %s: already run, skipped", name, tick.isoformat(), extra={"job": name})
            return None
        log.info("cron %s tick %s: run", name, tick.isoformat(), extra={"job": name})
        return await body(ctx, *args, **kwargs)

    return dataclasses.replace(cron_job, function=claimed)


CRON_JOBS: list[Any] = [
    once_per_tick(job)
    for job in (
        RELEASE_EXPIRED_HOLDS_CRON,
        BUILD_DASHBOARD_SNAPSHOTS_CRON,
        REDELIVER_MISSED_TICKETS_CRON,
        REQUEUE_STALLED_EXPORTS_CRON,
        RESUME_EVENT_CANCELLATIONS_CRON,
        SWEEP_REFUNDS_CRON,
        PERSONAL_DATA_SWEEP_CRON,
        OFFER_WAITING_LISTS_CRON,
        QUEUE_EVENT_REMINDERS_CRON,
        SWEEP_WEBHOOK_DELIVERIES_CRON,
    )
]


def make_request_queue(redis_url: str, breaker: RedisBreaker) -> Queue:
    """The API's queue: enqueues bounded by the breaker's timeout; a job Redis does not take is
    kept and enqueued later, never making the response wait (lib/redis_client.py)."""
    return DeferringQueue(make_request_redis(redis_url, breaker), name=QUEUE_NAME)


async def _before(ctx: dict[str, Any]) -> None:
    job = ctx.get("job")
    if job is not None:
        log.info(
            "job start %s (attempt %s)",
            job.function,
            job.attempts,
            extra={"job": job.function, "job_id": job.key},
        )


async def _after(ctx: dict[str, Any]) -> None:
    job = ctx.get("job")
    if job is not None:
        log.info("job %s %s", job.function, job.status, extra={"job": job.function, "job_id": job.key})
        process_ms = job.duration("process")
        observe_job(job.function, str(job.status), process_ms / 1000 if process_ms is not None else None)
        if job.function in HEAVY_JOBS:
            release_free_memory()


def worker_settings(queue: Queue, settings: Settings) -> SettingsDict:
    async def startup(ctx: dict[str, Any]) -> None:
        # Before the first asyncio.to_thread starts the worker threads (lib/memory.py).
        limit_malloc_arenas(settings.server.malloc_arena_max)
        ctx["settings"] = settings  # jobs read it with settings.job_settings(ctx)
        # Logo and image URLs in e-mails (organizations/branding.py) use the same addresses as the API.
        configure_media_urls(urls_for(settings.media, settings.server.public_url))
        await worker_context.startup(ctx)  # what every job uses (database, Redis, the queue)
        await start_dispatcher(ctx)  # webhooks within a second of their commit (domain/webhooks/dispatcher.py)
        obs = settings.observability
        start_tracing(obs.otlp_endpoint, obs.service_name, role="worker")
        if obs.worker_metrics_port:
            # Each worker serves its own metrics (job counts and durations, its pool, the queue's
            # depth); Prometheus scrapes every worker (docs/operations.md, "Observability").
            async def refresh_queue_depth() -> None:
                for kind in ("queued", "active", "incomplete"):
                    QUEUE_DEPTH.values[kind] = await queue.count(kind)

            try:
                ctx["metrics_server"] = await serve_metrics(
                    obs.worker_metrics_host, obs.worker_metrics_port, obs.metrics_token, refresh_queue_depth
                )
            except OSError as exc:  # e.g. two workers on one host given the same port: work on, unseen
                where = f"{obs.worker_metrics_host}:{obs.worker_metrics_port}"
                log.error("worker metrics not served on %s: %s", where, exc)

    async def shutdown(ctx: dict[str, Any]) -> None:
        server = ctx.pop("metrics_server", None)
        if server is not None:
            server.close()
        await stop_dispatcher(ctx)
        await worker_context.shutdown(ctx)

    return {
        "queue": queue,
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "concurrency": settings.server.worker_concurrency,
        "dequeue_timeout": DEQUEUE_TIMEOUT_SECONDS,  # under the client's read timeout (worker_context.py)
        "startup": startup,
        "shutdown": shutdown,
        "before_process": _before,
        "after_process": _after,
    }
