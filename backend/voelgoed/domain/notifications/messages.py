"""The e-mails we send. Account e-mails (password reset, invitation) are plain text from us.

Buyer e-mails (order confirmation with tickets, reminder, refund, order and event cancelled) are
the organiser's: text and HTML alternatives from templates/ in the organisation's branding, From
our sending address under the organiser's name, Reply-To the organiser, opening with the
organiser's own wording when they set one (kinds.py, wording.py). Each render function takes the
facts of the e-mail, a `MailLook` (services.mail_look reads it) and a `locale`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voelgoed.domain.notifications.kinds import EmailKind
from voelgoed.domain.notifications.rendering import Mail, MailLook, render
from voelgoed.domain.orders.pricing import OrderSummary
from voelgoed.lib.i18n import N_, translate

# The buyer's name where they gave none ("Hello {buyer_name}," reads "Hello there,").
NO_NAME = N_("there")

__all__ = [
    "EventCancelledMail",
    "Mail",
    "MailLook",
    "OrderCancelledMail",
    "RefundMail",
    "ReminderMail",
    "TicketsMail",
    "event_cancelled",
    "invitation",
    "order_cancelled",
    "password_reset",
    "refund_confirmation",
    "reminder",
    "tickets_delivery",
]


def password_reset(*, to: str, name: str, link: str) -> Mail:
    return Mail(
        to=to,
        subject="Reset your VoelgoedEvents password",
        text=(
            f"Hi {name},\n\n"
            "Someone (hopefully you) asked to reset the password of your VoelgoedEvents account.\n"
            f"Open this link within an hour to choose a new one:\n\n{link}\n\n"
            "If you did not ask for this, ignore this e-mail: your password stays as it is.\n"
        ),
    )


def invitation(*, to: str, organization_name: str, inviter_name: str, role: str, link: str) -> Mail:
    return Mail(
        to=to,
        subject=f"{inviter_name} invited you to {organization_name} on VoelgoedEvents",
        text=(
            f"Hi,\n\n{inviter_name} invited you to join {organization_name} on VoelgoedEvents "
            f"as {role.replace('_', ' ')}.\n\n"
            f"Accept the invitation (valid for 7 days):\n\n{link}\n\n"
            "If you do not know this organisation, ignore this e-mail.\n"
        ),
    )


@dataclass(frozen=True)
class OrderFacts:
    """What every buyer e-mail knows about the order (and offers as placeholders)."""

    to: str
    buyer_name: str | None
    reference: str
    event_name: str
    starts_local: str
    timezone: str
    venue: str | None
    order_url: str

    def placeholders(self, look: MailLook, locale: str = "en") -> dict[str, str]:
        return {
            # Without a name: "Hello there," (a msgid: "Hallo daar," in Afrikaans).
            "buyer_name": self.buyer_name or translate(locale, NO_NAME),
            "event_name": self.event_name,
            "event_start": f"{self.starts_local} ({self.timezone})",
            "venue": self.venue or "",
            "order_reference": self.reference,
            "order_link": self.order_url,
            "organiser_name": look.branding.display_name,
        }


@dataclass(frozen=True)
class TicketsMail(OrderFacts):
    """The order confirmation with the tickets: `tickets` are (ticket type, ticket code) in the
    order the order page and the PDF list them, `summary` the order's amounts."""

    summary: OrderSummary | None = None
    tickets: list[tuple[str, str]] = field(default_factory=list)
    # Beside `tickets`, one per ticket: (section, row, seat) of a reserved seat, None for GA;
    # empty when no ticket has a seat.
    seats: list[tuple[str, str, str] | None] = field(default_factory=list)


def tickets_delivery(m: TicketsMail, look: MailLook, locale: str = "en") -> Mail:
    return render(EmailKind.ORDER_CONFIRMATION, "tickets", m, look, locale, {"count": len(m.tickets)})


@dataclass(frozen=True)
class ReminderMail(OrderFacts):
    """The reminder the day before."""


def reminder(m: ReminderMail, look: MailLook, locale: str = "en") -> Mail:
    return render(EmailKind.REMINDER, "reminder", m, look, locale, {})


@dataclass(frozen=True)
class RefundMail(OrderFacts):
    """One refund: `tickets` (type, code) the refund revoked; `amount` formatted, e.g. "R 150.00"."""

    amount: str = ""
    reason: str = ""
    manual: bool = False  # paid out by the organiser, not through the payment provider
    order_cancelled: bool = False
    tickets: list[tuple[str, str]] = field(default_factory=list)


def refund_confirmation(m: RefundMail, look: MailLook, locale: str = "en") -> Mail:
    return render(
        EmailKind.REFUND,
        "refund",
        m,
        look,
        locale,
        {"count": len(m.tickets)},
        extra_placeholders={"refund_amount": m.amount},
    )


@dataclass(frozen=True)
class OrderCancelledMail(OrderFacts):
    """The organiser cancelled a paid order without a refund (with one, the refund e-mail says so)."""

    reason: str = ""


def order_cancelled(m: OrderCancelledMail, look: MailLook, locale: str = "en") -> Mail:
    return render(EmailKind.ORDER_CANCELLED, "order_cancelled", m, look, locale, {})


@dataclass(frozen=True)
class EventCancelledMail(OrderFacts):
    """The organiser cancelled the event: one per order, saying whether and how much is refunded."""

    refunded: bool = False  # a refund was requested with the cancellation
    refund_cents: int = 0
    organiser_message: str | None = None


def event_cancelled(m: EventCancelledMail, look: MailLook, locale: str = "en") -> Mail:
    return render(EmailKind.EVENT_CANCELLED, "event_cancelled", m, look, locale, {})
