"""Ticket lifecycle: valid -> void (a voided ticket never admits anyone again)."""

from __future__ import annotations

from typing import Any

from statemachine import State, StateMachine


class TicketLifecycle(StateMachine):
    valid = State(initial=True, value="valid")
    voided = State(final=True, value="void")

    void = valid.to(voided)

    def __init__(self, ticket: Any) -> None:
        super().__init__(model=ticket, state_field="status")

    def allowed(self) -> list[str]:
        return [e.id for e in self.allowed_events]
