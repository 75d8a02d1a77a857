"""PayFast (South Africa): the hosted payment page and its signature rules.

Protocol, as PayFast documents it (developers.payfast.co.za, "Custom integration"):
- The buyer's browser POSTs a form to `{host}/eng/process`. Its `signature` is the MD5 of
  `name=value` pairs joined by `&`, for the NON-EMPTY fields only, in PayFast's documented field
  order (not alphabetical), values trimmed and URL-encoded like PHP's urlencode (spaces as `+`,
  upper-case escapes), then `&passphrase=...` when the merchant set one. Fields outside that
  list are not part of PayFast's signature, so this module never sends any.
- An ITN (notification) is signed the same way, but over ALL the posted fields (blanks included)
  in the order they were posted, leaving out `signature` itself.
- Hosts: sandbox https://sandbox.payfast.co.za, live https://www.payfast.co.za; PAYFAST_BASE_URL
  overrides both (tests point it at the local fake PayFast).

PayFast's REST API (developers.payfast.co.za/api), used for refunds and "test connection":
- Host https://api.payfast.co.za (PAYFAST_API_URL); a sandbox account adds `?testing=true` to
  every call (there is no separate sandbox API host).
- Headers `merchant-id`, `version: v1`, `timestamp` (ISO-8601) and `signature`: the MD5 of
  `key=value` pairs joined by `&`, of the headers (less `signature`), the body's fields and
  `passphrase`, sorted alphabetically by key, values PHP-urlencoded.
- `GET /ping`: answers 200 when the merchant id and signature (so the passphrase) are right.
- `POST /refunds/{pf_payment_id}` with `amount` (cents), `reason`, `notify_buyer` (1/0);
  `GET /refunds/query/{pf_payment_id}` tells what can still be refunded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

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

SANDBOX_BASE_URL = "https://sandbox.payfast.co.za"
LIVE_BASE_URL = "https://www.payfast.co.za"
API_URL = "https://api.payfast.co.za"
API_VERSION = "v1"
API_TIMEOUT_SECONDS = 15.0
# PayFast's public sandbox test merchant: used only for sandbox accounts without their own values.
SANDBOX_MERCHANT_ID = "10000100"
SANDBOX_MERCHANT_KEY = "46f0cd694581a"

# The order PayFast signs the checkout fields in ("Step 2: Signature" of the custom integration).
CHECKOUT_FIELD_ORDER = (
    "merchant_id",
    "merchant_key",
    "return_url",
    "cancel_url",
    "notify_url",
    "notify_method",
    "name_first",
    "name_last",
    "email_address",
    "cell_number",
    "m_payment_id",
    "amount",
    "item_name",
    "item_description",
    *(f"custom_int{i}" for i in range(1, 6)),
    *(f"custom_str{i}" for i in range(1, 6)),
    "email_confirmation",
    "confirmation_address",
    "currency",
    "payment_method",
    "subscription_type",
    "billing_date",
    "recurring_amount",
    "frequency",
    "cycles",
    "subscription_notify_email",
    "subscription_notify_webhook",
    "subscription_notify_buyer",
)


def base_url(sandbox: bool, configured: str | None) -> str:
    """`configured`: PAYFAST_BASE_URL (settings.payments.payfast_base_url), which wins when set."""
    if configured:
        return configured
    return SANDBOX_BASE_URL if sandbox else LIVE_BASE_URL


def rand(amount_cents: int) -> str:
    """Integer cents -> PayFast's amount: rand with two decimals ("150.00")."""
    return format_rand(amount_cents)


def cents(amount: str) -> int | None:
    """PayFast's "150.00" (or "150", "150.5") -> integer cents; None when it is not an amount
    (lib/money.py's one rule: ASCII digits only, so "²00.00" is refused, not a crash)."""
    return parse_rand_or_none(amount or "")


def _encode(value: str) -> str:
    """PHP's urlencode, which PayFast's reference code uses: like quote_plus, and `~` escaped too."""
    return quote_plus(value, safe="").replace("~", "%7E")


def _md5(parts: Iterable[str], passphrase: str | None) -> str:
    text = "&".join(parts)
    if passphrase:
        text += "&passphrase=" + _encode(passphrase.strip())
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def checkout_signature(fields: Mapping[str, str], passphrase: str | None) -> str:
    """Signature of a checkout form: non-empty fields in PayFast's documented order."""
    known = [k for k in CHECKOUT_FIELD_ORDER if k in fields]
    unknown = [k for k in fields if k not in CHECKOUT_FIELD_ORDER and k != "signature"]
    if unknown:
        raise ValueError(f"fields PayFast's checkout does not sign: {unknown}")
    parts = [f"{k}={_encode(str(fields[k]).strip())}" for k in known if str(fields[k]).strip() != ""]
    return _md5(parts, passphrase)


def param_string(pairs: Iterable[tuple[str, str]]) -> str:
    """The ITN parameter string: every posted pair but `signature`, in posted order, blanks kept.
    The same string (without passphrase) is what `/eng/query/validate` is asked about."""
    return "&".join(f"{k}={_encode(v)}" for k, v in pairs if k != "signature")


def itn_signature(pairs: Iterable[tuple[str, str]], passphrase: str | None) -> str:
    return _md5([param_string(pairs)], passphrase)


def api_signature(headers: Mapping[str, str], body: Mapping[str, Any], passphrase: str | None) -> str:
    """PayFast API signature: headers (less `signature`), body fields and the passphrase, sorted
    alphabetically by key, `key=urlencoded(value)` joined by `&`, MD5."""
    data = {k: str(v) for k, v in {**headers, **body}.items() if k != "signature"}
    if passphrase:
        data["passphrase"] = passphrase.strip()
    text = "&".join(f"{k}={_encode(data[k])}" for k in sorted(data))
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def api_headers(merchant_id: str, body: Mapping[str, Any], passphrase: str | None) -> dict[str, str]:
    headers = {
        "merchant-id": merchant_id,
        "version": API_VERSION,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    headers["signature"] = api_signature(headers, body, passphrase)
    return headers


def _answer_message(response: httpx.Response) -> str:
    """PayFast's reason from an error body (`data.response` or `data.message`), else the status."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        for key in ("message", "response"):
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])[:200]
    return f"HTTP {response.status_code}"


def _split_name(full: str) -> tuple[str, str]:
    first, _, last = " ".join(full.split()).partition(" ")
    return first[:100], last[:100]


class PayFastProvider:
    name = "payfast"
    label = "PayFast"
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField(
            name="merchant_id",
            label="Merchant ID",
            secret=False,
            help="PayFast dashboard: Settings > Developer settings (digits only, e.g. 10000100).",
            pattern=r"^[0-9]{1,20}$",
        ),
        CredentialField(
            name="merchant_key",
            label="Merchant key",
            secret=True,
            help="PayFast dashboard: Settings > Developer settings, beside the merchant ID.",
            pattern=r"^[A-Za-z0-9]{6,40}$",
        ),
        CredentialField(
            name="passphrase",
            label="Passphrase",
            secret=True,
            help="The salt passphrase you set under Settings > Developer settings. Needed for "
            "refunds and the connection test (PayFast's API signs with it).",
            pattern=r"^[\x20-\x7e]{1,100}$",
            required=False,
        ),
    )
    notify_path = "/api/payments/payfast/itn"
    supports_refunds = True
    supports_connection_test = True

    def __init__(self, configured_base_url: str | None, api_url: str = API_URL) -> None:
        self.configured_base_url = configured_base_url
        self.api_url = api_url.rstrip("/")

    async def _call(
        self, method: str, path: str, credentials: Mapping[str, Any], sandbox: bool, body: Mapping[str, Any]
    ) -> httpx.Response:
        """One signed API call. Network errors, timeouts and 5xx raise ProviderUnavailable."""
        merchant_id = str(credentials.get("merchant_id") or "")
        headers = api_headers(merchant_id, body, credentials.get("passphrase") or None)
        params = {"testing": "true"} if sandbox else {}
        try:
            async with httpx.AsyncClient(timeout=API_TIMEOUT_SECONDS) as client:
                response = await client.request(
                    method, self.api_url + path, headers=headers, params=params, json=dict(body) if body else None
                )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"PayFast's API could not be reached ({type(exc).__name__}).") from exc
        if response.status_code >= 500:
            raise ProviderUnavailable(f"PayFast's API answered HTTP {response.status_code}.")
        return response

    async def begin(self, ctx: PaymentContext) -> PaymentRedirect:
        creds = ctx.credentials or {}
        merchant_id = str(creds.get("merchant_id") or "")
        merchant_key = str(creds.get("merchant_key") or "")
        if ctx.sandbox and not merchant_id:
            merchant_id, merchant_key = SANDBOX_MERCHANT_ID, SANDBOX_MERCHANT_KEY
        if not merchant_id or not merchant_key:
            raise Unprocessable.field("provider", "PayFast is not set up for this organiser yet.")
        first, last = _split_name(ctx.buyer_name)
        fields = {
            "merchant_id": merchant_id,
            "merchant_key": merchant_key,
            "return_url": ctx.return_url,
            "cancel_url": ctx.cancel_url,
            "notify_url": ctx.notify_url,
            "name_first": first,
            "name_last": last,
            "email_address": ctx.buyer_email[:100],
            "m_payment_id": str(ctx.transaction_id),
            "amount": rand(ctx.amount_cents),
            "item_name": ctx.item_name[:100] or ctx.order_reference,
            "item_description": f"Order {ctx.order_reference}"[:255],
        }
        fields = {k: v for k, v in fields.items() if v.strip() != ""}
        fields["signature"] = checkout_signature(fields, creds.get("passphrase") or None)
        url = base_url(ctx.sandbox, self.configured_base_url) + "/eng/process"
        return PaymentRedirect(url=url, method="POST", fields=fields)

    async def refund(self, ctx: RefundContext) -> RefundResult:
        """`POST /refunds/{pf_payment_id}`. 2xx: succeeded (or pending when PayFast says the refund
        is still being processed); 4xx: failed with PayFast's reason; 5xx/timeout: ProviderUnavailable.
        PayFast's API takes no idempotency key: the caller must not retry a refund it does not know
        the outcome of without first asking `GET /refunds/query/{id}` (see docs/payments.md)."""
        if not ctx.provider_reference:
            return RefundResult(status="failed", failure_reason="The payment has no PayFast payment id to refund.")
        if not ctx.credentials.get("merchant_id"):
            return RefundResult(status="failed", failure_reason="PayFast is not set up for this organiser.")
        body = {"amount": ctx.amount_cents, "reason": (ctx.reason or "Refund")[:255], "notify_buyer": 1}
        response = await self._call("POST", f"/refunds/{ctx.provider_reference}", ctx.credentials, ctx.sandbox, body)
        if response.status_code >= 400:
            return RefundResult(
                status="failed", failure_reason=f"PayFast refused the refund: {_answer_message(response)}"
            )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        data = answer.get("data") if isinstance(answer, dict) else None
        detail = data.get("response") if isinstance(data, dict) else None
        refund_id = None
        status = "succeeded"
        if isinstance(detail, dict):
            refund_id = str(detail.get("id") or "") or None
            if str(detail.get("status") or "").upper() in {"PENDING", "PROCESSING"}:
                status = "pending"
            elif str(detail.get("status") or "").upper() in {"FAILED", "DECLINED"}:
                return RefundResult(
                    status="failed", provider_refund_id=refund_id, failure_reason="PayFast declined it."
                )
        elif detail is False:
            return RefundResult(
                status="failed", failure_reason=f"PayFast refused the refund: {_answer_message(response)}"
            )
        return RefundResult(status=status, provider_refund_id=refund_id)  # type: ignore[arg-type]

    async def refund_query(self, pf_payment_id: str, credentials: Mapping[str, Any], sandbox: bool) -> dict[str, Any]:
        """`GET /refunds/query/{pf_payment_id}`: PayFast's view of what can still be refunded."""
        response = await self._call("GET", f"/refunds/query/{pf_payment_id}", credentials, sandbox, {})
        if response.status_code >= 400:
            raise Unprocessable.field("provider", f"PayFast: {_answer_message(response)}")
        answer = response.json()
        return answer if isinstance(answer, dict) else {}

    async def test_connection(self, credentials: dict[str, Any], sandbox: bool) -> ConnectionCheck:
        """`GET /ping`, signed: proves the merchant id and passphrase (the API does not use the key)."""
        if not credentials.get("merchant_id"):
            return ConnectionCheck(ok=False, message="Enter your PayFast merchant ID first.")
        response = await self._call("GET", "/ping", credentials, sandbox, {})
        mode = "sandbox" if sandbox else "live"
        if response.status_code == 200:
            return ConnectionCheck(ok=True, message=f"Connected to PayFast ({mode}).")
        return ConnectionCheck(
            ok=False, message=f"PayFast ({mode}) refused the credentials: {_answer_message(response)}"
        )
