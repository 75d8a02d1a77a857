"""A fake PayFast on loopback, written from PayFast's documented protocol (not from our code):

- POST /eng/process            the buyer's checkout form. Checks merchant id and key, the required
                               fields, and the MD5 signature (non-empty fields in PayFast's
                               documented order, PHP urlencode, `&passphrase=` when the merchant has
                               one). Answers 200 with a small page and `X-Fake-Payment-Id`, or 400
                               "Generated signature does not match submitted signature."
- POST /eng/process/{id}/pay   the buyer pays: the fake sends the ITN to notify_url (from
                               127.0.0.1), then redirects the buyer (302) to return_url.
- POST /eng/process/{id}/cancel  the buyer cancels: 302 to cancel_url, no ITN.
- POST /eng/query/validate     answers VALID for a parameter string it sent as an ITN, else
                               INVALID (or `validate_answer` when a test forces one).

PayFast's REST API (developers.payfast.co.za/api), on the same server (PAYFAST_API_URL in tests):
- Every call carries headers `merchant-id`, `version: v1`, `timestamp` (ISO-8601) and `signature`:
  MD5 of `key=urlencode(value)` for the headers (less signature), the JSON body's fields and
  `passphrase`, sorted by key, joined by `&`. A wrong one answers 401 "Merchant authorization failed."
  `?testing=true` marks a sandbox call (recorded in `api_calls`).
- GET  /ping                   200 "API v1".
- POST /refunds/{pf_payment_id} `amount` in cents (> 0, at most what is left), `reason`,
                               `notify_buyer`; 200 with the refund (status COMPLETE), 400 with
                               PayFast's reason (or `refund_refusal` when a test forces one), 404 unknown.
- GET  /refunds/query/{pf_payment_id}  what can still be refunded.
Switches: `api_fail` answers 500 to every API call; `api_delay` sleeps that many seconds first.

The signature code here is deliberately separate from the product's, so the two can disagree.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

import httpx

DOCUMENTED_ORDER = [
    "merchant_id", "merchant_key", "return_url", "cancel_url", "notify_url", "notify_method",
    "name_first", "name_last", "email_address", "cell_number", "m_payment_id", "amount", "item_name",
    "item_description", "custom_int1", "custom_int2", "custom_int3", "custom_int4", "custom_int5",
    "custom_str1", "custom_str2", "custom_str3", "custom_str4", "custom_str5", "email_confirmation",
    "confirmation_address", "currency", "payment_method", "subscription_type", "billing_date",
    "recurring_amount", "frequency", "cycles", "subscription_notify_email", "subscription_notify_webhook",
    "subscription_notify_buyer",
]  # fmt: skip
ITN_ORDER = [
    "m_payment_id", "pf_payment_id", "payment_status", "item_name", "item_description", "amount_gross",
    "amount_fee", "amount_net", "custom_str1", "custom_str2", "custom_str3", "custom_str4", "custom_str5",
    "custom_int1", "custom_int2", "custom_int3", "custom_int4", "custom_int5", "name_first", "name_last",
    "email_address", "merchant_id",
]  # fmt: skip
SANDBOX_MERCHANT = ("10000100", "46f0cd694581a")


def php_urlencode(value: str) -> str:
    return quote_plus(value, safe="").replace("~", "%7E")


def md5_signature(pairs: list[tuple[str, str]], passphrase: str | None, *, skip_blank: bool) -> str:
    parts = [f"{k}={php_urlencode(v.strip() if skip_blank else v)}" for k, v in pairs if not skip_blank or v.strip()]
    text = "&".join(parts)
    if passphrase:
        text += "&passphrase=" + php_urlencode(passphrase.strip())
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def param_string(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={php_urlencode(v)}" for k, v in pairs if k != "signature")


@dataclass
class Merchant:
    merchant_id: str
    merchant_key: str
    passphrase: str | None = None


@dataclass
class FakePayment:
    pf_payment_id: str
    fields: dict[str, str]
    merchant: Merchant
    itn_status: int | None = None  # what notify_url answered
    itn_body: str = ""


@dataclass
class FakePayFast:
    host: str = "127.0.0.1"
    port: int = 0
    merchants: dict[str, Merchant] = field(default_factory=dict)
    payments: dict[str, FakePayment] = field(default_factory=dict)
    sent_itns: set[str] = field(default_factory=set)
    validations: list[str] = field(default_factory=list)
    rejected_forms: list[str] = field(default_factory=list)
    validate_answer: str | None = None  # force an answer ("INVALID") for every validate call
    refundable: dict[str, int] = field(default_factory=dict)  # pf_payment_id -> cents left to refund
    refunds: list[dict[str, Any]] = field(default_factory=list)
    api_calls: list[tuple[str, str, bool]] = field(default_factory=list)  # (method, path, testing)
    refund_refusal: str | None = None  # answer every refund with 400 and this reason
    api_fail: bool = False  # answer every API call with 500
    api_delay: float = 0.0  # sleep before answering an API call (timeouts)
    _ids: Any = field(default_factory=lambda: itertools.count(2_000_001))
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self.add_merchant(*SANDBOX_MERCHANT)

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakePayFast:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer(*fake.handle_api("GET", self.path, dict(self.headers.items()), ""))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "merchant-id" in {k.lower() for k in self.headers}:
                    self._answer(*fake.handle_api("POST", self.path, dict(self.headers.items()), body))
                else:
                    self._answer(*fake.handle(self.path, body))

            def _answer(self, status: int, headers: dict[str, str], text: str) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                data = text.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_merchant(self, merchant_id: str, merchant_key: str, passphrase: str | None = None) -> Merchant:
        self.merchants[merchant_id] = Merchant(merchant_id, merchant_key, passphrase)
        return self.merchants[merchant_id]

    def reset(self) -> None:
        self.payments.clear()
        self.sent_itns.clear()
        self.validations.clear()
        self.rejected_forms.clear()
        self.validate_answer = None
        self.refundable.clear()
        self.refunds.clear()
        self.api_calls.clear()
        self.refund_refusal = None
        self.api_fail = False
        self.api_delay = 0.0

    # --- the protocol --------------------------------------------------------------------------
    def handle(self, path: str, body: str) -> tuple[int, dict[str, str], str]:
        route = urlsplit(path).path.rstrip("/")
        if route == "/eng/process":
            return self._process(parse_qsl(body, keep_blank_values=True))
        if route == "/eng/query/validate":
            self.validations.append(body)
            answer = self.validate_answer or ("VALID" if body in self.sent_itns else "INVALID")
            return 200, {"Content-Type": "text/plain"}, answer
        parts = route.split("/")
        if len(parts) == 5 and parts[1:3] == ["eng", "process"] and parts[3] in self.payments:
            payment = self.payments[parts[3]]
            if parts[4] == "pay":
                self.send_itn(payment.pf_payment_id)
                return 302, {"Location": payment.fields.get("return_url", "/")}, ""
            if parts[4] == "cancel":
                return 302, {"Location": payment.fields.get("cancel_url", "/")}, ""
        return 404, {"Content-Type": "text/plain"}, "not found"

    def _process(self, pairs: list[tuple[str, str]]) -> tuple[int, dict[str, str], str]:
        fields = dict(pairs)
        merchant = self.merchants.get(fields.get("merchant_id", ""))
        if merchant is None or fields.get("merchant_key") != merchant.merchant_key:
            return self._refuse("Merchant is invalid")
        for required in ("amount", "item_name"):
            if not fields.get(required, "").strip():
                return self._refuse(f"The {required} field is required")
        ordered = [(k, fields[k]) for k in DOCUMENTED_ORDER if k in fields]
        if fields.get("signature") != md5_signature(ordered, merchant.passphrase, skip_blank=True):
            return self._refuse("Generated signature does not match submitted signature.")
        pf_id = str(next(self._ids))
        self.payments[pf_id] = FakePayment(pf_id, fields, merchant)
        self.refundable[pf_id] = round(float(fields["amount"]) * 100)
        page = f"<h1>Fake PayFast</h1><p>Pay R {fields['amount']} for {fields['item_name']}</p>"
        return 200, {"Content-Type": "text/html", "X-Fake-Payment-Id": pf_id}, page

    def _refuse(self, message: str) -> tuple[int, dict[str, str], str]:
        self.rejected_forms.append(message)
        return 400, {"Content-Type": "text/plain"}, message

    # --- the REST API ----------------------------------------------------------------------------
    def api_signature(self, headers: dict[str, str], body: dict[str, Any], passphrase: str | None) -> str:
        data = {k: str(v) for k, v in {**headers, **body}.items()}
        if passphrase:
            data["passphrase"] = passphrase.strip()
        return hashlib.md5(
            "&".join(f"{k}={php_urlencode(data[k])}" for k in sorted(data)).encode(), usedforsecurity=False
        ).hexdigest()

    @staticmethod
    def _json(status: int, payload: Any) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json"}, json.dumps(payload)

    def _api_error(self, status: int, message: str) -> tuple[int, dict[str, str], str]:
        return self._json(status, {"code": status, "status": "failed", "data": {"response": message, "message": False}})

    def handle_api(
        self, method: str, path: str, raw_headers: dict[str, str], body: str
    ) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(path)
        route = parts.path.rstrip("/")
        testing = dict(parse_qsl(parts.query)).get("testing") == "true"
        self.api_calls.append((method, route, testing))
        if self.api_delay:
            time.sleep(self.api_delay)
        if self.api_fail:
            return self._api_error(500, "Internal server error")
        headers = {k.lower(): v for k, v in raw_headers.items()}
        signed = {k: headers.get(k, "") for k in ("merchant-id", "version", "timestamp")}
        merchant = self.merchants.get(signed["merchant-id"])
        try:
            payload = json.loads(body) if body else {}
            datetime.fromisoformat(signed["timestamp"])
        except ValueError:
            return self._api_error(400, "Bad request")
        if signed["version"] != "v1" or not isinstance(payload, dict):
            return self._api_error(400, "Bad request")
        if merchant is None or headers.get("signature") != self.api_signature(signed, payload, merchant.passphrase):
            return self._api_error(401, "Merchant authorization failed.")
        if method == "GET" and route == "/ping":
            return self._json(200, "API v1")
        segments = route.split("/")
        if method == "GET" and len(segments) == 4 and segments[1:3] == ["refunds", "query"]:
            left = self.refundable.get(segments[3])
            if left is None:
                return self._api_error(404, "Transaction not found")
            response = {"funding_type": "CARD", "available_balance": left / 100, "status": "success"}
            return self._json(200, {"code": 200, "status": "success", "data": {"response": response}})
        if method == "POST" and len(segments) == 3 and segments[1] == "refunds":
            return self._refund(segments[2], merchant, payload)
        return self._api_error(404, "Not found")

    def _refund(self, pf_id: str, merchant: Merchant, payload: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        left = self.refundable.get(pf_id)
        if left is None:
            return self._api_error(404, "Transaction not found")
        if self.refund_refusal:
            return self._api_error(400, self.refund_refusal)
        amount = payload.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return self._api_error(400, "The amount field must be an integer in cents")
        if amount > left:
            return self._api_error(400, "Refund amount exceeds the available balance")
        self.refundable[pf_id] = left - amount
        refund = {
            "id": str(uuid.uuid4()),
            "payment_id": pf_id,
            "merchant_id": merchant.merchant_id,
            "refund_amount": amount / 100,
            "reason": payload.get("reason", ""),
            "notify_buyer": payload.get("notify_buyer"),
            "status": "COMPLETE",
        }
        self.refunds.append(refund)
        return self._json(200, {"code": 200, "status": "success", "data": {"response": refund}})

    # --- notifications -------------------------------------------------------------------------
    def itn_pairs(
        self,
        pf_payment_id: str,
        *,
        status: str = "COMPLETE",
        register: bool = True,
        signed: dict[str, str] | None = None,
        **overrides: str,
    ) -> list[tuple[str, str]]:
        """The ITN PayFast would send for this payment (documented field order, signed with the
        merchant's passphrase). `signed` changes values before signing (a notification signed by
        someone who knows the passphrase); `overrides` replace values after signing (tampering in
        transit). `register` makes /eng/query/validate recognise it, as PayFast would, having sent it."""
        payment = self.payments[pf_payment_id]
        f = payment.fields
        gross = f["amount"]
        fee = f"{round(float(gross) * 0.035, 2):.2f}"
        values = {
            "m_payment_id": f.get("m_payment_id", ""),
            "pf_payment_id": pf_payment_id,
            "payment_status": status,
            "item_name": f.get("item_name", ""),
            "item_description": f.get("item_description", ""),
            "amount_gross": gross,
            "amount_fee": f"-{fee}",
            "amount_net": f"{float(gross) - float(fee):.2f}",
            "name_first": f.get("name_first", ""),
            "name_last": f.get("name_last", ""),
            "email_address": f.get("email_address", ""),
            "merchant_id": payment.merchant.merchant_id,
        }
        values.update(signed or {})
        pairs = [(k, values.get(k, f.get(k, ""))) for k in ITN_ORDER]
        signature = md5_signature(pairs, payment.merchant.passphrase, skip_blank=False)
        pairs = [(k, overrides.get(k, v)) for k, v in pairs] + [("signature", overrides.get("signature", signature))]
        if register:
            self.sent_itns.add(param_string(pairs))
        return pairs

    def send_itn(
        self, pf_payment_id: str, *, pairs: list[tuple[str, str]] | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """POST an ITN to the payment's notify_url from 127.0.0.1, as PayFast's servers would."""
        payment = self.payments[pf_payment_id]
        pairs = pairs if pairs is not None else self.itn_pairs(pf_payment_id)
        body = "&".join(f"{k}={php_urlencode(v)}" for k, v in pairs)
        response = httpx.post(
            payment.fields["notify_url"],
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
            timeout=30,
        )
        payment.itn_status, payment.itn_body = response.status_code, response.text
        return response


_running: FakePayFast | None = None


def running_fake() -> FakePayFast:
    """The one fake of the test session, on the port conftest gave the product in PAYFAST_BASE_URL."""
    global _running
    if _running is None:
        import os

        port = urlsplit(os.environ["PAYFAST_BASE_URL"]).port or 0
        _running = FakePayFast(port=port).start()
    return _running
