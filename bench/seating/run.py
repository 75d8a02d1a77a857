"""Reserved-seating benchmark (issue #15): seat holds over HTTP vs the raw PostgreSQL one-hot-row
rate, double-sold checked in PostgreSQL, and the seat picker's weight and time to interactive.

Starts the product like the flash sale (embedded PostgreSQL/Redis in a temp folder; or --url +
--database-url), then:
1. creates a stadium plan of --seats seats (default 50,000: 20 sections x 50 rows x 50 seats, three
   categories by distance from the pitch) through the organiser API, one published event selling it
   with each category mapped to its own ticket type;
2. fires --buyers (2,000) hold requests with --concurrency (64) connections at
   `POST /api/public/events/{slug}/seat-reservations` (createSeatReservation) with Debian's wrk and
   seats.lua: half ask for 2 best-available seats of a random category, half choose 2 neighbouring
   seats at a random place on the map (so some collide); prints seat holds/s, p50/p99 and the 409s
   (taken, with alternatives);
3. reads PostgreSQL: no seat in two live orders, every held/sold seat owned by the order whose line
   holds it, no two valid tickets on one seat, and the counts agree (seats held = live seat lines
   = the ticket types' reserved + sold = 2 x the 201s);
4. raw baseline in the same run: flash sale's `raw_rate` (asyncpg, one conditional UPDATE + INSERT
   per transaction on one hot row, same concurrency); ratio = holds/s / raw tx/s;
5. the picker (bench/seating/picker.mjs, headless Chromium, 4x CPU throttling) on a 5,000-seat
   theatre and on the stadium: bytes transferred for /events/{slug}/seats, seats.js and map.json,
   and the time from navigation until the map is drawn (`data-drawn`).
Writes bench/results/seating.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "flash_sale"))
from run import (  # type: ignore[import-not-found]  # noqa: E402  (bench/flash_sale/run.py)
    RESULTS,
    ROOT,
    pg_dsn,
    raw_rate,
    sign_up_organiser,
    start_product,
    stop_product,
    wrk_until_done,
)

LUA = HERE / "seats.lua"
PICKER = HERE / "picker.mjs"
CATEGORIES = [
    ("A", "Lower tier", "#b8322e", 45000),
    ("B", "Middle tier", "#2e6fb8", 30000),
    ("C", "Upper tier", "#3a9a4a", 18000),
]


def stadium_doc(seats: int) -> dict[str, Any]:
    """A bowl of sections around a pitch at the origin: 20 sections (fewer for small runs) of rows x 50
    seats, rows in categories A/B/C by distance from the pitch (first, middle, last third)."""
    per_row = 50
    sections = 20 if seats >= 20 * per_row * 5 else max(1, seats // (per_row * 5))
    rows = max(1, seats // (sections * per_row))
    out = []
    for s in range(sections):
        angle = 2 * math.pi * s / sections
        ox, oy = 2500 * math.cos(angle), 2500 * math.sin(angle)
        out_rows = []
        for r in range(rows):
            cat = CATEGORIES[min(2, r * 3 // rows)][0]
            out_rows.append(
                {
                    "label": f"R{r + 1}",
                    "seats": [
                        {
                            "label": str(i + 1),
                            "x": round(ox + (i - per_row / 2) * 10, 1),
                            "y": round(oy + r * 12, 1),
                            "category": cat,
                        }
                        for i in range(per_row)
                    ],
                }
            )
        out.append({"key": f"s{s + 1}", "name": f"Block {s + 1}", "kind": "seated", "x": ox, "y": oy, "rows": out_rows})
    return {
        "name": "Bench Stadium",
        "width": 6000.0,
        "height": 6000.0,
        "focus": {"x": 0.0, "y": 0.0},
        "categories": [{"key": k, "name": n, "color": c} for k, n, c, _ in CATEGORIES],
        "sections": out,
    }


def theatre_doc(seats: int) -> dict[str, Any]:
    """e2e/seat-picker.spec.ts's theatre: 5 sections of 25 rows x 40 seats (for 5,000), last row in B."""
    sections, per_row = 5, 40
    rows = max(1, seats // (sections * per_row))
    return {
        "name": "Bench Theatre",
        "width": 6500.0,
        "height": 820.0,
        "focus": {"x": 3250.0, "y": 0.0},
        "categories": [{"key": k, "name": n, "color": c} for k, n, c, _ in CATEGORIES[:2]],
        "sections": [
            {
                "key": f"s{s + 1}",
                "name": f"Section {s + 1}",
                "kind": "seated",
                "rows": [
                    {
                        "label": f"R{r + 1}",
                        "seats": [
                            {
                                "label": str(i + 1),
                                "x": s * 1300 + i * 30,
                                "y": 40 + r * 30,
                                "category": "B" if r == rows - 1 and rows > 2 else "A",
                            }
                            for i in range(per_row)
                        ],
                    }
                    for r in range(rows)
                ],
            }
            for s in range(sections)
        ],
    }


def ok(r: httpx.Response) -> httpx.Response:
    if not r.is_success:
        sys.exit(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:500]}")
    return r


async def seated_event(api: httpx.AsyncClient, org: str, doc: dict[str, Any]) -> dict[str, Any]:
    """A published event selling `doc`'s plan, each category mapped to a ticket type of its seats."""
    venue = ok(
        await api.post(
            f"/api/organizations/{org}/venues",
            json={"name": doc["name"], "address_line1": "1 Main Rd", "city": "Cape Town"},
        )
    ).json()
    plan = ok(
        await api.post(f"/api/organizations/{org}/venues/{venue['id']}/seating-plans", json=doc, timeout=300)
    ).json()
    total = sum(len(r["seats"]) for s in doc["sections"] for r in s["rows"])
    start = (datetime.now() + timedelta(days=30)).replace(microsecond=0)
    event = ok(
        await api.post(
            f"/api/organizations/{org}/events",
            json={
                "name": f"{doc['name']} {uuid.uuid4().hex[:6]}",
                "venue_id": venue["id"],
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=4)).isoformat(),
                "capacity": total,
            },
        )
    ).json()
    mapping = []
    for key, name, _, price in CATEGORIES:
        n = sum(1 for s in doc["sections"] for r in s["rows"] for seat in r["seats"] if seat["category"] == key)
        if not n:
            continue
        tt = ok(
            await api.post(
                f"/api/organizations/{org}/events/{event['id']}/ticket-types",
                json={"name": name, "price_cents": price, "quantity": n, "max_per_order": 10},
            )
        ).json()
        mapping.append({"category": key, "ticket_type_id": tt["id"]})
    ok(
        await api.put(
            f"/api/organizations/{org}/events/{event['id']}/seating",
            json={"plan_id": plan["id"], "categories": mapping},
            timeout=300,
        )
    )
    ok(await api.post(f"/api/organizations/{org}/events/{event['id']}/publish"))
    public = ok(await api.get(f"/api/public/events/{event['slug']}/seating", timeout=120)).json()
    seat_ids = [str(seat["id"]) for s in public["plan"]["sections"] for r in s.get("rows") or [] for seat in r["seats"]]
    return {
        "slug": event["slug"],
        "event_id": event["id"],
        "seats": total,
        "seat_ids": seat_ids,
        "categories": [m["category"] for m in mapping],
        "type_ids": [m["ticket_type_id"] for m in mapping],
    }


def run_wrk(
    base: str, ev: dict[str, Any], buyers: int, concurrency: int, threads: int, seats_file: Path
) -> dict[str, Any]:
    """Exactly `buyers` requests (seats.lua; the SIGINT protocol of flash sale's run_wrk). `--timeout 120s`:
    with wrk's default of 2 s every slower answer is a socket error and left out of the percentiles."""
    env = {
        **os.environ,
        "BENCH_PATH": f"/api/public/events/{ev['slug']}/seat-reservations",
        "BENCH_SEATS_FILE": str(seats_file),
        "BENCH_CATEGORIES": ",".join(ev["categories"]),
        "BENCH_TOTAL": str(buyers),
        "BENCH_THREADS": str(threads),
    }
    cmd = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", "600s", "--timeout", "120s", "--latency"]
    cmd += ["-s", str(LUA), base]
    result, other = wrk_until_done(cmd, env, threads)
    result["other_samples"] = [line.strip() for line in other if line.startswith("VG-OTHER")]
    return result


async def double_sold(dsn: str, ev: dict[str, Any]) -> dict[str, Any]:
    """What PostgreSQL says after the run (no hold has lapsed yet: HOLD_MINUTES is far longer)."""
    eid = uuid.UUID(ev["event_id"])
    conn = await asyncpg.connect(dsn)
    try:
        seats_in_two_orders = await conn.fetchval(
            "SELECT count(*) FROM (SELECT l.event_seat_id FROM order_line l JOIN ticket_order o ON o.id = l.order_id"
            " WHERE o.event_id = $1 AND o.status IN ('reserved', 'awaiting_payment', 'paid')"
            " AND l.event_seat_id IS NOT NULL"
            " GROUP BY l.event_seat_id HAVING count(DISTINCT l.order_id) > 1) x",
            eid,
        )
        owner_mismatch = await conn.fetchval(
            "SELECT count(*) FROM order_line l JOIN ticket_order o ON o.id = l.order_id"
            " JOIN event_seat s ON s.id = l.event_seat_id"
            " WHERE o.event_id = $1 AND o.status IN ('reserved', 'awaiting_payment', 'paid')"
            " AND (s.order_id IS DISTINCT FROM l.order_id OR s.status NOT IN ('held', 'sold'))",
            eid,
        )
        two_valid_tickets = await conn.fetchval(
            "SELECT count(*) FROM (SELECT event_seat_id FROM ticket WHERE event_id = $1 AND status = 'valid'"
            " AND event_seat_id IS NOT NULL GROUP BY event_seat_id HAVING count(*) > 1) x",
            eid,
        )
        seats_taken = await conn.fetchval(
            "SELECT count(*) FROM event_seat WHERE event_id = $1 AND status IN ('held', 'sold')", eid
        )
        seat_lines = await conn.fetchval(
            "SELECT count(*) FROM order_line l JOIN ticket_order o ON o.id = l.order_id"
            " WHERE o.event_id = $1 AND o.status IN ('reserved', 'awaiting_payment', 'paid')"
            " AND l.event_seat_id IS NOT NULL",
            eid,
        )
        counters = await conn.fetchval(
            "SELECT coalesce(sum(reserved + sold), 0) FROM ticket_type WHERE id = ANY($1::uuid[])",
            [uuid.UUID(t) for t in ev["type_ids"]],
        )
        first, last, orders = await conn.fetchrow(
            "SELECT min(created_at), max(created_at), count(*) FROM ticket_order"
            " WHERE event_id = $1 AND status IN ('reserved', 'awaiting_payment', 'paid')",
            eid,
        )
    finally:
        await conn.close()
    return {
        "seats_in_two_live_orders": int(seats_in_two_orders),
        "lines_whose_seat_is_not_theirs": int(owner_mismatch),
        "seats_with_two_valid_tickets": int(two_valid_tickets),
        "seats_held_or_sold": int(seats_taken),
        "live_seat_lines": int(seat_lines),
        "ticket_type_reserved_plus_sold": int(counters),
        "live_orders": int(orders),
        "hold_span_s": (last - first).total_seconds() if first and last else 0.0,
    }


def run_picker(base: str, events: list[tuple[str, dict[str, Any]]], runs: int = 1) -> list[dict[str, Any]]:
    cmd = ["node", str(PICKER), "--url", base, "--runs", str(runs)]
    cmd += [f"--event={name}:{ev['slug']}:{ev['seats']}" for name, ev in events]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"picker.mjs failed:\n{out.stdout}{out.stderr}")
    if runs > 1:  # each load's time and navigation timing (the page's first byte, end of parsing)
        print("\n".join(line for line in out.stdout.splitlines() if " run: drawn " in line))
    match = re.search(r"^JSON (.*)$", out.stdout, re.M)
    assert match, out.stdout
    return list(json.loads(match.group(1)))


def picker_lines(picker: list[dict[str, Any]]) -> list[str]:
    return [
        f"  picker {p['name']:<8} {p['seats']} seats: {p['total_bytes'] / 1024:.1f} KB transferred "
        f"(page {p['bytes'].get('page', 0) / 1024:.1f}, seats.js {p['bytes'].get('seats.js', 0) / 1024:.1f}, "
        f"map.json {p['bytes'].get('map.json', 0) / 1024:.1f} KB, {p['map_encoding']}); "
        f"map drawn {p['drawn_ms']} ms at 4x CPU throttling"
        + (
            f" (median of {len(p['drawn_runs_ms'])}: {', '.join(map(str, p['drawn_runs_ms']))})"
            if len(p.get("drawn_runs_ms", [])) > 1
            else ""
        )
        for p in picker
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seats", type=int, default=50000, help="seats in the stadium")
    ap.add_argument("--buyers", type=int, default=2000, help="hold requests (2 seats each)")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--picker-seats", type=int, default=5000, help="seats of the small theatre timed in the picker")
    ap.add_argument("--skip-picker", action="store_true")
    ap.add_argument(
        "--picker-only",
        action="store_true",
        help="only the picker on the theatre and the stadium (no holds, no PostgreSQL checks, no seating.json)",
    )
    ap.add_argument("--picker-runs", type=int, default=1, help="times each picker page is loaded (median reported)")
    ap.add_argument("--url", help="use a running product instead of starting one")
    ap.add_argument("--database-url", help="its database (needed with --url)")
    args = ap.parse_args()

    proc = data_dir = None
    if args.url:
        base, db_url = args.url.rstrip("/"), args.database_url
        if not db_url:
            raise SystemExit("--database-url is needed with --url")
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="vg-bench-"))
        proc, base, db_url = start_product(data_dir)
    dsn = pg_dsn(db_url)
    try:

        async def setup() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
            async with httpx.AsyncClient(base_url=base, timeout=120) as api:
                org = await sign_up_organiser(api)
                stadium = await seated_event(api, org, stadium_doc(args.seats))
                theatre = await seated_event(api, org, theatre_doc(args.picker_seats))
                warm = {} if args.picker_only else await seated_event(api, org, theatre_doc(1000))
            return stadium, theatre, warm

        stadium, theatre, warm = asyncio.run(setup())
        if args.picker_only:
            picker = run_picker(base, [("theatre", theatre), ("stadium", stadium)], args.picker_runs)
            print(f"picker only ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
            print("\n".join(picker_lines(picker)))
            return
        seats_file = Path(tempfile.mkstemp(prefix="vg-seats-", suffix=".txt")[1])
        try:
            seats_file.write_text("\n".join(warm["seat_ids"]) + "\n")
            run_wrk(base, warm, 200, args.concurrency, args.threads, seats_file)  # warm-up on another event
            seats_file.write_text("\n".join(stadium["seat_ids"]) + "\n")
            load = run_wrk(base, stadium, args.buyers, args.concurrency, args.threads, seats_file)
        finally:
            seats_file.unlink(missing_ok=True)
        db = asyncio.run(double_sold(dsn, stadium))
        raw = asyncio.run(raw_rate(dsn, args.concurrency, 20000))
        picker = (
            [] if args.skip_picker else run_picker(base, [("theatre", theatre), ("stadium", stadium)], args.picker_runs)
        )

        seconds = load["duration_us"] / 1e6
        holds_per_s = load["ok"] / seconds if seconds else 0.0
        counts_match = (
            db["seats_held_or_sold"] == db["live_seat_lines"] == db["ticket_type_reserved_plus_sold"] == 2 * load["ok"]
        )
        double = (
            db["seats_in_two_live_orders"] + db["lines_whose_seat_is_not_theirs"] + db["seats_with_two_valid_tickets"]
        )
        summary = {
            "when": datetime.now().isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "seats": stadium["seats"],
            "buyers": args.buyers,
            "concurrency": args.concurrency,
            "holds": {
                "holds_per_s": round(holds_per_s, 1),
                "seats_per_s": round(2 * holds_per_s, 1),
                "requests_per_s": round(load["requests"] / seconds, 1) if seconds else 0.0,
                "seconds": round(seconds, 3),
                "requests": load["requests"],
                "sent": load["sent"],
                "best_available_sent": load["best_sent"],
                "chosen_sent": load["chosen_sent"],
                "stopped_after_share": load["stopped_early"],
                "ok": load["ok"],
                "taken_409": load["taken"],
                "taken_409_with_alternatives": load["taken_with_alternatives"],
                "other_answers": load["other"],
                "other_samples": load["other_samples"],
                "socket_errors": load["errors"],
                "p50_ms": load["p50_us"] / 1000,
                "p95_ms": load["p95_us"] / 1000,
                "p99_ms": load["p99_us"] / 1000,
                "max_ms": load["max_us"] / 1000,
            },
            "double_sold": double,
            "counts_match": counts_match,
            "db": db,
            "raw_postgres": {k: round(v, 3) if isinstance(v, float) else v for k, v in raw.items()},
            "ratio_holds_vs_raw": round(holds_per_s / raw["tx_per_s"], 3) if raw["tx_per_s"] else None,
            "picker": picker,
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "seating.json").write_text(json.dumps(summary, indent=2) + "\n")
        h = summary["holds"]
        lines = [
            f"seating: {stadium['seats']} seats, {args.buyers} buyers x 2 seats (half best available, half chosen), "
            f"{args.concurrency} connections (wrk, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})",
            f"  seat holds/s    {h['holds_per_s']:.0f} holds/s = {h['seats_per_s']:.0f} seats/s "
            f"({h['requests']} answered of {h['sent']} sent in {h['seconds']:.2f} s"
            f"{'' if h['stopped_after_share'] else '; WARNING: wrk ran into -d'})",
            f"  latency         p50 {h['p50_ms']:.1f} ms  p95 {h['p95_ms']:.1f} ms"
            f"  p99 {h['p99_ms']:.1f} ms  max {h['max_ms']:.1f} ms",
            f"  answers         {h['ok']} held, {h['taken_409']} 409 taken "
            f"({h['taken_409_with_alternatives']} with alternatives), "
            f"{h['other_answers']} other, {h['socket_errors']} socket errors",
            f"  double-sold     {double} (seats in two live orders {db['seats_in_two_live_orders']}, "
            f"lines whose seat is not "
            f"theirs {db['lines_whose_seat_is_not_theirs']}, "
            f"seats with two valid tickets {db['seats_with_two_valid_tickets']})",
            f"  counts          seats held {db['seats_held_or_sold']}, live seat lines {db['live_seat_lines']}, "
            f"types reserved+sold {db['ticket_type_reserved_plus_sold']}, 2 x 201s {2 * h['ok']}: "
            f"{'match' if counts_match else 'MISMATCH'}",
            f"  raw PostgreSQL  {raw['tx_per_s']:.0f} tx/s (conditional UPDATE + INSERT, one hot row, "
            f"{args.concurrency} connections)",
            f"  ratio           {summary['ratio_holds_vs_raw']} (seat holds/s vs raw tx/s)",
            *(f"  {s}" for s in h["other_samples"]),
        ]
        lines += picker_lines(picker)
        lines.append(f"  JSON            {RESULTS / 'seating.json'}")
        print("\n".join(lines))
        failed = double or not counts_match or h["other_answers"]
    finally:
        stop_product(proc, data_dir)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
