"""Webhook delivery by the product's worker to real local receivers (docs/webhooks.md).

Every request a receiver gets is verified with the Standard Webhooks reference implementation
(`standardwebhooks`), independent of our signing code. Events are written with `outbox_sql.record`
as every area does; the worker of the product under test delivers them (NOTIFY + its poll).
"""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from standardwebhooks import Webhook
from statemachine.exceptions import TransitionNotAllowed

from tests.api.webhook_helpers import add_endpoint, attempts, deliveries, record_events, rows
from tests.conftest import Api, Stack, sign_up, wait_for_mail
from voelgoed.db import models  # noqa: F401 (every table registered for the ORM sessions below)
from voelgoed.domain.webhooks import delivery_services, signing
from voelgoed.domain.webhooks.event_types import PAYLOAD_VERSION
from voelgoed.domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from voelgoed.lib.problems import Conflict
from voelgoed.testing.webhook_receivers import Received, Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()


@pytest.fixture
async def org(client: Api) -> str:
    await sign_up(client)
    return client.org_id


def verify(secret: str, got: Received) -> dict[str, object]:
    """The reference implementation's verdict (raises on a bad signature or an old timestamp)."""
    payload = Webhook(secret).verify(got.body, got.headers)
    assert isinstance(payload, dict)
    return payload


async def test_deliveries_are_signed_and_arrive_within_a_second_or_two(
    engine: AsyncEngine, receiver: Receiver, org: str
) -> None:
    endpoint_id, secret = await add_endpoint(engine, org, receiver.url)
    event_ids = await record_events(engine, org, 3)
    got = await receiver.wait_for(3, timeout=10)
    assert len(got) == 3
    assert {r.headers["webhook-id"] for r in got} == {f"msg_{e.hex}" for e in event_ids}
    for r in got:
        payload = verify(secret, r)
        assert payload["id"] == r.headers["webhook-id"] and payload["type"] == "order.paid"
        assert payload["payload_version"] == PAYLOAD_VERSION
        assert list(payload) == ["id", "type", "timestamp", "payload_version", "data"]
        assert r.headers["content-type"] == "application/json"
        assert r.headers["user-agent"] == "VoelgoedEvents-Webhooks/1"
        assert r.headers["webhook-payload-version"] == PAYLOAD_VERSION
        assert len(r.headers["webhook-signature"].split(" ")) == 1
    await asyncio.sleep(0.5)  # the result is recorded after the answer
    done = await deliveries(engine, endpoint_id)
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in done] == [("succeeded", 1, 200)] * 3
    assert all(d["delivered_at"] is not None for d in done)
    log = await attempts(engine, endpoint_id)
    assert len(log) == 3 and all(a["response_status"] == 200 and a["response_excerpt"] == "ok" for a in log)
    assert all("webhook-signature: v1," in a["request_excerpt"] and '"order.paid"' in a["request_excerpt"] for a in log)


async def test_a_tampered_body_or_another_secret_fails_verification(
    engine: AsyncEngine, receiver: Receiver, org: str
) -> None:
    """The reference implementation can say no: the checks above are not vacuous."""
    _, secret = await add_endpoint(engine, org, receiver.url)
    await record_events(engine, org)
    (got,) = await receiver.wait_for(1)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(secret).verify(got.body + b" ", got.headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(signing.new_secret()).verify(got.body, got.headers)


async def test_after_a_rotation_both_secrets_sign_until_the_previous_expires(
    engine: AsyncEngine, receiver: Receiver, org: str
) -> None:
    old, new = signing.new_secret(), signing.new_secret()
    until = datetime.now(UTC) + timedelta(hours=24)
    await add_endpoint(engine, org, receiver.url, secret=new, previous=old, previous_until=until)
    await record_events(engine, org)
    (got,) = await receiver.wait_for(1)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verify(old, got) == verify(new, got)
    # An expired previous secret no longer signs.
    other = await Receiver().start()
    try:
        expired = datetime.now(UTC) - timedelta(seconds=1)
        await add_endpoint(engine, org, other.url, secret=new, previous=old, previous_until=expired)
        await record_events(engine, org)
        got2 = (await other.wait_for(1))[0]
        assert len(got2.headers["webhook-signature"].split(" ")) == 1
        verify(new, got2)
        with pytest.raises(Exception, match="No matching signature"):
            verify(old, got2)
    finally:
        await other.stop()


def test_secrets_and_rotation_helpers() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    os.environ.setdefault("SECRET_KEY", "test-secret")

    class Row:
        secret_encrypted = signing.encrypt_secret(secret)
        previous_secret_encrypted: str | None = None
        previous_secret_expires_at: datetime | None = None

    row = Row()
    fresh = signing.rotate(row, timedelta(hours=24))
    assert fresh != secret and signing.decrypt_secret(row.secret_encrypted) == fresh
    assert row.previous_secret_encrypted and signing.decrypt_secret(row.previous_secret_encrypted) == secret
    now = datetime.now(UTC)
    assert signing.secrets_in_force(
        row.secret_encrypted, row.previous_secret_encrypted, row.previous_secret_expires_at, now
    ) == [fresh, secret]


async def test_a_500_is_retried_with_backoff_and_the_same_webhook_id(
    engine: AsyncEngine, receiver: Receiver, org: str
) -> None:
    answers = iter([500, 200])
    receiver.status = lambda _r: next(answers)
    endpoint_id, secret = await add_endpoint(engine, org, receiver.url)
    await record_events(engine, org)
    await receiver.wait_for(1)
    await asyncio.sleep(0.5)
    (d,) = await deliveries(engine, endpoint_id)
    assert (d["status"], d["attempts"], d["last_status_code"], d["last_error"]) == ("pending", 1, 500, "HTTP 500")
    wait = (d["next_attempt_at"] - d["updated_at"]).total_seconds()
    assert 3.9 <= wait <= 6.1  # the schedule's first retry: 5 s +-20 %
    (endpoint,) = await rows(engine, "SELECT * FROM webhook_endpoint WHERE id = :e", e=endpoint_id)
    assert endpoint["failing_since"] is not None
    async with engine.begin() as conn:  # time passes
        await conn.execute(text("UPDATE webhook_delivery SET next_attempt_at = now() WHERE id = :d"), {"d": d["id"]})
    got = await receiver.wait_for(2)
    assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    verify(secret, got[1])
    await asyncio.sleep(0.5)
    (d,) = await deliveries(engine, endpoint_id)
    assert (d["status"], d["attempts"], d["last_status_code"]) == ("succeeded", 2, 200)
    (endpoint,) = await rows(engine, "SELECT * FROM webhook_endpoint WHERE id = :e", e=endpoint_id)
    assert endpoint["failing_since"] is None
    assert [a["response_status"] for a in await attempts(engine, endpoint_id)] == [500, 200]


async def test_410_gone_disables_the_endpoint_and_nothing_more_is_sent(
    engine: AsyncEngine, receiver: Receiver, client: Api, stack: Stack
) -> None:
    owner = f"owner-{uuid.uuid4().hex[:8]}@example.co.za"
    await sign_up(client, email=owner)
    receiver.status = 410
    endpoint_id, _ = await add_endpoint(engine, client.org_id, receiver.url)
    other = await Receiver().start()  # another endpoint of the organisation keeps receiving
    try:
        other_id, _ = await add_endpoint(engine, client.org_id, other.url)
        await record_events(engine, client.org_id)
        await receiver.wait_for(1)
        await other.wait_for(1)
        await asyncio.sleep(0.5)
        (endpoint,) = await rows(engine, "SELECT * FROM webhook_endpoint WHERE id = :e", e=endpoint_id)
        assert endpoint["status"] == "disabled" and "410" in endpoint["disabled_reason"]
        (d,) = await deliveries(engine, endpoint_id)
        assert (d["status"], d["last_status_code"]) == ("failed", 410)
        await record_events(engine, client.org_id, 2)
        await other.wait_for(3)
        await asyncio.sleep(1.5)
        assert receiver.count == 1 and other.count == 3
        mail = await wait_for_mail(stack, owner, "was disabled")
        assert receiver.url in str(mail.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
        assert (await deliveries(engine, other_id))[0]["status"] == "succeeded"
    finally:
        await other.stop()


async def test_an_endpoint_failing_for_days_is_disabled_and_its_owners_emailed(
    engine: AsyncEngine, receiver: Receiver, client: Api, stack: Stack
) -> None:
    owner = f"owner-{uuid.uuid4().hex[:8]}@example.co.za"
    await sign_up(client, email=owner)
    receiver.status = 503
    since = datetime.now(UTC) - timedelta(days=3, hours=1)
    endpoint_id, _ = await add_endpoint(engine, client.org_id, receiver.url, failing_since=since)
    await record_events(engine, client.org_id, 2)
    await receiver.wait_for(2)
    mail = await wait_for_mail(stack, owner, "was disabled")
    assert "failed for too long" in str(mail.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    (endpoint,) = await rows(engine, "SELECT * FROM webhook_endpoint WHERE id = :e", e=endpoint_id)
    assert endpoint["status"] == "disabled"
    assert {d["status"] for d in await deliveries(engine, endpoint_id)} == {"cancelled"}


async def test_nothing_is_sent_for_a_rolled_back_transaction(engine: AsyncEngine, receiver: Receiver, org: str) -> None:
    await add_endpoint(engine, org, receiver.url)
    await record_events(engine, org, 3, rollback=True)
    assert await rows(engine, "SELECT id FROM webhook_event") == []
    await asyncio.sleep(2.5)  # > the worker's poll
    assert receiver.count == 0 and receiver.connections == 0
    (committed,) = await record_events(engine, org)  # the same receiver does get a committed one
    (got,) = await receiver.wait_for(1)
    assert got.headers["webhook-id"] == f"msg_{committed.hex}"


async def test_redelivery_sends_again_with_the_same_webhook_id(
    engine: AsyncEngine, receiver: Receiver, org: str
) -> None:
    endpoint_id, secret = await add_endpoint(engine, org, receiver.url)
    await record_events(engine, org)
    await receiver.wait_for(1)
    await asyncio.sleep(0.5)
    (d,) = await deliveries(engine, endpoint_id)
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        delivery = await session.get(WebhookDelivery, d["id"])
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert delivery is not None and endpoint is not None
        await delivery_services.redeliver(session, delivery, endpoint)
    got = await receiver.wait_for(2, timeout=5)
    assert len(got) == 2 and got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    verify(secret, got[1])
    assert msgspec.json.decode(got[0].body) == msgspec.json.decode(got[1].body)
    await asyncio.sleep(0.5)
    (d,) = await deliveries(engine, endpoint_id)
    assert (d["status"], d["attempts"]) == ("succeeded", 2)


async def test_a_test_event_goes_to_the_one_endpoint_named(engine: AsyncEngine, org: str) -> None:
    a, b = await Receiver().start(), await Receiver().start()
    try:
        a_id, _ = await add_endpoint(engine, org, a.url)
        await add_endpoint(engine, org, b.url)
        await record_events(engine, org, endpoint_ids=[a_id])
        await a.wait_for(1)
        await asyncio.sleep(1.5)
        assert (a.count, b.count) == (1, 0)
    finally:
        await a.stop()
        await b.stop()


async def test_a_slow_endpoints_backlog_does_not_hold_up_another(engine: AsyncEngine, org: str) -> None:
    """No endpoint takes more than half of a worker's requests in flight (10 of 20), and finished
    attempts are recorded without waiting for slow ones: a fast endpoint's events, recorded after
    a slow endpoint's backlog, arrive during the slow one's first round."""
    slow, fast = await Receiver(delay=2).start(), await Receiver().start()
    try:
        slow_id, _ = await add_endpoint(engine, org, slow.url)
        fast_id, _ = await add_endpoint(engine, org, fast.url)
        await record_events(engine, org, 40, endpoint_ids=[slow_id])
        await record_events(engine, org, 5, endpoint_ids=[fast_id])
        await fast.wait_for(5, timeout=10)
        assert fast.count == 5
        assert slow.count <= 10  # the first round only
        await slow.wait_for(40, timeout=30)
        assert slow.count == 40
    finally:
        await slow.stop()
        await fast.stop()


async def test_disabling_cancels_pending_deliveries_and_enabling_receives_again(
    engine: AsyncEngine, receiver: Receiver, org: str
) -> None:
    """The admin API's calls (delivery_services): machines decide, an illegal move raises (409)."""
    receiver.status = 500
    endpoint_id, _ = await add_endpoint(engine, org, receiver.url)
    await record_events(engine, org)
    await receiver.wait_for(1)
    await asyncio.sleep(0.5)
    assert (await deliveries(engine, endpoint_id))[0]["status"] == "pending"  # its retry is scheduled
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        await delivery_services.disable_endpoint(session, endpoint, "paused by the organiser")
    (d,) = await deliveries(engine, endpoint_id)
    assert (d["status"], d["last_error"]) == ("cancelled", "HTTP 500")
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None and endpoint.disabled_reason == "paused by the organiser"
        with pytest.raises(TransitionNotAllowed):
            await delivery_services.disable_endpoint(session, endpoint)
        delivery = await session.get(WebhookDelivery, d["id"])
        assert delivery is not None
        with pytest.raises(Conflict):  # redelivery waits for the endpoint to be enabled
            await delivery_services.redeliver(session, delivery, endpoint)
        await delivery_services.enable_endpoint(session, endpoint)
    receiver.status = 204
    await record_events(engine, org)
    await receiver.wait_for(2)
    assert receiver.count == 2
