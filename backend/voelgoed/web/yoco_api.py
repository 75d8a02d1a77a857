"""Yoco over HTTP: the webhook Yoco posts to. "Connect Yoco", which registers it with the
organiser's Yoco account, is the payment settings' POST .../payment-providers/yoco/connect. Rules:
domain/payments/yoco_webhooks.py and gateway_accounts.py; the provider itself:
domain/payments/providers/yoco.py. The webhook is answered as every provider's notification is
(domain/payments/controllers.answer_notification)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.payments.controllers import answer_notification
from voelgoed.domain.payments.yoco_webhooks import process_yoco_webhook
from voelgoed.web.gateway_webhooks import (
    received,
)


class YocoWebhookController(Controller):
    path = "/api/payments/yoco"
    tags = ["payments"]

    @post("/webhook", operation_id="receiveYocoWebhook", opt=access(Access.PUBLIC), status_code=200)
    async def webhook(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, queue: Queue, redis: Redis
    ) -> Response[dict[str, bool]]:
        """Receive a Yoco webhook

        A Yoco webhook event (JSON, signed the Standard Webhooks way with the organiser's secret).

        200: verified and applied, a duplicate of one already processed, or an event that needs no
        action. 400 (problem+json): refused (stale timestamp, signature, amount, mode, unknown
        transaction); recorded, nothing else changed. 503: lock conflicts outlasted the retries
        (Yoco retries)."""
        source_ip = request.client.host if request.client else None
        result = await process_yoco_webhook(
            db_session, body=await request.body(), headers=request.headers, source_ip=source_ip
        )
        return await answer_notification(db_session, result, queue=queue, redis=redis, ok=received())
