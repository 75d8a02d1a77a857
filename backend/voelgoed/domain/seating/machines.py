"""A seat's status at one event (python-statemachine): the one description of how it may change.

    available --hold--> held --sell--> sold --release_sold--> available
        ^  |              |  \\--hold (again, by another order, once the hold lapsed)--> held
        |  |              \\--release--> available (cancelled, expired)
        |  \\--block--> blocked --unblock--> available

Why two ways of applying it. Blocking and unblocking act on a few seats an organiser chose: the
machine itself moves each one (`SeatLifecycle(row).send("block")`, services.py), and an illegal
move is a 409. Holds, payments and releases are the hot path: a stadium on-sale moves thousands
of seats a second, each request several at once. Loading rows into machines there would cost a
round trip and a lock per seat, and still need the database to settle races. So those paths are
conditional UPDATEs in bulk (holds.py) whose WHERE clause is built from this machine
(`sources("hold")` gives the statuses a hold may start from) and whose row counts are checked:
the database applies exactly the transitions drawn here, atomically, and a seat that was not in
a source status is not touched (the caller answers 409 for it).

A hold whose time passed (or whose order stopped holding: cancelled, expired, paid elsewhere)
is free for anyone at once, before any clean-up runs: `hold` is allowed from `held`, and the
UPDATE's condition admits a held seat only when its hold has lapsed (holds.py `_TAKEABLE`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of


class SeatLifecycle(StateMachine):
    available = State(initial=True, value="available")
    held = State(value="held")
    sold = State(value="sold")
    blocked = State(value="blocked")

    hold = available.to(held) | held.to.itself()  # from held: only once the hold lapsed (holds.py)
    sell = held.to(sold) | sold.to.itself()  # again: a repeated payment notification changes nothing
    release = held.to(available)
    release_sold = sold.to(available)  # the ticket was refunded or its paid order cancelled
    block = available.to(blocked) | blocked.to.itself()  # blocking again changes the reason only
    unblock = blocked.to(available)

    def __init__(self, seat: Any) -> None:
        super().__init__(model=seat, state_field="status")


def sources(event: str) -> tuple[str, ...]:
    """The statuses `event` may start from: the WHERE clause of its bulk UPDATE."""
    found: list[str] = []
    for state in SeatLifecycle.states:
        for transition in state.transitions:
            if event in transition.events and state.value not in found:
                found.append(str(state.value))
    return tuple(found)


if TYPE_CHECKING:
    SeatStatus = str
else:
    SeatStatus = closed_set(
        "SeatStatus", states_of(SeatLifecycle), "Where a seat is at an event (domain/seating/machines.py)."
    )

BLOCK_REASONS = ("cameras", "sponsors", "comps", "technical", "other")
if TYPE_CHECKING:
    BlockReason = str
else:
    BlockReason = closed_set("BlockReason", BLOCK_REASONS, "Why an organiser kept a seat off sale.")
