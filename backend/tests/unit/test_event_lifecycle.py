"""EventLifecycle: the only way an event's status changes."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from uuid import uuid4

import pytest
from statemachine.exceptions import TransitionNotAllowed

from voelgoed.domain.events.machines import EventLifecycle


def event(status: str = "draft", venue: bool = True, starts_in: timedelta = timedelta(days=3)) -> SimpleNamespace:
    return SimpleNamespace(
        status=status, venue_id=uuid4() if venue else None, starts_at=datetime.now(UTC) + starts_in, published_at=None
    )


def test_publish_close() -> None:
    e = event()
    machine = EventLifecycle(e)
    assert machine.allowed() == ["publish", "cancel"]
    machine.send("publish")
    assert e.status == "published" and e.published_at is not None
    machine.send("close")
    assert e.status == "closed"
    assert EventLifecycle(e).allowed() == []


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"venue": False}, "choose a venue"),
        ({"starts_in": timedelta(hours=-1)}, "set a start time in the future"),
    ],
)
def test_publish_guards(kwargs: dict, reason: str) -> None:
    e = event(**kwargs)
    machine = EventLifecycle(e)
    assert reason in machine.publish_blockers()
    with pytest.raises(TransitionNotAllowed):
        machine.send("publish")
    assert e.status == "draft"


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        ("draft", "close"),
        ("closed", "publish"),
        ("closed", "cancel"),
        ("cancelled", "publish"),
        ("published", "publish"),
    ],
)
def test_illegal_transitions(status: str, transition: str) -> None:
    e = event(status=status)
    with pytest.raises(TransitionNotAllowed):
        EventLifecycle(e).send(transition)
    assert e.status == status


def test_cancel_from_draft_and_published() -> None:
    for status in ("draft", "published"):
        e = event(status=status)
        EventLifecycle(e).send("cancel")
        assert e.status == "cancelled"
