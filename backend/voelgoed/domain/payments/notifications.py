"""A provider's verified notifications, as every provider's verifier (itn.py for PayFast, each
provider's webhook module, the simulated page) hands them on. What happens to them is a workflow:
a payment completes the checkout across areas (workflows/payment_confirmation.py:
`confirm_payment`); a refund's outcome settles the refund (workflows/refunds.py:
`apply_refund_notice`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PaymentNotice:
    """A provider's verified word about one payment transaction."""

    provider: str
    transaction_id: uuid.UUID
    succeeded: bool | None  # None: a status that needs no action (recorded only)
    amount_cents: int
    provider_reference: str | None
    status: str = ""  # the provider's own word, for the record ("COMPLETE", "pay", ...)
    failure_reason: str | None = None
    # The provider's id of this notification: processed at most once. None: nothing is recorded.
    event_id: str | None = None
    source_ip: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # The provider's fee for this payment when the notification says (PayFast `amount_fee`,
    # Paystack `fees`), positive cents; None when unknown. The ledger books it.
    fee_cents: int | None = None


@dataclass(frozen=True)
class RefundNotice:
    """A provider's verified word about one refund (a webhook, or the answer of a status call).

    Identify the refund by ours (`refund_id`, when the provider echoes it back, e.g. in metadata)
    or by the provider's (`provider_refund_id`, as returned when the refund was requested)."""

    provider: str
    succeeded: bool
    refund_id: uuid.UUID | None = None
    provider_refund_id: str | None = None
    status: str = ""  # the provider's own word
    failure_reason: str | None = None
    event_id: str | None = None  # the provider's id of this notification: processed at most once
    payload: dict[str, Any] = field(default_factory=dict)
