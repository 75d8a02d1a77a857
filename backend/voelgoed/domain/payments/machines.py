"""Payment transaction lifecycle (python-statemachine): the only code that changes
`payment_transaction.status`.

initiated -> pending -> succeeded | failed; initiated -> failed.

`initiated`: the row exists, the buyer has not been sent to the provider yet. `pending`: the buyer
was handed the provider's redirect (start_checkout moves it there). A payment can only succeed
from `pending`; it can fail from either (a provider that refuses at once, or a declined card).
`succeeded` and `failed` are final: a late or repeated notification cannot flip them, and an
illegal move raises TransitionNotAllowed, which the API answers with 409.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of

OPEN_STATUSES = ("initiated", "pending")


class PaymentLifecycle(StateMachine):
    initiated = State(initial=True, value="initiated")
    pending = State(value="pending")
    succeeded = State(final=True, value="succeeded")
    failed = State(final=True, value="failed")

    begin = initiated.to(pending)
    succeed = pending.to(succeeded)
    fail = initiated.to(failed) | pending.to(failed)

    def __init__(self, transaction: Any) -> None:
        super().__init__(model=transaction, state_field="status")

    def on_succeed(self, provider_reference: str | None = None) -> None:
        if provider_reference:
            self.model.provider_reference = provider_reference
        self.model.completed_at = datetime.now(UTC)

    def on_fail(self, failure_reason: str | None = None, provider_reference: str | None = None) -> None:
        if provider_reference:
            self.model.provider_reference = provider_reference
        self.model.failure_reason = (failure_reason or "payment failed")[:300]
        self.model.completed_at = datetime.now(UTC)

    def allowed(self) -> list[str]:
        return [e.id for e in self.allowed_events]


# The API's `status` words of this area: one enum per machine, made from its states (lib/closed_sets.py).
if TYPE_CHECKING:
    PaymentStatus = str
else:
    PaymentStatus = closed_set(
        "PaymentStatus",
        states_of(PaymentLifecycle),
        "Where a payment transaction is in its lifecycle (domain/payments/machines.py).",
    )
