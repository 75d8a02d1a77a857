"""Export lifecycle: queued -> running -> done | failed (a failed or stuck export may be re-queued)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of


class ExportLifecycle(StateMachine):
    queued = State(initial=True, value="queued")
    running = State(value="running")
    done = State(final=True, value="done")
    failed = State(value="failed")

    start = queued.to(running) | running.to.itself()  # a retried job restarts from the beginning
    finish = running.to(done)
    fail = queued.to(failed) | running.to(failed)
    retry = failed.to(queued)

    def __init__(self, export: Any) -> None:
        super().__init__(model=export, state_field="status")


# The API's `status` words of this area: one enum per machine, made from its states (lib/closed_sets.py).
if TYPE_CHECKING:
    ExportStatus = str
else:
    ExportStatus = closed_set(
        "ExportStatus", states_of(ExportLifecycle), "Where an export is in its lifecycle (domain/exports/machines.py)."
    )
