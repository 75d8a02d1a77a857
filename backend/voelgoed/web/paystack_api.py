"""Paystack over HTTP: the webhook Paystack posts to, and "Connect Paystack" for the organiser.
Rules: domain/payments/paystack_webhooks.py and gateway_accounts.py; the provider itself:
domain/payments/providers/paystack.py. The webhook is answered as every provider's notification is
(domain/payments/controllers.answer_notification)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import Provide
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, Permission, access
from voelgoed.domain.payments.controllers import answer_notification
from voelgoed.domain.payments.gateway_accounts import GatewayAccounts
from voelgoed.domain.payments.paystack_webhooks import process_paystack_webhook
from voelgoed.domain.payments.providers.paystack import PaystackProvider
from voelgoed.domain.payments.services import notify_url
from voelgoed.lib.client_address import client_address
from voelgoed.settings import Settings
from voelgoed.web.gateway_webhooks import (
    GatewayConnect,
    GatewayConnection,
    connection_read,
    provide_gateway_accounts,
    received,
)


class PaystackWebhookController(Controller):
    path = "/api/payments/paystack"
    tags = ["payments"]

    @post("/webhook", operation_id="receivePaystackWebhook", opt=access(Access.PUBLIC), status_code=200)
    async def webhook(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, queue: Queue, redis: Redis, settings: Settings
    ) -> Response[dict[str, bool]]:
        """A Paystack webhook event (JSON, `x-paystack-signature` = HMAC-SHA512 of the body).

        200: verified (and confirmed with Paystack's verify call) and applied, a duplicate, or an
        event that needs no action. 400 (problem+json): refused (source address, signature, amount,
        verify disagrees, unknown transaction); recorded, nothing else changed. 503: Paystack's
        verify call could not be made, or lock conflicts outlasted the retries (Paystack retries).
        """
        payments = settings.payments
        result = await process_paystack_webhook(
            db_session,
            provider=PaystackProvider(payments.paystack_api_url),
            body=await request.body(),
            signature_header=request.headers.get("x-paystack-signature"),
            source_ip=client_address(request),  # X-Forwarded-For only from TRUSTED_PROXIES
            allowed_ips=payments.paystack_allowed_ips,
        )
        return await answer_notification(db_session, result, queue=queue, redis=redis, ok=received())


class PaystackConnectController(Controller):
    path = "/api/organizations/{organization_id:uuid}/payment-providers/paystack"
    tags = ["payments"]
    dependencies = {"gateways": Provide(provide_gateway_accounts)}

    @post("/connect", operation_id="connectPaystack", opt=access(Permission.ORG_MANAGE), status_code=200)
    async def connect(
        self, organization_id: uuid.UUID, data: GatewayConnect, gateways: GatewayAccounts, settings: Settings
    ) -> GatewayConnection:
        """Check the secret key with Paystack and save it encrypted (never shown again). The answer
        holds the webhook URL to paste in Paystack's dashboard (Settings > API Keys & Webhooks).
        422 at `secret_key` when Paystack refuses the key; 503 when Paystack cannot be reached."""
        provider = PaystackProvider(settings.payments.paystack_api_url)
        done = await gateways.connect_paystack(
            organization_id, provider, data.secret_key, notify_url("paystack", settings.server.public_url)
        )
        return connection_read(done)
