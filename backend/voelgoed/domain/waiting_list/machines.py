"""Waiting-list entry lifecycle (python-statemachine): the only code that changes its `status`.

waiting -> offered (stock came back and is held for the entry) -> converted (the offer's order
was paid) | expired (the offer's time ran out, or its hold went back unpaid); waiting | offered
-> removed (the organiser, or the buyer's own leave).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of


class WaitingListLifecycle(StateMachine):
    waiting = State(initial=True, value="waiting")
    offered = State(value="offered")
    converted = State(final=True, value="converted")
    expired = State(final=True, value="expired")
    removed = State(final=True, value="removed")

    offer = waiting.to(offered)
    convert = offered.to(converted)
    expire = offered.to(expired)
    remove = waiting.to(removed) | offered.to(removed)

    def __init__(self, entry: Any) -> None:
        super().__init__(model=entry, state_field="status")

    def on_enter_offered(self) -> None:
        self.model.offered_at = datetime.now(UTC)

    def on_enter_converted(self) -> None:
        self.model.closed_at = datetime.now(UTC)

    def on_enter_expired(self) -> None:
        self.model.closed_at = datetime.now(UTC)

    def on_enter_removed(self) -> None:
        self.model.closed_at = datetime.now(UTC)


if TYPE_CHECKING:
    WaitingListStatus = str
else:
    WaitingListStatus = closed_set(
        "WaitingListStatus",
        states_of(WaitingListLifecycle),
        "Where a waiting-list entry is (domain/waiting_list/machines.py).",
    )
