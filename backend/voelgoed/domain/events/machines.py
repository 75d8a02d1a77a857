"""Event lifecycle: draft -> published -> closed; draft | published -> cancelled.

Guards live here, beside the transitions they protect. `blockers()` says in words why a guarded
transition would be refused, so the API can answer 409 with a reason a person understands.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of


class EventLifecycle(StateMachine):
    draft = State(initial=True, value="draft")
    published = State(value="published")
    closed = State(final=True, value="closed")
    cancelled = State(final=True, value="cancelled")

    publish = draft.to(published, cond="ready_to_publish")
    close = published.to(closed)
    cancel = draft.to(cancelled) | published.to(cancelled)

    def __init__(self, event: Any) -> None:
        super().__init__(model=event, state_field="status")

    def publish_blockers(self) -> list[str]:
        event = self.model
        reasons = []
        if event.venue_id is None:
            reasons.append("choose a venue")
        if event.starts_at <= datetime.now(UTC):
            reasons.append("set a start time in the future")
        return reasons

    def ready_to_publish(self) -> bool:
        return not self.publish_blockers()

    def on_enter_published(self) -> None:
        self.model.published_at = datetime.now(UTC)

    def allowed(self) -> list[str]:
        return [e.id for e in self.allowed_events]


# The API's `status` words of this area: one enum per machine, made from its states (lib/closed_sets.py).
if TYPE_CHECKING:
    EventStatus = str
else:
    EventStatus = closed_set(
        "EventStatus", states_of(EventLifecycle), "Where an event is in its lifecycle (domain/events/machines.py)."
    )


@functools.cache
def allowed_transitions(status: str) -> tuple[str, ...]:
    """What an event in `status` offers, computed once per status: lists show it on every row, and
    `allowed()` depends on the status alone (a refused guard answers 409 when tried)."""
    return tuple(EventLifecycle(SimpleNamespace(status=status)).allowed())
