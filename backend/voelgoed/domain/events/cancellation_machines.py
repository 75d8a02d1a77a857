"""Event cancellation lifecycle: running -> finished; running -> failed only when the job is truly
stuck (it kept dying; see the sweep in workflows/event_cancellation_jobs.py). A failed cancellation
can be resumed (failed -> running): the job picks up where it stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of

MODES = ("refund_all", "cancel_without_refund")


class CancellationLifecycle(StateMachine):
    running = State(initial=True, value="running")
    finished = State(final=True, value="finished")
    failed = State(value="failed")

    finish = running.to(finished)
    fail = running.to(failed)
    resume = failed.to(running)

    def __init__(self, cancellation: Any) -> None:
        super().__init__(model=cancellation, state_field="status")


if TYPE_CHECKING:
    CancellationStatus = str
    CancellationMode = str
else:
    CancellationStatus = closed_set(
        "EventCancellationStatus",
        states_of(CancellationLifecycle),
        "Where an event cancellation is (domain/events/cancellation_machines.py).",
    )
    CancellationMode = closed_set(
        "EventCancellationMode",
        MODES,
        "What happens to an event's paid orders when it is cancelled: refunded in full, or cancelled without a refund.",
    )
