"""Organisers' payment provider accounts: secrets are write-only and encrypted at rest, the
permission is ORG_MANAGE, and one organisation never sees another's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import add_member, assert_problem
from tests.conftest import Api, Stack, sign_up

KEY, PASSPHRASE = "46f0cd694581a-own", "A very secret passphrase"


async def test_credentials_are_write_only_and_encrypted(client: Api, engine: AsyncEngine) -> None:
    await sign_up(client)
    listed = await client.get(client.org("/payment-providers"))
    assert listed.status_code == 200
    by_name = {p["provider"]: p for p in listed.json()}
    assert set(by_name) == {"simulated", "payfast", "ozow"}
    assert by_name["payfast"]["configured"] is False and by_name["payfast"]["uses_sandbox_test_merchant"] is True
    assert by_name["simulated"]["available"] is True  # VOELGOED_ENV=test allows it

    saved = await client.put(
        client.org("/payment-providers/payfast"),
        json={"merchant_id": "10012345", "merchant_key": KEY, "passphrase": PASSPHRASE, "sandbox": False},
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["merchant_id"] == "10012345" and body["sandbox"] is False
    assert body["merchant_key_set"] is True and body["passphrase_set"] is True
    read = await client.get(client.org("/payment-providers/payfast"))
    for response in (saved, read, await client.get(client.org("/payment-providers"))):
        assert KEY not in response.text and PASSPHRASE not in response.text

    async with engine.connect() as conn:
        stored = await conn.scalar(text("SELECT credentials::text FROM payment_provider_account"))
        audit = await conn.scalar(text("SELECT string_agg(changes::text, ' ') FROM audit_entry"))
    assert stored and "10012345" in stored and KEY not in stored and PASSPHRASE not in stored
    assert audit and KEY not in audit and PASSPHRASE not in audit

    # omitted secrets are kept; "" clears one; a live account needs merchant id and key
    kept = await client.put(client.org("/payment-providers/payfast"), json={"active": False})
    assert kept.json()["passphrase_set"] is True and kept.json()["active"] is False
    cleared = await client.put(client.org("/payment-providers/payfast"), json={"passphrase": ""})
    assert cleared.json()["passphrase_set"] is False and cleared.json()["merchant_key_set"] is True
    assert_problem(
        await client.put(client.org("/payment-providers/payfast"), json={"merchant_key": None}), 422, "merchant_key"
    )
    assert (await client.get(client.org("/payment-providers/payfast"))).json()["merchant_key_set"] is True


async def test_bad_input_and_unknown_provider(client: Api) -> None:
    await sign_up(client)
    assert_problem(await client.get(client.org("/payment-providers/stripe")), 422, "provider")
    assert_problem(await client.put(client.org("/payment-providers/stripe"), json={}), 422, "provider")
    assert_problem(await client.put(client.org("/payment-providers/payfast"), json={"not_a_field": "x"}), 400)
    # another provider's credential (Ozow's api_key) is refused at its field
    assert_problem(await client.put(client.org("/payment-providers/payfast"), json={"api_key": "x"}), 422, "api_key")
    assert_problem(await client.put(client.org("/payment-providers/payfast"), json={"merchant_id": "abc"}), 400)
    assert_problem(
        await client.put(client.org("/payment-providers/simulated"), json={"merchant_id": "1"}), 422, "merchant_id"
    )


async def test_only_managers_of_the_organisation(client: Api, new_client: Any, stack: Stack) -> None:
    await sign_up(client)
    path = client.org("/payment-providers/payfast")
    staff = await add_member(client, new_client, stack, "staff")
    assert_problem(await staff.get(path), 403)
    assert_problem(await staff.put(path, json={"passphrase": "x"}), 403)
    stranger = new_client()
    await sign_up(stranger, organization="Other Org")
    assert_problem(await stranger.get(path), 404)
    assert_problem(await stranger.put(path, json={"passphrase": "x"}), 404)
    anonymous = new_client()
    assert_problem(await anonymous.get(path), 401)
