"""Scale-out benchmark: the flash sale and the gate rush against 1, 2 and 4 API processes behind
PgBouncer, and 1,000 live-stream watchers.

Starts the compose topology without Docker (infra/local/topology.py: Debian's PostgreSQL, PgBouncer
in transaction pooling mode and Redis; one worker), then for each API process count N:
- flash sale: a new event of --tickets tickets, --buyers buyers reserving one each, spread evenly
  over the N processes (one Debian `wrk` per process with bench/flash_sale/reserve.lua, all at
  once); holds/s = holds made / the slowest wrk's elapsed time; oversold from the database;
- gate rush: --scan-seconds of unpaced online scans (bench/gate_rush/scan.lua: first scans plus
  repeats across devices) from one wrk per process, all at once; scans/s summed; double admissions
  from the database.
Each rate is printed with its ratio to one process, measured in the same run.

Then, with 2 API processes (the compose file's count), --watchers dashboard streams
(`.../dashboard/stream`, Server-Sent Events) spread over both, held by a small asyncio client:
--sales single-ticket holds, one every 1.5 s, made on the first process; for each sale and watcher
the time from sending the sale to the watcher's summary showing it (p50/p99/max), and PostgreSQL's
statements per second (pg_stat_statements) while the watchers are idle, and per sale, against the
same sales with no watcher. Writes bench/results/scale_out.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT / "infra" / "local"))
from bench.flash_sale.run import LUA as RESERVE_LUA  # noqa: E402
from bench.flash_sale.run import add_event, db_figures, sign_up_organiser  # noqa: E402
from bench.gate_rush.run import double_admissions  # noqa: E402
from bench.gate_rush.run import setup as gate_setup  # noqa: E402
from topology import Topology  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SCAN_LUA = ROOT / "bench" / "gate_rush" / "scan.lua"


def wrk_json(out: str) -> dict[str, Any]:
    match = re.search(r"^JSON (.*)$", out, re.M)
    if not match:
        raise SystemExit("wrk gave no summary:\n" + out)
    return dict(json.loads(match.group(1)))


def flash_sale(urls: list[str], ev: dict[str, Any], buyers: int, conns: int) -> dict[str, Any]:
    """`buyers` reservations split over `urls`, one wrk each, all at once (reserve.lua stops each
    thread after its share; wrk is then woken with SIGINT as bench/flash_sale does)."""
    body = json.dumps({"items": [{"ticket_type_id": ev["type_id"], "quantity": 1}]})
    procs = []
    for i, url in enumerate(urls):
        share = buyers // len(urls) + (1 if i < buyers % len(urls) else 0)
        env = {**os.environ, "BENCH_PATH": f"/api/public/events/{ev['slug']}/reservations", "BENCH_BODY": body,
               "BENCH_TOTAL": str(share), "BENCH_THREADS": "1"}  # fmt: skip
        per = max(conns // len(urls), 1)
        cmd = ["wrk", "-t", "1", "-c", str(per), "-d", "300s", "--latency", "-s", str(RESERVE_LUA), url]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for proc in procs:
        assert proc.stderr is not None and proc.stdout is not None
        for line in proc.stderr:
            if line.startswith("VG-THREAD-DONE"):
                proc.send_signal(2)  # SIGINT: print the summary now
        results.append(wrk_json(proc.stdout.read()))
        proc.wait()
    seconds = max(r["duration_us"] for r in results) / 1e6
    ok = sum(r["ok"] for r in results)
    return {
        "holds": ok,
        "answers": sum(r["requests"] for r in results),
        "sold_out": sum(r["sold_out"] for r in results),
        "other": sum(r["other"] + r["errors"] for r in results),
        "seconds": round(seconds, 3),
        "holds_per_s": round(ok / seconds, 1),
        "answers_per_s": round(sum(r["requests"] for r in results) / seconds, 1),
        "p99_ms_worst": round(max(r["p99_us"] for r in results) / 1000, 1),
    }


def gate_rush(
    urls: list[str], gate: dict[str, Any], payloads: Path, seconds: int, conns: int, run: int
) -> dict[str, Any]:
    env = {**os.environ, "BENCH_TOKENS": ",".join(gate["tokens"]), "BENCH_GATES": ",".join(gate["gates"]),
           "BENCH_PAYLOADS": str(payloads), "BENCH_DELAY_MS": "0"}  # fmt: skip
    procs = []
    for i, url in enumerate(urls):
        per = max(conns // len(urls), 2)
        cmd = ["wrk", "-t", "2", "-c", str(per), "-d", f"{seconds}s", "--latency", "-s", str(SCAN_LUA), url]
        procs.append(subprocess.Popen(cmd, env={**env, "BENCH_RUN": str(run * 10 + i)}, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))  # fmt: skip
    results = [wrk_json(p.communicate()[0]) for p in procs]
    return {
        "scans": sum(r["requests"] for r in results),
        "scans_per_s": round(sum(r["rate"] for r in results), 1),
        "ok": sum(r["ok"] for r in results),
        "already_redeemed": sum(r["already_redeemed"] for r in results),
        "other": sum(r["other"] + r["errors"] for r in results),
        "p99_ms_worst": max(r["p99_ms"] for r in results),
    }


# --- live-stream watchers -----------------------------------------------------------------------
class Watcher:
    """One dashboard stream on a raw socket (1,000 of them in one process: httpx is too heavy)."""

    def __init__(self, url: str, path: str, cookie: str) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.path, self.cookie = path, cookie
        self.seen: list[tuple[float, int]] = []  # (monotonic time, available) per summary
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=4 * 1024 * 1024)
        writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: text/event-stream\r\n"
            f"Cookie: {self.cookie}\r\n\r\n".encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream refused: {status!r}")
        summary = False
        try:
            while line := await reader.readline():
                if line.startswith(b"event: summary"):
                    summary = True
                elif summary and line.startswith(b"data: "):
                    summary = False
                    available = json.loads(line[6:])["available"]
                    self.seen.append((time.monotonic(), int(available)))
        finally:
            writer.close()


async def statements(dsn: str, like: str = "%") -> int:
    """Statements PostgreSQL ran (pg_stat_statements), all or those whose text is `like`."""
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
                " WHERE query NOT LIKE '%pg_stat_statements%' AND query LIKE $1",
                like,
            )
        )
    finally:
        await conn.close()


# The live streams' change-token read (domain/dashboards/queries.py CHANGE_TOKEN): one per watcher
# every 2 s before; now one per change per process.
LIVE_READ_SQL = "%array_agg(sold ORDER BY id)%"


async def sales(url: str, ev: dict[str, Any], count: int, spacing: float) -> list[float]:
    """`count` one-ticket holds on `url`, `spacing` s apart; when each was sent (monotonic)."""
    sent = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as buyer:
        for _ in range(count):
            t0 = time.monotonic()
            r = await buyer.post(f"/api/public/events/{ev['slug']}/reservations",
                                 json={"items": [{"ticket_type_id": ev["type_id"], "quantity": 1}]})  # fmt: skip
            r.raise_for_status()
            sent.append(t0)
            await asyncio.sleep(max(spacing - (time.monotonic() - t0), 0))
    return sent


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


async def watchers_run(
    topology: Topology, api: httpx.AsyncClient, org: str, count: int, n_sales: int
) -> dict[str, Any]:
    stock = 10_000
    ev = await add_event(api, org, stock)
    spacing = 1.5
    dsn = topology.direct_url
    # The same sales without any watcher: what the sales cost by themselves.
    quiet_ev = await add_event(api, org, stock)
    before = await statements(dsn)
    await sales(topology.api_urls[0], quiet_ev, n_sales, spacing)
    alone = await statements(dsn) - before

    cookie = "; ".join(f"{k}={v}" for k, v in api.cookies.items())
    path = f"/api/organizations/{org}/events/{ev['event_id']}/dashboard/stream"
    watchers = [Watcher(topology.api_urls[i % len(topology.api_urls)], path, cookie) for i in range(count)]
    t_open = time.monotonic()
    for w in watchers:
        w.task = asyncio.create_task(w.run())
    while sum(1 for w in watchers if w.seen) < count:
        if time.monotonic() - t_open > 120:
            raise SystemExit(f"only {sum(1 for w in watchers if w.seen)} of {count} streams opened")
        failed = [w.task for w in watchers if w.task and w.task.done()]
        if failed:
            failed[0].result()
        await asyncio.sleep(0.2)
    opened_s = time.monotonic() - t_open
    await asyncio.sleep(2)
    idle_from, idle_tokens, idle_t0 = await statements(dsn), await statements(dsn, LIVE_READ_SQL), time.monotonic()
    await asyncio.sleep(10)
    idle_calls = await statements(dsn) - idle_from  # our own readings are not counted (NOT LIKE)
    idle_token_reads = await statements(dsn, LIVE_READ_SQL) - idle_tokens
    idle_s = time.monotonic() - idle_t0

    before, tokens_before = await statements(dsn), await statements(dsn, LIVE_READ_SQL)
    sent = await sales(topology.api_urls[0], ev, n_sales, spacing)
    await asyncio.sleep(3)
    with_watchers = await statements(dsn) - before
    token_reads = await statements(dsn, LIVE_READ_SQL) - tokens_before
    latencies, missed = [], 0
    for k, t0 in enumerate(sent, start=1):
        for w in watchers:
            seen = next((t for t, available in w.seen if available <= stock - k), None)
            if seen is None:
                missed += 1
            else:
                latencies.append(seen - t0)
    for w in watchers:
        if w.task:
            w.task.cancel()
    await asyncio.gather(*(w.task for w in watchers if w.task), return_exceptions=True)
    return {
        "watchers": count,
        "api_processes": len(topology.api_urls),
        "streams_opened_s": round(opened_s, 1),
        "sales": n_sales,
        "updates_expected": n_sales * count,
        "updates_missed": missed,
        "sale_to_update_p50_ms": round(pct(latencies, 0.50) * 1000, 1),
        "sale_to_update_p99_ms": round(pct(latencies, 0.99) * 1000, 1),
        "sale_to_update_max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "idle_statements_per_s": round(idle_calls / idle_s, 2),  # everything: the worker's crons too
        "idle_change_token_reads_per_s": round(idle_token_reads / idle_s, 2),
        "change_token_reads_per_sale": round(token_reads / n_sales, 2),
        "statements_per_sale_alone": round(alone / n_sales, 1),
        "statements_per_sale_with_watchers": round(with_watchers / n_sales, 1),
        "watcher_statements_per_sale": round((with_watchers - alone) / n_sales, 1),
        "old_polling_change_token_reads_per_s": count / 2.0,  # the replaced loop: one per watcher per 2 s
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apis", default="1,2,4", help="API process counts to measure")
    ap.add_argument("--tickets", type=int, default=3000)
    ap.add_argument("--buyers", type=int, default=4000)
    ap.add_argument("--conns", type=int, default=64, help="connections in all (split over the processes)")
    ap.add_argument("--scan-seconds", type=int, default=10)
    ap.add_argument("--scan-conns", type=int, default=16)
    ap.add_argument("--scan-tickets", type=int, default=20_000)
    ap.add_argument("--watchers", type=int, default=1000)
    ap.add_argument("--sales", type=int, default=10)
    ap.add_argument("--dir", type=Path, default=None, help="the topology's directory (default: a temp folder)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("install Debian's wrk (apt-get install wrk)")
    counts = [int(n) for n in args.apis.split(",")]
    topology = Topology(apis=1, workers=1, env={"LOG_LEVEL": "WARNING"})
    if args.dir:
        topology.directory = args.dir
    topology.start()
    summary: dict[str, Any] = {"cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d"), "runs": {},
                               "load_average_before": os.getloadavg()[0]}  # fmt: skip
    try:
        direct = topology.direct_url.replace("postgresql://", "postgresql+asyncpg://")
        gate = asyncio.run(gate_setup(topology.api_urls[0], direct, args.scan_tickets, args.scan_tickets, 8))
        payload_files = []
        for i in range(len(counts) + 1):  # one slice per measured run, the last for the direct baseline
            path = topology.directory / f"payloads-{i}.txt"
            path.write_text("\n".join(gate["payloads"][i :: len(counts) + 1]) + "\n")
            payload_files.append(path)

        async def organiser() -> tuple[httpx.AsyncClient, str]:
            api = httpx.AsyncClient(base_url=topology.api_urls[0], timeout=60)
            return api, await sign_up_organiser(api)

        async def one_event() -> dict[str, Any]:
            api, org = await organiser()
            try:
                return await add_event(api, org, args.tickets, max_per_order=10)
            finally:
                await api.aclose()

        def measure(label: str, payloads: Path, run: int) -> dict[str, Any]:
            urls = topology.api_urls
            # warm every process (connections, first statements) with a small sale of its own
            warm = asyncio.run(one_event())
            flash_sale(urls, warm, 200 * len(urls), 8 * len(urls))
            ev = asyncio.run(one_event())
            sale = flash_sale(urls, ev, args.buyers, args.conns)
            sale.update(asyncio.run(db_figures(topology.direct_url, ev)))
            scans = gate_rush(urls, gate, payloads, args.scan_seconds, args.scan_conns, run)
            print(f"{label}: {sale['holds_per_s']} holds/s ({sale['holds']} holds, oversold "
                  f"{sale['oversold_orders']}), {scans['scans_per_s']} scans/s", flush=True)  # fmt: skip
            return {"flash_sale": sale, "gate_rush": scans}

        # The raw baseline of this run: one API process straight on PostgreSQL (no PgBouncer).
        topology.env = {**topology.env, "DATABASE_URL": topology.direct_url, "DATABASE_PGBOUNCER": "0"}
        topology.start_apis(1)
        summary["direct_1"] = measure("1 API process straight on PostgreSQL", payload_files[-1], 9)
        topology.stop_apis(0)
        topology.env = {"LOG_LEVEL": "WARNING"}
        for i, n in enumerate(counts):
            topology.start_apis(n)  # counts grow: 1 -> 2 -> 4
            summary["runs"][str(n)] = measure(f"{n} API process(es) behind PgBouncer", payload_files[i], i + 1)
        summary.update(asyncio.run(double_admissions(direct, gate["event_id"])))
        one = summary["runs"][str(counts[0])]
        for n in counts:
            run = summary["runs"][str(n)]
            run["holds_ratio_to_1"] = round(run["flash_sale"]["holds_per_s"] / one["flash_sale"]["holds_per_s"], 2)
            run["scans_ratio_to_1"] = round(run["gate_rush"]["scans_per_s"] / one["gate_rush"]["scans_per_s"], 2)
        direct_1 = summary["direct_1"]
        summary["pgbouncer_1_to_direct_1"] = {
            "holds": round(one["flash_sale"]["holds_per_s"] / direct_1["flash_sale"]["holds_per_s"], 2),
            "scans": round(one["gate_rush"]["scans_per_s"] / direct_1["gate_rush"]["scans_per_s"], 2),
        }
        summary["oversold"] = max(r["flash_sale"]["oversold_orders"] for r in summary["runs"].values())

        topology.stop_apis(0)
        topology.start_apis(2)

        async def live() -> dict[str, Any]:
            api, org = await organiser()
            try:
                return await watchers_run(topology, api, org, args.watchers, args.sales)
            finally:
                await api.aclose()

        summary["live_streams"] = live_result = asyncio.run(live())
        summary["load_average_after"] = os.getloadavg()[0]
    finally:
        topology.stop()
        if args.dir is None:  # a temp folder of ours: the servers' data and logs go with it
            shutil.rmtree(topology.directory, ignore_errors=True)
    print(f"\nscale-out on {summary['cpus']} CPUs ({summary['date']}), PgBouncer transaction pooling:")
    print(f"  {'APIs':>4} {'holds/s':>9} {'ratio':>6} {'scans/s':>9} {'ratio':>6}  oversold")
    for n in counts:
        run = summary["runs"][str(n)]
        print(f"  {n:>4} {run['flash_sale']['holds_per_s']:>9} {run['holds_ratio_to_1']:>6} "
              f"{run['gate_rush']['scans_per_s']:>9} {run['scans_ratio_to_1']:>6}  "
              f"{run['flash_sale']['oversold_orders']}")  # fmt: skip
    d1, ratio = summary["direct_1"], summary["pgbouncer_1_to_direct_1"]
    print(f"  1 process straight on PostgreSQL: {d1['flash_sale']['holds_per_s']} holds/s, "
          f"{d1['gate_rush']['scans_per_s']} scans/s (1 behind PgBouncer / direct: holds {ratio['holds']}, "
          f"scans {ratio['scans']})")  # fmt: skip
    before, after = summary["load_average_before"], summary["load_average_after"]
    print(f"  load average (1 min) before {before:.1f}, after {after:.1f}")
    print(f"  double admissions {summary['double_admissions']}")
    lr = live_result
    print(f"  {lr['watchers']} watchers on {lr['api_processes']} processes: sale -> update p50 "
          f"{lr['sale_to_update_p50_ms']} ms, p99 {lr['sale_to_update_p99_ms']} ms, "
          f"max {lr['sale_to_update_max_ms']} ms, "
          f"missed {lr['updates_missed']}/{lr['updates_expected']}")  # fmt: skip
    print(f"  change-token reads: {lr['idle_change_token_reads_per_s']}/s while idle (the old polling: "
          f"{lr['old_polling_change_token_reads_per_s']}/s), {lr['change_token_reads_per_sale']} per sale; "
          f"all statements/s while idle {lr['idle_statements_per_s']} (incl. the worker's crons); per sale "
          f"{lr['statements_per_sale_with_watchers']} with the watchers, "
          f"{lr['statements_per_sale_alone']} without")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale_out.json").write_text(json.dumps(summary, indent=2))
    print("JSON " + json.dumps(summary))


if __name__ == "__main__":
    main()
