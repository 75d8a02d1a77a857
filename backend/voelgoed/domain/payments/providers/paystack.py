"""Paystack: initialize a transaction, verify it, refund it.

What this relies on, from Paystack's documentation (paystack.com/docs, API reference and the
"Payments > Webhooks / Verify payments / Refunds" guides, read 2026-11):
- Authentication: `Authorization: Bearer <secret key>` (`sk_test_...` / `sk_live_...`).
- `POST https://api.paystack.co/transaction/initialize` with `email`, `amount` (in the currency's
  subunit: cents for ZAR), `currency`, `reference` (unique per transaction; only `-`, `.`, `=` and
  alphanumerics), `callback_url`, `metadata` (`cancel_action` is the URL the buyer's Cancel button
  goes to) -> `{"status": true, "data": {"authorization_url", "access_code", "reference"}}`. The
  buyer is sent to `authorization_url`. A reference can be used once, so each begin() makes a new
  one: `<our transaction id>-<8 hex>`; our transaction id also rides in `metadata.transaction_id`.
  We send `Idempotency-Key: <transaction id>` too, as on every gateway (Paystack does not document
  it; an ignored header costs nothing).
- `GET https://api.paystack.co/transaction/verify/{reference}` -> `data.status` (`success`,
  `abandoned`, `failed`, ...), `data.amount`, `data.currency`, `data.fees` (subunit), `data.id`.
  Paystack's advice: verify before giving value. We verify every `charge.success` webhook.
- Webhooks: JSON `{"event": "...", "data": {...}}` POSTed to the URL set in the dashboard
  (Settings > API Keys & Webhooks), signed with `x-paystack-signature` = hex HMAC-SHA512 of the raw
  body keyed with the secret key; sent only from 52.31.139.75, 52.49.173.169, 52.214.14.220.
  Events used: `charge.success` (data = the transaction) and `refund.processed` / `refund.failed`
  (data: `status`, `transaction_reference`, `refund_reference`, `amount`, `currency`, `domain`);
  `refund.pending` / `refund.processing` need no action. (domain/payments/paystack_webhooks.py)
- `POST https://api.paystack.co/refund` with `transaction` (id or reference), `amount` (subunit,
  partial allowed), `currency`, `customer_note`, `merchant_note` -> "Refund has been queued for
  processing", `data.status` `pending` and `data.id`; the outcome comes as a refund webhook.
- A cheap authenticated call for "test connection": `GET /integration/payment_session_timeout`.

`PAYSTACK_API_URL` (settings.payments.paystack_api_url) points all of this at the fake in tests.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any

from voelgoed.domain.payments.providers import gateway_http
from voelgoed.domain.payments.providers.base import (
    ConnectionCheck,
    CredentialField,
    PaymentContext,
    PaymentRedirect,
    ProviderUnavailable,
    RefundContext,
    RefundResult,
)
from voelgoed.lib.problems import Unprocessable

SECRET_KEY_PATTERN = r"^sk_(test|live)_[A-Za-z0-9]+$"  # noqa: S105 (a pattern, not a secret)
CURRENCY = "ZAR"


def valid_secret_key(value: str) -> bool:
    return re.fullmatch(SECRET_KEY_PATTERN, value or "") is not None


def domain_of(secret_key: str) -> str:
    """Paystack's `domain` word for a key's transactions: "test" or "live"."""
    return "test" if secret_key.startswith("sk_test_") else "live"


def signature(secret_key: str, raw_body: bytes) -> str:
    """`x-paystack-signature`: hex HMAC-SHA512 of the raw request body, keyed with the secret key."""
    return hmac.new(secret_key.encode(), raw_body, hashlib.sha512).hexdigest()


def new_reference(transaction_id: uuid.UUID) -> str:
    return f"{transaction_id}-{secrets.token_hex(4)}"


def transaction_id_of(reference: str) -> uuid.UUID | None:
    """Our transaction id from a reference made by new_reference (None for anything else)."""
    try:
        return uuid.UUID((reference or "")[:36])
    except ValueError:
        return None


class PaystackProvider:
    name = "paystack"
    label = "Card or EFT (Paystack)"
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField(
            name="secret_key",
            label="Secret key",
            secret=True,
            help="Paystack dashboard: Settings > API Keys & Webhooks. sk_test_... to try it out, sk_live_... to sell.",
            pattern=SECRET_KEY_PATTERN,
        ),
    )
    notify_path = "/api/payments/paystack/webhook"
    supports_refunds = True
    supports_connection_test = True
    connect_step = True  # "Connect" checks the key and saves it (gateway_accounts.GatewayAccounts.connect)

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url.rstrip("/")

    async def begin(self, ctx: PaymentContext) -> PaymentRedirect:
        secret_key = str((ctx.credentials or {}).get("secret_key") or "")
        if not valid_secret_key(secret_key):
            raise Unprocessable.field("provider", "Paystack is not set up for this organiser yet.")
        body = {
            "email": ctx.buyer_email,
            "amount": ctx.amount_cents,
            "currency": CURRENCY,
            "reference": new_reference(ctx.transaction_id),
            "callback_url": ctx.return_url,
            "metadata": {
                "transaction_id": str(ctx.transaction_id),
                "order_reference": ctx.order_reference,
                "cancel_action": ctx.cancel_url,
            },
        }
        try:
            answer = await gateway_http.call(
                "POST",
                f"{self.api_url}/transaction/initialize",
                secret_key=secret_key,
                json=body,
                idempotency_key=str(ctx.transaction_id),
            )
        except ProviderUnavailable as exc:
            raise gateway_http.GatewayUnavailable(
                "Paystack cannot be reached just now; try again in a minute."
            ) from exc
        data = answer.body.get("data")
        url = data.get("authorization_url") if isinstance(data, dict) else None
        if not answer.ok or answer.body.get("status") is not True or not isinstance(url, str):
            raise Unprocessable.field("provider", f"Paystack did not open a payment: {answer.message('message')}")
        return PaymentRedirect(url=url, method="GET")

    async def verify(self, secret_key: str, reference: str) -> dict[str, Any] | None:
        """Paystack's record of a transaction (`data` of the verify call); None when Paystack does
        not know the reference. Raises ProviderUnavailable when it cannot be asked."""
        answer = await gateway_http.call("GET", f"{self.api_url}/transaction/verify/{reference}", secret_key=secret_key)
        data = answer.body.get("data")
        if not answer.ok or answer.body.get("status") is not True or not isinstance(data, dict):
            return None
        return data

    async def refund(self, ctx: RefundContext) -> RefundResult:
        secret_key = str((ctx.credentials or {}).get("secret_key") or "")
        if not ctx.provider_reference:
            return RefundResult(status="failed", failure_reason="No Paystack transaction is known for this payment.")
        if not valid_secret_key(secret_key):
            return RefundResult(status="failed", failure_reason="Paystack is not set up for this organiser.")
        note = (ctx.reason or "Refund").strip()[:200]
        answer = await gateway_http.call(  # ProviderUnavailable propagates: the refund stays pending
            "POST",
            f"{self.api_url}/refund",
            secret_key=secret_key,
            json={
                "transaction": ctx.provider_reference,
                "amount": ctx.amount_cents,
                "currency": CURRENCY,
                "customer_note": note,
                "merchant_note": f"{note} (VoelgoedEvents refund {ctx.refund_id})"[:250],
            },
            idempotency_key=str(ctx.refund_id),
        )
        data = answer.body.get("data")
        if not answer.ok or answer.body.get("status") is not True or not isinstance(data, dict):
            return RefundResult(
                status="failed", failure_reason=f"Paystack refused the refund: {answer.message('message')}"
            )
        refund_id = str(data["id"]) if data.get("id") is not None else None
        status = str(data.get("status") or "").lower()
        if status == "processed":
            return RefundResult(status="succeeded", provider_refund_id=refund_id)
        if status == "failed":
            return RefundResult(status="failed", provider_refund_id=refund_id, failure_reason="Paystack: refund failed")
        return RefundResult(status="pending", provider_refund_id=refund_id)  # queued: the webhook decides

    async def test_connection(self, credentials: dict[str, Any], sandbox: bool) -> ConnectionCheck:
        secret_key = str((credentials or {}).get("secret_key") or "")
        if not valid_secret_key(secret_key):
            return ConnectionCheck(ok=False, message="Enter a Paystack secret key (sk_test_... or sk_live_...).")
        answer = await gateway_http.call(
            "GET", f"{self.api_url}/integration/payment_session_timeout", secret_key=secret_key
        )
        if not answer.ok or answer.body.get("status") is not True:
            return ConnectionCheck(ok=False, message=f"Paystack refused this secret key: {answer.message('message')}")
        mode = "test mode" if domain_of(secret_key) == "test" else "live"
        return ConnectionCheck(ok=True, message=f"Connected to Paystack ({mode}).")
