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

    name: Annotated[BillingName, msgspec.Meta(description="The name on the invoice.", examples=["Thandi Nkosi"])]
    company: (
        Annotated[
            BillingCompany, msgspec.Meta(description="The company, if any.", examples=["Nkosi Konsultante (Edms) Bpk"])
        ]
        | None
    ) = None
    address: (
        Annotated[
            BillingAddress,
            msgspec.Meta(description="The postal or street address.", examples=["Posbus 123, Stellenbosch, 7599"]),
        ]
        | None
    ) = None
    vat_number: VatNumberText | None = None


class BillingDetailsRead(msgspec.Struct):
    """The buyer's details for the order's invoice."""

    name: Annotated[str, msgspec.Meta(description="The name on the invoice.", examples=["Thandi Nkosi"])]
    company: (
        Annotated[str, msgspec.Meta(description="The company, if any.", examples=["Nkosi Konsultante (Edms) Bpk"])]
        | None
    )
    address: (
        Annotated[
            str, msgspec.Meta(description="The postal or street address.", examples=["Posbus 123, Stellenbosch, 7599"])
        ]
        | None
    )
    vat_number: str | None


class BillingDetailsSaved(msgspec.Struct):
    """The saved billing details."""

    billing: Annotated[BillingDetailsRead, msgspec.Meta(description="The details as saved.")]
    # True when the order was invoiced already and the recipient changed: a credit note cancelled
    # that invoice and a new invoice with these details was issued.
    reissued: Annotated[
        bool,
        msgspec.Meta(
            description="The invoice in force was cancelled by a credit note and replaced by one with these details."
        ),
    ]


class TaxDocumentRead(msgspec.Struct):
    """An issued invoice or credit note (never changed once issued)."""

    id: uuid.UUID
    order_id: uuid.UUID
    kind: Annotated[DocumentKind, msgspec.Meta(description="`invoice` or `credit_note`.")]
    title: Annotated[
        str, msgspec.Meta(description="As printed: Tax Invoice, Invoice or Credit Note.", examples=["Tax Invoice"])
    ]  # as printed: "Tax Invoice", "Invoice" or "Credit Note"
    document_number: Annotated[
        str,
        msgspec.Meta(
            description="The sequential number with the organisation's prefix (credit notes: PREFIX-CN-number).",
            examples=["VG-000123"],
        ),
    ]
    tier: (
        Annotated[
            str,
            msgspec.Meta(
                description="`full`, `abridged`, `not_required` or `no_vat` (docs/tax.md).", examples=["full"]
            ),
        ]
        | None
    )  # full | abridged | not_required | no_vat (docs/tax.md)
    issued_at: datetime
    total_cents: Annotated[int, msgspec.Meta(description="The document's total, VAT included.")]
    vat_cents: Annotated[int, msgspec.Meta(description="The VAT on it.")]
    refund_id: Annotated[uuid.UUID, msgspec.Meta(description="A credit note's refund; null for an invoice.")] | None
    invoice_id: (
        Annotated[uuid.UUID, msgspec.Meta(description="A credit note's invoice; null for an invoice.")] | None
    )  # a credit note's invoice
    replaced: Annotated[
        bool, msgspec.Meta(description="An invoice cancelled by a credit note and replaced by a newer one.")
    ]  # an invoice cancelled by a credit note and replaced by a newer one


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
