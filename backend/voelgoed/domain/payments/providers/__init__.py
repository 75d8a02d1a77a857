"""The payment provider registry: `get_provider(name)`.

Every provider implements `PaymentProvider` (base.py): `begin(PaymentContext) -> PaymentRedirect`.
Notifications are provider-specific and handled in domain/payments (ITN for PayFast; the
simulated provider's own page in web/simulated_pay.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voelgoed.domain.payments.providers.base import PaymentContext, PaymentProvider, PaymentRedirect
from voelgoed.domain.payments.providers.ozow import OzowProvider
from voelgoed.domain.payments.providers.payfast import PayFastProvider
from voelgoed.domain.payments.providers.simulated import SimulatedProvider
from voelgoed.lib.closed_sets import closed_set
from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import PaymentSettings, Settings

PROVIDER_NAMES = ("simulated", "payfast", "ozow")
if TYPE_CHECKING:
    PaymentProviderName = str
else:
    PaymentProviderName = closed_set("PaymentProviderName", PROVIDER_NAMES, "A payment provider the product knows.")


__all__ = [
    "PROVIDER_NAMES",
    "PaymentContext",
    "PaymentProvider",
    "PaymentProviderName",
    "PaymentRedirect",
    "available_providers",
    "get_provider",
]


def available_providers(payments: PaymentSettings) -> list[str]:
    """Providers a buyer may choose here (the simulated one only where it is allowed)."""
    return [n for n in PROVIDER_NAMES if n != "simulated" or payments.allow_simulated]


def get_provider(name: str, settings: Settings) -> PaymentProvider:
    """The provider called `name`; Unprocessable (422, field `provider`) if unknown or refused."""
    if name == "payfast":
        return PayFastProvider(settings.payments.payfast_base_url)
    if name == "ozow":
        return OzowProvider(settings.payments.ozow_pay_url, settings.payments.ozow_api_url)
    if name == "simulated":
        if not settings.payments.allow_simulated:
            raise Unprocessable.field(
                "provider", "The simulated payment provider is switched off here (PAYMENTS_ALLOW_SIMULATED)."
            )
        return SimulatedProvider(settings.server.public_url)
    raise Unprocessable.field("provider", f"Unknown payment provider {name!r}; use one of {', '.join(PROVIDER_NAMES)}.")
