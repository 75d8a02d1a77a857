"""Per-organisation provider accounts (credentials encrypted at rest) and what checkout needs to
open a payment: the decrypted credentials, the sandbox flag and the notify URL.

Stored shape of `payment_provider_account.credentials` for PayFast:
`{"merchant_id": "10000100", "merchant_key": {"enc": "<fernet>"}, "passphrase": {"enc": "<fernet>"}}`
Secret values are never returned by the API; it says only whether each one is set.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.payments.models import PaymentProviderAccount, PaymentTransaction
from voelgoed.domain.payments.providers import PROVIDER_NAMES
from voelgoed.domain.payments.providers.payfast import SANDBOX_MERCHANT_ID, SANDBOX_MERCHANT_KEY
from voelgoed.lib import crypto
from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import Settings

CREDENTIALS_PURPOSE = "payment-credentials"
# Which credential fields each provider takes, and which of them are secret (encrypted, never shown).
PROVIDER_FIELDS: dict[str, dict[str, bool]] = {
    "payfast": {"merchant_id": False, "merchant_key": True, "passphrase": True},
    "ozow": {"site_code": False, "private_key": True, "api_key": True},
    "simulated": {},
}


@dataclass(frozen=True)
class ProviderSetup:
    """What start_checkout passes to PaymentContext for one organisation and provider."""

    provider: str
    credentials: dict[str, Any] = field(default_factory=dict)  # decrypted; never log or return
    sandbox: bool = True
    notify_url: str = ""


def notify_url(provider: str, base: str) -> str:
    """Where the provider posts its server-to-server notifications (`base`: PUBLIC_URL)."""
    if provider == "ozow":
        return f"{base}/api/payments/ozow/notify"
    return f"{base}/api/payments/{provider}/itn" if provider == "payfast" else ""


def check_provider_name(provider: str) -> str:
    if provider not in PROVIDER_NAMES:
        raise Unprocessable.field("provider", f"Unknown payment provider {provider!r}.")
    return provider


def decrypt_credentials(provider: str, stored: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, secret in PROVIDER_FIELDS.get(provider, {}).items():
        value = stored.get(name)
        if secret and isinstance(value, dict) and value.get("enc"):
            out[name] = crypto.decrypt_str(str(value["enc"]), purpose=CREDENTIALS_PURPOSE)
        elif not secret and isinstance(value, str):
            out[name] = value
    return out


async def find_account(db: AsyncSession, organization_id: uuid.UUID, provider: str) -> PaymentProviderAccount | None:
    return await db.scalar(
        select(PaymentProviderAccount)
        .where(PaymentProviderAccount.organization_id == organization_id, PaymentProviderAccount.provider == provider)
        .execution_options(**UNSCOPED)
    )


async def lock_transaction(db: AsyncSession, transaction_id: uuid.UUID) -> PaymentTransaction | None:
    """SELECT ... FOR UPDATE of one payment transaction, fresh from the database. The first lock
    of every payment confirmation (see notifications.py for the order and why)."""
    return await db.scalar(
        select(PaymentTransaction)
        .where(PaymentTransaction.id == transaction_id)
        .with_for_update()
        .execution_options(populate_existing=True, **UNSCOPED)
    )


async def provider_setup(
    db: AsyncSession, organization_id: uuid.UUID, provider: str, settings: Settings
) -> ProviderSetup:
    """Credentials for checkout. Without an account PayFast runs against its public sandbox test
    merchant, except in production, where an organiser must set their own first."""
    check_provider_name(provider)
    account = await find_account(db, organization_id, provider)
    if account is not None and not account.active:
        raise Unprocessable.field("provider", f"This organiser has switched {provider} off.")
    if provider == "payfast" and account is None:
        if settings.server.environment == "production":
            raise Unprocessable.field("provider", "PayFast is not set up for this organiser yet.")
        return ProviderSetup(
            provider=provider,
            credentials={"merchant_id": SANDBOX_MERCHANT_ID, "merchant_key": SANDBOX_MERCHANT_KEY},
            sandbox=True,
            notify_url=notify_url(provider, settings.server.public_url),
        )
    creds = decrypt_credentials(provider, account.credentials) if account else {}
    sandbox = account.sandbox if account else True
    return ProviderSetup(
        provider=provider,
        credentials=creds,
        sandbox=sandbox,
        notify_url=notify_url(provider, settings.server.public_url),
    )


def effective_payfast_credentials(account: PaymentProviderAccount | None) -> tuple[dict[str, Any], bool]:
    """(credentials, sandbox) PayFast notifications are checked against for one organisation."""
    if account is None:
        return {"merchant_id": SANDBOX_MERCHANT_ID, "merchant_key": SANDBOX_MERCHANT_KEY}, True
    creds = decrypt_credentials("payfast", account.credentials)
    if account.sandbox and not creds.get("merchant_id"):
        creds = {**creds, "merchant_id": SANDBOX_MERCHANT_ID, "merchant_key": SANDBOX_MERCHANT_KEY}
    return creds, account.sandbox


class PaymentAccountService:
    """The organiser's view: set and read provider accounts (secrets write-only)."""

    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def all(self) -> list[PaymentProviderAccount]:
        rows = await self.db.scalars(select(PaymentProviderAccount).order_by(PaymentProviderAccount.provider))
        return list(rows)

    async def get(self, provider: str) -> PaymentProviderAccount | None:
        check_provider_name(provider)
        return await self.db.scalar(select(PaymentProviderAccount).where(PaymentProviderAccount.provider == provider))

    async def put(self, organization_id: uuid.UUID, provider: str, changes: dict[str, Any]) -> PaymentProviderAccount:
        """Apply the fields sent; a secret sent as "" or null is cleared, one not sent is kept."""
        check_provider_name(provider)
        fields = PROVIDER_FIELDS[provider]
        unknown = [k for k in changes if k not in fields and k not in {"sandbox", "active"}]
        if unknown:
            raise Unprocessable.field(unknown[0], f"{provider} takes no {unknown[0]!r}.")
        account = await self.get(provider)
        created = account is None
        if account is None:
            account = PaymentProviderAccount(
                organization_id=organization_id, provider=provider, credentials={}, sandbox=True, active=True
            )
            self.db.add(account)
        stored = dict(account.credentials or {})
        changed: dict[str, Any] = {}
        for name, secret in fields.items():
            if name not in changes:
                continue
            value = (changes[name] or "").strip()
            if not value:
                stored.pop(name, None)
            elif secret:
                stored[name] = {"enc": crypto.encrypt_str(value, purpose=CREDENTIALS_PURPOSE)}
            else:
                stored[name] = value
            changed[name] = "set" if value else "cleared"  # the audit log never sees a secret
        for flag in ("sandbox", "active"):
            if flag in changes and changes[flag] is not None and getattr(account, flag) != changes[flag]:
                changed[flag] = [getattr(account, flag), changes[flag]]
                setattr(account, flag, bool(changes[flag]))
        if provider == "payfast" and not account.sandbox:
            missing = [n for n in ("merchant_id", "merchant_key") if not stored.get(n)]
            if missing:
                raise Unprocessable.field(missing[0], "A live PayFast account needs its merchant id and key.")
        account.credentials = stored
        await self.db.flush()
        self.audit.record(
            action="payment_provider.created" if created else "payment_provider.updated",
            entity_type="payment_provider_account",
            entity_id=account.id,
            changes={"provider": provider, **changed},
        )
        return account
