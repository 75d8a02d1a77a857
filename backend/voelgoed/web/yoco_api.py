"""Yoco over HTTP: the webhook Yoco posts to, and "Connect Yoco" for the organiser (which
registers that webhook with their Yoco account). Rules: domain/payments/yoco_webhooks.py and
gateway_accounts.py; the provider itself: domain/payments/providers/yoco.py. The webhook is answered
as every provider's notification is (domain/payments/controllers.answer_notification)."""

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
from voelgoed.domain.payments.providers.yoco import YocoProvider
from voelgoed.domain.payments.services import notify_url
from voelgoed.domain.payments.yoco_webhooks import process_yoco_webhook
from voelgoed.settings import Settings
from voelgoed.web.gateway_webhooks import (
    GatewayConnect,
    GatewayConnection,
    connection_read,
    provide_gateway_accounts,
    received,
)


class YocoWebhookController(Controller):
    path = "/api/payments/yoco"
    tags = ["payments"]

    @post("/webhook", operation_id="receiveYocoWebhook", opt=access(Access.PUBLIC), status_code=200)
    async def webhook(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, queue: Queue, redis: Redis
    ) -> Response[dict[str, bool]]:
        """A Yoco webhook event (JSON, signed the Standard Webhooks way with the organiser's secret).

        200: verified and applied, a duplicate of one already processed, or an event that needs no
        action. 400 (problem+json): refused (stale timestamp, signature, amount, mode, unknown
        transaction); recorded, nothing else changed. 503: lock conflicts outlasted the retries
        (Yoco retries).
        """
        source_ip = request.client.host if request.client else None
        result = await process_yoco_webhook(
            db_session, body=await request.body(), headers=request.headers, source_ip=source_ip
        )
        return await answer_notification(db_session, result, queue=queue, redis=redis, ok=received())


class YocoConnectController(Controller):
    path = "/api/organizations/{organization_id:uuid}/payment-providers/yoco"
    tags = ["payments"]
    dependencies = {"gateways": Provide(provide_gateway_accounts)}

    @post("/connect", operation_id="connectYoco", opt=access(Permission.ORG_MANAGE), status_code=200)
    async def connect(
        self, organization_id: uuid.UUID, data: GatewayConnect, gateways: GatewayAccounts, settings: Settings
    ) -> GatewayConnection:
        """Check the secret key with Yoco and register our webhook URL with the organiser's Yoco
        account; the key and the webhook's signing secret are saved encrypted (never shown again).
        422 at `secret_key` when Yoco refuses the key; 503 when Yoco cannot be reached."""
        provider = YocoProvider(settings.payments.yoco_api_url)
        done = await gateways.connect_yoco(
            organization_id, provider, data.secret_key, notify_url("yoco", settings.server.public_url)
        )
        return connection_read(done)
