"""The payment provider registry: `get_provider(name, settings)`.

Every provider implements `PaymentProvider` (base.py). Adding one is its module plus ONE line in
`REGISTRY` below: the name, the class (its label, credential fields and notify path are class
attributes, read without building it) and how to build it from the settings.

`PROVIDER_NAMES` is the closed set the API spec publishes (an enum): it may name providers
that are not registered yet, so the spec and the settings screen are ready for them; asking
for one of those is a 422, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voelgoed.domain.payments.providers.base import PaymentContext, PaymentProvider, PaymentRedirect
from voelgoed.domain.payments.providers.ozow import OzowProvider
from voelgoed.domain.payments.providers.payfast import PayFastProvider
from voelgoed.domain.payments.providers.paystack import PaystackProvider
from voelgoed.domain.payments.providers.simulated import SimulatedProvider
from voelgoed.domain.payments.providers.yoco import YocoProvider
from voelgoed.lib.closed_sets import closed_set
from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import PaymentSettings, Settings

# The order here is the default checkout order (an organiser can change it).
PROVIDER_NAMES = ("simulated", "payfast", "yoco", "paystack", "ozow")
if TYPE_CHECKING:
    PaymentProviderName = str
else:
    PaymentProviderName = closed_set("PaymentProviderName", PROVIDER_NAMES, "A payment provider the product knows.")


@dataclass(frozen=True)
class Registered:
    """One implemented provider: its class (for its description) and how to build one."""

    cls: type[Any]
    build: Callable[[Settings], PaymentProvider]


REGISTRY: dict[str, Registered] = {
    "simulated": Registered(SimulatedProvider, lambda s: SimulatedProvider(s.server.public_url)),
    "payfast": Registered(
        PayFastProvider, lambda s: PayFastProvider(s.payments.payfast_base_url, s.payments.payfast_api_url)
    ),
    "yoco": Registered(YocoProvider, lambda s: YocoProvider(s.payments.yoco_api_url)),
    "paystack": Registered(PaystackProvider, lambda s: PaystackProvider(s.payments.paystack_api_url)),
    "ozow": Registered(OzowProvider, lambda s: OzowProvider(s.payments.ozow_pay_url, s.payments.ozow_api_url)),
}


__all__ = [
    "PROVIDER_NAMES",
    "REGISTRY",
    "PaymentContext",
    "PaymentProvider",
    "PaymentProviderName",
    "PaymentRedirect",
    "Registered",
    "available_providers",
    "get_provider",
    "provider_class",
]


def available_providers(payments: PaymentSettings) -> list[str]:
    """Implemented providers this installation offers, in the default order (the simulated one
    only where PAYMENTS_ALLOW_SIMULATED allows it)."""
    return [n for n in PROVIDER_NAMES if n in REGISTRY and (n != "simulated" or payments.allow_simulated)]


def _check(name: str, payments: PaymentSettings) -> Registered:
    if name not in PROVIDER_NAMES:
        raise Unprocessable.field(
            "provider", f"Unknown payment provider {name!r}; use one of {', '.join(PROVIDER_NAMES)}."
        )
    entry = REGISTRY.get(name)
    if entry is None:
        raise Unprocessable.field(
            "provider", f"The payment provider {name!r} is not available in this installation yet."
        )
    if name == "simulated" and not payments.allow_simulated:
        raise Unprocessable.field(
            "provider", "The simulated payment provider is switched off here (PAYMENTS_ALLOW_SIMULATED)."
        )
    return entry


def provider_class(name: str, payments: PaymentSettings) -> type[Any]:
    """The class of a usable provider (its label, credential fields, ...); 422 like get_provider."""
    return _check(name, payments).cls


def get_provider(name: str, settings: Settings) -> PaymentProvider:
    """The provider called `name`; Unprocessable (422, field `provider`) if unknown, not
    implemented here, or refused (the simulated one where it is switched off)."""
    return _check(name, settings.payments).build(settings)
