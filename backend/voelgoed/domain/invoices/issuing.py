"""Issuing tax documents: an invoice when an order is paid, a credit note when a refund succeeds,
and a credit note plus a replacement invoice when the buyer changes the billing details of an
invoiced order. docs/tax.md has the rules and what was checked against SARS's guide.

Everything runs in the caller's transaction. Numbers come from `queries.next_number` (a counter
row locked until commit: gap-free per organisation and kind, in the order transactions commit).
Each document stores a frozen snapshot of what it prints; nothing here ever updates a document.

The interface `issue_credit_note(...)` is fixed for issue #11 (workflows/refunds.py calls it).
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog.models import vat_of
from voelgoed.domain.events.models import Event
from voelgoed.domain.invoices.models import BillingDetails, DocumentKind, TaxDocument
from voelgoed.domain.invoices.queries import next_number
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.pricing import type_infos
from voelgoed.domain.organizations.models import Organization
from voelgoed.lib.problems import Conflict

# VAT Act 89 of 1991, s20(4)-(6) as SARS's VAT 404 guide explains them (docs/tax.md): above R5,000
# (VAT-inclusive) a full tax invoice; R5,000 or less an abridged one; R50 or less none is required
# (a till-slip-like document suffices; we issue the abridged form anyway, for the buyer's records).
FULL_INVOICE_ABOVE_CENTS = 500_000
INVOICE_REQUIRED_ABOVE_CENTS = 5_000


class Tier(enum.StrEnum):
    FULL = "full"  # full tax invoice
    ABRIDGED = "abridged"  # abridged tax invoice
    NOT_REQUIRED = "not_required"  # R50 or less: abridged form, not required by law
    NO_VAT = "no_vat"  # the seller is not a VAT vendor: an "Invoice", no VAT


def tier_of(total_cents: int, vat_rate_bp: int) -> Tier:
    if vat_rate_bp <= 0:
        return Tier.NO_VAT
    if total_cents > FULL_INVOICE_ABOVE_CENTS:
        return Tier.FULL
    if total_cents > INVOICE_REQUIRED_ABOVE_CENTS:
        return Tier.ABRIDGED
    return Tier.NOT_REQUIRED


_TIER_NOTES = {
    Tier.FULL: "Full tax invoice (VAT Act s20(4)): the total including VAT is above R5,000.",
    Tier.ABRIDGED: "Abridged tax invoice (VAT Act s20(5)): the total including VAT is R5,000 or less.",
    Tier.NOT_REQUIRED: (
        "Abridged tax invoice: the total including VAT is R50 or less, for which a tax invoice is not"
        " required (VAT Act s20(6)); issued for your records."
    ),
    Tier.NO_VAT: "The supplier is not registered for VAT: no VAT is charged.",
}


def _document_number(prefix: str, kind: str, number: int) -> str:
    return f"{prefix}-{number:06d}" if kind == DocumentKind.INVOICE else f"{prefix}-CN-{number:06d}"


def _local_date(moment: datetime, tz: str) -> str:
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("Africa/Johannesburg")
    return moment.astimezone(zone).strftime("%-d %B %Y")


def supplier_snapshot(org: Organization) -> dict[str, Any]:
    """The supplier as printed: legal name (the organisation's name until one is entered), trading
    name, addresses and, for a VAT vendor, the VAT number."""
    address = org.physical_address or org.postal_address
    return {
        "name": org.legal_name or org.name,
        "trading_name": org.trading_name if org.trading_name and org.trading_name != org.legal_name else None,
        "address": address,
        "postal_address": org.postal_address if org.postal_address and org.postal_address != address else None,
        "vat_number": org.vat_number if org.vat_registered else None,
    }


def recipient_snapshot(order: Order, billing: BillingDetails | None) -> dict[str, Any]:
    if billing is not None:
        return {
            "name": billing.name,
            "company": billing.company,
            "address": billing.address,
            "vat_number": billing.vat_number,
            "email": order.buyer_email,
        }
    return {"name": order.buyer_name, "company": None, "address": None, "vat_number": None, "email": order.buyer_email}


def _allocate_vat(amounts: list[int], total_vat: int, rate_bp: int) -> list[int]:
    """Each line's share of the order's VAT: the VAT of its amount, the rounding difference put on
    the largest line, so the lines add up to exactly the VAT on the order."""
    shares = [vat_of(a, rate_bp) for a in amounts]
    if shares:
        biggest = max(range(len(amounts)), key=lambda i: amounts[i])
        shares[biggest] += total_vat - sum(shares)
    return shares


async def _lines(db: AsyncSession, order: Order, event_name: str) -> list[dict[str, Any]]:
    infos = await type_infos(db, (ln.ticket_type_id for ln in order.lines))
    ordered = sorted(
        order.lines,
        key=lambda ln: (
            (infos[ln.ticket_type_id].sort_order, infos[ln.ticket_type_id].name)
            if ln.ticket_type_id in infos
            else (1 << 30, "")
        ),
    )
    totals = [ln.line_total_cents for ln in ordered]
    vats = _allocate_vat(totals, order.vat_cents, order.vat_rate_bp)
    return [
        {
            "description": f"{event_name}: {infos[ln.ticket_type_id].name if ln.ticket_type_id in infos else 'Ticket'}",
            "quantity": ln.quantity,
            "unit_price_cents": ln.unit_price_cents,
            "discount_cents": ln.discount_cents,
            "total_cents": total,
            "vat_cents": vat,
            "excl_vat_cents": total - vat,
        }
        for ln, total, vat in zip(ordered, totals, vats, strict=True)
    ]


async def _organization(db: AsyncSession, organization_id: uuid.UUID) -> Organization:
    org = await db.get(Organization, organization_id)
    assert org is not None  # the order references it
    return org


async def current_invoice(db: AsyncSession, order_id: uuid.UUID) -> TaxDocument | None:
    """The order's invoice in force: the newest one no credit note has replaced."""
    replacing = aliased(TaxDocument)
    stmt = (
        select(TaxDocument)
        .where(
            TaxDocument.order_id == order_id,
            TaxDocument.kind == DocumentKind.INVOICE,
            ~select(replacing.id)
            .where(
                replacing.invoice_id == TaxDocument.id,
                replacing.kind == DocumentKind.CREDIT_NOTE,
                replacing.refund_id.is_(None),
            )
            .exists(),
        )
        .order_by(TaxDocument.number.desc())
        .limit(1)
        .execution_options(**UNSCOPED)  # keyed by the order the caller found (payment path, buyer)
    )
    return await db.scalar(stmt)


async def _new_document(
    db: AsyncSession,
    org: Organization,
    *,
    kind: DocumentKind,
    order: Order,
    snapshot: dict[str, Any],
    total_cents: int,
    vat_cents: int,
    refund_id: uuid.UUID | None = None,
    invoice_id: uuid.UUID | None = None,
) -> TaxDocument:
    now = datetime.now(UTC)
    number = await next_number(db, org.id, kind.value)
    document_number = _document_number(org.invoice_prefix, kind, number)
    snapshot = {
        **snapshot,
        "document_number": document_number,
        "issued_on": _local_date(now, org.time_zone),
        "issued_at": now.isoformat(),
        "order_reference": order.reference,
    }
    doc = TaxDocument(
        organization_id=org.id,
        order_id=order.id,
        refund_id=refund_id,
        invoice_id=invoice_id,
        kind=kind.value,
        number=number,
        document_number=document_number,
        issued_at=now,
        total_cents=total_cents,
        vat_cents=vat_cents,
        snapshot=snapshot,
    )
    db.add(doc)
    await db.flush()
    return doc


async def issue_invoice(db: AsyncSession, order: Order) -> TaxDocument:
    """The invoice of a paid order (idempotent: the invoice in force if there is one). A VAT
    vendor's is a "Tax Invoice" of the tier its total falls in; otherwise an "Invoice" without VAT.
    The VAT rule is the order's own (fixed at reservation), not the organisation's today."""
    existing = await current_invoice(db, order.id)
    if existing is not None:
        return existing
    org = await _organization(db, order.organization_id)
    event_name = await db.scalar(select(Event.name).where(Event.id == order.event_id).execution_options(**UNSCOPED))
    billing = await db.scalar(
        select(BillingDetails).where(BillingDetails.order_id == order.id).execution_options(**UNSCOPED)
    )
    rate = order.vat_rate_bp
    tier = tier_of(order.total_cents, rate)
    vat = order.vat_cents if rate > 0 else 0
    snapshot: dict[str, Any] = {
        "kind": DocumentKind.INVOICE.value,
        "title": "Tax Invoice" if rate > 0 else "Invoice",
        "tier": tier.value,
        "tier_note": _TIER_NOTES[tier],
        "vat_rate_bp": rate,
        "supplier": supplier_snapshot(org),
        "recipient": recipient_snapshot(order, billing),
        "lines": await _lines(db, order, event_name or "Tickets"),
        "subtotal_cents": order.subtotal_cents,
        "discount_cents": order.discount_cents,
        "total_cents": order.total_cents,
        "vat_cents": vat,
        "excl_vat_cents": order.total_cents - vat,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
    }
    return await _new_document(
        db,
        org,
        kind=DocumentKind.INVOICE,
        order=order,
        snapshot=snapshot,
        total_cents=order.total_cents,
        vat_cents=vat,
    )


async def _credit_note(
    db: AsyncSession,
    order: Order,
    invoice: TaxDocument,
    *,
    amount_cents: int,
    vat_cents: int,
    reason: str,
    refund_id: uuid.UUID | None,
) -> TaxDocument:
    org = await _organization(db, order.organization_id)
    rate = int(invoice.snapshot.get("vat_rate_bp", 0))
    vat = vat_cents if rate > 0 else 0
    snapshot = {
        "kind": DocumentKind.CREDIT_NOTE.value,
        "title": "Credit Note",
        "tier": invoice.snapshot.get("tier"),
        "tier_note": None,
        "vat_rate_bp": rate,
        "supplier": supplier_snapshot(org),
        "recipient": invoice.snapshot.get("recipient"),
        "invoice_number": invoice.document_number,
        "invoice_issued_on": invoice.snapshot.get("issued_on"),
        "reason": reason,
        "lines": [
            {
                "description": f"{reason} (invoice {invoice.document_number})",
                "quantity": 1,
                "unit_price_cents": amount_cents,
                "discount_cents": 0,
                "total_cents": amount_cents,
                "vat_cents": vat,
                "excl_vat_cents": amount_cents - vat,
            }
        ],
        "subtotal_cents": amount_cents,
        "discount_cents": 0,
        "total_cents": amount_cents,
        "vat_cents": vat,
        "excl_vat_cents": amount_cents - vat,
    }
    return await _new_document(
        db,
        org,
        kind=DocumentKind.CREDIT_NOTE,
        order=order,
        snapshot=snapshot,
        total_cents=amount_cents,
        vat_cents=vat,
        refund_id=refund_id,
        invoice_id=invoice.id,
    )


async def credited_cents(db: AsyncSession, invoice_id: uuid.UUID) -> int:
    rows = await db.scalars(
        select(TaxDocument.total_cents)
        .where(TaxDocument.invoice_id == invoice_id, TaxDocument.kind == DocumentKind.CREDIT_NOTE)
        .execution_options(**UNSCOPED)
    )
    return sum(rows)


async def reissue_invoice(db: AsyncSession, order: Order) -> TaxDocument | None:
    """After the buyer changed the billing details of an invoiced order: a credit note cancelling
    the invoice in force, and a new invoice with the new details (an issued document is never
    rewritten). None when there is nothing to replace (not invoiced yet: the invoice at payment
    uses the new details) or the recipient printed is already the same."""
    invoice = await current_invoice(db, order.id)
    if invoice is None:
        return None
    billing = await db.scalar(
        select(BillingDetails).where(BillingDetails.order_id == order.id).execution_options(**UNSCOPED)
    )
    if invoice.snapshot.get("recipient") == recipient_snapshot(order, billing):
        return None
    if await credited_cents(db, invoice.id) > 0:
        # Part of it was refunded: a replacement would have to restate every credit note. Rare
        # enough to leave to the organiser (docs/tax.md).
        raise Conflict("This order's invoice already has a refund credited; ask the organiser to change the details.")
    await _credit_note(
        db,
        order,
        invoice,
        amount_cents=invoice.total_cents,
        vat_cents=invoice.vat_cents,
        reason="Cancelled and replaced: the recipient's details changed",
        refund_id=None,
    )
    return await issue_invoice(db, order)


async def issue_credit_note(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    order_id: uuid.UUID,
    refund_id: uuid.UUID,
    amount_cents: int,
    vat_cents: int,
    reason: str,
) -> uuid.UUID | None:
    """The credit note for one succeeded refund (in the caller's transaction), referencing the
    order's invoice. Returns its id; None where the organisation issues no tax documents.

    Idempotent per refund (a retried completion gets the same credit note). An order paid before
    invoices existed gets its invoice first, so the credit note always has one to reference. A
    seller who was not a VAT vendor on the order credits no VAT, whatever `vat_cents` says."""
    done = await db.scalar(
        select(TaxDocument.id).where(TaxDocument.refund_id == refund_id).execution_options(**UNSCOPED)
    )
    if done is not None:
        return done
    # The order's row before the counter's, as the payment path takes them (inventory, order,
    # counter): the document's foreign key needs a share lock on the order anyway, and taking it
    # after the counter could deadlock with a payment of the same order waiting for the counter.
    order = await db.scalar(
        select(Order)
        .where(Order.id == order_id, Order.organization_id == organization_id)
        .with_for_update()
        .execution_options(**UNSCOPED)
    )
    if order is None or order.paid_at is None:
        return None  # never paid: no invoice, nothing to credit
    invoice = await issue_invoice(db, order)
    note = await _credit_note(
        db,
        order,
        invoice,
        amount_cents=amount_cents,
        vat_cents=vat_cents,
        reason=reason.strip() or "Refund",
        refund_id=refund_id,
    )
    return note.id
