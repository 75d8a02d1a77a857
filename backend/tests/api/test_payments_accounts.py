"""The organiser's payment settings over HTTP: secrets are write-only (only their last 4 characters
come back) and encrypted at rest, values are checked against each field's pattern, the permission
is ORG_MANAGE, one organisation never sees another's, the connection test asks the (fake)
provider, and checkout offers exactly the enabled, configured providers in the organiser's order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import add_member, assert_problem
from tests.api.test_checkout_site import Buyer, checkout, reference_of, reserve, sale
from tests.api.test_checkout_site import buyer as buyer
from tests.api.test_payments_simulated import BUYER, on_sale_event
from tests.conftest import Api, Stack, sign_up
from tests.fakes.payfast import FakePayFast, running_fake
from voelgoed.domain.payments.providers import PROVIDER_NAMES, REGISTRY

MERCHANT_ID, KEY, PASSPHRASE = "10012345", "Zq81mK3xTpWd9", "A very secret passphrase"
PAYFAST = "/payment-providers/payfast"


@pytest.fixture
def fake() -> Iterator[FakePayFast]:
    fake = running_fake()
    fake.reset()
    fake.add_merchant(MERCHANT_ID, KEY, PASSPHRASE)
    yield fake
    fake.reset()


def field(provider: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in provider["fields"] if f["name"] == name)


async def save(api: Api, provider: str = "payfast", **body: Any) -> Any:
    return await api.put(api.org(f"/payment-providers/{provider}"), json=body)


async def test_settings_round_trip_never_returns_a_secret(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    await sign_up(client)
    listed = await client.get(client.org("/payment-providers"))
    assert listed.status_code == 200
    assert [p["provider"] for p in listed.json()] == [n for n in PROVIDER_NAMES if n in REGISTRY]
    payfast = next(p for p in listed.json() if p["provider"] == "payfast")
    assert payfast["configured"] is False and payfast["uses_sandbox_test_merchant"] is True
    assert payfast["notify_url"].endswith(f":{stack.base_url.rsplit(':', 1)[1]}/api/payments/payfast/itn")
    assert payfast["supports_refunds"] is True and payfast["supports_connection_test"] is True
    assert [f["name"] for f in payfast["fields"]] == ["merchant_id", "merchant_key", "passphrase"]

    saved = await save(
        client, credentials={"merchant_id": MERCHANT_ID, "merchant_key": KEY, "passphrase": PASSPHRASE}, sandbox=False
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["sandbox"] is False and body["configured"] is True and body["offered_at_checkout"] is True
    assert field(body, "merchant_id") == {
        **field(body, "merchant_id"),
        "value": MERCHANT_ID,
        "set": True,
        "last4": None,
    }
    assert field(body, "merchant_key")["last4"] == KEY[-4:] and field(body, "merchant_key")["value"] is None
    assert field(body, "passphrase")["last4"] == PASSPHRASE[-4:]
    for response in (saved, await client.get(client.org(PAYFAST)), await client.get(client.org("/payment-providers"))):
        assert KEY not in response.text and PASSPHRASE not in response.text
        assert KEY[:-4] not in response.text and PASSPHRASE[:-4] not in response.text

    async with engine.connect() as conn:
        stored = await conn.scalar(text("SELECT credentials::text FROM payment_provider_account"))
        audit = await conn.scalar(text("SELECT string_agg(changes::text, ' ') FROM audit_entry"))
    assert stored and MERCHANT_ID in stored and KEY not in stored and PASSPHRASE not in stored
    assert audit and KEY not in audit and PASSPHRASE not in audit and "merchant_key" in audit

    # omitted keeps; "" and null clear; a live account needs its merchant key
    kept = (await save(client, enabled=False)).json()
    assert (
        field(kept, "passphrase")["set"] is True and kept["enabled"] is False and kept["offered_at_checkout"] is False
    )
    cleared = (await save(client, credentials={"passphrase": ""})).json()
    assert field(cleared, "passphrase") | {"set": False, "last4": None} == field(cleared, "passphrase")
    assert field(cleared, "merchant_key")["set"] is True
    assert_problem(await save(client, credentials={"merchant_key": None}), 422, "credentials.merchant_key")
    assert field((await client.get(client.org(PAYFAST))).json(), "merchant_key")["set"] is True
    sandboxed = (await save(client, credentials={"merchant_key": None}, sandbox=True)).json()
    assert field(sandboxed, "merchant_key")["set"] is False and sandboxed["configured"] is False


async def test_patterns_unknown_fields_and_providers(client: Api) -> None:
    await sign_up(client)
    assert_problem(await save(client, credentials={"merchant_id": "abc"}), 422, "credentials.merchant_id")
    assert_problem(
        await save(client, credentials={"merchant_key": "has spaces in it"}), 422, "credentials.merchant_key"
    )
    assert_problem(await save(client, credentials={"api_key": "x"}), 422, "credentials.api_key")
    assert_problem(await save(client, "simulated", credentials={"merchant_id": "1"}), 422, "credentials.merchant_id")
    assert_problem(await save(client, api_key="x"), 400)  # not a field of the body at all
    assert_problem(await client.get(client.org("/payment-providers/stripe")), 422, "provider")
    assert_problem(await save(client, "stripe"), 422, "provider")
    # "Connect" exists only for providers with a connect step (Yoco, Paystack)
    listed = {p["provider"]: p["connect_step"] for p in (await client.get(client.org("/payment-providers"))).json()}
    assert listed["yoco"] and listed["paystack"] and not listed["payfast"]
    connect = client.org("/payment-providers/payfast/connect")
    assert_problem(await client.post(connect, json={"secret_key": "sk_test_x"}), 422, "provider")
    assert_problem(await client.post(client.org("/payment-providers/stripe/connect"), json={}), 422, "provider")
    for name in (n for n in PROVIDER_NAMES if n not in REGISTRY):  # named in the spec, not built yet
        assert_problem(await client.get(client.org(f"/payment-providers/{name}")), 422, "provider")
    assert_problem(
        await client.put(client.org("/payment-providers/order"), json={"providers": ["payfast", "payfast"]}),
        422,
        "providers",
    )
    assert_problem(
        await client.put(client.org("/payment-providers/order"), json={"providers": ["stripe"]}), 422, "providers.0"
    )
    # nothing was saved by any of these
    assert all(p["updated_at"] is None for p in (await client.get(client.org("/payment-providers"))).json())


async def test_only_managers_of_the_organisation(client: Api, new_client: Any, stack: Stack) -> None:
    await sign_up(client)
    await save(client, credentials={"merchant_id": MERCHANT_ID})
    for role in ("staff", "viewer"):
        member = await add_member(client, new_client, stack, role)
        assert_problem(await member.get(client.org("/payment-providers")), 403)
        assert_problem(await member.get(client.org(PAYFAST)), 403)
        assert_problem(await member.put(client.org(PAYFAST), json={"enabled": False}), 403)
        assert_problem(await member.put(client.org("/payment-providers/order"), json={"providers": ["payfast"]}), 403)
        assert_problem(await member.post(client.org(PAYFAST + "/test")), 403)
    stranger = new_client()
    await sign_up(stranger, organization="Other Org")
    for call in (
        stranger.get(client.org(PAYFAST)),
        stranger.put(client.org(PAYFAST), json={"credentials": {"merchant_id": "1"}}),
        stranger.post(client.org(PAYFAST + "/test")),
    ):
        assert_problem(await call, 404)
    own = (await stranger.get(stranger.org(PAYFAST))).json()  # B's own view knows nothing of A's
    assert field(own, "merchant_id")["value"] is None
    assert field((await client.get(client.org(PAYFAST))).json(), "merchant_id")["value"] == MERCHANT_ID
    assert_problem(await new_client().get(client.org(PAYFAST)), 401)


async def test_connection_test_against_the_fake(client: Api, fake: FakePayFast) -> None:
    await sign_up(client)
    await save(client, credentials={"merchant_id": MERCHANT_ID, "merchant_key": KEY, "passphrase": PASSPHRASE})
    ok = await client.post(client.org(PAYFAST + "/test"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["last_test"]["ok"] is True and "sandbox" in ok.json()["last_test"]["message"]
    assert fake.api_calls[-1] == ("GET", "/ping", True)

    wrong = (await save(client, credentials={"passphrase": "not the passphrase"})).json()
    assert wrong["last_test"] is None  # new credentials: the old result says nothing about them
    failed = (await client.post(client.org(PAYFAST + "/test"))).json()
    assert failed["last_test"]["ok"] is False and "authorization failed" in failed["last_test"]["message"]
    assert (await client.get(client.org(PAYFAST))).json()["last_test"]["ok"] is False

    fake.api_fail = True
    down = (await client.post(client.org(PAYFAST + "/test"))).json()
    assert down["last_test"]["ok"] is False and "Could not reach" in down["last_test"]["message"]
    simulated = (await client.post(client.org("/payment-providers/simulated/test"))).json()
    assert simulated["last_test"]["ok"] is True


def offered_at_checkout(page: str) -> list[str]:
    return re.findall(r'name="provider" value="([a-z]+)"', page)


async def test_checkout_offers_enabled_providers_in_the_organisers_order(
    client: Api, engine: AsyncEngine, buyer: Buyer
) -> None:
    s = await sale(client, engine)
    reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 1}))
    page = await buyer.get(f"/checkout/{reference}")
    assert offered_at_checkout(page.text) == ["simulated", "payfast"]  # the default order

    ordered = await client.put(client.org("/payment-providers/order"), json={"providers": ["payfast", "simulated"]})
    assert ordered.status_code == 200, ordered.text
    assert [p["provider"] for p in ordered.json()][:2] == ["payfast", "simulated"]
    assert [p["position"] for p in ordered.json()][:2] == [0, 1]
    page = await buyer.get(f"/checkout/{reference}")
    assert offered_at_checkout(page.text) == ["payfast", "simulated"]

    off = await save(client, "simulated", enabled=False)
    assert off.status_code == 200 and off.json()["offered_at_checkout"] is False
    page = await buyer.get(f"/checkout/{reference}")
    assert offered_at_checkout(page.text) == ["payfast"]
    crafted = await checkout(buyer, reference, provider="simulated")  # a form posted by hand
    assert crafted.status_code == 422 and "Choose how to pay" in crafted.text
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM payment_transaction")) == 0


async def test_public_checkout_api_refuses_a_provider_switched_off_or_not_set_up(client: Api, new_client: Any) -> None:
    event = await on_sale_event(client)
    buyer = new_client()
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": 1}]},
    )
    assert held.status_code == 201, held.text
    order = held.json()

    async def start(provider: str) -> Any:
        return await buyer.post(
            f"/api/public/orders/{order['reference']}/checkout",
            json={**BUYER, "provider": provider},
            headers={"X-Order-Token": order["access_token"]},
        )

    await save(client, enabled=False)
    assert_problem(await start("payfast"), 422, "provider")
    for name in (n for n in PROVIDER_NAMES if n not in REGISTRY):
        assert_problem(await start(name), 422, "provider")
    await save(client, enabled=True)
    assert (await start("payfast")).status_code == 200  # the sandbox test merchant stands in
