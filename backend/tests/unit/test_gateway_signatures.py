"""The card gateways' signature and amount rules in isolation: Yoco's Standard Webhooks signature
against the reference implementation (`standardwebhooks`), its timestamp window, Paystack's
HMAC-SHA512, and the one reader of a gateway amount (integer cents only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from voelgoed.domain.payments import gateway_notifications as gn
from voelgoed.domain.payments import yoco_webhooks
from voelgoed.domain.payments.providers import paystack

SECRET = "whsec_" + base64.b64encode(b"a 24-byte signing secret").decode()
BODY = b'{"id":"evt_1","type":"payment.succeeded","payload":{"amount":900}}'


def test_yoco_signature_is_the_standard_webhooks_one() -> None:
    ts = 1_764_500_000
    ours = yoco_webhooks.sign(SECRET, "msg_1", str(ts), BODY)
    assert f"v1,{ours}" == Webhook(SECRET).sign("msg_1", datetime.fromtimestamp(ts, UTC), BODY.decode())
    header = f"v1,bm90IGl0 v1,{ours}"  # several signatures: one match is enough (key rotation)
    assert yoco_webhooks.signature_matches(SECRET, "msg_1", str(ts), BODY, header)
    assert not yoco_webhooks.signature_matches(SECRET, "msg_2", str(ts), BODY, header)  # id is signed
    assert not yoco_webhooks.signature_matches(SECRET, "msg_1", str(ts + 1), BODY, header)  # so is the time
    assert not yoco_webhooks.signature_matches(SECRET, "msg_1", str(ts), BODY + b" ", header)
    assert not yoco_webhooks.signature_matches(SECRET, "msg_1", str(ts), BODY, f"v2,{ours}")
    assert not yoco_webhooks.signature_matches("whsec_not*base64", "msg_1", str(ts), BODY, f"v1,{ours}")


@pytest.mark.parametrize(
    ("age", "fresh"), [(0, True), (179, True), (-179, True), (181, False), (-181, False), (86_400, False)]
)
def test_yoco_timestamp_window_is_three_minutes_both_ways(age: int, fresh: bool) -> None:
    now = 1_764_500_000.0
    assert (yoco_webhooks.timestamp_problem(str(int(now) - age), now) is None) is fresh


@pytest.mark.parametrize("bad", ["", "abc", "1764500000.5", "-1", "\u0661\u0667\u0666\u0664", "9" * 20])
def test_yoco_timestamp_must_be_unix_seconds(bad: str) -> None:
    assert yoco_webhooks.timestamp_problem(bad, 1_764_500_000.0) is not None


def test_paystack_signature_is_hex_hmac_sha512_of_the_raw_body() -> None:
    key = "sk_test_abc123"
    expected = hmac.new(key.encode(), BODY, hashlib.sha512).hexdigest()
    assert paystack.signature(key, BODY) == expected and len(expected) == 128
    assert paystack.signature(key, BODY + b"\n") != expected


def test_paystack_reference_leads_with_our_transaction_id() -> None:
    txn = uuid.uuid4()
    first, second = paystack.new_reference(txn), paystack.new_reference(txn)
    assert first != second and paystack.transaction_id_of(first) == paystack.transaction_id_of(second) == txn
    assert all(ch.isalnum() or ch in "-.=" for ch in first)  # Paystack's allowed characters
    assert paystack.transaction_id_of("T685312322670591") is None


@pytest.mark.parametrize(
    ("value", "cents"),
    [(25100, 25100), ("25100", 25100), (0, 0), (-100, None), (251.0, None), (True, None), ("251.00", None),
     ("\u00b2500", None), ("\uff12\uff15\uff10\uff10", None), (None, None), ("", None)],
)  # fmt: skip
def test_gateway_amounts_are_integer_cents_only(value: object, cents: int | None) -> None:
    assert gn.cents(value) == cents
