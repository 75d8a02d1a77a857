"""Debug figures for benchmarks: the hold batcher's counters (group commit at work).

Mounted only when VOELGOED_ENV is not production (see app.py); not in the OpenAPI document.
Reads in-process counters only, so it costs nothing and touches no database.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, get

from voelgoed.auth.permissions import Access, access
from voelgoed.workflows import checkout


class HoldBatcherStats(msgspec.Struct):
    batches: int  # committed batch transactions (a batch retried one by one counts each retry)
    requests: int  # hold requests answered by those batches
    average_batch: float  # requests / batches
    max_batch: int  # the configured ceiling (RESERVE_BATCH_MAX)
    window_ms: float  # how long an idle queue waits for company (RESERVE_BATCH_WINDOW_MS)


class DebugController(Controller):
    path = "/debug"
    include_in_schema = False

    @get("/hold-batcher", opt=access(Access.PUBLIC), operation_id="debugHoldBatcher")
    async def hold_batcher(self) -> HoldBatcherStats:
        """Totals over this process's batchers (one per database engine; normally exactly one)."""
        batchers = list(checkout._batchers.values())
        batches = sum(b.batches for b in batchers)
        requests = sum(b.requests for b in batchers)
        return HoldBatcherStats(
            batches=batches,
            requests=requests,
            average_batch=round(requests / batches, 3) if batches else 0.0,
            max_batch=max((b.max_batch for b in batchers), default=0),
            window_ms=max((b.window * 1000 for b in batchers), default=0.0),
        )
