"""API shapes for payment provider accounts. Secrets go in, never out."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.payments.providers import PaymentProviderName, available_providers

if TYPE_CHECKING:
    from voelgoed.domain.payments.models import PaymentProviderAccount
    from voelgoed.settings import PaymentSettings

MerchantId = Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[0-9]*$")]
Secret60 = Annotated[str, msgspec.Meta(max_length=60)]
Passphrase = Annotated[str, msgspec.Meta(max_length=100)]
OzowSiteCode = Annotated[str, msgspec.Meta(max_length=50, pattern=r"^[A-Za-z0-9-]*$")]


class PaymentProviderUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change. Send "" or null to clear a value; omit it to keep it."""

    merchant_id: MerchantId | msgspec.UnsetType | None = msgspec.UNSET
    merchant_key: Secret60 | msgspec.UnsetType | None = msgspec.UNSET
    passphrase: Passphrase | msgspec.UnsetType | None = msgspec.UNSET
    site_code: OzowSiteCode | msgspec.UnsetType | None = msgspec.UNSET  # Ozow
    private_key: Secret60 | msgspec.UnsetType | None = msgspec.UNSET  # Ozow
    api_key: Secret60 | msgspec.UnsetType | None = msgspec.UNSET  # Ozow
    sandbox: bool | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class PaymentProviderRead(msgspec.Struct):
    provider: PaymentProviderName
    available: bool  # may buyers of this installation use it at all (simulated: PAYMENTS_ALLOW_SIMULATED)
    configured: bool  # the organisation has saved an account for it
    active: bool
    sandbox: bool
    merchant_id: str | None
    merchant_key_set: bool
    passphrase_set: bool
    uses_sandbox_test_merchant: bool  # PayFast's public test merchant 10000100 stands in
    updated_at: datetime | None


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def provider_account_read(
    provider: str, account: PaymentProviderAccount | None, payments: PaymentSettings
) -> PaymentProviderRead:
    stored = account.credentials if account else {}
    merchant_id = stored.get("merchant_id") if isinstance(stored.get("merchant_id"), str) else None
    sandbox = account.sandbox if account else True
    return PaymentProviderRead(
        provider=provider,
        available=provider in available_providers(payments),
        configured=account is not None,
        active=account.active if account else True,
        sandbox=sandbox,
        merchant_id=merchant_id,
        merchant_key_set=bool(stored.get("merchant_key")),
        passphrase_set=bool(stored.get("passphrase")),
        uses_sandbox_test_merchant=provider == "payfast" and sandbox and not merchant_id,
        updated_at=account.updated_at if account else None,
    )
