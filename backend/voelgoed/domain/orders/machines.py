"""Order lifecycle (python-statemachine). The only code that changes `ticket_order.status`.

reserved -> awaiting_payment -> paid -> refunded; reserved | awaiting_payment -> cancelled;
paid -> cancelled (the organiser cancels a paid order: `cancel_paid`, workflows/refunds.py);
paid -> refunded once refunds have paid back the whole total (`refund`, domain/refunds);
reserved | awaiting_payment -> expired; expired -> paid only for a late payment that could be
re-reserved (complete_checkout decides, under the event's inventory lock).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of

HOLDING_STATUSES = ("reserved", "awaiting_payment")  # orders whose lines count in `reserved`


class OrderLifecycle(StateMachine):
    reserved = State(initial=True, value="reserved")
    awaiting_payment = State(value="awaiting_payment")
    paid = State(value="paid")
    refunded = State(final=True, value="refunded")
    cancelled = State(final=True, value="cancelled")
    expired = State(value="expired")

    start_payment = reserved.to(awaiting_payment) | awaiting_payment.to.itself()
    pay = awaiting_payment.to(paid)
    pay_late = expired.to(paid)  # only complete_checkout, after re-reserving the stock
    refund = paid.to(refunded)
    cancel = reserved.to(cancelled) | awaiting_payment.to(cancelled)
    cancel_paid = paid.to(cancelled)  # the organiser, never the buyer (checkout's `cancel` stays unpaid-only)
    expire = reserved.to(expired) | awaiting_payment.to(expired)

    def __init__(self, order: Any) -> None:
        super().__init__(model=order, state_field="status")

    def on_enter_paid(self) -> None:
        self.model.paid_at = datetime.now(UTC)

    def allowed(self) -> list[str]:
        return [e.id for e in self.allowed_events]


# The API's `status` words of this area: one enum per machine, made from its states (lib/closed_sets.py).
if TYPE_CHECKING:
    OrderStatus = str
else:
    OrderStatus = closed_set(
        "OrderStatus", states_of(OrderLifecycle), "Where an order is in its lifecycle (domain/orders/machines.py)."
    )
