"""The texts of the e-mails we send. Plain text first: it reads well on every phone. The tickets
e-mail also has an HTML alternative (templates/, inline styles only, no remote images or fonts:
mail clients block them and buyers pay for mobile data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from voelgoed.domain.orders.pricing import OrderSummary
from voelgoed.lib.templates import environment

_env = environment(Path(__file__).parent / "templates", strict=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None


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
class TicketsMail:
    """What the tickets e-mail says; `tickets` are (ticket type, ticket code) in the order the
    order page and the PDF list them, `summary` the order's amounts (domain/orders/pricing.py)."""

    to: str
    buyer_name: str | None
    reference: str
    event_name: str
    starts_local: str
    timezone: str
    venue: str | None
    summary: OrderSummary
    order_url: str
    organiser_name: str
    reply_to: str | None
    tickets: list[tuple[str, str]] = field(default_factory=list)


def tickets_delivery(m: TicketsMail) -> Mail:
    context = {**m.__dict__, "count": len(m.tickets)}
    return Mail(
        to=m.to,
        subject=f"Your tickets: {m.event_name} ({m.reference})",
        text=_env.get_template("tickets.txt").render(context),
        html=_env.get_template("tickets.html").render(context),
        reply_to=m.reply_to,
    )


@dataclass(frozen=True)
class RefundMail:
    """What the buyer's refund e-mail says (one per refund). `tickets`: (type, code) of the tickets
    the refund revoked; `amount`: formatted, e.g. "R 150.00"."""

    to: str
    buyer_name: str | None
    reference: str
    event_name: str
    amount: str
    reason: str
    manual: bool  # paid out by the organiser, not through the payment provider
    order_cancelled: bool
    order_url: str
    organiser_name: str
    reply_to: str | None
    tickets: list[tuple[str, str]] = field(default_factory=list)


def refund_confirmation(m: RefundMail) -> Mail:
    return Mail(
        to=m.to,
        subject=f"Refund of {m.amount}: {m.event_name} ({m.reference})",
        text=_env.get_template("refund.txt").render({**m.__dict__, "count": len(m.tickets)}),
        reply_to=m.reply_to,
    )


def order_cancelled(
    *, to: str, buyer_name: str | None, reference: str, event_name: str, reason: str, organiser_name: str
) -> Mail:
    """The organiser cancelled a paid order without a refund (with one, the refund e-mail says so)."""
    return Mail(
        to=to,
        subject=f"Order cancelled: {event_name} ({reference})",
        text=(
            f"Hello {buyer_name or 'there'},\n\n"
            f"{organiser_name} cancelled your order {reference} for {event_name}.\n\n"
            f"Reason: {reason}\n\n"
            "Its tickets are no longer valid and will not be admitted.\n"
            "Questions? Reply to this e-mail.\n\nVoelgoedEvents\n"
        ),
    )
