"""Orders: reference codes, buyer access tokens, amounts, and the organiser's order queries."""

from __future__ import annotations

import hmac
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.orders.models import Order
from voelgoed.lib import crypto
from voelgoed.lib.closed_sets import closed_set, sorts_of
from voelgoed.lib.problems import NotFound
from voelgoed.lib.secrets import new_token, token_digest

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a reference read out over the phone is not misheard.
REFERENCE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
REFERENCE_PREFIX = "VG-"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalise_reference(reference: str) -> str:
    ref = reference.strip().upper()
    return ref if ref.startswith(REFERENCE_PREFIX) else REFERENCE_PREFIX + ref


def new_access_token() -> tuple[str, str]:
    """(token for the buyer, sha256 hex to store). The token itself is never stored."""
    token = new_token()
    return token, token_digest(token)


def rotate_access_token(order: Any) -> str:
    """Give the order a new buyer link (e.g. a lookup by reference + e-mail): only the hash is
    kept, so a new link needs a new token, and earlier links stop working."""
    token, digest = new_access_token()
    order.access_token_hash = digest
    return token


def order_link_token(order: Any) -> str:
    """The token of links we e-mail later (the tickets e-mail). Only a hash of the buyer's own
    token is kept, so such a link carries a signature of the order and that hash instead: it
    opens what the buyer's token opens, and stops working with it when the token is rotated
    (an order lookup), so "earlier links no longer work" stays true."""
    return crypto.sign(f"{order.id}:{order.access_token_hash}", purpose="order-link")


def token_matches(order: Any, token: str | None) -> bool:
    if not token:
        return False
    own = hmac.compare_digest(order.access_token_hash, token_digest(token))
    linked = crypto.verify(f"{order.id}:{order.access_token_hash}", token, purpose="order-link")
    return own or linked


ORDER_SORTS = {"created_at": Order.created_at, "total_cents": Order.total_cents, "reference": Order.reference}
if TYPE_CHECKING:
    OrderSort = str
else:  # `sort` of the orders list: a key of ORDER_SORTS, '-' first for descending
    OrderSort = closed_set("OrderSort", sorts_of(ORDER_SORTS), "Sort of the orders list ('-': descending).")


def list_query(
    *, q: str | None, status: str | None, event_id: uuid.UUID | None, ticket_order_ids: Select[Any] | None = None
) -> Select[Any]:
    """`ticket_order_ids`: the orders of the ticket whose code `q` is (a code read out at the gate
    finds its order), from tickets/services.py `order_ids_of_ticket_code`; passed in because
    tickets sit above orders."""
    stmt = select(Order)
    if q:
        text = q.strip()
        like = f"%{text}%"
        matches = [Order.reference.ilike(like), Order.buyer_email.ilike(like), Order.buyer_name.ilike(like)]
        if ticket_order_ids is not None:
            matches.append(Order.id.in_(ticket_order_ids))
        stmt = stmt.where(or_(*matches))
    if status:  # an OrderStatus: the decoder refused any other word with a 400
        stmt = stmt.where(Order.status == status)
    if event_id:
        stmt = stmt.where(Order.event_id == event_id)
    return stmt


async def get_order(db: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await db.scalar(select(Order).where(Order.id == order_id))
    if order is None:
        raise NotFound("No such order.")
    return order
