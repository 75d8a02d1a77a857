"""Gate-rush benchmark: online scans over HTTP, double admissions, and the 100k snapshot.

Starts the product like bench/flash_sale (its helpers are reused), seeds a live event with paid
tickets straight into the database, pairs D devices, and drives POST /api/checkin/scans with
Debian's `wrk` + scan.lua: a paced run (target rate, default 500 scans/s) and an unpaced run
(max rate), each mixing first scans with repeats of the same tickets across devices. Prints
scans/s, p50/p95/p99 verdict latency, double admissions (from the database: tickets with more
than one ok entry), the raw baseline (GET /health with the same generator, pacing and
connections), the time to download + parse the 100,000-ticket snapshot (gzip), and then the
scanner PWA's own offline verifier timed in headless Chromium (bench/scanner_offline).
Writes bench/results/gate_rush.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
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


async def setup(base: str, db_url: str, online_tickets: int, snapshot_tickets: int, devices: int) -> dict[str, Any]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from voelgoed.testing.seeding import SeededEvent, seed_signing_key, seed_ticket_types, seed_tickets

    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        r = await api.post(
            "/api/auth/sign-up",
            json={"email": f"bench-{uuid.uuid4().hex[:8]}@example.co.za", "password": "bench-password-123",
                  "name": "Bench", "organization_name": "Bench Org"},
        )  # fmt: skip
        r.raise_for_status()
        me = r.json()
        api.headers["X-CSRF-Token"] = me["csrf_token"]
        org = me["memberships"][0]["organization_id"]
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
        engine = create_async_engine(db_url)
        t0 = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE event SET status = 'published', starts_at = now() + interval '1 hour',"
                     " ends_at = now() + interval '6 hours' WHERE id = :e"),
                {"e": uuid.UUID(ev["id"])},
            )  # fmt: skip
            key_id, private = await seed_signing_key(conn, uuid.UUID(org), uuid.UUID(ev["id"]))
            types = await seed_ticket_types(conn, uuid.UUID(org), uuid.UUID(ev["id"]), ["General", "VIP"], 10**6)
            seeded = SeededEvent(uuid.UUID(org), uuid.UUID(ev["id"]), key_id, private, types)
            online = await seed_tickets(conn, seeded, online_tickets)
            await seed_tickets(conn, seeded, max(snapshot_tickets - online_tickets, 0), sign=False)
        seed_seconds = time.perf_counter() - t0
        await engine.dispose()
        tokens = []
        for i in range(devices):
            code = (
                await api.post(f"/api/organizations/{org}/devices/pairing-codes", json={"event_ids": [ev["id"]]})
            ).json()
            paired = await api.post("/api/devices/pair", json={"code": code["code"], "device_name": f"bench {i}"})
            paired.raise_for_status()
            tokens.append(paired.json()["token"])
    return {"org": org, "event_id": ev["id"], "gates": gates, "tokens": tokens,
            "payloads": [t.payload for t in online], "seed_seconds": seed_seconds}  # fmt: skip


def wrk(script: Path, base: str, *, conns: int, threads: int, seconds: int, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--latency", "-s", str(script), base],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"^JSON (.*)$", out, re.M)
    if not match:
        raise SystemExit("wrk gave no summary:\n" + out)
    return dict(json.loads(match.group(1)))


async def double_admissions(db_url: str, event_id: str) -> dict[str, int]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(db_url)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE n > 1), count(*) FROM"
                    " (SELECT ticket_id, count(*) n FROM checkin_scan WHERE event_id = :e"
                    "  AND result = 'ok' AND direction = 'entry' GROUP BY ticket_id) x"
                ),
                {"e": uuid.UUID(event_id)},
            )
        ).one()
        scans = await conn.scalar(
            text("SELECT count(*) FROM checkin_scan WHERE event_id = :e"), {"e": uuid.UUID(event_id)}
        )
    await engine.dispose()
    return {"double_admissions": int(row[0]), "admitted_tickets": int(row[1]), "scans_recorded": int(scans or 0)}


def snapshot_time(base: str, token: str, event_id: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, timeout=120) as http:
        r = http.get("/api/checkin/snapshot", params={"event_id": event_id},
                     headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"})  # fmt: skip
        r.raise_for_status()
        wire = len(r.content) if r.headers.get("content-encoding") != "gzip" else None
        t_dl = time.perf_counter() - t0
        body = json.loads(r.content)
    total = time.perf_counter() - t0
    raw = len(r.content)
    return {
        "tickets": len(body["tickets"]),
        "download_s": round(t_dl, 3),
        "download_and_parse_s": round(total, 3),
        "json_bytes": raw,
        "gzip_bytes_estimate": wire or len(gzip.compress(r.content, 1)),
        "content_encoding": r.headers.get("content-encoding"),
    }


def scanner_offline() -> dict[str, Any]:
    """The PWA's own offline verifier, timed in headless Chromium (bench/scanner_offline; needs
    scanner_pwa/dist, which the `just bench-gate-rush` recipe builds)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scanner.json"
        subprocess.run(["node", str(ROOT / "bench/scanner_offline/run.mjs"), "--json", str(out)], check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
        return dict(json.loads(out.read_text()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=100_000, help="tickets in the event (snapshot size)")
    ap.add_argument("--online-tickets", type=int, default=20_000, help="signed tickets scanned online")
    ap.add_argument("--devices", type=int, default=8)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--rate", type=int, default=500, help="target scans/s of the paced run")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--skip-scanner", action="store_true", help="skip the PWA offline verifier in Chromium")
    ap.add_argument("--warmup-tickets", type=int, default=2000, help="tickets scanned in a 3 s warm-up, not measured")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("install Debian's wrk (apt-get install wrk)")
    data_dir = Path(tempfile.mkdtemp(prefix="vg-gate-rush-"))
    proc, base, db_url = start_product(data_dir)
    try:
        ev = asyncio.run(setup(base, db_url, args.online_tickets, args.tickets, args.devices))
        # The last tickets warm the server up (connections, prepared statements) before measuring.
        warm, measured = ev["payloads"][-args.warmup_tickets :], ev["payloads"][: -args.warmup_tickets]
        # The paced and the max run scan disjoint halves, so both see the same first-scan/repeat mix.
        files = {}
        for name, part in (("warm", warm), ("paced", measured[::2]), ("max", measured[1::2])):
            files[name] = data_dir / f"payloads-{name}.txt"
            files[name].write_text("\n".join(part) + "\n")
        threads = min(args.devices, 4)
        delay = max(int(args.conns * 1000 / args.rate) - 6, 0)  # per connection, minus ~p50 latency
        env = {"BENCH_TOKENS": ",".join(ev["tokens"]), "BENCH_GATES": ",".join(ev["gates"])}
        wrk(HERE / "scan.lua", base, conns=args.conns, threads=threads, seconds=3,
            env={**env, "BENCH_PAYLOADS": str(files["warm"]), "BENCH_DELAY_MS": "0", "BENCH_RUN": "1"})  # fmt: skip
        # Devices walk the same payload list 3 apart: first scans plus repeats from other devices.
        paced_env = {**env, "BENCH_PAYLOADS": str(files["paced"]), "BENCH_DELAY_MS": str(delay), "BENCH_RUN": "2"}
        paced = wrk(HERE / "scan.lua", base, conns=args.conns, threads=threads, seconds=args.seconds, env=paced_env)
        max_env = {**env, "BENCH_PAYLOADS": str(files["max"]), "BENCH_DELAY_MS": "0", "BENCH_RUN": "3"}
        unpaced = wrk(HERE / "scan.lua", base, conns=args.conns, threads=threads, seconds=args.seconds, env=max_env)
        base_paced = wrk(HERE / "baseline.lua", base + "/health", conns=args.conns, threads=threads, seconds=10,
                         env={"BENCH_DELAY_MS": str(delay)})  # fmt: skip
        base_max = wrk(HERE / "baseline.lua", base + "/health", conns=args.conns, threads=threads, seconds=10, env={})
        db = asyncio.run(double_admissions(db_url, ev["event_id"]))
        snap = snapshot_time(base, ev["tokens"][0], ev["event_id"])
        summary = {
            "cpus": os.cpu_count(),
            "seed_seconds": round(ev["seed_seconds"], 1),
            "paced": paced,
            "max": unpaced,
            "baseline_health_paced": base_paced,
            "baseline_health_max": base_max,
            "ratio_scan_to_health_max_rate": round(unpaced["rate"] / base_max["rate"], 3),
            "ratio_paced_p99_to_health_paced_p99": round(paced["p99_ms"] / max(base_paced["p99_ms"], 0.01), 2),
            **db,
            "snapshot": snap,
            "targets": {
                "double_admissions_0": db["double_admissions"] == 0,
                "paced_p99_under_25ms": paced["p99_ms"] < 25 and paced["rate"] >= args.rate * 0.9,
                "snapshot_under_15s": snap["download_and_parse_s"] < 15,
            },
        }
    finally:
        stop_product(proc, data_dir)
    if not args.skip_scanner:
        summary["scanner_offline"] = scanner_offline()
        summary["targets"]["offline_verdict_under_5ms"] = summary["scanner_offline"]["verifier"]["p99_ms"] < 5
    print(f"gate rush on {summary['cpus']} CPUs")
    for name in ("paced", "max"):
        r = summary[name]
        print(f"  {name:6} {r['rate']:8.1f} scans/s  p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms"
              f"  p99 {r['p99_ms']:.2f} ms  ok {r['ok']}  redeemed {r['already_redeemed']}"
              f"  other {r['other']}")  # fmt: skip
    print(f"  baseline GET /health max {base_max['rate']:.1f} req/s (p99 {base_max['p99_ms']:.2f} ms); "
          f"scan/health ratio {summary['ratio_scan_to_health_max_rate']}")  # fmt: skip
    print(f"  baseline GET /health paced p99 {base_paced['p99_ms']:.2f} ms; "
          f"scan/health p99 ratio {summary['ratio_paced_p99_to_health_paced_p99']}")  # fmt: skip
    print(f"  double admissions {db['double_admissions']} (admitted tickets {db['admitted_tickets']}, "
          f"scans recorded {db['scans_recorded']})")  # fmt: skip
    print(f"  snapshot {snap['tickets']} tickets: download+parse {snap['download_and_parse_s']} s, "
          f"{snap['json_bytes'] / 1e6:.1f} MB JSON, encoding {snap['content_encoding']}")  # fmt: skip
    if "scanner_offline" in summary:
        v = summary["scanner_offline"]
        print(f"  scanner PWA offline verifier (headless Chromium): {v['verifier']['verifications_per_s']} "
              f"verifications/s, p99 {v['verifier']['p99_ms']} ms; bare crypto.subtle.verify "
              f"{v['baseline_bare_verify_per_s']}/s (ratio {v['ratio_verifier_to_bare_verify']}); with the "
              f"IndexedDB write p99 {v['offline_scan_with_storage']['p99_ms']} ms")  # fmt: skip
    print(f"  targets: {summary['targets']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gate_rush.json").write_text(json.dumps(summary, indent=2))
    print("JSON " + json.dumps(summary))


if __name__ == "__main__":
    main()
