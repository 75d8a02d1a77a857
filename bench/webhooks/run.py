"""Webhooks benchmark: N events to 10 local receivers by W worker processes, one killed mid-run.

1. An outbox of its own (voelgoed/testing/webhook_outbox.py: embedded PostgreSQL and Redis in a
   temp folder, migrated, one organisation) with 10 endpoints, each a fast asyncio receiver in this
   process (voelgoed/testing/webhook_receivers.py) that notes each request's `webhook-id` and
   arrival time.
2. Raw baseline in the same run: plain unsigned POSTs of the same body size from this one process
   with the same HTTP client (httpx), 20 in flight, to the same receivers: requests/s.
3. W `voelgoed worker` processes start (`--workers`, 2); N events (`--events`, default 100,000)
   are recorded with `outbox_sql.record` while they deliver, each event to one of the 10 endpoints
   in turn (`--endpoints`): N deliveries. Flat out in transactions of 100 (then commit -> delivery
   measures the backlog: recording outpaces delivery), or `--rate` events/s in transactions of 10
   (commit -> delivery of a product below its capacity).
4. When a third of the deliveries have arrived, one worker is killed with SIGKILL and started again.
5. Figures: deliveries/s (end to end and per worker) and its ratio to the raw baseline per
   process; p50/p99 from an event's commit (its `created_at`, written just before the commit) to
   its arrival; lost = (event, endpoint) pairs that never arrived (must be 0); duplicates (a
   re-sent `webhook-id` to the same endpoint: the killed worker's requests in flight).

    just bench-webhooks                    # 100,000 events
    just bench-webhooks --events 5000      # a quick look
Prints figures and writes bench/results/webhooks.json; exits non-zero when anything was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "backend"))
RESULTS = ROOT / "bench" / "results"

from voelgoed.testing.webhook_outbox import Outbox  # noqa: E402
from voelgoed.testing.webhook_receivers import Received, Receiver  # noqa: E402

BODY = b'{"id":"msg_0","type":"order.paid","timestamp":"2026-11-30T10:00:00Z","payload_version":"2026-11-30","data":{"order":{"reference":"VG-000001","total_cents":25000}}}'  # noqa: E501


async def record_paced(outbox: Outbox, n: int, rate: float, spread: list[Any]) -> None:
    """`n` events in transactions of 10 (paced to `rate` events/s) or of 100 (rate 0: flat out)."""
    per = 10 if rate else 100
    t0, done = time.perf_counter(), 0
    while done < n:
        k = min(per, n - done)
        await outbox.record(k, per_transaction=k, spread_over=spread)
        done += k
        if rate:
            await asyncio.sleep(max(0.0, t0 + done / rate - time.perf_counter()))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


async def raw_baseline(receivers: list[Receiver], requests: int) -> float:
    """Plain unsigned POSTs from one process, 20 in flight, round-robin over the receivers."""
    async with httpx.AsyncClient(timeout=10) as client:
        gate = asyncio.Semaphore(20)

        async def one(i: int) -> None:
            async with gate:
                r = await client.post(receivers[i % len(receivers)].url, content=BODY,
                                      headers={"content-type": "application/json"})  # fmt: skip
                r.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(200)))  # warm-up: connections open
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(requests)))
        return requests / (time.perf_counter() - t0)


async def main(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="vg-bench-webhooks-"))
    outbox = await Outbox.start(folder)
    arrivals: dict[tuple[int, str], list[float]] = {}

    def note(port: int) -> Any:
        def on_request(got: Received) -> None:
            arrivals.setdefault((port, got.headers.get("webhook-id", "")), []).append(got.at)

        return on_request

    receivers = [await Receiver(keep=False).start() for _ in range(args.endpoints)]
    for r in receivers:
        r.on_request = note(r.port)
    try:
        raw = await raw_baseline(receivers, args.baseline)
        for r in receivers:
            r.count = 0
        arrivals.clear()
        endpoint_ids = [(await outbox.add_endpoint(r.url))[0] for r in receivers]
        env = {"WEBHOOKS_BATCH_SIZE": str(args.batch), "WEBHOOKS_CONCURRENCY": str(args.concurrency),
               "WEBHOOKS_TIMEOUT_SECONDS": "5", "WORKER_CONCURRENCY": "2"}  # fmt: skip
        for i in range(args.workers):
            outbox.start_worker(env, log_name=f"worker-{i}.log")
        await asyncio.sleep(3)  # the workers start (imports, pools) before the clock does
        total = args.events
        t0 = time.perf_counter()
        recording = asyncio.create_task(record_paced(outbox, args.events, args.rate, endpoint_ids))
        killed_at = None
        while sum(r.count for r in receivers) < total // 3:  # noqa: ASYNC110 (polls counters the receivers bump)
            await asyncio.sleep(0.05)
        victim = outbox.workers[0]
        victim.kill()  # SIGKILL
        victim.wait()
        killed_at = sum(r.count for r in receivers)
        outbox.start_worker(env, log_name="worker-restarted.log")
        await recording
        recorded_s = time.perf_counter() - t0
        deadline = time.monotonic() + args.timeout
        while len(arrivals) < total and time.monotonic() < deadline:  # noqa: ASYNC110 (polls, with a deadline)
            await asyncio.sleep(0.1)
        elapsed = max(max(times) for times in arrivals.values()) - (time.time() - (time.perf_counter() - t0))
        async with outbox.engine.connect() as conn:
            created = {f"msg_{row[0].hex}": row[1].timestamp() for row in await conn.execute(text(
                "SELECT id, created_at FROM webhook_event"))}  # fmt: skip
        latencies = [min(times) - created[msg] for (_, msg), times in arrivals.items() if msg in created]
        lost = total - len(arrivals)
        duplicates = sum(len(t) - 1 for t in arrivals.values())
        rate = len(arrivals) / elapsed
        summary = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "events": args.events,
            "rate": args.rate or "max",
            "endpoints": args.endpoints,
            "workers": args.workers,
            "deliveries": total,
            "delivered": len(arrivals),
            "lost": lost,
            "duplicates_same_webhook_id": duplicates,
            "killed_after": killed_at,
            "recorded_in_s": round(recorded_s, 2),
            "elapsed_s": round(elapsed, 2),
            "deliveries_per_s": round(rate, 1),
            "deliveries_per_s_per_worker": round(rate / args.workers, 1),
            "raw_baseline_posts_per_s_one_process": round(raw, 1),
            "ratio_per_worker_to_raw": round(rate / args.workers / raw, 3),
            "p50_commit_to_delivery_s": round(percentile(latencies, 0.50), 3),
            "p99_commit_to_delivery_s": round(percentile(latencies, 0.99), 3),
        }
        print(f"\nwebhooks: {args.events} events to {args.endpoints} endpoints, {args.workers} workers")
        print(f"  raw baseline (unsigned POSTs, one process): {raw:,.0f}/s")
        print(f"  delivered {len(arrivals)} in {elapsed:.1f} s: {rate:,.0f}/s, {rate / args.workers:,.0f}/s per worker"
              f" (ratio {summary['ratio_per_worker_to_raw']})")  # fmt: skip
        print(
            f"  commit -> delivery p50 {summary['p50_commit_to_delivery_s']} s,"
            f" p99 {summary['p99_commit_to_delivery_s']} s"
        )
        print(f"  worker SIGKILLed after {killed_at}: lost {lost}, duplicates (same webhook-id) {duplicates}")
        print(json.dumps(summary))
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "webhooks.json").write_text(json.dumps(summary, indent=2))
        return 1 if lost else 0
    finally:
        for r in receivers:
            await r.stop()
        await outbox.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0, help="events/s to record (0: as fast as possible)")
    parser.add_argument("--baseline", type=int, default=5000, help="raw baseline requests")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the last delivery")
    sys.exit(asyncio.run(main(parser.parse_args())))
