"""PayFast signature rules, amounts, the ITN source-IP rules and the payment state machine, as
pure functions (the fake PayFast's own signing code is the independent reference)."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest
from statemachine.exceptions import TransitionNotAllowed

from tests.fakes.payfast import md5_signature
from voelgoed.domain.payments.machines import PaymentLifecycle
from voelgoed.domain.payments.providers.payfast import cents, checkout_signature, itn_signature, rand
from voelgoed.lib import crypto
from voelgoed.lib.client_address import forwarded_client as client_ip
from voelgoed.lib.client_address import ip_in
from voelgoed.settings import PAYFAST_DEFAULT_ALLOWED_IPS


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


FORM = {
    "merchant_id": "10000100",
    "merchant_key": "46f0cd694581a",
    "return_url": "https://tickets.example/orders/VG-ABC?token=a-b_c",
    "cancel_url": "https://tickets.example/orders/VG-ABC?token=a-b_c",
    "notify_url": "https://tickets.example/api/payments/payfast/itn",
    "name_first": "Thandi",
    "name_last": "",
    "email_address": "thandi+tix@example.co.za",
    "m_payment_id": "4f1c",
    "amount": "251.00",
    "item_name": "Jazz & Wine: 2 tickets ~ Saturday",
}


def test_checkout_signature_follows_the_documented_string() -> None:
    expected_string = (
        "merchant_id=10000100&merchant_key=46f0cd694581a"
        "&return_url=https%3A%2F%2Ftickets.example%2Forders%2FVG-ABC%3Ftoken%3Da-b_c"
        "&cancel_url=https%3A%2F%2Ftickets.example%2Forders%2FVG-ABC%3Ftoken%3Da-b_c"
        "&notify_url=https%3A%2F%2Ftickets.example%2Fapi%2Fpayments%2Fpayfast%2Fitn"
        "&name_first=Thandi&email_address=thandi%2Btix%40example.co.za&m_payment_id=4f1c&amount=251.00"
        "&item_name=Jazz+%26+Wine%3A+2+tickets+%7E+Saturday"  # blanks left out, PHP-style escapes
        "&passphrase=my+salt"
    )
    assert checkout_signature(FORM, "my salt") == md5(expected_string)
    reordered = dict(reversed(list(FORM.items())))  # PayFast's order, not ours, decides
    assert checkout_signature(reordered, "my salt") == checkout_signature(FORM, "my salt")
    assert checkout_signature(FORM, None) != checkout_signature(FORM, "my salt")
    ordered = [(k, v) for k, v in FORM.items()]
    assert checkout_signature(FORM, "my salt") == md5_signature(ordered, "my salt", skip_blank=True)
    with pytest.raises(ValueError):
        checkout_signature({**FORM, "not_a_payfast_field": "x"}, None)


def test_itn_signature_uses_posted_order_and_keeps_blanks() -> None:
    pairs = [("m_payment_id", "4f1c"), ("pf_payment_id", "1089250"), ("payment_status", "COMPLETE"),
             ("item_description", ""), ("amount_gross", "251.00"), ("signature", "ignored")]  # fmt: skip
    text = "m_payment_id=4f1c&pf_payment_id=1089250&payment_status=COMPLETE&item_description=&amount_gross=251.00"
    assert itn_signature(pairs, None) == md5(text)
    assert itn_signature(pairs, "salt") == md5(text + "&passphrase=salt")
    assert itn_signature(list(reversed(pairs)), None) != itn_signature(pairs, None)
    assert itn_signature(pairs, "salt") == md5_signature(pairs[:-1], "salt", skip_blank=False)


@pytest.mark.parametrize(
    ("text", "value"),
    [("251.00", 25100), ("251", 25100), ("0.5", 50), ("12.34", 1234), ("-1.00", None), ("1.234", None),
     ("1e3", None), ("", None), (" 10.00 ", 1000), ("1,000.00", None),
     ("\u00b200.00", None), ("\u0662\u0660\u0660.\u0660\u0660", None), ("\uff12\uff10\uff10", None)],
)  # fmt: skip
def test_amounts(text: str, value: int | None) -> None:
    assert cents(text) == value
    if value is not None:
        assert cents(rand(value)) == value


def test_source_ip_rules() -> None:
    allowed = PAYFAST_DEFAULT_ALLOWED_IPS
    for ip in ("197.97.145.144", "197.97.145.159", "41.74.179.200", "102.216.36.5", "102.216.36.140",
               "144.126.193.139", "::ffff:197.97.145.150"):  # fmt: skip
        assert ip_in(ip, allowed), ip
    for ip in ("197.97.145.160", "41.74.179.224", "102.216.36.16", "144.126.193.140", "127.0.0.1", "", "junk"):
        assert not ip_in(ip, allowed), ip
    proxies = ("10.0.0.0/8",)
    # X-Forwarded-For is ignored unless the peer is a trusted proxy
    assert client_ip("203.0.113.7", "197.97.145.150", proxies) == "203.0.113.7"
    assert client_ip("203.0.113.7", "197.97.145.150", ()) == "203.0.113.7"
    # behind the proxy: the right-most hop that is not a proxy; forged left-most hops do not count
    assert client_ip("10.0.0.2", "197.97.145.150", proxies) == "197.97.145.150"
    assert client_ip("10.0.0.2", "197.97.145.150, 203.0.113.9", proxies) == "203.0.113.9"
    assert client_ip("10.0.0.2", "203.0.113.9, 197.97.145.150, 10.0.0.3", proxies) == "197.97.145.150"


def _txn(status: str) -> SimpleNamespace:
    return SimpleNamespace(status=status, provider_reference=None, failure_reason=None, completed_at=None)


def test_payment_lifecycle() -> None:
    t = _txn("initiated")
    m = PaymentLifecycle(t)
    assert m.allowed() == ["begin", "fail"]
    m.send("begin")
    m.send("succeed", provider_reference="1089250")
    assert t.status == "succeeded" and t.provider_reference == "1089250" and t.completed_at is not None
    for event in ("fail", "begin", "succeed"):
        with pytest.raises(TransitionNotAllowed):
            PaymentLifecycle(t).send(event)

    direct = _txn("initiated")
    PaymentLifecycle(direct).send("fail", failure_reason="refused at once")
    assert direct.status == "failed" and direct.failure_reason == "refused at once"
    with pytest.raises(TransitionNotAllowed):
        PaymentLifecycle(_txn("initiated")).send("succeed")  # never paid without being sent to pay
    with pytest.raises(TransitionNotAllowed):
        PaymentLifecycle(direct).send("succeed")  # failed is final


def test_signed_values() -> None:
    sig = crypto.sign("tx-1", purpose="simulated-payment", secret_key="k1")
    assert crypto.verify("tx-1", sig, purpose="simulated-payment", secret_key="k1")
    assert not crypto.verify("tx-2", sig, purpose="simulated-payment", secret_key="k1")
    assert not crypto.verify("tx-1", sig, purpose="other", secret_key="k1")
    assert not crypto.verify("tx-1", sig, purpose="simulated-payment", secret_key="k2")
    assert not crypto.verify("tx-1", "", purpose="simulated-payment", secret_key="k1")
