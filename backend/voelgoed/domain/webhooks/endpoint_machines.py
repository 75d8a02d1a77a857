"""Webhook endpoint and delivery status machines (python-statemachine): the only code that changes
their `status` columns from the management API.

An endpoint: enabled <-> disabled (by an organiser, or by delivery after a 410 or long failure);
re-enabling clears why it was disabled and its run of failures.

A delivery: pending -> succeeded | failed | cancelled as delivery goes, and back to pending when an
organiser asks for a redelivery (same event, so the same `webhook-id`). The management API uses
only `redeliver`; the delivery engine (worker) drives the rest. (The delivery engine's branch has
the same two machines in machines.py: keep one of the two when merging.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of


class WebhookEndpointLifecycle(StateMachine):
    enabled = State(initial=True, value="enabled")
    disabled = State(value="disabled")

    disable = enabled.to(disabled)
    enable = disabled.to(enabled)

    def __init__(self, endpoint: Any) -> None:
        super().__init__(model=endpoint, state_field="status")

    def on_enable(self) -> None:
        self.model.disabled_reason = None
        self.model.failing_since = None  # a fresh start: old failures do not count towards disabling


class WebhookDeliveryLifecycle(StateMachine):
    pending = State(initial=True, value="pending")
    succeeded = State(value="succeeded")
    failed = State(value="failed")  # retries used up
    cancelled = State(value="cancelled")  # e.g. its endpoint was disabled

    succeed = pending.to(succeeded)
    fail = pending.to(failed)
    cancel = pending.to(cancelled)
    redeliver = failed.to(pending) | succeeded.to(pending) | cancelled.to(pending)

    def __init__(self, delivery: Any) -> None:
        super().__init__(model=delivery, state_field="status")


if TYPE_CHECKING:
    WebhookEndpointStatus = str
    WebhookDeliveryStatus = str
else:
    WebhookEndpointStatus = closed_set(
        "WebhookEndpointStatus",
        states_of(WebhookEndpointLifecycle),
        "Whether an endpoint receives events (domain/webhooks/endpoint_machines.py).",
    )
    WebhookDeliveryStatus = closed_set(
        "WebhookDeliveryStatus",
        states_of(WebhookDeliveryLifecycle),
        "Where one event's delivery to one endpoint is (domain/webhooks/endpoint_machines.py).",
    )
