"""The simulated provider's payment page: Pay and Fail buttons, no money moves.

GET  /pay/simulated/{transaction_id}?sig=...&r=...  the page (amount, order reference, buttons)
POST /pay/simulated/{transaction_id}                 form: sig, r, outcome=pay|fail

`sig` (HMAC over the transaction id) is the capability: without the link the buyer was given,
nobody can open or complete a transaction, and a cross-site form cannot forge it either. `r`
holds the buyer's return URL, encrypted (it contains the order's access token, which the server
never stores). Both routes answer 404 when PAYMENTS_ALLOW_SIMULATED is off (production default).
"""

from __future__ import annotations

import html
import logging
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.orders.models import Order
from voelgoed.domain.payments.machines import OPEN_STATUSES
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.domain.payments.notifications import PaymentNotice
from voelgoed.domain.payments.providers import simulated
from voelgoed.lib.money import display_rand
from voelgoed.settings import Settings
from voelgoed.workflows.payment_confirmation import confirm_payment

log = logging.getLogger(__name__)

FAILURE_REASON = "declined (simulated)"

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#1a1a2e;background:#f7f7fb}"
    ".warn{background:#8a1c1c;color:#fff;padding:1rem;text-align:center;font-weight:700}"
    "main{max-width:28rem;margin:auto;padding:1rem}dl{background:#fff;border-radius:.5rem;padding:1rem}"
    "dt{color:#555;font-size:.9rem}dd{margin:0 0 .75rem;font-size:1.2rem}"
    "form{display:inline}button{font-size:1.1rem;padding:.75rem 1.5rem;margin:.5rem .5rem 0 0;"
    "border:0;border-radius:.4rem;cursor:pointer}.pay{background:#1f6f3f;color:#fff}"
    ".fail{background:#ddd;color:#1a1a2e}button:focus{outline:3px solid #f2b01e}"
)
BANNER = "SIMULATED PAYMENT — not for production, no money moves"


def _page(body: str, status: int = 200) -> Response[str]:
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        "<meta name=robots content=noindex>"
        f"<title>Simulated payment</title><style>{_STYLE}</style>"
        f"<div class=warn role=alert>{BANNER}</div><main>{body}</main></html>"
    )
    return Response(
        page,
        status_code=status,
        media_type="text/html",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"},
    )


def _not_found() -> Response[str]:
    return _page("<h1>Payment not found</h1><p>This payment link is not valid.</p>", status=404)


def _with_param(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


def _safe_return(url: str, request: Request[Any, Any, Any], public_url: str) -> str:
    """Only same-site targets: a relative path, or our own origin (no open redirect)."""
    parts = urlsplit(url)
    own = urlsplit(public_url)
    if not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//"):
        return url
    if (parts.scheme, parts.netloc) in {(own.scheme, own.netloc), (request.url.scheme, request.url.netloc)}:
        return url
    return "/"


async def _load(db: AsyncSession, transaction_id: uuid.UUID, *, lock: bool = False) -> PaymentTransaction | None:
    stmt = select(PaymentTransaction).where(
        PaymentTransaction.id == transaction_id, PaymentTransaction.provider == "simulated"
    )
    if lock:
        stmt = stmt.with_for_update()
    return await db.scalar(stmt.execution_options(populate_existing=lock, **UNSCOPED))


class SimulatedPaymentController(Controller):
    path = "/pay/simulated"
    include_in_schema = False

    @get("/{transaction_id:uuid}", opt=access(Access.PUBLIC))
    async def show(
        self, transaction_id: uuid.UUID, db_session: AsyncSession, settings: Settings, sig: str = "", r: str = ""
    ) -> Response[str]:
        if not settings.payments.allow_simulated or not simulated.sig_ok(transaction_id, sig):
            return _not_found()
        txn = await _load(db_session, transaction_id)
        if txn is None:
            return _not_found()
        order = await db_session.scalar(select(Order).where(Order.id == txn.order_id).execution_options(**UNSCOPED))
        reference = html.escape(order.reference if order else "?")
        details = (
            f"<dl><dt>Order</dt><dd>{reference}</dd>"
            f"<dt>Amount</dt><dd>{html.escape(display_rand(txn.amount_cents))}</dd></dl>"
        )
        if txn.status not in OPEN_STATUSES:
            return _page(f"<h1>Payment already {html.escape(txn.status)}</h1>{details}")
        hidden = (
            f"<input type=hidden name=sig value='{html.escape(sig, quote=True)}'>"
            f"<input type=hidden name=r value='{html.escape(r, quote=True)}'>"
        )
        action = html.escape(simulated.page_path(transaction_id), quote=True)
        forms = (
            f"<form method=post action='{action}'>{hidden}"
            "<button class=pay name=outcome value=pay>Pay</button></form>"
            f"<form method=post action='{action}'>{hidden}"
            "<button class=fail name=outcome value=fail>Fail</button></form>"
        )
        return _page(f"<h1>Pay for your tickets</h1>{details}<p>Choose the outcome to simulate.</p>{forms}")

    @post("/{transaction_id:uuid}", opt=access(Access.PUBLIC), status_code=303)
    async def decide(
        self,
        transaction_id: uuid.UUID,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        queue: Queue,
        redis: Redis,
        settings: Settings,
    ) -> Response[Any]:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        if not settings.payments.allow_simulated or not simulated.sig_ok(transaction_id, form.get("sig")):
            return _not_found()
        urls = simulated.open_return(transaction_id, form.get("r"))
        outcome = form.get("outcome")
        if urls is None or outcome not in {"pay", "fail"}:
            return _page("<h1>Something is missing</h1><p>Open the payment link again.</p>", status=400)
        txn = await _load(db_session, transaction_id)
        if txn is None:
            return _not_found()

        status = txn.status
        if txn.status in OPEN_STATUSES:  # a second click after completion changes nothing
            # The path (lock order, retries) every provider's notification takes; it commits.
            confirmation = await confirm_payment(
                db_session,
                PaymentNotice(
                    provider="simulated",
                    transaction_id=txn.id,
                    succeeded=outcome == "pay",
                    amount_cents=txn.amount_cents,
                    provider_reference=f"sim-{uuid.uuid4()}",
                    status=outcome,
                    failure_reason=None if outcome == "pay" else FAILURE_REASON,
                ),
            )
            await confirmation.after_commit(queue=queue, redis=redis)
            status = confirmation.transaction_status or status
        target = _safe_return(urls.return_url, request, settings.server.public_url)
        if status == "failed":
            target = _with_param(target, payment="failed")
        return Redirect(path=target, status_code=303)
