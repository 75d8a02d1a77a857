"""Refund rules that need no database: ticket prices within a line, backoff, request identity."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from voelgoed.domain.refunds.services import RefundRequest, retry_delay, ticket_price


def test_ticket_prices_add_up_to_the_line_after_discount() -> None:
    line = SimpleNamespace(line_total_cents=10000, quantity=3)  # R 100.00 over 3 tickets
    prices = [ticket_price(line, p) for p in (1, 2, 3)]  # type: ignore[arg-type]
    assert prices == [3334, 3333, 3333] and sum(prices) == 10000
    free = SimpleNamespace(line_total_cents=0, quantity=2)
    assert [ticket_price(free, p) for p in (1, 2)] == [0, 0]  # type: ignore[arg-type]


def test_retry_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert retry_delay(40).total_seconds() == 3600


def test_request_fingerprint_ignores_ticket_order_but_not_the_amount() -> None:
    order = uuid.uuid4()
    a, b = uuid.uuid4(), uuid.uuid4()
    one = RefundRequest(kind="tickets", reason="x", ticket_ids=(a, b))
    assert one.fingerprint(order) == RefundRequest(kind="tickets", reason="x", ticket_ids=(b, a)).fingerprint(order)
    assert one.fingerprint(order) != one.fingerprint(uuid.uuid4())
    amount = RefundRequest(kind="amount", reason="x", amount_cents=100)
    assert amount.fingerprint(order) != RefundRequest(kind="amount", reason="x", amount_cents=101).fingerprint(order)
