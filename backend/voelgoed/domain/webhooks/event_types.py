"""The kinds of webhook event, and the payload version every envelope carries."""

from __future__ import annotations

import enum

# Bumped only for a breaking change of the envelope or of a resource's shape; receivers read it
# from every message ("payload_version") and from the `webhook-payload-version` header.
PAYLOAD_VERSION = "2026-11-30"


class WebhookEventType(enum.StrEnum):
    """What happened: the `type` of a webhook message (docs/webhooks.md lists each one's `data`)."""

    ORDER_CREATED = "order.created"  # a hold became an order with buyer details (checkout started)
    ORDER_PAID = "order.paid"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_EXPIRED = "order.expired"  # a hold that was never paid went back
    ORDER_REFUNDED = "order.refunded"  # wholly refunded (partial refunds: refund.succeeded)
    TICKET_ISSUED = "ticket.issued"
    TICKET_CHECKED_IN = "ticket.checked_in"
    TICKET_VOIDED = "ticket.voided"
    EVENT_PUBLISHED = "event.published"
    EVENT_CANCELLED = "event.cancelled"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    # Sent only to the one endpoint whose "send test event" was pressed; never subscribed to.
    WEBHOOK_TEST = "webhook.test"


SUBSCRIBABLE = tuple(t for t in WebhookEventType if t is not WebhookEventType.WEBHOOK_TEST)
