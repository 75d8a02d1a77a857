"""Ticket downloads for buyers and public signing keys for scanners. Thin: see services.py."""

from __future__ import annotations

import base64
import uuid

from litestar import Controller, Request, Response, get, patch
from litestar.params import Parameter
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Access, ApiKeyScope, Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.tickets import payload
from voelgoed.domain.tickets.holders import rename_holder
from voelgoed.domain.tickets.issuing import listed_tickets
from voelgoed.domain.tickets.schemas import HolderNameUpdate, SigningKeyRead, TicketRead, ticket_read
from voelgoed.domain.tickets.services import ensure_order_pdf, order_for_download, public_signing_key
from voelgoed.lib import ratelimit
from voelgoed.lib.client_address import client_address
from voelgoed.lib.media_store import MediaStore
from voelgoed.lib.openapi_answers import PDF, pdf_answer

DOWNLOADS_PER_IP = 60  # per 10 minutes: plenty for a family's phones, useless for guessing tokens


class TicketDownloadController(Controller):
    tags = ["tickets"]

    @get(
        "/orders/{reference:str}/tickets.pdf",
        operation_id="downloadOrderTickets",
        opt=access(Access.PUBLIC),
        media_type=PDF,
        responses=pdf_answer("The order's tickets, one page per ticket, as an attachment"),
    )
    async def download(
        self,
        request: Request,
        reference: str,
        db_session: AsyncSession,
        redis: Redis,
        media: MediaStore,
        token: str = Parameter(min_length=1, max_length=200),
    ) -> Response[bytes]:
        """Download my tickets (PDF)

        The buyer's tickets as one PDF (a page per ticket), behind the order's secret link.

        A wrong reference or token is a 404 either way. Rendered now if the e-mail job has not
        run yet."""
        await ratelimit.hit(redis, f"tickets-pdf:{client_address(request)}", DOWNLOADS_PER_IP, 600)
        order = await order_for_download(db_session, reference[:40], token)
        pdf = await ensure_order_pdf(db_session, order, media)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="tickets-{order.reference}.pdf"',
                "Cache-Control": "private, no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            },
        )


class SigningKeyController(Controller):
    path = "/api/public/events"
    tags = ["tickets"]

    @get("/{slug:str}/signing-key", operation_id="getEventSigningKey", opt=access(Access.PUBLIC))
    async def signing_key(self, slug: str, db_session: AsyncSession) -> SigningKeyRead:
        """Get an event's ticket signing key

        The event's Ed25519 public key for verifying ticket QR payloads offline. Public on
        purpose: it can only verify, never sign. Published and closed events only."""
        event, key = await public_signing_key(db_session, slug[:120])
        raw = bytes(key.public_key)
        return SigningKeyRead(
            event_id=event.id,
            event_slug=event.slug,
            key_id=key.key_id,
            algorithm="Ed25519",
            public_key=raw.hex(),
            public_key_base64url=base64.urlsafe_b64encode(raw).decode().rstrip("="),
            payload_version=payload.VERSION,
        )


class TicketHolderController(Controller):
    path = "/api/organizations/{organization_id:uuid}/orders/{order_id:uuid}/tickets"
    tags = ["orders"]

    @patch(
        "/{ticket_id:uuid}",
        operation_id="updateTicketHolder",
        opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.ORDERS_WRITE),
    )
    async def update_holder(
        self,
        organization_id: uuid.UUID,
        order_id: uuid.UUID,
        ticket_id: uuid.UUID,
        data: HolderNameUpdate,
        db_session: AsyncSession,
        auth: AuthContext,
    ) -> TicketRead:
        """Change the name on a ticket

        Change the name on a ticket (printed on it, shown at the gate). Audit-logged; the
        buyer's PDF download is rendered again with the new name, and scanners receive it with
        their next sync."""
        ticket = await rename_holder(db_session, AuditService(db_session, auth), order_id, ticket_id, data.holder_name)
        listed = [t for t in await listed_tickets(db_session, order_id) if t.ticket.id == ticket.id]
        return ticket_read(listed[0])
