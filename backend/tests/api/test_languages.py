"""Languages on the checkout site, in e-mails and ticket PDFs (docs/i18n.md), as a browser sees them:
the language comes from the switch (the `lang` cookie, or `?lang=`), else the browser's
Accept-Language, else English; an order keeps the language it was bought in, and its tickets
e-mail and PDF are written in it."""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

import httpx
import pypdfium2 as pdfium
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.sales_helpers import reserve as api_reserve
from tests.api.test_checkout_site import Buyer, checkout, pay_simulated, reference_of, reserve, sale
from tests.conftest import Api, Stack, mail_text, wait_for_mail

AFRIKAANS_BROWSER = "af-ZA,af;q=0.9,en;q=0.5"


def pdf_text(content: bytes) -> str:
    pdf = pdfium.PdfDocument(content)
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


async def test_an_afrikaans_browser_gets_afrikaans_pages(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    s = await sale(client, engine)
    async with Buyer(stack.base_url) as buyer:
        buyer.headers["Accept-Language"] = AFRIKAANS_BROWSER
        page = await buyer.get(f"/events/{s['slug']}")
        assert page.status_code == 200
        assert '<html lang="af">' in page.text and page.headers["content-language"] == "af"
        assert "Bespreek kaartjies" in page.text and "Reserve tickets" not in page.text
        assert "R 250,00" in page.text  # the decimal comma; English keeps "R 250.00"
        assert "BTW ingesluit" in page.text
        # The event's date with Afrikaans day and month names, in the event's zone.
        when = re.search(r'<time datetime="[^"]+">([^<]+)</time>', page.text)
        assert when and when.group(1).endswith("SAST")
        assert when.group(1).split()[0] in {"So.", "Ma.", "Di.", "Wo.", "Do.", "Vr.", "Sa."}, when.group(1)
        # The language switch links to this page in the other language.
        assert f'href="/language/en?next=/events/{s["slug"]}"' in page.text
        listing = await buyer.get("/")
        assert listing.status_code == 200 and "Komende geleenthede" in listing.text

        # Errors made in Python reach the page in Afrikaans too.
        r = await reserve(buyer, s["slug"], {})
        assert r.status_code == 422 and "Kies minstens een kaartjie." in r.text
        reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 1}))
        details = await buyer.get(f"/checkout/{reference}")
        assert "Jou besonderhede" in details.text and "Gaan voort na betaling" in details.text
        bad = await checkout(buyer, reference, buyer_name="", buyer_email="nie-'n-adres")
        assert bad.status_code == 422
        assert "Tik jou volle naam in." in bad.text and "naam@voorbeeld.co.za" in bad.text
        assert "Enter your full name." not in bad.text


async def test_the_switch_overrides_the_browser_and_sticks(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    s = await sale(client, engine)
    path = f"/events/{s['slug']}"
    async with Buyer(stack.base_url) as buyer:
        buyer.headers["Accept-Language"] = AFRIKAANS_BROWSER
        switched = await buyer.get(f"/language/en?next={path}")
        assert switched.status_code == 303 and switched.headers["location"] == path
        assert re.search(r"lang=en;.*Max-Age=\d+", switched.headers["set-cookie"], re.IGNORECASE)
        page = await buyer.get(path)
        assert '<html lang="en">' in page.text and "Reserve tickets" in page.text

        back = await buyer.get(f"/language/af?next={path}")
        assert back.status_code == 303
        assert "Bespreek kaartjies" in (await buyer.get(path)).text

        # Never an open redirect: another host's address goes to the home page.
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            away = await buyer.get("/language/af", params={"next": target})
            assert away.status_code == 303 and away.headers["location"] == "/", target

    async with Buyer(stack.base_url) as english:
        # ?lang= in a shared link is honoured and remembered.
        first = await english.get(f"{path}?lang=af")
        assert "Bespreek kaartjies" in first.text
        assert "lang=af" in first.headers.get("set-cookie", "")
        assert "Bespreek kaartjies" in (await english.get(path)).text


async def test_an_unknown_language_gets_english(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    s = await sale(client, engine)
    async with Buyer(stack.base_url) as buyer:
        for header in ("de-DE,de;q=0.9,fr;q=0.8", "*", "xx-YY;q=1, ;q=bad"):
            buyer.headers["Accept-Language"] = header
            page = await buyer.get(f"/events/{s['slug']}")
            assert page.status_code == 200, header
            assert '<html lang="en">' in page.text and "Reserve tickets" in page.text, header
            assert "R 250.00" in page.text
        # An unknown code in the switch or the cookie is English too, never an error.
        assert (await buyer.get("/language/xx?next=/")).status_code == 303
        buyer.cookies.set("lang", "klingon")
        page = await buyer.get(f"/events/{s['slug']}?lang=zz")
        assert page.status_code == 200 and '<html lang="en">' in page.text


async def _mail(stack: Stack, to: str, subject: str) -> EmailMessage:
    return await wait_for_mail(stack, to, subject, timeout=60)


async def test_an_afrikaans_order_gets_afrikaans_tickets_email_and_pdf(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    s = await sale(client, engine)
    async with Buyer(stack.base_url) as buyer:
        buyer.headers["Accept-Language"] = AFRIKAANS_BROWSER
        reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 2}))
        started = await checkout(buyer, reference, buyer_email="anrie@example.co.za", buyer_name="Anrie Botha")
        assert started.status_code == 303, started.text[:2000]
        back = await pay_simulated(buyer, started.headers["location"])
        order_page = await buyer.get(back)
        assert "Betaal. Dankie!" in order_page.text and "Laai kaartjies af (PDF)" in order_page.text
        async with engine.connect() as conn:
            stored = await conn.scalar(text("SELECT locale FROM ticket_order WHERE reference = :r"), {"r": reference})
        assert stored == "af"

        mail = await _mail(stack, "anrie@example.co.za", "Jou kaartjies")
        body = mail_text(mail)
        assert "Hallo Anrie Botha," in body
        assert f"Dankie vir jou bestelling {reference}." in body
        assert "Jou 2 kaartjies is as \u2019n PDF aangeheg." in body
        assert "Totaal: R 500,00" in body
        html = mail.get_body(preferencelist=("html",))
        assert html is not None and '<html lang="af">' in str(html.get_content())
        attachment = next(p for p in mail.iter_attachments() if p.get_filename("").endswith(".pdf"))
        pdf = pdf_text(attachment.get_content())
        assert "Kaartjiekode" in pdf and "Houer" in pdf
        assert re.search(r"\b(So|Ma|Di|Wo|Do|Vr|Sa)\. \d{1,2} \w+\.? \d{4}, \d\d:\d\d", pdf), pdf  # Afrikaans day names
        # The brand line is set in capitals by the stylesheet.
        assert "kaartjie 1 van 2" in pdf.lower() and "bestellingsopsomming" in pdf.lower()
        assert "Ticket code" not in pdf

        pdf_url = re.search(r'href="(/orders/[^"]+/tickets\.pdf\?token=[^"]+)"', order_page.text)
        assert pdf_url
        download = await buyer.get(pdf_url.group(1).replace("&amp;", "&"))
        assert "Kaartjiekode" in pdf_text(download.content)

    # The same sale bought from an English browser stays English, e-mail and PDF alike.
    async with Buyer(stack.base_url) as english:
        reference = reference_of(await reserve(english, s["slug"], {s["types"]["General"]: 1}))
        started = await checkout(english, reference, buyer_email="sam@example.co.za")
        await pay_simulated(english, started.headers["location"])
        mail = await _mail(stack, "sam@example.co.za", "Your tickets")
        assert "Your 1 ticket is attached as a PDF." in mail_text(mail)
        attachment = next(p for p in mail.iter_attachments() if p.get_filename("").endswith(".pdf"))
        assert "Ticket code" in pdf_text(attachment.get_content())
    for _ in range(100):  # the delivery jobs finished their transactions before the tables reset
        async with engine.connect() as conn:
            if not await conn.scalar(
                text("SELECT count(*) FROM ticket_order WHERE status = 'paid' AND tickets_emailed_at IS NULL")
            ):
                break
        await asyncio.sleep(0.1)


async def test_the_buyers_api_records_the_accept_language_of_the_checkout(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    s = await sale(client, engine)
    stored = {}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        for header in ("af-ZA,af;q=0.9", "de-DE", None):
            held = (await api_reserve(http, s["slug"], {s["types"]["General"]: 1})).json()
            r = await http.post(
                f"/api/public/orders/{held['reference']}/checkout",
                headers={"X-Order-Token": held["access_token"], **({"Accept-Language": header} if header else {})},
                json={"buyer_name": "Anrie Botha", "buyer_email": "anrie@example.co.za", "provider": "simulated"},
            )
            assert r.status_code == 200, r.text
            async with engine.connect() as conn:
                stored[header] = await conn.scalar(
                    text("SELECT locale FROM ticket_order WHERE reference = :r"), {"r": held["reference"]}
                )
    assert stored == {"af-ZA,af;q=0.9": "af", "de-DE": "en", None: "en"}
