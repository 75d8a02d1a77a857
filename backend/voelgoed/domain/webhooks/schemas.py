"""Bodies of the webhook management API: endpoints, their secrets, deliveries and attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from voelgoed.domain.webhooks.event_types import SUBSCRIBABLE, WebhookEventType
from voelgoed.domain.webhooks.machines import WebhookDeliveryStatus, WebhookEndpointStatus
from voelgoed.domain.webhooks.outbox_sql import message_id

if TYPE_CHECKING:
    from voelgoed.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EndpointUrl = Annotated[
    str,
    msgspec.Meta(
        max_length=2000,
        description="Where events are POSTed: https (http only outside production), no user name or password.",
        examples=["https://crm.example.com/hooks/voelgoed"],
    ),
]
EndpointDescription = Annotated[
    str, msgspec.Meta(max_length=300, description="A note for people: what receives these events.")
]


# Words of SUBSCRIBABLE; the service refuses another word with a 422 at `event_types` (a sentence,
# not the decoder's 400), while the spec lists the words as the items' enum.
def described(description: str, **extra: Any) -> msgspec.Meta:
    return msgspec.Meta(description=description, **extra)


EventTypeField = Annotated[WebhookEventType, described("What happened (the message's `type`).")]
DeliveryStatusField = Annotated[
    WebhookDeliveryStatus, described("pending until a 2xx answer; succeeded, failed (retries used up) or cancelled.")
]
LastStatusCode = Annotated[
    int | None, described("The HTTP status of the latest answer; null before any, or when none came (see last_error).")
]
SecretField = Annotated[
    str,
    described(
        "The signing secret: `whsec_` + base64 of 32 bytes; the HMAC-SHA256 key is the base64-decoded part.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo="],
    ),
]
SubscribedTypes = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=40)]],
    msgspec.Meta(
        max_length=len(SUBSCRIBABLE),
        description="The event types to receive (at least one; `webhook.test` is sent by the test button only).",
        examples=[["order.paid", "ticket.checked_in"]],
        extra_json_schema={"extra": {"items": {"type": "string", "enum": [str(t) for t in SUBSCRIBABLE]}}},
    ),
]


class WebhookEndpointCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new endpoint. It starts enabled, with a new signing secret shown once in the answer."""

    url: EndpointUrl
    event_types: SubscribedTypes
    description: EndpointDescription = ""


class WebhookEndpointUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Change an endpoint; fields left out stay. `enabled: true` re-enables a disabled endpoint
    (clearing why it was disabled), `false` stops deliveries to it."""

    url: EndpointUrl | msgspec.UnsetType = msgspec.UNSET
    description: EndpointDescription | msgspec.UnsetType = msgspec.UNSET
    event_types: SubscribedTypes | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class WebhookDeliveryBrief(msgspec.Struct):
    """The outcome of an endpoint's latest delivery, for the endpoints list."""

    id: uuid.UUID
    event_type: EventTypeField
    status: DeliveryStatusField
    last_status_code: LastStatusCode
    created_at: datetime
    delivered_at: datetime | None


class WebhookEndpointRead(msgspec.Struct):
    """An endpoint of the organisation (its secret only through revealWebhookEndpointSecret)."""

    id: uuid.UUID
    url: str
    description: str
    event_types: Annotated[list[WebhookEventType], described("The event types it receives, in the catalogue's order.")]
    status: Annotated[
        WebhookEndpointStatus, described("enabled: receives events; disabled: by an organiser, a 410 or long failure.")
    ]
    disabled_reason: Annotated[str | None, described("Why it is disabled, in a sentence; null while enabled.")]
    failing_since: Annotated[
        datetime | None, described("The first failure of its current run of failures; null after a success.")
    ]
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    last_delivery: Annotated[
        WebhookDeliveryBrief | None, described("Its latest delivery's outcome; null before the first.")
    ] = None


class WebhookEndpointCreated(msgspec.Struct):
    """The new endpoint, and its signing secret: store it now (revealWebhookEndpointSecret shows it
    again to owners and admins)."""

    endpoint: Annotated[WebhookEndpointRead, described("The endpoint as stored.")]
    secret: SecretField


class WebhookSecretRead(msgspec.Struct):
    """The endpoint's signing secret; after a rotation, until `previous_secret_expires_at`, every
    message is also signed with the previous one."""

    endpoint_id: uuid.UUID
    secret: SecretField
    previous_secret_expires_at: Annotated[
        datetime | None, described("Until when the previous secret also signs (24 h after a rotation); null: none.")
    ]


class WebhookDeliveryRead(msgspec.Struct):
    """One event to one endpoint. `message_id` is the `webhook-id` header: the same on every retry
    and redelivery, so receivers de-duplicate on it."""

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    message_id: Annotated[str, msgspec.Meta(examples=["msg_5f0e3c9a2b7d4e1f8a6c0b9d3e2f1a4c"])]
    event_type: EventTypeField
    status: DeliveryStatusField
    attempts: Annotated[int, described("HTTP attempts made so far (each is in the delivery's attempts).")]
    next_attempt_at: datetime | None
    last_status_code: LastStatusCode
    last_error: Annotated[
        str | None, described("Why the latest attempt failed (timeout, refused, HTTP 500 ...); null after a success.")
    ]
    delivered_at: datetime | None
    created_at: datetime


class WebhookDeliveryPage(msgspec.Struct):
    """A page of an endpoint's deliveries, newest first."""

    items: list[WebhookDeliveryRead]
    total: int
    page: int
    page_size: int


class WebhookAttemptRead(msgspec.Struct):
    """One HTTP attempt: excerpts of what was sent and answered (the first 2 KB), or the error."""

    id: uuid.UUID
    attempted_at: datetime
    duration_ms: Annotated[int, described("How long the attempt took, in milliseconds.", examples=[182])]
    request_excerpt: Annotated[str, described("The request as sent: method, URL, headers and the body's first 2 KB.")]
    response_status: Annotated[int | None, described("The answer's HTTP status; null when none came.", examples=[200])]
    response_excerpt: Annotated[str, described("The answer's body, its first 2 KB.")]
    error: str | None


class WebhookDeliveryDetail(msgspec.Struct):
    """A delivery with the message as sent (the envelope) and its attempts, oldest first."""

    delivery: Annotated[WebhookDeliveryRead, described("The delivery.")]
    payload: Annotated[
        dict[str, Any],
        described(
            "The message body as sent: {id, type, timestamp, payload_version, data}.",
            examples=[
                {
                    "id": "msg_5f0e3c9a2b7d4e1f8a6c0b9d3e2f1a4c",
                    "type": "webhook.test",
                    "timestamp": "2026-11-30T10:15:00Z",
                    "payload_version": "2026-11-30",
                    "data": {"message": "A test event from VoelgoedEvents."},
                }
            ],
        ),
    ]
    attempts: Annotated[list[WebhookAttemptRead], described("Every HTTP attempt, oldest first.")]


def endpoint_read(e: WebhookEndpoint, last: WebhookDeliveryBrief | None = None) -> WebhookEndpointRead:
    return WebhookEndpointRead(
        id=e.id,
        url=e.url,
        description=e.description,
        event_types=[WebhookEventType(t) for t in e.event_types],
        status=e.status,
        disabled_reason=e.disabled_reason,
        failing_since=e.failing_since,
        previous_secret_expires_at=e.previous_secret_expires_at,
        created_at=e.created_at,
        updated_at=e.updated_at,
        last_delivery=last,
    )


def delivery_read(d: WebhookDelivery, event_type: str) -> WebhookDeliveryRead:
    return WebhookDeliveryRead(
        id=d.id,
        endpoint_id=d.endpoint_id,
        event_id=d.event_id,
        message_id=message_id(d.event_id),
        event_type=WebhookEventType(event_type),
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        delivered_at=d.delivered_at,
        created_at=d.created_at,
    )


def delivery_brief(d: WebhookDelivery, event_type: str) -> WebhookDeliveryBrief:
    return WebhookDeliveryBrief(
        id=d.id,
        event_type=WebhookEventType(event_type),
        status=d.status,
        last_status_code=d.last_status_code,
        created_at=d.created_at,
        delivered_at=d.delivered_at,
    )


def attempt_read(a: WebhookAttempt) -> WebhookAttemptRead:
    return WebhookAttemptRead(
        id=a.id,
        attempted_at=a.attempted_at,
        duration_ms=a.duration_ms,
        request_excerpt=a.request_excerpt,
        response_status=a.response_status,
        response_excerpt=a.response_excerpt,
        error=a.error,
    )
