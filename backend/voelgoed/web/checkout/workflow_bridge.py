"""The checkout site's bridge to the checkout workflow (workflows/checkout.py) and the order data
its pages show. Business rules stay in the workflow and the domain services; this module only
translates between HTML forms and those calls, and turns their problems into page messages."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.attendees.checkout_details import Details
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.services import token_matches
from voelgoed.domain.payments.providers.base import PaymentRedirect
from voelgoed.lib.i18n import N_, translate
from voelgoed.lib.i18n import gettext as _
from voelgoed.lib.problems import AppError, Conflict
from voelgoed.settings import Settings

# What buyers read where it differs from the provider's own label (providers/*.py `label`).
BUYER_LABELS = {
    "simulated": N_("Test payment (simulated: no real money, not for production)"),
    "payfast": N_("PayFast (card, Instant EFT and more)"),
}


def provider_label(name: str) -> str:
    """The name of a payment provider as the checkout site shows it."""
    from voelgoed.domain.payments.providers import REGISTRY

    entry = REGISTRY.get(name)
    own = BUYER_LABELS.get(name)
    return _(own) if own else (str(entry.cls.label) if entry else name)


@dataclass
class Held:
    order_id: uuid.UUID
    reference: str
    access_token: str
    hold_expires_at: datetime

    @property
    def cookie_seconds(self) -> int:
        """The order cookie outlives the hold by a day, so a late return still finds the order."""
        left = int((self.hold_expires_at - datetime.now(UTC)).total_seconds())
        return max(left, 0) + 24 * 3600


# The workflow's and domain services' problems are written in English (they are the API's words too);
# the ones a buyer can meet on these pages are translated here, at the edge. A fixed sentence is a
# msgid as it is; a sentence with a value in it is matched and rewritten as a msgid with a
# placeholder. A problem not listed is shown as the service wrote it.
DOMAIN_MESSAGES = (
    N_("No such order, or the link is not valid."),
    N_("Tell us the name for the tickets."),
    N_("Enter a phone number of digits, optionally starting with +."),
    N_("This order is already paid."),
    N_("Your hold on these tickets has expired; choose your tickets again."),
    N_("No such event, or it is not on sale."),
    N_("This event has ended; tickets are no longer sold."),
    N_("Choose at least one ticket."),
    N_("This access code is not valid for this event."),
    N_("Choose at least 1 ticket."),
    N_("Not a ticket type of this event."),
    N_("Not enough tickets left for this event."),
    N_("This coupon code is not valid for this event."),
    N_("This coupon is not valid yet."),
    N_("This coupon has expired."),
    N_("This coupon does not apply to the chosen tickets."),
    N_("This coupon has been used up."),
    N_("No uses left."),
    N_("Enter the name the invoice is made out to."),
    N_("These tickets were already reserved from this page. Please choose your tickets again."),
    # Checkout questions and names per ticket (domain/attendees/checkout_details.py), as the form meets them.
    N_("Some answers need your attention."),
    N_("Tick this box to continue."),
    N_("Answer in words."),
    N_("Choose one of the options."),
    N_("This question needs an answer."),
    N_("Enter the name of the person using this ticket."),
    # The waiting list (workflows/waiting_list_offers.py, domain/waiting_list/services.py).
    N_("This event has no waiting list."),
    N_("Not sold out."),
    N_("This offer link is not valid."),
    N_("This offer has already been used."),
    N_("This offer was withdrawn by the organiser."),
    N_("This offer has expired; the tickets were offered to the next person in line."),
    # Personal data requests' links (domain/privacy/services.py).
    N_("This link is not valid."),
    N_("This link was already used or has expired. Ask again if you need to."),
    N_("This link has expired (it lives 24 hours). Ask again if you need to."),
    N_("This download has expired (it lives 7 days). Ask for a new copy if you need one."),
    N_("This export file is no longer kept. Ask for a new copy if you need one."),
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Not enough tickets: (?P<name>.+) is sold out\."), N_("Not enough tickets: %(name)s is sold out.")),
    (re.compile(r"(?P<name>.+) is sold out\."), N_("%(name)s is sold out.")),
    (
        re.compile(r"(?P<name>.+) tickets are still on sale: buy them now\."),
        N_("%(name)s tickets are still on sale: buy them now."),
    ),
    (
        re.compile(r"Not enough tickets: only (?P<n>\d+) (?P<name>.+) ticket\(s\) left\."),
        N_("Not enough tickets: only %(n)s left of %(name)s."),
    ),
    (re.compile(r"Only (?P<n>\d+) (?P<name>.+) ticket\(s\) left\."), N_("Only %(n)s left of %(name)s.")),
    (re.compile(r"Sales for (?P<name>.+) have not started\."), N_("Sales for %(name)s have not started.")),
    (re.compile(r"Sales for (?P<name>.+) have ended\."), N_("Sales for %(name)s have ended.")),
    (
        re.compile(r"At least (?P<n>\d+) (?P<name>.+) tickets per order\."),
        N_("At least %(n)s tickets of %(name)s per order."),
    ),
    (
        re.compile(r"At most (?P<n>\d+) (?P<name>.+) tickets per order\."),
        N_("At most %(n)s tickets of %(name)s per order."),
    ),
    (
        re.compile(r"An answer can be at most (?P<n>\d+) characters\."),
        N_("An answer can be at most %(n)s characters."),
    ),
    (re.compile(r"A name can be at most (?P<n>\d+) characters\."), N_("A name can be at most %(n)s characters.")),
    (
        re.compile(r"Too many attempts\. Try again in (?P<n>\d+) seconds\."),
        N_("Too many attempts. Try again in %(n)s seconds."),
    ),
    (
        re.compile(r"This order is (?P<status>[a-z ]+); choose your tickets again\."),
        N_("This order is no longer open; choose your tickets again."),
    ),
)


# An order's status as the order-link e-mail names it.
ORDER_STATUS_WORDS = {
    "paid": N_("paid"),
    "cancelled": N_("cancelled"),
    "expired": N_("expired"),
    "refunded": N_("refunded"),
    "failed": N_("failed"),
}


def translate_problem(text: str) -> str:
    """A service's English problem sentence in the page's language (unchanged in English)."""
    if text in DOMAIN_MESSAGES:
        return _(text)
    for pattern, msgid in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            translated = _(msgid, **match.groupdict())
            # English keeps the service's own words (the pattern is a translation aid, not a rewrite).
            return text if translated == msgid % match.groupdict() else translated
    return text


@dataclass
class Explained:
    message: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Provider:
    name: str
    label: str


def explain(exc: AppError) -> Explained:
    """A workflow problem as a page message plus per-field messages (field names as the API's)."""
    fields: dict[str, str] = {}
    for fe in exc.errors or []:
        name = fe.field
        # "items.0.ticket_type_id" etc. are about the cart as a whole on this page.
        fields.setdefault(name, translate_problem(fe.message))
    return Explained(message=translate_problem(exc.detail), fields=fields)


async def reserve(
    db: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    event: Event,
    items: dict[uuid.UUID, int],
    coupon_code: str | None,
    session_id: str,
    form_token: str,
    access_code: str | None = None,
) -> Held:
    """Hold the tickets. The same form posted twice with the same cart (a double click, a resend
    after a dropped connection) is one reservation: the idempotency key is derived from them."""
    from voelgoed.workflows import checkout

    cart = "|".join(f"{k}:{v}" for k, v in sorted((str(k), v) for k, v in items.items()))
    seed = f"{session_id}|{form_token}|{cart}|{coupon_code or ''}|{access_code or ''}"
    key = "site:" + hashlib.sha256(seed.encode()).hexdigest()[:48]
    result = await checkout.reserve(
        db,
        event_id=event.id,
        items=items,
        coupon_code=coupon_code,
        access_code=access_code,
        idempotency_key=key,
        session_id=session_id,
        redis=redis,
        settings=settings,
    )
    if result.access_token is None:  # a replay whose token the cache no longer has
        raise Conflict(DOMAIN_MESSAGES[-1])
    return Held(
        order_id=result.order_id,
        reference=result.reference,
        access_token=result.access_token,
        hold_expires_at=result.hold_expires_at,
    )


async def order_by_reference(db: AsyncSession, reference: str) -> Order | None:
    return await db.scalar(
        select(Order).where(Order.reference == reference.strip().upper()).execution_options(**UNSCOPED)
    )


async def order_for_token(db: AsyncSession, reference: str, token: str | None) -> Order | None:
    """The order when the token opens it; None for an unknown reference or a wrong token alike."""
    order = await order_by_reference(db, reference)
    if order is None or not token_matches(order, token):
        return None
    return order


async def event_of(db: AsyncSession, order: Order) -> Event:
    event = await db.scalar(select(Event).where(Event.id == order.event_id).execution_options(**UNSCOPED))
    assert event is not None  # order.event_id is a RESTRICT foreign key
    return event


async def providers_for(db: AsyncSession, settings: Settings, organization_id: uuid.UUID) -> list[Provider]:
    """Providers this buyer may choose, in the organisation's order: those it switched on and set
    up (PayFast's sandbox test merchant stands in outside production), the simulated one where
    allowed. The form's choice is checked against this list, and start_checkout checks again."""
    from voelgoed.domain.payments.services import checkout_providers

    names = await checkout_providers(db, organization_id, settings)
    return [Provider(name=n, label=provider_label(n)) for n in names]


async def start_checkout(
    db: AsyncSession,
    *,
    order: Order,
    token: str,
    buyer_name: str,
    buyer_email: str,
    buyer_phone: str | None,
    provider: str,
    settings: Settings,
    details: Details | None = None,
) -> PaymentRedirect:
    """Start (or restart) payment; returns where to send the buyer (url, method, fields).
    `details`: the answers to the event's questions and the tickets' names."""
    from voelgoed.workflows import checkout

    started = await checkout.start_checkout(
        db,
        reference=order.reference,
        token=token,
        buyer_name=buyer_name,
        buyer_email=buyer_email,
        buyer_phone=buyer_phone,
        provider=provider,
        settings=settings,
        details=details,
    )
    return started.redirect


async def last_payment_failed(db: AsyncSession, order: Order) -> bool:
    from voelgoed.domain.payments.models import PaymentTransaction

    status = await db.scalar(
        select(PaymentTransaction.status)
        .where(PaymentTransaction.order_id == order.id)
        .order_by(PaymentTransaction.created_at.desc())
        .limit(1)
        .execution_options(**UNSCOPED)
    )
    return status == "failed"


async def send_order_link(db: AsyncSession, queue: Any, settings: Settings, reference: str, email: str) -> bool:
    """E-mail the buyer a fresh link to their order when reference and e-mail match; else nothing.

    Only a hash of the access token is stored, so a new link means a new token: the old link
    stops working. An order still in checkout keeps its token (the buyer's checkout and the
    provider's return link rely on it); its e-mail says how to continue instead."""
    from voelgoed.domain.notifications.jobs import enqueue_mail
    from voelgoed.domain.notifications.messages import Mail
    from voelgoed.domain.orders.services import normalise_reference, rotate_access_token
    from voelgoed.lib.contact import fold_email

    order = await order_by_reference(db, normalise_reference(reference))
    # Only compared: the form checked the address; a stored one need not meet today's rule.
    if order is None or not order.buyer_email or fold_email(order.buyer_email) != fold_email(email):
        return False
    event = await event_of(db, order)
    locale = order.locale  # the language the buyer checked out in

    def _(message: str, **params: object) -> str:
        return translate(locale, message, **params)

    hello = _("Hi %(name)s,", name=order.buyer_name or "")
    if order.status in HOLDING_STATUSES:
        asked = _(
            "Someone (hopefully you) asked for a link to order %(reference)s for %(event)s.",
            reference=order.reference,
            event=event.name,
        )
        unpaid = _(
            "This order is not paid yet. Continue in the browser where you chose the tickets, or choose tickets again:"
        )
        text = f"{hello}\n\n{asked}\n\n{unpaid}\n\n{settings.server.public_url}/events/{event.slug}\n"
    else:
        token = rotate_access_token(order)
        await db.flush()
        status = ORDER_STATUS_WORDS.get(order.status, order.status.replace("_", " "))
        here = _(
            "Here is the link to order %(reference)s for %(event)s (status: %(status)s). "
            "It opens your order and your tickets:",
            reference=order.reference,
            event=event.name,
            status=_(status),
        )
        text = (
            f"{hello}\n\n{here}\n\n"
            f"{settings.server.public_url}/orders/{order.reference}?token={token}\n\n"
            + _("Earlier links to this order no longer work. Keep this one private.")
            + "\n"
            + _("If you did not ask for this, you can ignore this e-mail.")
            + "\n"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    await enqueue_mail(
        queue,
        Mail(
            to=order.buyer_email,
            subject=_("Your order %(reference)s for %(event)s", reference=order.reference, event=event.name),
            text=text,
        ),
        key=f"order-link:{order.id}:{stamp}",
    )
    return True
