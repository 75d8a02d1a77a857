"""Yoco end to end against the fake Yoco on loopback (tests/fakes/yoco.py): Connect (which registers
the webhook and keeps its whsec_ secret), the Checkout API, the signed webhook that alone marks an
order paid, each kind of tampering, replays, 20 concurrent copies, and refunds through the
provider class. After every refused webhook: the order is not paid, no ticket exists, the refusal
is recorded, and the genuine webhook still goes through. Signatures are also checked with the
Standard Webhooks reference implementation (`standardwebhooks` on PyPI), independent of both our
code and the fake's."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook

from tests.api.test_payments_concurrency import checkout as checkout_with_own_email
from tests.api.test_payments_concurrency import tickets_mails
from tests.api.test_payments_simulated import _worker_idle as _worker_idle
from tests.api.test_payments_simulated import on_sale_event, order_state, reserve_and_checkout
from tests.conftest import Api, Stack
from tests.fakes import yoco as fake_yoco
from tests.fakes.yoco import Checkout, FakeYoco, running_fake
from voelgoed.domain.payments import yoco_webhooks
from voelgoed.domain.payments.providers import gateway_http
from voelgoed.domain.payments.providers.base import PaymentContext, ProviderUnavailable, RefundContext
from voelgoed.domain.payments.providers.yoco import YocoProvider

SK_TEST = "sk_test_960bfde0VBrLlpK098e4ffeb53e1"
SK_LIVE = "sk_live_4b2c9e07Ab1d3f5a6c8e9d0f1a2b3c4d"
CONCURRENT = 20


@pytest.fixture
def fake() -> Iterator[FakeYoco]:
    fake = running_fake()
    fake.reset()
    fake.add_account(SK_TEST)
    fake.add_account(SK_LIVE)
    yield fake
    fake.reset()


async def connect(api: Api, fake: FakeYoco, secret_key: str = SK_TEST) -> dict[str, Any]:
    done = await api.post(api.org("/payment-providers/yoco/connect"), json={"secret_key": secret_key})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["connected"] is True and body["webhook_registered"] is True
    assert body["webhook_url"].endswith("/api/payments/yoco/webhook")
    assert secret_key not in done.text and "whsec_" not in done.text  # secrets never come back
    return body


def webhook_of(fake: FakeYoco, secret_key: str = SK_TEST) -> fake_yoco.Webhook:
    [hook] = fake.accounts[secret_key].webhooks.values()
    return hook


def checkout_of(fake: FakeYoco, order: dict[str, Any]) -> Checkout:
    assert order["payment"]["method"] == "GET"
    assert order["payment"]["url"].startswith(fake.base_url + "/checkout/ch_")
    return fake.checkouts[order["payment"]["url"].rsplit("/", 1)[1]]


async def pay_at_yoco(fake: FakeYoco, checkout: Checkout) -> httpx.Response:
    """The buyer pays on the hosted page: Yoco sends the webhook first, then redirects the buyer."""
    async with httpx.AsyncClient() as browser:
        page = await browser.get(f"{fake.base_url}/checkout/{checkout.id}")
        assert page.status_code == 200
        return await browser.post(f"{fake.base_url}/checkout/{checkout.id}/pay")


async def send(fake: FakeYoco, url: str, body: bytes, headers: dict[str, str]) -> fake_yoco.Delivery:
    return await asyncio.to_thread(fake.post, url, body, headers)


async def notes(engine: AsyncEngine, transaction_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT provider_event_id, verified, outcome FROM payment_notification"
                " WHERE provider = 'yoco' AND transaction_id = CAST(:t AS uuid) ORDER BY created_at"
            ),
            {"t": transaction_id},
        )
        return [dict(r._mapping) for r in rows]


async def buy(client: Api, new_client: Any, fake: FakeYoco, *, price_cents: int = 12550, quantity: int = 2) -> Any:
    event = await on_sale_event(client, price_cents=price_cents)
    await connect(client, fake)
    order = await reserve_and_checkout(new_client(), event, "yoco", quantity=quantity)
    checkout = checkout_of(fake, order)
    return event, order, checkout


async def test_full_yoco_purchase(client: Api, new_client: Any, engine: AsyncEngine, fake: FakeYoco) -> None:
    _, order, checkout = await buy(client, new_client, fake)
    hook = webhook_of(fake)
    assert hook.url.endswith("/api/payments/yoco/webhook")
    assert checkout.body["amount"] == 25100 and checkout.body["currency"] == "ZAR"
    transaction_id = checkout.body["metadata"]["transactionId"]
    created = [h for m, r, h in fake.requests if m == "POST" and r == "/api/checkouts"]
    assert created and created[0]["idempotency-key"] == transaction_id
    assert created[0]["authorization"] == f"Bearer {SK_TEST}"
    assert checkout.body["successUrl"].endswith(f"/orders/{order['reference']}?token={order['access_token']}")

    back = await pay_at_yoco(fake, checkout)
    assert back.status_code == 302 and back.headers["location"] == checkout.body["successUrl"]
    [delivery] = fake.deliveries
    assert delivery.status_code == 200, delivery.body
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"
    [note] = await notes(engine, transaction_id)
    assert note["verified"] is True and note["provider_event_id"] == checkout.payment_id
    async with engine.connect() as conn:
        reference = await conn.scalar(
            text("SELECT provider_reference FROM payment_transaction WHERE id = CAST(:t AS uuid)"),
            {"t": transaction_id},
        )
    assert reference == checkout.id  # what Yoco's refund API needs


async def test_start_again_reuses_the_checkout(client: Api, new_client: Any, fake: FakeYoco) -> None:
    """A retried start sends the same Idempotency-Key (our transaction id): one checkout at Yoco."""
    event = await on_sale_event(client)
    await connect(client, fake)
    buyer = new_client()
    first = await reserve_and_checkout(buyer, event, "yoco", quantity=1)
    again = await buyer.post(
        f"/api/public/orders/{first['reference']}/checkout",
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "yoco"},
        headers={"X-Order-Token": first["access_token"]},
    )
    assert again.status_code == 200, again.text
    assert again.json()["payment"]["url"] == first["payment"]["url"]
    assert len(fake.checkouts) == 1


async def test_standard_webhooks_reference_agrees(client: Api, new_client: Any, fake: FakeYoco) -> None:
    """The fake's signature, and our own, are what the reference implementation computes."""
    _, _, checkout = await buy(client, new_client, fake, quantity=1)
    secret = webhook_of(fake).secret
    body, headers = fake.signed(fake.payment_event(checkout), secret)
    assert Webhook(secret).verify(body, headers)["type"] == "payment.succeeded"
    ts = int(headers["webhook-timestamp"])
    ours = yoco_webhooks.sign(secret, headers["webhook-id"], str(ts), body)
    reference = Webhook(secret).sign(headers["webhook-id"], datetime.fromtimestamp(ts, UTC), body.decode())
    assert f"v1,{ours}" == reference == headers["webhook-signature"]


async def test_browser_redirect_alone_never_marks_paid(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeYoco
) -> None:
    _, order, checkout = await buy(client, new_client, fake)
    buyer = new_client()
    back = await buyer.get(checkout.body["successUrl"])  # the buyer comes back without paying
    assert back.status_code < 500, back.text
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"


def _zero_signature() -> str:
    return "v1," + base64.b64encode(b"\x00" * 32).decode()


TAMPERING: dict[str, tuple[dict[str, Any], str]] = {
    "bad signature": ({"headers": {"webhook-signature": _zero_signature()}}, "signature mismatch"),
    "other secret": ({"secret": "whsec_" + base64.b64encode(b"k" * 24).decode()}, "signature mismatch"),
    "body changed after signing": ({"after": (b'"amount":25100', b'"amount":100')}, "signature mismatch"),
    "wrong amount, signed": ({"payload": {"amount": 100}}, "amount"),
    "wrong currency, signed": ({"payload": {"currency": "USD"}}, "currency"),
    "live event for a test account": ({"payload": {"mode": "live"}}, "mode"),
    "stale timestamp": ({"timestamp": -600}, "webhook-timestamp"),
    "timestamp from the future": ({"timestamp": 600}, "webhook-timestamp"),
    "no signature header": ({"headers": {"webhook-signature": ""}}, "missing"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
async def test_tampered_webhook_changes_nothing(
    kind: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakeYoco
) -> None:
    options, reason = TAMPERING[kind]
    _, order, checkout = await buy(client, new_client, fake)
    checkout.status, checkout.payment_id = "completed", "p_" + uuid.uuid4().hex[:24]
    hook = webhook_of(fake)
    event = fake.payment_event(checkout, **options.get("payload", {}))
    sign: dict[str, Any] = {}
    if "timestamp" in options:
        sign["timestamp"] = int(time.time()) + options["timestamp"]
    body, headers = fake.signed(event, options.get("secret", hook.secret), **sign)
    if "after" in options:
        old, new = options["after"]
        assert old in body
        body = body.replace(old, new)
    headers = {**headers, **options.get("headers", {})}

    refused = await send(fake, hook.url, body, headers)
    assert refused.status_code == 400, refused.body
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert reason in json.loads(refused.body)["detail"]
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"
    [note] = await notes(engine, checkout.body["metadata"]["transactionId"])
    assert note["verified"] is False and reason in note["outcome"] and "#rejected-" in note["provider_event_id"]

    genuine = fake.deliver(hook.url, fake.payment_event(checkout), hook.secret)  # not blocked by the forgery
    assert genuine.status_code == 200, genuine.body
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2


async def test_replayed_and_redelivered_webhooks_change_nothing(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeYoco
) -> None:
    _, order, checkout = await buy(client, new_client, fake, quantity=3)
    await pay_at_yoco(fake, checkout)
    [first] = fake.deliveries
    assert first.status_code == 200
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 3

    hook = webhook_of(fake)
    event = fake.payment_event(checkout)
    body, headers = fake.signed(event, hook.secret)
    for _ in range(2):  # the same delivery twice, then Yoco's retry with a new id and timestamp
        assert (await send(fake, hook.url, body, headers)).status_code == 200
    assert fake.deliver(hook.url, fake.payment_event(checkout), hook.secret).status_code == 200
    assert await order_state(engine, order["reference"]) == state
    verified = [n for n in await notes(engine, checkout.body["metadata"]["transactionId"]) if n["verified"]]
    assert len(verified) == 1


async def test_concurrent_copies_pay_once(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack, fake: FakeYoco
) -> None:
    event = await on_sale_event(client)
    await connect(client, fake)
    order = await checkout_with_own_email(new_client(), event, "yoco")  # its own mailbox address
    checkout = checkout_of(fake, order)
    checkout.status, checkout.payment_id = "completed", "p_" + uuid.uuid4().hex[:24]
    hook = webhook_of(fake)
    body, headers = fake.signed(fake.payment_event(checkout), hook.secret)

    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        answers = await asyncio.gather(*(http.post(hook.url, content=body, headers=headers) for _ in range(CONCURRENT)))

    assert [a.status_code for a in answers] == [200] * CONCURRENT, [a.text[:200] for a in answers]
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"
    verified = [n for n in await notes(engine, checkout.body["metadata"]["transactionId"]) if n["verified"]]
    assert len(verified) == 1
    assert await tickets_mails(stack, order["email"]) == 1


async def test_unknown_transaction_and_garbage_are_refused(client: Api, fake: FakeYoco, engine: AsyncEngine) -> None:
    secret = "whsec_" + base64.b64encode(b"s" * 24).decode()
    event = {
        "id": "evt_unknown",
        "type": "payment.succeeded",
        "createdDate": "2026-11-30T10:00:00Z",
        "payload": {"id": "p_x", "amount": 100, "currency": "ZAR", "status": "succeeded", "mode": "test",
                    "metadata": {"transactionId": str(uuid.uuid4()), "checkoutId": "ch_x"}},
    }  # fmt: skip
    body, headers = fake.signed(event, secret)
    for content, hdrs in ((body, headers), (b"not json", headers), (b"[]", headers)):
        answer = await client.post("/api/payments/yoco/webhook", content=content, headers=hdrs)
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    async with engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM payment_notification WHERE provider='yoco' AND NOT verified")
        )
    assert count == 3


async def test_webhook_with_a_nul_character_is_refused_and_recorded(client: Api, engine: AsyncEngine) -> None:
    """PostgreSQL text and JSONB cannot hold NUL: an event with one (JSON-escaped, or a raw NUL byte)
    is malformed, 400 problem+json and recorded without it."""
    escaped = b'{"id": "evt_\\u0000", "type": "payment.succeeded", "payload": {"id": "p_\\u0000"}}'
    for content in (escaped, b"not json \x00"):
        answer = await client.post("/api/payments/yoco/webhook", content=content)
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["detail"] == "malformed webhook body"
    async with engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM payment_notification WHERE provider='yoco' AND NOT verified")
        )
    assert count == 2


async def test_connect_refuses_a_bad_key(client: Api, fake: FakeYoco) -> None:
    await on_sale_event(client)
    wrong = await client.post(client.org("/payment-providers/yoco/connect"), json={"secret_key": "sk_test_unknown1"})
    assert wrong.status_code == 422, wrong.text
    malformed = await client.post(client.org("/payment-providers/yoco/connect"), json={"secret_key": "pk_test_abc"})
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "secret_key"
    await connect(client, fake)
    await connect(client, fake)  # reconnecting replaces the webhook: still one at Yoco
    assert len(fake.accounts[SK_TEST].webhooks) == 1


# --- the provider class against the fake: begin, refunds, test connection ------------------------
def _context(transaction_id: uuid.UUID, secret_key: str) -> PaymentContext:
    return PaymentContext(
        transaction_id=transaction_id,
        order_reference="VG-TEST1",
        amount_cents=30000,
        item_name="Test: 2 tickets",
        buyer_name="Thandi Nkosi",
        buyer_email="thandi@example.co.za",
        return_url="https://tickets.example/orders/VG-TEST1",
        cancel_url="https://tickets.example/orders/VG-TEST1",
        notify_url="",
        credentials={"secret_key": secret_key},
    )


async def paid_checkout(fake: FakeYoco, secret_key: str = SK_LIVE) -> tuple[YocoProvider, Checkout]:
    provider = YocoProvider(fake.base_url)
    redirect = await provider.begin(_context(uuid.uuid4(), secret_key))
    checkout = fake.checkouts[redirect.url.rsplit("/", 1)[1]]
    await pay_at_yoco(fake, checkout)  # no webhook registered on this account: nothing is sent
    return provider, checkout


def _refund(checkout: Checkout, secret_key: str = SK_LIVE, amount: int = 10000) -> RefundContext:
    return RefundContext(
        refund_id=uuid.uuid4(),
        transaction_id=uuid.UUID(checkout.body["metadata"]["transactionId"]),
        provider_reference=checkout.id,
        amount_cents=amount,
        paid_cents=30000,
        reason="Buyer cannot attend",
        credentials={"secret_key": secret_key},
        sandbox=secret_key.startswith("sk_test_"),
    )


async def test_refund_is_accepted_then_pending(fake: FakeYoco) -> None:
    provider, checkout = await paid_checkout(fake)
    ctx = _refund(checkout)
    result = await provider.refund(ctx)
    assert result.status == "pending" and result.provider_refund_id and result.provider_refund_id.startswith("rfd_")
    again = await provider.refund(ctx)  # a retry with the same Idempotency-Key refunds nothing more
    assert again.provider_refund_id == result.provider_refund_id
    assert checkout.refunded_cents == 10000
    [sent] = [h for m, r, h in fake.requests if r.endswith("/refund")][:1]
    assert sent["idempotency-key"] == str(ctx.refund_id)
    refund = fake.refunds[str(ctx.refund_id)]
    assert refund["amount"] == 10000 and refund["metadata"]["refundId"] == str(ctx.refund_id)


async def test_refund_refused_is_failed(fake: FakeYoco) -> None:
    provider, checkout = await paid_checkout(fake)
    fake.refund_answer = "refuse"
    result = await provider.refund(_refund(checkout))
    assert result.status == "failed" and "cannot be refunded" in (result.failure_reason or "")
    fake.refund_answer = None
    too_much = await provider.refund(_refund(checkout, amount=30001))
    assert too_much.status == "failed" and "exceeds" in (too_much.failure_reason or "")
    _, test_checkout = await paid_checkout(fake, SK_TEST)  # Yoco refunds only live checkouts
    assert (await provider.refund(_refund(test_checkout, SK_TEST))).status == "failed"


@pytest.mark.parametrize("answer", ["timeout", "500"])
async def test_refund_unreachable_raises_provider_unavailable(
    answer: str, fake: FakeYoco, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, checkout = await paid_checkout(fake)
    monkeypatch.setattr(gateway_http, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(fake_yoco, "TIMEOUT_SLEEP_SECONDS", 2.0)
    fake.refund_answer = answer
    with pytest.raises(ProviderUnavailable):
        await provider.refund(_refund(checkout))
    assert checkout.refunded_cents == 0


async def test_test_connection(fake: FakeYoco) -> None:
    provider = YocoProvider(fake.base_url)
    assert not (await provider.test_connection({"secret_key": "sk_test_nope"}, True)).ok
    half = await provider.test_connection({"secret_key": SK_TEST}, True)
    assert not half.ok and "Connect" in half.message
    full = await provider.test_connection({"secret_key": SK_TEST, "webhook_secret": "whsec_eA=="}, True)
    assert full.ok and "test mode" in full.message


async def test_refund_outcome_webhook_is_verified_and_recorded(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeYoco
) -> None:
    event = await on_sale_event(client)
    await connect(client, fake, SK_LIVE)
    order = await reserve_and_checkout(new_client(), event, "yoco", quantity=1)
    checkout = checkout_of(fake, order)
    await pay_at_yoco(fake, checkout)
    assert (await order_state(engine, order["reference"]))["status"] == "paid"

    result = await YocoProvider(fake.base_url).refund(_refund(checkout, amount=checkout.body["amount"]))
    assert result.status == "pending" and result.provider_refund_id
    [delivery] = await asyncio.to_thread(fake.send_refund_outcome, result.provider_refund_id, succeeded=True)
    assert delivery.status_code == 200, delivery.body
    again = fake.deliveries[-1]
    outcome = fake.refund_event(result.provider_refund_id, succeeded=True)
    replay = await send(fake, again.url, *fake.signed(outcome, webhook_of(fake, SK_LIVE).secret))
    assert replay.status_code == 200
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT verified FROM payment_notification"
                    " WHERE provider = 'yoco' AND provider_event_id LIKE 'refund:%'"
                )
            )
        ).all()
    assert len(rows) == 2 and all(r.verified for r in rows)  # two events, each recorded once


async def test_not_connected_organiser_cannot_take_yoco(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeYoco
) -> None:
    """Without Connect, checkout refuses Yoco (422 at `provider`), and a webhook signed with a
    secret we never stored for this organiser is refused."""
    event = await on_sale_event(client)
    buyer = new_client()
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 1}]},
    )
    assert held.status_code == 201, held.text
    refused = await buyer.post(
        f"/api/public/orders/{held.json()['reference']}/checkout",
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "yoco"},
        headers={"X-Order-Token": held.json()["access_token"]},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "provider"
    assert fake.checkouts == {}
