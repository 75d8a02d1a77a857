"""Enqueueing the waiting list's offer run (the job itself crosses areas: workflows/waiting_list_jobs.py)."""

from __future__ import annotations

import uuid

from saq import Queue


async def enqueue_offer_run(queue: Queue | None, event_id: uuid.UUID | str) -> None:
    """After stock came back (a cancellation, a refund, a withdrawn offer): offer it to the next in
    line now rather than at the next minute's cron run. Without a queue the cron run does it."""
    if queue is None:
        return
    await queue.enqueue(
        "offer_waiting_list",
        event_id=str(event_id),
        retries=3,
        retry_delay=1.0,
        retry_backoff=True,
        timeout=60,
    )
