"""Reading tax documents and keeping the buyer's billing details. Issuing is in issuing.py."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.invoices.issuing import reissue_invoice
from voelgoed.domain.invoices.models import BillingDetails, DocumentKind, TaxDocument
from voelgoed.domain.invoices.pdf import render_document_pdf
from voelgoed.domain.orders.models import Order
from voelgoed.lib.problems import NotFound, Unprocessable
from voelgoed.lib.vat_numbers import clean_vat_number

# Buyer paths (order token) and the payment path have no tenant scope: every statement here is
# keyed by an order the caller already found and authorised, hence UNSCOPED. The organiser's
# paths run in the organisation's scope, so another organisation's order or document is a 404.


async def documents_of_order(db: AsyncSession, order_id: uuid.UUID) -> tuple[list[TaxDocument], set[uuid.UUID]]:
    """The order's documents in issue order, and the ids of invoices a credit note replaced."""
    docs = list(
        await db.scalars(
            select(TaxDocument)
            .where(TaxDocument.order_id == order_id)
            .order_by(TaxDocument.issued_at, TaxDocument.kind, TaxDocument.number)
            .execution_options(**UNSCOPED)
        )
    )
    replaced = {
        d.invoice_id
        for d in docs
        if d.kind == DocumentKind.CREDIT_NOTE and d.refund_id is None and d.invoice_id is not None
    }
    return docs, replaced


async def document_of_order(db: AsyncSession, order_id: uuid.UUID, document_id: uuid.UUID) -> TaxDocument:
    doc = await db.scalar(
        select(TaxDocument)
        .where(TaxDocument.id == document_id, TaxDocument.order_id == order_id)
        .execution_options(**UNSCOPED)
    )
    if doc is None:
        raise NotFound("No such document for this order.")
    return doc


async def organization_document(db: AsyncSession, document_id: uuid.UUID) -> TaxDocument:
    """An organiser's document (tenant-scoped: another organisation's is a 404)."""
    doc = await db.scalar(select(TaxDocument).where(TaxDocument.id == document_id))
    if doc is None:
        raise NotFound("No such document.")
    return doc


async def document_pdf(doc: TaxDocument) -> bytes:
    return await asyncio.to_thread(render_document_pdf, dict(doc.snapshot))


def pdf_filename(doc: TaxDocument) -> str:
    return f"{doc.document_number}.pdf"


async def billing_of(db: AsyncSession, order_id: uuid.UUID) -> BillingDetails | None:
    return await db.scalar(
        select(BillingDetails).where(BillingDetails.order_id == order_id).execution_options(**UNSCOPED)
    )


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


async def save_billing_details(
    db: AsyncSession,
    order: Order,
    *,
    name: str,
    company: str | None,
    address: str | None,
    vat_number: str | None,
) -> tuple[BillingDetails, bool]:
    """Keep the buyer's billing details (name required; VAT number 10 digits starting with 4).
    An invoice issued after this uses them. If the order is invoiced already and the recipient
    changes, the invoice in force is cancelled by a credit note and a new one issued
    (issuing.reissue_invoice); returns whether that happened."""
    clean_name = " ".join(name.split())
    if not clean_name:
        raise Unprocessable.field("name", "Enter the name the invoice is made out to.")
    typed = _clean(vat_number)
    number = clean_vat_number(typed, field="vat_number") if typed else None
    # The order's row first (as payments take it, before the document counter): two saves of one
    # order queue here, so the second finds the first's row instead of inserting a duplicate.
    await db.execute(select(Order.id).where(Order.id == order.id).with_for_update().execution_options(**UNSCOPED))
    billing = await billing_of(db, order.id)
    if billing is None:
        billing = BillingDetails(organization_id=order.organization_id, order_id=order.id, name=clean_name)
        db.add(billing)
    billing.name, billing.company, billing.address = clean_name, _clean(company), _clean(address)
    billing.vat_number = number
    await db.flush()
    reissued = order.status == "paid" and await reissue_invoice(db, order) is not None
    return billing, reissued
