"""The buyer e-mails an organiser can word: each kind's placeholders (a closed set) and our
default subject and intro. The rest of each e-mail (tickets, amounts, links, footer) is ours and
lives in templates/.

The defaults are written in English with {placeholders}, the organiser's own syntax (wording.py),
so a default and an override render through the same path.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from voelgoed.domain.notifications.wording import Wording
from voelgoed.lib.i18n import N_


class EmailKind(enum.StrEnum):
    """The e-mails buyers receive whose wording an organiser can change."""

    ORDER_CONFIRMATION = "order_confirmation"  # with the tickets (PDF attached)
    REMINDER = "reminder"  # the day before the event
    REFUND = "refund"
    ORDER_CANCELLED = "order_cancelled"
    EVENT_CANCELLED = "event_cancelled"


class EmailLocale(enum.StrEnum):
    """Languages an organiser can word e-mails in: those of lib/i18n.py's LOCALES. Where an
    organiser has not worded a language, our default wording in that language is sent."""

    EN = "en"
    AF = "af"


PLACEHOLDER_HELP: dict[str, str] = {
    "buyer_name": 'The buyer\'s name as given at checkout (or "there")',
    "event_name": "The event's name",
    "event_start": "When the event starts, in the event's time zone",
    "venue": "The venue's name and city",
    "order_reference": "The order reference, e.g. VG-7K3M9QX2",
    "order_link": "The private link to the buyer's order page",
    "organiser_name": "Your organisation's name",
    "refund_amount": "The amount refunded, e.g. R 150.00",
}

_COMMON = ("buyer_name", "event_name", "event_start", "venue", "order_reference", "order_link", "organiser_name")


@dataclass(frozen=True)
class KindSpec:
    kind: EmailKind
    label: str
    description: str
    placeholders: tuple[str, ...]
    default: Wording

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.placeholders)


SPECS: dict[EmailKind, KindSpec] = {
    s.kind: s
    for s in (
        KindSpec(
            EmailKind.ORDER_CONFIRMATION,
            "Order confirmation and tickets",
            "Sent when an order is paid, with the tickets as a PDF, the order's lines and amounts and the link "
            "to the order page.",
            _COMMON,
            Wording(
                subject=N_("Your tickets: {event_name} ({order_reference})"),
                intro=N_(
                    "Hello {buyer_name},\n\n"
                    "Thank you for your order {order_reference}. We look forward to seeing you at {event_name}!"
                ),
            ),
        ),
        KindSpec(
            EmailKind.REMINDER,
            "Reminder the day before",
            "Sent about a day before the event starts to every paid order.",
            _COMMON,
            Wording(
                subject=N_("Coming up: {event_name}"),
                intro=N_(
                    "Hello {buyer_name},\n\n"
                    "This is a reminder that {event_name} starts {event_start}. We look forward to seeing you!"
                ),
            ),
        ),
        KindSpec(
            EmailKind.REFUND,
            "Refund",
            "Sent when (part of) an order is refunded; lists the tickets that are no longer valid.",
            (*_COMMON, "refund_amount"),
            Wording(
                subject=N_("Refund of {refund_amount}: {event_name} ({order_reference})"),
                intro=N_(
                    "Hello {buyer_name},\n\n"
                    "{organiser_name} refunded {refund_amount} of your order {order_reference} for {event_name}."
                ),
            ),
        ),
        KindSpec(
            EmailKind.ORDER_CANCELLED,
            "Order cancelled",
            "Sent when you cancel a paid order without a refund; says why.",
            _COMMON,
            Wording(
                subject=N_("Order cancelled: {event_name} ({order_reference})"),
                intro=N_(
                    "Hello {buyer_name},\n\n{organiser_name} cancelled your order {order_reference} for {event_name}."
                ),
            ),
        ),
        KindSpec(
            EmailKind.EVENT_CANCELLED,
            "Event cancelled",
            "Sent to every order when you cancel the event; says whether and how much is refunded.",
            _COMMON,
            Wording(
                subject=N_("Cancelled: {event_name} ({order_reference})"),
                intro=N_(
                    "Hello {buyer_name},\n\n"
                    "{organiser_name} has cancelled {event_name} ({event_start}). Your order {order_reference} is "
                    "cancelled and its tickets are no longer valid.\n\nWe are sorry for the disappointment."
                ),
            ),
        ),
    )
}
