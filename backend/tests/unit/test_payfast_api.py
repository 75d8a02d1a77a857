"""PayFastProvider's REST API calls (refund, ping) against the fake PayFast on loopback, which
checks the signature headers by PayFast's documented rules with its own code."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.fakes.payfast import FakePayFast
from voelgoed.domain.payments.providers import payfast
from voelgoed.domain.payments.providers.base import ProviderUnavailable, RefundContext
from voelgoed.domain.payments.providers.payfast import PayFastProvider

MERCHANT = {"merchant_id": "10004242", "merchant_key": "k8s7d6f5g4h3j", "passphrase": "Stellenbosch salt & pepper~1"}
PF_ID = "1124148"


@pytest.fixture
def fake() -> Iterator[FakePayFast]:
    fake = FakePayFast().start()
    fake.add_merchant(MERCHANT["merchant_id"], MERCHANT["merchant_key"], MERCHANT["passphrase"])
    fake.refundable[PF_ID] = 15_000
    yield fake
    fake.stop()


def provider(fake: FakePayFast) -> PayFastProvider:
    return PayFastProvider(fake.base_url, api_url=fake.base_url)


def refund(amount: int, creds: dict[str, str] | None = None, sandbox: bool = True) -> RefundContext:
    return RefundContext(
        refund_id=uuid.uuid4(),
        transaction_id=uuid.uuid4(),
        provider_reference=PF_ID,
        amount_cents=amount,
        paid_cents=15_000,
        reason="Buyer cannot attend",
        credentials=creds or MERCHANT,
        sandbox=sandbox,
    )


async def test_refund_succeeds_and_is_signed_as_payfast_checks(fake: FakePayFast) -> None:
    result = await provider(fake).refund(refund(5_000))
    assert result.status == "succeeded" and result.provider_refund_id
    assert fake.refunds[0]["refund_amount"] == 50.0 and fake.refunds[0]["reason"] == "Buyer cannot attend"
    assert fake.refunds[0]["notify_buyer"] == 1
    assert fake.refundable[PF_ID] == 10_000
    assert fake.api_calls == [("POST", f"/refunds/{PF_ID}", True)]  # sandbox: ?testing=true
    await provider(fake).refund(refund(1_000, sandbox=False))
    assert fake.api_calls[-1] == ("POST", f"/refunds/{PF_ID}", False)


async def test_refund_refused_by_payfast_fails_with_its_reason(fake: FakePayFast) -> None:
    too_much = await provider(fake).refund(refund(15_001))
    assert too_much.status == "failed" and "exceeds the available balance" in (too_much.failure_reason or "")
    fake.refund_refusal = "Refunds are not enabled on this account"
    refused = await provider(fake).refund(refund(100))
    assert refused.status == "failed" and "not enabled" in (refused.failure_reason or "")
    wrong = await provider(fake).refund(refund(100, {**MERCHANT, "passphrase": "wrong"}))
    assert wrong.status == "failed" and "authorization failed" in (wrong.failure_reason or "")
    assert fake.refunds == [] and fake.refundable[PF_ID] == 15_000


async def test_refund_timeout_or_5xx_raises_provider_unavailable(
    fake: FakePayFast, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.api_fail = True
    with pytest.raises(ProviderUnavailable):
        await provider(fake).refund(refund(100))
    fake.api_fail = False
    monkeypatch.setattr(payfast, "API_TIMEOUT_SECONDS", 0.3)
    fake.api_delay = 1.0
    with pytest.raises(ProviderUnavailable):
        await provider(fake).refund(refund(100))
    closed = PayFastProvider(None, api_url="http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(ProviderUnavailable):
        await closed.refund(refund(100))


async def test_ping_checks_merchant_and_passphrase(fake: FakePayFast) -> None:
    ok = await provider(fake).test_connection(dict(MERCHANT), sandbox=True)
    assert ok.ok is True and "sandbox" in ok.message
    bad = await provider(fake).test_connection({**MERCHANT, "passphrase": "nope"}, sandbox=False)
    assert bad.ok is False and "authorization failed" in bad.message
    unknown = await provider(fake).test_connection({**MERCHANT, "merchant_id": "999"}, sandbox=True)
    assert unknown.ok is False
    assert (await provider(fake).test_connection({}, sandbox=True)).ok is False
    assert fake.api_calls[:2] == [("GET", "/ping", True), ("GET", "/ping", False)]


async def test_refund_query(fake: FakePayFast) -> None:
    answer = await provider(fake).refund_query(PF_ID, MERCHANT, sandbox=True)
    assert answer["data"]["response"]["available_balance"] == 150.0


def test_api_signature_matches_the_documented_rule() -> None:
    """Known answer worked out by hand from the rule (sorted keys, PHP urlencode), not by product
    code: MD5 of "merchant-id=10000100&passphrase=jt7NOE43FZPn&timestamp=2026-06-13T10%3A00%3A00
    %2B02%3A00&version=v1" (one line)."""
    headers = {"merchant-id": "10000100", "version": "v1", "timestamp": "2026-06-13T10:00:00+02:00"}
    assert payfast.api_signature(headers, {}, "jt7NOE43FZPn") == "cf5cbfdbf6c8163eb9bd2169150beace"


def test_itn_amount_fee_becomes_positive_cents() -> None:
    from voelgoed.domain.payments.itn import fee_cents

    assert fee_cents("-4.60") == 460
    assert fee_cents("-10") == 1000
    assert fee_cents("0.00") == 0
    assert fee_cents("") is None and fee_cents("abc") is None and fee_cents("-²1") is None
