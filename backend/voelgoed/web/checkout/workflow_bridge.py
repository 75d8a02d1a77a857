"""The checkout site's bridge to the checkout workflow (workflows/checkout.py) and the order data
its pages show. Business rules stay in the workflow and the domain services; this module only
translates between HTML forms and those calls, and turns their problems into page messages."""

from __future__ import annotations

import hashlib
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
from voelgoed.lib.problems import AppError, Conflict
from voelgoed.settings import Settings

# What buyers read where it differs from the provider's own label (providers/*.py `label`).
BUYER_LABELS = {
    "simulated": "Test payment (simulated: no real money, not for production)",
    "payfast": "PayFast (card, Instant EFT and more)",
}


def provider_label(name: str) -> str:
    """The name of a payment provider as the checkout site shows it."""
    from voelgoed.domain.payments.providers import REGISTRY

    entry = REGISTRY.get(name)
    return BUYER_LABELS.get(name) or (str(entry.cls.label) if entry else name)


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
        fields.setdefault(name, fe.message)
    return Explained(message=exc.detail, fields=fields)


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
        raise Conflict("These tickets were already reserved from this page. Please choose your tickets again.")
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
    if order.status in HOLDING_STATUSES:
        text = (
            f"Hi {order.buyer_name or ''},\n\nSomeone (hopefully you) asked for a link to order {order.reference} "
            f"for {event.name}.\n\nThis order is not paid yet. Continue in the browser where you chose the "
            f"tickets, or choose tickets again:\n\n{settings.server.public_url}/events/{event.slug}\n"
        )
    else:
        token = rotate_access_token(order)
        await db.flush()
        text = (
            f"Hi {order.buyer_name or ''},\n\nHere is the link to order {order.reference} for {event.name} "
            f"(status: {order.status.replace('_', ' ')}). It opens your order and your tickets:\n\n"
            f"{settings.server.public_url}/orders/{order.reference}?token={token}\n\n"
            "Earlier links to this order no longer work. Keep this one private.\n"
            "If you did not ask for this, you can ignore this e-mail.\n"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    await enqueue_mail(
        queue,
        Mail(to=order.buyer_email, subject=f"Your order {order.reference} for {event.name}", text=text),
        key=f"order-link:{order.id}:{stamp}",
    )
    return True
