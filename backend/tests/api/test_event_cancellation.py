"""Cancelling an event with sold tickets (docs/event-cancellation.md): the organiser chooses
whether paid orders are refunded, a SAQ job cancels them in batches with progress and a summary,
unpaid reservations are released, every order's buyer is e-mailed once, a killed worker loses
nothing and does nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import secrets
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import add_member, assert_problem
from tests.api.sales_helpers import add_type, counters, organiser_with_event, reserve, scalar
from tests.api.test_ticket_delivery import job_ctx, worker_env  # noqa: F401  (fixture)
from tests.conftest import Api, Stack, sign_up, wait_for_worker_idle
from voelgoed.db import models  # noqa: F401 (every model registered for the ORM)
from voelgoed.testing import seeding
from voelgoed.workflows import event_cancellation_jobs, refunds

SUBJECT = "Cancelled:"


def cancellation_path(api: Api, event_id: str) -> str:
    return api.org(f"/events/{event_id}/cancellation")


async def buy(buyer: httpx.AsyncClient, slug: str, type_id: str, to: str, quantity: int = 1) -> dict[str, Any]:
    """A paid order through the checkout site and the simulated provider, as a buyer does it."""
    held = (await reserve(buyer, slug, {type_id: quantity})).json()
    started = await buyer.post(
        f"/api/public/orders/{held['reference']}/checkout",
        headers={"X-Order-Token": held["access_token"]},
        json={"buyer_name": "Lerato Dlamini", "buyer_email": to, "provider": "simulated"},
    )
    assert started.status_code == 200, started.text
    parts = urlsplit(started.json()["payment"]["url"])
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    paid = await buyer.post(parts.path, data={"sig": q["sig"], "r": q["r"], "outcome": "pay"})
    assert paid.status_code in (200, 303), paid.text
    return held  # type: ignore[no-any-return]


async def wait_finished(api: Api, event_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll the cancellation as the organiser app does until it is no longer running."""
    deadline = time.monotonic() + timeout
    seen: list[float] = []
    while time.monotonic() < deadline:
        r = await api.get(cancellation_path(api, event_id))
        assert r.status_code == 200, r.text
        body = r.json()
        seen.append(body["progress"])
        if body["status"] != "running":
            assert seen == sorted(seen), f"progress went backwards: {seen}"
            return body  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"the cancellation did not finish within {timeout}s: {body}")


def cancellation_mails(stack: Stack, domain: str, *, any_but_tickets: bool = False) -> Counter[str]:
    """How many "event cancelled" e-mails each address at `domain` got (the mail folder); with
    `any_but_tickets`, every e-mail but the tickets of the purchase (a refund e-mail would count)."""
    got: Counter[str] = Counter()
    for path in stack.mail_dir.glob("*.eml") if stack.mail_dir.is_dir() else []:
        raw = path.read_bytes()
        if domain.encode() not in raw:
            continue
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        subject = str(msg["Subject"])
        if subject.startswith(SUBJECT) or (any_but_tickets and not subject.startswith("Your tickets")):
            got[str(msg["To"])] += 1
    return got


async def wait_mails(stack: Stack, domain: str, expected: int, timeout: float = 60) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cancellation_mails(stack, domain)
        if sum(got.values()) >= expected:
            await wait_for_worker_idle(stack.redis_url)  # anything still queued would show up now
            return cancellation_mails(stack, domain)
        await asyncio.sleep(0.2)
    raise AssertionError(f"{sum(got.values())} of {expected} cancellation e-mails within {timeout}s")


async def wait_refunds(engine: AsyncEngine, event_id: str, count: int, timeout: float = 60) -> None:
    """Until `count` refunds of the event's orders succeeded at the provider."""
    sql = (
        "SELECT count(*) FILTER (WHERE r.status = 'succeeded'), count(*) FROM refund r"
        " JOIN ticket_order o ON o.id = r.order_id WHERE o.event_id = :e"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            succeeded, total = (await conn.execute(text(sql), {"e": uuid.UUID(event_id)})).one()
        assert total == count, f"{total} refunds, expected {count}"
        if succeeded == count:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{succeeded} of {count} refunds succeeded within {timeout}s")


async def assert_ledger_balances(api: Api, event_id: str) -> None:
    """The event's trial balance sums to zero after the refunds (issue #11, item 5).
    Every sale was refunded in full, so what the provider holds for the event is back to zero and
    the refunds account mirrors the revenue."""
    r = await api.get(api.org("/ledger/trial-balance"), params={"event_id": event_id})
    assert r.status_code == 200, r.text
    balance = r.json()
    assert balance["total_cents"] == 0 and balance["entries"] > 0, balance
    accounts = {a["account"]: a["balance_cents"] for a in balance["accounts"]}
    assert accounts.get("provider_clearing", 0) == 0, accounts
    assert accounts["ticket_revenue"] + accounts["refunds"] == 0, accounts


def mail_body(stack: Stack, to: str) -> str:
    for path in stack.mail_dir.glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(msg["To"]) == to and str(msg["Subject"]).startswith(SUBJECT):
            body = msg.get_body(preferencelist=("plain",))
            assert body is not None
            return str(body.get_content())
    raise AssertionError(f"no cancellation e-mail to {to}")


async def seed_paid_orders(engine: AsyncEngine, api: Api, event: dict[str, Any], count: int, domain: str) -> str:
    """A new ticket type with `count` paid orders of it, written straight to the database with their
    payments and ledger entries (voelgoed.testing.seeding), buyers at `domain`. Its id."""
    tt = await add_type(api, event["id"], quantity=count + 10, price_cents=15000)
    await seeding.seed_paid_orders(
        engine,
        organization_id=uuid.UUID(api.org_id),
        event_id=uuid.UUID(event["id"]),
        ticket_type_id=uuid.UUID(tt["id"]),
        count=count,
        email_domain=domain,
    )
    return str(tt["id"])


def unique_domain() -> str:
    return f"cancel-{secrets.token_hex(4)}.example.co.za"


async def test_cancelling_an_event_refunds_every_paid_order_and_emails_each_buyer_once(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=20, price_cents=20000)
    domain = unique_domain()
    buyers = [f"buyer{i}@{domain}" for i in range(3)]
    orders = [await buy(new_client(), event["slug"], tt["id"], to, quantity=i + 1) for i, to in enumerate(buyers)]
    hold = (await reserve(new_client(), event["slug"], {tt["id"]: 2})).json()  # reserved, never paid
    await wait_for_worker_idle(stack.redis_url)  # the tickets e-mails of the purchases

    preview = (await client.get(cancellation_path(client, event["id"]) + "/preview")).json()
    assert preview == {
        "event_id": event["id"],
        "event_name": event["name"],
        "paid_orders": 3,
        "paid_cents": 6 * 20000,
        "refundable_cents": 6 * 20000,
        "unpaid_holds": 1,
        "can_cancel": True,
    }
    assert_problem(await client.get(cancellation_path(client, event["id"])), 404)  # none yet

    body = {
        "mode": "refund_all",
        "reason_text": "Storm damage to the venue",
        "message": "We are so sorry.\nSee you soon.",
    }
    started = await client.post(cancellation_path(client, event["id"]), json=body)
    assert started.status_code == 202, started.text
    assert started.json()["status"] in ("running", "finished") and started.json()["orders_total"] == 3

    # The event is cancelled in the same transaction: the checkout site stops selling at once.
    assert (await client.get(client.org(f"/events/{event['id']}"))).json()["status"] == "cancelled"
    assert_problem(await reserve(new_client(), event["slug"], {tt["id"]: 1}), 404)
    page = await new_client().get(f"/events/{event['slug']}")
    assert page.status_code == 200 and "This event has been cancelled." in page.text

    done = await wait_finished(client, event["id"])
    assert done["status"] == "finished" and done["progress"] == 1.0
    assert (done["orders_total"], done["orders_done"], done["failures"]) == (3, 3, 0)
    assert done["refunds_requested"] == 3 and done["refund_cents"] == 6 * 20000
    assert done["holds_released"] == 1 and done["failed_orders"] == []
    assert done["mode"] == "refund_all" and done["finished_at"] and done["started_by"] == client.me["user"]["id"]

    # Tickets voided, the hold cancelled and its stock given back.
    valid = "SELECT count(*) FROM ticket WHERE event_id = :e AND status = 'valid'"
    assert await scalar(engine, valid, e=uuid.UUID(event["id"])) == 0
    assert await scalar(engine, "SELECT status FROM ticket_order WHERE id = :o", o=uuid.UUID(hold["order_id"])) == (
        "cancelled"
    )
    assert (await counters(engine, tt["id"]))[1] == 0  # nothing reserved any more

    mails = await wait_mails(stack, domain, 3)
    assert mails == Counter({to: 1 for to in buyers})
    # The refunds go through the provider (the simulated one answers at once) without e-mails of
    # their own: the cancellation e-mail is the one the buyer gets.
    await wait_refunds(engine, event["id"], 3)
    assert cancellation_mails(stack, domain, any_but_tickets=True) == mails
    statuses = "SELECT string_agg(DISTINCT status, ',') FROM ticket_order WHERE event_id = :e AND paid_at IS NOT NULL"
    assert await scalar(engine, statuses, e=uuid.UUID(event["id"])) == "cancelled"
    await assert_ledger_balances(client, event["id"])
    text_of_first = mail_body(stack, buyers[0])
    assert orders[0]["reference"] in text_of_first and "R 200.00" in text_of_first
    assert "Storm damage" not in text_of_first and "We are so sorry." in text_of_first  # the reason is internal
    assert (await client.get(cancellation_path(client, event["id"]))).json()["emails_sent"] == 3
    audit = "SELECT count(*) FROM audit_entry WHERE action = 'event.cancel' AND entity_id = :e"
    assert await scalar(engine, audit, e=uuid.UUID(event["id"])) == 1


async def test_second_post_returns_the_same_cancellation_and_another_mode_is_refused(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    domain = unique_domain()
    await seed_paid_orders(engine, client, event, 3, domain)
    path = cancellation_path(client, event["id"])

    # The old cancel path asks for a decision about the paid orders first.
    assert (
        "cancellation" in assert_problem(await client.post(client.org(f"/events/{event['id']}/cancel")), 409)["detail"]
    )
    assert_problem(await client.post(path, json={"mode": "keep_money", "reason_text": "x"}), 422, "mode")
    assert_problem(await client.post(path, json={"mode": "refund_all", "reason_text": "  "}), 422, "reason_text")
    assert (await client.get(client.org(f"/events/{event['id']}"))).json()["status"] == "published"

    body = {"mode": "cancel_without_refund", "reason_text": "Artist ill"}
    first, second = await asyncio.gather(client.post(path, json=body), client.post(path, json=body))
    assert first.status_code == second.status_code == 202, (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    problem = assert_problem(await client.post(path, json={**body, "mode": "refund_all"}), 409)
    assert "cancel_without_refund" in problem["detail"]
    await wait_finished(client, event["id"])
    assert (await client.post(path, json=body)).json()["id"] == first.json()["id"]  # still the same one
    count = "SELECT count(*) FROM event_cancellation WHERE event_id = :e"
    assert await scalar(engine, count, e=uuid.UUID(event["id"])) == 1
    assert Counter(cancellation_mails(stack, domain).values()) == Counter({1: 3})

    # An event without paid orders is still cancelled by the old path; a closed one cannot be.
    other = await organiser_with_event(client)
    cancelled = await client.post(client.org(f"/events/{other['id']}/cancel"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_problem(await client.post(cancellation_path(client, other["id"]), json=body), 409)


async def test_cancel_without_refund_cancels_and_tells_buyers_no_refund_comes(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    domain = unique_domain()
    await seed_paid_orders(engine, client, event, 4, domain)
    r = await client.post(
        cancellation_path(client, event["id"]), json={"mode": "cancel_without_refund", "reason_text": "Rained out"}
    )
    assert r.status_code == 202, r.text
    done = await wait_finished(client, event["id"])
    assert (done["orders_done"], done["refunds_requested"], done["refund_cents"], done["failures"]) == (4, 0, 0, 0)
    assert done["progress"] == 1.0
    valid = "SELECT count(*) FROM ticket WHERE event_id = :e AND status = 'valid'"
    assert await scalar(engine, valid, e=uuid.UUID(event["id"])) == 0
    mails = await wait_mails(stack, domain, 4)
    assert sorted(mails.values()) == [1, 1, 1, 1]
    body = mail_body(stack, next(iter(mails)))
    assert "not refunding" in body and client.me["user"]["email"] in body  # whom to ask instead


async def test_only_owners_and_admins_cancel_and_other_organisations_see_nothing(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    await seed_paid_orders(engine, client, event, 1, unique_domain())
    path = cancellation_path(client, event["id"])
    body = {"mode": "refund_all", "reason_text": "Venue lost"}
    staff = await add_member(client, new_client, stack, "staff")
    assert_problem(await staff.get(path + "/preview"), 403)
    assert_problem(await staff.post(path, json=body), 403)
    assert_problem(await staff.get(path), 403)
    other = new_client()
    await sign_up(other, organization="Other Org")
    assert_problem(await other.post(path, json=body), 404)  # not a member of the organisation
    own = path.replace(client.org_id, other.org_id)  # their own organisation, our event
    assert_problem(await other.get(own + "/preview"), 404)
    assert_problem(await other.post(own, json=body), 404)
    assert (await client.get(client.org(f"/events/{event['id']}"))).json()["status"] == "published"
    admin = await add_member(client, new_client, stack, "admin")
    assert (await admin.post(path, json=body)).status_code == 202
    await wait_finished(client, event["id"])


async def test_thousand_paid_orders_finish_and_each_buyer_is_emailed_once(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    event = await organiser_with_event(client)
    domain = unique_domain()
    await seed_paid_orders(engine, client, event, 1000, domain)
    r = await client.post(
        cancellation_path(client, event["id"]), json={"mode": "refund_all", "reason_text": "Promoter insolvent"}
    )
    assert r.status_code == 202, r.text
    done = await wait_finished(client, event["id"], timeout=600)
    assert (done["status"], done["orders_total"], done["orders_done"], done["failures"]) == ("finished", 1000, 1000, 0)
    assert done["refunds_requested"] == 1000 and done["refund_cents"] == 1000 * 15000
    mails = await wait_mails(stack, domain, 1000, timeout=600)
    assert len(mails) == 1000 and set(mails.values()) == {1}
    await wait_refunds(engine, event["id"], 1000, timeout=300)
    assert cancellation_mails(stack, domain, any_but_tickets=True) == mails  # no refund e-mails besides
    markers = "SELECT count(*), count(DISTINCT order_id) FROM event_cancellation_order WHERE emailed_at IS NOT NULL"
    async with engine.connect() as conn:
        assert tuple((await conn.execute(text(markers))).one()) == (1000, 1000)
    await assert_ledger_balances(client, event["id"])


class WorkerKilled(BaseException):
    """What a killed worker looks like to the job: it stops mid-batch and nothing after runs (not
    an Exception, so the job's per-order error handling does not catch it)."""


async def test_a_worker_killed_during_refund_all_loses_nothing_and_does_nothing_twice(
    client: Api,
    engine: AsyncEngine,
    stack: Stack,
    worker_env: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = await organiser_with_event(client)
    domain = unique_domain()
    await seed_paid_orders(engine, client, event, 250, domain)
    async with run_lock_held(engine, event["id"]):  # the product's own job leaves the run to us
        r = await client.post(
            cancellation_path(client, event["id"]), json={"mode": "refund_all", "reason_text": "Flooded"}
        )
        assert r.status_code == 202, r.text
        cid = r.json()["id"]
        await wait_for_worker_idle(stack.redis_url)
        assert (await client.get(cancellation_path(client, event["id"]))).json()["orders_done"] == 0

    calls: Counter[uuid.UUID] = Counter()
    real = refunds.cancel_paid_order

    async def dies_in_the_third_batch(db: Any, **kwargs: Any) -> Any:
        calls[kwargs["order_id"]] += 1
        if sum(calls.values()) == 2 * event_cancellation_jobs.BATCH_SIZE + 50:
            raise WorkerKilled
        return await real(db, **kwargs)

    monkeypatch.setattr(refunds, "cancel_paid_order", dies_in_the_third_batch)
    with pytest.raises(WorkerKilled):
        await event_cancellation_jobs.run_event_cancellation(job_ctx(), cancellation_id=cid)
    halfway = (await client.get(cancellation_path(client, event["id"]))).json()
    assert halfway["status"] == "running"
    assert halfway["orders_done"] == 2 * event_cancellation_jobs.BATCH_SIZE  # the third batch rolled back
    handled = "SELECT count(*) FROM event_cancellation_order WHERE cancellation_id = :c"
    assert await scalar(engine, handled, c=uuid.UUID(cid)) == 200

    # The next run (the sweep's, or SAQ's retry) picks up where the dead one stopped.
    assert await event_cancellation_jobs.run_event_cancellation(job_ctx(), cancellation_id=cid) == "finished"
    done = (await client.get(cancellation_path(client, event["id"]))).json()
    assert (done["orders_done"], done["orders_total"], done["refunds_requested"]) == (250, 250, 250)
    assert done["refund_cents"] == 250 * 15000
    # Every order was cancelled by exactly one committed call: the 50 of the rolled-back batch were
    # tried twice, but their first try never committed.
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT count(*), count(DISTINCT order_id), count(DISTINCT refund_id)"
                    " FROM event_cancellation_order WHERE cancellation_id = :c"
                ),
                {"c": uuid.UUID(cid)},
            )
        ).one()
    assert tuple(rows) == (250, 250, 250)
    assert len(calls) == 250 and sorted(Counter(calls.values()).items()) == [(1, 200), (2, 50)]
    mails = await wait_mails(stack, domain, 250, timeout=180)
    assert len(mails) == 250 and set(mails.values()) == {1}
    await wait_refunds(engine, event["id"], 250)  # one refund per order, none twice
    per_order = "SELECT max(n) FROM (SELECT count(*) AS n FROM refund GROUP BY order_id) x"
    assert await scalar(engine, per_order) == 1
    # A third run finds nothing to do.
    assert await event_cancellation_jobs.run_event_cancellation(job_ctx(), cancellation_id=cid) == "finished"
    assert (await client.get(cancellation_path(client, event["id"]))).json()["orders_done"] == 250


@contextlib.asynccontextmanager
async def run_lock_held(engine: AsyncEngine, event_id: str) -> AsyncIterator[None]:
    """Hold the event's run lock ("another worker runs it"): the product's own job finds the run
    busy and leaves it. Unlocked explicitly: a pooled connection keeps session locks."""
    key = event_cancellation_jobs.run_lock_key(event_id)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), {"k": key})
        await conn.commit()
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": key})
            await conn.commit()


async def test_the_sweep_resumes_a_cancellation_whose_job_died_and_gives_up_on_one_that_keeps_dying(
    client: Api,
    engine: AsyncEngine,
    stack: Stack,
    worker_env: None,  # noqa: F811
) -> None:
    event = await organiser_with_event(client)
    domain = unique_domain()
    await seed_paid_orders(engine, client, event, 5, domain)
    body = {"mode": "refund_all", "reason_text": "Sound system stolen"}
    async with run_lock_held(engine, event["id"]):  # the job "dies": it never runs, its last beat long ago
        assert (await client.post(cancellation_path(client, event["id"]), json=body)).status_code == 202
        await wait_for_worker_idle(stack.redis_url)
        stale = "UPDATE event_cancellation SET heartbeat_at = now() - interval '10 minutes' WHERE event_id = :e"
        async with engine.begin() as conn:
            await conn.execute(text(stale), {"e": uuid.UUID(event["id"])})
    assert (await client.get(cancellation_path(client, event["id"]))).json()["orders_done"] == 0
    assert await event_cancellation_jobs.resume_event_cancellations(job_ctx()) == 1
    done = await wait_finished(client, event["id"])
    assert (done["status"], done["orders_done"], done["refunds_requested"]) == ("finished", 5, 5)
    assert await event_cancellation_jobs.resume_event_cancellations(job_ctx()) == 0  # nothing owed any more
    mails = await wait_mails(stack, domain, 5)
    assert set(mails.values()) == {1}

    # An e-mail whose job the queue lost (queued long ago, never sent) is queued again by the sweep.
    lost = (
        "UPDATE event_cancellation_order SET emailed_at = NULL, email_queued_at = now() - interval '20 minutes'"
        " WHERE id = (SELECT m.id FROM event_cancellation_order m JOIN ticket_order o ON o.id = m.order_id"
        " WHERE o.buyer_email = :to) RETURNING id"
    )
    to = next(iter(mails))
    async with engine.begin() as conn:
        assert (await conn.execute(text(lost), {"to": to})).scalar() is not None
    await event_cancellation_jobs.resume_event_cancellations(job_ctx())
    await wait_mails(stack, domain, 6)
    assert cancellation_mails(stack, domain)[to] == 2  # (sent before: the loss was simulated)

    # One that keeps dying is marked failed with the reason; asking again resumes it.
    other = await organiser_with_event(client)
    await seed_paid_orders(engine, client, other, 2, unique_domain())
    async with run_lock_held(engine, other["id"]):
        assert (await client.post(cancellation_path(client, other["id"]), json=body)).status_code == 202
        await wait_for_worker_idle(stack.redis_url)
        dying = (
            "UPDATE event_cancellation SET heartbeat_at = now() - interval '10 minutes', runs = :n WHERE event_id = :e"
        )
        async with engine.begin() as conn:
            await conn.execute(text(dying), {"e": uuid.UUID(other["id"]), "n": event_cancellation_jobs.MAX_RUNS})
        assert await event_cancellation_jobs.resume_event_cancellations(job_ctx()) == 0
    failed = (await client.get(cancellation_path(client, other["id"]))).json()
    assert failed["status"] == "failed" and "stopped" in failed["error"] and failed["orders_done"] == 0
    again = await client.post(cancellation_path(client, other["id"]), json=body)
    assert again.status_code == 202 and again.json()["status"] == "running" and again.json()["error"] is None
    done = await wait_finished(client, other["id"])
    assert (done["status"], done["orders_done"]) == ("finished", 2)
