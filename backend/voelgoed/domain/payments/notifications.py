"""A provider's verified payment notification, as every provider's verifier (itn.py for PayFast,
the simulated page) hands it on. What happens to it is a workflow: it completes the checkout
across areas (workflows/payment_confirmation.py: `confirm_payment`)."""

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
