"""Memory benchmark: does the worker's or the API's resident memory grow without bound?

Two parts, both printing figures as they go and a JSON summary at the end (also written to
bench/results/memory.json):

1. The product (`python -m voelgoed run --no-demo`, embedded PostgreSQL/Redis in a temp folder):
   N purchases through the public API (reserve, checkout with the simulated provider, pay), each
   of which makes the worker deliver the order's tickets (WeasyPrint PDF + e-mail to the local
   sink). After each batch the script waits for every delivery to be done (tickets_emailed_at
   set) and samples the RSS of the API and the worker processes (/proc/PID/status VmRSS).
2. In-process, with tracemalloc: the delivery's memory-heavy part (render the tickets PDF with
   WeasyPrint, build the e-mail with the PDF attached) M times; Python-level growth between a
   snapshot after warm-up and one at the end, by line, and this process's RSS per batch.

A leak shows as RSS that keeps growing batch after batch (the slope over the second half stays
near the slope over the first); a plateau (caches, allocator arenas) as growth that flattens.
No timing is asserted anywhere: this prints figures.

    just bench-memory                     # 2,000 deliveries in batches of 250, 300 in-process
    just bench-memory --orders 10000 --batch 1000
    just bench-memory --product-env MALLOC_ARENA_MAX=8   # compare an allocator setting
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT))
from bench.flash_sale.run import pg_dsn, setup_event, start_product, stop_product  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def children(pid: int) -> dict[str, int]:
    """The `voelgoed serve` and `voelgoed worker` processes started by `voelgoed run`."""
    found: dict[str, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"voelgoed" in argv:
            for role in ("serve", "worker"):
                if role.encode() in argv:
                    found["api" if role == "serve" else "worker"] = int(proc.name)
    return found


async def purchases(base: str, ev: dict[str, Any], orders: int, concurrency: int) -> int:
    """Reserve, check out with the simulated provider, pay: `orders` whole purchases."""
    ok, left = 0, orders
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=concurrency)) as http:

        async def buyer() -> None:
            nonlocal ok, left
            while left > 0:
                left -= 1
                held = await http.post(
                    f"/api/public/events/{ev['slug']}/reservations",
                    json={"items": [{"ticket_type_id": ev["type_id"], "quantity": 1}]},
                )
                if held.status_code != 201:
                    continue
                h = held.json()
                c = await http.post(
                    f"/api/public/orders/{h['reference']}/checkout",
                    headers={"X-Order-Token": h["access_token"]},
                    json={"buyer_name": "Bench Buyer", "buyer_email": "buyer@example.co.za", "provider": "simulated"},
                )
                if c.status_code != 200:
                    continue
                url = urlsplit(c.json()["payment"]["url"])
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                paid = await http.post(url.path, data={"sig": q["sig"], "r": q["r"], "outcome": "pay"})
                ok += paid.status_code in (200, 303)

        await asyncio.gather(*(buyer() for _ in range(concurrency)))
    return ok


async def wait_delivered(dsn: str, paid_target: int, within: float) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + within
        while True:
            done = int(await conn.fetchval("SELECT count(*) FROM ticket_order WHERE tickets_emailed_at IS NOT NULL"))
            if done >= paid_target or time.monotonic() > deadline:
                return done
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


def slopes(series: list[float], per: list[int]) -> dict[str, float]:
    """MB per 1,000 deliveries over the first and the second half of the batches."""
    half = len(series) // 2
    if half < 1 or per[half] == per[0] or per[-1] == per[half]:
        return {}

    def slope(a: int, b: int) -> float:
        return round((series[b] - series[a]) / (per[b] - per[a]) * 1000, 2)

    return {"first_half_mb_per_1000": slope(0, half), "second_half_mb_per_1000": slope(half, len(series) - 1)}


async def product_part(args: argparse.Namespace) -> dict[str, Any]:
    extra_env = dict(kv.split("=", 1) for kv in args.product_env)
    data_dir = Path(tempfile.mkdtemp(prefix="vg-bench-memory-"))
    proc, base, db_url = start_product(data_dir, extra_env)
    dsn = pg_dsn(db_url)
    rows: list[dict[str, Any]] = []
    try:
        pids: dict[str, int] = {}
        for _ in range(50):
            pids = children(proc.pid)
            if len(pids) == 2:
                break
            await asyncio.sleep(0.2)
        ev = await setup_event(base, args.orders + 10)
        rows.append({"deliveries": 0, "api_mb": rss_mb(pids["api"]), "worker_mb": rss_mb(pids["worker"])})
        print(f"start: API {rows[0]['api_mb']:.0f} MB, worker {rows[0]['worker_mb']:.0f} MB", flush=True)
        paid_total = 0
        while paid_total < args.orders:
            n = min(args.batch, args.orders - paid_total)
            t0 = time.monotonic()
            paid_total += await purchases(base, ev, n, args.concurrency)
            done = await wait_delivered(dsn, paid_total, within=600)
            row = {"deliveries": done, "api_mb": rss_mb(pids["api"]), "worker_mb": rss_mb(pids["worker"])}
            rows.append(row)
            print(
                f"{done:6d} delivered ({paid_total} paid, batch {time.monotonic() - t0:.0f} s): "
                f"API {row['api_mb']:.0f} MB, worker {row['worker_mb']:.0f} MB",
                flush=True,
            )
            if done < paid_total:
                print(f"  only {done} of {paid_total} delivered within 600 s; see {data_dir}/product.log")
                break
    finally:
        stop_product(proc, data_dir)
    per = [r["deliveries"] for r in rows[1:]]
    return {
        "product_env": extra_env,
        "samples": rows,
        "api": {
            "start_mb": rows[0]["api_mb"],
            "end_mb": rows[-1]["api_mb"],
            **slopes([r["api_mb"] for r in rows[1:]], per),
        },
        "worker": {
            "start_mb": rows[0]["worker_mb"],
            "end_mb": rows[-1]["worker_mb"],
            **slopes([r["worker_mb"] for r in rows[1:]], per),
        },
    }


def in_process_part(renders: int, batch: int) -> dict[str, Any]:
    """The delivery's rendering and e-mail building, traced by tracemalloc (no database)."""
    from voelgoed.domain.tickets.pdf import TicketPage, TicketsDocument, render_tickets_pdf
    from voelgoed.lib import mail
    from voelgoed.settings import load_settings

    os.environ.setdefault("SECRET_KEY", "bench-secret")
    data_dir = tempfile.mkdtemp(prefix="vg-bench-memory-inproc-")
    os.environ["VOELGOED_DATA_DIR"] = data_dir  # load_settings() keeps a generated secret there
    settings = load_settings()
    shutil.rmtree(data_dir, ignore_errors=True)

    def deliver_once(i: int) -> int:
        doc = TicketsDocument(
            event_name=f"Memory bench {i % 7}",
            starts_local="Sat 12 Dec 2026 19:00",
            timezone="Africa/Johannesburg",
            venue_name="Bench Arena",
            venue_address=["1 Main Rd", "Cape Town"],
            order_reference=f"VG-{i:08d}",
            tickets=[
                TicketPage(
                    serial=uuid.uuid4().hex[:20].upper(),
                    payload=f"VG1.{uuid.uuid4().hex * 3}",
                    ticket_type="General",
                    holder=None,
                )
            ],
        )
        pdf = render_tickets_pdf(doc)
        msg = mail.build_message(
            settings,
            to="buyer@example.co.za",
            subject="Your tickets",
            text="Hello",
            attachments=[(f"tickets-{i}.pdf", "application/pdf", pdf)],
        )
        return len(msg.as_bytes())

    warm = min(50, renders // 4)
    for i in range(warm):
        deliver_once(i)
    gc.collect()
    me = os.getpid()
    tracemalloc.start(1)  # one frame: the allocating line (more frames make WeasyPrint crawl)
    first = tracemalloc.take_snapshot()
    samples = [{"renders": 0, "rss_mb": rss_mb(me), "traced_mb": tracemalloc.get_traced_memory()[0] / 2**20}]
    print(f"in-process: after {warm} warm-up renders RSS {samples[0]['rss_mb']:.0f} MB", flush=True)
    done = 0
    while done < renders:
        for _ in range(min(batch, renders - done)):
            deliver_once(done)
            done += 1
        gc.collect()
        samples.append({"renders": done, "rss_mb": rss_mb(me), "traced_mb": tracemalloc.get_traced_memory()[0] / 2**20})
        print(
            f"in-process: {done:5d} renders: RSS {samples[-1]['rss_mb']:.0f} MB, "
            f"Python-traced {samples[-1]['traced_mb']:.1f} MB",
            flush=True,
        )
    last = tracemalloc.take_snapshot()
    tracemalloc.stop()
    top = []
    for stat in last.compare_to(first, "lineno")[:10]:
        frame = stat.traceback[0]
        top.append(
            {
                "where": f"{frame.filename.replace(str(ROOT), '.')}:{frame.lineno}",
                "growth_kb": round(stat.size_diff / 1024, 1),
                "count_growth": stat.count_diff,
            }
        )
    print("in-process: top Python growth sites (tracemalloc, end vs after warm-up):")
    for t in top:
        print(f"  {t['growth_kb']:9.1f} KB  {t['count_growth']:+7d} blocks  {t['where']}")
    per = [s["renders"] for s in samples]
    return {"samples": samples, "top_growth": top, **slopes([s["rss_mb"] for s in samples], per)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=2000, help="purchases = ticket deliveries (default 2000)")
    parser.add_argument("--batch", type=int, default=250, help="deliveries between RSS samples")
    parser.add_argument("--concurrency", type=int, default=8, help="buyers at once")
    parser.add_argument("--in-process", type=int, default=300, help="in-process traced renders (0: skip)")
    parser.add_argument(
        "--product-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the product (e.g. MALLOC_ARENA_MAX=8)",
    )
    args = parser.parse_args()
    summary: dict[str, Any] = {"orders": args.orders, "batch": args.batch}
    if args.orders > 0:
        summary["product"] = asyncio.run(product_part(args))
    if args.in_process > 0:
        summary["in_process"] = in_process_part(args.in_process, max(args.in_process // 6, 1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "memory.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
