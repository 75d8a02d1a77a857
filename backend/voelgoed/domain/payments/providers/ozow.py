"""Ozow (South African instant EFT, "pay by bank"): the payment request, its hashes, the status and
refund APIs.

What this relies on, as Ozow documents it (Ozow developer hub, checked 2026-11):
- Payment request, https://hub.ozow.com/docs (Step 1, "Post payment request", the HTTP web form
  post integration of https://ozow.com/integrations): the buyer's browser POSTs a form to
  https://pay.ozow.com with SiteCode, CountryCode (ZA), CurrencyCode (ZAR), Amount (rand, two
  decimals), TransactionReference (ours, up to 50), BankReference (on the buyer's statement, up to
  20), Optional1-5, Customer, CancelUrl, ErrorUrl, SuccessUrl, NotifyUrl, IsTest and HashCheck.
  HashCheck = SHA-512 (hex) of the values of those fields concatenated in that order (absent ones
  as ""), then the merchant's private key appended, the whole string lower-cased first.
- Notification, https://hub.ozow.com/docs/step-2-process-ozow-response and
  https://hub.ozow.com/docs/outcome: Ozow POSTs (form-encoded) SiteCode, TransactionId (Ozow's
  guid), TransactionReference, Amount, Status, Optional1-5, CurrencyCode, IsTest, StatusMessage and
  Hash to NotifyUrl; Hash is the SHA-512 of those values in that order plus the private key,
  lower-cased. Statuses: Complete, Cancelled, Error, Abandoned, PendingInvestigation, Pending (a
  later notification follows Pending). Ozow may send the same notification more than once. The
  browser is also redirected to SuccessUrl/CancelUrl/ErrorUrl with the same signed variables;
  Ozow itself recommends the notification (and the status API) over the redirect, so the
  redirect never changes a payment here.
- Status API, https://hub.ozow.com/docs/step-3-check-transaction-status-using-api:
  GET {api}/GetTransactionByReference?siteCode=..&transactionReference=..[&isTest=true] with the
  `ApiKey` and `Accept: application/json` headers; answers a JSON list (up to 10) of transactions
  (transactionId, siteCode, transactionReference, amount, status, statusMessage, ...).
- Refunds, https://hub.ozow.com/docs/step-1-get-token, /step-2-submit-refunds and
  /step-3-refund-processing: POST {api}/token (form: grant_type=password, SiteCode; header ApiKey)
  -> access_token; POST {api}/secure/refunds/submit with `Authorization: Bearer <token>` and a JSON
  list of {TransactionId, Amount, RefundReason, NotifyUrl, HashCheck} -> a list of {refundId,
  transactionId, refundAmount, errors}. The refund's HashCheck is, like every Ozow hash, the
  SHA-512 of its fields in the documented order (TransactionId, Amount, RefundReason, NotifyUrl)
  plus the private key, lower-cased. Refunds are paid from the merchant's Ozow refund float in
  batches: the answer is "pending"; Ozow posts the outcome (RefundId, TransactionId, CurrencyCode,
  Amount, Status, ...) to the refund's NotifyUrl later.
- Hosts: pay https://pay.ozow.com, API https://api.ozow.com (sandbox accounts send IsTest=true and
  ask the status API with isTest=true). OZOW_PAY_URL and OZOW_API_URL override them (tests point
  them at tests/fakes/ozow.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from voelgoed.domain.payments.providers.base import (
    ConnectionCheck,
    CredentialField,
    PaymentContext,
    PaymentRedirect,
    ProviderUnavailable,
    RefundContext,
    RefundResult,
)
from voelgoed.lib.money import format_rand, parse_rand_or_none
from voelgoed.lib.problems import Unprocessable

LIVE_PAY_URL = "https://pay.ozow.com"
LIVE_API_URL = "https://api.ozow.com"
API_TIMEOUT_SECONDS = 10.0

# The order Ozow hashes the payment request in (the post variables table, HashCheck excluded).
REQUEST_FIELD_ORDER = (
    "SiteCode",
    "CountryCode",
    "CurrencyCode",
    "Amount",
    "TransactionReference",
    "BankReference",
    "Optional1",
    "Optional2",
    "Optional3",
    "Optional4",
    "Optional5",
    "Customer",
    "CancelUrl",
    "ErrorUrl",
    "SuccessUrl",
    "NotifyUrl",
    "IsTest",
)
# The order Ozow hashes its notification (and redirect) variables in (Hash excluded).
NOTIFICATION_FIELD_ORDER = (
    "SiteCode",
    "TransactionId",
    "TransactionReference",
    "Amount",
    "Status",
    "Optional1",
    "Optional2",
    "Optional3",
    "Optional4",
    "Optional5",
    "CurrencyCode",
    "IsTest",
    "StatusMessage",
)
REFUND_FIELD_ORDER = ("TransactionId", "Amount", "RefundReason", "NotifyUrl")
# The refund notification's fields in the order of Ozow's table (Hash excluded). Ozow added IsRtc
# later: it is hashed only when it was posted.
REFUND_NOTIFICATION_FIELD_ORDER = (
    "RefundId",
    "TransactionId",
    "CurrencyCode",
    "Amount",
    "Status",
    "BankName",
    "AccountNumber",
    "StatusMessage",
)
REFUND_SUCCEEDED, REFUND_FAILED = "Complete", ("Failed", "Cancelled", "Returned", "Invalid")
SUCCEEDED, FAILED, PENDING = "Complete", ("Cancelled", "Error", "Abandoned"), ("Pending", "PendingInvestigation")


def pay_url(configured: str | None) -> str:
    return configured or LIVE_PAY_URL


def api_url(configured: str | None) -> str:
    return configured or LIVE_API_URL


def rand(amount_cents: int) -> str:
    return format_rand(amount_cents)


def cents(amount: Any) -> int | None:
    """Ozow's amount ("251.00" in a form, 251.0 in JSON) -> integer cents; None if not an amount."""
    if isinstance(amount, bool):
        return None
    if isinstance(amount, int | float):
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            return None
        scaled = value * 100
        return int(scaled) if value >= 0 and scaled == scaled.to_integral_value() else None
    return parse_rand_or_none(str(amount or "").strip())


def ozow_hash(values: Iterable[str], private_key: str) -> str:
    """Ozow's one rule: concatenate, append the private key, lower-case, SHA-512, hex."""
    text = ("".join(values) + private_key).lower()
    return hashlib.sha512(text.encode()).hexdigest()


def request_hash(fields: Mapping[str, str], private_key: str) -> str:
    return ozow_hash((str(fields.get(k, "")) for k in REQUEST_FIELD_ORDER), private_key)


def notification_hash(fields: Mapping[str, str], private_key: str) -> str:
    return ozow_hash((str(fields.get(k, "")) for k in NOTIFICATION_FIELD_ORDER), private_key)


def hash_matches(expected: str, received: str) -> bool:
    """Constant-time comparison. Leading zeros are ignored on both sides: a digest printed through a
    big integer (as some SHA-512 samples for Ozow do) loses them; the other 500-odd bits still count."""
    return hmac.compare_digest(expected.lower().lstrip("0"), received.strip().lower().lstrip("0"))


def refund_hash(fields: Mapping[str, str], private_key: str) -> str:
    return ozow_hash((str(fields.get(k, "")) for k in REFUND_FIELD_ORDER), private_key)


def refund_notification_hash(fields: Mapping[str, str], private_key: str) -> str:
    values = [str(fields.get(k, "")) for k in REFUND_NOTIFICATION_FIELD_ORDER]
    rtc = next((k for k in fields if k.lower() == "isrtc"), None)
    return ozow_hash([*values, *([fields[rtc]] if rtc else [])], private_key)


def bank_reference(order_reference: str) -> str:
    """What the buyer sees on their statement: letters and digits only, up to 20 characters."""
    return "".join(ch for ch in order_reference if ch.isascii() and ch.isalnum())[:20] or "Tickets"


def credentials_of(credentials: Mapping[str, Any]) -> tuple[str, str, str]:
    """(site code, private key, API key), stripped; "" for each one missing."""
    return tuple(str(credentials.get(k) or "").strip() for k in ("site_code", "private_key", "api_key"))  # type: ignore[return-value]


async def transactions_by_reference(
    *, api: str, site_code: str, api_key: str, reference: str, sandbox: bool
) -> list[dict[str, Any]] | None:
    """Ozow's GetTransactionByReference: the transactions Ozow has for our reference. None when Ozow
    refused the API key (401/403). Raises ProviderUnavailable on a network error, timeout or 5xx."""
    params = {"siteCode": site_code, "transactionReference": reference}
    if sandbox:
        params["isTest"] = "true"
    try:
        async with httpx.AsyncClient(timeout=API_TIMEOUT_SECONDS) as client:
            response = await client.get(
                f"{api}/GetTransactionByReference",
                params=params,
                headers={"ApiKey": api_key, "Accept": "application/json", "User-Agent": "VoelgoedEvents"},
            )
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"Ozow's status API could not be reached: {type(exc).__name__}") from exc
    if response.status_code >= 500:
        raise ProviderUnavailable(f"Ozow's status API answered HTTP {response.status_code}")
    if response.status_code in (401, 403):
        return None
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderUnavailable("Ozow's status API answered something that is not JSON") from exc
    if response.status_code != 200 or not isinstance(body, list):
        raise ProviderUnavailable(f"Ozow's status API answered HTTP {response.status_code} without a list")
    return [{str(k).lower(): v for k, v in item.items()} for item in body if isinstance(item, dict)]


def _access_token(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    token = body.get("access_token") if isinstance(body, dict) else None
    return str(token) if token else None


class OzowProvider:
    name = "ozow"
    label = "Instant EFT (Ozow)"
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField(
            name="site_code",
            label="Site code",
            secret=False,
            help="Ozow merchant admin (dash.ozow.com): Merchant details, Sites.",
            pattern=r"^[A-Za-z0-9-]{1,50}$",
        ),
        CredentialField(
            name="private_key",
            label="Private key",
            secret=True,
            help="Ozow merchant admin: Merchant details (signs payment requests and notifications).",
        ),
        CredentialField(
            name="api_key",
            label="API key",
            secret=True,
            help="Ozow merchant admin: Merchant details (confirms payments, requests refunds).",
        ),
    )
    notify_path = "/api/payments/ozow/notify"
    refund_notify_path = "/api/payments/ozow/refund-notify"
    supports_refunds = True
    supports_connection_test = True

    def __init__(self, configured_pay_url: str | None, configured_api_url: str | None) -> None:
        self.pay_url = pay_url(configured_pay_url)
        self.api_url = api_url(configured_api_url)

    async def begin(self, ctx: PaymentContext) -> PaymentRedirect:
        site_code, private_key, api_key = credentials_of(ctx.credentials or {})
        if not site_code or not private_key or not api_key:
            raise Unprocessable.field("provider", "Ozow is not set up for this organiser yet.")
        fields = {
            "SiteCode": site_code,
            "CountryCode": "ZA",
            "CurrencyCode": "ZAR",
            "Amount": rand(ctx.amount_cents),
            "TransactionReference": str(ctx.transaction_id),
            "BankReference": bank_reference(ctx.order_reference),
            "Optional1": ctx.order_reference[:50],
            "Customer": " ".join(ctx.buyer_name.split())[:100],
            "CancelUrl": ctx.cancel_url,
            "ErrorUrl": ctx.cancel_url,
            "SuccessUrl": ctx.return_url,
            "NotifyUrl": ctx.notify_url,
            "IsTest": "true" if ctx.sandbox else "false",
        }
        fields["HashCheck"] = request_hash(fields, private_key)
        return PaymentRedirect(url=self.pay_url, method="POST", fields=fields)

    async def refund(self, ctx: RefundContext) -> RefundResult:
        site_code, private_key, api_key = credentials_of(ctx.credentials or {})
        if not site_code or not private_key or not api_key:
            return RefundResult(status="failed", failure_reason="Ozow is not set up for this organiser.")
        if not ctx.provider_reference:
            return RefundResult(status="failed", failure_reason="The payment has no Ozow transaction id.")
        request = {
            "TransactionId": ctx.provider_reference,
            "Amount": rand(ctx.amount_cents),
            "RefundReason": ctx.reason[:500],
            "NotifyUrl": ctx.notify_url,
        }
        request["HashCheck"] = refund_hash(request, private_key)
        try:
            async with httpx.AsyncClient(timeout=API_TIMEOUT_SECONDS) as client:
                token = await client.post(
                    f"{self.api_url}/token",
                    data={"grant_type": "password", "SiteCode": site_code},
                    headers={"ApiKey": api_key, "Accept": "application/json"},
                )
                if token.status_code >= 500:
                    raise ProviderUnavailable(f"Ozow's token service answered HTTP {token.status_code}")
                access = _access_token(token)
                if not access:
                    return RefundResult(
                        status="failed", failure_reason=f"Ozow refused the API key (HTTP {token.status_code})."
                    )
                answer = await client.post(
                    f"{self.api_url}/secure/refunds/submit",
                    json=[request],
                    headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
                )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"Ozow could not be reached: {type(exc).__name__}") from exc
        if answer.status_code >= 500:
            raise ProviderUnavailable(f"Ozow's refund API answered HTTP {answer.status_code}")
        try:
            body = answer.json()
        except ValueError:
            body = None
        item = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
        item = {str(k).lower(): v for k, v in item.items()}
        errors = [str(e) for e in item.get("errors") or []]
        if answer.status_code != 200 or errors or not item.get("refundid"):
            reason = "; ".join(errors) or f"HTTP {answer.status_code}"
            return RefundResult(status="failed", failure_reason=f"Ozow refused the refund: {reason}"[:300])
        # Accepted: Ozow pays it from the refund float in a batch and notifies NotifyUrl when done.
        # Ozow takes no idempotency key: a retry after a timeout whose request had in fact arrived
        # asks again (Ozow refuses refunds beyond the payment's amount, which bounds the damage).
        return RefundResult(status="pending", provider_refund_id=str(item["refundid"]))

    async def test_connection(self, credentials: dict[str, Any], sandbox: bool) -> ConnectionCheck:
        """A status query for a reference that cannot exist: an empty list means the key works."""
        site_code, private_key, api_key = credentials_of(credentials or {})
        if not site_code or not private_key or not api_key:
            return ConnectionCheck(ok=False, message="Enter the site code, private key and API key first.")
        try:
            found = await transactions_by_reference(
                api=self.api_url,
                site_code=site_code,
                api_key=api_key,
                reference="voelgoed-connection-test",
                sandbox=sandbox,
            )
        except ProviderUnavailable as exc:
            return ConnectionCheck(ok=False, message=f"Could not reach Ozow: {exc}")
        if found is None:
            return ConnectionCheck(ok=False, message="Ozow refused the API key.")
        mode = "test mode" if sandbox else "live"
        return ConnectionCheck(ok=True, message=f"Connected to Ozow site {site_code} ({mode}).")
