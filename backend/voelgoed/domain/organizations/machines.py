"""Invitation lifecycle: pending -> accepted | revoked | expired."""

from __future__ import annotations

from typing import TYPE_CHECKING

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of


class InvitationLifecycle(StateMachine):
    pending = State(initial=True, value="pending")
    accepted = State(final=True, value="accepted")
    revoked = State(final=True, value="revoked")
    expired = State(final=True, value="expired")

    accept = pending.to(accepted)
    revoke = pending.to(revoked)
    expire = pending.to(expired)


# The API's `status` words of this area: one enum per machine, made from its states (lib/closed_sets.py).
if TYPE_CHECKING:
    InvitationStatus = str
else:
    InvitationStatus = closed_set(
        "InvitationStatus",
        states_of(InvitationLifecycle),
        "Where an invitation is in its lifecycle (domain/organizations/machines.py).",
    )
