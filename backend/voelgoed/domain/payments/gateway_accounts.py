"""Connecting an organisation's Yoco or Paystack account: the rules behind "Connect" in the organiser
app (web/yoco_api.py, web/paystack_api.py).

Connect checks the secret key with the provider before saving it: for Yoco it registers our
webhook URL, which answers the `whsec_` signing secret (shown once), stored encrypted beside the key
(a reconnect replaces the webhook registered before, to stay under Yoco's limit of 5); for
Paystack it makes a cheap authenticated call, and the organiser pastes the webhook URL in
Paystack's dashboard. Secrets are encrypted exactly as services.py stores every credential
(`{"enc": <fernet>}`, purpose CREDENTIALS_PURPOSE) and never returned; sandbox follows the key
(`sk_test_` -> sandbox).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.payments.models import PaymentProviderAccount
from voelgoed.domain.payments.providers import get_provider, paystack, yoco
from voelgoed.domain.payments.providers.base import ProviderUnavailable
from voelgoed.domain.payments.services import PROVIDER_FIELDS, decrypt_credentials, notify_url, seal_secret
from voelgoed.lib import crypto
from voelgoed.lib.problems import AppError, Unprocessable
from voelgoed.settings import Settings


class ProviderDown(AppError):
    status, slug, title = 503, "provider-unavailable", "The payment provider cannot be reached"


@dataclass(frozen=True)
class Connected:
    provider: str
    mode: str  # "test" | "live"
    message: str
    webhook_url: str
    webhook_registered: bool  # True: registered with the provider for the organiser (Yoco)


class GatewayAccounts:
    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def connect(
        self, organization_id: uuid.UUID, provider_name: str, secret_key: str | None, settings: Settings
    ) -> Connected:
        """ "Connect": check the key with the provider and save it (Yoco also registers our webhook).
        Only providers with `connect_step` have one; the others save credentials and test them."""
        provider: Any = get_provider(provider_name, settings)
        if not getattr(provider, "connect_step", False):
            raise Unprocessable.field(
                "provider", f"{provider.label} has no Connect step: save its credentials, then test the connection."
            )
        webhook_url = notify_url(provider_name, settings.server.public_url)
        if provider_name == "yoco":
            return await self.connect_yoco(organization_id, provider, secret_key, webhook_url)
        return await self.connect_paystack(organization_id, provider, secret_key, webhook_url)

    async def _account(self, provider: str) -> PaymentProviderAccount | None:
        return await self.db.scalar(select(PaymentProviderAccount).where(PaymentProviderAccount.provider == provider))

    async def _stored_key(self, provider: str) -> tuple[PaymentProviderAccount | None, dict[str, Any]]:
        account = await self._account(provider)
        if account is None:
            return None, {}
        try:
            return account, decrypt_credentials(provider, account.credentials or {})
        except crypto.DecryptionError:
            return account, {}

    async def connect_yoco(
        self, organization_id: uuid.UUID, provider: yoco.YocoProvider, secret_key: str | None, webhook_url: str
    ) -> Connected:
        account, stored = await self._stored_key("yoco")
        key = (secret_key or "").strip() or str(stored.get("secret_key") or "")
        if not yoco.valid_secret_key(key):
            raise Unprocessable.field("secret_key", "Enter your Yoco secret key (sk_test_... or sk_live_...).")
        same_key = key == stored.get("secret_key")
        try:
            hook = await provider.register_webhook(
                key, webhook_url, replace_id=str(stored.get("webhook_id") or "") or None if same_key else None
            )
        except ProviderUnavailable as exc:
            raise ProviderDown("Yoco cannot be reached just now; try Connect again in a minute.") from exc
        mode = yoco.mode_of(key)
        await self._save(
            organization_id,
            "yoco",
            account,
            {"secret_key": key, "webhook_secret": hook["secret"], "webhook_id": hook["id"]},
            sandbox=mode == "test",
        )
        return Connected(
            provider="yoco",
            mode=mode,
            message=f"Connected to Yoco ({'test mode' if mode == 'test' else 'live'}); the webhook is registered.",
            webhook_url=webhook_url,
            webhook_registered=True,
        )

    async def connect_paystack(
        self, organization_id: uuid.UUID, provider: paystack.PaystackProvider, secret_key: str | None, webhook_url: str
    ) -> Connected:
        account, stored = await self._stored_key("paystack")
        key = (secret_key or "").strip() or str(stored.get("secret_key") or "")
        if not paystack.valid_secret_key(key):
            raise Unprocessable.field("secret_key", "Enter your Paystack secret key (sk_test_... or sk_live_...).")
        try:
            check = await provider.test_connection({"secret_key": key}, sandbox=key.startswith("sk_test_"))
        except ProviderUnavailable as exc:
            raise ProviderDown("Paystack cannot be reached just now; try Connect again in a minute.") from exc
        if not check.ok:
            raise Unprocessable.field("secret_key", check.message)
        mode = paystack.domain_of(key)
        await self._save(organization_id, "paystack", account, {"secret_key": key}, sandbox=mode == "test")
        return Connected(
            provider="paystack",
            mode=mode,
            message=f"{check.message} Paste the webhook URL in Paystack: Settings > API Keys & Webhooks.",
            webhook_url=webhook_url,
            webhook_registered=False,
        )

    async def _save(
        self,
        organization_id: uuid.UUID,
        provider: str,
        account: PaymentProviderAccount | None,
        values: dict[str, str],
        *,
        sandbox: bool,
    ) -> PaymentProviderAccount:
        created = account is None
        if account is None:
            account = PaymentProviderAccount(
                organization_id=organization_id, provider=provider, credentials={}, sandbox=sandbox, active=True
            )
            self.db.add(account)
        stored = dict(account.credentials or {})
        fields = PROVIDER_FIELDS[provider]
        for name, value in values.items():
            if fields.get(name):
                stored[name] = seal_secret(value)
            else:
                stored[name] = value
        account.credentials = stored
        account.sandbox = sandbox
        await self.db.flush()
        self.audit.record(  # the audit log never sees a secret
            action="payment_provider.connected" if not created else "payment_provider.created",
            entity_type="payment_provider_account",
            entity_id=account.id,
            changes={"provider": provider, "sandbox": sandbox, **{k: "set" for k in values}},
        )
        return account
