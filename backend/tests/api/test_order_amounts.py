"""One order, every view: the checkout page, the order page, the public and organiser API, the
tickets e-mail (plain text and HTML) and the PDF show the same lines, subtotal, discount, VAT and
total, and list the tickets in the same order. The scenario is the one reported from outside
testing: a R 250.00 type with a 20% coupon for it, 2 of that type and 1 free type."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pypdfium2
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import register_for_vat
from tests.api.sales_helpers import add_type, organiser_with_event
from tests.api.test_checkout_site import (
    Buyer,
    checkout,
    pay_simulated,
    reference_of,
    reserve,
    wait_delivered,
)
from tests.conftest import Api, Stack, sign_up


@pytest.fixture
async def buyer(stack: Stack) -> AsyncIterator[Buyer]:
    async with Buyer(stack.base_url) as b:
        yield b


CODE = re.compile(r"[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}")


def visible(page: str) -> str:
    """The text a reader sees: no tags, entities decoded, white space (and NBSP) collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ").split())


def assert_amounts(text: str, where: str) -> None:
    assert re.search(r"Standard\b.*?\b2\b.*?R 500\.00.*?Subtotal", text), f"{where}: the line is qty x price\n{text}"
    assert re.search(r"Subtotal:? R 500\.00", text), f"{where}: subtotal\n{text}"
    assert re.search(r"Discount.{0,30}?-R 100\.00", text), f"{where}: discount\n{text}"
    assert text.count("-R 100.00") == 1, f"{where}: the discount is taken once\n{text}"
    assert re.search(r"Total:? R 400\.00", text), f"{where}: total\n{text}"
    assert re.search(r"VAT (of )?R 52\.17", text), f"{where}: VAT contained in R 400.00\n{text}"
    assert "R 400.00" in text.split("Total", 1)[1], where


async def bought(client: Api, buyer: Buyer) -> dict[str, Any]:
    """Standard R 250.00 (20% off with VRIEND20) x 2 and a free type x 1, reserved on the site."""
    await sign_up(client, organization="Karoo Sounds")
    event = await organiser_with_event(client)
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    # The names sort the other way round from the organiser's order (sort_order): the views must
    # follow the organiser's order, not the alphabet or the order rows happen to come back in.
    standard = await add_type(client, event["id"], name="Standard", price_cents=25000, sort_order=1)
    free = await add_type(client, event["id"], name="Kinders (gratis)", price_cents=0, sort_order=2)
    coupon = await client.post(
        client.org(f"/events/{event['id']}/coupons"),
        json={"code": "VRIEND20", "kind": "percent", "value": 20, "ticket_type_ids": [standard["id"]]},
    )
    assert coupon.status_code == 201, coupon.text
    reference = reference_of(await reserve(buyer, event["slug"], {standard["id"]: 2, free["id"]: 1}, "VRIEND20"))
    return {"event": event, "reference": reference, "standard": standard, "free": free}


async def pay(buyer: Buyer, reference: str) -> tuple[str, str]:
    started = await checkout(buyer, reference, buyer_email=email_of(reference))
    assert started.status_code == 303, started.text[:3000]
    back = await pay_simulated(buyer, started.headers["location"])
    token = parse_qs(urlsplit(back).query)["token"][0]
    return back, token


def email_of(reference: str) -> str:
    """The buyer's address, one per order: the captured mailbox keeps earlier tests' e-mail."""
    return f"{reference.lower()}@example.co.za"


def pdf_texts(pdf: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    texts = [" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc))]
    doc.close()
    return texts


def pdf_of(msg: EmailMessage) -> bytes:
    part = next(p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf")
    data = part.get_content()
    assert isinstance(data, bytes)
    return data


async def test_every_view_shows_the_same_subtotal_discount_and_total(
    client: Api, engine: AsyncEngine, buyer: Buyer, stack: Stack
) -> None:
    s = await bought(client, buyer)
    reference = s["reference"]

    page = await buyer.get(f"/checkout/{reference}")
    assert page.status_code == 200
    assert_amounts(visible(page.text), "checkout page")

    back, token = await pay(buyer, reference)
    order_page = await buyer.get(back)
    assert order_page.status_code == 200 and "Paid" in order_page.text
    assert_amounts(visible(order_page.text), "order page")

    public = (await buyer.get(f"/api/public/orders/{reference}", headers={"X-Order-Token": token})).json()
    orders = (await client.get(client.org("/orders"), params={"q": reference})).json()["items"]
    detail = (await client.get(client.org(f"/orders/{orders[0]['id']}"))).json()
    for body in (public, detail):
        amounts = (body["subtotal_cents"], body["discount_cents"], body["total_cents"], body["vat_cents"])
        assert amounts == (50000, 10000, 40000, 5217)
        assert body["coupon_code"] == "VRIEND20"
        keys = ("ticket_type_name", "quantity", "unit_price_cents", "line_subtotal_cents")
        keys += ("discount_cents", "line_total_cents")
        lines = [tuple(ln[k] for k in keys) for ln in body["lines"]]
        assert lines == [("Standard", 2, 25000, 50000, 10000, 40000), ("Kinders (gratis)", 1, 0, 0, 0, 0)]

    mail = await wait_delivered(engine, stack, email_of(s["reference"]))
    plain = mail.get_body(preferencelist=("plain",))
    rich = mail.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    assert_amounts(" ".join(str(plain.get_content()).split()), "e-mail text")
    assert_amounts(visible(str(rich.get_content())), "e-mail HTML")
    summary = [t for t in pdf_texts(pdf_of(mail)) if "Subtotal" in t]
    assert len(summary) == 1, "the PDF has one order summary"
    assert_amounts(summary[0], "PDF")


async def test_pdf_email_api_and_order_page_list_the_tickets_in_one_order(
    client: Api, engine: AsyncEngine, buyer: Buyer, stack: Stack
) -> None:
    s = await bought(client, buyer)
    back, token = await pay(buyer, s["reference"])
    mail = await wait_delivered(engine, stack, email_of(s["reference"]))

    order_page = visible((await buyer.get(back)).text)
    listed = re.findall(r"(Standard|Kinders \(gratis\))[^()]*\(code (" + CODE.pattern + r")", order_page)
    assert [name for name, _ in listed] == ["Standard", "Standard", "Kinders (gratis)"], order_page
    codes = [code for _, code in listed]

    pdf = await buyer.get(f"/orders/{s['reference']}/tickets.pdf", params={"token": token})
    assert pdf.status_code == 200
    in_pdf = [m for t in pdf_texts(pdf.content) for m in re.findall(r"Ticket code (" + CODE.pattern + ")", t)]
    assert in_pdf == codes
    assert [m for t in pdf_texts(pdf_of(mail)) for m in re.findall(r"Ticket code (" + CODE.pattern + ")", t)] == codes

    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    assert CODE.findall(str(plain.get_content())) == codes

    orders = (await client.get(client.org("/orders"), params={"q": s["reference"]})).json()["items"]
    detail = (await client.get(client.org(f"/orders/{orders[0]['id']}"))).json()
    assert [t["code"] for t in detail["tickets"]] == codes
    assert [t["ticket_type_name"] for t in detail["tickets"]] == ["Standard", "Standard", "Kinders (gratis)"]


async def test_tickets_email_is_html_and_text_links_the_order_page_and_replies_to_the_organiser(
    client: Api, engine: AsyncEngine, buyer: Buyer, stack: Stack
) -> None:
    s = await bought(client, buyer)
    owner_email = client.me["user"]["email"]
    await pay(buyer, s["reference"])
    mail = await wait_delivered(engine, stack, email_of(s["reference"]))

    assert mail.get_content_type() == "multipart/mixed"
    plain = mail.get_body(preferencelist=("plain",))
    rich = mail.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None, [p.get_content_type() for p in mail.walk()]
    text, page = str(plain.get_content()), str(rich.get_content())
    # The organisation has no contact address of its own: replies go to its owner.
    assert str(mail["Reply-To"]) == owner_email
    assert "no-reply" in str(mail["From"])
    # No external assets: no remote images, stylesheets or scripts, only inline styles.
    assert not re.search(r"<(img|link|script)\b", page, re.I) and "<style" not in page.lower()

    link = re.search(r"https?://\S+/orders/" + re.escape(s["reference"]) + r"\?token=[\w-]+", text)
    assert link, text
    assert htmllib.escape(link.group(0)) in page or link.group(0) in page
    url = urlsplit(link.group(0))
    opened = await buyer.get(f"{url.path}?{url.query}")
    assert opened.status_code == 200 and s["reference"] in opened.text and "Paid" in opened.text
    # The link's token also fetches the PDF from that page.
    pdf = await buyer.get(f"/orders/{s['reference']}/tickets.pdf?{url.query}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The PDF's advice is true: replying reaches the organiser.
    pdf_text = " ".join(pdf_texts(pdf_of(mail)))
    assert "reply to the e-mail" in pdf_text.lower()
