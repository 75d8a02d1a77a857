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

The signature code here is deliberately separate from the product's, so the two can disagree.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass, field
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

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                status, headers, text = fake.handle(self.path, body)
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
        page = f"<h1>Fake PayFast</h1><p>Pay R {fields['amount']} for {fields['item_name']}</p>"
        return 200, {"Content-Type": "text/html", "X-Fake-Payment-Id": pf_id}, page

    def _refuse(self, message: str) -> tuple[int, dict[str, str], str]:
        self.rejected_forms.append(message)
        return 400, {"Content-Type": "text/plain"}, message

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
