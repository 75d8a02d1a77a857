"""The e-mail a buyer on a waiting list gets when freed tickets are held for them
(workflows/waiting_list_jobs.py sends it). Every sentence goes through `_` (lib/templates.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voelgoed.domain.notifications.messages import Mail
from voelgoed.lib.templates import environment

_env = environment(Path(__file__).parent / "templates", strict=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class WaitingListOfferMail:
    to: str
    name: str
    event_name: str
    ticket_type_name: str
    quantity: int
    expires_local: str  # e.g. "Tue 1 Dec 2026, 09:30 SAST"
    offer_url: str
    organiser_name: str
    reply_to: str | None


def waiting_list_offer(m: WaitingListOfferMail) -> Mail:
    return Mail(
        to=m.to,
        subject=f"Tickets for {m.event_name} are held for you",
        text=_env.get_template("waiting_list_offer.txt").render(m.__dict__),
        reply_to=m.reply_to,
    )
