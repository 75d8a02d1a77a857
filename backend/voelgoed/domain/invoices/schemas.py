"""Request and response bodies of tax documents and billing details."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.invoices.models import DocumentKind

if TYPE_CHECKING:
    from voelgoed.domain.invoices.models import BillingDetails, TaxDocument

BillingName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
BillingCompany = Annotated[str, msgspec.Meta(max_length=200)]
BillingAddress = Annotated[str, msgspec.Meta(max_length=1000)]
VatNumberText = Annotated[str, msgspec.Meta(max_length=20)]  # checked by lib/vat_numbers.py


class BillingDetailsWrite(msgspec.Struct, forbid_unknown_fields=True):
    """Who the invoice is made out to. A full tax invoice (above R5,000) names the recipient with
    an address, and the recipient's VAT number when the recipient is a VAT vendor."""

    name: BillingName
    company: BillingCompany | None = None
    address: BillingAddress | None = None
    vat_number: VatNumberText | None = None


class BillingDetailsRead(msgspec.Struct):
    name: str
    company: str | None
    address: str | None
    vat_number: str | None


class BillingDetailsSaved(msgspec.Struct):
    billing: BillingDetailsRead
    # True when the order was invoiced already and the recipient changed: a credit note cancelled
    # that invoice and a new invoice with these details was issued.
    reissued: bool


class TaxDocumentRead(msgspec.Struct):
    id: uuid.UUID
    order_id: uuid.UUID
    kind: DocumentKind
    title: str  # as printed: "Tax Invoice", "Invoice" or "Credit Note"
    document_number: str
    tier: str | None  # full | abridged | not_required | no_vat (docs/tax.md)
    issued_at: datetime
    total_cents: int
    vat_cents: int
    refund_id: uuid.UUID | None
    invoice_id: uuid.UUID | None  # a credit note's invoice
    replaced: bool  # an invoice cancelled by a credit note and replaced by a newer one


# --- mappers ---


def billing_read(b: BillingDetails) -> BillingDetailsRead:
    return BillingDetailsRead(name=b.name, company=b.company, address=b.address, vat_number=b.vat_number)


def tax_document_read(d: TaxDocument, replaced: set[uuid.UUID]) -> TaxDocumentRead:
    return TaxDocumentRead(
        id=d.id,
        order_id=d.order_id,
        kind=DocumentKind(d.kind),
        title=str(d.snapshot.get("title", "")),
        document_number=d.document_number,
        tier=d.snapshot.get("tier"),
        issued_at=d.issued_at,
        total_cents=d.total_cents,
        vat_cents=d.vat_cents,
        refund_id=d.refund_id,
        invoice_id=d.invoice_id,
        replaced=d.id in replaced,
    )
