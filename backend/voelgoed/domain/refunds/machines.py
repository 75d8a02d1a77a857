"""Refund lifecycle (python-statemachine): the only code that changes `refund.status`.

requested -> pending -> succeeded | failed; requested -> failed.

`requested`: recorded with the order's changes, the provider not asked yet. `pending`: the
provider is being asked (again, after a network failure or timeout), has accepted it and reports
the outcome later, or (a manual refund) the organiser has still to confirm the money was paid out.
`succeeded` only on the provider's word (a succeeded RefundResult or a RefundNotice) or the
organiser's confirmation of a manual refund; `failed` on a refusal, or a manual refund the
organiser cancelled. Both are final.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of
from voelgoed.lib.metrics import count_refund

OPEN_REFUND_STATUSES = ("requested", "pending")


class RefundLifecycle(StateMachine):
    requested = State(initial=True, value="requested")
    pending = State(value="pending")
    succeeded = State(final=True, value="succeeded")
    failed = State(final=True, value="failed")

    submit = requested.to(pending)
    succeed = pending.to(succeeded)
    fail = requested.to(failed) | pending.to(failed)

    def __init__(self, refund: Any) -> None:
        super().__init__(model=refund, state_field="status")

    def on_succeed(self, provider_refund_id: str | None = None) -> None:
        if provider_refund_id:
            self.model.provider_refund_id = provider_refund_id[:100]
        self.model.next_attempt_at = None
        self.model.completed_at = datetime.now(UTC)

    def on_fail(self, failure_reason: str | None = None) -> None:
        self.model.failure_reason = (failure_reason or "refund failed")[:300]
        self.model.next_attempt_at = None
        self.model.completed_at = datetime.now(UTC)

    def after_transition(self, target: State) -> None:
        # Refunds by status in /metrics (lib/metrics.py): counted at the move, before the caller's
        # commit, so a rolled-back move is counted too (rare: the refund is retried and counted again).
        count_refund(str(target.value))

    def allowed(self) -> list[str]:
        return [e.id for e in self.allowed_events]


if TYPE_CHECKING:
    RefundStatus = str
else:
    RefundStatus = closed_set(
        "RefundStatus", states_of(RefundLifecycle), "Where a refund is in its lifecycle (domain/refunds/machines.py)."
    )
