"""Tax over HTTP (docs/tax.md): organisations' VAT settings, the VAT rule fixed on each order, and
the invoices and credit notes: tiers, gap-free numbering under concurrent payments, billing
details, and who may download what. PDFs are read back as text (pypdfium2)."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import pypdfium2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.helpers import VAT_NUMBER, add_member, assert_problem, register_for_vat
from tests.api.test_checkout_site import Buyer, reference_of
from tests.api.test_checkout_site import reserve as site_reserve
from tests.api.test_payments_simulated import _worker_idle, hidden_fields, on_sale_event, page_path
from tests.conftest import Api, Stack, mail_text, sign_up, wait_for_mail
from voelgoed.domain.invoices.issuing import issue_credit_note

__all__ = ["_worker_idle"]  # fixture used by name

TOKEN = "X-Order-Token"


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF"), pdf[:40]
    doc = pypdfium2.PdfDocument(pdf)
    try:
        text_ = "\n".join(page.get_textpage().get_text_range() for page in doc)
        return text_.replace("\r", "").replace("\xa0", " ")
    finally:
        doc.close()


async def buy(
    buyer: httpx.AsyncClient, event: dict[str, Any], quantity: int = 1, *, pay: bool = True, email: str | None = None
) -> dict[str, Any]:
    """Reserve, start the simulated payment and (by default) pay. Returns the reservation."""
    held = await buyer.post(
        f"/api/public/events/{event['slug']}/reservations",
        json={"items": [{"ticket_type_id": event["ticket_type_id"], "quantity": quantity}]},
    )
    assert held.status_code == 201, held.text
    order = held.json()
    started = await buyer.post(
        f"/api/public/orders/{order['reference']}/checkout",
        json={
            "buyer_name": "Thandi Nkosi",
            "buyer_email": email or f"buyer-{uuid.uuid4().hex[:10]}@example.co.za",
            "provider": "simulated",
        },
        headers={TOKEN: order["access_token"]},
    )
    assert started.status_code == 200, started.text
    order["payment"] = started.json()["payment"]
    if pay:
        await pay_now(buyer, order)
    return order  # type: ignore[no-any-return]


async def pay_form(buyer: httpx.AsyncClient, order: dict[str, Any]) -> tuple[str, dict[str, str]]:
    url = order["payment"]["url"]
    page = await buyer.get(page_path(url))
    assert page.status_code == 200, page.text
    return urlsplit(url).path, {**hidden_fields(page.text), "outcome": "pay"}


async def pay_now(buyer: httpx.AsyncClient, order: dict[str, Any]) -> None:
    path, form = await pay_form(buyer, order)
    paid = await buyer.post(path, data=form)
    assert paid.status_code == 303, paid.text


async def buyer_documents(buyer: httpx.AsyncClient, order: dict[str, Any]) -> list[dict[str, Any]]:
    r = await buyer.get(
        f"/api/public/orders/{order['reference']}/tax-documents", headers={TOKEN: order["access_token"]}
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def buyer_pdf(buyer: httpx.AsyncClient, order: dict[str, Any], doc_id: str) -> str:
    r = await buyer.get(f"/orders/{order['reference']}/tax-documents/{doc_id}", params={"token": order["access_token"]})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/pdf")
    return pdf_text(r.content)


async def stored(engine: AsyncEngine, reference: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT id, status, total_cents, vat_cents, vat_rate_bp FROM ticket_order WHERE reference = :r"),
                {"r": reference},
            )
        ).one()
    return dict(row._mapping)


# --- settings ------------------------------------------------------------------------------------


async def test_tax_settings_validate_the_vat_number_and_are_audited(client: Api, new_client: Any, stack: Stack) -> None:
    await sign_up(client)
    start = (await client.get(client.org("/tax-settings"))).json()
    assert (start["vat_registered"], start["vat_rate_bp"], start["invoice_prefix"], start["charged_vat_rate_bp"]) == (
        False,
        1500,
        "INV",
        0,
    )
    # Registered without a number, or with one of the wrong shape: 422 at vat_number.
    for body in (
        {"vat_registered": True},
        {"vat_registered": True, "vat_number": "1234567890"},
        {"vat_registered": True, "vat_number": "412345678"},
        {"vat_registered": True, "vat_number": "41234567890"},
        {"vat_registered": True, "vat_number": "41234S6789"},
    ):
        assert_problem(await client.patch(client.org("/tax-settings"), json=body), 422, "vat_number")
    # Out of shape for the schema: 400 at the field, as every body of this API.
    assert_problem(await client.patch(client.org("/tax-settings"), json={"vat_rate_bp": 10001}), 400, "vat_rate_bp")
    assert_problem(await client.patch(client.org("/tax-settings"), json={"invoice_prefix": "INV 1"}), 400)

    r = await client.patch(
        client.org("/tax-settings"),
        json={
            "legal_name": "Karoo Sounds (Pty) Ltd",
            "trading_name": "Karoo Sounds",
            "physical_address": "12 Long St\nCape Town\n8001",
            "vat_registered": True,
            "vat_number": "4123 456 789",
            "invoice_prefix": "ks",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["vat_number"], body["invoice_prefix"], body["charged_vat_rate_bp"]) == (VAT_NUMBER, "KS", 1500)
    # Clearing the number while registered is refused; the stored settings stay.
    assert_problem(await client.patch(client.org("/tax-settings"), json={"vat_number": None}), 422, "vat_number")
    assert (await client.get(client.org("/tax-settings"))).json()["vat_number"] == VAT_NUMBER

    audit = (await client.get(client.org("/audit-log"))).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    changed = [e for e in entries if e["action"] == "organization.tax_settings_changed"]
    assert len(changed) == 1 and changed[0]["changes"]["vat_number"] == [None, VAT_NUMBER]

    staff = await add_member(client, new_client, stack, "staff")
    assert (await staff.get(client.org("/tax-settings"))).status_code == 403
    assert (await staff.patch(client.org("/tax-settings"), json={"vat_registered": False})).status_code == 403


# --- VAT per organisation ------------------------------------------------------------------------


async def test_a_seller_not_registered_for_vat_shows_no_vat_anywhere(
    client: Api, new_client: Any, engine: AsyncEngine, stack: Stack
) -> None:
    event = await on_sale_event(client, price_cents=20000)
    buyer = new_client()
    shown = (await buyer.get(f"/api/public/events/{event['slug']}")).json()
    assert shown["vat_rate_bp"] == 0 and shown["ticket_types"][0]["vat_cents"] == 0
    types = (await client.get(client.org(f"/events/{event['id']}/ticket-types"))).json()
    assert types[0]["vat_cents"] == 0
    event_page = await buyer.get(f"/events/{event['slug']}")
    assert event_page.status_code == 200 and "VAT" not in event_page.text

    email = f"novat-{uuid.uuid4().hex[:8]}@example.co.za"
    order = await buy(buyer, event, 2, email=email)
    assert (order["vat_cents"], order["vat_rate_bp"], order["total_cents"]) == (0, 0, 40000)
    row = await stored(engine, order["reference"])
    assert (row["status"], row["vat_cents"], row["vat_rate_bp"]) == ("paid", 0, 0)

    public = (
        await buyer.get(f"/api/public/orders/{order['reference']}", headers={TOKEN: order["access_token"]})
    ).json()
    assert (public["vat_cents"], public["vat_rate_bp"]) == (0, 0)
    detail = (await client.get(client.org(f"/orders/{row['id']}"))).json()
    assert (detail["vat_cents"], detail["vat_rate_bp"]) == (0, 0)
    page = await buyer.get(f"/orders/{order['reference']}", params={"token": order["access_token"]})
    assert page.status_code == 200 and "R 400.00" in page.text and "VAT" not in page.text
    tickets = await buyer.get(f"/orders/{order['reference']}/tickets.pdf", params={"token": order["access_token"]})
    assert tickets.status_code == 200
    assert "R 400.00" in pdf_text(tickets.content) and "VAT" not in pdf_text(tickets.content)
    mail = mail_text(await wait_for_mail(stack, email))
    assert "R 400.00" in mail and "VAT" not in mail

    docs = await buyer_documents(buyer, order)
    assert [(d["kind"], d["title"], d["tier"], d["vat_cents"]) for d in docs] == [("invoice", "Invoice", "no_vat", 0)]
    invoice = await buyer_pdf(buyer, order, docs[0]["id"])
    assert "Invoice" in invoice and "R 400.00" in invoice and "INV-000001" in invoice
    assert "tax invoice" not in invoice.lower()
    for vat_words in ("VAT number", "VAT at", "Incl. VAT", "Excl. VAT", "excluding VAT"):
        assert vat_words not in invoice, invoice

    # A refund's credit note credits no VAT either, whatever the caller computed.
    async with AsyncSession(engine, expire_on_commit=False) as db:
        note_id = await issue_credit_note(
            db,
            organization_id=uuid.UUID(client.org_id),
            order_id=row["id"],
            refund_id=uuid.uuid4(),
            amount_cents=20000,
            vat_cents=2609,
            reason="Refund of one ticket",
        )
        await db.commit()
    note = next(d for d in await buyer_documents(buyer, order) if d["id"] == str(note_id))
    assert (note["title"], note["vat_cents"], note["total_cents"]) == ("Credit Note", 0, 20000)
    printed = await buyer_pdf(buyer, order, note["id"])
    assert "Credit Note" in printed and "INV-000001" in printed and "R 200.00" in printed
    assert "tax invoice" not in printed.lower() and "VAT at" not in printed and "VAT number" not in printed


async def test_the_checkout_page_of_a_seller_not_registered_shows_no_vat(client: Api, stack: Stack) -> None:
    event = await on_sale_event(client, price_cents=20000)
    async with Buyer(stack.base_url) as site:
        reference = reference_of(await site_reserve(site, event["slug"], {event["ticket_type_id"]: 2}))
        page = await site.get(f"/checkout/{reference}")
        assert page.status_code == 200 and "R 400.00" in page.text and "VAT" not in page.text
        await register_for_vat(client)  # the order keeps the rule it was reserved with
        assert "VAT" not in (await site.get(f"/checkout/{reference}")).text
    async with Buyer(stack.base_url) as other:  # a new buyer's order takes the rule in force now
        again = reference_of(await site_reserve(other, event["slug"], {event["ticket_type_id"]: 2}))
        assert "Includes VAT of R 52.17" in (await other.get(f"/checkout/{again}")).text


async def test_a_vat_vendor_at_15_percent_shows_the_vat(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    event = await on_sale_event(client, price_cents=20000)
    await register_for_vat(client)
    buyer = new_client()
    order = await buy(buyer, event, 2)
    assert (order["vat_cents"], order["vat_rate_bp"]) == (5217, 1500)  # round(40000 * 15 / 115)
    row = await stored(engine, order["reference"])
    assert (row["vat_cents"], row["vat_rate_bp"]) == (5217, 1500)
    page = await buyer.get(f"/orders/{order['reference']}", params={"token": order["access_token"]})
    assert "Includes VAT of R 52.17" in page.text
    assert "VAT incl." in (await buyer.get(f"/events/{event['slug']}")).text

    docs = await buyer_documents(buyer, order)
    assert [(d["title"], d["tier"], d["vat_cents"]) for d in docs] == [("Tax Invoice", "abridged", 5217)]
    invoice = await buyer_pdf(buyer, order, docs[0]["id"])
    assert "Tax Invoice" in invoice and f"VAT number: {VAT_NUMBER}" in invoice
    assert "VAT at 15%" in invoice and "R 52.17" in invoice and "R 347.83" in invoice and "R 400.00" in invoice

    # A later change of the organisation's VAT rule never changes an order already placed.
    r = await client.patch(client.org("/tax-settings"), json={"vat_registered": False})
    assert r.status_code == 200
    assert (await stored(engine, order["reference"]))["vat_rate_bp"] == 1500
    again = await buy(buyer, event, 1)
    assert (again["vat_cents"], again["vat_rate_bp"]) == (0, 0)


async def test_tiers_follow_the_vat_inclusive_total(client: Api, new_client: Any) -> None:
    await sign_up(client)
    await register_for_vat(client)
    buyer = new_client()
    expected = {4000: ("not_required", "R50 or less"), 40000: ("abridged", "Abridged tax invoice")}
    expected[600000] = ("full", "Full tax invoice")
    for price, (tier, words) in expected.items():
        event = await on_sale_event(client, price_cents=price)
        order = await buy(buyer, event, 1)
        docs = await buyer_documents(buyer, order)
        assert [d["tier"] for d in docs] == [tier], price
        printed = await buyer_pdf(buyer, order, docs[0]["id"])
        assert "Tax Invoice" in printed and words in printed, printed
        if tier == "full":  # the recipient is named; quantity, value excl. VAT, VAT and total
            assert "Thandi Nkosi" in printed and "R 5 217.39" in printed and "R 782.61" in printed


# --- numbering -----------------------------------------------------------------------------------


async def test_invoice_numbers_are_gap_free_under_20_concurrent_payments(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, price_cents=10000, quantity=40)
    await register_for_vat(client)
    buyer = new_client()
    orders = [await buy(buyer, event, 1, pay=False) for _ in range(20)]
    forms = [await pay_form(buyer, o) for o in orders]
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=str(buyer.base_url), limits=limits, timeout=60) as http:
        answers = await asyncio.gather(*(http.post(path, data=form) for path, form in forms))
    assert [a.status_code for a in answers] == [303] * 20, [a.text[:200] for a in answers if a.status_code != 303]
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT d.number, d.document_number, o.reference FROM tax_document d"
                    " JOIN ticket_order o ON o.id = d.order_id"
                    " WHERE d.organization_id = CAST(:org AS uuid) AND d.kind = 'invoice' ORDER BY d.number"
                ),
                {"org": client.org_id},
            )
        ).all()
    assert [r.number for r in rows] == list(range(1, 21))
    assert [r.document_number for r in rows] == [f"INV-{n:06d}" for n in range(1, 21)]
    assert sorted(r.reference for r in rows) == sorted(o["reference"] for o in orders)  # one each


# --- credit notes --------------------------------------------------------------------------------


async def test_issue_credit_note_references_the_invoice(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    event = await on_sale_event(client, price_cents=20000)
    await register_for_vat(client)
    buyer = new_client()
    order = await buy(buyer, event, 2)
    row = await stored(engine, order["reference"])
    refund_id = uuid.uuid4()

    async def credit() -> uuid.UUID | None:
        async with AsyncSession(engine, expire_on_commit=False) as db:
            note = await issue_credit_note(
                db,
                organization_id=uuid.UUID(client.org_id),
                order_id=row["id"],
                refund_id=refund_id,
                amount_cents=20000,
                vat_cents=2609,
                reason="Refund of one ticket",
            )
            await db.commit()
            return note

    first = await credit()
    assert first is not None and await credit() == first  # one credit note per refund
    # With a refund credited, changing the billing details cannot replace the invoice: 409.
    billing_url = f"/api/public/orders/{order['reference']}/billing-details"
    refused = await buyer.put(billing_url, json={"name": "Acme CC"}, headers={TOKEN: order["access_token"]})
    assert_problem(refused, 409)

    listed = await client.get(client.org(f"/orders/{row['id']}/tax-documents"))
    assert listed.status_code == 200, listed.text
    docs = listed.json()
    assert [(d["kind"], d["document_number"]) for d in docs] == [
        ("invoice", "INV-000001"),
        ("credit_note", "INV-CN-000001"),
    ]
    note = docs[1]
    assert (note["id"], note["invoice_id"], note["refund_id"]) == (str(first), docs[0]["id"], str(refund_id))
    assert (note["total_cents"], note["vat_cents"]) == (20000, 2609)
    pdf = await client.get(client.org(f"/tax-documents/{note['id']}/pdf"))
    assert pdf.status_code == 200
    printed = pdf_text(pdf.content)
    assert "Credit Note" in printed and "INV-000001" in printed and "INV-CN-000001" in printed
    assert "R 200.00" in printed and "R 26.09" in printed and "Refund of one ticket" in printed


# --- billing details -----------------------------------------------------------------------------


async def test_billing_details_go_on_the_invoice_and_a_change_reissues_it(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, price_cents=20000)
    await register_for_vat(client)
    buyer = new_client()
    order = await buy(buyer, event, 1, pay=False)
    url = f"/api/public/orders/{order['reference']}/billing-details"
    headers = {TOKEN: order["access_token"]}
    bad = await buyer.put(url, json={"name": "Acme", "vat_number": "123"}, headers=headers)
    assert_problem(bad, 422, "vat_number")
    assert (await buyer.put(url, json={"name": "Acme"}, headers={TOKEN: "wrong"})).status_code == 404
    details = {
        "name": "Sipho Dlamini",
        "company": "Acme Events CC",
        "address": "1 Main Rd\nDurban",
        "vat_number": "4999999999",
    }
    saved = await buyer.put(url, json=details, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["reissued"] is False
    await pay_now(buyer, order)

    docs = await buyer_documents(buyer, order)
    first = await buyer_pdf(buyer, order, docs[0]["id"])
    assert "Acme Events CC" in first and "Durban" in first and "VAT number: 4999999999" in first

    changed = await buyer.put(url, json={**details, "company": "Acme Holdings (Pty) Ltd"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["reissued"] is True
    docs = await buyer_documents(buyer, order)
    assert [(d["document_number"], d["replaced"]) for d in docs] == [
        ("INV-000001", True),
        ("INV-CN-000001", False),
        ("INV-000002", False),
    ]
    assert "Acme Holdings (Pty) Ltd" in await buyer_pdf(buyer, order, docs[2]["id"])
    assert "Acme Events CC" in await buyer_pdf(buyer, order, docs[0]["id"])  # the issued one is unchanged
    same = await buyer.put(url, json={**details, "company": "Acme Holdings (Pty) Ltd"}, headers=headers)
    assert same.json()["reissued"] is False and len(await buyer_documents(buyer, order)) == 3

    # Two saves at once queue on the order: one row of billing details, one replacement at most.
    both = await asyncio.gather(
        *(buyer.put(url, json={**details, "company": "Acme Twin"}, headers=headers) for _ in range(2))
    )
    assert sorted(r.json()["reissued"] for r in both) == [False, True], [r.text for r in both]
    assert len(await buyer_documents(buyer, order)) == 5

    # The organisation's address changes later: issued documents keep the one they were issued with.
    await client.patch(client.org("/tax-settings"), json={"physical_address": "99 New Rd\nStellenbosch"})
    assert "Stellenbosch" not in await buyer_pdf(buyer, order, docs[2]["id"])


# --- who may read what ---------------------------------------------------------------------------


async def test_buyers_and_organisations_only_reach_their_own_documents(
    client: Api, new_client: Any, stack: Stack
) -> None:
    event = await on_sale_event(client)
    buyer_a, buyer_b = new_client(), new_client()
    a = await buy(buyer_a, event, 1)
    b = await buy(buyer_b, event, 1)
    doc_a = (await buyer_documents(buyer_a, a))[0]["id"]
    doc_b = (await buyer_documents(buyer_b, b))[0]["id"]
    # B's token does not open A's order; A's document is not found under B's order.
    assert (
        await buyer_b.get(f"/orders/{a['reference']}/tax-documents/{doc_a}", params={"token": b["access_token"]})
    ).status_code == 404
    assert (
        await buyer_b.get(f"/orders/{b['reference']}/tax-documents/{doc_a}", params={"token": b["access_token"]})
    ).status_code == 404
    assert (
        await buyer_b.get(f"/api/public/orders/{a['reference']}/tax-documents", headers={TOKEN: b["access_token"]})
    ).status_code == 404
    assert (
        await buyer_b.get(f"/orders/{b['reference']}/tax-documents/{doc_b}", params={"token": b["access_token"]})
    ).status_code == 200

    other = new_client()
    await sign_up(other, organization="Other Org")
    order_a = (await client.get(client.org("/orders"), params={"event_id": event["id"]})).json()
    order_id = next(o["id"] for o in order_a["items"] if o["reference"] == a["reference"])
    assert (await client.get(client.org(f"/orders/{order_id}/tax-documents"))).status_code == 200
    assert (await other.get(other.org(f"/orders/{order_id}/tax-documents"))).status_code == 404
    assert (await other.get(other.org(f"/tax-documents/{doc_a}/pdf"))).status_code == 404
    assert (await other.get(client.org(f"/tax-documents/{doc_a}/pdf"))).status_code in (403, 404)
    staff = await add_member(client, new_client, stack, "staff")
    assert (await staff.get(client.org(f"/tax-documents/{doc_a}/pdf"))).status_code == 403
    assert re.fullmatch(
        r"INV-0000\d\d",
        (await client.get(client.org(f"/orders/{order_id}/tax-documents"))).json()[0]["document_number"],
    )


async def test_the_order_page_lists_the_invoice_and_takes_billing_details(client: Api, new_client: Any) -> None:
    event = await on_sale_event(client, price_cents=20000)
    await register_for_vat(client)
    buyer = new_client()
    order = await buy(buyer, event, 1)
    page_url = f"/orders/{order['reference']}"
    page = await buyer.get(page_url, params={"token": order["access_token"]})
    assert page.status_code == 200
    link = re.search(r'href="(/orders/[^"]+/tax-documents/[^"]+)"', page.text)
    assert link and "Tax Invoice INV-000001" in page.text
    pdf = await buyer.get(link.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and "Tax Invoice" in pdf_text(pdf.content)

    action = re.search(r'<form method="post" action="([^"]+/billing[^"]+)"', page.text)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text.split("/billing", 1)[1])
    assert action and csrf
    url = action.group(1).replace("&amp;", "&")
    bad = await buyer.post(url, data={"csrf": csrf.group(1), "name": "Sipho", "vat_number": "12345"})
    assert bad.status_code == 422 and "10 digits" in bad.text and 'aria-invalid="true"' in bad.text
    forged = await buyer.post(url, data={"csrf": "forged", "name": "Sipho"})
    assert forged.status_code == 403
    ok = await buyer.post(url, data={"csrf": csrf.group(1), "name": "Sipho Dlamini", "company": "Acme CC"})
    assert ok.status_code == 303 and "billing=reissued" in ok.headers["location"]
    shown = await buyer.get(ok.headers["location"])
    assert "replaced by a new one" in shown.text and "INV-000002" in shown.text and "INV-CN-000001" in shown.text
