"""The registry of personal data holders: every area that keeps something about a buyer says here,
in one entry, how to export it and how to erase it (docs/privacy.md).

An entry is a `PersonalDataHolder`: a key (its section in the export file), an `export` returning
plain JSON-able dicts, and either an `erase` or `kept_because` (why the law makes us keep it as
is). Holders keyed by the e-mail address itself (orders; a waiting list) also give `organizations`,
which organisations hold anything for an address (the checkout site's request form asks it across
all organisations). Holders of attendee details give `remove_attendee_details`, which the
retention job calls for an event long over.

Every function gets the `DataSubject` resolved once before any holder runs: the organisation, the
folded e-mail, the ids of that address's orders and their tickets, and the personal values
(names, phones) found on them. Erasing in any order is therefore safe: no holder finds its rows
through a field another holder has already erased. Functions run in the caller's transaction;
the request's session is already scoped to the organisation, and every statement here also says
`organization_id` itself, so a job's unscoped session is just as safe.

The shared shapes (`DataSubject`, `PersonalDataHolder`, `ERASED`, `scrub`) live in
personal_data_types.py and are re-exported here. Holders of the order's own records are below;
question answers and names per ticket are in personal_data_attendee_holders.py, the waiting list
in personal_data_waiting_list_holder.py (each imports only personal_data_types.py).

Adding a holder: write its functions (here, or in a module of its own importing
personal_data_types.py) and add its `PersonalDataHolder(...)` to HOLDERS. Nothing else changes.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.audit.models import AuditEntry
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.check_in.models import CheckinScan
from voelgoed.domain.events.models import Event
from voelgoed.domain.invoices.models import BillingDetails, TaxDocument
from voelgoed.domain.orders.models import Order
from voelgoed.domain.payments.models import PaymentNotification, PaymentTransaction
from voelgoed.domain.refunds.models import Refund
from voelgoed.domain.tickets.models import OrderDocument, Ticket
from voelgoed.domain.tickets.payload import ticket_code
from voelgoed.domain.venues.models import Gate
from voelgoed.workflows.personal_data_attendee_holders import (
    ATTENDEE_NAMES,
    QUESTION_ANSWERS,
    attendee_names_of_orders,
)
from voelgoed.workflows.personal_data_types import (  # re-exported: the registry's import site
    ERASED,
    DataSubject,
    PersonalDataHolder,
    Rows,
    rows_changed,
    scrub,
)
from voelgoed.workflows.personal_data_waiting_list_holder import WAITING_LIST, waiting_list_names
from voelgoed.workflows.personal_data_webhook_holder import WEBHOOK_EVENTS

__all__ = ["ERASED", "HOLDERS", "DataSubject", "PersonalDataHolder", "Rows", "resolve_subject", "scrub"]

# --- orders: the buyer's name, e-mail and phone; amounts kept for accounting ---


async def _order_organizations(db: AsyncSession, email: str) -> set[uuid.UUID]:
    rows = await db.scalars(
        select(Order.organization_id).where(Order.buyer_email == email).distinct().execution_options(**UNSCOPED)
    )
    return set(rows)


async def _export_orders(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.order_ids:
        return []
    orders = await db.scalars(
        select(Order).where(Order.organization_id == s.organization_id, Order.id.in_(s.order_ids))
        .order_by(Order.created_at)
    )  # fmt: skip
    out: Rows = []
    for o in orders:
        event = await db.scalar(select(Event).where(Event.id == o.event_id))
        types = {t.id: t.name for t in await db.scalars(select(TicketType).where(TicketType.event_id == o.event_id))}
        out.append(
            {
                "reference": o.reference,
                "event": event.name if event else None,
                "event_starts_at": event.starts_at if event else None,
                "status": o.status,
                "buyer_name": o.buyer_name,
                "buyer_email": o.buyer_email,
                "buyer_phone": o.buyer_phone,
                "subtotal_cents": o.subtotal_cents,
                "discount_cents": o.discount_cents,
                "total_cents": o.total_cents,
                "vat_cents": o.vat_cents,
                "refunded_cents": o.refunded_cents,
                "lines": [
                    {
                        "ticket_type": types.get(line.ticket_type_id),
                        "quantity": line.quantity,
                        "unit_price_cents": line.unit_price_cents,
                        "line_total_cents": line.line_total_cents,
                    }
                    for line in o.lines
                ],
                "created_at": o.created_at,
                "paid_at": o.paid_at,
            }
        )
    return out


async def _erase_orders(db: AsyncSession, s: DataSubject) -> int:
    if not s.order_ids:
        return 0
    return await rows_changed(
        db,
        update(Order)
        .where(Order.organization_id == s.organization_id, Order.id.in_(s.order_ids))
        .values(buyer_name=ERASED, buyer_email=None, buyer_phone=None),
    )


async def _remove_order_phones(db: AsyncSession, org: uuid.UUID, event_id: uuid.UUID) -> int:
    """The phone is asked for only to reach the buyer about this event (the privacy notice)."""
    return await rows_changed(
        db,
        update(Order)
        .where(Order.organization_id == org, Order.event_id == event_id, Order.buyer_phone.is_not(None))
        .values(buyer_phone=None),
    )


# --- tickets: the holder's name ---


async def _export_tickets(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.ticket_ids:
        return []
    rows = await db.execute(
        select(Ticket, TicketType.name, Order.reference)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(Ticket.organization_id == s.organization_id, Ticket.id.in_(s.ticket_ids))
        .order_by(Order.reference, Ticket.position)
    )
    return [
        {
            "code": ticket_code(t.serial),
            "order_reference": reference,
            "ticket_type": type_name,
            "holder_name": t.holder_name,
            "status": t.status,
        }
        for t, type_name, reference in rows
    ]


async def _erase_ticket_holders(db: AsyncSession, s: DataSubject) -> int:
    if not s.ticket_ids:
        return 0
    return await rows_changed(
        db,
        update(Ticket)
        .where(Ticket.organization_id == s.organization_id, Ticket.id.in_(s.ticket_ids))
        .values(holder_name=ERASED),
    )


async def _remove_ticket_holders(db: AsyncSession, org: uuid.UUID, event_id: uuid.UUID) -> int:
    return await rows_changed(
        db,
        update(Ticket)
        .where(Ticket.organization_id == org, Ticket.event_id == event_id, Ticket.holder_name.is_not(None))
        .values(holder_name=None),
    )


# --- rendered ticket PDFs: they print the names; rendered again on demand ---


async def _export_ticket_documents(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.order_ids:
        return []
    rows = await db.execute(
        select(Order.reference, OrderDocument.rendered_at)
        .join(Order, Order.id == OrderDocument.order_id)
        .where(OrderDocument.organization_id == s.organization_id, OrderDocument.order_id.in_(s.order_ids))
    )
    return [
        {"order_reference": ref, "rendered_at": at, "content": "the tickets listed above, as a PDF"} for ref, at in rows
    ]


async def _erase_ticket_documents(db: AsyncSession, s: DataSubject) -> int:
    if not s.order_ids:
        return 0
    return await rows_changed(
        db,
        delete(OrderDocument).where(
            OrderDocument.organization_id == s.organization_id, OrderDocument.order_id.in_(s.order_ids)
        ),
    )


async def _remove_event_ticket_documents(db: AsyncSession, org: uuid.UUID, event_id: uuid.UUID) -> int:
    of_event = select(Order.id).where(Order.organization_id == org, Order.event_id == event_id)
    return await rows_changed(
        db, delete(OrderDocument).where(OrderDocument.organization_id == org, OrderDocument.order_id.in_(of_event))
    )


# --- billing details: who the buyer wanted on the invoice ---


async def _export_billing(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.order_ids:
        return []
    rows = await db.execute(
        select(BillingDetails, Order.reference)
        .join(Order, Order.id == BillingDetails.order_id)
        .where(BillingDetails.organization_id == s.organization_id, BillingDetails.order_id.in_(s.order_ids))
    )
    return [
        {"order_reference": ref, "name": b.name, "company": b.company, "address": b.address, "vat_number": b.vat_number}
        for b, ref in rows
    ]


async def _erase_billing(db: AsyncSession, s: DataSubject) -> int:
    if not s.order_ids:
        return 0
    return await rows_changed(
        db,
        update(BillingDetails)
        .where(BillingDetails.organization_id == s.organization_id, BillingDetails.order_id.in_(s.order_ids))
        .values(name=ERASED, company=None, address=None, vat_number=None),
    )


# --- tax documents: kept exactly as issued ---


async def _export_tax_documents(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.order_ids:
        return []
    docs = await db.scalars(
        select(TaxDocument)
        .where(TaxDocument.organization_id == s.organization_id, TaxDocument.order_id.in_(s.order_ids))
        .order_by(TaxDocument.issued_at)
    )
    return [
        {
            "document_number": d.document_number,
            "kind": d.kind,
            "issued_at": d.issued_at,
            "total_cents": d.total_cents,
            "vat_cents": d.vat_cents,
            "recipient": (d.snapshot or {}).get("recipient"),
        }
        for d in docs
    ]


# --- refunds: amounts kept; the organiser's free-text reason may name the buyer ---


async def _export_refunds(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.order_ids:
        return []
    rows = await db.execute(
        select(Refund, Order.reference)
        .join(Order, Order.id == Refund.order_id)
        .where(Refund.organization_id == s.organization_id, Refund.order_id.in_(s.order_ids))
        .order_by(Refund.created_at)
    )
    return [
        {
            "order_reference": ref,
            "amount_cents": r.amount_cents,
            "status": r.status,
            "reason": r.reason,
            "requested_at": r.created_at,
            "completed_at": r.completed_at,
        }
        for r, ref in rows
    ]


async def _erase_refund_reasons(db: AsyncSession, s: DataSubject) -> int:
    if not s.order_ids:
        return 0
    return await rows_changed(
        db,
        update(Refund)
        .where(Refund.organization_id == s.organization_id, Refund.order_id.in_(s.order_ids))
        .values(reason=ERASED),
    )


# --- payments: the transactions, and what the provider sent us about them ---


async def _export_payments(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.order_ids:
        return []
    txs = list(
        await db.scalars(
            select(PaymentTransaction)
            .where(
                PaymentTransaction.organization_id == s.organization_id, PaymentTransaction.order_id.in_(s.order_ids)
            )
            .order_by(PaymentTransaction.created_at)
        )
    )
    out: Rows = []
    for tx in txs:
        notes = await db.scalars(
            select(PaymentNotification).where(PaymentNotification.transaction_id == tx.id)
            .order_by(PaymentNotification.created_at)
        )  # fmt: skip
        out.append(
            {
                "provider": tx.provider,
                "status": tx.status,
                "amount_cents": tx.amount_cents,
                "provider_reference": tx.provider_reference,
                "started_at": tx.created_at,
                "completed_at": tx.completed_at,
                "provider_notifications": [{"received_at": n.created_at, "payload": n.payload} for n in notes],
            }
        )
    return out


async def _erase_payment_notifications(db: AsyncSession, s: DataSubject) -> int:
    """Providers' notifications may carry the payer's name and address (PayFast's ITN does): the
    payloads are scrubbed of them; the transactions themselves hold nothing personal."""
    if not s.order_ids:
        return 0
    of_orders = select(PaymentTransaction.id).where(
        PaymentTransaction.organization_id == s.organization_id, PaymentTransaction.order_id.in_(s.order_ids)
    )
    changed = 0
    for note in await db.scalars(select(PaymentNotification).where(PaymentNotification.transaction_id.in_(of_orders))):
        cleaned = scrub(note.payload, s.personal_values)
        if cleaned != note.payload:
            note.payload = cleaned
            changed += 1
    return changed


# --- check-ins: when and where each ticket was scanned ---


async def _export_check_ins(db: AsyncSession, s: DataSubject) -> Rows:
    if not s.ticket_ids:
        return []
    rows = await db.execute(
        select(CheckinScan, Ticket.serial, Gate.name)
        .join(Ticket, Ticket.id == CheckinScan.ticket_id)
        .outerjoin(Gate, Gate.id == CheckinScan.gate_id)
        .where(CheckinScan.organization_id == s.organization_id, CheckinScan.ticket_id.in_(s.ticket_ids))
        .order_by(CheckinScan.effective_time)
    )
    return [
        {
            "ticket_code": ticket_code(serial),
            "time": scan.effective_time,
            "gate": gate,
            "direction": scan.direction,
            "result": scan.result,
            "reason": scan.reason,
        }
        for scan, serial, gate in rows
    ]


# --- the audit log's entries about the buyer's orders and tickets ---


async def _audit_entries(db: AsyncSession, s: DataSubject) -> list[AuditEntry]:
    ids = [*s.order_ids, *s.ticket_ids]
    if not ids:
        return []
    return list(
        await db.scalars(
            select(AuditEntry)
            .where(AuditEntry.organization_id == s.organization_id, AuditEntry.entity_id.in_(ids))
            .order_by(AuditEntry.created_at)
        )
    )


async def _export_audit(db: AsyncSession, s: DataSubject) -> Rows:
    return [
        {"at": a.created_at, "action": a.action, "about": a.entity_type, "changes": a.changes}
        for a in await _audit_entries(db, s)
    ]


async def _erase_audit(db: AsyncSession, s: DataSubject) -> int:
    """The entries stay (who did what, when); personal values in their changes are tombstoned."""
    changed = 0
    for entry in await _audit_entries(db, s):
        cleaned = scrub(entry.changes, s.personal_values)
        if cleaned != entry.changes:
            entry.changes = cleaned
            changed += 1
    return changed


TAX_RECORDS = (
    "Tax invoices and credit notes are kept exactly as issued: the VAT Act (section 55) and the Tax "
    "Administration Act (section 29) require a vendor to keep them for five years, and POPIA section "
    "14(1)(a) allows keeping records a law requires."
)
SCAN_RECORDS = (
    "Scans hold no name or contact detail of their own (ticket ids, times, gates); they are the "
    "event's admission record and stay, as the tickets they refer to do."
)

ORDER_HOLDERS: list[PersonalDataHolder] = [
    PersonalDataHolder(
        key="orders",
        description="Orders placed with this e-mail address: buyer details, amounts and lines.",
        export=_export_orders,
        erase=_erase_orders,
        remove_attendee_details=_remove_order_phones,
        organizations=_order_organizations,
    ),
    PersonalDataHolder(
        key="tickets",
        description="Tickets of those orders and the names printed on them.",
        export=_export_tickets,
        erase=_erase_ticket_holders,
        remove_attendee_details=_remove_ticket_holders,
    ),
    PersonalDataHolder(
        key="ticket_documents",
        description="Rendered ticket PDFs (they print the names); rendered again when downloaded.",
        export=_export_ticket_documents,
        erase=_erase_ticket_documents,
        remove_attendee_details=_remove_event_ticket_documents,
    ),
    PersonalDataHolder(
        key="billing_details",
        description="Who the buyer asked to be named on tax invoices.",
        export=_export_billing,
        erase=_erase_billing,
    ),
    PersonalDataHolder(
        key="tax_documents",
        description="Tax invoices and credit notes issued for those orders, with the recipient as printed.",
        export=_export_tax_documents,
        kept_because=TAX_RECORDS,
    ),
    PersonalDataHolder(
        key="refunds",
        description="Refunds of those orders: amounts, status and the organiser's reason.",
        export=_export_refunds,
        erase=_erase_refund_reasons,
    ),
    PersonalDataHolder(
        key="payments",
        description="Payment attempts for those orders and the payment provider's notifications.",
        export=_export_payments,
        erase=_erase_payment_notifications,
    ),
    PersonalDataHolder(
        key="check_ins",
        description="Scans of those tickets at the gates: times, gates, directions and results.",
        export=_export_check_ins,
        kept_because=SCAN_RECORDS,
    ),
    PersonalDataHolder(
        key="audit_entries",
        description="The organisation's audit log entries about those orders and tickets.",
        export=_export_audit,
        erase=_erase_audit,
    ),
]

# Every holder, in the order erasure runs them. The waiting list goes first: withdrawing an open
# offer takes the event's inventory lock, which comes before order rows in the lock order
# (catalog/inventory.py), and `orders` below updates order rows.
# Webhook events go last: they are scrubbed of the personal values resolved before anything ran.
HOLDERS: list[PersonalDataHolder] = [WAITING_LIST, *ORDER_HOLDERS, QUESTION_ANSWERS, ATTENDEE_NAMES, WEBHOOK_EVENTS]


async def resolve_subject(db: AsyncSession, organization_id: uuid.UUID, email: str) -> DataSubject:
    """What the holders work from (see the module's docstring)."""
    orders = list(
        await db.execute(
            select(Order.id, Order.buyer_name, Order.buyer_phone).where(
                Order.organization_id == organization_id, Order.buyer_email == email
            )
        )
    )
    order_ids = tuple(o.id for o in orders)
    tickets = (
        list(
            await db.execute(
                select(Ticket.id, Ticket.holder_name).where(
                    Ticket.organization_id == organization_id, Ticket.order_id.in_(order_ids)
                )
            )
        )
        if order_ids
        else []
    )
    values = {email, *(o.buyer_name for o in orders), *(o.buyer_phone for o in orders)}
    values |= {t.holder_name for t in tickets}
    values |= await attendee_names_of_orders(db, organization_id, order_ids)
    values |= await waiting_list_names(db, organization_id, email)
    values |= {p for p in (await _phone_digits(db, organization_id, order_ids))}
    return DataSubject(
        organization_id=organization_id,
        email=email,
        order_ids=order_ids,
        ticket_ids=tuple(t.id for t in tickets),
        personal_values=frozenset(v for v in values if v and v != ERASED),
    )


async def _phone_digits(db: AsyncSession, organization_id: uuid.UUID, order_ids: tuple[uuid.UUID, ...]) -> set[str]:
    """Phones as bare digits too: a provider may send "0821234567" for "082 123 4567"."""
    if not order_ids:
        return set()
    phones = await db.scalars(
        select(func.regexp_replace(Order.buyer_phone, "[^0-9+]", "", "g")).where(
            Order.organization_id == organization_id, Order.id.in_(order_ids), Order.buyer_phone.is_not(None)
        )
    )
    return {p for p in phones if p}
