"""Yoco (South Africa): the Checkout API, its webhooks and refunds.

What this relies on, from Yoco's developer documentation (developer.yoco.com, read 2026-11):
- Authentication: `Authorization: Bearer <secret key>`; test keys start `sk_test_`, live keys
  `sk_live_` ("Checkout API > Authentication"). A checkout made with a test key has
  `processingMode: "test"`, and its webhook events carry `mode: "test"`.
- Create a checkout: `POST https://payments.yoco.com/api/checkouts` with an optional
  `Idempotency-Key` header (we send our transaction id, so a retried start opens no second
  checkout) and a JSON body: `amount` (integer cents), `currency` (only `ZAR`), `cancelUrl`,
  `successUrl`, `failureUrl`, `metadata` (a map "often used to reconcile data with an external
  system": we put our transaction id there). The answer holds the checkout `id` (`ch_...`) and the
  hosted page's `redirectUrl`, where the buyer is sent.
- The webhook, not the browser coming back to successUrl, is the truth ("Verify that the payment
  is successful": listen for the webhook). Events: `payment.succeeded`, `refund.succeeded`,
  `refund.failed`; the event has `id` (`evt_...`), `type`, `createdDate`, `payload` (the Payment or
  Refund: `id`, `amount` in cents, `currency`, `status`, `mode`, `metadata` with `checkoutId`).
  Yoco copies the checkout's metadata into the payment's (integrations read their own keys from
  `payload.metadata` beside `checkoutId`); that is how a notification finds our transaction.
- Webhooks are registered through the API: `POST https://payments.yoco.com/api/webhooks` with
  `name` and `url` answers `id`, `mode`, `name`, `url` and `secret` (`whsec_...`), "provided only
  once"; at most 5 per account (`DELETE /api/webhooks/{id}` removes one). "Connect Yoco" in the
  organiser app does this (web/yoco_api.py) and stores the secret encrypted with the account.
- Events are signed the Standard Webhooks way (verified in domain/payments/yoco_webhooks.py).
- Refunds: `POST https://payments.yoco.com/api/checkouts/{checkoutId}/refund` with an
  `Idempotency-Key`, body `amount` (cents; omitted = the whole remaining balance) and `metadata`;
  `202 Accepted` with `refundId` and `status: "successful"` means *accepted for processing*: the
  outcome comes as a `refund.succeeded` / `refund.failed` webhook. Only checkouts made with live
  keys can be refunded.
- No status call for a checkout is documented, so the signed webhook (with its timestamp, the
  amount, currency and mode checked against our transaction) is the confirmation for Yoco.

`YOCO_API_URL` (settings.payments.yoco_api_url) points all of this at the fake Yoco in tests.
"""

from __future__ import annotations

import re
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
WEBHOOK_SECRET_PATTERN = r"^whsec_[A-Za-z0-9+/=]+$"  # noqa: S105
CURRENCY = "ZAR"
WEBHOOK_NAME = "VoelgoedEvents"
# The metadata key carrying our payment transaction id (and, on refunds, our refund id).
TRANSACTION_KEY = "transactionId"
REFUND_KEY = "refundId"


def mode_of(secret_key: str) -> str:
    """Yoco's `mode`/`processingMode` word for a key: "test" for sk_test_, else "live"."""
    return "test" if secret_key.startswith("sk_test_") else "live"


def valid_secret_key(value: str) -> bool:
    return re.fullmatch(SECRET_KEY_PATTERN, value or "") is not None


class YocoProvider:
    name = "yoco"
    label = "Card (Yoco)"
    credential_fields: tuple[CredentialField, ...] = (
        CredentialField(
            name="secret_key",
            label="Secret key",
            secret=True,
            help="Yoco App or Business Portal: Payment gateway > API keys. sk_test_... to try it, sk_live_... to sell.",
            pattern=SECRET_KEY_PATTERN,
        ),
        CredentialField(
            name="webhook_secret",
            label="Webhook signing secret",
            secret=True,
            help="Filled in by 'Connect Yoco', which registers our webhook with Yoco (Yoco shows it only once).",
            pattern=WEBHOOK_SECRET_PATTERN,
            required=False,
        ),
    )
    notify_path = "/api/payments/yoco/webhook"
    supports_refunds = True
    supports_connection_test = True
    connect_step = True  # "Connect" checks the key and saves it (gateway_accounts.GatewayAccounts.connect)

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url.rstrip("/")

    async def begin(self, ctx: PaymentContext) -> PaymentRedirect:
        secret_key = str((ctx.credentials or {}).get("secret_key") or "")
        if not valid_secret_key(secret_key):
            raise Unprocessable.field("provider", "Yoco is not set up for this organiser yet.")
        body = {
            "amount": ctx.amount_cents,
            "currency": CURRENCY,
            "successUrl": ctx.return_url,
            "cancelUrl": ctx.cancel_url,
            "failureUrl": ctx.return_url,  # the order page says what happened (from the webhook)
            "metadata": {TRANSACTION_KEY: str(ctx.transaction_id), "orderReference": ctx.order_reference},
        }
        try:
            answer = await gateway_http.call(
                "POST",
                f"{self.api_url}/api/checkouts",
                secret_key=secret_key,
                json=body,
                idempotency_key=str(ctx.transaction_id),
            )
        except ProviderUnavailable as exc:
            raise gateway_http.GatewayUnavailable("Yoco cannot be reached just now; try again in a minute.") from exc
        redirect = answer.body.get("redirectUrl")
        if not answer.ok or not isinstance(redirect, str) or not redirect.startswith(("https://", "http://")):
            reason = answer.message("description", "message", "errorMessage")
            raise Unprocessable.field("provider", f"Yoco did not open a checkout: {reason}")
        return PaymentRedirect(url=redirect, method="GET")

    async def refund(self, ctx: RefundContext) -> RefundResult:
        secret_key = str((ctx.credentials or {}).get("secret_key") or "")
        if not ctx.provider_reference:
            return RefundResult(status="failed", failure_reason="No Yoco checkout id is known for this payment.")
        if not valid_secret_key(secret_key):
            return RefundResult(status="failed", failure_reason="Yoco is not set up for this organiser.")
        answer = await gateway_http.call(  # ProviderUnavailable propagates: the refund stays pending
            "POST",
            f"{self.api_url}/api/checkouts/{ctx.provider_reference}/refund",
            secret_key=secret_key,
            json={
                "amount": ctx.amount_cents,
                "metadata": {REFUND_KEY: str(ctx.refund_id), TRANSACTION_KEY: str(ctx.transaction_id)},
            },
            idempotency_key=str(ctx.refund_id),
        )
        if not answer.ok:
            reason = answer.message("description", "message", "errorMessage")
            return RefundResult(status="failed", failure_reason=f"Yoco refused the refund: {reason}")
        refund_id = answer.body.get("refundId")
        # 202 "successful" means accepted: the refund.succeeded / refund.failed webhook decides it.
        return RefundResult(status="pending", provider_refund_id=str(refund_id) if refund_id else None)

    async def test_connection(self, credentials: dict[str, Any], sandbox: bool) -> ConnectionCheck:
        secret_key = str((credentials or {}).get("secret_key") or "")
        if not valid_secret_key(secret_key):
            return ConnectionCheck(ok=False, message="Enter a Yoco secret key (sk_test_... or sk_live_...).")
        answer = await gateway_http.call("GET", f"{self.api_url}/api/webhooks", secret_key=secret_key)
        if answer.status_code in (401, 403):
            return ConnectionCheck(ok=False, message="Yoco refused this secret key.")
        if not answer.ok:
            return ConnectionCheck(ok=False, message=f"Yoco answered: {answer.message('description', 'message')}")
        mode = "test mode" if mode_of(secret_key) == "test" else "live"
        if not credentials.get("webhook_secret"):
            return ConnectionCheck(
                ok=False, message=f"The key works ({mode}), but the webhook is not registered: use Connect."
            )
        return ConnectionCheck(ok=True, message=f"Connected to Yoco ({mode}).")

    async def register_webhook(self, secret_key: str, url: str, *, replace_id: str | None = None) -> dict[str, str]:
        """Register our notify URL with the organiser's Yoco account: {"id", "secret", "mode"}.
        `replace_id`: the webhook registered before (its secret cannot be read again), removed first
        so repeated connects stay under Yoco's limit of 5. Raises Unprocessable when Yoco refuses,
        ProviderUnavailable when it cannot be reached."""
        if replace_id:
            await gateway_http.call("delete", f"{self.api_url}/api/webhooks/{replace_id}", secret_key=secret_key)
        answer = await gateway_http.call(
            "POST", f"{self.api_url}/api/webhooks", secret_key=secret_key, json={"name": WEBHOOK_NAME, "url": url}
        )
        secret, webhook_id = answer.body.get("secret"), answer.body.get("id")
        if answer.status_code in (401, 403):
            raise Unprocessable.field("secret_key", "Yoco refused this secret key.")
        if not answer.ok or not isinstance(secret, str) or not re.fullmatch(WEBHOOK_SECRET_PATTERN, secret):
            reason = answer.message("description", "message", "errorMessage")
            raise Unprocessable.field("secret_key", f"Yoco did not register the webhook: {reason}")
        return {
            "id": str(webhook_id or ""),
            "secret": secret,
            "mode": str(answer.body.get("mode") or mode_of(secret_key)),
        }
