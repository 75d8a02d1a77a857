"""PayFast end to end against the fake PayFast on loopback (tests/fakes/payfast.py): the hosted
form, the ITN with its four checks, de-duplication, and each kind of tampering. After every
refused notification: the order is not paid, no ticket exists, the refusal is recorded, and the
genuine notification still goes through afterwards (a forged copy never blocks it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_payments_simulated import _worker_idle as _worker_idle
from tests.api.test_payments_simulated import on_sale_event, order_state, reserve_and_checkout
from tests.conftest import Api
from tests.fakes.payfast import FakePayFast, running_fake

MERCHANT_ID, MERCHANT_KEY, PASSPHRASE = "10009999", "q1cd2rdny4a53", "Jozi salt~phrase 2026"


@pytest.fixture
def fake() -> Iterator[FakePayFast]:
    fake = running_fake()
    fake.reset()
    fake.add_merchant(MERCHANT_ID, MERCHANT_KEY, PASSPHRASE)
    yield fake
    fake.reset()


async def own_merchant(api: Api) -> None:
    saved = await api.put(
        api.org("/payment-providers/payfast"),
        json={
            "credentials": {"merchant_id": MERCHANT_ID, "merchant_key": MERCHANT_KEY, "passphrase": PASSPHRASE},
            "sandbox": True,
        },
    )
    assert saved.status_code == 200, saved.text


async def at_payfast(fake: FakePayFast, order: dict[str, Any]) -> str:
    """The buyer's browser posts the form to (fake) PayFast; returns PayFast's payment id."""
    payment = order["payment"]
    assert payment["method"] == "POST"
    assert payment["url"] == fake.base_url + "/eng/process"
    async with httpx.AsyncClient() as browser:
        response = await browser.post(payment["url"], data=payment["fields"])
    assert response.status_code == 200, response.text
    return response.headers["x-fake-payment-id"]


async def send(fake: FakePayFast, pf_id: str, **kw: Any) -> httpx.Response:
    return await asyncio.to_thread(fake.send_itn, pf_id, **kw)


async def notifications(engine: AsyncEngine, pf_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT provider_event_id, verified, outcome, source_ip FROM payment_notification"
                " WHERE provider = 'payfast' AND split_part(provider_event_id, '#', 1) = :p ORDER BY created_at"
            ),
            {"p": pf_id},
        )
        return [dict(r._mapping) for r in rows]


async def test_full_payfast_purchase(client: Api, new_client: Any, engine: AsyncEngine, fake: FakePayFast) -> None:
    event = await on_sale_event(client, price_cents=12550)
    await own_merchant(client)
    order = await reserve_and_checkout(new_client(), event, "payfast", quantity=2)
    fields = order["payment"]["fields"]
    assert fields["merchant_id"] == MERCHANT_ID and fields["amount"] == "251.00"
    assert fields["notify_url"].endswith("/api/payments/payfast/itn")
    assert "passphrase" not in fields and PASSPHRASE not in str(fields)

    pf_id = await at_payfast(fake, order)
    async with httpx.AsyncClient() as browser:  # the buyer pays; PayFast sends the ITN first
        back = await browser.post(f"{fake.base_url}/eng/process/{pf_id}/pay")
    assert back.status_code == 302 and back.headers["location"] == fields["return_url"]
    assert fake.payments[pf_id].itn_status == 200, fake.payments[pf_id].itn_body
    assert len(fake.validations) == 1  # check 4 asked PayFast

    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2 and state["payments"] == "succeeded"
    [note] = await notifications(engine, pf_id)
    assert note["verified"] is True and note["provider_event_id"] == pf_id and note["source_ip"] == "127.0.0.1"


async def test_sandbox_test_merchant_without_own_account(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePayFast
) -> None:
    event = await on_sale_event(client)
    order = await reserve_and_checkout(new_client(), event, "payfast", quantity=1)
    assert order["payment"]["fields"]["merchant_id"] == "10000100"
    pf_id = await at_payfast(fake, order)
    assert (await send(fake, pf_id)).status_code == 200
    assert (await order_state(engine, order["reference"]))["status"] == "paid"


async def test_process_form_signature_is_what_payfast_checks(client: Api, new_client: Any, fake: FakePayFast) -> None:
    """The fake refuses a form whose signature does not follow PayFast's rules."""
    event = await on_sale_event(client)
    await own_merchant(client)
    order = await reserve_and_checkout(new_client(), event, "payfast", quantity=1)
    tampered = {**order["payment"]["fields"], "amount": "1.00"}
    async with httpx.AsyncClient() as browser:
        refused = await browser.post(order["payment"]["url"], data=tampered)
    assert refused.status_code == 400 and "signature" in refused.text


TAMPERING = {
    "bad signature": ({"signature": "0" * 32}, {}, "signature mismatch"),
    "wrong amount": ({}, {"signed": {"amount_gross": "1.00"}}, "amount_gross"),
    "foreign IP": ({}, {"headers": {"X-Forwarded-For": "203.0.113.7"}}, "source IP 203.0.113.7"),
    "validate INVALID": ({}, {"register": False}, "validate answered 'INVALID'"),
    "other merchant": ({}, {"signed": {"merchant_id": "10000100"}}, "merchant_id"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
async def test_tampered_itn_changes_nothing(
    kind: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakePayFast
) -> None:
    overrides, options, reason = TAMPERING[kind]
    event = await on_sale_event(client)
    await own_merchant(client)
    order = await reserve_and_checkout(new_client(), event, "payfast", quantity=2)
    pf_id = await at_payfast(fake, order)

    headers = options.get("headers")
    pairs = fake.itn_pairs(pf_id, register=options.get("register", True), signed=options.get("signed"), **overrides)
    refused = await send(fake, pf_id, pairs=pairs, headers=headers)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert reason in refused.json()["detail"]
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"
    [note] = await notifications(engine, pf_id)
    assert note["verified"] is False and reason in note["outcome"] and note["provider_event_id"] != pf_id

    genuine = await send(fake, pf_id)  # the real ITN is not blocked by the forged one
    assert genuine.status_code == 200, genuine.text
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 2


async def test_replayed_and_concurrent_duplicates_change_nothing(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePayFast
) -> None:
    event = await on_sale_event(client)
    await own_merchant(client)
    order = await reserve_and_checkout(new_client(), event, "payfast", quantity=3)
    pf_id = await at_payfast(fake, order)
    pairs = fake.itn_pairs(pf_id)

    answers = await asyncio.gather(*(send(fake, pf_id, pairs=pairs) for _ in range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    state = await order_state(engine, order["reference"])
    assert state["status"] == "paid" and state["tickets"] == 3

    replay = await send(fake, pf_id, pairs=pairs)  # PayFast retrying hours later
    assert replay.status_code == 200
    assert await order_state(engine, order["reference"]) == state
    verified = [n for n in await notifications(engine, pf_id) if n["verified"]]
    assert len(verified) == 1
    # a replay with another status changes nothing either
    cancelled = await send(fake, pf_id, pairs=fake.itn_pairs(pf_id, status="CANCELLED"))
    assert cancelled.status_code == 200
    assert await order_state(engine, order["reference"]) == state


@pytest.mark.parametrize("status", ["CANCELLED", "FAILED"])
async def test_failed_payment_fails_the_transaction(
    status: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakePayFast
) -> None:
    event = await on_sale_event(client)
    await own_merchant(client)
    order = await reserve_and_checkout(new_client(), event, "payfast", quantity=1)
    pf_id = await at_payfast(fake, order)
    assert (await send(fake, pf_id, pairs=fake.itn_pairs(pf_id, status=status))).status_code == 200
    state = await order_state(engine, order["reference"])
    assert state["status"] != "paid" and state["tickets"] == 0
    assert state["payments"] == "failed" and status.lower() in state["reasons"]


async def test_itn_for_unknown_payment_or_garbage_is_refused(client: Api, engine: AsyncEngine) -> None:
    for body in ("", "pf_payment_id=1&m_payment_id=not-a-uuid&payment_status=COMPLETE", "a=1&a=2"):
        answer = await client.post(
            "/api/payments/payfast/itn", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM payment_notification WHERE NOT verified"))
    assert count == 3


async def test_itn_with_a_nul_character_is_refused_and_recorded(
    client: Api, new_client: Any, engine: AsyncEngine, fake: FakePayFast
) -> None:
    """PostgreSQL text and JSONB cannot hold NUL: an ITN with one (even correctly signed, or in the
    pf_payment_id the refusal is recorded under) is malformed: 400 problem+json, recorded (without
    the NUL), never a 500; the genuine notification still goes through afterwards. (Before the
    shared form parser, the NUL reached the database: lib/problems.py's generic data-exception
    400, and the refusal was not recorded.)"""
    event = await on_sale_event(client, price_cents=20000)
    await own_merchant(client)
    order = await reserve_and_checkout(new_client(), event, "payfast", quantity=1)
    pf_id = await at_payfast(fake, order)

    signed = await send(fake, pf_id, pairs=fake.itn_pairs(pf_id, signed={"item_name": "Ticket\x00"}))
    in_the_id = await client.post(
        "/api/payments/payfast/itn",
        content=f"pf_payment_id={pf_id}%00&m_payment_id={order['payment']['fields']['m_payment_id']}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    for refused in (signed, in_the_id):
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["detail"] == "malformed notification body"
    async with engine.connect() as conn:
        recorded = await conn.scalar(
            text("SELECT count(*) FROM payment_notification WHERE provider = 'payfast' AND NOT verified")
        )
    assert recorded == 2
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0

    genuine = await send(fake, pf_id)
    assert genuine.status_code == 200, genuine.text
    assert (await order_state(engine, order["reference"]))["status"] == "paid"


NON_ASCII_200 = {  # superscript two, Arabic-Indic, fullwidth digits; escaped so nothing "fixes" them
    "superscript": "\u00b200.00",
    "arabic-indic": "\u0662\u0660\u0660.\u0660\u0660",
    "fullwidth": "\uff12\uff10\uff10.\uff10\uff10",
    "superscript-cents": "200.0\u00b2",
}


@pytest.mark.parametrize("amount", list(NON_ASCII_200.values()), ids=list(NON_ASCII_200))
async def test_signed_itn_with_non_ascii_digits_is_refused(
    amount: str, client: Api, new_client: Any, engine: AsyncEngine, fake: FakePayFast
) -> None:
    """`str.isdigit()` and `int()` accept other scripts' digits: the amount must be refused by check
    3 (400, recorded), neither a 500 nor read as R 200.00, even correctly signed from PayFast.
    (Before lib/money.py: superscript 500, Arabic-Indic and fullwidth accepted as paid.)"""
    event = await on_sale_event(client, price_cents=20000)
    await own_merchant(client)
    order = await reserve_and_checkout(new_client(), event, "payfast", quantity=1)
    pf_id = await at_payfast(fake, order)

    refused = await send(fake, pf_id, pairs=fake.itn_pairs(pf_id, signed={"amount_gross": amount}))
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "amount_gross" in refused.json()["detail"]
    state = await order_state(engine, order["reference"])
    assert state["status"] == "awaiting_payment" and state["tickets"] == 0 and state["payments"] == "pending"
    [note] = await notifications(engine, pf_id)
    assert note["verified"] is False and "amount_gross" in note["outcome"]

    genuine = await send(fake, pf_id)  # PayFast's real notification still goes through
    assert genuine.status_code == 200, genuine.text
    assert (await order_state(engine, order["reference"]))["status"] == "paid"
