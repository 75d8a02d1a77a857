"""Dashboards benchmark: 1,000,000 funnel events and 200,000 tickets, then the dashboard endpoints'
latency over HTTP.

Starts the product like bench/flash_sale (embedded PostgreSQL/Redis in a temp folder), creates an
organisation, venue (4 gates) and event through the API, then loads straight into PostgreSQL with
generate_series (no row-by-row Python): N analytics events over the last 30 days (step mix
70/15/10/5 %, 7 UTM sources incl. none, 1 in 20 in the current hour, the live tail), T paid
orders with one ticket each (paid over 30 days), S check-in scans over 4 gates in the last 3 hours
(+ their ticket_checkin_state rows). Builds the hourly snapshots (the cron job's code, at the
safe boundary), then measures with Debian's `wrk` + get.lua, per endpoint: one connection
(latency a person sees) and C connections (concurrent organisers), p50/p95/p99 and req/s, next to
GET /health measured the same way in the same run. Prints text and JSON and writes
bench/results/dashboards.json.
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
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "backend"))
from bench.flash_sale.run import start_product, stop_product  # noqa: E402

RESULTS = ROOT / "bench" / "results"
HERE = Path(__file__).parent

LOAD_SQL = {
    "analytics": """
INSERT INTO analytics_event (organization_id, event_id, name, session_id, occurred_at, utm_source)
SELECT :o, :e,
  CASE WHEN r < 0.70 THEN 'page_view' WHEN r < 0.85 THEN 'add_to_cart'
       WHEN r < 0.95 THEN 'checkout_started' ELSE 'checkout_success' END,
  md5((g / 3)::text),
  CASE WHEN g % 20 = 0 THEN now() - random() * (now() - date_trunc('hour', now()))
       ELSE now() - interval '30 days' * random() END,
  (ARRAY[NULL, 'facebook', 'google', 'instagram', 'newsletter', 'whatsapp', 'tiktok'])[1 + g % 7]
FROM (SELECT g, random() AS r FROM generate_series(1, :n) g) s
""",
    "orders": """
INSERT INTO ticket_order (id, organization_id, event_id, reference, status, hold_expires_at, buyer_name, buyer_email,
  subtotal_cents, discount_cents, total_cents, vat_cents, fees_cents, access_token_hash, needs_refund, paid_at,
  created_at, updated_at)
SELECT md5('o' || g || :salt)::uuid, :o, :e, 'B' || lpad(g::text, 9, '0'), 'paid', now(), 'Guest ' || g,
  'guest' || g || '@example.co.za', 15000, 0, 15000, 1957, 350, md5('t' || g || :salt), false, t, t, t
FROM (SELECT g, now() - interval '30 days' * random() AS t FROM generate_series(1, :n) g) s
""",
    "lines": """
INSERT INTO order_line (id, organization_id, order_id, ticket_type_id, quantity, unit_price_cents, discount_cents,
  line_total_cents, created_at, updated_at)
SELECT md5('l' || g || :salt)::uuid, :o, md5('o' || g || :salt)::uuid,
  CASE WHEN g % 10 = 0 THEN CAST(:vip AS uuid) ELSE CAST(:gen AS uuid) END, 1, 15000, 0, 15000, now(), now()
FROM generate_series(1, :n) g
""",
    "tickets": """
INSERT INTO ticket (id, organization_id, event_id, order_id, order_line_id, position, ticket_type_id, serial,
  holder_name, status, created_at, updated_at)
SELECT md5('k' || g || :salt)::uuid, :o, :e, md5('o' || g || :salt)::uuid, md5('l' || g || :salt)::uuid, 1,
  CASE WHEN g % 10 = 0 THEN CAST(:vip AS uuid) ELSE CAST(:gen AS uuid) END,
  upper(substr(md5('s' || g || :salt), 1, 20)), 'Guest ' || g, 'valid', now(), now()
FROM generate_series(1, :n) g
""",
    "scans": """
INSERT INTO checkin_scan (id, organization_id, event_id, device_id, gate_id, ticket_id, client_scan_id, direction,
  result, offline, claim, offline_duplicate, client_time, server_time, effective_time, clock_offset_ms)
SELECT gen_random_uuid(), :o, :e, :d, (CAST(:gates AS uuid[]))[1 + g % 4], md5('k' || g || :salt)::uuid,
  gen_random_uuid(), CASE WHEN g % 5 = 0 THEN 'exit' ELSE 'entry' END, 'ok', g % 50 = 0, true, false, t, t, t, 0
FROM (SELECT g, now() - interval '3 hours' * random() AS t FROM generate_series(1, :n) g) s
""",
    "state": """
INSERT INTO ticket_checkin_state (ticket_id, organization_id, event_id, inside, entries, exits, admitted_at)
SELECT md5('k' || g || :salt)::uuid, :o, :e, g % 5 <> 0, 1, CASE WHEN g % 5 = 0 THEN 1 ELSE 0 END, now()
FROM generate_series(1, :n) g
""",
}


async def setup(base: str, db_url: str, events: int, tickets: int, scans: int) -> dict[str, Any]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from voelgoed.domain.dashboards import snapshots
    from voelgoed.testing.seeding import seed_ticket_types

    async with httpx.AsyncClient(base_url=base, timeout=120) as api:
        r = await api.post(
            "/api/auth/sign-up",
            json={"email": f"bench-{uuid.uuid4().hex[:8]}@example.co.za", "password": "bench-password-123",
                  "name": "Bench", "organization_name": "Bench Org"},
        )  # fmt: skip
        r.raise_for_status()
        org = r.json()["memberships"][0]["organization_id"]
        api.headers["X-CSRF-Token"] = api.cookies["vg_csrf"]
        cookie = f"vg_session={api.cookies['vg_session']}"
        stadium = {"name": "Stadium", "address_line1": "1 Main Rd", "city": "Durban"}
        venue = (await api.post(f"/api/organizations/{org}/venues", json=stadium)).json()
        gates = [
            (
                await api.post(f"/api/organizations/{org}/venues/{venue['id']}/gates", json={"code": c, "name": c})
            ).json()["id"]
            for c in ("A", "B", "C", "D")
        ]
        ev = (await api.post(f"/api/organizations/{org}/events",
                             json={"name": "Derby", "venue_id": venue["id"], "starts_at": "2030-01-01T18:00:00",
                                   "ends_at": "2030-01-01T22:00:00"})).json()  # fmt: skip
        for name in ("Festival", "Matinee"):  # more events for the overview
            await api.post(f"/api/organizations/{org}/events",
                           json={"name": name, "venue_id": venue["id"], "starts_at": "2030-02-01T18:00:00",
                                 "ends_at": "2030-02-01T22:00:00"})  # fmt: skip
        code = (
            await api.post(f"/api/organizations/{org}/devices/pairing-codes", json={"event_ids": [ev["id"]]})
        ).json()
        device = (await api.post("/api/devices/pair", json={"code": code["code"], "device_name": "bench"})).json()
    o, e = uuid.UUID(org), uuid.UUID(ev["id"])
    engine = create_async_engine(db_url)
    timings: dict[str, float] = {}
    params = {"o": o, "e": e, "salt": uuid.uuid4().hex}
    async with engine.begin() as conn:
        gen, vip = await seed_ticket_types(conn, o, e, ["General", "VIP"], tickets)
        params |= {"gen": str(gen), "vip": str(vip)}
        for step, n in (("analytics", events), ("orders", tickets), ("lines", tickets), ("tickets", tickets),
                        ("scans", scans), ("state", scans)):  # fmt: skip
            t0 = time.perf_counter()
            extra = {"d": uuid.UUID(device["device_id"]), "gates": gates} if step == "scans" else {}
            keys = set(re.findall(r"(?<!:):(\w+)", LOAD_SQL[step]))
            await conn.execute(
                text(LOAD_SQL[step]), {k: v for k, v in (params | extra | {"n": n}).items() if k in keys}
            )
            timings[step] = round(time.perf_counter() - t0, 1)
        await conn.execute(
            text("UPDATE ticket_type SET sold = (SELECT count(*) FROM ticket t WHERE t.ticket_type_id = ticket_type.id)"
                 " WHERE event_id = :e"),
            {"e": e},
        )  # fmt: skip
        await conn.execute(text("UPDATE event SET status = 'published' WHERE id = :e"), {"e": e})
    async with engine.connect() as conn:
        await conn.execute(text("COMMIT"))
        await conn.execute(text("ANALYZE"))
    t0 = time.perf_counter()
    async with engine.connect() as conn:
        boundary = await snapshots.safe_boundary(conn)
        await conn.rollback()
    async with engine.begin() as conn:  # the load was back-dated: recount from scratch
        await snapshots.reset_event(conn, e)
        await snapshots.build_event(conn, e, boundary)
    timings["snapshot_build"] = round(time.perf_counter() - t0, 1)
    count_sql = {
        "analytics_rows": "SELECT count(*) FROM analytics_event WHERE event_id = :e",
        "tail_rows": "SELECT count(*) FROM analytics_event WHERE event_id = :e AND occurred_at >= :b",
        "funnel_buckets": "SELECT count(*) FROM dashboard_funnel_bucket WHERE event_id = :e",
        "tickets": "SELECT count(*) FROM ticket WHERE event_id = :e",
        "scans": "SELECT count(*) FROM checkin_scan WHERE event_id = :e",
    }
    async with engine.connect() as conn:
        counts = {k: await conn.scalar(text(q), {"e": e, "b": boundary}) for k, q in count_sql.items()}
    await engine.dispose()
    return {"org": org, "event_id": ev["id"], "cookie": cookie, "timings": timings, "counts": counts,
            "boundary": boundary.isoformat()}  # fmt: skip


def wrk(base: str, path: str, cookie: str, *, conns: int, seconds: int) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t", str(min(conns, 2)), "-c", str(conns), "-d", f"{seconds}s", "--latency", "-s",
         str(HERE / "get.lua"), base],
        env={**os.environ, "BENCH_PATH": path, "BENCH_COOKIE": cookie},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    match = re.search(r"^JSON (.*)$", out, re.M)
    if not match:
        raise SystemExit("wrk gave no summary:\n" + out)
    return dict(json.loads(match.group(1)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000, help="analytics (funnel) events")
    ap.add_argument("--tickets", type=int, default=200_000, help="paid tickets (one order each)")
    ap.add_argument("--scans", type=int, default=100_000, help="check-in scans (last 3 hours)")
    ap.add_argument("--conns", type=int, default=4, help="connections of the concurrent run")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--no-cache", action="store_true", help="DASHBOARD_CACHE_SECONDS=0: every request recomputes")
    args = ap.parse_args()
    os.environ["DASHBOARD_CACHE_SECONDS"] = "0" if args.no_cache else "30"
    if not shutil.which("wrk"):
        raise SystemExit("install Debian's wrk (just wrk, or apt-get install wrk)")
    data_dir = Path(tempfile.mkdtemp(prefix="vg-dashboards-"))
    proc, base, db_url = start_product(data_dir)
    try:
        s = asyncio.run(setup(base, db_url, args.events, args.tickets, args.scans))
        org, ev = s["org"], s["event_id"]
        prefix = f"/api/organizations/{org}"
        endpoints = {
            "health": "/health",
            "dashboard": f"{prefix}/events/{ev}/dashboard",
            "dashboard_day": f"{prefix}/events/{ev}/dashboard?granularity=day",
            "funnel": f"{prefix}/events/{ev}/funnel",
            "funnel_7d": f"{prefix}/events/{ev}/funnel?start="
            + time.strftime("%Y-%m-%dT%H:%M:%S%%2B00:00", time.gmtime(time.time() - 7 * 86400)),
            "overview": f"{prefix}/dashboard",
        }
        with httpx.Client(base_url=base, headers={"Cookie": s["cookie"]}, timeout=60) as http:
            for name, path in endpoints.items():  # warm up and check every endpoint answers 200
                r = http.get(path)
                if r.status_code != 200:
                    raise SystemExit(f"{name}: {r.status_code} {r.text[:300]}")
            funnel = http.get(endpoints["funnel"]).json()
        results: dict[str, Any] = {}
        for name, path in endpoints.items():
            results[name] = {
                "one_connection": wrk(base, path, s["cookie"], conns=1, seconds=args.seconds),
                f"{args.conns}_connections": wrk(base, path, s["cookie"], conns=args.conns, seconds=args.seconds),
            }
    finally:
        stop_product(proc, data_dir)
    health1 = results["health"]["one_connection"]["p50_ms"]
    summary = {
        "cache": not args.no_cache,
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "data": s["counts"],
        "load_seconds": s["timings"],
        "snapshot_boundary": s["boundary"],
        "funnel_steps": {x["step"]: x["events"] for x in funnel["steps"]},
        "results": results,
        "ratio_p50_to_health_one_connection": {
            k: round(v["one_connection"]["p50_ms"] / health1, 1) for k, v in results.items() if health1 > 0
        },
        "target_p95_under_100ms_one_connection": {
            k: v["one_connection"]["p95_ms"] < 100 for k, v in results.items() if k != "health"
        },
    }
    print(f"dashboards benchmark on {summary['cpus']} CPUs (load average {summary['load'][0]:.1f}),"
          f" dashboard cache {'on' if summary['cache'] else 'off'}")  # fmt: skip
    print(f"  data: {s['counts']}")
    print(f"  load (s): {s['timings']}  snapshot boundary {s['boundary']}")
    print(f"  {'endpoint':14} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'non-2xx':>7}")
    for name, runs in results.items():
        for label, r in runs.items():
            conns = 1 if label == "one_connection" else args.conns
            print(f"  {name:14} {conns:>5} {r['rate']:>8.1f} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f}"
                  f" {r['p99_ms']:>8.2f} {r['non_2xx']:>7}")  # fmt: skip
    print(f"  p50 / GET /health p50 (one connection): {summary['ratio_p50_to_health_one_connection']}")
    print(f"  p95 < 100 ms (one connection): {summary['target_p95_under_100ms_one_connection']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "dashboards_nocache.json" if args.no_cache else "dashboards.json"
    (RESULTS / name).write_text(json.dumps(summary, indent=2))
    print("JSON " + json.dumps(summary))


if __name__ == "__main__":
    main()
