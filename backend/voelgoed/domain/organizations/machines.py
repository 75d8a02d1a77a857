"""Invitation lifecycle: pending -> accepted | revoked | expired."""

from __future__ import annotations

from statemachine import State, StateMachine


class InvitationLifecycle(StateMachine):
    pending = State(initial=True, value="pending")
    accepted = State(final=True, value="accepted")
    revoked = State(final=True, value="revoked")
    expired = State(final=True, value="expired")

    accept = pending.to(accepted)
    revoke = pending.to(revoked)
    expire = pending.to(expired)
