"""The one interface every payment provider implements."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol


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
    notify_url: str  # server-to-server notifications (ITN)
    credentials: dict[str, Any]  # the organisation's decrypted credentials for this provider
    sandbox: bool = True


class PaymentProvider(Protocol):
    name: str

    async def begin(self, ctx: PaymentContext) -> PaymentRedirect: ...
