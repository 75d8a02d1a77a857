"""Ozow end to end against the fake Ozow on loopback (tests/fakes/ozow.py): the payment request form,
the notification with its checks (hash, site code, amount, Ozow's status API), de-duplication,
concurrency, each kind of tampering, Ozow being unreachable, and refunds through Ozow's refund API.
After every refused notification: the order is not paid, no ticket exists, the refusal is recorded,
and the genuine notification still goes through afterwards (a forged copy never blocks it)."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_checkout_site import Buyer, checkout, reference_of, reserve, sale
from tests.api.test_checkout_site import buyer as buyer
from tests.api.test_payments_concurrency import post_all, tickets_mails, unexpected
from tests.api.test_payments_simulated import _worker_idle as _worker_idle
from tests.api.test_payments_simulated import on_sale_event, order_state, reserve_and_checkout
from tests.conftest import Api, Stack
from tests.fakes.ozow import FakeOzow, running_fake
from voelgoed.domain.payments.providers.base import ProviderUnavailable, RefundContext
from voelgoed.domain.payments.providers.ozow import OzowProvider

SITE_CODE, PRIVATE_KEY, API_KEY = "VGE-TST-001", "215114531AFF7134A94C88CEEA48E", "4a5b1c9d2e8f7a6b5c4d3e2f1a0b9c8d"
OTHER_SITE = ("ABC-XYZ-999", "another-merchants-private-key", "another-merchants-api-key")


@pytest.fixture
def fake() -> Iterator[FakeOzow]:
    fake = running_fake()
    fake.reset()
    fake.add_site(SITE_CODE, PRIVATE_KEY, API_KEY)
    fake.add_site(*OTHER_SITE)
    yield fake
    fake.reset()


async def own_site(api: Api, *, sandbox: bool = True) -> None:
    saved = await api.put(
        api.org("/payment-providers/ozow"),
        json={
            "credentials": {"site_code": SITE_CODE, "private_key": PRIVATE_KEY, "api_key": API_KEY},
            "sandbox": sandbox,
            "enabled": True,
        },
    )
    assert saved.status_code == 200, saved.text


async def at_ozow(fake: FakeOzow, order: dict[str, Any]) -> str:
    """The buyer's browser posts the payment request to (fake) Ozow; returns Ozow's TransactionId."""
    payment = order["payment"]
    assert payment["method"] == "POST" and payment["url"] == fake.pay_url
    async with httpx.AsyncClient() as browser:
        response = await browser.post(payment["url"], data=payment["fields"])
    assert response.status_code == 200, response.text
    return response.headers["x-fake-transaction-id"]


async def send(fake: FakeOzow, ozow_id: str, **kw: Any) -> httpx.Response:
    return await asyncio.to_thread(fake.send_notification, ozow_id, **kw)


async def notifications(engine: AsyncEngine, ozow_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT provider_event_id, verified, outcome FROM payment_notification"
                " WHERE provider = 'ozow' AND split_part(provider_event_id, '#', 1) = :p ORDER BY created_at"
            ),
            {"p": ozow_id.lower()},
        )
        return [dict(r._mapping) for r in rows]


async def paying_order(client: Api, new_client: Any, fake: FakeOzow, quantity: int = 2) -> tuple[dict[str, Any], str]:
    event = await on_sale_event(client)
    await own_site(client)
    order = await reserve_and_checkout(new_client(), event, "ozow", quantity=quantity)
    return order, await at_ozow(fake, order)


async def test_full_ozow_purchase(client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow) -> None:
    event = await on_sale_event(client, price_cents=12550)
    await own_site(client)
    order = await reserve_and_checkout(new_client(), event, "ozow", quantity=2)
    fields = order["payment"]["fields"]
    assert fields["SiteCode"] == SITE_CODE and fields["Amount"] == "251.00" and fields["IsTest"] == "true"
    assert (fields["CountryCode"], fields["CurrencyCode"]) == ("ZA", "ZAR")
    assert fields["NotifyUrl"].endswith("/api/payments/ozow/notify")
    assert PRIVATE_KEY not in str(fields) and API_KEY not in str(fields)

    ozow_id = await at_ozow(fake, order)
    async with httpx.AsyncClient() as browser:  # the buyer pays at their bank; Ozow notifies first
        back = await browser.post(f"{fake.pay_url}/{ozow_id}/pay")
    assert back.status_code == 302 and back.headers["location"].startswith(fields["SuccessUrl"])
    assert fake.transactions[ozow_id].notify_status == 200, fake.transactions[ozow_id].notify_body
    assert fake.status_queries == [{"siteCode": SITE_CODE, "transactionReference": fields["TransactionReference"]}]

    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"
    [note] = await notifications(engine, ozow_id)
    assert note["verified"] is True and note["provider_event_id"] == f"{ozow_id}#Complete"


async def test_payment_request_hash_is_what_ozow_checks(client: Api, new_client: Any, fake: FakeOzow) -> None:
    """The fake refuses a payment request whose HashCheck does not follow Ozow's rules."""
    event = await on_sale_event(client)
    await own_site(client)
    order = await reserve_and_checkout(new_client(), event, "ozow", quantity=1)
    tampered = {**order["payment"]["fields"], "Amount": "1.00"}
    async with httpx.AsyncClient() as browser:
        refused = await browser.post(order["payment"]["url"], data=tampered)
    assert refused.status_code == 400 and "Hash check failed" in refused.text


async def test_ozow_needs_the_organisers_own_site(client: Api, new_client: Any) -> None:
    """No public test site exists for Ozow: without the organiser's account checkout refuses it."""
    event = await on_sale_event(client)
    held = await new_client().post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 1}]},
    )
    order = held.json()
    started = await client.post(
        f"/api/public/orders/{order['reference']}/checkout",
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "ozow"},
        headers={"X-Order-Token": order["access_token"]},
    )
    assert started.status_code == 422, started.text
    assert "(Ozow) is not set up" in started.text


async def test_checkout_site_offers_ozow_once_the_organiser_saved_a_site(
    client: Api, engine: AsyncEngine, buyer: Buyer, fake: FakeOzow
) -> None:
    """The buyer's checkout page (no JavaScript needed): Ozow is a choice only with the organiser's
    own site, and choosing it gives a form the fake Ozow accepts."""
    s = await sale(client, engine)
    reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 1}))
    assert 'value="ozow"' not in (await buyer.get(f"/checkout/{reference}")).text
    await own_site(client)
    assert 'value="ozow"' in (await buyer.get(f"/checkout/{reference}")).text
    page = await checkout(buyer, reference, provider="ozow")
    assert page.status_code == 200, page.text[:2000]
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action and action.group(1) == fake.pay_url
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    assert fields["Amount"] == "250.00" and fields["SiteCode"] == SITE_CODE
    async with httpx.AsyncClient() as browser:
        at_ozow = await browser.post(action.group(1), data={k: html.unescape(v) for k, v in fields.items()})
    assert at_ozow.status_code == 200, at_ozow.text


async def test_the_redirect_alone_never_marks_paid(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow
) -> None:
    """Ozow signs the buyer's redirect to SuccessUrl too; it still pays nothing: only the
    notification, confirmed with Ozow's status API, does."""
    order, ozow_id = await paying_order(client, new_client, fake)
    fake.send_notifications = False
    async with httpx.AsyncClient() as browser:
        back = await browser.post(f"{fake.pay_url}/{ozow_id}/pay")
        assert back.status_code == 302 and "Status=Complete" in back.headers["location"]
        landed = await browser.get(back.headers["location"])
        assert landed.status_code < 500
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"
    assert await notifications(engine, ozow_id) == []

    late = await send(fake, ozow_id, pairs=fake.notification(ozow_id))  # Ozow's notification arrives
    assert late.status_code == 200, late.text
    assert (await order_state(engine, order["reference"]))["status"] == "paid"


TAMPERING = {
    "bad hash": ({"Hash": "0" * 128}, {}, "hash mismatch"),
    "amount changed in transit": ({"Amount": "1.00"}, {}, "hash mismatch"),
    "wrong amount, signed": ({}, {"signed": {"Amount": "1.00"}}, "Amount '1.00' does not match"),
    "wrong site code": ({}, {"signed": {"SiteCode": OTHER_SITE[0]}}, "SiteCode"),
    "not ZAR": ({}, {"signed": {"CurrencyCode": "USD"}}, "CurrencyCode"),
    "status API disagrees": ({}, {"register": False}, "status API says 'Pending'"),
    "unknown to Ozow": ({}, {"signed": {"TransactionId": str(uuid.uuid4())}}, "does not know TransactionId"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
async def test_tampered_notification_changes_nothing(
    kind: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow
) -> None:
    overrides, options, reason = TAMPERING[kind]
    order, ozow_id = await paying_order(client, new_client, fake)

    register, signed = options.get("register", True), options.get("signed")
    pairs = fake.notification(ozow_id, register=register, signed=signed, **overrides)
    refused = await send(fake, ozow_id, pairs=pairs)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert reason in refused.json()["detail"]
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT provider_event_id, verified, outcome FROM payment_notification WHERE transaction_id = :t"),
                {"t": order["payment"]["fields"]["TransactionReference"]},
            )
        ).all()
    [note] = rows
    assert note.verified is False and reason in note.outcome and "#rejected-" in note.provider_event_id

    genuine = await send(fake, ozow_id, pairs=fake.notification(ozow_id))  # not blocked by the forgery
    assert genuine.status_code == 200, genuine.text
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2


async def test_test_notification_for_a_live_account_is_refused(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow
) -> None:
    event = await on_sale_event(client)
    await own_site(client, sandbox=False)
    order = await reserve_and_checkout(new_client(), event, "ozow", quantity=1)
    assert order["payment"]["fields"]["IsTest"] == "false"
    ozow_id = await at_ozow(fake, order)
    refused = await send(fake, ozow_id, pairs=fake.notification(ozow_id, signed={"IsTest": "true"}))
    assert refused.status_code == 400 and "IsTest" in refused.json()["detail"]
    assert (await order_state(engine, order["reference"]))["status"] == "awaiting_payment"


async def test_replays_and_20_concurrent_copies_pay_once(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow, stack: Stack, _worker_idle: None
) -> None:
    event = await on_sale_event(client)
    await own_site(client)
    email = f"buyer-{uuid.uuid4().hex[:12]}@example.co.za"
    buyer = new_client()
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 3}]},
    )
    order = held.json()
    started = await buyer.post(
        f"/api/public/orders/{order['reference']}/checkout",
        json={"buyer_name": "Thandi Nkosi", "buyer_email": email, "provider": "ozow"},
        headers={"X-Order-Token": order["access_token"]},
    )
    assert started.status_code == 200, started.text
    order = {**order, "payment": started.json()["payment"]}
    ozow_id = await at_ozow(fake, order)
    body = urlencode(fake.notification(ozow_id))

    answers = await post_all(order["payment"]["fields"]["NotifyUrl"], [body] * 20)
    assert unexpected(answers, 200) == []
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 3 and state["payments"] == "succeeded"

    replay = await send(fake, ozow_id, pairs=fake.notification(ozow_id))  # Ozow notifying again later
    assert replay.status_code == 200
    assert await order_state(engine, order["reference"]) == state
    verified = [n for n in await notifications(engine, ozow_id) if n["verified"]]
    assert len(verified) == 1
    assert await tickets_mails(stack, email) == 1
    # a later Cancelled for the same payment (even confirmed by Ozow) does not undo a paid order
    cancelled = await send(fake, ozow_id, pairs=fake.notification(ozow_id, status="Cancelled"))
    assert cancelled.status_code == 200
    assert await order_state(engine, order["reference"]) == state


@pytest.mark.parametrize("status", ["Cancelled", "Error", "Abandoned"])
async def test_failed_payment_fails_the_transaction(
    status: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow
) -> None:
    order, ozow_id = await paying_order(client, new_client, fake, quantity=1)
    assert (await send(fake, ozow_id, pairs=fake.notification(ozow_id, status=status))).status_code == 200
    state = await order_state(engine, order["reference"])
    assert state["status"] != "paid" and state["tickets"] == 0
    assert state["payments"] == "failed" and status.lower() in state["reasons"]


@pytest.mark.parametrize("status", ["Pending", "PendingInvestigation"])
async def test_pending_is_recorded_and_the_final_status_decides(
    status: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow
) -> None:
    order, ozow_id = await paying_order(client, new_client, fake)
    assert (await send(fake, ozow_id, pairs=fake.notification(ozow_id, status=status))).status_code == 200
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["payments"] == "pending"
    [note] = await notifications(engine, ozow_id)
    assert note["verified"] is True and note["provider_event_id"] == f"{ozow_id}#{status}"

    assert (await send(fake, ozow_id, pairs=fake.notification(ozow_id))).status_code == 200
    assert (await order_state(engine, order["reference"]))["status"] == "paid"


@pytest.mark.parametrize("mode", ["error", "drop"])
async def test_ozow_unreachable_answers_503_and_changes_nothing(
    mode: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow
) -> None:
    order, ozow_id = await paying_order(client, new_client, fake)
    pairs = fake.notification(ozow_id)
    fake.api_mode = mode
    answer = await send(fake, ozow_id, pairs=pairs)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["retry-after"] == "60"
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"
    [note] = await notifications(engine, ozow_id)
    assert note["verified"] is False and "#unconfirmed-" in note["provider_event_id"]

    fake.api_mode = "ok"  # Ozow sends the notification again once it is back
    assert (await send(fake, ozow_id, pairs=pairs)).status_code == 200
    assert (await order_state(engine, order["reference"]))["status"] == "paid"


async def test_garbage_notifications_are_refused(client: Api, engine: AsyncEngine) -> None:
    bodies = [
        "",
        "TransactionId=x&Status=Complete&TransactionReference=not-a-uuid",
        f"TransactionId={uuid.uuid4()}&Status=Complete&TransactionReference={uuid.uuid4()}",
        "TransactionId=x&Status=Paid",
        "a=1&a=2",
        f"TransactionId=%00&Status=Complete&TransactionReference={uuid.uuid4()}",
        "RefundId=1&Status=Complete&TransactionId=%00x",
    ]
    count = "SELECT count(*) FROM payment_notification WHERE provider = 'ozow' AND NOT verified"
    async with engine.connect() as conn:
        before = await conn.scalar(text(count))
    for body, path in ((b, p) for b in bodies for p in ("notify", "refund-notify")):
        answer = await client.post(
            f"/api/payments/ozow/{path}", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    async with engine.connect() as conn:
        assert await conn.scalar(text(count)) == before + 2 * len(bodies)  # each one recorded


# --- refunds and the connection test: the provider against the fake's API ---------------------
CREDENTIALS = {"site_code": SITE_CODE, "private_key": PRIVATE_KEY, "api_key": API_KEY}


def provider(fake: FakeOzow) -> OzowProvider:
    return OzowProvider(fake.pay_url, fake.base_url + "/api")


def refund_of(ozow_id: str, amount_cents: int, **kw: Any) -> RefundContext:
    return RefundContext(
        refund_id=uuid.uuid4(),
        transaction_id=uuid.uuid4(),
        provider_reference=ozow_id,
        amount_cents=amount_cents,
        paid_cents=30000,
        reason="Buyer cannot attend",
        credentials=kw.pop("credentials", CREDENTIALS),
        notify_url="https://tickets.example.org/api/payments/ozow/refund-notify",
        **kw,
    )


async def test_refunds_go_through_ozows_refund_api(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow
) -> None:
    order, ozow_id = await paying_order(client, new_client, fake)  # R 300.00
    assert (await send(fake, ozow_id)).status_code == 200
    assert (await order_state(engine, order["reference"]))["status"] == "paid"
    ozow = provider(fake)

    partial = await ozow.refund(refund_of(ozow_id, 10050))
    assert partial.status == "pending" and partial.provider_refund_id, partial
    [sent] = fake.refunds
    assert sent["request"]["Amount"] == "100.50" and sent["request"]["TransactionId"] == ozow_id
    assert sent["errors"] == []  # the fake checked the refund's HashCheck with its own code

    too_much = await ozow.refund(refund_of(ozow_id, 20000))  # 100.50 + 200.00 > 300.00
    assert too_much.status == "failed" and "exceeds" in (too_much.failure_reason or "")
    rest = await ozow.refund(refund_of(ozow_id, 19950))
    assert rest.status == "pending"

    wrong_key = await ozow.refund(refund_of(ozow_id, 100, credentials={**CREDENTIALS, "api_key": "nope"}))
    assert wrong_key.status == "failed" and "API key" in (wrong_key.failure_reason or "")
    bad_hash = await ozow.refund(refund_of(ozow_id, 100, credentials={**CREDENTIALS, "private_key": "nope"}))
    assert bad_hash.status == "failed" and "Hash check failed" in (bad_hash.failure_reason or "")


@pytest.mark.parametrize("mode", ["error", "drop"])
async def test_refund_while_ozow_is_down_raises_provider_unavailable(mode: str, fake: FakeOzow) -> None:
    fake.api_mode = mode
    with pytest.raises(ProviderUnavailable):
        await provider(fake).refund(refund_of(str(uuid.uuid4()), 1000))
    assert fake.refunds == []


async def test_connection_check(fake: FakeOzow) -> None:
    ozow = provider(fake)
    ok = await ozow.test_connection(CREDENTIALS, sandbox=True)
    assert ok.ok and SITE_CODE in ok.message
    refused = await ozow.test_connection({**CREDENTIALS, "api_key": "wrong"}, sandbox=True)
    assert not refused.ok and "refused" in refused.message
    fake.api_mode = "error"
    down = await ozow.test_connection(CREDENTIALS, sandbox=False)
    assert not down.ok and "Could not reach Ozow" in down.message


async def test_refund_notification_is_verified_recorded_once_and_handed_on(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakeOzow, stack: Stack
) -> None:
    _order, ozow_id = await paying_order(client, new_client, fake)
    assert (await send(fake, ozow_id)).status_code == 200
    notify_url = f"{stack.base_url}/api/payments/ozow/refund-notify"
    accepted = await provider(fake).refund(
        RefundContext(
            refund_id=uuid.uuid4(),
            transaction_id=uuid.uuid4(),
            provider_reference=ozow_id,
            amount_cents=5000,
            paid_cents=30000,
            reason="Buyer cannot attend",
            credentials=CREDENTIALS,
            notify_url=notify_url,
        )
    )
    assert accepted.status == "pending" and accepted.provider_refund_id
    refund_id = accepted.provider_refund_id

    async def post(pairs: list[tuple[str, str]]) -> httpx.Response:
        return await asyncio.to_thread(fake.send_refund_notification, refund_id, pairs)

    async def recorded() -> list[Any]:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT provider_event_id, verified, outcome FROM payment_notification"
                    " WHERE provider = 'ozow' AND provider_event_id LIKE :p ORDER BY created_at"
                ),
                {"p": f"refund:{refund_id}%"},
            )
            return list(rows)

    forged = await post(fake.refund_notification(refund_id, Amount="50.01"))  # changed in transit
    assert forged.status_code == 400 and "hash mismatch" in forged.json()["detail"]
    genuine = fake.refund_notification(refund_id)
    answers = await asyncio.gather(*(post(genuine) for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5
    rows = await recorded()
    assert [(r.verified, "#rejected-" in r.provider_event_id) for r in rows] == [(False, True), (True, False)]
    assert rows[1].provider_event_id == f"refund:{refund_id}#Complete"
