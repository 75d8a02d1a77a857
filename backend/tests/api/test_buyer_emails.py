"""Buyer e-mails as a buyer's mail client gets them: text and HTML alternatives in the organiser's
branding and wording, From our address under the organiser's name, Reply-To the organiser; and
the reminder the day before, sent once per order however often and however concurrently the
jobs run.

Jobs run in this process against the product's database and mailbox (worker_env), or in the
product's own worker through its queue, as in test_ticket_delivery.py."""

from __future__ import annotations

import asyncio
import html as htmllib
import re
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from saq import Queue
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api import test_ticket_delivery as delivery
from tests.api.test_ticket_delivery import job_ctx, mails_to, paid_order, published_event
from tests.conftest import Api, Stack, wait_for_mail
from voelgoed.domain.events.models import Event
from voelgoed.domain.notifications import reminders
from voelgoed.domain.notifications.models import OrderReminder
from voelgoed.domain.orders.models import Order
from voelgoed.domain.tickets import jobs
from voelgoed.worker import CRON_JOBS, FUNCTIONS

# The delivery tests' fixtures: the product's queue, and jobs run here against its database and mailbox.
queue = delivery.queue
worker_env = delivery.worker_env


def visible(page: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ").split())


def parts(msg: EmailMessage) -> tuple[str, str]:
    plain, rich = msg.get_body(preferencelist=("plain",)), msg.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None, [p.get_content_type() for p in msg.walk()]
    return str(plain.get_content()), str(rich.get_content())


async def test_order_confirmation_is_multipart_branded_in_the_organisers_words_and_replies_to_them(
    client: Api,
    engine: AsyncEngine,
    stack: Stack,
    worker_env: None,
) -> None:
    event = await published_event(client)  # signs up "Test Org"
    owner = client.me["user"]["email"]
    wording = {"subject": "Kaartjies: {event_name}", "intro": "Welkom {buyer_name} & <friends>!\n\nSee {order_link}"}
    assert (await client.put(client.org("/email-templates/order_confirmation"), json=wording)).status_code == 200
    order, _ = await paid_order(engine, event, client.org_id, [2])
    assert await jobs.deliver_order_tickets(job_ctx(), order_id=str(order.id)) == "sent"

    [mail] = mails_to(stack, order.buyer_email or "")
    assert mail.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in mail.walk()][:4] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    assert [p.get_filename() for p in mail.iter_attachments()] == [f"tickets-{order.reference}.pdf"]
    assert str(mail["Subject"]) == "Kaartjies: Summer Sunset Concert"
    name, address = parseaddr(str(mail["From"]))
    assert name == "Test Org" and address.startswith("no-reply@")
    assert str(mail["Reply-To"]) == owner  # no contact address in the branding yet: the owner's

    text, page = parts(mail)
    assert "Welkom Thandiwe Mokoena & <friends>!" in text
    assert "Welkom Thandiwe Mokoena &amp; &lt;friends&gt;!" in page  # the organiser's text stays text
    link = re.search(r"https?://\S+/orders/" + re.escape(order.reference) + r"\?token=[\w.-]+", text)
    assert link, text
    assert f'<a href="{htmllib.escape(link.group(0))}"' in page  # {order_link} is a link in the HTML
    # Branded frame: the organiser's name at the top, the colour inline (no <style>, no images).
    assert visible(page.split("<body", 1)[1].split(">", 1)[1]).startswith("Test Org")
    assert re.search(r'style="[^"]*background: #1f3a5f', page)
    assert "<style" not in page.lower() and not re.search(r"<(img|link|script)\b", page, re.I)
    # Our fixed parts stay whatever the wording: the tickets and the amounts.
    assert "R 500.00" in visible(page) and "Your tickets" in visible(page)


async def due_event(client: Api, engine: AsyncEngine, starts_in: timedelta) -> dict[str, Any]:
    event = await published_event(client)
    async with AsyncSession(engine) as db, db.begin():  # test set-up: move the start closer
        starts = datetime.now(UTC) + starts_in
        moved = {"starts_at": starts, "ends_at": starts + timedelta(hours=4)}
        await db.execute(update(Event).where(Event.id == uuid.UUID(event["id"])).values(**moved))
    return event


async def set_status(engine: AsyncEngine, model: Any, row_id: Any, status: str) -> None:
    async with AsyncSession(engine) as db, db.begin():
        await db.execute(update(model).where(model.id == uuid.UUID(str(row_id))).values(status=status))


async def test_reminder_is_sent_once_even_when_the_job_runs_twice_at_once(
    client: Api,
    engine: AsyncEngine,
    stack: Stack,
    worker_env: None,
) -> None:
    event = await due_event(client, engine, timedelta(hours=26))
    order, _ = await paid_order(engine, event, client.org_id, [1])

    results = await asyncio.gather(
        *(reminders.send_event_reminder(job_ctx(), order_id=str(order.id)) for _ in range(3))
    )
    assert sorted(results) == ["already-sent", "already-sent", "sent"]
    assert await reminders.send_event_reminder(job_ctx(), order_id=str(order.id)) == "already-sent"
    [mail] = mails_to(stack, order.buyer_email or "")
    assert str(mail["Subject"]) == "Coming up: Summer Sunset Concert"
    text, page = parts(mail)
    assert "Hello Thandiwe Mokoena" in text and f"/orders/{order.reference}?token=" in text
    assert "Summer Sunset Concert" in visible(page) and "Open your order page" in visible(page)
    async with AsyncSession(engine) as db:
        assert await db.scalar(select(OrderReminder.sent_at).where(OrderReminder.order_id == order.id))


async def test_the_cron_reminds_due_paid_orders_once_and_skips_the_rest(
    client: Api,
    engine: AsyncEngine,
    stack: Stack,
    queue: Queue,
    worker_env: None,
) -> None:
    # Registered by name: each cron job is wrapped to run once per tick (worker.once_per_tick).
    assert "queue_event_reminders" in {cron.function.__qualname__ for cron in CRON_JOBS}
    assert reminders.send_event_reminder in FUNCTIONS
    soon = await due_event(client, engine, timedelta(hours=27))
    due, _ = await paid_order(engine, soon, client.org_id, [2])
    refunded, _ = await paid_order(engine, soon, client.org_id, [1])
    await set_status(engine, Order, refunded.id, "refunded")
    later = await due_event(client, engine, timedelta(days=3))
    not_yet, _ = await paid_order(engine, later, client.org_id, [1])
    cancelled_event = await due_event(client, engine, timedelta(hours=25))
    of_cancelled, _ = await paid_order(engine, cancelled_event, client.org_id, [1])
    await set_status(engine, Event, cancelled_event["id"], "cancelled")

    ctx = {**job_ctx(), "queue": queue}
    counts = await asyncio.gather(reminders.queue_event_reminders(ctx), reminders.queue_event_reminders(ctx))
    assert counts == [1, 1]  # both runs see the one due order; the product's worker sends it once
    await wait_for_mail(stack, due.buyer_email or "", subject_contains="Coming up")
    for _ in range(50):  # the claim commits with the send
        if await reminders.queue_event_reminders(ctx) == 0:
            break
        await asyncio.sleep(0.1)
    assert await reminders.queue_event_reminders(ctx) == 0
    await asyncio.sleep(1)  # room for a second e-mail, were one on its way
    assert len(mails_to(stack, due.buyer_email or "")) == 1
    for skipped in (refunded, not_yet, of_cancelled):
        assert mails_to(stack, skipped.buyer_email or "") == []
    assert await reminders.send_event_reminder(job_ctx(), order_id=str(refunded.id)) == "not-due"
    assert await reminders.send_event_reminder(job_ctx(), order_id=str(of_cancelled.id)) == "not-due"
