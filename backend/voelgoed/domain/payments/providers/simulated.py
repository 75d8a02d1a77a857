"""The simulated provider: a local payment page with Pay and Fail buttons (no money moves).

begin() sends the buyer to `/pay/simulated/{transaction_id}?sig=...&r=...`:
- `sig` is an HMAC (key derived from SECRET_KEY) over the transaction id, so nobody can open or
  complete somebody else's transaction by guessing ids;
- `r` carries the buyer's return and cancel URLs, encrypted and authenticated (Fernet). They hold
  the order's access token, which the server never stores in clear, so they travel with the buyer.
The page itself is web/simulated_pay.py. Refused when PAYMENTS_ALLOW_SIMULATED is off (the
default in production).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from voelgoed.domain.payments.providers.base import (
    ConnectionCheck,
    CredentialField,
    PaymentContext,
    PaymentRedirect,
    ProviderUnavailable,
    RefundContext,
    RefundResult,
)
from voelgoed.lib import crypto

SIG_PURPOSE = "simulated-payment"
# A refund reason containing "[simulate:unavailable-N]" makes the first N refund calls fail as if
# the provider were down, "[simulate:timeout-N]" makes them hang (the caller's timeout ends them),
# "[simulate:declined]" refuses it (tests and demos of the retry path).
_REFUND_SWITCH = re.compile(r"\[simulate:(unavailable|timeout|declined)(?:-(\d+))?\]")
_refund_calls: dict[uuid.UUID, int] = {}
RETURN_PURPOSE = "simulated-payment-return"


def transaction_sig(transaction_id: uuid.UUID | str) -> str:
    return crypto.sign(str(transaction_id), purpose=SIG_PURPOSE)


def sig_ok(transaction_id: uuid.UUID | str, sig: str | None) -> bool:
    return crypto.verify(str(transaction_id), sig or "", purpose=SIG_PURPOSE)


@dataclass(frozen=True)
class ReturnUrls:
    return_url: str
    cancel_url: str


def seal_return(transaction_id: uuid.UUID, return_url: str, cancel_url: str) -> str:
    body = json.dumps({"t": str(transaction_id), "return": return_url, "cancel": cancel_url})
    return crypto.encrypt_str(body, purpose=RETURN_PURPOSE)


def open_return(transaction_id: uuid.UUID, sealed: str | None) -> ReturnUrls | None:
    """The URLs sealed for this transaction; None when missing, altered, or sealed for another."""
    if not sealed:
        return None
    try:
        data = json.loads(crypto.decrypt_str(sealed, purpose=RETURN_PURPOSE))
    except (crypto.DecryptionError, ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("t") != str(transaction_id):
        return None
    return ReturnUrls(return_url=str(data.get("return") or ""), cancel_url=str(data.get("cancel") or ""))


def page_path(transaction_id: uuid.UUID) -> str:
    return f"/pay/simulated/{transaction_id}"


class SimulatedProvider:
    name = "simulated"
    label = "Simulated payment (no money moves)"
    credential_fields: tuple[CredentialField, ...] = ()
    notify_path = ""  # its own page confirms (web/simulated_pay.py)
    supports_refunds = True
    supports_connection_test = True

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url

    async def begin(self, ctx: PaymentContext) -> PaymentRedirect:
        query = urlencode(
            {
                "sig": transaction_sig(ctx.transaction_id),
                "r": seal_return(ctx.transaction_id, ctx.return_url, ctx.cancel_url),
            }
        )
        url = f"{self.public_url}{page_path(ctx.transaction_id)}?{query}"
        return PaymentRedirect(url=url, method="GET")

    async def refund(self, ctx: RefundContext) -> RefundResult:
        """No money moved, so none goes back: the refund succeeds at once (unless the reason asks
        for a simulated outage or refusal)."""
        switch = _REFUND_SWITCH.search(ctx.reason)
        if switch is not None:
            calls = _refund_calls[ctx.refund_id] = _refund_calls.get(ctx.refund_id, 0) + 1
            if switch.group(1) == "declined":
                return RefundResult(status="failed", failure_reason="Simulated refusal: the card account is closed.")
            if calls <= int(switch.group(2) or 1):
                if switch.group(1) == "timeout":
                    await asyncio.sleep(600)  # longer than any caller waits
                raise ProviderUnavailable(f"simulated outage (call {calls})")
        return RefundResult(status="succeeded", provider_refund_id=f"sim-refund-{ctx.refund_id.hex[:16]}")

    async def test_connection(self, credentials: dict[str, Any], sandbox: bool) -> ConnectionCheck:
        return ConnectionCheck(ok=True, message="The simulated provider needs no account.")
