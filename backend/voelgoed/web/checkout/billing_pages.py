"""POST /orders/{reference}/billing?token=...: the buyer's billing details for the invoice, from
the order page (no JS needed). Errors come back on the order page at their fields."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.response import Redirect
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.invoices.services import save_billing_details
from voelgoed.lib import ratelimit
from voelgoed.lib.client_address import client_address
from voelgoed.lib.i18n import gettext as _
from voelgoed.lib.problems import AppError
from voelgoed.settings import Settings
from voelgoed.web.checkout import workflow_bridge
from voelgoed.web.checkout.billing_sections import BILLING_EDITABLE, BILLING_FIELDS, billing_purpose
from voelgoed.web.checkout.checkout_pages import FORM_EXPIRED, order_page
from voelgoed.web.checkout.render import render
from voelgoed.web.checkout.security import Visit

_LIMITS = {"name": 200, "company": 200, "address": 1000, "vat_number": 20}
SAVES_PER_IP = 30  # per 10 minutes


class BillingPagesController(Controller):
    include_in_schema = False

    @post("/orders/{reference:str}/billing", opt=access(Access.PUBLIC), status_code=303)
    async def save(
        self,
        reference: str,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
        token: str | None = None,
    ) -> Response[Any]:
        visit = Visit(request, settings)
        order = await workflow_bridge.order_for_token(db_session, reference[:40], token)
        if order is None or token is None:
            return render(
                "message.html",
                status=404,
                cookies=visit.cookies(),
                heading=_("Order not found"),
                paragraphs=[_("This link is not valid, or it has been replaced by a newer one.")],
                link=("/orders/lookup", _("E-mail me a new link")),
                robots="noindex",
            )
        form = await request.form()
        values = {f: str(form.get(f) or "").strip()[: _LIMITS[f]] for f in BILLING_FIELDS}

        async def again(status: int, **billing: Any) -> Response[str]:
            return await order_page(
                db_session, visit, order, token, status=status, billing={"values": values, **billing}
            )

        if not visit.check_form_token(billing_purpose(order.reference), str(form.get("csrf") or "")):
            return await again(403, error=_(FORM_EXPIRED))
        if order.status not in BILLING_EDITABLE:
            return await again(409, error=_("Billing details can no longer be changed for this order."))
        try:
            await ratelimit.hit(redis, f"billing:{client_address(request)}", SAVES_PER_IP, 600)
            _details, reissued = await save_billing_details(
                db_session,
                order,
                name=values["name"],
                company=values["company"],
                address=values["address"],
                vat_number=values["vat_number"],
            )
        except AppError as exc:
            problem = workflow_bridge.explain(exc)
            return await again(exc.status, errors=problem.fields, error=None if problem.fields else problem.message)
        await db_session.commit()
        done = "reissued" if reissued else "saved"
        url = f"/orders/{order.reference}?token={token}&billing={done}#tax"
        return Redirect(url, status_code=303, cookies=visit.cookies())
