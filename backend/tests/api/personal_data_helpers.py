"""Set-up for the personal data (POPIA) tests: buyers with paid orders, the checkout site's request
form, the e-mailed links."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.refund_helpers import pay_simulated
from tests.conftest import Stack, mail_text, wait_for_mail

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CONFIRM_LINK = re.compile(r"/privacy/confirm\?token=([A-Za-z0-9_\-]+)")
DOWNLOAD_LINK = re.compile(r"/privacy/download\?token=([A-Za-z0-9_\-]+)")
SENT = "If we hold data for this address, you will get an e-mail"


async def buy(
    buyer: httpx.AsyncClient,
    event: dict[str, Any],
    *,
    email: str,
    name: str,
    phone: str | None = "082 555 1234",
    quantity: int = 2,
    answers: list[dict[str, Any]] | None = None,
    tickets: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An order paid through the simulated provider (the real checkout path); `answers` and
    `tickets` (names and per-ticket answers) as the buyer API's checkout takes them."""
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": quantity}]},
    )
    assert held.status_code == 201, held.text
    order = held.json()
    details: dict[str, Any] = {"buyer_name": name, "buyer_email": email, "provider": "simulated"}
    if phone:
        details["buyer_phone"] = phone
    if answers is not None:
        details["answers"] = answers
    if tickets is not None:
        details["tickets"] = tickets
    started = await buyer.post(
        f"/api/public/orders/{order['reference']}/checkout",
        json=details,
        headers={"X-Order-Token": order["access_token"]},
    )
    assert started.status_code == 200, started.text
    await pay_simulated(buyer, started.json()["payment"]["url"])
    return order  # type: ignore[no-any-return]


async def ask(site: httpx.AsyncClient, email: str, kind: str, *, ip: str | None = None) -> httpx.Response:
    """The buyer fills in the site's "Your personal data" form."""
    headers = {"X-Forwarded-For": ip} if ip else {}
    form = await site.get("/privacy/requests", headers=headers)
    assert form.status_code == 200, form.text
    token = CSRF.search(form.text)
    assert token, form.text
    return await site.post(
        "/privacy/requests", data={"csrf": token.group(1), "email": email, "kind": kind}, headers=headers
    )


async def confirm_token(stack: Stack, email: str, nth: int = 1) -> str:
    """The link of the `nth` confirmation e-mail to the address (a second request sends a second)."""
    if nth == 1:
        msg = await wait_for_mail(stack, email, "Confirm your personal data request")
    else:
        msg = await _nth_mail(stack, email, "Confirm your personal data request", nth)
    found = CONFIRM_LINK.search(mail_text(msg))
    assert found, mail_text(msg)
    return found.group(1)


async def _nth_mail(stack: Stack, to: str, subject: str, nth: int, timeout: float = 15) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        paths = sorted(stack.mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime) if stack.mail_dir.is_dir() else []
        found = [
            msg
            for msg in (email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths)
            if to in str(msg["To"]) and subject in str(msg["Subject"])
        ]
        if len(found) >= nth:
            assert isinstance(found[nth - 1], EmailMessage)
            return found[nth - 1]  # type: ignore[return-value]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {nth}th e-mail to {to} containing {subject!r} within {timeout}s")


async def ask_and_confirm(
    site: httpx.AsyncClient, stack: Stack, email: str, kind: str, *, nth: int = 1
) -> httpx.Response:
    """`nth`: which request of this address this is (each sends its own confirmation e-mail)."""
    asked = await ask(site, email, kind)
    assert asked.status_code == 200 and SENT in asked.text, asked.text
    token = await confirm_token(stack, email, nth)
    page = await site.get(f"/privacy/confirm?token={token}")
    assert page.status_code == 200 and "Confirm my request" in page.text, page.text
    confirmed = await site.post("/privacy/confirm", data={"token": token})
    assert confirmed.status_code == 200 and "Request confirmed" in confirmed.text, confirmed.text
    return confirmed


def mails_to(stack: Stack, address: str) -> list[str]:
    if not stack.mail_dir.is_dir():
        return []
    return [
        p.read_text(errors="replace")
        for p in sorted(stack.mail_dir.glob("*.eml"))
        if address in p.read_text(errors="replace")
    ]


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(text(sql), params)]


async def order_id(engine: AsyncEngine, reference: str) -> uuid.UUID:
    found = await rows(engine, "SELECT id FROM ticket_order WHERE reference = :r", r=reference)
    return found[0]["id"]  # type: ignore[no-any-return]


@pytest.fixture
def worker_env(stack: Stack) -> Iterator[None]:
    """Run a job in this process with the product's database, secret and mailbox."""
    keys = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "VOELGOED_DATA_DIR", "SMTP_HOST")
    saved = {k: os.environ.get(k) for k in keys}
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
