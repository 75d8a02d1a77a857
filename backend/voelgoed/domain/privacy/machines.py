"""Personal data request lifecycle (python-statemachine): the only code that changes its status.

unconfirmed -> open (the buyer confirmed through the e-mailed link) -> completed | rejected;
unconfirmed -> expired (the link's 24 hours passed unconfirmed). Completed, rejected and expired
are final: a buyer who wants more asks again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from statemachine import State, StateMachine

from voelgoed.lib.closed_sets import closed_set, states_of

KINDS = ("export", "erasure")
# What organisers see: a request the buyer never confirmed may be someone typing another's address.
ORGANISER_VISIBLE_STATUSES = ("open", "completed", "rejected")


class PersonalDataRequestLifecycle(StateMachine):
    unconfirmed = State(initial=True, value="unconfirmed")
    open = State(value="open")
    completed = State(final=True, value="completed")
    rejected = State(final=True, value="rejected")
    expired = State(final=True, value="expired")

    confirm = unconfirmed.to(open)
    expire = unconfirmed.to(expired)
    complete = open.to(completed)
    reject = open.to(rejected)

    def __init__(self, request: Any) -> None:
        super().__init__(model=request, state_field="status")

    def on_confirm(self) -> None:
        self.model.confirmed_at = datetime.now(UTC)

    def on_expire(self) -> None:
        # Never confirmed: possibly someone else's address typed in; nothing to keep it for.
        self.model.email = None

    def on_complete(self, handled_by: Any = None) -> None:
        self.model.completed_at = datetime.now(UTC)
        self.model.handled_by = handled_by

    def on_reject(self, reason: str = "", handled_by: Any = None) -> None:
        self.model.completed_at = datetime.now(UTC)
        self.model.reject_reason = reason
        self.model.handled_by = handled_by


if TYPE_CHECKING:
    PersonalDataRequestStatus = str
    PersonalDataRequestKind = str
    OrganiserRequestStatus = str
else:
    OrganiserRequestStatus = closed_set(
        "OrganiserRequestStatus",
        ORGANISER_VISIBLE_STATUSES,
        "The statuses of personal data requests that organisers see (domain/privacy/machines.py).",
    )
    PersonalDataRequestStatus = closed_set(
        "PersonalDataRequestStatus",
        states_of(PersonalDataRequestLifecycle),
        "Where a personal data request is in its lifecycle (domain/privacy/machines.py).",
    )
    PersonalDataRequestKind = closed_set(
        "PersonalDataRequestKind", KINDS, "What the buyer asked for: a copy of their data, or its erasure."
    )
