"""The one interface every payment provider implements.

- `begin(PaymentContext) -> PaymentRedirect`: where to send the buyer to pay.
- `refund(RefundContext) -> RefundResult`: ask the provider to pay money back (providers without a
  refund API have `supports_refunds = False`; their refunds are manual, confirmed by the organiser).
- `test_connection(credentials, sandbox) -> ConnectionCheck`: the settings screen's "test connection"
  (`supports_connection_test = False` where the provider has no endpoint for it).

A network failure or timeout talking to the provider raises `ProviderUnavailable`: the caller keeps
the work pending and retries (SAQ), it never records a failure for it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class CredentialField:
    """One value an organiser enters on the payment settings screen for a provider."""

    name: str  # key in the stored credentials, e.g. "secret_key"
    label: str  # shown on the screen, e.g. "Secret key"
    secret: bool  # encrypted at rest; only its last 4 characters are ever shown again
    help: str = ""  # where to find it in the provider's dashboard
    pattern: str | None = None  # a regular expression the value must match (e.g. r"^sk_(test|live)_")
    required: bool = True  # needed before the provider can take payments (sandbox may relax it)


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered 5xx/timeout: try again later."""


@dataclass(frozen=True)
class PaymentRedirect:
    """Where to send the buyer: a GET link, or a form to POST (PayFast's hosted page)."""

    url: str
    method: str = "GET"  # "GET" | "POST"
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentContext:
    transaction_id: uuid.UUID
    order_reference: str
    amount_cents: int
    item_name: str  # e.g. "Cape Jazz Evening: 2 tickets"
    buyer_name: str
    buyer_email: str
    return_url: str  # the buyer's order page
    cancel_url: str
    notify_url: str  # server-to-server notifications (ITN, webhook)
    credentials: dict[str, Any]  # the organisation's decrypted credentials for this provider
    sandbox: bool = True


@dataclass(frozen=True)
class RefundContext:
    refund_id: uuid.UUID  # ours; also the Idempotency-Key sent to providers that take one
    transaction_id: uuid.UUID  # the payment being refunded
    provider_reference: str | None  # the provider's id of that payment (pf_payment_id, checkout id, ...)
    amount_cents: int  # this refund
    paid_cents: int  # what the payment was for (some APIs need it, e.g. partial vs full)
    reason: str
    credentials: dict[str, Any]
    sandbox: bool = True
    notify_url: str = ""  # where the provider reports the refund's outcome, if it does


@dataclass(frozen=True)
class RefundResult:
    """The provider's answer to a refund request.

    succeeded: final, money is going back. pending: accepted, the outcome comes later (a webhook or
    a status call). failed: refused for good (the reason is shown to the organiser)."""

    status: Literal["succeeded", "pending", "failed"]
    provider_refund_id: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str  # shown to the organiser as is, e.g. "Connected to Paystack (test mode)."


class PaymentProvider(Protocol):
    name: str  # a PaymentProviderName, e.g. "yoco"
    label: str  # what buyers and organisers read, e.g. "Card (Yoco)"
    credential_fields: tuple[CredentialField, ...]
    notify_path: str  # where its notifications arrive, e.g. "/api/payments/yoco/webhook" ("" if none)
    supports_refunds: bool
    supports_connection_test: bool

    async def begin(self, ctx: PaymentContext) -> PaymentRedirect: ...

    async def refund(self, ctx: RefundContext) -> RefundResult: ...

    async def test_connection(self, credentials: dict[str, Any], sandbox: bool) -> ConnectionCheck: ...
