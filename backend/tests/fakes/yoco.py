"""A fake Yoco on loopback, written from Yoco's developer documentation (not from our code):

- POST   /api/checkouts               create a checkout (Bearer secret key, optional Idempotency-Key:
                                      the same key again answers the same checkout). Answers the
                                      Checkout object: id `ch_...`, redirectUrl, status `created`,
                                      amount, currency, successUrl/cancelUrl/failureUrl, metadata,
                                      paymentId null, processingMode `test`|`live` (from the key).
- GET    /api/webhooks                the account's webhooks (no secrets)
- POST   /api/webhooks                register {name, url}: {id, mode, name, url, secret `whsec_...`}
- DELETE /api/webhooks/{id}           remove one (at most 5 per account, as Yoco documents)
- POST   /api/checkouts/{id}/refund   202 {id, refundId, message, status "successful"}: accepted; the
                                      outcome is a later refund.succeeded / refund.failed webhook
                                      (`send_refund_outcome`). Test-mode checkouts cannot be refunded.
- GET    /checkout/{id}               the hosted payment page
- POST   /checkout/{id}/pay           the buyer pays: payment.succeeded is POSTed (signed) to every
                                      webhook of the account, then 302 to successUrl
- POST   /checkout/{id}/cancel        302 to cancelUrl, no webhook

Webhooks are signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature
`v1,<base64 HMAC-SHA256 of "id.timestamp.body" keyed with the base64-decoded whsec_ secret>`).
That signing code is deliberately separate from the product's. Switches: `api_mode` ("timeout",
"500") for every API call, `refund_answer` ("refuse", "timeout", "500") for refunds.
"""

from __future__ import annotations

import base64
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
from urllib.parse import urlsplit

import httpx

TIMEOUT_SLEEP_SECONDS = 20.0  # longer than the product's gateway timeout (15 s)


def standard_webhooks_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.split("_", 1)[1])
    mac = hmac.new(key, msg_id.encode() + b"." + str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def _id(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(18).replace("-", "A").replace("_", "B")[:24]


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Webhook:
    id: str
    name: str
    url: str
    secret: str
    mode: str


@dataclass
class Account:
    secret_key: str
    webhooks: dict[str, Webhook] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return "test" if self.secret_key.startswith("sk_test_") else "live"


@dataclass
class Checkout:
    id: str
    account: Account
    body: dict[str, Any]
    status: str = "created"
    payment_id: str | None = None
    refunded_cents: int = 0

    def view(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "redirectUrl": f"{base_url}/checkout/{self.id}",
            "status": self.status,
            "amount": self.body["amount"],
            "currency": self.body["currency"],
            "paymentId": self.payment_id,
            "successUrl": self.body.get("successUrl"),
            "cancelUrl": self.body.get("cancelUrl"),
            "failureUrl": self.body.get("failureUrl"),
            "metadata": self.body.get("metadata") or {},
            "merchantId": "fake-merchant",
            "processingMode": self.account.mode,
        }


@dataclass
class Delivery:
    url: str
    status_code: int
    body: bytes
    headers: dict[str, str]


@dataclass
class FakeYoco:
    host: str = "127.0.0.1"
    port: int = 0
    accounts: dict[str, Account] = field(default_factory=dict)
    checkouts: dict[str, Checkout] = field(default_factory=dict)
    idempotent: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    api_mode: str | None = None
    refund_answer: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _seq: Any = field(default_factory=lambda: itertools.count(1))

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeYoco:
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

            do_GET = do_POST = do_DELETE = _go

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_account(self, secret_key: str) -> Account:
        self.accounts[secret_key] = Account(secret_key)
        return self.accounts[secret_key]

    def reset(self) -> None:
        with self._lock:
            self.accounts.clear()
            self.checkouts.clear()
            self.idempotent.clear()
            self.refunds.clear()
            self.deliveries.clear()
            self.requests.clear()
            self.api_mode = self.refund_answer = None

    # --- HTTP ----------------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        route = urlsplit(path).path.rstrip("/")
        parts = route.split("/")
        lower = {k.lower(): v for k, v in headers.items()}
        self.requests.append((method, route, lower))
        if route.startswith("/checkout/") and len(parts) >= 3:
            return self._hosted(method, parts)
        if not route.startswith("/api/"):
            return _json(404, {"errorType": "not_found", "description": "Not found"})
        if self.api_mode == "timeout":
            time.sleep(TIMEOUT_SLEEP_SECONDS)
        if self.api_mode == "500":
            return _json(500, {"errorType": "internal_error", "description": "Something went wrong"})
        auth = lower.get("authorization", "")
        account = self.accounts.get(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None
        if account is None:
            return _json(401, {"errorType": "unauthorized", "description": "Invalid secret key"})
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return _json(400, {"errorType": "invalid_request", "description": "Body is not JSON"})
        if method == "POST" and route == "/api/checkouts":
            return self._create(account, data, lower.get("idempotency-key"))
        if route == "/api/webhooks" and method == "GET":
            hooks = [{"id": h.id, "name": h.name, "url": h.url, "mode": h.mode} for h in account.webhooks.values()]
            return _json(200, {"webhooks": hooks})
        if route == "/api/webhooks" and method == "POST":
            return self._register(account, data)
        if len(parts) == 4 and parts[2] == "webhooks" and method == "DELETE":
            account.webhooks.pop(parts[3], None)
            return _json(200, {"id": parts[3], "deleted": True})
        if len(parts) == 5 and parts[2] == "checkouts" and parts[4] == "refund" and method == "POST":
            return self._refund(account, parts[3], data, lower.get("idempotency-key"))
        return _json(404, {"errorType": "not_found", "description": "Not found"})

    def _create(self, account: Account, data: dict[str, Any], key: str | None) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            if key and (account.secret_key, key) in self.idempotent:
                return _json(200, self.idempotent[(account.secret_key, key)])
            amount = data.get("amount")
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 200:
                return _json(400, {"errorType": "invalid_request", "description": "amount must be at least 200 cents"})
            if data.get("currency") != "ZAR":
                return _json(400, {"errorType": "invalid_request", "description": "Only ZAR is supported"})
            checkout = Checkout(_id("ch_"), account, data)
            self.checkouts[checkout.id] = checkout
            view = checkout.view(self.base_url)
            if key:
                self.idempotent[(account.secret_key, key)] = view
            return _json(200, view)

    def _register(self, account: Account, data: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if not data.get("name") or not str(data.get("url") or "").startswith(("http://", "https://")):
            return _json(400, {"errorType": "invalid_request", "description": "name and url are required"})
        if len(account.webhooks) >= 5:
            return _json(400, {"errorType": "limit_reached", "description": "A maximum of 5 webhooks is allowed"})
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        hook = Webhook(_id("sub_"), str(data["name"]), str(data["url"]), secret, account.mode)
        account.webhooks[hook.id] = hook
        return _json(200, {"id": hook.id, "mode": hook.mode, "name": hook.name, "url": hook.url, "secret": secret})

    def _refund(
        self, account: Account, checkout_id: str, data: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        if self.refund_answer == "timeout":
            time.sleep(TIMEOUT_SLEEP_SECONDS)
        if self.refund_answer == "500":
            return _json(502, {"errorType": "bad_gateway", "description": "Upstream error"})
        checkout = self.checkouts.get(checkout_id)
        if checkout is None or checkout.account is not account:
            return _json(404, {"errorType": "not_found", "description": "Checkout not found"})
        if self.refund_answer == "refuse" or checkout.status != "completed":
            return _json(400, {"errorType": "invalid_state", "description": "This checkout cannot be refunded"})
        if account.mode == "test":
            return _json(400, {"errorType": "invalid_request", "description": "Refunds need a live checkout"})
        with self._lock:
            if key and key in self.refunds:
                refund = self.refunds[key]
            else:
                amount = data.get("amount", checkout.body["amount"] - checkout.refunded_cents)
                if (
                    not isinstance(amount, int)
                    or amount <= 0
                    or amount + checkout.refunded_cents > checkout.body["amount"]
                ):
                    return _json(400, {"errorType": "invalid_amount", "description": "Refund amount exceeds payment"})
                checkout.refunded_cents += amount
                refund = {
                    "refundId": _id("rfd_"),
                    "amount": amount,
                    "checkout": checkout.id,
                    "metadata": data.get("metadata") or {},
                }
                self.refunds[key or refund["refundId"]] = refund
        answer = {
            "id": checkout.id,
            "refundId": refund["refundId"],
            "message": "Your refund has been processed",
            "status": "successful",
        }
        return _json(202, answer)

    def _hosted(self, method: str, parts: list[str]) -> tuple[int, dict[str, str], bytes]:
        checkout = self.checkouts.get(parts[2])
        if checkout is None:
            return 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"
        if method == "GET" and len(parts) == 3:
            rand = f"R {checkout.body['amount'] / 100:.2f}"
            action = f"/checkout/{checkout.id}"
            page = (
                f"<!doctype html><title>Fake Yoco</title><h1>Fake Yoco</h1><p>Pay {rand}</p>"
                f'<form method="post" action="{action}/pay"><button type="submit">Pay</button></form>'
                f'<form method="post" action="{action}/cancel"><button type="submit">Cancel</button></form>'
            ).encode()
            return 200, {"Content-Type": "text/html"}, page
        if method == "POST" and len(parts) == 4 and parts[3] == "pay":
            with self._lock:
                checkout.status = "completed"
                checkout.payment_id = checkout.payment_id or _id("p_")
            for hook in list(checkout.account.webhooks.values()):
                self.deliver(hook.url, self.payment_event(checkout), hook.secret)
            return 302, {"Location": str(checkout.body.get("successUrl") or "/")}, b""
        if method == "POST" and len(parts) == 4 and parts[3] == "cancel":
            return 302, {"Location": str(checkout.body.get("cancelUrl") or "/")}, b""
        return 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"

    # --- events --------------------------------------------------------------------------------
    def payment_event(self, checkout: Checkout, **payload_changes: Any) -> dict[str, Any]:
        """The payment.succeeded event Yoco sends for a paid checkout (its metadata: the checkout's,
        plus checkoutId). `payload_changes` alter the payment before signing."""
        payload = {
            "id": checkout.payment_id or _id("p_"),
            "type": "payment",
            "createdDate": _now(),
            "amount": checkout.body["amount"],
            "currency": checkout.body["currency"],
            "paymentMethodDetails": {
                "type": "card",
                "card": {"expiryMonth": 2, "expiryYear": 30, "maskedCard": "************1111", "scheme": "visa"},
            },
            "status": "succeeded",
            "mode": checkout.account.mode,
            "metadata": {**(checkout.body.get("metadata") or {}), "checkoutId": checkout.id},
        }
        payload.update(payload_changes)
        return {"id": _id("evt_"), "type": "payment.succeeded", "createdDate": _now(), "payload": payload}

    def refund_event(self, refund_id: str, *, succeeded: bool) -> dict[str, Any]:
        refund = next(r for r in self.refunds.values() if r["refundId"] == refund_id)
        checkout = self.checkouts[refund["checkout"]]
        payload = {
            "id": refund_id,
            "type": "refund",
            "createdDate": _now(),
            "amount": refund["amount"],
            "currency": "ZAR",
            "paymentId": checkout.payment_id,
            "status": "succeeded" if succeeded else "failed",
            "mode": checkout.account.mode,
            "metadata": {**refund["metadata"], "checkoutId": checkout.id},
        }
        kind = "refund.succeeded" if succeeded else "refund.failed"
        return {"id": _id("evt_"), "type": kind, "createdDate": _now(), "payload": payload}

    def signed(
        self, event: dict[str, Any], secret: str, *, msg_id: str | None = None, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(event, separators=(",", ":")).encode()
        msg_id = msg_id or _id("msg_")
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": standard_webhooks_signature(secret, msg_id, ts, body),
        }
        return body, headers

    def deliver(self, url: str, event: dict[str, Any], secret: str, **sign: Any) -> Delivery:
        body, headers = self.signed(event, secret, **sign)
        return self.post(url, body, headers)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Delivery:
        response = httpx.post(url, content=body, headers=headers, timeout=60)
        delivery = Delivery(url, response.status_code, response.content, dict(response.headers))
        self.deliveries.append(delivery)
        return delivery

    def send_refund_outcome(self, refund_id: str, *, succeeded: bool) -> list[Delivery]:
        refund = next(r for r in self.refunds.values() if r["refundId"] == refund_id)
        account = self.checkouts[refund["checkout"]].account
        event = self.refund_event(refund_id, succeeded=succeeded)
        return [self.deliver(h.url, event, h.secret) for h in account.webhooks.values()]


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


_running: FakeYoco | None = None


def running_fake() -> FakeYoco:
    """The one fake of the test session, on the port conftest gave the product in YOCO_API_URL."""
    global _running
    if _running is None:
        import os

        port = urlsplit(os.environ["YOCO_API_URL"]).port or 0
        _running = FakeYoco(port=port).start()
    return _running
