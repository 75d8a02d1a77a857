"""A fake Ozow on loopback, written from Ozow's developer hub (hub.ozow.com/docs), not from our code:

Pay site (OZOW_PAY_URL = {base}/pay):
- POST /pay                    the buyer's payment request form. Checks the site code, CountryCode
                               ZA, CurrencyCode ZAR, the amount, TransactionReference, and the
                               HashCheck (SHA-512 of the post variables in Ozow's documented order
                               plus the site's private key, lower-cased). 200 with a small page and
                               `X-Fake-Transaction-Id` (Ozow's TransactionId guid), or 400.
- POST /pay/{id}/pay           the buyer pays at their bank: the status becomes Complete, the fake
                               posts the signed notification to NotifyUrl, then redirects the buyer
                               (302) to SuccessUrl with the same signed variables in the query.
- POST /pay/{id}/cancel        the buyer cancels: Cancelled, notification, 302 to CancelUrl.
API (OZOW_API_URL = {base}/api), `ApiKey` header checked (401 otherwise):
- GET  /api/GetTransactionByReference?siteCode=&transactionReference=[&isTest=]   JSON list.
- POST /api/token              form grant_type=password, SiteCode -> {"access_token", ...}.
- POST /api/secure/refunds/submit   Bearer token; JSON list of {TransactionId, Amount,
                               RefundReason, NotifyUrl, HashCheck} -> [{refundId, transactionId,
                               refundAmount, errors}].
Switches: `api_mode` "ok" | "error" (HTTP 500) | "drop" (the connection closes without an answer);
`send_notifications` False (the buyer is redirected but Ozow's notification never comes).

The hash code here is deliberately separate from the product's, so the two can disagree.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import httpx

REQUEST_VARIABLES = [
    "SiteCode", "CountryCode", "CurrencyCode", "Amount", "TransactionReference", "BankReference",
    "Optional1", "Optional2", "Optional3", "Optional4", "Optional5", "Customer", "CancelUrl",
    "ErrorUrl", "SuccessUrl", "NotifyUrl", "IsTest",
]  # fmt: skip
RESPONSE_VARIABLES = [
    "SiteCode", "TransactionId", "TransactionReference", "Amount", "Status", "Optional1", "Optional2",
    "Optional3", "Optional4", "Optional5", "CurrencyCode", "IsTest", "StatusMessage",
]  # fmt: skip
REFUND_VARIABLES = ["TransactionId", "Amount", "RefundReason", "NotifyUrl"]
REFUND_NOTIFICATION_VARIABLES = [
    "RefundId", "TransactionId", "CurrencyCode", "Amount", "Status", "BankName", "AccountNumber", "StatusMessage",
]  # fmt: skip


def sha512_check(values: list[str], private_key: str) -> str:
    """Ozow: concatenate the values, append the private key, lower-case, SHA-512 hex."""
    joined = ""
    for value in values:
        joined = joined + value
    return hashlib.sha512((joined + private_key).lower().encode("utf-8")).hexdigest()


@dataclass
class Site:
    site_code: str
    private_key: str
    api_key: str


@dataclass
class FakeTransaction:
    transaction_id: str  # Ozow's guid
    fields: dict[str, str]  # the payment request as posted
    site: Site
    status: str = "Pending"  # what the status API reports
    status_message: str = ""
    refunded: Decimal = Decimal("0")
    notify_status: int | None = None  # what NotifyUrl answered last
    notify_body: str = ""


@dataclass
class FakeOzow:
    host: str = "127.0.0.1"
    port: int = 0
    sites: dict[str, Site] = field(default_factory=dict)
    transactions: dict[str, FakeTransaction] = field(default_factory=dict)
    status_queries: list[dict[str, str]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    rejected_requests: list[str] = field(default_factory=list)
    api_mode: str = "ok"  # "ok" | "error" | "drop"
    send_notifications: bool = True
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> site code
    _server: ThreadingHTTPServer | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeOzow:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                route = urlsplit(self.path).path
                if route.startswith("/api/") and fake.api_mode == "drop":
                    self.close_connection = True
                    return  # no status line at all: the client sees the connection close
                status, headers, text = fake.handle(method, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                data = text.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

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

    @property
    def pay_url(self) -> str:
        return self.base_url + "/pay"

    def add_site(self, site_code: str, private_key: str, api_key: str) -> Site:
        self.sites[site_code] = Site(site_code, private_key, api_key)
        return self.sites[site_code]

    def reset(self) -> None:
        self.transactions.clear()
        self.status_queries.clear()
        self.refunds.clear()
        self.rejected_requests.clear()
        self.tokens.clear()
        self.api_mode = "ok"
        self.send_notifications = True

    # --- the protocol --------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict[str, str], body: str) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(path)
        route = parts.path.rstrip("/")
        headers = {k.lower(): v for k, v in headers.items()}
        if route.startswith("/api/"):
            if self.api_mode == "error":
                return 500, {"Content-Type": "text/plain"}, "Internal Server Error"
            return self._api(method, route[4:], parse_qs(parts.query), headers, body)
        if method == "POST" and route == "/pay":
            return self._payment_request(parse_qsl(body, keep_blank_values=True))
        pieces = route.split("/")
        if method == "POST" and len(pieces) == 4 and pieces[1] == "pay" and pieces[2] in self.transactions:
            txn = self.transactions[pieces[2]]
            if pieces[3] == "pay":
                return self._finish(txn, "Complete", "SuccessUrl")
            if pieces[3] == "cancel":
                return self._finish(txn, "Cancelled", "CancelUrl")
        return 404, {"Content-Type": "text/plain"}, "not found"

    def _payment_request(self, pairs: list[tuple[str, str]]) -> tuple[int, dict[str, str], str]:
        fields = dict(pairs)
        site = self.sites.get(fields.get("SiteCode", ""))
        if site is None:
            return self._refuse("Invalid site code")
        if fields.get("CountryCode") != "ZA" or fields.get("CurrencyCode") != "ZAR":
            return self._refuse("Only ZA and ZAR are supported")
        try:
            amount = Decimal(fields.get("Amount", ""))
        except ArithmeticError:
            return self._refuse("Invalid amount")
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            return self._refuse("Invalid amount")
        if not fields.get("TransactionReference") or len(fields["TransactionReference"]) > 50:
            return self._refuse("Invalid transaction reference")
        if len(fields.get("BankReference", "")) > 20:
            return self._refuse("Invalid bank reference")
        expected = sha512_check([fields.get(k, "") for k in REQUEST_VARIABLES], site.private_key)
        if fields.get("HashCheck", "").lower() != expected:
            return self._refuse("Hash check failed")
        txn = FakeTransaction(str(uuid.uuid4()), fields, site)
        self.transactions[txn.transaction_id] = txn
        page = f"<h1>Fake Ozow</h1><p>Pay R {fields['Amount']} to {site.site_code}: choose your bank</p>"
        return 200, {"Content-Type": "text/html", "X-Fake-Transaction-Id": txn.transaction_id}, page

    def _refuse(self, message: str) -> tuple[int, dict[str, str], str]:
        self.rejected_requests.append(message)
        return 400, {"Content-Type": "text/plain"}, message

    def _finish(self, txn: FakeTransaction, status: str, url_field: str) -> tuple[int, dict[str, str], str]:
        pairs = self.notification(txn.transaction_id, status=status)
        if self.send_notifications:
            self.send_notification(txn.transaction_id, pairs=pairs)
        target = txn.fields.get(url_field) or txn.fields.get("SuccessUrl", "/")
        joiner = "&" if "?" in target else "?"
        return 302, {"Location": target + joiner + urlencode(pairs)}, ""

    # --- API -----------------------------------------------------------------------------------
    def _api(
        self, method: str, route: str, query: dict[str, list[str]], headers: dict[str, str], body: str
    ) -> tuple[int, dict[str, str], str]:
        def js(status: int, value: Any) -> tuple[int, dict[str, str], str]:
            return status, {"Content-Type": "application/json"}, json.dumps(value)

        if method == "GET" and route == "/GetTransactionByReference":
            site = self.sites.get((query.get("siteCode") or [""])[0])
            if site is None or headers.get("apikey") != site.api_key:
                return js(401, {"message": "Authorization has been denied for this request."})
            reference = (query.get("transactionReference") or [""])[0]
            self.status_queries.append({"siteCode": site.site_code, "transactionReference": reference})
            found = [
                self._as_api_transaction(t)
                for t in self.transactions.values()
                if t.site is site and t.fields.get("TransactionReference") == reference
            ]
            return js(200, found[:10])
        if method == "POST" and route == "/token":
            form = dict(parse_qsl(body))
            site = self.sites.get(form.get("SiteCode", ""))
            if form.get("grant_type", "").lower() != "password" or site is None:
                return js(400, {"error": "invalid_grant"})
            if headers.get("apikey") != site.api_key:
                return js(401, {"error": "invalid_client"})
            token = uuid.uuid4().hex
            self.tokens[token] = site.site_code
            return js(200, {"access_token": token, "token_type": "bearer", "expires_in": 1200})
        if method == "POST" and route == "/secure/refunds/submit":
            auth = headers.get("authorization", "")
            site_code = self.tokens.get(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None
            if site_code is None:
                return js(401, {"message": "Authorization has been denied for this request."})
            return js(200, [self._refund(self.sites[site_code], r) for r in json.loads(body or "[]")])
        return js(404, {"message": "not found"})

    def _as_api_transaction(self, txn: FakeTransaction) -> dict[str, Any]:
        return {
            "transactionId": txn.transaction_id,
            "merchantCode": "FAKE",
            "siteCode": txn.site.site_code,
            "transactionReference": txn.fields.get("TransactionReference"),
            "currencyCode": "ZAR",
            "amount": float(Decimal(txn.fields["Amount"])),
            "status": txn.status,
            "statusMessage": txn.status_message,
            "createdDate": "2026-11-30T06:00:00",
            "paymentDate": "2026-11-30T06:01:00" if txn.status == "Complete" else None,
        }

    def _refund(self, site: Site, request: dict[str, Any]) -> dict[str, Any]:
        values = [str(request.get(k, "") if request.get(k) is not None else "") for k in REFUND_VARIABLES]
        txn = self.transactions.get(str(request.get("TransactionId", "")).lower())
        errors = []
        if request.get("HashCheck", "").lower() != sha512_check(values, site.private_key):
            errors.append("Hash check failed")
        amount = Decimal(str(request.get("Amount", "0")))
        if txn is None or txn.site is not site:
            errors.append("Transaction not found")
        elif txn.status != "Complete":
            errors.append("Only complete transactions can be refunded")
        elif amount <= 0 or txn.refunded + amount > Decimal(txn.fields["Amount"]):
            errors.append("Refund amount exceeds the transaction amount")
        record: dict[str, Any] = {
            "refundId": None if errors else str(uuid.uuid4()),
            "transactionId": request.get("TransactionId"),
            "refundAmount": float(amount),
            "errors": errors,
        }
        if not errors and txn is not None:
            txn.refunded += amount
        self.refunds.append({**record, "request": request})
        return record

    # --- notifications -------------------------------------------------------------------------
    def notification(
        self,
        transaction_id: str,
        *,
        status: str = "Complete",
        register: bool = True,
        signed: dict[str, str] | None = None,
        **overrides: str,
    ) -> list[tuple[str, str]]:
        """The notification Ozow would post for this transaction, signed with the site's private
        key. `signed` changes values before signing (someone who knows the private key); `overrides`
        replace values after signing (tampering in transit). `register` makes the status API report
        `status` from now on, as Ozow would, having decided the payment."""
        txn = self.transactions[transaction_id]
        f = txn.fields
        values = {
            "SiteCode": txn.site.site_code,
            "TransactionId": transaction_id,
            "TransactionReference": f.get("TransactionReference", ""),
            "Amount": f"{Decimal(f['Amount']):.2f}",
            "Status": status,
            "CurrencyCode": "ZAR",
            "IsTest": f.get("IsTest", "false"),
            "StatusMessage": "" if status == "Complete" else f"Payment {status.lower()}",
            **{f"Optional{i}": f.get(f"Optional{i}", "") for i in range(1, 6)},
        }
        values.update(signed or {})
        pairs = [(k, values[k]) for k in RESPONSE_VARIABLES]
        pairs.append(("Hash", sha512_check([v for _, v in pairs], txn.site.private_key)))
        if register:
            txn.status, txn.status_message = status, values["StatusMessage"]
        return [(k, overrides.get(k, v)) for k, v in pairs]

    def send_notification(self, transaction_id: str, *, pairs: list[tuple[str, str]] | None = None) -> httpx.Response:
        """POST a notification to the transaction's NotifyUrl, as Ozow's servers would."""
        txn = self.transactions[transaction_id]
        pairs = pairs if pairs is not None else self.notification(transaction_id)
        response = httpx.post(
            txn.fields["NotifyUrl"],
            content=urlencode(pairs),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        )
        txn.notify_status, txn.notify_body = response.status_code, response.text
        return response

    def refund_notification(
        self, refund_id: str, *, status: str = "Complete", **overrides: str
    ) -> list[tuple[str, str]]:
        """The notification Ozow posts to a refund's NotifyUrl once it is paid (or not)."""
        refund = next(r for r in self.refunds if r["refundId"] == refund_id)
        txn = self.transactions[str(refund["transactionId"]).lower()]
        values = {
            "RefundId": refund_id,
            "TransactionId": txn.transaction_id,
            "CurrencyCode": "ZAR",
            "Amount": f"{Decimal(str(refund['request']['Amount'])):.2f}",
            "Status": status,
            "BankName": "Capitec",
            "AccountNumber": "******7890",
            "StatusMessage": "" if status == "Complete" else f"Refund {status.lower()}",
        }
        pairs = [(k, values[k]) for k in REFUND_NOTIFICATION_VARIABLES]
        pairs.append(("Hash", sha512_check([v for _, v in pairs], txn.site.private_key)))
        return [(k, overrides.get(k, v)) for k, v in pairs]

    def send_refund_notification(self, refund_id: str, pairs: list[tuple[str, str]]) -> httpx.Response:
        refund = next(r for r in self.refunds if r["refundId"] == refund_id)
        return httpx.post(
            refund["request"]["NotifyUrl"],
            content=urlencode(pairs),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        )


_running: FakeOzow | None = None


def running_fake() -> FakeOzow:
    """The one fake of the test session, on the port conftest gave the product in OZOW_API_URL."""
    global _running
    if _running is None:
        import os

        port = urlsplit(os.environ["OZOW_API_URL"]).port or 0
        _running = FakeOzow(port=port).start()
    return _running
