"""Ticket lifecycle: valid -> void (a voided ticket never admits anyone again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of


class TicketLifecycle(StateMachine):
    valid = State(initial=True, value="valid")
    voided = State(final=True, value="void")

    void = valid.to(voided)

    def __init__(self, ticket: Any) -> None:
        super().__init__(model=ticket, state_field="status")

    def allowed(self) -> list[str]:
        return [e.id for e in self.allowed_events]


# The API's `status` words of this area: one enum per machine, made from its states (lib/closed_sets.py).
if TYPE_CHECKING:
    TicketStatus = str
else:
    TicketStatus = closed_set(
        "TicketStatus", states_of(TicketLifecycle), "Whether a ticket still admits (domain/tickets/machines.py)."
    )
