"""Checkout-site benchmark: concurrent buyers walking the HTML journey end to end.

Starts the product like bench/flash_sale/run.py (embedded PostgreSQL/Redis in a temp folder) unless
--url/--database-url are given, creates an event with plenty of tickets, and lets C buyers
(--buyers, default 50) walk the checkout site's HTML journey over and over for --seconds: event
page, reserve form, buyer details page and form, the simulated provider's page and its Pay button,
the order page. Each journey is a new buyer (a fresh cookie jar, CSRF fields read from the pages).

Prints orders/s, p50/p99 per step, errors (any unexpected answer; 5xx counted apart), orders left
reserved or awaiting payment afterwards (must be 0), and the server's CPU per order (user + system
time of the API and worker processes from /proc/<pid>/stat, before and after). Raw baseline in the
same run: GET /health with the same generator and concurrency (a request through the same server
and generator that does no work), so `journey requests/s / health requests/s` says how much of the
server's request rate the journey's work leaves.

The load generator is Python (asyncio + httpx) because the journey is stateful (cookies, CSRF
tokens, redirects); it shares the machine's CPU with the server, which the figures include.
Writes bench/results/checkout_journey.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.flash_sale.run import pg_dsn, setup_event, start_product, stop_product  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAY_FORM = re.compile(r"<form method=post action='([^']+)'")
HIDDEN = re.compile(r"<input type=hidden name=(\w+) value='([^']*)'")
CHECKOUT = re.compile(r"/checkout/(VG-[A-Z0-9]+)")
STEPS = ("event_page", "reserve", "details_page", "details_form", "pay_page", "pay", "order_page")
CLK_TCK = os.sysconf("SC_CLK_TCK")
# pretix 2026.8.0's HTML shop sold 1.6-2.8 orders/s with 50 buyers on the 2-core machine (outside testing).
TARGET_ORDERS_PER_S = 16.0


class JourneyFailed(Exception):
    def __init__(self, step: str, status: int) -> None:
        super().__init__(f"{step}: {status}")
        self.step, self.status = step, status


# --- server CPU from /proc -------------------------------------------------------------------
def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def server_processes(run_pid: int) -> dict[str, int]:
    """`voelgoed run` starts `voelgoed serve` (the API) and `voelgoed worker` as its children."""
    found = {}
    for pid in children_of(run_pid):
        try:
            cmd = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmd:
            found["api"] = pid
        elif b"worker" in cmd:
            found["worker"] = pid
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads (fields 14, 15 of /proc/<pid>/stat)."""
    fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# --- the journey -----------------------------------------------------------------------------
async def journey(http: httpx.AsyncClient, ev: dict[str, Any], n: int, lat: dict[str, list[float]]) -> None:
    http.cookies.clear()  # a new buyer: own session cookie, own order cookie

    async def step(name: str, expect: int, method: str, url: str, **kw: Any) -> httpx.Response:
        t0 = time.perf_counter()
        r = await http.request(method, url, **kw)
        lat[name].append(time.perf_counter() - t0)
        if r.status_code != expect:
            raise JourneyFailed(name, r.status_code)
        return r

    slug = ev["slug"]
    page = await step("event_page", 200, "GET", f"/events/{slug}")
    csrf = CSRF.search(page.text)
    if not csrf:
        raise JourneyFailed("event_page", 0)
    held = await step(
        "reserve", 303, "POST", f"/events/{slug}/reserve",
        data={"csrf": csrf.group(1), "coupon": "", f"qty_{ev['type_id']}": "1"},
    )  # fmt: skip
    ref = CHECKOUT.fullmatch(held.headers.get("location", ""))
    if not ref:
        raise JourneyFailed("reserve", 0)
    details = await step("details_page", 200, "GET", f"/checkout/{ref.group(1)}")
    csrf = CSRF.search(details.text)
    if not csrf:
        raise JourneyFailed("details_page", 0)
    form = {
        "csrf": csrf.group(1),
        "buyer_name": f"Bench Buyer {n}",
        "buyer_email": f"buyer{n}@example.co.za",
        "buyer_phone": "",
        "provider": "simulated",
    }
    started = await step("details_form", 303, "POST", f"/checkout/{ref.group(1)}", data=form)
    pay_page = await step("pay_page", 200, "GET", started.headers["location"])
    action = PAY_FORM.search(pay_page.text)
    if not action:
        raise JourneyFailed("pay_page", 0)
    hidden = dict(HIDDEN.findall(pay_page.text))
    paid = await step("pay", 303, "POST", action.group(1), data={**hidden, "outcome": "pay"})
    order = await step("order_page", 200, "GET", paid.headers["location"])
    if "Paid" not in order.text:
        raise JourneyFailed("order_page", 0)


async def walk(base: str, ev: dict[str, Any], buyers: int, seconds: float) -> dict[str, Any]:
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    done = 0
    counter = 0
    deadline = time.monotonic() + seconds

    async def buyer() -> None:
        nonlocal done, counter
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            while time.monotonic() < deadline:  # a journey under way at the deadline finishes
                counter += 1
                try:
                    await journey(http, ev, counter, lat)
                    done += 1
                except JourneyFailed as exc:
                    errors[f"{exc.step} {exc.status}"] += 1
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(buyer() for _ in range(buyers)))
    elapsed = time.perf_counter() - t0
    return {"orders": done, "seconds": elapsed, "latency": lat, "errors": dict(errors)}


async def health(base: str, concurrency: int, seconds: float) -> dict[str, Any]:
    """The raw baseline: GET /health through the same server and generator."""
    lat: list[float] = []
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=concurrency)) as http:

        async def worker() -> None:
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                r = await http.get("/health")
                lat.append(time.perf_counter() - t0)
                r.raise_for_status()

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return {"requests": len(lat), "requests_per_s": len(lat) / elapsed, **percentiles(lat)}


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    s = sorted(values)

    def at(p: float) -> float:
        return round(s[min(len(s) - 1, int(len(s) * p))] * 1000, 1)

    return {"p50_ms": at(0.50), "p99_ms": at(0.99), "max_ms": at(1.0)}


async def db_figures(dsn: str, ev: dict[str, Any]) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT status, count(*) FROM ticket_order WHERE event_id = $1 GROUP BY status", uuid.UUID(ev["event_id"])
        )
        tickets = await conn.fetchval("SELECT count(*) FROM ticket WHERE event_id = $1", uuid.UUID(ev["event_id"]))
        undelivered = await conn.fetchval(UNDELIVERED, uuid.UUID(ev["event_id"]))
    finally:
        await conn.close()
    by = {r["status"]: int(r["count"]) for r in rows}
    return {
        "paid": by.get("paid", 0),
        "stuck": by.get("reserved", 0) + by.get("awaiting_payment", 0),
        "other": sum(v for k, v in by.items() if k not in ("paid", "reserved", "awaiting_payment")),
        "tickets": int(tickets),
        "undelivered": int(undelivered),
    }


UNDELIVERED = "SELECT count(*) FROM ticket_order WHERE event_id = $1 AND status = 'paid' AND tickets_emailed_at IS NULL"


async def deliveries_caught_up(dsn: str, ev: dict[str, Any], limit_s: float) -> float | None:
    """Seconds until every paid order of the run has had its tickets e-mailed (None: not within limit_s)."""
    conn = await asyncpg.connect(dsn)
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < limit_s:  # polling the database: nothing to wait on in-process
            if not await conn.fetchval(UNDELIVERED, uuid.UUID(ev["event_id"])):
                return round(time.monotonic() - t0, 1)
            await asyncio.sleep(0.5)
        return None
    finally:
        await conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--buyers", type=int, default=50, help="concurrent buyers")
    ap.add_argument("--seconds", type=float, default=30, help="how long new journeys start")
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--health-seconds", type=float, default=5)
    ap.add_argument("--url", help="use a running product instead of starting one")
    ap.add_argument("--database-url", help="its database (needed with --url)")
    ap.add_argument("--api-pid", type=int, action="append", help="with --url: API process id(s) for CPU figures")
    args = ap.parse_args()

    proc = data_dir = None
    pids: dict[str, int] = {}
    if args.url:
        base, db_url = args.url.rstrip("/"), args.database_url
        if not db_url:
            raise SystemExit("--database-url is needed with --url")
        pids = {f"api{i}": p for i, p in enumerate(args.api_pid or [])}
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="vg-bench-"))
        proc, base, db_url = start_product(data_dir)
        pids = server_processes(proc.pid)
    dsn = pg_dsn(db_url)
    try:
        warm = asyncio.run(setup_event(base, 2000))
        asyncio.run(walk(base, warm, args.buyers, 3))  # warm-up: connections, caches, code paths
        ev = asyncio.run(setup_event(base, args.tickets))
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        generator_before = time.process_time()
        result = asyncio.run(walk(base, ev, args.buyers, args.seconds))
        generator_cpu = time.process_time() - generator_before
        # The worker yields the CPU to the API (WORKER_NICE): its e-mails catch up after the rush.
        caught_up_s = asyncio.run(deliveries_caught_up(dsn, ev, limit_s=300))
        cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}  # the worker's catch-up included
        figures = asyncio.run(db_figures(dsn, ev))
        baseline = asyncio.run(health(base, args.buyers, args.health_seconds))

        orders, elapsed = result["orders"], result["seconds"]
        requests = sum(len(v) for v in result["latency"].values())
        cpu_ms = {n: round((cpu_after[n] - cpu_before[n]) * 1000 / orders, 1) if orders else None for n in pids}
        summary = {
            "when": datetime.now().isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "load_generator": "python asyncio + httpx (same machine)",
            "buyers": args.buyers,
            "seconds": round(elapsed, 2),
            "orders": orders,
            "orders_per_s": round(orders / elapsed, 2) if elapsed else 0.0,
            "journey_requests_per_s": round(requests / elapsed, 1) if elapsed else 0.0,
            "errors": result["errors"],
            "error_count": sum(result["errors"].values()),
            "server_errors": sum(v for k, v in result["errors"].items() if re.search(r" 5\d\d$", k)),
            "steps": {s: {"n": len(result["latency"][s]), **percentiles(result["latency"][s])} for s in STEPS},
            "db": figures,
            "stuck_orders": figures["stuck"],
            "server_cpu_ms_per_order": cpu_ms,
            "deliveries_caught_up_s": caught_up_s,
            # The load generator shares the 2 CPUs: its CPU per order is what the server did not get.
            "generator_cpu_ms_per_order": round(generator_cpu * 1000 / orders, 1) if orders else None,
            "health_baseline": {k: round(v, 1) if isinstance(v, float) else v for k, v in baseline.items()},
        }
        summary["ratio_journey_requests_vs_health"] = (
            round(summary["journey_requests_per_s"] / baseline["requests_per_s"], 3)
            if baseline["requests_per_s"]
            else None
        )
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "checkout_journey.json").write_text(json.dumps(summary, indent=2) + "\n")
        steps = "\n".join(
            f"    {s:<13} p50 {v['p50_ms']:7.1f} ms  p99 {v['p99_ms']:7.1f} ms  max {v['max_ms']:7.1f} ms  (n {v['n']})"
            for s, v in summary["steps"].items()
        )
        cpu = ", ".join(f"{n} {v} ms" for n, v in cpu_ms.items()) or "n/a (no process ids)"
        b = summary["health_baseline"]
        print(
            f"checkout journey (HTML): {args.buyers} concurrent buyers for {args.seconds:g} s "
            f"({os.cpu_count()} CPUs, Python load generator on the same machine)\n"
            f"  orders          {orders} paid in {elapsed:.1f} s = {summary['orders_per_s']:.2f} orders/s "
            f"({summary['journey_requests_per_s']:.0f} requests/s in journeys)\n"
            f"  errors          {summary['error_count']} ({summary['server_errors']} 5xx) {result['errors'] or ''}\n"
            f"  stuck orders    {figures['stuck']} left reserved/awaiting payment; {figures['paid']} paid, "
            f"{figures['tickets']} tickets issued\n"
            f"  deliveries      every ticket e-mail sent {caught_up_s} s after the last journey ended "
            f"({figures['undelivered']} not sent)\n"
            f"  per step\n{steps}\n"
            f"  server CPU      per order: {cpu} (load generator: {summary['generator_cpu_ms_per_order']} ms)\n"
            f"  raw baseline    GET /health x{args.buyers}: {b['requests_per_s']:.0f} requests/s, "
            f"p50 {b['p50_ms']} ms, p99 {b['p99_ms']} ms; journey requests/s vs health: "
            f"{summary['ratio_journey_requests_vs_health']}\n"
            f"  targets         0 errors: {'met' if not summary['error_count'] else 'MISSED'}; 0 stuck orders: "
            f"{'met' if not figures['stuck'] else 'MISSED'}; >= {TARGET_ORDERS_PER_S:g} orders/s (10x pretix's "
            f"1.6 on this machine): {'met' if summary['orders_per_s'] >= TARGET_ORDERS_PER_S else 'MISSED'}\n"
            f"  JSON            {RESULTS / 'checkout_journey.json'}"
        )
        if summary["error_count"] or figures["stuck"]:
            sys.exit(1)
    finally:
        stop_product(proc, data_dir)


if __name__ == "__main__":
    main()
