"""The organiser changes a ticket's holder name: the ticket, the name the order keeps for it
(domain/attendees), an audit entry, and the order's stored PDF dropped so the next download (the
buyer's link, a resend) is rendered with the new name. Scanners get the change through the
ticket's change feed (the `checkin_ticket_updated` trigger), as for any other ticket change."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.attendees.checkout_details import HOLDER_NAME_LENGTH
from voelgoed.domain.attendees.models import AttendeeName
from voelgoed.domain.attendees.services import clean_text
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.tickets.models import OrderDocument, Ticket
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable


async def rename_holder(
    db: AsyncSession, audit: AuditService, order_id: uuid.UUID, ticket_id: uuid.UUID, holder_name: str
) -> Ticket:
    """Flushes, never commits (the request's transaction does). 422 at `holder_name` for an empty
    or too long name, 404 for a ticket not of this order (or organisation), 409 for a voided one."""
    name = clean_text(holder_name)
    if not name:
        raise Unprocessable.field("holder_name", "Enter the name of the person using this ticket.")
    if len(name) > HOLDER_NAME_LENGTH:
        raise Unprocessable.field("holder_name", f"A name can be at most {HOLDER_NAME_LENGTH} characters.")
    ticket = await db.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id, Ticket.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if ticket is None:
        raise NotFound("No such ticket in this order.")
    if ticket.status != "valid":
        raise Conflict("This ticket is revoked; its holder cannot change.")
    before = ticket.holder_name
    if before == name:
        return ticket
    ticket.holder_name = name
    await db.execute(
        insert(AttendeeName)
        .values(
            id=uuid.uuid4(),
            organization_id=ticket.organization_id,
            order_id=order_id,
            order_line_id=ticket.order_line_id,
            position=ticket.position,
            holder_name=name,
        )
        .on_conflict_do_update(index_elements=["order_line_id", "position"], set_={"holder_name": name})
    )
    await db.execute(delete(OrderDocument).where(OrderDocument.order_id == order_id))
    await db.flush()
    audit.record(
        action="ticket.holder_renamed",
        entity_type="ticket",
        entity_id=ticket.id,
        changes={"holder_name": [before, name], "order_id": order_id},
    )
    return ticket
