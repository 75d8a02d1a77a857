"""The webhook management API: an organisation's endpoints, their signing secrets, delivery logs,
redelivery and the test event (owners and admins: webhooks:manage; API keys with the `webhooks`
scope). Thin: the rules are services.py; delivery itself is the worker's."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.webhooks.machines import WebhookDeliveryStatus
from voelgoed.domain.webhooks.schemas import (
    WebhookDeliveryDetail,
    WebhookDeliveryPage,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookSecretRead,
    attempt_read,
    delivery_read,
    endpoint_read,
)
from voelgoed.domain.webhooks.services import WebhookService
from voelgoed.lib.pagination import PageParams
from voelgoed.lib.patching import sent_fields
from voelgoed.settings import Settings

MANAGE = access(Permission.WEBHOOKS_MANAGE)


async def provide_webhook_service(db_session: AsyncSession, auth: AuthContext, settings: Settings) -> WebhookService:
    # settings.webhooks: in production https only, public hosts only (safe_http.py, checked again at send).
    return WebhookService(db_session, AuditService(db_session, auth), settings.webhooks)


class WebhookEndpointController(Controller):
    path = "/api/organizations/{organization_id:uuid}/webhook-endpoints"
    tags = ["webhooks"]
    dependencies = {"webhooks": Provide(provide_webhook_service)}

    @get("", operation_id="listWebhookEndpoints", summary="List webhook endpoints", opt=MANAGE)
    async def list_endpoints(self, organization_id: uuid.UUID, webhooks: WebhookService) -> list[WebhookEndpointRead]:
        """The organisation's webhook endpoints, oldest first, each with its latest delivery's outcome."""
        rows = await webhooks.list_endpoints()
        last = await webhooks.last_deliveries([e.id for e in rows])
        return [endpoint_read(e, last.get(e.id)) for e in rows]

    @post("", operation_id="createWebhookEndpoint", summary="Create a webhook endpoint", opt=MANAGE)
    async def create_endpoint(
        self, organization_id: uuid.UUID, data: WebhookEndpointCreate, webhooks: WebhookService
    ) -> WebhookEndpointCreated:
        """Register a URL to receive the chosen event types, signed the Standard Webhooks way. The
        answer carries the signing secret (`whsec_...`): store it now. A URL that is not http(s),
        has a user name or password in it, or (in production: WEBHOOKS_REQUIRE_HTTPS, no
        WEBHOOKS_ALLOW_PRIVATE_TARGETS) is not https or names or resolves to a private, loopback
        or link-local address: 422 at `url`. No event types, or an unknown one: 422 at
        `event_types`."""
        endpoint, secret = await webhooks.create(
            organization_id, url=data.url, description=data.description, event_types=data.event_types
        )
        return WebhookEndpointCreated(endpoint=endpoint_read(endpoint), secret=secret)

    @get("/{endpoint_id:uuid}", operation_id="getWebhookEndpoint", summary="Get a webhook endpoint", opt=MANAGE)
    async def get_endpoint(
        self, organization_id: uuid.UUID, endpoint_id: uuid.UUID, webhooks: WebhookService
    ) -> WebhookEndpointRead:
        """One endpoint with its latest delivery's outcome (never its secret)."""
        endpoint = await webhooks.get(endpoint_id)
        return endpoint_read(endpoint, (await webhooks.last_deliveries([endpoint.id])).get(endpoint.id))

    @patch("/{endpoint_id:uuid}", operation_id="updateWebhookEndpoint", summary="Update a webhook endpoint", opt=MANAGE)
    async def update_endpoint(
        self, organization_id: uuid.UUID, endpoint_id: uuid.UUID, data: WebhookEndpointUpdate, webhooks: WebhookService
    ) -> WebhookEndpointRead:
        """Change the URL, description or event types, or enable or disable the endpoint. Enabling
        an endpoint that delivery disabled (after a 410 or long failure) clears the reason."""
        endpoint = await webhooks.update(endpoint_id, sent_fields(data))
        return endpoint_read(endpoint, (await webhooks.last_deliveries([endpoint.id])).get(endpoint.id))

    @delete(
        "/{endpoint_id:uuid}",
        operation_id="deleteWebhookEndpoint",
        summary="Delete a webhook endpoint",
        opt=MANAGE,
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_endpoint(
        self, organization_id: uuid.UUID, endpoint_id: uuid.UUID, webhooks: WebhookService
    ) -> None:
        """Delete the endpoint with its delivery log; nothing more is sent to it."""
        await webhooks.delete(endpoint_id)

    @post(
        "/{endpoint_id:uuid}/rotate-secret",
        operation_id="rotateWebhookEndpointSecret",
        summary="Rotate an endpoint's signing secret",
        opt=MANAGE,
        status_code=200,
    )
    async def rotate_secret(
        self, organization_id: uuid.UUID, endpoint_id: uuid.UUID, webhooks: WebhookService
    ) -> WebhookSecretRead:
        """Give the endpoint a new signing secret (in the answer). For 24 hours every message is
        signed with both the new and the previous secret (two `v1,` signatures), so the receiver
        can switch without losing a message."""
        endpoint, secret = await webhooks.rotate_secret(endpoint_id)
        return WebhookSecretRead(
            endpoint_id=endpoint.id, secret=secret, previous_secret_expires_at=endpoint.previous_secret_expires_at
        )

    @post(
        "/{endpoint_id:uuid}/reveal-secret",
        operation_id="revealWebhookEndpointSecret",
        summary="Show an endpoint's signing secret",
        opt=MANAGE,
        status_code=200,
    )
    async def reveal_secret(
        self, organization_id: uuid.UUID, endpoint_id: uuid.UUID, webhooks: WebhookService
    ) -> WebhookSecretRead:
        """The endpoint's current signing secret. Each reveal is written to the audit log."""
        endpoint, secret = await webhooks.reveal_secret(endpoint_id)
        return WebhookSecretRead(
            endpoint_id=endpoint.id, secret=secret, previous_secret_expires_at=endpoint.previous_secret_expires_at
        )

    @post(
        "/{endpoint_id:uuid}/test",
        operation_id="sendWebhookTestEvent",
        summary="Send a test event to an endpoint",
        opt=MANAGE,
        status_code=HTTP_202_ACCEPTED,
    )
    async def send_test(
        self, organization_id: uuid.UUID, endpoint_id: uuid.UUID, webhooks: WebhookService
    ) -> WebhookDeliveryRead:
        """Queue a `webhook.test` event for this endpoint only; the answer is its delivery (pending).
        Follow it in the delivery log. A disabled endpoint: 409."""
        delivery, event_type = await webhooks.send_test(endpoint_id)
        return delivery_read(delivery, event_type)

    @get(
        "/{endpoint_id:uuid}/deliveries",
        operation_id="listWebhookDeliveries",
        summary="List an endpoint's deliveries",
        opt=MANAGE,
    )
    async def list_deliveries(
        self,
        organization_id: uuid.UUID,
        endpoint_id: uuid.UUID,
        webhooks: WebhookService,
        status: WebhookDeliveryStatus | None = None,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=25, ge=1, le=200),
    ) -> WebhookDeliveryPage:
        """The endpoint's delivery log, newest first, optionally only deliveries in one status."""
        rows, total = await webhooks.deliveries(endpoint_id, status, PageParams(page=page, page_size=page_size))
        return WebhookDeliveryPage(
            items=[delivery_read(d, t) for d, t in rows], total=total, page=page, page_size=page_size
        )

    @get(
        "/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}",
        operation_id="getWebhookDelivery",
        summary="Get a delivery with its attempts",
        opt=MANAGE,
    )
    async def get_delivery(
        self, organization_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, webhooks: WebhookService
    ) -> WebhookDeliveryDetail:
        """One delivery: the message as sent, and every attempt with excerpts of the request and
        the response, the status code, the error and how long it took."""
        delivery, event = await webhooks.delivery(endpoint_id, delivery_id)
        return WebhookDeliveryDetail(
            delivery=delivery_read(delivery, event.event_type),
            payload=event.payload,
            attempts=[attempt_read(a) for a in await webhooks.attempts(delivery.id)],
        )

    @post(
        "/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/redeliver",
        operation_id="redeliverWebhookDelivery",
        summary="Redeliver a delivery",
        opt=MANAGE,
        status_code=HTTP_202_ACCEPTED,
    )
    async def redeliver(
        self, organization_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, webhooks: WebhookService
    ) -> WebhookDeliveryRead:
        """Send a succeeded, failed or cancelled delivery again, now: the same event with the same
        `webhook-id`. A pending one is made due now. A disabled endpoint: 409."""
        delivery, event_type = await webhooks.redeliver(endpoint_id, delivery_id)
        return delivery_read(delivery, event_type)
