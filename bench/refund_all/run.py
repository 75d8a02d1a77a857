"""Refund-all benchmark: cancel an event with N paid orders and time the job to the end.

1. Starts the product (bench/flash_sale/run.py's `start_product`) and makes an event with N paid
   orders. By default they are written straight to the database by voelgoed.testing.seeding's
   `seed_paid_orders` (each with its succeeded payment and its sale booked in the ledger, as the
   checkout leaves them; 10,000 purchases through the API would take longer than the measurement).
   `--buy` buys them through the public API with the simulated provider instead
   (bench/memory/run.py's `purchases`) and waits until every ticket e-mail is sent, so the worker
   does nothing else during the measurement.
2. Raw baseline in the same run, same database: asyncpg, batches of 100 rows, each one
   transaction of `SELECT ... FOR UPDATE SKIP LOCKED` + `UPDATE` + `INSERT` per row on a scratch
   table (the shape of the job's bookkeeping without any of its rules). Ratio = refunds/s / raw
   rows/s.
3. `POST .../cancellation {mode: refund_all}` and polls `GET .../cancellation` until finished:
   time to finish the job, orders/s; then until every refund succeeded at the (simulated)
   provider (refunds/s end to end), and until every buyer's e-mail is in the mail folder
   (exactly one per order: the references are counted).
4. The ledger: the event's trial balance (`getTrialBalance`) must sum to zero; "n/a" when the
   ledger is not in this build.

    just bench-refund-all                  # 10,000 orders
    just bench-refund-all --orders 500     # a quick look
Prints figures and writes bench/results/refund_all.json; exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.parser
import email.policy
import json
import re
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.flash_sale.run import RESULTS, pg_dsn, start_product, stop_product  # noqa: E402
from bench.memory.run import purchases, wait_delivered  # noqa: E402


async def organiser(base: str, tickets: int) -> tuple[httpx.AsyncClient, str, dict[str, Any]]:
    """A signed-in organiser (the client keeps the cookies) and a published event with one type."""
    api = httpx.AsyncClient(base_url=base, timeout=60)
    r = await api.post(
        "/api/auth/sign-up",
        json={"email": f"bench-{uuid.uuid4().hex[:8]}@example.co.za", "password": "bench-password-123",
              "name": "Bench", "organization_name": "Bench"},
    )  # fmt: skip
    r.raise_for_status()
    org = f"/api/organizations/{r.json()['memberships'][0]['organization_id']}"
    api.headers["X-CSRF-Token"] = api.cookies["vg_csrf"]
    place = {"name": "Arena", "address_line1": "1 Main Rd", "city": "Durban"}
    venue = (await api.post(f"{org}/venues", json=place)).json()
    start = (datetime.now() + timedelta(days=30)).replace(microsecond=0)
    event = (
        await api.post(
            f"{org}/events",
            json={"name": f"Refund-all {uuid.uuid4().hex[:6]}", "venue_id": venue["id"],
                  "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=4)).isoformat()},
        )
    ).json()  # fmt: skip
    tt = await api.post(
        f"{org}/events/{event['id']}/ticket-types",
        json={"name": "General", "price_cents": 25000, "quantity": tickets, "max_per_order": 10},
    )
    tt.raise_for_status()
    (await api.post(f"{org}/events/{event['id']}/publish")).raise_for_status()
    return api, org, {"slug": event["slug"], "event_id": event["id"], "type_id": tt.json()["id"]}


async def seed(db_url: str, org: str, ev: dict[str, Any], orders: int) -> int:
    """N paid orders straight into the database (module docstring, 1)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from voelgoed.db import models  # noqa: F401 (every model registered for the ORM)
    from voelgoed.testing.seeding import seed_paid_orders

    engine = create_async_engine(db_url)
    try:
        return await seed_paid_orders(
            engine,
            organization_id=uuid.UUID(org.rsplit("/", 1)[1]),
            event_id=uuid.UUID(ev["event_id"]),
            ticket_type_id=uuid.UUID(ev["type_id"]),
            count=orders,
            email_domain="refund-all.example.co.za",
        )
    finally:
        await engine.dispose()


async def raw_baseline(dsn: str, rows: int) -> float:
    """Rows/s of the job's bookkeeping shape, raw (see the module's docstring, 2)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TEMP TABLE bench_orders (id int PRIMARY KEY, status text);"
            "CREATE TEMP TABLE bench_marks (order_id int PRIMARY KEY, at timestamptz)"
        )
        await conn.execute("INSERT INTO bench_orders SELECT g, 'paid' FROM generate_series(1, $1) g", rows)
        t0 = time.perf_counter()
        while True:
            async with conn.transaction():
                ids = [
                    r["id"]
                    for r in await conn.fetch(
                        "SELECT id FROM bench_orders WHERE status = 'paid' ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED"
                    )
                ]
                if not ids:
                    break
                for i in ids:
                    await conn.execute("UPDATE bench_orders SET status = 'cancelled' WHERE id = $1", i)
                    await conn.execute("INSERT INTO bench_marks VALUES ($1, now())", i)
        return rows / (time.perf_counter() - t0)  # fmt: skip
    finally:
        await conn.close()


async def wait_sql(dsn: str, sql: str, target: int, within: float, *args: Any) -> tuple[int, float]:
    conn = await asyncpg.connect(dsn)
    t0, n = time.perf_counter(), 0
    try:
        while time.perf_counter() - t0 < within:
            n = int(await conn.fetchval(sql, *args) or 0)
            if n >= target:
                break
            await asyncio.sleep(0.25)
    finally:
        await conn.close()
    return n, time.perf_counter() - t0


class CancellationMails:
    """The order references of the "Cancelled:" e-mails in the mail folder, read incrementally
    (each file once, headers only): re-reading 10,000 whole messages every second was slower than
    the job being measured."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir
        self.seen: set[str] = set()
        self.refs: list[str] = []

    def read(self) -> list[str]:
        parser = email.parser.BytesHeaderParser(policy=email.policy.default)
        for path in self.mail_dir.glob("*.eml"):
            if path.name in self.seen:
                continue
            self.seen.add(path.name)
            with path.open("rb") as f:
                subject = str(parser.parse(f)["Subject"])
            if subject.startswith("Cancelled:"):
                self.refs += re.findall(r"\(([A-Z0-9-]+)\)$", subject)  # VG-... or a seeded SD...
        return self.refs


async def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="vg-bench-refund-all-"))
    proc, base, db_url = start_product(data_dir)
    dsn = pg_dsn(db_url)
    try:
        api, org, ev = await organiser(base, args.orders + 10)
        t0 = time.perf_counter()
        if args.buy:
            paid = await purchases(base, ev, args.orders, args.concurrency)
            print(f"{paid} orders bought in {time.perf_counter() - t0:.0f} s", flush=True)
            delivered = await wait_delivered(dsn, paid, within=1800)
            print(f"{delivered} ticket e-mails sent; the worker is idle", flush=True)
        else:
            paid = await seed(db_url, org, ev, args.orders)
            print(f"{paid} paid orders seeded (payments and ledger sales) in {time.perf_counter() - t0:.0f} s")
        raw = await raw_baseline(dsn, paid)
        print(f"raw baseline: {raw:.0f} rows/s", flush=True)

        path = f"{org}/events/{ev['event_id']}/cancellation"
        t0 = time.perf_counter()
        r = await api.post(path, json={"mode": "refund_all", "reason_text": "Benchmark"})
        r.raise_for_status()
        body = r.json()
        while body["status"] == "running" and time.perf_counter() - t0 < 3600:
            await asyncio.sleep(0.5)
            body = (await api.get(path)).json()
        job_s = time.perf_counter() - t0
        print(f"job {body['status']}: {body['orders_done']} orders in {job_s:.1f} s", flush=True)
        succeeded, _ = await wait_sql(
            dsn,
            "SELECT count(*) FROM refund r JOIN ticket_order o ON o.id = r.order_id"
            " WHERE o.event_id = $1 AND r.status = 'succeeded'",
            paid, 1800, uuid.UUID(ev["event_id"]),
        )  # fmt: skip
        refunds_s = time.perf_counter() - t0
        mails_deadline = time.perf_counter() + 1800
        mails = CancellationMails(data_dir / "mail")
        refs = mails.read()
        while len(refs) < paid and time.perf_counter() < mails_deadline:
            await asyncio.sleep(1.0)
            refs = mails.read()
        mails_s = time.perf_counter() - t0
        tb = await api.get(f"{org}/ledger/trial-balance", params={"event_id": ev["event_id"]})
        ledger = tb.json()["total_cents"] == 0 if tb.status_code == 200 else None
        await api.aclose()
    finally:
        stop_product(proc, data_dir)
    result = {
        "orders": paid,
        "job_status": body["status"],
        "job_seconds": round(job_s, 2),
        "orders_per_s": round(paid / job_s, 1),
        "refunds_succeeded": succeeded,
        "refunds_seconds": round(refunds_s, 2),
        "refunds_per_s": round(succeeded / refunds_s, 1),
        "raw_rows_per_s": round(raw, 1),
        "ratio": round((paid / job_s) / raw, 3),
        "emails": len(refs),
        "emails_distinct_orders": len(set(refs)),
        "emails_seconds": round(mails_s, 2),
        "failures": body["failures"],
        "ledger_balanced": ledger,
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--buy", action="store_true", help="buy the orders through the API instead of seeding them")
    parser.add_argument("--concurrency", type=int, default=32, help="buyers buying at once (with --buy)")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "refund_all.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    ok = (
        result["job_status"] == "finished"
        and result["failures"] == 0
        and result["refunds_succeeded"] == result["orders"]
        and result["emails"] == result["emails_distinct_orders"] == result["orders"]
        and result["ledger_balanced"] is not False
    )
    print("ledger: " + {True: "balanced", False: "NOT BALANCED", None: "n/a (no ledger in this build)"}[
        result["ledger_balanced"]])  # fmt: skip
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
