"""Payments over HTTP: the organiser's provider accounts, PayFast's ITN, and answering every
provider's notification (answer_notification: web/ozow_notify.py, web/yoco_api.py and
web/paystack_api.py use it too). Thin: the rules live in services.py (accounts) and itn.py
(notifications, with what every provider shares in notification_records.py); confirming a payment
and applying a refund outcome are workflows (workflows/payment_confirmation.py, workflows/refunds.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, TypeVar

from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Access, Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.payments.gateway_accounts import GatewayAccounts
from voelgoed.domain.payments.gateway_notifications import record_refund_outcome
from voelgoed.domain.payments.itn import process_itn
from voelgoed.domain.payments.notification_records import NotificationRejected, NotificationResult, ServiceUnavailable
from voelgoed.domain.payments.providers import PROVIDER_NAMES
from voelgoed.domain.payments.schemas import (
    GatewayConnect,
    GatewayConnection,
    PaymentProviderOrder,
    PaymentProviderRead,
    PaymentProviderUpdate,
    connection_read,
    provider_account_read,
)
from voelgoed.domain.payments.services import PaymentAccountService
from voelgoed.lib.client_address import client_address
from voelgoed.lib.closed_sets import path_documented_as
from voelgoed.lib.patching import sent_fields
from voelgoed.settings import Settings
from voelgoed.workflows.payment_confirmation import confirm_payment
from voelgoed.workflows.refunds import apply_refund_notice

Answer = TypeVar("Answer")

# Any name routes here; the service refuses an unknown one with 422 at field `provider`.
ProviderInPath = Annotated[str, path_documented_as(PROVIDER_NAMES)]


async def provide_gateway_accounts(db_session: AsyncSession, auth: AuthContext) -> GatewayAccounts:
    return GatewayAccounts(db_session, AuditService(db_session, auth))


async def provide_accounts(db_session: AsyncSession, auth: AuthContext, settings: Settings) -> PaymentAccountService:
    return PaymentAccountService(db_session, AuditService(db_session, auth), settings)


async def _listed(accounts: PaymentAccountService) -> list[PaymentProviderRead]:
    names, saved = await accounts.listed()
    return [provider_account_read(name, saved.get(name), accounts.settings, i) for i, name in enumerate(names)]


async def _one(accounts: PaymentAccountService, provider: str) -> PaymentProviderRead:
    return next(p for p in await _listed(accounts) if p.provider == provider)


class PaymentProviderController(Controller):
    path = "/api/organizations/{organization_id:uuid}/payment-providers"
    tags = ["payments"]
    dependencies = {"accounts": Provide(provide_accounts), "gateways": Provide(provide_gateway_accounts)}

    @get("", operation_id="listPaymentProviders", opt=access(Permission.ORG_MANAGE))
    async def list_providers(
        self, organization_id: uuid.UUID, accounts: PaymentAccountService
    ) -> list[PaymentProviderRead]:
        """List payment providers

        Every provider this installation offers, in the organisation's checkout order, with its
        settings; secrets show only as set or not and their last 4 characters."""
        return await _listed(accounts)

    @put("/order", operation_id="orderPaymentProviders", opt=access(Permission.ORG_MANAGE))
    async def order_providers(
        self, organization_id: uuid.UUID, data: PaymentProviderOrder, accounts: PaymentAccountService
    ) -> list[PaymentProviderRead]:
        """Order the payment providers at checkout

        Set the order checkout offers providers in; those not named follow in the default order."""
        await accounts.set_order(organization_id, list(data.providers))
        return await _listed(accounts)

    @get("/{provider:str}", operation_id="getPaymentProvider", opt=access(Permission.ORG_MANAGE))
    async def get_provider_account(
        self, organization_id: uuid.UUID, provider: ProviderInPath, accounts: PaymentAccountService
    ) -> PaymentProviderRead:
        """Get a payment provider's settings

        One provider's settings (secrets only as set or not and their last 4 characters)."""
        accounts.check(provider)
        return await _one(accounts, provider)

    @put("/{provider:str}", operation_id="setPaymentProvider", opt=access(Permission.ORG_MANAGE))
    async def set_provider_account(
        self,
        organization_id: uuid.UUID,
        provider: ProviderInPath,
        data: PaymentProviderUpdate,
        accounts: PaymentAccountService,
    ) -> PaymentProviderRead:
        """Save a payment provider's settings

        Save credentials (secrets are encrypted at rest and write-only), sandbox or live, on or off."""
        sent = sent_fields(data)
        await accounts.put(
            organization_id,
            provider,
            credentials=sent.get("credentials"),
            sandbox=sent.get("sandbox"),
            enabled=sent.get("enabled"),
        )
        return await _one(accounts, provider)

    @post(
        "/{provider:str}/test",
        operation_id="testPaymentProvider",
        opt=access(Permission.ORG_MANAGE),
        status_code=200,
    )
    async def test_provider_account(
        self, organization_id: uuid.UUID, provider: ProviderInPath, accounts: PaymentAccountService
    ) -> PaymentProviderRead:
        """Test a payment provider's credentials

        Ask the provider whether the saved credentials work (its own test endpoint); the result is
        stored and shown as `last_test`. 422 for a provider without a test endpoint."""
        await accounts.test(organization_id, provider)
        return await _one(accounts, provider)

    @post(
        "/{provider:str}/connect",
        operation_id="connectPaymentProvider",
        opt=access(Permission.ORG_MANAGE),
        status_code=200,
    )
    async def connect_provider_account(
        self,
        organization_id: uuid.UUID,
        provider: ProviderInPath,
        data: GatewayConnect,
        accounts: PaymentAccountService,
        gateways: GatewayAccounts,
        settings: Settings,
    ) -> GatewayConnection:
        """Connect a payment provider account

        For providers with `connect_step` (Yoco, Paystack): check the secret key with the provider
        and save it encrypted (never shown again). Yoco: our webhook URL is registered with the
        organiser's Yoco account and its signing secret kept; Paystack: the answer holds the webhook
        URL to paste in Paystack's dashboard. 422 at `secret_key` when the provider refuses the key,
        422 at `provider` for a provider without a Connect step; 503 when it cannot be reached."""
        accounts.check(provider)
        return connection_read(await gateways.connect(organization_id, provider, data.secret_key, settings))


def plain_ok() -> Response[str]:
    """The answer PayFast and Ozow document for an accepted notification."""
    return Response("OK", media_type="text/plain", status_code=200)


async def answer_notification(
    db: AsyncSession, result: NotificationResult, *, queue: Queue, redis: Redis, ok: Response[Answer]
) -> Response[Answer]:
    """Apply a verified notification (or keep the record of a refused one) and answer the provider:
    `ok` (each provider's documented acknowledgement), 503 problem+json with Retry-After when it
    could not be confirmed now, 400 problem+json when refused.

    A verified payment goes through workflows/payment_confirmation.confirm_payment, the one path of
    every provider (transaction lock first, de-duplication on the provider's id, retries of lock
    conflicts, 503 never 500); a verified refund outcome through workflows/refunds.apply_refund_notice.
    A refused notification is recorded and committed before the 400 goes out."""
    if result.payment is not None:
        confirmation = await confirm_payment(db, result.payment)  # commits; 503 when lock conflicts persist
        await confirmation.after_commit(queue=queue, redis=redis)  # tickets e-mailed, availability refreshed
        return ok
    if result.refund is not None:
        outcome = await apply_refund_notice(db, result.refund)  # commits
        await record_refund_outcome(db, result, outcome)
        await db.commit()
        return ok
    await db.commit()  # the record of a refused (or informational) notification
    if result.status_code == 200:
        return ok
    if result.status_code == 503:
        raise ServiceUnavailable(result.outcome, headers={"Retry-After": "60"})
    raise NotificationRejected(result.outcome)


class PayFastItnController(Controller):
    path = "/api/payments/payfast"
    tags = ["payments"]

    @post(
        "/itn",
        operation_id="receivePayfastItn",
        opt=access(Access.PUBLIC),
        status_code=200,
        media_type="text/plain",
    )
    async def itn(
        self, request: Request, db_session: AsyncSession, queue: Queue, redis: Redis, settings: Settings
    ) -> Response[str]:
        """Receive a PayFast payment notification

        PayFast's Instant Transaction Notification (form-encoded, posted by PayFast's servers).

        200: accepted, or a duplicate of one already processed, or one that arrived while another
        notification for the same payment was being applied (it waits for that one's commit).
        400 (problem+json): rejected by one of the four checks; recorded, nothing else changed.
        503: PayFast's validate call failed, or lock conflicts outlasted the retries (PayFast retries)."""
        result = await process_itn(
            db_session,
            payments=settings.payments,
            body=await request.body(),
            source_ip=client_address(request),
        )
        return await answer_notification(db_session, result, queue=queue, redis=redis, ok=plain_ok())
