"""Per-organisation provider settings (credentials encrypted at rest, sandbox or live, on or off,
checkout order, last connection test) and what checkout needs to open a payment: the decrypted
credentials, the sandbox flag and the notify URL.

Stored shape of `payment_provider_account.credentials`, e.g. for PayFast:
`{"merchant_id": "10000100", "merchant_key": {"enc": "<fernet>", "last4": "581a"}, "passphrase": {...}}`
A secret is never returned by the API: only whether it is set and its last 4 characters (kept
beside the ciphertext when saved, and only for secrets of 8 characters or more).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.payments.models import PaymentProviderAccount, PaymentTransaction
from voelgoed.domain.payments.providers import PROVIDER_NAMES, REGISTRY, available_providers, get_provider
from voelgoed.domain.payments.providers.base import ConnectionCheck, CredentialField, ProviderUnavailable
from voelgoed.domain.payments.providers.payfast import SANDBOX_MERCHANT_ID, SANDBOX_MERCHANT_KEY
from voelgoed.lib import crypto
from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import Settings

CREDENTIALS_PURPOSE = "payment-credentials"
LAST4_MIN_LENGTH = 8  # a shorter secret shows no characters at all
# Which credential fields each provider takes, and which of them are secret: from the providers.
PROVIDER_FIELDS: dict[str, dict[str, bool]] = {
    name: {f.name: f.secret for f in entry.cls.credential_fields} for name, entry in REGISTRY.items()
}


@dataclass(frozen=True)
class ProviderSetup:
    """What start_checkout passes to PaymentContext for one organisation and provider."""

    provider: str
    credentials: dict[str, Any] = field(default_factory=dict)  # decrypted; never log or return
    sandbox: bool = True
    notify_url: str = ""


def credential_fields(provider: str) -> tuple[CredentialField, ...]:
    entry = REGISTRY.get(provider)
    return tuple(entry.cls.credential_fields) if entry else ()


def label_of(provider: str) -> str:
    entry = REGISTRY.get(provider)
    return str(entry.cls.label) if entry else provider


def notify_url(provider: str, base: str) -> str:
    """Where the provider posts its server-to-server notifications (`base`: PUBLIC_URL); "" when
    it sends none."""
    entry = REGISTRY.get(provider)
    path = str(getattr(entry.cls, "notify_path", "") or "") if entry else ""
    return f"{base}{path}" if path else ""


def refund_notify_url(provider: str, base: str) -> str:
    """Where the provider reports a refund's outcome: its own refund path where it has one (Ozow
    posts refund notifications to a separate URL), else its notification URL."""
    entry = REGISTRY.get(provider)
    path = str(getattr(entry.cls, "refund_notify_path", "") or "") if entry else ""
    return f"{base}{path}" if path else notify_url(provider, base)


def check_provider_name(provider: str) -> str:
    """A name in the closed set with an implementation here; else 422 at field `provider`."""
    if provider not in PROVIDER_NAMES:
        raise Unprocessable.field("provider", f"Unknown payment provider {provider!r}.")
    if provider not in REGISTRY:
        raise Unprocessable.field(
            "provider", f"The payment provider {provider!r} is not available in this installation yet."
        )
    return provider


# Values a provider's "Connect" step stores beside the typed-in fields (never typed in by a person).
CONNECT_FIELDS: dict[str, dict[str, bool]] = {"yoco": {"webhook_id": False}}


def decrypt_credentials(provider: str, stored: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = {**PROVIDER_FIELDS.get(provider, {}), **CONNECT_FIELDS.get(provider, {})}
    for name, secret in fields.items():
        value = stored.get(name)
        if secret and isinstance(value, dict) and value.get("enc"):
            out[name] = crypto.decrypt_str(str(value["enc"]), purpose=CREDENTIALS_PURPOSE)
        elif not secret and isinstance(value, str):
            out[name] = value
    return out


def is_configured(provider: str, stored: dict[str, Any] | None) -> bool:
    """Every required credential field has a value (the simulated provider needs none)."""
    stored = stored or {}
    return all(stored.get(f.name) for f in credential_fields(provider) if f.required)


def uses_sandbox_test_merchant(provider: str, account: PaymentProviderAccount | None, settings: Settings) -> bool:
    """PayFast's public sandbox test merchant stands in for an organiser without their own merchant
    id, in sandbox mode, outside production."""
    if provider != "payfast" or settings.server.environment == "production":
        return False
    if account is None:
        return True
    return account.sandbox and not (account.credentials or {}).get("merchant_id")


def offered(provider: str, account: PaymentProviderAccount | None, settings: Settings) -> bool:
    """Checkout offers it: available here, not switched off, and configured (or the sandbox
    test merchant stands in)."""
    if provider not in available_providers(settings.payments):
        return False
    if account is not None and not account.active:
        return False
    stored = account.credentials if account else {}
    return is_configured(provider, stored) or uses_sandbox_test_merchant(provider, account, settings)


def checkout_order(names: list[str], accounts: dict[str, PaymentProviderAccount]) -> list[str]:
    """Providers in the organisation's order: those it placed first (by position), then the rest in
    the default order."""

    def key(name: str) -> tuple[int, int]:
        account = accounts.get(name)
        position = account.position if account is not None and account.position is not None else None
        return (0, position) if position is not None else (1, PROVIDER_NAMES.index(name))

    return sorted(names, key=key)


async def find_account(db: AsyncSession, organization_id: uuid.UUID, provider: str) -> PaymentProviderAccount | None:
    return await db.scalar(
        select(PaymentProviderAccount)
        .where(PaymentProviderAccount.organization_id == organization_id, PaymentProviderAccount.provider == provider)
        .execution_options(**UNSCOPED)
    )


async def accounts_of(db: AsyncSession, organization_id: uuid.UUID) -> dict[str, PaymentProviderAccount]:
    rows = await db.scalars(
        select(PaymentProviderAccount)
        .where(PaymentProviderAccount.organization_id == organization_id)
        .execution_options(**UNSCOPED)
    )
    return {a.provider: a for a in rows}


async def checkout_providers(db: AsyncSession, organization_id: uuid.UUID, settings: Settings) -> list[str]:
    """The providers a buyer of this organisation may choose, in the organisation's order."""
    accounts = await accounts_of(db, organization_id)
    names = [n for n in available_providers(settings.payments) if offered(n, accounts.get(n), settings)]
    return checkout_order(names, accounts)


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
    """Credentials for checkout; 422 at `provider` when this organisation does not offer it (switched
    off, or not set up). Without its own merchant id a sandbox PayFast account runs against PayFast's
    public test merchant, except in production."""
    check_provider_name(provider)
    account = await find_account(db, organization_id, provider)
    if account is not None and not account.active:
        raise Unprocessable.field("provider", f"This organiser has switched {label_of(provider)} off.")
    if not offered(provider, account, settings):
        raise Unprocessable.field("provider", f"{label_of(provider)} is not set up for this organiser yet.")
    url = notify_url(provider, settings.server.public_url)
    if uses_sandbox_test_merchant(provider, account, settings):
        creds = {"merchant_id": SANDBOX_MERCHANT_ID, "merchant_key": SANDBOX_MERCHANT_KEY}
        return ProviderSetup(provider=provider, credentials=creds, sandbox=True, notify_url=url)
    creds = decrypt_credentials(provider, account.credentials) if account else {}
    return ProviderSetup(
        provider=provider, credentials=creds, sandbox=account.sandbox if account else True, notify_url=url
    )


async def provider_credentials(
    db: AsyncSession, organization_id: uuid.UUID, provider: str, settings: Settings
) -> ProviderSetup:
    """Credentials for work on payments already made (refunds, status queries): like provider_setup
    but also for a provider the organisation has since switched off or no longer offers."""
    check_provider_name(provider)
    account = await find_account(db, organization_id, provider)
    url = notify_url(provider, settings.server.public_url)
    if provider == "payfast":
        creds, sandbox = effective_payfast_credentials(account)
        return ProviderSetup(provider=provider, credentials=creds, sandbox=sandbox, notify_url=url)
    creds = decrypt_credentials(provider, account.credentials) if account else {}
    return ProviderSetup(
        provider=provider, credentials=creds, sandbox=account.sandbox if account else True, notify_url=url
    )


def effective_payfast_credentials(account: PaymentProviderAccount | None) -> tuple[dict[str, Any], bool]:
    """(credentials, sandbox) PayFast notifications are checked against for one organisation."""
    if account is None:
        return {"merchant_id": SANDBOX_MERCHANT_ID, "merchant_key": SANDBOX_MERCHANT_KEY}, True
    creds = decrypt_credentials("payfast", account.credentials)
    if account.sandbox and not creds.get("merchant_id"):
        creds = {**creds, "merchant_id": SANDBOX_MERCHANT_ID, "merchant_key": SANDBOX_MERCHANT_KEY}
    return creds, account.sandbox


def seal_secret(value: str) -> dict[str, str]:
    """A secret as stored: its ciphertext and, for a long enough one, its last 4 characters."""
    last4 = value[-4:] if len(value) >= LAST4_MIN_LENGTH else ""
    return {"enc": crypto.encrypt_str(value, purpose=CREDENTIALS_PURPOSE), "last4": last4}


class PaymentAccountService:
    """The organiser's view: read and change provider settings (secrets write-only)."""

    def __init__(self, db: AsyncSession, audit: AuditService, settings: Settings) -> None:
        self.db = db
        self.audit = audit
        self.settings = settings

    def check(self, provider: str) -> str:
        """A provider this installation offers; the simulated one only where it is allowed."""
        check_provider_name(provider)
        if provider not in available_providers(self.settings.payments):
            raise Unprocessable.field(
                "provider", "The simulated payment provider is switched off here (PAYMENTS_ALLOW_SIMULATED)."
            )
        return provider

    async def all(self) -> dict[str, PaymentProviderAccount]:
        rows = await self.db.scalars(select(PaymentProviderAccount))
        return {a.provider: a for a in rows}

    async def listed(self) -> tuple[list[str], dict[str, PaymentProviderAccount]]:
        """Every provider available here, in the organisation's checkout order, with its account."""
        accounts = await self.all()
        return checkout_order(available_providers(self.settings.payments), accounts), accounts

    async def get(self, provider: str) -> PaymentProviderAccount | None:
        self.check(provider)
        return await self.db.scalar(select(PaymentProviderAccount).where(PaymentProviderAccount.provider == provider))

    async def _get_or_add(self, organization_id: uuid.UUID, provider: str) -> tuple[PaymentProviderAccount, bool]:
        account = await self.get(provider)
        if account is not None:
            return account, False
        account = PaymentProviderAccount(
            organization_id=organization_id, provider=provider, credentials={}, sandbox=True, active=True
        )
        self.db.add(account)
        return account, True

    async def put(
        self,
        organization_id: uuid.UUID,
        provider: str,
        *,
        credentials: dict[str, str | None] | None = None,
        sandbox: bool | None = None,
        enabled: bool | None = None,
    ) -> PaymentProviderAccount:
        """Apply what was sent: a credential sent as "" or null is cleared, one not sent is kept, an
        unknown one or a value not matching its field's pattern is a 422."""
        self.check(provider)
        fields = {f.name: f for f in credential_fields(provider)}
        credentials = credentials or {}
        for name, raw in credentials.items():
            if name not in fields:
                raise Unprocessable.field(f"credentials.{name}", f"{label_of(provider)} takes no {name!r}.")
            value = (raw or "").strip()
            pattern = fields[name].pattern
            if value and pattern and not re.fullmatch(pattern, value):
                raise Unprocessable.field(
                    f"credentials.{name}",
                    f"This does not look like a {label_of(provider)} {fields[name].label.lower()}.",
                )
        account, created = await self._get_or_add(organization_id, provider)
        stored = dict(account.credentials or {})
        changed: dict[str, Any] = {}
        for name, raw in credentials.items():
            value = (raw or "").strip()
            if not value:
                if name in stored:
                    changed[name] = "cleared"
                stored.pop(name, None)
            else:
                stored[name] = seal_secret(value) if fields[name].secret else value
                changed[name] = "set"  # the audit log never sees a credential's value
        for flag, new in (("sandbox", sandbox), ("active", enabled)):
            if new is not None and getattr(account, flag) != new:
                changed["enabled" if flag == "active" else flag] = [getattr(account, flag), new]
                setattr(account, flag, new)
        if not account.sandbox:
            missing = [f.name for f in fields.values() if f.required and not stored.get(f.name)]
            if missing:
                raise Unprocessable.field(
                    f"credentials.{missing[0]}",
                    f"A live {label_of(provider)} account needs its {fields[missing[0]].label.lower()}.",
                )
        if changed.keys() & fields.keys():  # new credentials: the last test no longer says anything
            account.last_test_ok, account.last_test_message, account.last_tested_at = None, None, None
        account.credentials = stored
        await self.db.flush()
        self.audit.record(
            action="payment_provider.created" if created else "payment_provider.updated",
            entity_type="payment_provider_account",
            entity_id=account.id,
            changes={"provider": provider, **changed},
        )
        return account

    async def set_order(self, organization_id: uuid.UUID, names: list[str]) -> None:
        """Checkout offers `names` in this order, then any others in the default order."""
        if len(set(names)) != len(names):
            raise Unprocessable.field("providers", "Name each provider once.")
        for i, name in enumerate(names):
            try:
                self.check(name)
            except Unprocessable as exc:
                raise Unprocessable.field(f"providers.{i}", exc.detail) from exc
        before, accounts = await self.listed()
        for account in accounts.values():
            account.position = None
        for i, name in enumerate(names):
            account, _ = await self._get_or_add(organization_id, name)
            account.position = i
        await self.db.flush()
        after, _ = await self.listed()
        if after != before:
            self.audit.record(
                action="payment_provider.reordered",
                entity_type="organization",
                entity_id=organization_id,
                changes={"order": [before, after]},
            )

    async def test(self, organization_id: uuid.UUID, provider: str) -> PaymentProviderAccount:
        """Ask the provider whether the saved credentials work; store and return the answer."""
        self.check(provider)
        implementation = get_provider(provider, self.settings)
        if not implementation.supports_connection_test:
            raise Unprocessable.field("provider", f"{implementation.label} has no connection test.")
        account, _ = await self._get_or_add(organization_id, provider)
        creds = decrypt_credentials(provider, account.credentials or {})
        try:
            result = await implementation.test_connection(creds, account.sandbox)
        except ProviderUnavailable as exc:
            result = ConnectionCheck(ok=False, message=f"Could not reach {implementation.label}: {exc}")
        account.last_test_ok = result.ok
        account.last_test_message = result.message[:300]
        account.last_tested_at = datetime.now(UTC)
        await self.db.flush()
        self.audit.record(
            action="payment_provider.tested",
            entity_type="payment_provider_account",
            entity_id=account.id,
            changes={"provider": provider, "ok": result.ok, "message": result.message[:300]},
        )
        return account
