"""An order's money, computed in one place.

Pricing a cart (`apply_coupon` + `totals`, at reservation) and showing an order afterwards
(`order_summary`) use the same arithmetic, and every view renders the one `OrderSummary`: the
checkout page, the order page, the tickets e-mail and PDF, the public API and the organiser's
API (so the organiser app shows what the API returns and does no sums of its own).

Amounts are integer cents, VAT-inclusive. The VAT rate is the organisation's when the order was
reserved, fixed on the order (`vat_rate_bp`, basis points): 1500 (15%) for a VAT vendor at the
standard rate, 0 for a seller who is not registered for VAT, whose orders carry and show no VAT.
- line subtotal = quantity x unit price; line discount from the coupon; line total = the difference
- subtotal = sum of line subtotals, discount = sum of line discounts, total = subtotal - discount
- VAT = the VAT contained in the total at the order's rate, rounded half up (0 without VAT)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog.models import Coupon, TicketType, vat_of
from voelgoed.domain.orders.schemas import OrderLineRead

# Public pages and the worker have no tenant scope, hence UNSCOPED below; the order itself was
# found by its token/id.


@dataclass
class PricedLine:
    ticket_type_id: uuid.UUID
    quantity: int
    unit_price_cents: int
    discount_cents: int = 0

    @property
    def gross_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    @property
    def line_total_cents(self) -> int:
        return self.gross_cents - self.discount_cents


@dataclass
class Amounts:
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    vat_cents: int
    vat_rate_bp: int = 0


def apply_coupon(lines: list[PricedLine], kind: str, value: int, applies_to: set[uuid.UUID] | None) -> None:
    """Percent coupons round half up per line; a fixed coupon (cents per order) is spread over the
    eligible lines in order and never takes a line below zero."""
    eligible = [ln for ln in lines if applies_to is None or ln.ticket_type_id in applies_to]
    if kind == "percent":
        for ln in eligible:
            ln.discount_cents = min(ln.gross_cents, (ln.gross_cents * value * 2 + 100) // 200)
    else:
        left = value
        for ln in eligible:
            take = min(left, ln.gross_cents)
            ln.discount_cents, left = take, left - take


def totals(lines: Sequence[PricedLine], vat_rate_bp: int) -> Amounts:
    subtotal = sum(ln.gross_cents for ln in lines)
    discount = sum(ln.discount_cents for ln in lines)
    total = subtotal - discount
    return Amounts(subtotal, discount, total, vat_of(total, vat_rate_bp), vat_rate_bp)


class StoredLine(Protocol):
    """An order line as stored (OrderLine rows) or priced in memory."""

    ticket_type_id: uuid.UUID
    quantity: int
    unit_price_cents: int
    discount_cents: int


class OrderSummary(msgspec.Struct):
    """What every view of an order shows: its lines (in the organiser's ticket type order) and the
    order's subtotal, discount, total and the VAT that total includes. `vat_rate_bp` 0: the seller
    was not a VAT vendor; views then show no VAT at all (no "Includes VAT" line)."""

    lines: list[OrderLineRead]
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    vat_cents: int
    coupon_code: str | None = None
    vat_rate_bp: int = 0


@dataclass(frozen=True)
class TypeInfo:
    name: str
    sort_order: int


def summarise(
    lines: Iterable[StoredLine],
    types: dict[uuid.UUID, TypeInfo],
    coupon_code: str | None = None,
    *,
    vat_rate_bp: int,
) -> OrderSummary:
    """The summary of stored (or freshly priced) lines; `types` names and orders them."""
    priced = [PricedLine(ln.ticket_type_id, ln.quantity, ln.unit_price_cents, ln.discount_cents) for ln in lines]

    def position(ln: PricedLine) -> tuple[int, str, str]:
        info = types.get(ln.ticket_type_id)
        return (info.sort_order, info.name, str(ln.ticket_type_id)) if info else (1 << 30, "", str(ln.ticket_type_id))

    priced.sort(key=position)
    amounts = totals(priced, vat_rate_bp)
    return OrderSummary(
        lines=[
            OrderLineRead(
                ticket_type_id=ln.ticket_type_id,
                ticket_type_name=types[ln.ticket_type_id].name if ln.ticket_type_id in types else None,
                quantity=ln.quantity,
                unit_price_cents=ln.unit_price_cents,
                line_subtotal_cents=ln.gross_cents,
                discount_cents=ln.discount_cents,
                line_total_cents=ln.line_total_cents,
            )
            for ln in priced
        ],
        subtotal_cents=amounts.subtotal_cents,
        discount_cents=amounts.discount_cents,
        total_cents=amounts.total_cents,
        vat_cents=amounts.vat_cents,
        coupon_code=coupon_code,
        vat_rate_bp=vat_rate_bp,
    )


async def type_infos(db: AsyncSession, type_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, TypeInfo]:
    """Name and position of each ticket type, in one query."""
    ids = set(type_ids)
    if not ids:
        return {}
    rows = await db.execute(
        select(TicketType.id, TicketType.name, TicketType.sort_order)
        .where(TicketType.id.in_(ids))
        .execution_options(**UNSCOPED)
    )
    return {r.id: TypeInfo(r.name, r.sort_order) for r in rows}


async def order_summary(db: AsyncSession, order: Any) -> OrderSummary:
    """The summary of a stored order (an `Order` with its `lines` loaded)."""
    code = None
    if order.coupon_id is not None:
        code = await db.scalar(select(Coupon.code).where(Coupon.id == order.coupon_id).execution_options(**UNSCOPED))
    types = await type_infos(db, (ln.ticket_type_id for ln in order.lines))
    return summarise(order.lines, types, code, vat_rate_bp=order.vat_rate_bp)
