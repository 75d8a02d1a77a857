"""Ticket issuing and delivery against the running product: the e-mail with the PDF arrives, the
PDF's QR verifies with the event's public key, and retries never duplicate tickets or e-mails.

The paid order is written straight into the database (the checkout workflow has its own tests);
delivery runs in the product's real SAQ worker, enqueued on its Redis queue.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from saq import Queue
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.conftest import Api, Stack, future, sign_up, wait_for_mail
from voelgoed.db import models as _all_models  # noqa: F401  (registers every table for the ORM)
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.orders.models import Order, OrderLine
from voelgoed.domain.tickets import jobs, payload
from voelgoed.domain.tickets.issuing import issue_for_order
from voelgoed.domain.tickets.models import OrderDocument, Ticket
from voelgoed.lib.secrets import token_digest
from voelgoed.settings import load_settings
from voelgoed.worker import CRON_JOBS, make_queue


@pytest.fixture
async def queue(stack: Stack) -> AsyncIterator[Queue]:
    q = make_queue(stack.redis_url)
    await q.connect()
    yield q
    await q.disconnect()


async def published_event(api: Api) -> dict[str, Any]:
    await sign_up(api)
    venue = await api.post(
        api.org("/venues"),
        json={"name": "Kirstenbosch", "address_line1": "Rhodes Dr", "city": "Cape Town", "postal_code": "7735"},
    )
    assert venue.status_code == 201, venue.text
    event = await api.post(
        api.org("/events"),
        json={
            "name": "Summer Sunset Concert",
            "venue_id": venue.json()["id"],
            "starts_at": future(20, 17),
            "ends_at": future(20, 22),
        },
    )
    assert event.status_code == 201, event.text
    published = await api.post(api.org(f"/events/{event.json()['id']}/publish"))
    assert published.status_code == 200, published.text
    return published.json()  # type: ignore[no-any-return]


async def paid_order(
    engine: AsyncEngine, event: dict[str, Any], org_id: str, quantities: list[int]
) -> tuple[Order, str]:
    """A paid order with one line per quantity (each line its own ticket type)."""
    token = secrets.token_urlsafe(32)
    buyer = f"buyer-{uuid.uuid4().hex[:8]}@example.co.za"
    async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
        org, event_id = uuid.UUID(org_id), uuid.UUID(event["id"])
        order = Order(
            organization_id=org,
            event_id=event_id,
            reference=f"VG-{secrets.token_hex(4).upper()}",
            status="paid",
            hold_expires_at=datetime.now(UTC) + timedelta(minutes=15),
            buyer_name="Thandiwe Mokoena",
            buyer_email=buyer,
            access_token_hash=token_digest(token),
            paid_at=datetime.now(UTC),
        )
        db.add(order)
        await db.flush()
        for i, quantity in enumerate(quantities):
            tt = TicketType(
                organization_id=org,
                event_id=event_id,
                name=f"Type {i + 1} ({quantity})",
                price_cents=25000,
                quantity=100,
                sold=quantity,
            )
            db.add(tt)
            await db.flush()
            db.add(
                OrderLine(
                    organization_id=org,
                    order_id=order.id,
                    ticket_type_id=tt.id,
                    quantity=quantity,
                    unit_price_cents=25000,
                    line_total_cents=25000 * quantity,
                )
            )
        await db.flush()
        order.total_cents = order.subtotal_cents = 25000 * sum(quantities)
    return order, token


async def issue(engine: AsyncEngine, order_id: uuid.UUID) -> list[Ticket]:
    async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
        order = await db.scalar(select(Order).where(Order.id == order_id))
        assert order is not None
        return await issue_for_order(db, order)


async def ticket_count(engine: AsyncEngine, order_id: uuid.UUID) -> int:
    async with AsyncSession(engine) as db:
        return int(await db.scalar(select(func.count()).select_from(Ticket).where(Ticket.order_id == order_id)) or 0)


def mails_to(stack: Stack, to: str) -> list[EmailMessage]:
    found = []
    for path in sorted(stack.mail_dir.glob("*.eml")) if stack.mail_dir.is_dir() else []:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to in str(msg["To"]):
            assert isinstance(msg, EmailMessage)
            found.append(msg)
    return found


async def job_result(queue: Queue, key: str, timeout: float = 30) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        job = await queue.job(key)
        if job is not None and job.status == "complete":
            return job.result
        if job is not None and job.status == "failed":
            raise AssertionError(f"job {key} failed: {job.error}")
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {key} did not complete within {timeout}s")


def pdf_attachment(msg: EmailMessage) -> bytes:
    attachments = [part for part in msg.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(attachments) == 1, [p.get_content_type() for p in msg.iter_attachments()]
    data = attachments[0].get_content()
    assert isinstance(data, bytes) and data.startswith(b"%PDF-")
    return data


def qr_codes_in(pdf: bytes) -> list[str]:
    """Every ticket page rendered to an image and its QR decoded (one per ticket page); the last
    page, the order summary, has none."""
    doc = pypdfium2.PdfDocument(pdf)
    texts = []
    for index in range(len(doc)):
        image = doc[index].render(scale=3).to_pil()
        found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
        if index == len(doc) - 1:
            assert "order summary" in doc[index].get_textpage().get_text_range().lower() and found == []
            continue
        assert len(found) == 1, f"page {index + 1}: {found}"
        texts.append(found[0])
    doc.close()
    return texts


def page_texts(pdf: bytes) -> list[str]:
    """The text of each ticket page (the order summary page left out)."""
    doc = pypdfium2.PdfDocument(pdf)
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    doc.close()
    assert "order summary" in texts[-1].lower()
    return texts[:-1]


async def test_paid_order_gets_one_email_with_verifiable_pdf_tickets(
    client: Api, engine: AsyncEngine, stack: Stack, queue: Queue, worker_env: None
) -> None:
    event = await published_event(client)
    order, _ = await paid_order(engine, event, client.org_id, [2, 1])

    tickets = await issue(engine, order.id)
    assert len(tickets) == 3
    assert {t.holder_name for t in tickets} == {"Thandiwe Mokoena"}
    assert len({t.serial for t in tickets}) == 3
    again = await issue(engine, order.id)  # a retried checkout completion issues nothing new
    assert sorted(t.id for t in again) == sorted(t.id for t in tickets)
    assert await ticket_count(engine, order.id) == 3

    # Double enqueue collapses on the job key; the worker renders and sends once.
    await jobs.enqueue_delivery(queue, order.id)
    await jobs.enqueue_delivery(queue, order.id)
    try:
        msg = await wait_for_mail(stack, order.buyer_email or "", "Your tickets", timeout=30)
    except AssertionError:
        job = await queue.job(jobs.delivery_job_key(order.id))
        print("delivery job:", job and job.status, job and job.error)
        raise
    assert order.reference in str(msg["Subject"])
    pdf = pdf_attachment(msg)

    key = await client.get(f"/api/public/events/{event['slug']}/signing-key")
    assert key.status_code == 200, key.text
    key_body = key.json()
    assert key_body["algorithm"] == "Ed25519" and key_body["payload_version"] == 1
    public_key = bytes.fromhex(key_body["public_key"])

    codes = qr_codes_in(pdf)
    assert len(codes) == 3
    serials = set()
    type_refs = set()
    for code in codes:
        claims = payload.verify_payload(code, public_key, key_id=key_body["key_id"])
        serials.add(claims.serial_text)
        type_refs.add(claims.type_ref)
    assert serials == {t.serial for t in tickets}
    assert type_refs == {payload.ticket_type_ref(t.ticket_type_id) for t in tickets}

    texts = page_texts(pdf)
    local_start = datetime.fromisoformat(event["starts_at_local"])
    for text in texts:
        assert "Summer Sunset Concert" in text
        assert "Kirstenbosch" in text and "Rhodes Dr" in text
        assert "Thandiwe Mokoena" in text and order.reference in text
        assert f"{local_start:%H:%M}" in text  # shown in the event's time zone
    assert sum("Type 1 (2)" in t for t in texts) == 2 and sum("Type 2 (1)" in t for t in texts) == 1
    # Each page prints its ticket code (the serial, grouped) for typing in at the gate.
    assert sorted(t for text in texts for t in serials if f"Ticket code {payload.ticket_code(t)}" in text) == sorted(
        serials
    )

    # The stamp is set; delivering again sends nothing.
    assert await job_result(queue, jobs.delivery_job_key(order.id)) == "sent"
    await jobs.enqueue_delivery(queue, order.id)
    assert await job_result(queue, jobs.delivery_job_key(order.id)) == "already-sent"
    await asyncio.sleep(0.5)
    assert len(mails_to(stack, order.buyer_email or "")) == 1
    assert await ticket_count(engine, order.id) == 3

    # The organiser's "resend" (force) sends one more, with the same tickets.
    await jobs.enqueue_delivery(queue, order.id, force=True)
    assert await job_result(queue, jobs.delivery_job_key(order.id, force=True)) == "sent"
    resent = mails_to(stack, order.buyer_email or "")
    assert len(resent) == 2
    assert resent[0]["Message-ID"] != resent[1]["Message-ID"]
    assert sorted(qr_codes_in(pdf_attachment(resent[1]))) == sorted(codes)


async def test_download_link_needs_the_right_token(client: Api, engine: AsyncEngine) -> None:
    event = await published_event(client)
    order, token = await paid_order(engine, event, client.org_id, [2])

    # Not delivered yet: the download renders on demand (and issues the tickets).
    response = await client.get(f"/orders/{order.reference}/tickets.pdf", params={"token": token})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/pdf")
    assert "no-store" in response.headers["cache-control"]
    assert f"tickets-{order.reference}.pdf" in response.headers["content-disposition"]
    key = (await client.get(f"/api/public/events/{event['slug']}/signing-key")).json()
    codes = qr_codes_in(response.content)
    assert len(codes) == 2
    for code in codes:
        payload.verify_payload(code, bytes.fromhex(key["public_key"]))
    assert await ticket_count(engine, order.id) == 2
    # The second download serves the stored document: the same bytes.
    second = await client.get(f"/orders/{order.reference}/tickets.pdf", params={"token": token})
    assert second.content == response.content

    wrong = await client.get(f"/orders/{order.reference}/tickets.pdf", params={"token": token[:-2] + "xx"})
    unknown = await client.get("/orders/VG-NOPE1234/tickets.pdf", params={"token": token})
    missing = await client.get(f"/orders/{order.reference}/tickets.pdf")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"]  # says nothing about existence
    assert missing.status_code == 400


async def test_signing_key_only_for_published_events(client: Api) -> None:
    await sign_up(client)
    draft = await client.post(
        client.org("/events"), json={"name": "Draft Fest", "starts_at": future(10), "ends_at": future(11)}
    )
    assert draft.status_code == 201
    response = await client.get(f"/api/public/events/{draft.json()['slug']}/signing-key")
    assert response.status_code == 404
    assert (await client.get("/api/public/events/no-such-event/signing-key")).status_code == 404


@pytest.fixture
def worker_env(stack: Stack) -> Iterator[None]:
    """Run the delivery job in this process with the product's database, secret and mailbox."""
    saved = {
        k: os.environ.get(k)
        for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "VOELGOED_DATA_DIR", "SMTP_HOST", "SMTP_PORT")
    }
    os.environ.update(
        DATABASE_URL=stack.database_url,
        REDIS_URL=stack.redis_url,
        SECRET_KEY="test-secret",
        VOELGOED_DATA_DIR=str(stack.data_dir),
    )
    os.environ.pop("SMTP_HOST", None)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def job_ctx() -> dict[str, Any]:
    """What the worker's SAQ startup gives every job: the settings, built from the environment now."""
    return {"settings": load_settings()}


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: connections are refused


async def test_smtp_down_and_pdf_failure_raise_for_retry_and_lose_nothing(
    client: Api, engine: AsyncEngine, stack: Stack, worker_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = await published_event(client)
    order, _ = await paid_order(engine, event, client.org_id, [1])
    to = order.buyer_email or ""

    # A PDF failure: the job raises (SAQ retries), nothing is stored or sent, the order stays paid.
    def broken_render(doc: Any) -> bytes:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("voelgoed.domain.tickets.jobs.render_tickets_pdf", broken_render)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        await jobs.deliver_order_tickets(job_ctx(), order_id=str(order.id))
    monkeypatch.undo()
    async with AsyncSession(engine) as db:
        assert await db.scalar(select(func.count()).select_from(OrderDocument)) == 0
        fresh = await db.scalar(select(Order).where(Order.id == order.id))
        assert fresh is not None and fresh.status == "paid" and fresh.tickets_emailed_at is None

    # SMTP down: the job raises; the PDF made on the way is kept for the retry.
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(closed_port()))
    with pytest.raises(OSError):
        await jobs.deliver_order_tickets(job_ctx(), order_id=str(order.id))
    async with AsyncSession(engine) as db:
        assert await db.scalar(select(func.count()).select_from(OrderDocument)) == 1
        fresh = await db.scalar(select(Order).where(Order.id == order.id))
        assert fresh is not None and fresh.status == "paid" and fresh.tickets_emailed_at is None
    assert mails_to(stack, to) == []

    # SMTP back (the local mailbox): the retry sends once; later retries send nothing.
    monkeypatch.delenv("SMTP_HOST")
    assert await jobs.deliver_order_tickets(job_ctx(), order_id=str(order.id)) == "sent"
    assert await jobs.deliver_order_tickets(job_ctx(), order_id=str(order.id)) == "already-sent"
    assert len(mails_to(stack, to)) == 1
    assert await ticket_count(engine, order.id) == 1


async def test_concurrent_deliveries_send_one_email(
    client: Api, engine: AsyncEngine, stack: Stack, worker_env: None
) -> None:
    event = await published_event(client)
    order, _ = await paid_order(engine, event, client.org_id, [3])
    results = await asyncio.gather(*(jobs.deliver_order_tickets(job_ctx(), order_id=str(order.id)) for _ in range(4)))
    assert sorted(results) == ["already-sent"] * 3 + ["sent"]
    assert len(mails_to(stack, order.buyer_email or "")) == 1
    assert await ticket_count(engine, order.id) == 3


async def test_unpaid_order_gets_no_tickets(client: Api, engine: AsyncEngine, stack: Stack, worker_env: None) -> None:
    event = await published_event(client)
    order, token = await paid_order(engine, event, client.org_id, [1])
    async with AsyncSession(engine) as db, db.begin():
        fresh = await db.scalar(select(Order).where(Order.id == order.id))
        assert fresh is not None
        fresh.status = "awaiting_payment"  # test set-up only: the machine is not under test here
    assert await jobs.deliver_order_tickets(job_ctx(), order_id=str(order.id)) == "not-paid"
    response = await client.get(f"/orders/{order.reference}/tickets.pdf", params={"token": token})
    assert response.status_code == 409
    assert await ticket_count(engine, order.id) == 0
    assert mails_to(stack, order.buyer_email or "") == []


async def test_paid_orders_never_e_mailed_are_redelivered_by_the_sweep(
    client: Api, engine: AsyncEngine, stack: Stack, queue: Queue, worker_env: None
) -> None:
    """The queued job can be lost (Redis gone, the API dying between the payment commit and the
    enqueue): PostgreSQL says what is owed, and the cron sweep hands it to the worker again."""
    event = await published_event(client)
    lost, _ = await paid_order(engine, event, client.org_id, [1])  # paid, never enqueued
    too_new, _ = await paid_order(engine, event, client.org_id, [1])
    too_old, _ = await paid_order(engine, event, client.org_id, [1])
    async with AsyncSession(engine) as db, db.begin():
        for order, age in ((lost, timedelta(minutes=10)), (too_old, timedelta(days=8))):
            await db.execute(update(Order).where(Order.id == order.id).values(paid_at=datetime.now(UTC) - age))
    assert "redeliver_missed_tickets" in {cron.function.__qualname__ for cron in CRON_JOBS}

    assert await jobs.redeliver_missed_tickets({**job_ctx(), "queue": queue}) == 1  # type: ignore[typeddict-item]
    await wait_for_mail(stack, lost.buyer_email or "", subject_contains=lost.reference)
    assert await job_result(queue, jobs.delivery_job_key(lost.id)) == "sent"
    async with AsyncSession(engine) as db:
        emailed = dict((await db.execute(select(Order.id, Order.tickets_emailed_at))).tuples().all())
    assert emailed[lost.id] is not None
    assert emailed[too_new.id] is None and emailed[too_old.id] is None  # not yet; a person's job
    assert await jobs.redeliver_missed_tickets({**job_ctx(), "queue": queue}) == 0  # type: ignore[typeddict-item]
    assert len(mails_to(stack, lost.buyer_email or "")) == 1
    assert mails_to(stack, too_new.buyer_email or "") == [] and mails_to(stack, too_old.buyer_email or "") == []
