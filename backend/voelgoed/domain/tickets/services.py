"""Ticket documents and look-ups: the order PDF (rendered once, stored, reused), the buyer's
download check, and the public signing key for scanners.

These run in public code paths and in the worker, where no tenant scope is set; the queries
that cross organisations say so with `UNSCOPED` (db/tenancy.py).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.pricing import order_summary
from voelgoed.domain.orders.services import normalise_reference, token_matches
from voelgoed.domain.organizations.branding import branding_for
from voelgoed.domain.tickets import payload
from voelgoed.domain.tickets.issuing import issue_for_order, listed_tickets
from voelgoed.domain.tickets.models import EventSigningKey, OrderDocument, Ticket
from voelgoed.domain.tickets.pdf import TicketPage, TicketsDocument, render_tickets_pdf
from voelgoed.domain.tickets.signing import get_or_create_signing_key, private_key, sign_ticket
from voelgoed.lib import i18n
from voelgoed.lib.media_store import MediaStore
from voelgoed.lib.problems import Conflict, NotFound
from voelgoed.lib.secrets import token_digest

# Compared against when the reference is unknown, so a miss takes as long as a wrong token.
_DUMMY_DIGEST = token_digest("no-such-order")
# Events whose keys scanners may fetch: a draft has sold nothing, a cancelled one admits no one.
KEY_VISIBLE_STATUSES = frozenset({"published", "closed"})


def format_local(when: datetime, tz: str, locale: str = "en") -> str:
    """The event's start for e-mails and the PDF, e.g. "Sat 12 Dec 2026, 19:00" ("Sa. 12 Des. 2026, 19:00" in af)."""
    return i18n.format_local(when, tz, "%a %-d %b %Y, %H:%M", locale)


async def load_event(db: AsyncSession, event_id: uuid.UUID) -> Event:
    event = await db.scalar(select(Event).where(Event.id == event_id).execution_options(**UNSCOPED))
    if event is None:
        raise NotFound("No such event.")
    return event


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def logo_data_uri(media: MediaStore | None, key: str | None) -> str | None:
    """The organiser's print logo as a data: URI (WeasyPrint fetches nothing), or None when there is
    none or the store cannot give it (a ticket without the logo beats no ticket)."""
    if media is None or key is None:
        return None
    try:
        data = await media.read(key)
    except Exception:
        return None
    if not data or not data.startswith(PNG_SIGNATURE):
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode()


async def build_document(db: AsyncSession, order: Order, media: MediaStore | None = None) -> TicketsDocument:
    """Everything the PDF shows, with each ticket's signed payload. Issues missing tickets.
    `media`: where the organiser's logo is read from (none: the PDF has no logo)."""
    await issue_for_order(db, order)
    tickets = await listed_tickets(db, order.id)  # the order every view lists them in
    event = await load_event(db, order.event_id)
    key = await get_or_create_signing_key(db, event_id=event.id, organization_id=event.organization_id)
    signer = private_key(key)
    brand = await branding_for(db, event.organization_id)
    venue = event.venue
    address = []
    if venue is not None:
        address = [
            venue.address_line1,
            venue.address_line2 or "",
            venue.city,
            venue.province or "",
            venue.postal_code or "",
        ]
        address = [part for part in address if part]
    return TicketsDocument(
        event_name=event.name,
        starts_local=format_local(event.starts_at, event.timezone, order.locale),
        timezone=event.timezone,
        venue_name=venue.name if venue else None,
        venue_address=address,
        order_reference=order.reference,
        tickets=[
            TicketPage(
                serial=t.ticket.serial,
                payload=sign_ticket(
                    key, t.ticket, signer, (label.section_key, label.row, label.seat) if label else None
                ),
                ticket_type=t.type_name,
                holder=t.ticket.holder_name,
                section=label.section if label else None,
                row=label.row if label else None,
                seat=label.seat if label else None,
            )
            for t in tickets
            for label in [t.seat]
        ],
        summary=await order_summary(db, order),
        locale=order.locale,
        organiser_name=brand.display_name,
        brand_colour=brand.colour,
        logo_data_uri=await logo_data_uri(media, brand.logo_png_key),
    )


async def stored_pdf(db: AsyncSession, order_id: uuid.UUID) -> bytes | None:
    stored = await db.scalar(
        select(OrderDocument.pdf).where(OrderDocument.order_id == order_id).execution_options(**UNSCOPED)
    )
    return bytes(stored) if stored is not None else None


async def store_pdf(db: AsyncSession, order: Order, pdf: bytes, doc: TicketsDocument) -> bytes:
    """Keep the rendered PDF; when two renders race, the first stored wins and is returned.

    Not kept when a holder was renamed while it rendered: the rename deletes the stored PDF at its
    commit, and a render that read the old names and stored after that would have put them back
    for good (test_questions caught it under load). The tickets are locked FOR SHARE while
    compared, so a rename waits for this commit and then deletes what was stored."""
    current = await db.execute(
        select(Ticket.serial, Ticket.holder_name)
        .where(Ticket.order_id == order.id)
        .with_for_update(read=True)
        .execution_options(**UNSCOPED)
    )
    if {serial: holder for serial, holder in current} != {t.serial: t.holder for t in doc.tickets}:
        return pdf  # this render is already out of date: the next download renders afresh
    await db.execute(
        insert(OrderDocument)
        .values(
            id=uuid.uuid4(),
            organization_id=order.organization_id,
            order_id=order.id,
            pdf=pdf,
            rendered_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["order_id"])
    )
    return await stored_pdf(db, order.id) or pdf


async def ensure_order_pdf(db: AsyncSession, order: Order, media: MediaStore | None = None) -> bytes:
    """The order's PDF: the stored one, or rendered now (in a thread) and stored."""
    stored = await stored_pdf(db, order.id)
    if stored is not None:
        return stored
    doc = await build_document(db, order, media)
    return await store_pdf(db, order, await asyncio.to_thread(render_tickets_pdf, doc), doc)


async def order_for_download(db: AsyncSession, reference: str, token: str) -> Order:
    """The order behind a buyer's link, or 404 whether the reference or the token is wrong."""
    order = await db.scalar(
        select(Order).where(Order.reference == normalise_reference(reference)).execution_options(**UNSCOPED)
    )
    if order is None:
        hmac.compare_digest(_DUMMY_DIGEST, token_digest(token))  # a miss takes as long as a wrong token
        raise NotFound("No such order, or the link is not valid.")
    if not token_matches(order, token):  # the buyer's token, or the e-mailed link's
        raise NotFound("No such order, or the link is not valid.")
    if order.status != "paid":
        raise Conflict(f"This order is {order.status.replace('_', ' ')}; it has no tickets to download.")
    return order


async def public_signing_key(db: AsyncSession, slug: str) -> tuple[Event, EventSigningKey]:
    event = await db.scalar(select(Event).where(Event.slug == slug).execution_options(**UNSCOPED))
    if event is None or event.status not in KEY_VISIBLE_STATUSES:
        raise NotFound("No such event.")
    key = await get_or_create_signing_key(db, event_id=event.id, organization_id=event.organization_id)
    return event, key


def order_ids_of_ticket_code(text: str) -> Select[Any] | None:
    """The order ids of the ticket whose code (any grouping) `text` is, as a subquery for the
    orders search; None when `text` is no ticket code."""
    try:
        serial = payload.serial_to_text(payload.serial_from_code(text.strip()))
    except payload.PayloadError:
        return None
    return select(Ticket.order_id).where(Ticket.serial == serial)
