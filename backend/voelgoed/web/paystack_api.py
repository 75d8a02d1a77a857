"""Paystack over HTTP: the webhook Paystack posts to. "Connect Paystack" is the payment settings'
POST .../payment-providers/paystack/connect. Rules: domain/payments/paystack_webhooks.py and
gateway_accounts.py; the provider itself: domain/payments/providers/paystack.py. The webhook is
answered as every provider's notification is (domain/payments/controllers.answer_notification)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.payments.controllers import answer_notification
from voelgoed.domain.payments.paystack_webhooks import process_paystack_webhook
from voelgoed.domain.payments.providers.paystack import PaystackProvider
from voelgoed.lib.client_address import client_address
from voelgoed.settings import Settings
from voelgoed.web.gateway_webhooks import (
    received,
)


class PaystackWebhookController(Controller):
    path = "/api/payments/paystack"
    tags = ["payments"]

    @post("/webhook", operation_id="receivePaystackWebhook", opt=access(Access.PUBLIC), status_code=200)
    async def webhook(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, queue: Queue, redis: Redis, settings: Settings
    ) -> Response[dict[str, bool]]:
        """Receive a Paystack webhook

        A Paystack webhook event (JSON, `x-paystack-signature` = HMAC-SHA512 of the body).

        200: verified (and confirmed with Paystack's verify call) and applied, a duplicate, or an
        event that needs no action. 400 (problem+json): refused (source address, signature, amount,
        verify disagrees, unknown transaction); recorded, nothing else changed. 503: Paystack's
        verify call could not be made, or lock conflicts outlasted the retries (Paystack retries)."""
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
