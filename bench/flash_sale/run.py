"""Flash-sale benchmark: reservations over HTTP vs the raw PostgreSQL single-row rate.

Starts the product (embedded PostgreSQL/Redis in a temp folder, `python -m voelgoed run --no-demo`
on a free port) unless --url/--database-url are given, creates an event with N tickets through
the API, fires M > N buyers (C concurrent connections) at the reserve endpoint with `wrk`
(Debian's wrk + reserve.lua), and prints reservations/s, latency percentiles, sold and oversold
(from the database). Then it measures, on the same server and concurrency, the raw rate of one
conditional `UPDATE ... SET sold = sold + 1 WHERE id = $1 AND sold + 1 <= capacity` plus one INSERT
per transaction on one hot row (asyncpg), and prints the ratio. Finally a full purchase run
(reserve, checkout with the simulated provider, pay) reports orders/s.
Writes bench/results/flash_sale.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
LUA = Path(__file__).with_name("reserve.lua")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_product(data_dir: Path, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str, str]:
    """`voelgoed run` on a free port with embedded servers in `data_dir`; (process, base URL, database URL).
    Every benchmark starts the product here and stops it with `stop_product`."""
    sys.path.insert(0, str(ROOT / "backend"))
    from voelgoed.devservices import resolve_urls

    db_url, redis_url = resolve_urls(data_dir, None, None)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "VOELGOED_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "PUBLIC_RATE_LIMIT": "0",  # the benchmark is one client IP
        "SECRET_KEY": "bench-secret",
        **(extra_env or {}),
    }
    env.pop("SMTP_HOST", None)
    log = (data_dir / "product.log").open("w")
    cmd = [sys.executable, "-m", "voelgoed", "run", "--no-demo", "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/ready", timeout=1).status_code == 200:
                return proc, base, db_url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("product did not start:\n" + (data_dir / "product.log").read_text()[-3000:])
        time.sleep(0.3)


def stop_product(proc: subprocess.Popen[bytes] | None, data_dir: Path | None) -> None:
    """Stop the product, then the embedded servers `start_product` started, and drop the folder."""
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    if data_dir is not None:
        sys.path.insert(0, str(ROOT / "backend"))
        from voelgoed.devservices import stop_all

        stop_all(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def pg_dsn(db_url: str) -> str:
    return db_url.replace("postgresql+asyncpg://", "postgresql://")


async def sign_up_organiser(api: httpx.AsyncClient) -> str:
    """Sign up a new organiser with its own organisation through `api` (which keeps the session and
    sends the CSRF header from then on); returns the organisation's id."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.co.za"
    r = await api.post(
        "/api/auth/sign-up",
        json={"email": email, "password": "bench-password-123", "name": "Bench", "organization_name": "Bench"},
    )
    r.raise_for_status()
    api.headers["X-CSRF-Token"] = api.cookies["vg_csrf"]
    return str(r.json()["memberships"][0]["organization_id"])


async def add_event(api: httpx.AsyncClient, org: str, tickets: int, max_per_order: int = 10) -> dict[str, Any]:
    """A published event of `org` with one ticket type of `tickets` tickets at R250."""
    venue = (
        await api.post(
            f"/api/organizations/{org}/venues",
            json={"name": "Bench Arena", "address_line1": "1 Main Rd", "city": "Cape Town"},
        )
    ).json()
    start = (datetime.now() + timedelta(days=30)).replace(microsecond=0)
    event = (
        await api.post(
            f"/api/organizations/{org}/events",
            json={
                "name": f"Flash sale {uuid.uuid4().hex[:6]}",
                "venue_id": venue["id"],
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=4)).isoformat(),
                "capacity": tickets,
            },
        )
    ).json()
    (await api.post(f"/api/organizations/{org}/events/{event['id']}/publish")).raise_for_status()
    tt = await api.post(
        f"/api/organizations/{org}/events/{event['id']}/ticket-types",
        json={"name": "General", "price_cents": 25000, "quantity": tickets, "max_per_order": max_per_order},
    )
    tt.raise_for_status()
    return {"slug": event["slug"], "event_id": event["id"], "type_id": tt.json()["id"]}


async def setup_event(base: str, tickets: int, max_per_order: int = 10) -> dict[str, Any]:
    """A new organiser and organisation with one published event of `tickets` tickets."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        org = await sign_up_organiser(api)
        return await add_event(api, org, tickets, max_per_order)


def run_wrk(base: str, ev: dict[str, Any], buyers: int, concurrency: int, threads: int) -> dict[str, Any]:
    """Exactly `buyers` requests: each wrk thread sends its share and stops (reserve.lua); wrk's main
    thread would still sleep for the whole -d, so it gets SIGINT once every thread is done and then
    reports the real elapsed time. -d is only a safety net (then `stopped_early` is False)."""
    body = json.dumps({"items": [{"ticket_type_id": ev["type_id"], "quantity": 1}]})
    env = {
        **os.environ,
        "BENCH_PATH": f"/api/public/events/{ev['slug']}/reservations",
        "BENCH_BODY": body,
        "BENCH_TOTAL": str(buyers),
        "BENCH_THREADS": str(threads),
    }
    cmd = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", "300s", "--latency", "-s", str(LUA), base]
    return wrk_until_done(cmd, env, threads)[0]


def wrk_until_done(cmd: list[str], env: dict[str, str], threads: int) -> tuple[dict[str, Any], list[str]]:
    """Runs wrk with a script that stops each thread after its share (reserve.lua's protocol) and
    returns the script's `JSON ...` summary (with `stopped_early`) and wrk's other stderr lines."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None and proc.stdout is not None
    done_threads = 0
    other_stderr: list[str] = []
    for line in proc.stderr:  # wrk's stdout stays small (its summary), so reading stderr first is safe
        if line.startswith("VG-THREAD-DONE"):
            done_threads += 1
            if done_threads == threads:
                proc.send_signal(signal.SIGINT)  # wake wrk's main thread: print the summary now
        else:
            other_stderr.append(line)
    out = proc.stdout.read()
    if proc.wait() != 0:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{out}{''.join(other_stderr)}")
    match = re.search(r"^JSON (.*)$", out, re.M)
    if not match:
        raise SystemExit("wrk gave no summary:\n" + out + "".join(other_stderr))
    result = dict(json.loads(match.group(1)))
    result["stopped_early"] = done_threads == threads
    return result, other_stderr


async def httpx_load(base: str, ev: dict[str, Any], buyers: int, concurrency: int) -> dict[str, Any]:
    """Fallback load generator when wrk is missing (heavier on the CPU the server also uses)."""
    body = {"items": [{"ticket_type_id": ev["type_id"], "quantity": 1}]}
    lat: list[float] = []
    counts = {"ok": 0, "sold_out": 0, "other": 0}
    left = buyers
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                t0 = time.perf_counter()
                r = await http.post(f"/api/public/events/{ev['slug']}/reservations", json=body)
                lat.append(time.perf_counter() - t0)
                key = "ok" if r.status_code == 201 else "sold_out" if r.status_code == 409 else "other"
                counts[key] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        duration = time.perf_counter() - t0
    lat.sort()

    def pct(p: float) -> int:
        return int(lat[min(len(lat) - 1, int(len(lat) * p))] * 1e6)

    return {
        **counts,
        "requests": len(lat),
        "duration_us": int(duration * 1e6),
        "errors": 0,
        "p50_us": pct(0.50),
        "p95_us": pct(0.95),
        "p99_us": pct(0.99),
        "max_us": pct(1.0),
    }


def batcher_counters(base: str) -> dict[str, Any] | None:
    """The server's hold-batcher counters (GET /debug/hold-batcher, mounted outside production)."""
    try:
        r = httpx.get(base + "/debug/hold-batcher", timeout=10)
    except httpx.HTTPError:
        return None
    return dict(r.json()) if r.status_code == 200 else None


def batcher_delta(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any] | None:
    if before is None or after is None:
        return None
    batches = after["batches"] - before["batches"]
    requests = after["requests"] - before["requests"]
    return {
        "batches": batches,
        "requests": requests,
        "average_batch": round(requests / batches, 2) if batches else 0.0,
        "max_batch": after["max_batch"],
        "window_ms": after["window_ms"],
    }


def batcher_line(stats: dict[str, Any] | None) -> str:
    if stats is None:
        return "n/a (GET /debug/hold-batcher unavailable: production server?)"
    return (
        f"{stats['batches']} batches for {stats['requests']} hold requests = "
        f"{stats['average_batch']:.2f} per batch (max {stats['max_batch']}, window {stats['window_ms']:g} ms)"
    )


async def db_figures(dsn: str, ev: dict[str, Any]) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        tid, eid = uuid.UUID(ev["type_id"]), uuid.UUID(ev["event_id"])
        q, reserved, sold = await conn.fetchrow("SELECT quantity, reserved, sold FROM ticket_type WHERE id = $1", tid)
        in_orders = await conn.fetchval(
            "SELECT coalesce(sum(l.quantity), 0) FROM order_line l JOIN ticket_order o ON o.id = l.order_id"
            " WHERE l.ticket_type_id = $1 AND o.status IN ('reserved', 'awaiting_payment', 'paid')",
            tid,
        )
        first, last, orders = await conn.fetchrow(
            "SELECT min(created_at), max(created_at), count(*) FROM ticket_order WHERE event_id = $1", eid
        )
        inv = await conn.fetchrow("SELECT capacity, reserved, sold FROM event_inventory WHERE event_id = $1", eid)
    finally:
        await conn.close()
    span = (last - first).total_seconds() if first and last else 0.0
    return {
        "quantity": q,
        "held_or_sold": reserved + sold,
        "orders": orders,
        "tickets_in_orders": int(in_orders),
        "oversold_counters": max(0, reserved + sold - q),
        "oversold_orders": max(0, int(in_orders) - q),
        "oversold_event": max(0, inv["reserved"] + inv["sold"] - inv["capacity"]) if inv else 0,
        "sell_span_s": span,
    }


async def raw_rate(dsn: str, concurrency: int, transactions: int) -> dict[str, Any]:
    setup = await asyncpg.connect(dsn)
    await setup.execute(
        "DROP TABLE IF EXISTS bench_hot, bench_log;"
        "CREATE TABLE bench_hot (id int PRIMARY KEY, capacity int NOT NULL, sold int NOT NULL);"
        "CREATE TABLE bench_log (id uuid PRIMARY KEY, hot_id int NOT NULL, created_at timestamptz NOT NULL);"
    )
    await setup.execute("INSERT INTO bench_hot VALUES (1, $1, 0)", transactions)
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    left = transactions
    done = 0

    async def worker() -> None:
        nonlocal left, done
        async with pool.acquire() as conn:
            while left > 0:
                left -= 1
                async with conn.transaction():
                    row = await conn.fetchrow(
                        "UPDATE bench_hot SET sold = sold + 1 WHERE id = $1 AND sold + 1 <= capacity RETURNING sold", 1
                    )
                    if row is not None:
                        await conn.execute("INSERT INTO bench_log VALUES ($1, 1, now())", uuid.uuid4())
                        done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await pool.close()
    await setup.execute("DROP TABLE IF EXISTS bench_hot, bench_log")
    await setup.close()
    return {"transactions": done, "seconds": elapsed, "tx_per_s": done / elapsed}


class PayStepFailed(Exception):
    """A purchase went wrong at one step; the message says which and why (counted per reason)."""


# A provider's pay step: (client, the checkout answer's `payment`) -> the buyer pays at the provider.
PayStep = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[None]]


async def simulated_pay(http: httpx.AsyncClient, payment: dict[str, Any]) -> None:
    """Press Pay on the simulated provider's page (it marks the order paid before answering)."""
    url = urlsplit(payment["url"])
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    p = await http.post(url.path, data={"sig": q["sig"], "r": q["r"], "outcome": "pay"})
    if p.status_code not in (200, 303):
        raise PayStepFailed(f"simulated Pay answered {p.status_code}")


def percentile_ms(sorted_seconds: list[float], p: float) -> float:
    if not sorted_seconds:
        return 0.0
    return round(sorted_seconds[min(len(sorted_seconds) - 1, int(len(sorted_seconds) * p))] * 1000, 1)


async def purchase_run(
    base: str,
    ev: dict[str, Any],
    orders: int,
    concurrency: int,
    provider: str = "simulated",
    pay: PayStep = simulated_pay,
    paid_within: float = 15.0,
) -> dict[str, Any]:
    """Reserve, start checkout with `provider`, pay (`pay`), then read the order until it is paid
    (at most `paid_within` s): a whole purchase. Counts failures per reason; p50/p99 per purchase."""
    ok = failed = 0
    left = orders
    latencies: list[float] = []
    reasons: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def purchase() -> None:
            r = await http.post(
                f"/api/public/events/{ev['slug']}/reservations",
                json={"items": [{"ticket_type_id": ev["type_id"], "quantity": 1}]},
            )
            if r.status_code != 201:
                raise PayStepFailed(f"reserve answered {r.status_code}")
            held = r.json()
            token = {"X-Order-Token": held["access_token"]}
            c = await http.post(
                f"/api/public/orders/{held['reference']}/checkout",
                headers=token,
                json={"buyer_name": "Bench Buyer", "buyer_email": "buyer@example.co.za", "provider": provider},
            )
            if c.status_code != 200:
                raise PayStepFailed(f"checkout answered {c.status_code}: {c.text[:160]}")
            await pay(http, c.json()["payment"])
            deadline = time.monotonic() + paid_within
            while True:
                o = await http.get(f"/api/public/orders/{held['reference']}", headers=token)
                status = o.json().get("status") if o.status_code == 200 else f"HTTP {o.status_code}"
                if status == "paid":
                    return
                if time.monotonic() > deadline:
                    raise PayStepFailed(f"order {status} {paid_within:g} s after the pay step")
                await asyncio.sleep(0.02)

        async def buyer() -> None:
            nonlocal left, ok, failed
            while left > 0:
                left -= 1
                t0 = time.perf_counter()
                try:
                    await purchase()
                except (PayStepFailed, httpx.HTTPError) as exc:
                    failed += 1
                    reasons[str(exc) if isinstance(exc, PayStepFailed) else f"{type(exc).__name__}: {exc}"] += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                ok += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(buyer() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "orders_paid": ok,
        "failed": failed,
        "seconds": elapsed,
        "orders_per_s": ok / elapsed if elapsed else 0,
        "p50_ms": percentile_ms(latencies, 0.50),
        "p99_ms": percentile_ms(latencies, 0.99),
        "failures": dict(reasons.most_common()),
    }


async def tickets_issued(dsn: str, event_id: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM ticket WHERE event_id = $1", uuid.UUID(event_id)))
    finally:
        await conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=20000, help="N: tickets on sale")
    ap.add_argument("--buyers", type=int, default=26000, help="M (> N): reserve requests fired")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--purchases", type=int, default=300, help="orders in the full purchase run")
    ap.add_argument("--url", help="use a running product instead of starting one")
    ap.add_argument("--database-url", help="its database (needed with --url)")
    ap.add_argument("--load", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx")
    args = ap.parse_args()
    if args.buyers <= args.tickets:
        raise SystemExit("--buyers must exceed --tickets")

    proc = None
    data_dir = None
    if args.url:
        base, db_url = args.url.rstrip("/"), args.database_url
        if not db_url:
            raise SystemExit("--database-url is needed with --url")
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="vg-bench-"))
        proc, base, db_url = start_product(data_dir)
    dsn = pg_dsn(db_url)
    try:
        ev = asyncio.run(setup_event(base, args.tickets))
        # warm-up: a few holds on a separate event (connections, caches, JIT of the code paths)
        warm = asyncio.run(setup_event(base, 1000))
        asyncio.run(httpx_load(base, warm, 400, args.concurrency))

        before = batcher_counters(base)
        if args.load == "wrk":
            load = run_wrk(base, ev, args.buyers, args.concurrency, args.threads)
        else:
            load = asyncio.run(httpx_load(base, ev, args.buyers, args.concurrency))
        reserve_batches = batcher_delta(before, batcher_counters(base))
        figures = asyncio.run(db_figures(dsn, ev))
        raw = asyncio.run(raw_rate(dsn, args.concurrency, min(args.tickets, 20000)))

        duration = load["duration_us"] / 1e6
        holds_per_s = figures["held_or_sold"] / figures["sell_span_s"] if figures["sell_span_s"] else 0.0
        requests_per_s = load["requests"] / duration if duration else 0.0

        buy_ev = asyncio.run(setup_event(base, args.purchases))
        before = batcher_counters(base)
        purchase = asyncio.run(purchase_run(base, buy_ev, args.purchases, min(args.concurrency, 32)))
        purchase_batches = batcher_delta(before, batcher_counters(base))
        purchase["tickets_issued"] = asyncio.run(tickets_issued(dsn, buy_ev["event_id"]))

        summary = {
            "when": datetime.now().isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "load_generator": args.load,
            "tickets": args.tickets,
            "buyers": args.buyers,
            "concurrency": args.concurrency,
            "reserve": {
                "holds_per_s": round(holds_per_s, 1),
                "requests_per_s": round(requests_per_s, 1),
                "requests": load["requests"],
                "requests_sent": load.get("sent", load["requests"]),
                "seconds": round(duration, 3),
                "stopped_after_share": load.get("stopped_early", True),
                "ok": load["ok"],
                "sold_out_answers": load["sold_out"],
                "other_answers": load["other"],
                "socket_errors": load["errors"],
                "p50_ms": load["p50_us"] / 1000,
                "p95_ms": load["p95_us"] / 1000,
                "p99_ms": load["p99_us"] / 1000,
                "max_ms": load["max_us"] / 1000,
            },
            "sold": figures["held_or_sold"],
            "oversold": max(figures["oversold_counters"], figures["oversold_orders"], figures["oversold_event"]),
            "db": figures,
            "raw_postgres": {k: round(v, 3) if isinstance(v, float) else v for k, v in raw.items()},
            "ratio_holds_vs_raw": round(holds_per_s / raw["tx_per_s"], 3) if raw["tx_per_s"] else None,
            "ratio_requests_vs_raw": round(requests_per_s / raw["tx_per_s"], 3) if raw["tx_per_s"] else None,
            "purchase": {k: round(v, 3) if isinstance(v, float) else v for k, v in purchase.items()},
            "hold_batcher": {"reserve": reserve_batches, "purchase": purchase_batches},
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "flash_sale.json").write_text(json.dumps(summary, indent=2) + "\n")
        r = summary["reserve"]
        print(
            f"flash sale: {args.tickets} tickets, {args.buyers} buyers, {args.concurrency} concurrent "
            f"({args.load}, {os.cpu_count()} CPUs)\n"
            f"  reservations/s  {r['holds_per_s']:.0f} holds/s while selling out "
            f"({r['requests_per_s']:.0f} requests/s incl. sold-out answers: {r['requests']} answered "
            f"of {r['requests_sent']} sent in {r['seconds']:.2f} s"
            f"{'' if r['stopped_after_share'] else '; WARNING: wrk ran into -d, figure not exact'})\n"
            f"  latency         p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms"
            f"  max {r['max_ms']:.1f} ms\n"
            f"  answers         {r['ok']} held, {r['sold_out_answers']} sold out, {r['other_answers']} other, "
            f"{r['socket_errors']} socket errors\n"
            f"  sold            {summary['sold']} of {args.tickets}; oversold {summary['oversold']} "
            f"(counters {figures['oversold_counters']}, orders {figures['oversold_orders']}, "
            f"event {figures['oversold_event']})\n"
            f"  raw PostgreSQL  {raw['tx_per_s']:.0f} tx/s (conditional UPDATE + INSERT, one hot row, "
            f"{args.concurrency} connections)\n"
            f"  ratio           {summary['ratio_holds_vs_raw']} (holds/s vs raw tx/s)\n"
            f"  hold batcher    reserve run: {batcher_line(reserve_batches)}\n"
            f"                  purchase run: {batcher_line(purchase_batches)}\n"
            f"  full purchase   {purchase['orders_paid']} orders paid in {purchase['seconds']:.1f} s = "
            f"{purchase['orders_per_s']:.1f} orders/s ({purchase['failed']} failed, "
            f"{purchase['tickets_issued']} tickets issued; reserve + checkout + simulated pay)\n"
            + "".join(f"                  FAILED x{n}: {why}\n" for why, n in purchase["failures"].items())
            + f"  JSON            {RESULTS / 'flash_sale.json'}"
        )
    finally:
        stop_product(proc, data_dir)


if __name__ == "__main__":
    main()
