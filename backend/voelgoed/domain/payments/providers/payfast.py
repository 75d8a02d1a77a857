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
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote_plus

from voelgoed.domain.payments.providers.base import (
    ConnectionCheck,
    CredentialField,
    PaymentContext,
    PaymentRedirect,
    RefundContext,
    RefundResult,
)
from voelgoed.lib.money import format_rand, parse_rand_or_none
from voelgoed.lib.problems import Unprocessable

SANDBOX_BASE_URL = "https://sandbox.payfast.co.za"
LIVE_BASE_URL = "https://www.payfast.co.za"
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


def _split_name(full: str) -> tuple[str, str]:
    first, _, last = " ".join(full.split()).partition(" ")
    return first[:100], last[:100]


class PayFastProvider:
    name = "payfast"
    label = "PayFast"
    credential_fields: tuple[CredentialField, ...] = ()  # issue #11: the settings helper fills these
    notify_path = "/api/payments/payfast/itn"
    supports_refunds = False  # until its refund API is wired (issue #11)
    supports_connection_test = False

    def __init__(self, configured_base_url: str | None) -> None:
        self.configured_base_url = configured_base_url

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
        return RefundResult(status="failed", failure_reason="PayFast refunds are manual here.")

    async def test_connection(self, credentials: dict[str, Any], sandbox: bool) -> ConnectionCheck:
        return ConnectionCheck(ok=False, message="Not available for PayFast.")
