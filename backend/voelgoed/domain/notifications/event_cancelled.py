"""The e-mail a buyer gets when the organiser cancels the event: one per order, saying whether and
how much is refunded (workflows/event_cancellation_jobs.py sends it)."""

from __future__ import annotations

from dataclasses import dataclass

from voelgoed.domain.notifications.messages import Mail
from voelgoed.lib.i18n import translate
from voelgoed.lib.templates import money as rand


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


def event_cancelled(m: EventCancelledMail, locale: str = "en") -> Mail:
    """In the order's language (`locale`, lib/i18n.py); each sentence is one msgid."""

    def _(message: str, **params: object) -> str:
        return translate(locale, message, **params)

    greeting = _("Hi %(name)s,", name=m.buyer_name) if m.buyer_name else _("Hi,")
    if m.refunded and m.refund_cents > 0:
        money = _(
            "You will be refunded %(amount)s to the account or card you paid with. "
            "Depending on your bank this can take a few working days; you do not need to do anything.",
            amount=rand(m.refund_cents, locale),
        )
    elif m.refunded:
        money = _("Everything you paid for this order had already been refunded; nothing more is owed.")
    elif m.reply_to:
        money = _(
            "The organiser is not refunding this order through us. Please contact %(organiser)s at %(address)s.",
            organiser=m.organiser_name,
            address=m.reply_to,
        )
    else:
        money = _(
            "The organiser is not refunding this order through us. Please contact %(organiser)s.",
            organiser=m.organiser_name,
        )
    quoted = ""
    if m.organiser_message:
        quoted = (
            "\n"
            + _("A message from %(organiser)s:", organiser=m.organiser_name)
            + "\n\n"
            + "\n".join(f"  {line}" for line in m.organiser_message.splitlines())
            + "\n"
        )
    cancelled = _(
        "%(organiser)s has cancelled %(event)s (%(starts)s).",
        organiser=m.organiser_name,
        event=m.event_name,
        starts=m.starts_local,
    )
    order = _("Your order %(reference)s is cancelled and its tickets are no longer valid.", reference=m.reference)
    text = (
        f"{greeting}\n\n"
        f"{cancelled}\n"
        f"{order}\n\n"
        f"{money}\n"
        f"{quoted}\n"
        + _("We are sorry for the disappointment.")
        + "\n"
    )
    return Mail(
        to=m.to,
        subject=_("Cancelled: %(event)s (%(reference)s)", event=m.event_name, reference=m.reference),
        text=text,
        reply_to=m.reply_to,
    )
