"""A fake Paystack on loopback, written from Paystack's documentation (not from our code):

- POST /transaction/initialize            {email, amount (subunit), currency, reference, callback_url,
                                          metadata} -> {"status": true, "message": "Authorization URL
                                          created", "data": {authorization_url, access_code, reference}};
                                          a reference is usable once ("Duplicate Transaction Reference")
- GET  /transaction/verify/{reference}    {"status": true, "message": "Verification successful",
                                          "data": {id, domain, status (abandoned|success), reference,
                                          amount, currency, fees, gateway_response, ...}}
- GET  /integration/payment_session_timeout   the cheap authenticated call
- POST /refund                            {transaction (id or reference), amount, ...} -> "Refund has
                                          been queued for processing", data.status "pending", data.id;
                                          the outcome is a later refund.processed / refund.failed
                                          webhook (`send_refund_outcome`)
- GET  /checkout/{access_code}            the hosted payment page
- POST /checkout/{access_code}/pay        the buyer pays: charge.success is POSTed to the account's
                                          webhook URL (from 127.0.0.1), then 302 to callback_url
                                          with ?trxref=&reference=
A wrong or missing key answers 401 {"status": false, "message": "Invalid key"}.

Webhooks carry `x-paystack-signature`: hex HMAC-SHA512 of the raw body keyed with the secret key;
that code is deliberately separate from the product's. Switches: `verify_answer` ("timeout", "500",
"abandoned", "other amount"), `refund_answer` ("refuse", "timeout", "500"), `api_answer` ("500").
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

TIMEOUT_SLEEP_SECONDS = 20.0  # longer than the product's gateway timeout (15 s)


def paystack_signature(secret_key: str, body: bytes) -> str:
    return hmac.new(secret_key.encode("utf-8"), body, digestmod=hashlib.sha512).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Account:
    secret_key: str
    webhook_url: str = ""  # what the merchant pasted in Settings > API Keys & Webhooks

    @property
    def domain(self) -> str:
        return "test" if self.secret_key.startswith("sk_test_") else "live"


@dataclass
class Transaction:
    id: int
    account: Account
    body: dict[str, Any]
    access_code: str
    status: str = "abandoned"
    paid_at: str | None = None
    refunded: int = 0

    @property
    def reference(self) -> str:
        return str(self.body["reference"])

    @property
    def amount(self) -> int:
        return int(self.body["amount"])

    @property
    def fees(self) -> int:
        return round(self.amount * 0.029) + 100  # card fee: 2.9% + R1, in cents

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "domain": self.account.domain,
            "status": self.status,
            "reference": self.reference,
            "receipt_number": None,
            "amount": self.amount,
            "message": None,
            "gateway_response": "Successful" if self.status == "success" else "The transaction was not completed",
            "paid_at": self.paid_at,
            "created_at": _now(),
            "channel": "card",
            "currency": self.body.get("currency", "ZAR"),
            "ip_address": "41.13.0.10",
            "metadata": self.body.get("metadata") or "",
            "fees": self.fees if self.status == "success" else None,
            "fees_split": None,
            "authorization": {
                "authorization_code": "AUTH_" + secrets.token_hex(5),
                "bin": "408408",
                "last4": "4081",
                "exp_month": "12",
                "exp_year": "2030",
                "channel": "card",
                "card_type": "visa ",
                "bank": "TEST BANK",
                "country_code": "ZA",
                "brand": "visa",
                "reusable": True,
                "signature": "SIG_" + secrets.token_hex(10),
                "account_name": None,
            },
            "customer": {"id": 181873746, "email": self.body.get("email"), "customer_code": "CUS_1rkzaqsv4rrhqo6"},
            "plan": None,
            "requested_amount": self.amount,
        }


@dataclass
class Delivery:
    url: str
    status_code: int
    body: bytes
    headers: dict[str, str]


@dataclass
class FakePaystack:
    host: str = "127.0.0.1"
    port: int = 0
    accounts: dict[str, Account] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)  # by reference
    refunds: dict[int, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    verifications: list[str] = field(default_factory=list)
    verify_answer: str | None = None
    refund_answer: str | None = None
    api_answer: str | None = None  # "500": every API call fails
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Any = field(default_factory=lambda: itertools.count(4_099_260_516))
    _server: ThreadingHTTPServer | None = None

    def start(self) -> FakePaystack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _go(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, data = fake.handle(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _go

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_account(self, secret_key: str, webhook_url: str = "") -> Account:
        self.accounts[secret_key] = Account(secret_key, webhook_url)
        return self.accounts[secret_key]

    def reset(self) -> None:
        with self._lock:
            self.accounts.clear()
            self.transactions.clear()
            self.refunds.clear()
            self.deliveries.clear()
            self.requests.clear()
            self.verifications.clear()
            self.verify_answer = self.refund_answer = self.api_answer = None

    # --- HTTP ----------------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        route = urlsplit(path).path.rstrip("/")
        parts = route.split("/")
        lower = {k.lower(): v for k, v in headers.items()}
        self.requests.append((method, route, lower))
        if route.startswith("/checkout/"):
            return self._hosted(method, parts)
        if self.api_answer == "500":
            return _json(500, {"status": False, "message": "An error occurred"})
        auth = lower.get("authorization", "")
        account = self.accounts.get(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None
        if account is None:
            return _json(401, {"status": False, "message": "Invalid key"})
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return _json(400, {"status": False, "message": "Invalid JSON"})
        if method == "POST" and route == "/transaction/initialize":
            return self._initialize(account, data)
        if method == "GET" and route.startswith("/transaction/verify/"):
            return self._verify(account, route.removeprefix("/transaction/verify/"))
        if method == "GET" and route == "/integration/payment_session_timeout":
            return _json(200, {"status": True, "message": "Payment session timeout retrieved",
                               "data": {"payment_session_timeout": 30}})  # fmt: skip
        if method == "POST" and route == "/refund":
            return self._refund(account, data)
        return _json(404, {"status": False, "message": "Not found"})

    def _initialize(self, account: Account, data: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        amount = data.get("amount")
        if isinstance(amount, str) and amount.isdigit():
            amount = int(amount)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0 or not data.get("email"):
            return _json(400, {"status": False, "message": "Invalid amount or email"})
        reference = str(data.get("reference") or secrets.token_hex(5))
        if any(ch not in "-.=" and not ch.isalnum() for ch in reference):
            return _json(400, {"status": False, "message": "Invalid reference"})
        with self._lock:
            if reference in self.transactions:
                return _json(400, {"status": False, "message": "Duplicate Transaction Reference"})
            access_code = secrets.token_hex(7)
            txn = Transaction(next(self._ids), account, {**data, "amount": amount, "reference": reference}, access_code)
            self.transactions[reference] = txn
        return _json(200, {"status": True, "message": "Authorization URL created",
                           "data": {"authorization_url": f"{self.base_url}/checkout/{access_code}",
                                    "access_code": access_code, "reference": reference}})  # fmt: skip

    def _verify(self, account: Account, reference: str) -> tuple[int, dict[str, str], bytes]:
        self.verifications.append(reference)
        if self.verify_answer == "timeout":
            time.sleep(TIMEOUT_SLEEP_SECONDS)
        if self.verify_answer == "500":
            return _json(500, {"status": False, "message": "An error occurred"})
        txn = self.transactions.get(reference)
        if txn is None or txn.account is not account:
            return _json(400, {"status": False, "message": "Transaction reference not found"})
        view = txn.view()
        if self.verify_answer == "abandoned":
            view["status"] = "abandoned"
        if self.verify_answer == "other amount":
            view["amount"] = txn.amount - 100
        return _json(200, {"status": True, "message": "Verification successful", "data": view})

    def _refund(self, account: Account, data: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if self.refund_answer == "timeout":
            time.sleep(TIMEOUT_SLEEP_SECONDS)
        if self.refund_answer == "500":
            return _json(503, {"status": False, "message": "Service unavailable"})
        key = str(data.get("transaction") or "")
        txn = next((t for t in self.transactions.values() if key in (str(t.id), t.reference)), None)
        if txn is None or txn.account is not account:
            return _json(404, {"status": False, "message": "Transaction not found"})
        if self.refund_answer == "refuse" or txn.status != "success":
            return _json(400, {"status": False, "message": "Transaction has been fully reversed"})
        amount = data.get("amount", txn.amount - txn.refunded)
        if not isinstance(amount, int) or amount <= 0 or amount + txn.refunded > txn.amount:
            return _json(400, {"status": False, "message": "Refund amount cannot be more than the transaction amount"})
        with self._lock:
            txn.refunded += amount
            refund = {
                "id": next(self._ids) % 10_000_000,
                "transaction": txn.reference,
                "amount": amount,
                "currency": "ZAR",
                "status": "pending",
                "domain": txn.account.domain,
                "merchant_note": data.get("merchant_note"),
                "customer_note": data.get("customer_note"),
            }
            self.refunds[refund["id"]] = refund
        view = {**refund, "transaction": {"id": txn.id, "reference": txn.reference, "amount": txn.amount}}
        return _json(200, {"status": True, "message": "Refund has been queued for processing", "data": view})

    def _hosted(self, method: str, parts: list[str]) -> tuple[int, dict[str, str], bytes]:
        txn = next((t for t in self.transactions.values() if len(parts) > 2 and t.access_code == parts[2]), None)
        if txn is None:
            return 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"
        if method == "GET" and len(parts) == 3:
            return 200, {"Content-Type": "text/html"}, _pay_page("Fake Paystack", txn.amount, txn.access_code)
        if method == "POST" and len(parts) == 4 and parts[3] == "pay":
            with self._lock:
                txn.status, txn.paid_at = "success", txn.paid_at or _now()
            if txn.account.webhook_url:
                self.deliver(txn.account, self.charge_event(txn))
            callback = str(txn.body.get("callback_url") or "/")
            query = urlencode({"trxref": txn.reference, "reference": txn.reference})
            return 302, {"Location": f"{callback}{'&' if '?' in callback else '?'}{query}"}, b""
        return 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"

    # --- events --------------------------------------------------------------------------------
    def charge_event(self, txn: Transaction, **data_changes: Any) -> dict[str, Any]:
        data = {**txn.view(), "status": "success", "paid_at": txn.paid_at or _now(), "fees": txn.fees}
        data.update(data_changes)
        return {"event": "charge.success", "data": data}

    def refund_event(self, refund_id: int, *, processed: bool) -> dict[str, Any]:
        refund = self.refunds[refund_id]
        return {
            "event": "refund.processed" if processed else "refund.failed",
            "data": {
                "status": "processed" if processed else "failed",
                "transaction_reference": refund["transaction"],
                "refund_reference": "TRF_" + secrets.token_hex(7),
                "amount": str(refund["amount"]),  # Paystack's refund events send it as a string
                "currency": "ZAR",
                "processor": "mpgs_zen",
                "customer": {"first_name": "Thandi", "last_name": "Nkosi", "email": "thandi@example.co.za"},
                "integration": 412829,
                "domain": refund["domain"],
            },  # no refund id: Paystack's documented refund.processed / refund.failed carry none
        }

    def signed(
        self, account: Account, event: dict[str, Any], *, key: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(event).encode()
        return body, {"Content-Type": "application/json",
                      "x-paystack-signature": paystack_signature(key or account.secret_key, body)}  # fmt: skip

    def deliver(self, account: Account, event: dict[str, Any]) -> Delivery:
        body, headers = self.signed(account, event)
        return self.post(account.webhook_url, body, headers)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Delivery:
        response = httpx.post(url, content=body, headers=headers, timeout=60)
        delivery = Delivery(url, response.status_code, response.content, dict(response.headers))
        self.deliveries.append(delivery)
        return delivery

    def send_refund_outcome(self, refund_id: int, *, processed: bool) -> Delivery:
        refund = self.refunds[refund_id]
        account = self.transactions[refund["transaction"]].account
        return self.deliver(account, self.refund_event(refund_id, processed=processed))


def _pay_page(title: str, amount_cents: int, code: str) -> bytes:
    """The hosted page: the amount and a Pay button (a browser test presses it; API tests POST)."""
    return (
        f"<!doctype html><title>{title}</title><h1>{title}</h1><p>R {amount_cents / 100:.2f}</p>"
        f'<form method="post" action="/checkout/{code}/pay"><button type="submit">Pay</button></form>'
    ).encode()


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


_running: FakePaystack | None = None


def running_fake() -> FakePaystack:
    """The one fake of the test session, on the port conftest gave the product in PAYSTACK_API_URL."""
    global _running
    if _running is None:
        import os

        port = urlsplit(os.environ["PAYSTACK_API_URL"]).port or 0
        _running = FakePaystack(port=port).start()
    return _running
