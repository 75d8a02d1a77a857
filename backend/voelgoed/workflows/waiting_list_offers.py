"""Waiting-list offers: freed stock goes to the next buyer in line, held for them.

Where stock comes back: a hold that expires (orders/expiry.py, inline on a sold-out reservation
or by the cron job), a buyer's cancellation (workflows/checkout.py `cancel_order`), an organiser's
refund or cancellation of a paid order (workflows/refunds.py `_void`). None of those needs to know
about the waiting list: while entries wait, the public sale leaves their tickets alone
(waiting_list/stock.py), so the freed stock stays put until `offer_freed_stock` hands it out. That
runs in the SAQ job `offer_waiting_list` (domain/waiting_list/jobs.py): enqueued after a
cancellation, refund or removal, and every minute by cron for expiries.

One event per transaction, in the lock order of catalog/inventory.py: the event's inventory row
first (so two workers, or a job run twice, take turns and the second sees what the first did),
then orders (releasing expired holds), types and quotas (inside `allocate`), then the entries
(FOR UPDATE SKIP LOCKED: an entry a buyer is claiming right now is left for the next run). An
offer is a hold made by the same `allocate` as every sale (offer=True: it may take the stock the
waiting list kept back), so its counters move by the same conditional UPDATEs and CHECKs: it
never oversells, and it holds its stock against every other buyer until the offer expires.

Claiming an offer (the e-mailed link) rotates the hold's order token and hands it to the buyer,
once: a second use is a 409, a use after expiry a 410.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog import inventory
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders import expiry
from voelgoed.domain.orders.holds import CartItem, HoldRequest, HoldResult, allocate
from voelgoed.domain.orders.machines import HOLDING_STATUSES
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.services import rotate_access_token
from voelgoed.domain.waiting_list.machines import WaitingListLifecycle
from voelgoed.domain.waiting_list.models import WaitingListEntry
from voelgoed.domain.waiting_list.services import settings_of
from voelgoed.lib.problems import AppError, Conflict, FieldError, NotFound
from voelgoed.lib.secrets import new_token, token_digest

log = logging.getLogger(__name__)

OFFERS_PER_RUN = 200  # waiting entries looked at per event and run; the next run takes the rest


class OfferGone(AppError):
    status, slug, title = 410, "gone", "Gone"


@dataclass(frozen=True)
class OfferMade:
    """An offer to e-mail after the commit (the token exists only here and in the e-mail)."""

    entry_id: uuid.UUID
    event_id: uuid.UUID
    email: str
    name: str
    quantity: int
    ticket_type_name: str
    token: str
    expires_at: datetime


def offer_path(token: str) -> str:
    return f"/waiting-list/offers/{token}"


async def offer_freed_stock(db: AsyncSession, event_id: uuid.UUID, now: datetime | None = None) -> list[OfferMade]:
    """Settle the event's offers and offer what is free to the next in line, in the caller's
    transaction (an unscoped session: system work). Safe to run twice and on several workers."""
    now = now or datetime.now(UTC)
    conn = await db.connection()
    inv = await inventory.lock_inventory(conn, event_id)  # lock order: inventory first
    if inv is None:
        return []
    await expiry.release_expired(conn, inv, now)  # offers (and other holds) whose time ran out
    await _settle_offers(db, event_id)
    cfg = await settings_of(db, event_id, unscoped=True)
    if cfg is None or not cfg.enabled:
        return []
    waiting = list(
        await db.scalars(
            select(WaitingListEntry)
            .where(WaitingListEntry.event_id == event_id, WaitingListEntry.status == "waiting")
            .order_by(WaitingListEntry.created_at, WaitingListEntry.id)
            .limit(OFFERS_PER_RUN)
            .with_for_update(skip_locked=True)
            .execution_options(**UNSCOPED, populate_existing=True)
        )
    )
    if not waiting:
        return []
    types = {
        t.id: t
        for t in await db.scalars(
            select(TicketType).where(TicketType.event_id == event_id).execution_options(**UNSCOPED)
        )
    }
    # First in line first: once an entry does not fit, later entries of its pool (its shared
    # quota, else its type) wait behind it instead of taking what is left.
    blocked: set[uuid.UUID] = set()
    made: list[OfferMade] = []
    for entry in waiting:
        tt = types.get(entry.ticket_type_id)
        if tt is None:
            continue
        pool = tt.quota_id or tt.id
        if pool in blocked:
            continue
        request = HoldRequest(
            event_id=event_id,
            items=[CartItem(entry.ticket_type_id, entry.quantity)],
            hold_minutes=cfg.offer_hours * 60,
            offer=True,
        )
        [outcome] = await allocate(conn, event_id, [request])
        if not isinstance(outcome, HoldResult):
            blocked.add(pool)  # sold out (or no longer on sale): wait for the next release
            continue
        token = new_token()
        entry.order_id = outcome.order_id
        entry.offer_token_hash = token_digest(token)
        entry.offer_expires_at = outcome.hold_expires_at
        WaitingListLifecycle(entry).send("offer")
        made.append(
            OfferMade(
                entry.id, event_id, entry.email, entry.name, entry.quantity, tt.name, token, outcome.hold_expires_at
            )
        )
    await db.flush()
    if made:
        log.info("offered freed tickets to %d waiting buyers of event %s", len(made), event_id)
    return made


async def _settle_offers(db: AsyncSession, event_id: uuid.UUID) -> None:
    """Offers whose order was paid are converted; those whose hold went back (expired, cancelled)
    are expired. An order still holding is left as it is (a payment may be landing now)."""
    offered = list(
        await db.scalars(
            select(WaitingListEntry)
            .where(WaitingListEntry.event_id == event_id, WaitingListEntry.status == "offered")
            .with_for_update(skip_locked=True)
            .execution_options(**UNSCOPED, populate_existing=True)
        )
    )
    if not offered:
        return
    ids = [e.order_id for e in offered if e.order_id is not None]
    statuses = dict(
        (await db.execute(select(Order.id, Order.status).where(Order.id.in_(ids)).execution_options(**UNSCOPED))).all()
    )
    for entry in offered:
        status = statuses.get(entry.order_id) if entry.order_id else None
        if status == "paid":
            WaitingListLifecycle(entry).send("convert")
        elif status not in HOLDING_STATUSES:
            WaitingListLifecycle(entry).send("expire")
    await db.flush()


# --- the buyer's link ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimedOffer:
    order: Order
    access_token: str
    entry: WaitingListEntry


async def find_offer(db: AsyncSession, token: str) -> WaitingListEntry:
    entry = await db.scalar(
        select(WaitingListEntry)
        .where(WaitingListEntry.offer_token_hash == token_digest(token))
        .execution_options(**UNSCOPED)
    )
    if entry is None:
        raise NotFound(
            "This offer link is not valid.",
            errors=[FieldError(field="token", message="Check that the whole link from the e-mail was opened.")],
        )
    return entry


def refuse_unusable(entry: WaitingListEntry, order: Order | None, now: datetime) -> None:
    """409 for an offer already used, 410 for one that expired or was withdrawn."""
    if entry.status == "converted" or entry.offer_used_at is not None:
        raise Conflict(
            "This offer has already been used.",
            errors=[FieldError(field="token", message="Each offer link opens the checkout once.")],
        )
    if entry.status == "removed":
        raise OfferGone(
            "This offer was withdrawn by the organiser.",
            errors=[FieldError(field="token", message="The offer is no longer valid.")],
        )
    expired = entry.offer_expires_at is None or entry.offer_expires_at <= now
    if entry.status != "offered" or expired or order is None or order.status not in HOLDING_STATUSES:
        raise OfferGone(
            "This offer has expired; the tickets were offered to the next person in line.",
            errors=[FieldError(field="token", message="The offer's time ran out.")],
        )


async def claim_offer(db: AsyncSession, token: str, now: datetime | None = None) -> ClaimedOffer:
    """Open the offer's checkout once: the held order gets a new token for this buyer."""
    now = now or datetime.now(UTC)
    found = await find_offer(db, token)
    conn = await db.connection()
    await inventory.lock_inventory(conn, found.event_id)  # lock order: inventory, order, entry
    order = None
    if found.order_id is not None:
        order = await db.scalar(
            select(Order)
            .where(Order.id == found.order_id)
            .with_for_update()
            .execution_options(populate_existing=True, **UNSCOPED)
        )
    entry = await db.scalar(
        select(WaitingListEntry)
        .where(WaitingListEntry.id == found.id)
        .with_for_update()
        .execution_options(populate_existing=True, **UNSCOPED)
    )
    assert entry is not None
    refuse_unusable(entry, order, now)
    assert order is not None
    access_token = rotate_access_token(order)
    entry.offer_used_at = now
    await db.flush()
    return ClaimedOffer(order=order, access_token=access_token, entry=entry)


# --- the organiser ------------------------------------------------------------------------------
async def remove_entry(db: AsyncSession, event_id: uuid.UUID, entry_id: uuid.UUID) -> tuple[WaitingListEntry, bool]:
    """Take an entry off the list (the organiser's scoped session). An open offer is withdrawn
    and its hold cancelled: True when stock came back (offer it to the next: enqueue the job)."""
    event = await db.scalar(select(Event).where(Event.id == event_id))
    if event is None:
        raise NotFound("No such event.")
    conn = await db.connection()
    inv = await inventory.lock_inventory(conn, event.id)
    assert inv is not None
    entry = await db.scalar(
        select(WaitingListEntry)
        .where(WaitingListEntry.id == entry_id, WaitingListEntry.event_id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if entry is None:
        raise NotFound("No such waiting-list entry.")
    was_offered = entry.status == "offered"
    WaitingListLifecycle(entry).send("remove")  # 409 once it is converted, expired or removed
    released = False
    if was_offered and entry.order_id is not None:
        released = (await expiry.cancel_holds(conn, inv, [entry.order_id])).total > 0
    await db.flush()
    return entry, released
