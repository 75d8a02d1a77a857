"""Payments over HTTP: the organiser's provider accounts, and PayFast's ITN. Thin: the rules
live in services.py (accounts) and itn.py (notifications); confirming one is a workflow
(workflows/payment_confirmation.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Access, Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.payments.itn import process_itn
from voelgoed.domain.payments.providers import PROVIDER_NAMES
from voelgoed.domain.payments.schemas import (
    PaymentProviderOrder,
    PaymentProviderRead,
    PaymentProviderUpdate,
    provider_account_read,
)
from voelgoed.domain.payments.services import PaymentAccountService
from voelgoed.lib.client_address import client_address
from voelgoed.lib.closed_sets import path_documented_as
from voelgoed.lib.patching import sent_fields
from voelgoed.lib.problems import AppError
from voelgoed.settings import Settings
from voelgoed.workflows.payment_confirmation import confirm_payment


class ServiceUnavailable(AppError):
    status, slug, title = 503, "unavailable", "Try again later"


class NotificationRejected(AppError):
    status, slug, title = 400, "notification-rejected", "Payment notification rejected"


# Any name routes here; the service refuses an unknown one with 422 at field `provider`.
ProviderInPath = Annotated[str, path_documented_as(PROVIDER_NAMES)]


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
    dependencies = {"accounts": Provide(provide_accounts)}

    @get("", operation_id="listPaymentProviders", opt=access(Permission.ORG_MANAGE))
    async def list_providers(
        self, organization_id: uuid.UUID, accounts: PaymentAccountService
    ) -> list[PaymentProviderRead]:
        """Every provider this installation offers, in the organisation's checkout order, with its
        settings; secrets show only as set or not and their last 4 characters."""
        return await _listed(accounts)

    @put("/order", operation_id="orderPaymentProviders", opt=access(Permission.ORG_MANAGE))
    async def order_providers(
        self, organization_id: uuid.UUID, data: PaymentProviderOrder, accounts: PaymentAccountService
    ) -> list[PaymentProviderRead]:
        """Set the order checkout offers providers in; those not named follow in the default order."""
        await accounts.set_order(organization_id, list(data.providers))
        return await _listed(accounts)

    @get("/{provider:str}", operation_id="getPaymentProvider", opt=access(Permission.ORG_MANAGE))
    async def get_provider_account(
        self, organization_id: uuid.UUID, provider: ProviderInPath, accounts: PaymentAccountService
    ) -> PaymentProviderRead:
        """One provider's settings (secrets only as set or not and their last 4 characters)."""
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
        """Save credentials (secrets are encrypted at rest and write-only), sandbox or live, on or off."""
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
        """Ask the provider whether the saved credentials work (its own test endpoint); the result is
        stored and shown as `last_test`. 422 for a provider without a test endpoint."""
        await accounts.test(organization_id, provider)
        return await _one(accounts, provider)


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
        """PayFast's Instant Transaction Notification (form-encoded, posted by PayFast's servers).

        200: accepted, or a duplicate of one already processed, or one that arrived while another
        notification for the same payment was being applied (it waits for that one's commit).
        400 (problem+json): rejected by one of the four checks; recorded, nothing else changed.
        503: PayFast's validate call failed, or lock conflicts outlasted the retries (PayFast retries).
        """
        result = await process_itn(
            db_session,
            payments=settings.payments,
            body=await request.body(),
            source_ip=client_address(request),
        )
        if result.notice is not None:  # verified: the path every provider shares (locks, retries)
            confirmation = await confirm_payment(db_session, result.notice)
            await confirmation.after_commit(queue=queue, redis=redis)  # tickets e-mailed, availability
            return Response("OK", media_type="text/plain", status_code=200)
        await db_session.commit()  # keeps the record of a refused notification
        if result.status_code == 200:
            return Response("OK", media_type="text/plain", status_code=200)
        if result.status_code == 503:
            raise ServiceUnavailable(result.outcome, headers={"Retry-After": "60"})
        raise NotificationRejected(result.outcome)
