"""The order page's tax part: the order's invoices and credit notes to download, and the form
for the details the invoice is made out to (docs/tax.md). The form posts to billing_pages.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.invoices.services import billing_of, documents_of_order
from voelgoed.domain.orders.models import Order
from voelgoed.lib.i18n import N_
from voelgoed.web.checkout.security import Visit

BILLING_FIELDS = ("name", "company", "address", "vat_number")
# The documents' titles (domain/invoices/issuing.py writes them in English); the order page shows
# them in the buyer's language.
DOCUMENT_TITLES = (N_("Tax Invoice"), N_("Invoice"), N_("Credit Note"))
# Reserved: the invoice issued at payment will use them. Paid: a change replaces the invoice.
BILLING_EDITABLE = ("reserved", "paid")


def billing_purpose(reference: str) -> str:
    return f"billing:{reference}"


async def tax_section(
    db: AsyncSession,
    visit: Visit,
    order: Order,
    token: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    saved: str | None = None,
) -> dict[str, Any]:
    docs, replaced = await documents_of_order(db, order.id)
    link_token = quote(token, safe="")
    documents = [
        {
            "title": d.snapshot.get("title", "Document"),
            "number": d.document_number,
            "issued_on": d.snapshot.get("issued_on", ""),
            "replaced": d.id in replaced,
            "url": f"/orders/{order.reference}/tax-documents/{d.id}?token={link_token}",
        }
        for d in docs
    ]
    if values is None:
        billing = await billing_of(db, order.id)
        values = {f: (getattr(billing, f) or "") if billing else "" for f in BILLING_FIELDS}
    return {
        "documents": documents,
        "show_form": order.status in BILLING_EDITABLE,
        "vat": order.vat_rate_bp > 0,  # a seller who is not a VAT vendor: no VAT words, no VAT number
        "values": values,
        "errors": errors or {},
        "error": error,
        "saved": saved,
        "csrf": visit.form_token(billing_purpose(order.reference)),
        "action": f"/orders/{order.reference}/billing?token={link_token}",
    }
