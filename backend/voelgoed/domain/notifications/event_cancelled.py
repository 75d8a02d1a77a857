"""The e-mail a buyer gets when the organiser cancels the event: one per order, saying whether and
how much is refunded (workflows/event_cancellation_jobs.py sends it)."""

from __future__ import annotations

from dataclasses import dataclass

from voelgoed.domain.notifications.messages import Mail
from voelgoed.lib.money import display_rand


@dataclass(frozen=True)
class EventCancelledMail:
    to: str
    buyer_name: str | None
    reference: str
    event_name: str
    starts_local: str
    organiser_name: str
    reply_to: str | None
    refunded: bool  # a refund was requested with the cancellation
    refund_cents: int
    organiser_message: str | None


def event_cancelled(m: EventCancelledMail) -> Mail:
    greeting = f"Hi {m.buyer_name}," if m.buyer_name else "Hi,"
    if m.refunded and m.refund_cents > 0:
        money = (
            f"You will be refunded {display_rand(m.refund_cents)} to the account or card you paid with. "
            "Depending on your bank this can take a few working days; you do not need to do anything."
        )
    elif m.refunded:
        money = "Everything you paid for this order had already been refunded; nothing more is owed."
    else:
        contact = f" at {m.reply_to}" if m.reply_to else ""
        money = f"The organiser is not refunding this order through us. Please contact {m.organiser_name}{contact}."
    quoted = ""
    if m.organiser_message:
        quoted = (
            f"\nA message from {m.organiser_name}:\n\n"
            + "\n".join(f"  {line}" for line in m.organiser_message.splitlines())
            + "\n"
        )
    text = (
        f"{greeting}\n\n"
        f"{m.organiser_name} has cancelled {m.event_name} ({m.starts_local}).\n"
        f"Your order {m.reference} is cancelled and its tickets are no longer valid.\n\n"
        f"{money}\n"
        f"{quoted}\n"
        "We are sorry for the disappointment.\n"
    )
    return Mail(
        to=m.to,
        subject=f"Cancelled: {m.event_name} ({m.reference})",
        text=text,
        reply_to=m.reply_to,
    )
