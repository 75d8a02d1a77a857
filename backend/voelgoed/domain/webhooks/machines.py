"""Webhook endpoint and delivery lifecycles (python-statemachine): the only code that decides their
`status`.

Endpoint: enabled <-> disabled (by its organiser, by a 410 Gone, or after failing too long).
Delivery: pending -> succeeded (a 2xx) | failed (attempts exhausted) | cancelled (its endpoint
was disabled); succeeded | failed | cancelled -> pending again by a manual redelivery.

The delivery engine writes many rows with one SQL statement (delivery_sql.py); the status it
writes for each verdict is the machine's, found by running the transition on a stand-in object
(`delivery_transition`), so an illegal move raises there as anywhere else.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of


class EndpointLifecycle(StateMachine):
    enabled = State(initial=True, value="enabled")
    disabled = State(value="disabled")

    disable = enabled.to(disabled)
    enable = disabled.to(enabled)

    def __init__(self, endpoint: Any) -> None:
        super().__init__(model=endpoint, state_field="status")

    def on_enter_disabled(self, reason: str = "disabled by its organiser") -> None:
        self.model.disabled_reason = reason[:300]

    def on_enter_enabled(self) -> None:
        self.model.disabled_reason = None
        self.model.failing_since = None


class DeliveryLifecycle(StateMachine):
    pending = State(initial=True, value="pending")
    succeeded = State(value="succeeded")
    failed = State(value="failed")
    cancelled = State(value="cancelled")

    succeed = pending.to(succeeded)
    give_up = pending.to(failed)
    cancel = pending.to(cancelled)
    redeliver = succeeded.to(pending) | failed.to(pending) | cancelled.to(pending)

    def __init__(self, delivery: Any) -> None:
        super().__init__(model=delivery, state_field="status")


def delivery_transition(status: str, event: str) -> str:
    """The status a delivery in `status` moves to on `event` (TransitionNotAllowed: a 409 in an API)."""
    row = SimpleNamespace(status=status)
    DeliveryLifecycle(row).send(event)
    return str(row.status)


def endpoint_transition(status: str, event: str) -> str:
    row = SimpleNamespace(status=status, disabled_reason=None, failing_since=None)
    EndpointLifecycle(row).send(event)
    return str(row.status)


if TYPE_CHECKING:
    WebhookEndpointStatus = str
    WebhookDeliveryStatus = str
else:
    WebhookEndpointStatus = closed_set(
        "WebhookEndpointStatus",
        states_of(EndpointLifecycle),
        "Whether a webhook endpoint receives events (domain/webhooks/machines.py).",
    )
    WebhookDeliveryStatus = closed_set(
        "WebhookDeliveryStatus",
        states_of(DeliveryLifecycle),
        "Where one event's delivery to one endpoint is (domain/webhooks/machines.py).",
    )
