"""Payment-providers benchmark: the full purchase through each provider's fake, as a ratio to the
simulated provider measured in the same run.

Starts the fakes of backend/tests/fakes/ (PayFast, Yoco, Paystack, Ozow: loopback HTTP servers, here in
a process of their own, each following its vendor's protocol, with a hosted "pay" step that sends
the signed notification to our notify URL) and the product pointed at them (start_product with
PAYFAST_BASE_URL, PAYFAST_API_URL, YOCO_API_URL, PAYSTACK_API_URL, OZOW_PAY_URL, OZOW_API_URL and
loopback allowed to notify). One organisation with one event per run, each provider's account
connected the way an organiser does it (settings API for PayFast and Ozow, Connect for Yoco and
Paystack). Then, per provider, N purchases
with C concurrent buyers: reserve -> checkout with that provider -> pay at the fake (which
notifies us) -> read the order until it is paid. The simulated provider runs first and again last;
the mean of the two is the baseline of the ratios (the machine may be shared: the two simulated
runs show the drift). The database is read afterwards: every order paid exactly once, one
succeeded payment and its ticket per paid order.

The fakes answer instantly, so the figures measure our side of each protocol (signature checks,
the confirmation calls to the provider, de-duplication), not the vendors. No timed assertions:
the exit status is non-zero only when a purchase failed or the database disagrees.
Writes bench/results/payment_providers.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT))
from bench.flash_sale.run import (  # noqa: E402
    PayStep,
    PayStepFailed,
    add_event,
    pg_dsn,
    purchase_run,
    sign_up_organiser,
    simulated_pay,
    start_product,
    stop_product,
)

from tests.fakes.ozow import FakeOzow  # noqa: E402
from tests.fakes.payfast import FakePayFast  # noqa: E402
from tests.fakes.paystack import FakePaystack  # noqa: E402
from tests.fakes.yoco import FakeYoco  # noqa: E402
from voelgoed.settings import PAYFAST_DEFAULT_ALLOWED_IPS, PAYSTACK_DEFAULT_ALLOWED_IPS  # noqa: E402

PAYFAST_MERCHANT = ("10004002", "bench0merchant0key", "Bench passphrase 2026")
YOCO_KEY = "sk_test_bench0000yoco0000000000000000"
PAYSTACK_KEY = "sk_test_bench000paystack00000000000000000"
OZOW_SITE = ("VGE-BEN-001", "bench0ozow0private0key0000000", "bench0ozow0api0key00000000000000")


@dataclass
class Fakes:
    """The fakes, each on its own loopback port, in daemon threads of the fakes' process."""

    payfast: FakePayFast
    yoco: FakeYoco
    paystack: FakePaystack
    ozow: FakeOzow

    @classmethod
    def start(cls) -> Fakes:
        fakes = cls(FakePayFast().start(), FakeYoco().start(), FakePaystack().start(), FakeOzow().start())
        fakes.payfast.add_merchant(*PAYFAST_MERCHANT)
        fakes.yoco.add_account(YOCO_KEY)
        fakes.paystack.add_account(PAYSTACK_KEY)
        fakes.ozow.add_site(*OZOW_SITE)
        return fakes

    def product_env(self) -> dict[str, str]:
        """What backend/tests/conftest.py gives the product: the fakes' URLs, and loopback (where
        the fakes send their notifications from) among the allowed notification sources."""
        return {
            "PAYFAST_BASE_URL": self.payfast.base_url,
            "PAYFAST_API_URL": self.payfast.base_url,
            "PAYFAST_ALLOWED_IPS": ",".join([*PAYFAST_DEFAULT_ALLOWED_IPS, "127.0.0.1/32"]),
            "PAYFAST_TRUSTED_PROXIES": "127.0.0.1/32",
            "YOCO_API_URL": self.yoco.base_url,
            "PAYSTACK_API_URL": self.paystack.base_url,
            "PAYSTACK_ALLOWED_IPS": ",".join([*PAYSTACK_DEFAULT_ALLOWED_IPS, "127.0.0.1/32"]),
            "PAYSTACK_TRUSTED_PROXIES": "127.0.0.1/32",
            "OZOW_PAY_URL": self.ozow.pay_url,
            "OZOW_API_URL": self.ozow.base_url + "/api",
        }

    def set_paystack_webhook(self, url: str) -> None:
        # Paystack has no webhook API: the organiser pastes the URL Connect shows into its dashboard.
        self.paystack.accounts[PAYSTACK_KEY].webhook_url = url

    def notification_answers(self, provider: str) -> dict[str, int]:
        """How our notify URL answered the fake's notifications so far (status -> count)."""
        if provider == "payfast":
            answers = [p.itn_status for p in self.payfast.payments.values() if p.itn_status is not None]
        elif provider == "ozow":
            answers = [t.notify_status for t in self.ozow.transactions.values() if t.notify_status is not None]
        elif provider in ("yoco", "paystack"):
            answers = [d.status_code for d in (self.yoco if provider == "yoco" else self.paystack).deliveries]
        else:
            answers = []
        return dict(Counter(str(a) for a in answers))

    def refused_notification(self, provider: str) -> str | None:
        """Our answer to the first notification we did not accept with 200 (why a payment failed)."""
        if provider == "payfast":
            payments = self.payfast.payments.values()
            bad = [f"{p.itn_status} {p.itn_body[:200]}" for p in payments if p.itn_status not in (None, 200)]
        elif provider == "ozow":
            txns = self.ozow.transactions.values()
            bad = [f"{t.notify_status} {t.notify_body[:200]}" for t in txns if t.notify_status not in (None, 200)]
        else:
            deliveries = self.yoco.deliveries if provider == "yoco" else self.paystack.deliveries
            bad = [
                f"{d.status_code} {d.body[:200].decode(errors='replace')}" for d in deliveries if d.status_code != 200
            ]
        return bad[0] if bad else None


def serve_fakes(conn: Connection) -> None:
    """The fakes' own process: start them, send the product's env, then answer the benchmark's
    questions (a Fakes method name and its arguments) until it hangs up. A process of their own, so
    that the fakes' Python work does not share the load generator's interpreter lock."""
    fakes = Fakes.start()
    conn.send(fakes.product_env())
    while True:
        try:
            name, *args = conn.recv()
        except EOFError:
            return
        conn.send(getattr(fakes, name)(*args))


class FakesProcess:
    """The benchmark's handle on the fakes' process."""

    def __init__(self) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.proc = multiprocessing.get_context("fork").Process(target=serve_fakes, args=(child,), daemon=True)
        self.proc.start()
        self.env: dict[str, str] = self.conn.recv()

    def ask(self, name: str, *args: Any) -> Any:
        self.conn.send((name, *args))
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.close()
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()


# --- the drivers: one per provider, the buyer's part at the provider after our checkout answered ---


def expect(response: httpx.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise PayStepFailed(f"{what} answered {response.status_code}: {response.text[:160]}")


async def payfast_pay(http: httpx.AsyncClient, payment: dict[str, Any]) -> None:
    """The browser posts our signed form to PayFast's /eng/process, then pays: PayFast sends the
    ITN (we check signature, source IP, amount, and ask PayFast's validate URL) before redirecting."""
    form = await http.post(payment["url"], data=payment["fields"])
    expect(form, 200, "PayFast's process form")
    pay = f"{payment['url']}/{form.headers['x-fake-payment-id']}/pay"
    expect(await http.post(pay), 302, "PayFast's pay step")


async def yoco_pay(http: httpx.AsyncClient, payment: dict[str, Any]) -> None:
    """The buyer opens Yoco's hosted page and pays: Yoco POSTs the signed payment.succeeded
    webhook (Standard Webhooks) to the URL Connect registered, then redirects to successUrl."""
    expect(await http.get(payment["url"]), 200, "Yoco's checkout page")
    expect(await http.post(payment["url"] + "/pay"), 302, "Yoco's pay step")


async def paystack_pay(http: httpx.AsyncClient, payment: dict[str, Any]) -> None:
    """The buyer opens Paystack's page and pays: Paystack POSTs charge.success (HMAC-SHA512) to the
    webhook URL, and we confirm it with Paystack's verify call, before the redirect to callback_url."""
    expect(await http.get(payment["url"]), 200, "Paystack's checkout page")
    expect(await http.post(payment["url"] + "/pay"), 302, "Paystack's pay step")


async def ozow_pay(http: httpx.AsyncClient, payment: dict[str, Any]) -> None:
    """The browser posts our hashed payment request to Ozow, then pays at the bank: Ozow posts the
    notification (we check its hash, site and amount, and ask Ozow's status API) before redirecting."""
    form = await http.post(payment["url"], data=payment["fields"])
    expect(form, 200, "Ozow's payment request")
    pay = f"{payment['url']}/{form.headers['x-fake-transaction-id']}/pay"
    expect(await http.post(pay), 302, "Ozow's pay step")


# Provider name -> its pay step. A new provider is one more driver and one connect step.
DRIVERS: dict[str, PayStep] = {
    "simulated": simulated_pay,
    "payfast": payfast_pay,
    "yoco": yoco_pay,
    "paystack": paystack_pay,
    "ozow": ozow_pay,
}


async def connect_accounts(api: httpx.AsyncClient, org: str, fakes: FakesProcess) -> None:
    """Connect each provider's account as an organiser does (tests/api/test_payments_*.py)."""
    merchant_id, merchant_key, passphrase = PAYFAST_MERCHANT
    saved = await api.put(
        f"/api/organizations/{org}/payment-providers/payfast",
        json={
            "credentials": {"merchant_id": merchant_id, "merchant_key": merchant_key, "passphrase": passphrase},
            "sandbox": True,
            "enabled": True,
        },
    )
    saved.raise_for_status()
    yoco = await api.post(f"/api/organizations/{org}/payment-providers/yoco/connect", json={"secret_key": YOCO_KEY})
    yoco.raise_for_status()
    if not yoco.json().get("webhook_registered"):
        raise SystemExit(f"Yoco Connect did not register the webhook: {yoco.text}")
    paystack = await api.post(
        f"/api/organizations/{org}/payment-providers/paystack/connect", json={"secret_key": PAYSTACK_KEY}
    )
    paystack.raise_for_status()
    fakes.ask("set_paystack_webhook", paystack.json()["webhook_url"])
    site_code, private_key, api_key = OZOW_SITE
    ozow = await api.put(
        f"/api/organizations/{org}/payment-providers/ozow",
        json={
            "credentials": {"site_code": site_code, "private_key": private_key, "api_key": api_key},
            "sandbox": True,
            "enabled": True,
        },
    )
    ozow.raise_for_status()


async def setup(base: str, fakes: FakesProcess, runs: list[str], tickets: int, warmup: int) -> dict[str, Any]:
    """One organisation, its providers connected, an event per run and one for the warm-up."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        org = await sign_up_organiser(api)
        await connect_accounts(api, org, fakes)
        events = [await add_event(api, org, tickets) for _ in runs]
        warm = await add_event(api, org, max(1, warmup * len(set(runs))))
    return {"org": org, "events": events, "warmup": warm}


async def database_check(dsn: str, event_id: str, provider: str) -> dict[str, Any]:
    """Per event: paid orders, each paid exactly once (one succeeded payment) with its one ticket,
    and nothing paid or ticketed that is not a paid order."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT o.status,"
            " (SELECT count(*) FROM payment_transaction p WHERE p.order_id = o.id AND p.status = 'succeeded')"
            "   AS succeeded,"
            " (SELECT count(*) FROM payment_transaction p WHERE p.order_id = o.id AND p.provider = $2)"
            "   AS with_provider,"
            " (SELECT count(*) FROM ticket t WHERE t.order_id = o.id) AS tickets"
            " FROM ticket_order o WHERE o.event_id = $1",
            uuid.UUID(event_id),
            provider,
        )
        notifications = await conn.fetchval(
            "SELECT count(*) FROM payment_notification n JOIN payment_transaction p ON p.id = n.transaction_id"
            " JOIN ticket_order o ON o.id = p.order_id WHERE o.event_id = $1 AND n.verified",
            uuid.UUID(event_id),
        )
    finally:
        await conn.close()
    paid = [r for r in rows if r["status"] == "paid"]
    return {
        "orders": len(rows),
        "paid": len(paid),
        "paid_exactly_once": sum(1 for r in paid if r["succeeded"] == 1),
        "paid_more_than_once": sum(1 for r in paid if r["succeeded"] > 1),
        "paid_without_payment": sum(1 for r in paid if r["succeeded"] == 0),
        "paid_through_other_provider": sum(1 for r in paid if r["with_provider"] == 0),
        "tickets": sum(r["tickets"] for r in rows),
        "paid_without_ticket": sum(1 for r in paid if r["tickets"] == 0),
        "unpaid_with_payment_or_ticket": sum(
            1 for r in rows if r["status"] != "paid" and (r["succeeded"] or r["tickets"])
        ),
        "verified_notifications": int(notifications or 0),
    }


def anomalies(db: dict[str, Any], orders_paid: int) -> list[str]:
    found = [
        f"{k.replace('_', ' ')}: {db[k]}"
        for k in (
            "paid_more_than_once",
            "paid_without_payment",
            "paid_through_other_provider",
            "paid_without_ticket",
            "unpaid_with_payment_or_ticket",
        )
        if db[k]
    ]
    if db["paid"] != orders_paid:
        found.append(f"database has {db['paid']} paid orders, the buyers saw {orders_paid}")
    if db["tickets"] != db["paid"]:
        found.append(f"{db['tickets']} tickets for {db['paid']} paid one-ticket orders")
    return found


def run_provider(
    base: str, dsn: str, fakes: FakesProcess, provider: str, ev: dict[str, Any], args: Any
) -> dict[str, Any]:
    before = Counter(fakes.ask("notification_answers", provider))
    result = asyncio.run(purchase_run(base, ev, args.purchases, args.concurrency, provider, DRIVERS[provider]))
    result["notify_answers"] = dict(Counter(fakes.ask("notification_answers", provider)) - before)
    if result["failed"] and provider != "simulated":
        result["first_refused_notification"] = fakes.ask("refused_notification", provider)
    result["db"] = asyncio.run(database_check(dsn, ev["event_id"], provider))
    result["anomalies"] = anomalies(result["db"], result["orders_paid"])
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--purchases", type=int, default=200, help="N: purchases per provider run")
    ap.add_argument("--concurrency", type=int, default=16, help="C: concurrent buyers")
    ap.add_argument("--warmup", type=int, default=10, help="purchases per provider before the measured runs")
    ap.add_argument(
        "--providers", default="payfast,yoco,paystack,ozow", help="providers between the two simulated runs"
    )
    args = ap.parse_args()
    providers = [p.strip() for p in args.providers.split(",") if p.strip()]
    unknown = [p for p in providers if p not in DRIVERS or p == "simulated"]
    if unknown:
        raise SystemExit(f"no driver for {', '.join(unknown)} (drivers: {', '.join(DRIVERS)})")
    runs = ["simulated", *providers, "simulated"]

    load_before = os.getloadavg()[0]
    fakes = FakesProcess()
    data_dir = Path(tempfile.mkdtemp(prefix="vg-bench-pay-"))
    proc = None
    try:
        proc, base, db_url = start_product(data_dir, fakes.env)
        dsn = pg_dsn(db_url)
        made = asyncio.run(setup(base, fakes, runs, args.purchases, args.warmup))
        for provider in dict.fromkeys(runs):  # warm-up: connections, caches, each provider's code path
            asyncio.run(purchase_run(base, made["warmup"], args.warmup, args.concurrency, provider, DRIVERS[provider]))

        measured = [
            {"provider": provider, **run_provider(base, dsn, fakes, provider, ev, args)}
            for provider, ev in zip(runs, made["events"], strict=True)
        ]
    finally:
        stop_product(proc, data_dir)
        fakes.stop()

    load_after = os.getloadavg()[0]
    first, last = measured[0]["orders_per_s"], measured[-1]["orders_per_s"]
    baseline = (first + last) / 2
    for run in measured:
        run["ratio_to_simulated"] = round(run["orders_per_s"] / baseline, 3) if baseline else None
    summary = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "purchases": args.purchases,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "baseline_orders_per_s": round(baseline, 3),
        "simulated_drift": round(abs(first - last) / baseline, 3) if baseline else None,
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "note": "the fakes answer instantly: the figures measure our side of each protocol, not the vendors",
        "runs": measured,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "payment_providers.json").write_text(json.dumps(summary, indent=2) + "\n")

    print(
        f"payment providers: {args.purchases} purchases per run, {args.concurrency} concurrent buyers, "
        f"{os.cpu_count()} CPUs\n"
        "  The fakes answer instantly (loopback, a process of their own): the figures measure our side of each\n"
        "  protocol (signature checks, confirmation calls, de-duplication), not the vendors.\n"
    )
    print(
        f"  {'provider':<10} {'orders/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'paid':>5} {'failed':>6}"
        "  our answers to the notifications"
    )
    for run in measured:
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(run["notify_answers"].items())) or "-"
        print(
            f"  {run['provider']:<10} {run['orders_per_s']:>9.1f} {run['ratio_to_simulated']:>6.2f} "
            f"{run['p50_ms']:>8.1f} {run['p99_ms']:>8.1f} {run['orders_paid']:>5} {run['failed']:>6}  {answers}"
        )
    print(
        f"\n  baseline: mean of the two simulated runs, {baseline:.1f} orders/s (first {first:.1f}, last {last:.1f}; "
        f"drift {summary['simulated_drift']:.0%}).\n"
        "  The machine may be shared with other work: the drift between the two simulated runs shows by how much\n"
        f"  the conditions moved during this run (1-minute load average {load_before:.1f} before, "
        f"{load_after:.1f} after, on {os.cpu_count()} CPUs)."
    )
    trouble = False
    for run in measured:
        db = run["db"]
        print(
            f"  {run['provider']:<10} database: {db['paid']} of {db['orders']} orders paid, "
            f"{db['paid_exactly_once']} exactly once, {db['tickets']} tickets, "
            f"{db['verified_notifications']} verified notifications"
        )
        for reason, count in run["failures"].items():
            trouble = True
            print(f"    FAILED x{count}: {reason}")
        if run.get("first_refused_notification"):
            print(f"    first notification we refused: {run['first_refused_notification']}")
        for found in run["anomalies"]:
            trouble = True
            print(f"    DATABASE: {found}")
    print(f"  JSON      {RESULTS / 'payment_providers.json'}")
    if trouble:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
