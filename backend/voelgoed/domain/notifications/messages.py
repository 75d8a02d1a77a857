"""The texts of the e-mails we send. Plain text first: it reads well on every phone. The tickets
e-mail also has an HTML alternative (templates/, inline styles only, no remote images or fonts:
mail clients block them and buyers pay for mobile data).

The buyer's e-mails (tickets, refunds, a cancelled order) are written in the order's language
(`locale`, lib/i18n.py): their templates render in that locale's environment and their subjects
and sentences are gettext msgids. The organisers' e-mails (password reset, invitation) are English."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from voelgoed.domain.orders.pricing import OrderSummary
from voelgoed.lib.i18n import translate
from voelgoed.lib.templates import Localized

_envs = Localized(Path(__file__).parent / "templates", strict=True, keep_trailing_newline=True)


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


def tickets_delivery(m: TicketsMail, locale: str = "en") -> Mail:
    context = {**m.__dict__, "count": len(m.tickets)}
    env = _envs[locale]
    return Mail(
        to=m.to,
        subject=translate(locale, "Your tickets: %(event)s (%(reference)s)", event=m.event_name, reference=m.reference),
        text=env.get_template("tickets.txt").render(context),
        html=env.get_template("tickets.html").render(context),
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


def refund_confirmation(m: RefundMail, locale: str = "en") -> Mail:
    return Mail(
        to=m.to,
        subject=translate(
            locale,
            "Refund of %(amount)s: %(event)s (%(reference)s)",
            amount=m.amount,
            event=m.event_name,
            reference=m.reference,
        ),
        text=_envs[locale].get_template("refund.txt").render({**m.__dict__, "count": len(m.tickets)}),
        reply_to=m.reply_to,
    )


def order_cancelled(
    *,
    to: str,
    buyer_name: str | None,
    reference: str,
    event_name: str,
    reason: str,
    organiser_name: str,
    locale: str = "en",
) -> Mail:
    """The organiser cancelled a paid order without a refund (with one, the refund e-mail says so)."""

    def _(message: str, **params: object) -> str:
        return translate(locale, message, **params)

    greeting = _("Hello %(name)s,", name=buyer_name) if buyer_name else _("Hello there,")
    return Mail(
        to=to,
        subject=_("Order cancelled: %(event)s (%(reference)s)", event=event_name, reference=reference),
        text=(
            f"{greeting}\n\n"
            + _(
                "%(organiser)s cancelled your order %(reference)s for %(event)s.",
                organiser=organiser_name,
                reference=reference,
                event=event_name,
            )
            + "\n\n"
            + _("Reason: %(reason)s", reason=reason)
            + "\n\n"
            + _("Its tickets are no longer valid and will not be admitted.")
            + "\n"
            + _("Questions? Reply to this e-mail.")
            + "\n\nVoelgoedEvents\n"
        ),
    )
