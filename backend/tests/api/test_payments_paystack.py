"""Paystack end to end against the fake Paystack on loopback (tests/fakes/paystack.py): Connect, the
initialize call, the charge.success webhook (signature, source address, amount, and Paystack's
verify call as the second check) that alone marks an order paid, each kind of tampering, replays,
20 concurrent copies, refund webhooks, and refunds through the provider class. After every refused
webhook: the order is not paid, no ticket exists, the refusal is recorded, and the genuine webhook
still goes through."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.refund_helpers import wait_refund
from tests.api.test_payments_concurrency import checkout as checkout_with_own_email
from tests.api.test_payments_concurrency import tickets_mails
from tests.api.test_payments_simulated import _worker_idle as _worker_idle
from tests.api.test_payments_simulated import on_sale_event, order_state, reserve_and_checkout
from tests.conftest import Api, Stack
from tests.fakes import paystack as fake_paystack
from tests.fakes.paystack import FakePaystack, Transaction, running_fake
from voelgoed.domain.payments.providers import gateway_http
from voelgoed.domain.payments.providers.base import PaymentContext, ProviderUnavailable, RefundContext
from voelgoed.domain.payments.providers.paystack import PaystackProvider

SK_TEST = "sk_test_3f9d2c81a7b64e05c9d8e7f6a5b4c3d2e1f0a9b8"
SK_LIVE = "sk_live_0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3"
CONCURRENT = 20


@pytest.fixture
def fake() -> Iterator[FakePaystack]:
    fake = running_fake()
    fake.reset()
    fake.add_account(SK_TEST)
    fake.add_account(SK_LIVE)
    yield fake
    fake.reset()


async def connect(api: Api, fake: FakePaystack, secret_key: str = SK_TEST) -> dict[str, Any]:
    """Connect in the app, then paste the webhook URL it shows into (fake) Paystack's dashboard."""
    done = await api.post(api.org("/payment-providers/paystack/connect"), json={"secret_key": secret_key})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["connected"] is True and body["webhook_registered"] is False
    assert body["webhook_url"].endswith("/api/payments/paystack/webhook")
    assert secret_key not in done.text
    fake.accounts[secret_key].webhook_url = body["webhook_url"]
    return body


def transaction_of(fake: FakePaystack, order: dict[str, Any]) -> Transaction:
    assert order["payment"]["method"] == "GET"
    assert order["payment"]["url"].startswith(fake.base_url + "/checkout/")
    code = order["payment"]["url"].rsplit("/", 1)[1]
    return next(t for t in fake.transactions.values() if t.access_code == code)


async def buy(client: Api, new_client: Any, fake: FakePaystack, *, quantity: int = 2) -> Any:
    event = await on_sale_event(client, price_cents=12550)
    await connect(client, fake)
    order = await reserve_and_checkout(new_client(), event, "paystack", quantity=quantity)
    return order, transaction_of(fake, order)


async def pay_at_paystack(fake: FakePaystack, txn: Transaction) -> httpx.Response:
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(f"{fake.base_url}/checkout/{txn.access_code}")).status_code == 200
        return await browser.post(f"{fake.base_url}/checkout/{txn.access_code}/pay")


async def send(fake: FakePaystack, url: str, body: bytes, headers: dict[str, str]) -> fake_paystack.Delivery:
    return await asyncio.to_thread(fake.post, url, body, headers)


async def notes(engine: AsyncEngine, transaction_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT provider_event_id, verified, outcome, source_ip FROM payment_notification"
                " WHERE provider = 'paystack' AND transaction_id = CAST(:t AS uuid) ORDER BY created_at"
            ),
            {"t": transaction_id},
        )
        return [dict(r._mapping) for r in rows]


def our_id(txn: Transaction) -> str:
    return str(txn.body["metadata"]["transaction_id"])


async def test_full_paystack_purchase(client: Api, new_client: Any, engine: AsyncEngine, fake: FakePaystack) -> None:
    order, txn = await buy(client, new_client, fake)
    assert txn.amount == 25100 and txn.body["currency"] == "ZAR" and txn.body["email"] == "thandi@example.co.za"
    assert txn.reference.startswith(our_id(txn) + "-")
    assert txn.body["callback_url"].endswith(f"/orders/{order['reference']}?token={order['access_token']}")
    [sent] = [h for m, r, h in fake.requests if r == "/transaction/initialize"]
    assert sent["idempotency-key"] == our_id(txn) and sent["authorization"] == f"Bearer {SK_TEST}"

    back = await pay_at_paystack(fake, txn)
    assert back.status_code == 302 and back.headers["location"].startswith(txn.body["callback_url"])
    [delivery] = fake.deliveries
    assert delivery.status_code == 200, delivery.body
    assert fake.verifications == [txn.reference]  # the second check asked Paystack
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"
    [note] = await notes(engine, our_id(txn))
    assert note["verified"] is True and note["provider_event_id"] == str(txn.id)
    async with engine.connect() as conn:
        reference = await conn.scalar(
            text("SELECT provider_reference FROM payment_transaction WHERE id = CAST(:t AS uuid)"), {"t": our_id(txn)}
        )
    assert reference == str(txn.id)  # what the refund API takes


async def test_start_again_opens_a_fresh_reference(client: Api, new_client: Any, fake: FakePaystack) -> None:
    """A reference is usable once at Paystack: a second start makes a new one for the same
    transaction of ours, so the buyer can come back and pay."""
    event = await on_sale_event(client)
    await connect(client, fake)
    buyer = new_client()
    first = await reserve_and_checkout(buyer, event, "paystack", quantity=1)
    again = await buyer.post(
        f"/api/public/orders/{first['reference']}/checkout",
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "paystack"},
        headers={"X-Order-Token": first["access_token"]},
    )
    assert again.status_code == 200, again.text
    assert again.json()["payment"]["url"] != first["payment"]["url"]
    ids = {our_id(t) for t in fake.transactions.values()}
    assert len(fake.transactions) == 2 and len(ids) == 1


async def test_browser_redirect_alone_never_marks_paid(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePaystack
) -> None:
    order, txn = await buy(client, new_client, fake)
    back = await new_client().get(f"{txn.body['callback_url']}&trxref={txn.reference}&reference={txn.reference}")
    assert back.status_code < 500
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"
    assert fake.verifications == []


TAMPERING: dict[str, tuple[dict[str, Any], str]] = {
    "bad signature": ({"headers": {"x-paystack-signature": "0" * 128}}, "signature mismatch"),
    "signed with another key": ({"key": "sk_test_somebodyelse"}, "signature mismatch"),
    "body changed after signing": ({"after": (b'"amount": 25100', b'"amount": 100')}, "signature mismatch"),
    "wrong amount, signed": ({"data": {"amount": 100}}, "amount"),
    "wrong currency, signed": ({"data": {"currency": "NGN"}}, "currency"),
    "live event for a test key": ({"data": {"domain": "live"}}, "domain"),
    "foreign source address": ({"headers": {"X-Forwarded-For": "203.0.113.7"}}, "source IP 203.0.113.7"),
    "verify says abandoned": ({"verify": "abandoned"}, "verify call says status"),
    "verify says another amount": ({"verify": "other amount"}, "verify call says amount"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
async def test_tampered_webhook_changes_nothing(
    kind: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakePaystack
) -> None:
    options, reason = TAMPERING[kind]
    order, txn = await buy(client, new_client, fake)
    txn.status = "success"
    account = fake.accounts[SK_TEST]
    body, headers = fake.signed(account, fake.charge_event(txn, **options.get("data", {})), key=options.get("key"))
    if "after" in options:
        old, new = options["after"]
        assert old in body
        body = body.replace(old, new)
    headers = {**headers, **options.get("headers", {})}
    fake.verify_answer = options.get("verify")

    refused = await send(fake, account.webhook_url, body, headers)
    assert refused.status_code == 400, refused.body
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert reason in json.loads(refused.body)["detail"]
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"
    [note] = await notes(engine, our_id(txn)) if kind != "foreign source address" else [await _latest_refusal(engine)]
    assert note["verified"] is False and reason in note["outcome"] and "#rejected-" in note["provider_event_id"]

    fake.verify_answer = None
    genuine = await asyncio.to_thread(fake.deliver, account, fake.charge_event(txn))  # not blocked by it
    assert genuine.status_code == 200, genuine.body
    assert (await order_state(engine, order["reference"]))["status"] == "paid"


async def _latest_refusal(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT provider_event_id, verified, outcome, source_ip FROM payment_notification"
                    " WHERE provider = 'paystack' AND NOT verified ORDER BY created_at DESC LIMIT 1"
                )
            )
        ).one()
    return dict(row._mapping)


async def test_verify_unreachable_is_503_and_decides_nothing(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePaystack
) -> None:
    order, txn = await buy(client, new_client, fake)
    txn.status = "success"
    account = fake.accounts[SK_TEST]
    fake.verify_answer = "500"
    later = await asyncio.to_thread(fake.deliver, account, fake.charge_event(txn))
    assert later.status_code == 503, later.body
    assert (await order_state(engine, order["reference"]))["status"] == "awaiting_payment"
    [note] = await notes(engine, our_id(txn))
    assert note["verified"] is False and "#unconfirmed-" in note["provider_event_id"]
    fake.verify_answer = None  # Paystack retries later
    assert (await asyncio.to_thread(fake.deliver, account, fake.charge_event(txn))).status_code == 200
    assert (await order_state(engine, order["reference"]))["status"] == "paid"


async def test_replayed_webhook_changes_nothing(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePaystack
) -> None:
    order, txn = await buy(client, new_client, fake, quantity=3)
    await pay_at_paystack(fake, txn)
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 3
    account = fake.accounts[SK_TEST]
    body, headers = fake.signed(account, fake.charge_event(txn))
    for _ in range(3):
        assert (await send(fake, account.webhook_url, body, headers)).status_code == 200
    assert await order_state(engine, order["reference"]) == state
    assert len([n for n in await notes(engine, our_id(txn)) if n["verified"]]) == 1
    assert fake.verifications == [txn.reference]  # duplicates are answered without asking again


async def test_concurrent_copies_pay_once(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack, fake: FakePaystack
) -> None:
    event = await on_sale_event(client)
    await connect(client, fake)
    order = await checkout_with_own_email(new_client(), event, "paystack")
    txn = transaction_of(fake, order)
    txn.status = "success"
    account = fake.accounts[SK_TEST]
    body, headers = fake.signed(account, fake.charge_event(txn))

    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        answers = await asyncio.gather(
            *(http.post(account.webhook_url, content=body, headers=headers) for _ in range(CONCURRENT))
        )

    assert [a.status_code for a in answers] == [200] * CONCURRENT, [a.text[:200] for a in answers]
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"
    assert len([n for n in await notes(engine, our_id(txn)) if n["verified"]]) == 1
    assert await tickets_mails(stack, order["email"]) == 1


async def test_unknown_transaction_and_garbage_are_refused(
    client: Api, engine: AsyncEngine, fake: FakePaystack
) -> None:
    account = fake.accounts[SK_TEST]
    reference = f"{uuid.uuid4()}-abcd1234"
    data = {"id": 1, "domain": "test", "status": "success", "reference": reference, "amount": 100, "currency": "ZAR"}
    event = {"event": "charge.success", "data": data}
    body, headers = fake.signed(account, event)
    for content in (body, b"not json", b'{"event": "charge.success"}'):
        answer = await client.post("/api/payments/paystack/webhook", content=content, headers=headers)
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    async with engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM payment_notification WHERE provider = 'paystack' AND NOT verified")
        )
    assert count == 3


async def test_webhook_with_a_nul_character_is_refused_and_recorded(client: Api, engine: AsyncEngine) -> None:
    """PostgreSQL text and JSONB cannot hold NUL: an event with one (JSON-escaped, or a raw NUL byte)
    is malformed, 400 problem+json and recorded without it."""
    escaped = b'{"event": "charge.success", "data": {"id": 1, "reference": "r\\u0000"}}'
    for content in (escaped, b"not json \x00"):
        answer = await client.post("/api/payments/paystack/webhook", content=content)
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["detail"] == "malformed webhook body"
    async with engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM payment_notification WHERE provider = 'paystack' AND NOT verified")
        )
    assert count == 2


async def test_connect_refuses_a_bad_key(client: Api, fake: FakePaystack) -> None:
    await on_sale_event(client)
    wrong = await client.post(client.org("/payment-providers/paystack/connect"), json={"secret_key": "sk_test_nope"})
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"][0]["field"] == "secret_key" and "Invalid key" in wrong.text


async def test_refund_webhooks_are_verified_and_recorded_once(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePaystack
) -> None:
    order, txn = await buy(client, new_client, fake, quantity=1)
    await pay_at_paystack(fake, txn)
    assert (await order_state(engine, order["reference"]))["status"] == "paid"
    result = await PaystackProvider(fake.base_url).refund(_refund(str(txn.id), SK_TEST, amount=txn.amount))
    assert result.status == "pending" and result.provider_refund_id
    refund_id = int(result.provider_refund_id)
    account = fake.accounts[SK_TEST]
    outcome = fake.refund_event(refund_id, processed=True)
    body, headers = fake.signed(account, outcome)
    for _ in range(2):  # the second is a redelivery
        assert (await send(fake, account.webhook_url, body, headers)).status_code == 200
    forged = await send(fake, account.webhook_url, body, {**headers, "x-paystack-signature": "0" * 128})
    assert forged.status_code == 400
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT payload, transaction_id::text AS txn FROM payment_notification"
                    " WHERE provider = 'paystack' AND verified AND provider_event_id LIKE 'refund:%'"
                )
            )
        ).all()
    assert len(rows) == 1 and rows[0].txn == our_id(txn)
    assert rows[0].payload["voelgoed"] == {"transaction_id": our_id(txn), "amount_cents": 25100 // 2}


@pytest.mark.parametrize("processed", [True, False])
async def test_refund_webhook_settles_the_refund_it_is_about(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePaystack, processed: bool
) -> None:
    """Paystack's refund events name neither our refund nor Paystack's refund id: the refund is
    found by our transaction and the amount. One ticket refunded of two: queued (pending) until
    refund.processed (succeeded) or refund.failed (failed)."""
    order, txn = await buy(client, new_client, fake, quantity=2)
    await pay_at_paystack(fake, txn)
    assert (await order_state(engine, order["reference"]))["status"] == "paid"
    detail = await client.get(client.org(f"/orders/{order['order_id']}"))
    assert detail.status_code == 200, detail.text
    ticket = detail.json()["tickets"][0]["id"]
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"kind": "tickets", "ticket_ids": [ticket], "reason": "Cannot come"}
    asked = await client.post(client.org(f"/orders/{order['order_id']}/refunds"), json=body, headers=headers)
    assert asked.status_code == 201, asked.text
    refund = await wait_refund(client, asked.json()["id"], "pending")
    deadline = time.monotonic() + 30
    while refund["provider_refund_id"] is None and time.monotonic() < deadline:  # pending from the first try
        await asyncio.sleep(0.1)
        refund = (await client.get(client.org(f"/refunds/{refund['id']}"))).json()
    [queued] = fake.refunds.values()  # the refund job asked Paystack, which queued it
    assert refund["provider_refund_id"] == str(queued["id"]) and refund["status"] == "pending"
    assert queued["amount"] == refund["amount_cents"] == 25100 // 2 and queued["transaction"] == txn.reference

    delivery = await asyncio.to_thread(fake.send_refund_outcome, queued["id"], processed=processed)
    assert delivery.status_code == 200, delivery.body
    settled = await wait_refund(client, refund["id"], "succeeded" if processed else "failed", timeout=10)
    assert settled["amount_cents"] == 25100 // 2
    again = await asyncio.to_thread(fake.send_refund_outcome, queued["id"], processed=not processed)  # contrary
    assert again.status_code == 200
    assert (await wait_refund(client, refund["id"], settled["status"], timeout=1))["status"] == settled["status"]


# --- the provider class against the fake -----------------------------------------------------------
def _context(secret_key: str) -> PaymentContext:
    return PaymentContext(
        transaction_id=uuid.uuid4(),
        order_reference="VG-TEST2",
        amount_cents=30000,
        item_name="Test: 2 tickets",
        buyer_name="Thandi Nkosi",
        buyer_email="thandi@example.co.za",
        return_url="https://tickets.example/orders/VG-TEST2",
        cancel_url="https://tickets.example/orders/VG-TEST2",
        notify_url="",
        credentials={"secret_key": secret_key},
    )


def _refund(provider_reference: str, secret_key: str = SK_LIVE, amount: int = 10000) -> RefundContext:
    return RefundContext(
        refund_id=uuid.uuid4(),
        transaction_id=uuid.uuid4(),
        provider_reference=provider_reference,
        amount_cents=amount,
        paid_cents=30000,
        reason="Event moved",
        credentials={"secret_key": secret_key},
    )


async def paid(fake: FakePaystack) -> tuple[PaystackProvider, Transaction]:
    provider = PaystackProvider(fake.base_url)
    redirect = await provider.begin(_context(SK_LIVE))
    txn = next(t for t in fake.transactions.values() if redirect.url.endswith(t.access_code))
    await pay_at_paystack(fake, txn)  # no webhook URL pasted on this account: nothing is sent
    return provider, txn


async def test_refund_is_queued_then_pending(fake: FakePaystack) -> None:
    provider, txn = await paid(fake)
    ctx = _refund(str(txn.id))
    result = await provider.refund(ctx)
    assert result.status == "pending" and result.provider_refund_id
    refund = fake.refunds[int(result.provider_refund_id)]
    assert refund["amount"] == 10000 and str(ctx.refund_id) in refund["merchant_note"]
    [sent] = [h for m, r, h in fake.requests if r == "/refund"]
    assert sent["idempotency-key"] == str(ctx.refund_id)


async def test_refund_refused_is_failed(fake: FakePaystack) -> None:
    provider, txn = await paid(fake)
    too_much = await provider.refund(_refund(str(txn.id), amount=30001))
    assert too_much.status == "failed" and "cannot be more" in (too_much.failure_reason or "")
    fake.refund_answer = "refuse"
    refused = await provider.refund(_refund(str(txn.id)))
    assert refused.status == "failed" and "fully reversed" in (refused.failure_reason or "")


@pytest.mark.parametrize("answer", ["timeout", "500"])
async def test_refund_unreachable_raises_provider_unavailable(
    answer: str, fake: FakePaystack, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, txn = await paid(fake)
    monkeypatch.setattr(gateway_http, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(fake_paystack, "TIMEOUT_SLEEP_SECONDS", 2.0)
    fake.refund_answer = answer
    with pytest.raises(ProviderUnavailable):
        await provider.refund(_refund(str(txn.id)))
    assert txn.refunded == 0


async def test_test_connection(fake: FakePaystack) -> None:
    provider = PaystackProvider(fake.base_url)
    assert (await provider.test_connection({"secret_key": SK_LIVE}, False)).ok
    bad = await provider.test_connection({"secret_key": "sk_live_unknown"}, False)
    assert not bad.ok and "Invalid key" in bad.message


@pytest.mark.parametrize(("trouble", "status"), [("down", 503), ("key revoked", 422)])
async def test_paystack_trouble_at_checkout_is_a_clear_4xx_or_503(
    trouble: str, status: int, client: Api, new_client: Any, engine: AsyncEngine, fake: FakePaystack
) -> None:
    """Paystack down when the buyer starts paying: 503 (try again); the key refused: 422 at
    `provider`. Never a 500, and the order keeps its hold (nothing was committed)."""
    event = await on_sale_event(client)
    await connect(client, fake)
    buyer = new_client()
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 1}]},
    )
    assert held.status_code == 201, held.text
    if trouble == "down":
        fake.api_answer = "500"
    else:
        fake.accounts.pop(SK_TEST)
    refused = await buyer.post(
        f"/api/public/orders/{held.json()['reference']}/checkout",
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "paystack"},
        headers={"X-Order-Token": held.json()["access_token"]},
    )
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    state = await order_state(engine, held.json()["reference"])
    assert state["status"] == "reserved" and state["tickets"] == 0
