"""Tax documents: the organiser's list and downloads (money:read), and the buyer's, behind the
order's secret token, with the billing details the buyer enters. Thin: see services.py."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, put
from litestar.params import Parameter
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, Permission, access
from voelgoed.domain.invoices import services
from voelgoed.domain.invoices.models import TaxDocument
from voelgoed.domain.invoices.schemas import (
    BillingDetailsRead,
    BillingDetailsSaved,
    BillingDetailsWrite,
    TaxDocumentRead,
    billing_read,
    tax_document_read,
)
from voelgoed.domain.orders.models import Order
from voelgoed.lib import ratelimit
from voelgoed.lib.client_address import client_address
from voelgoed.lib.openapi_answers import ORDER_ACCESS_HEADER_HELP, ORDER_TOKEN_HEADER, PDF, pdf_answer
from voelgoed.lib.problems import NotFound
from voelgoed.workflows.checkout import order_for_buyer

BUYER_CALLS_PER_IP = 60  # per 10 minutes: as the ticket download; useless for guessing tokens


def _pdf(doc: TaxDocument, pdf: bytes) -> Response[bytes]:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{services.pdf_filename(doc)}"',
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _limit(request: Request[Any, Any, Any], redis: Redis) -> None:
    await ratelimit.hit(redis, f"tax-docs:{client_address(request)}", BUYER_CALLS_PER_IP, 600)


class OrganizationTaxDocumentController(Controller):
    path = "/api/organizations/{organization_id:uuid}"
    tags = ["tax documents"]

    @get(
        "/orders/{order_id:uuid}/tax-documents",
        operation_id="listOrderTaxDocuments",
        opt=access(Permission.MONEY_READ),
    )
    async def list_for_order(
        self, organization_id: uuid.UUID, order_id: uuid.UUID, db_session: AsyncSession
    ) -> list[TaxDocumentRead]:
        """List an order's invoices and credit notes

        An order's invoices and credit notes, in issue order (another organisation's order: 404)."""
        if await db_session.scalar(select(Order.id).where(Order.id == order_id)) is None:
            raise NotFound("No such order.")
        docs, replaced = await services.documents_of_order(db_session, order_id)
        return [tax_document_read(d, replaced) for d in docs]

    @get(
        "/tax-documents/{document_id:uuid}/pdf",
        operation_id="downloadTaxDocument",
        opt=access(Permission.MONEY_READ),
        media_type=PDF,
        responses=pdf_answer("The invoice or credit note as PDF, as an attachment"),
    )
    async def download(
        self, organization_id: uuid.UUID, document_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[bytes]:
        """Download an invoice or credit note (PDF)

        An invoice or credit note as PDF, printed from what was recorded when it was issued."""
        doc = await services.organization_document(db_session, document_id)
        return _pdf(doc, await services.document_pdf(doc))


class BuyerTaxDocumentController(Controller):
    tags = ["public"]

    @get(
        "/api/public/orders/{reference:str}/tax-documents",
        operation_id="listPublicOrderTaxDocuments",
        opt=access(Access.PUBLIC),
    )
    async def list_documents(
        self,
        reference: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        order_token: str = Parameter(header=ORDER_TOKEN_HEADER, description=ORDER_ACCESS_HEADER_HELP, min_length=1),
    ) -> list[TaxDocumentRead]:
        """List my invoices and credit notes

        The order's invoice and credit notes. Download each from
        `/orders/{reference}/tax-documents/{id}?token=...`."""
        await _limit(request, redis)
        order = await order_for_buyer(db_session, reference[:40], order_token)
        docs, replaced = await services.documents_of_order(db_session, order.id)
        return [tax_document_read(d, replaced) for d in docs]

    @get(
        "/api/public/orders/{reference:str}/billing-details",
        operation_id="getPublicOrderBillingDetails",
        opt=access(Access.PUBLIC),
    )
    async def get_billing(
        self,
        reference: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        order_token: str = Parameter(header=ORDER_TOKEN_HEADER, description=ORDER_ACCESS_HEADER_HELP, min_length=1),
    ) -> BillingDetailsRead | None:
        """Get my billing details

        The billing details entered for the order's invoice (null when none)."""
        await _limit(request, redis)
        order = await order_for_buyer(db_session, reference[:40], order_token)
        billing = await services.billing_of(db_session, order.id)
        return billing_read(billing) if billing is not None else None

    @put(
        "/api/public/orders/{reference:str}/billing-details",
        operation_id="setPublicOrderBillingDetails",
        opt=access(Access.PUBLIC),
    )
    async def set_billing(
        self,
        reference: str,
        data: BillingDetailsWrite,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        order_token: str = Parameter(header=ORDER_TOKEN_HEADER, description=ORDER_ACCESS_HEADER_HELP, min_length=1),
    ) -> BillingDetailsSaved:
        """Set my billing details

        Name, company, address and VAT number for the invoice. Before payment: the invoice
        issued at payment uses them. After: the invoice in force is cancelled by a credit note and
        replaced by a new one with these details (`reissued`); an issued document never changes.
        409 once a refund was credited on the invoice."""
        await _limit(request, redis)
        order = await order_for_buyer(db_session, reference[:40], order_token, lock=True)
        billing, reissued = await services.save_billing_details(
            db_session, order, name=data.name, company=data.company, address=data.address, vat_number=data.vat_number
        )
        return BillingDetailsSaved(billing=billing_read(billing), reissued=reissued)

    @get(
        "/orders/{reference:str}/tax-documents/{document_id:uuid}",
        operation_id="downloadPublicTaxDocument",
        opt=access(Access.PUBLIC),
        media_type=PDF,
        responses=pdf_answer("The invoice or credit note as PDF, as an attachment"),
    )
    async def download(
        self,
        reference: str,
        document_id: uuid.UUID,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        token: str = Parameter(min_length=1, max_length=200),
    ) -> Response[bytes]:
        """Download my invoice or credit note (PDF)

        One of the order's invoices or credit notes as PDF, behind the order's secret link
        (a wrong reference, token or another order's document: 404)."""
        await _limit(request, redis)
        order = await order_for_buyer(db_session, reference[:40], token)
        doc = await services.document_of_order(db_session, order.id, document_id)
        return _pdf(doc, await services.document_pdf(doc))
