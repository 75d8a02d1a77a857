"""The buyers' checkout site, as a phone browser sees it: event listing and page, reserve, buyer
details, simulated payment, order page, order lookup, and every error shown on the page."""

from __future__ import annotations

import asyncio
import gzip
import re
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import make_event, make_venue, register_for_vat
from tests.conftest import Api, Stack, mail_text, sign_up, wait_for_mail

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Buyer(httpx.AsyncClient):
    """A phone browser: keeps cookies (respecting their paths), never follows redirects by itself."""

    def __init__(self, base_url: str, user_agent: str = PHONE_UA) -> None:
        super().__init__(base_url=base_url, timeout=30, headers={"User-Agent": user_agent})

    async def page(self, url: str) -> tuple[httpx.Response, str]:
        r = await self.get(url)
        found = CSRF.search(r.text)
        return r, found.group(1) if found else ""


async def sale(
    client: Api, engine: AsyncEngine, *, vip_quantity: int = 2, capacity: int | None = 100
) -> dict[str, Any]:
    """A published event with two ticket types (General R 250.00, VIP R 500.00)."""
    await sign_up(client, organization="Karoo Sounds")
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    venue = await make_venue(client, name="Oude Libertas", address_line1="Adam Tas Road", city="Stellenbosch")
    event = await make_event(
        client,
        venue["id"],
        name="Boeremusiek Aand",
        description="An evening of music.\nBring a blanket.",
        capacity=capacity,
    )
    published = await client.post(client.org(f"/events/{event['id']}/publish"))
    assert published.status_code == 200, published.text
    types = {}
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        for name, price, qty, max_per, order in (("General", 25000, 100, 10, 1), ("VIP", 50000, vip_quantity, 4, 2)):
            tid = uuid.uuid4()
            await conn.execute(
                text(
                    "INSERT INTO ticket_type (id, organization_id, event_id, name, description, price_cents, quantity,"
                    " reserved, sold, min_per_order, max_per_order, hidden, sort_order, created_at, updated_at)"
                    " VALUES (:id, :org, :ev, :name, NULL, :price, :qty, 0, 0, 1, :max, false, :ord, :now, :now)"
                ),
                {
                    "id": tid,
                    "org": client.org_id,
                    "ev": event["id"],
                    "name": name,
                    "price": price,
                    "qty": qty,
                    "max": max_per,
                    "ord": order,
                    "now": now,
                },
            )
            types[name] = str(tid)
    return {"slug": event["slug"], "id": event["id"], "types": types, "event": event}


async def reserve(
    buyer: Buyer, slug: str, qty: dict[str, int], coupon: str = "", csrf: str | None = None
) -> httpx.Response:
    if csrf is None:
        _, csrf = await buyer.page(f"/events/{slug}")
    form = {"csrf": csrf, "coupon": coupon, **{f"qty_{t}": str(n) for t, n in qty.items()}}
    return await buyer.post(f"/events/{slug}/reserve", data=form)


async def checkout(buyer: Buyer, reference: str, **fields: str) -> httpx.Response:
    _, csrf = await buyer.page(f"/checkout/{reference}")
    form = {
        "csrf": csrf,
        "buyer_name": "Thandi Mokoena",
        "buyer_email": "thandi@example.co.za",
        "buyer_phone": "082 123 4567",
        "provider": "simulated",
        **fields,
    }
    return await buyer.post(f"/checkout/{reference}", data=form)


async def pay_simulated(buyer: Buyer, location: str, outcome: str = "pay") -> str:
    """Open the simulated provider's page and press a button; returns where it sends the buyer."""
    page = await buyer.get(location)
    assert page.status_code == 200, page.text
    action = re.search(r"<form method=post action='([^']+)'", page.text)
    hidden = dict(re.findall(r"<input type=hidden name=(\w+) value='([^']*)'", page.text))
    assert action, page.text
    done = await buyer.post(action.group(1), data={**hidden, "outcome": outcome})
    assert done.status_code == 303, done.text
    return done.headers["location"]


async def wait_delivered(engine: AsyncEngine, stack: Stack, email: str) -> EmailMessage:
    """The tickets e-mail arrived and the delivery job has finished its transaction (so the next
    test's table reset does not race a running job)."""
    mail = await wait_for_mail(stack, email, "Your tickets", timeout=60)  # its own mail, after any backlog
    for _ in range(100):
        async with engine.connect() as conn:
            pending = await conn.scalar(
                text("SELECT count(*) FROM ticket_order WHERE status = 'paid' AND tickets_emailed_at IS NULL")
            )
        if pending == 0:
            return mail
        await asyncio.sleep(0.1)
    raise AssertionError("the delivery job did not finish")


@pytest.fixture
async def buyer(stack: Stack) -> Any:
    async with Buyer(stack.base_url) as b:
        yield b


def reference_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[:2000]
    match = re.fullmatch(r"/checkout/(VG-[A-Z0-9]+)", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


# --- reading ---------------------------------------------------------------------------------
async def test_listing_shows_published_upcoming_events_only(client: Api, engine: AsyncEngine, buyer: Buyer) -> None:
    s = await sale(client, engine)
    await make_event(client, None, name="Secret Draft Party")
    r = await buyer.get("/")
    assert r.status_code == 200
    assert f'href="/events/{s["slug"]}"' in r.text and "Boeremusiek Aand" in r.text
    assert "Secret Draft Party" not in r.text
    assert '<html lang="en">' in r.text


async def test_event_page_content_meta_and_accessibility(client: Api, engine: AsyncEngine, buyer: Buyer) -> None:
    s = await sale(client, engine)
    r = await buyer.get(f"/events/{s['slug']}")
    assert r.status_code == 200
    html = r.text
    local = datetime.fromisoformat(s["event"]["starts_at_local"])
    assert local.strftime("%a %-d %b %Y, 19:00 SAST") in html
    assert "Oude Libertas" in html and "Adam Tas Road, Stellenbosch" in html
    assert "R 250.00" in html and "R 500.00" in html and "VAT incl." in html
    assert "Bring a blanket." in html
    for tag in ('property="og:title" content="Boeremusiek Aand"', 'name="twitter:card"', 'property="og:url"'):
        assert tag in html, tag
    assert re.search(rf'<link rel="canonical" href="https?://[^/"]+/events/{s["slug"]}">', html)
    assert '<html lang="en">' in html
    # Every visible control has a label pointing at it.
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    controls = re.findall(r"<(?:input|select|textarea)(?![^>]*type=\"hidden\")[^>]*>", html)
    assert len(ids) == len(controls) >= 3
    for control_id in ids:
        assert f'<label for="{control_id}"' in html, control_id
    # No external assets: no script, stylesheet, image or font from another origin.
    assets = re.findall(r'<(?:script|img|link rel="stylesheet"|link rel="icon")[^>]+(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    # The page works without JavaScript; the one script is our own (the "Copy link" button, hidden
    # without it: docs/branding.md), deferred.
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 1 and re.fullmatch(r'<script src="/assets/site\.[0-9a-f]{12}\.js" defer>', scripts[0]), (
        scripts
    )
    assert "post" in html and f'action="/events/{s["slug"]}/reserve"' in html


async def test_sold_out_and_few_left_states(client: Api, engine: AsyncEngine, buyer: Buyer, redis: Redis) -> None:
    s = await sale(client, engine, vip_quantity=2)
    page, _ = await buyer.page(f"/events/{s['slug']}")
    assert "Only 2 left" in page.text
    held = await reserve(buyer, s["slug"], {s["types"]["VIP"]: 2})
    assert held.status_code == 303
    async with Buyer(buyer.base_url.__str__()) as other:
        page, _ = await other.page(f"/events/{s['slug']}")
        vip = page.text.split(f'id="type-{s["types"]["VIP"]}"', 1)[1].split('class="card tt"', 1)[0]
        assert "Sold out" in vip
        assert f'name="qty_{s["types"]["VIP"]}"' not in vip  # nothing to choose
    # An expired hold stops counting at once, without waiting for the cleanup job (the few
    # seconds' availability cache aside, which is dropped here as a counter change would).
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE ticket_order SET hold_expires_at = now() - interval '1 minute'"))
    await redis.delete(f"avail:{s['id']}")
    async with Buyer(buyer.base_url.__str__()) as third:
        page, _ = await third.page(f"/events/{s['slug']}")
        vip = page.text.split(f'id="type-{s["types"]["VIP"]}"', 1)[1].split('class="card tt"', 1)[0]
        assert "Sold out" not in vip and "Only 2 left" in vip


async def test_event_page_budget_under_100kb_gzip(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    s = await sale(client, engine)
    total = 0
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"User-Agent": PHONE_UA}) as raw:
        async with raw.stream("GET", f"/events/{s['slug']}", headers={"Accept-Encoding": "gzip"}) as r:
            assert r.status_code == 200
            assert r.headers.get("content-encoding") == "gzip"
            body = b"".join([chunk async for chunk in r.aiter_raw()])
        total += len(body)
        html = gzip.decompress(body).decode()
        linked = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert linked and all(u.startswith("/") for u in linked)
        for url in linked:
            async with raw.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as css:
                assert css.status_code == 200
                assert "immutable" in css.headers["cache-control"]
                total += len(b"".join([chunk async for chunk in css.aiter_raw()]))
    assert total < 100 * 1024, total


async def test_unknown_and_draft_events_are_html_404s(client: Api, buyer: Buyer) -> None:
    await sign_up(client)
    draft = await make_event(client, None, name="Not yet")
    for path in ("/events/no-such-event", f"/events/{draft['slug']}"):
        r = await buyer.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "Page not found" in r.text


# --- the purchase ----------------------------------------------------------------------------
async def test_buyer_reserves_fills_details_pays_and_sees_the_order(
    client: Api, engine: AsyncEngine, buyer: Buyer, stack: Stack
) -> None:
    s = await sale(client, engine)
    r = await reserve(buyer, s["slug"], {s["types"]["General"]: 2})
    reference = reference_of(r)
    assert "token" not in r.headers["location"]
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(f"vg_order_{reference}="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and f"Path=/checkout/{reference}" in cookie

    details = await buyer.get(f"/checkout/{reference}")
    assert details.status_code == 200
    assert "held until" in details.text and "SAST" in details.text
    assert "R 500.00" in details.text  # 2 x R 250.00
    assert 'href="/privacy"' in details.text and "POPIA" in details.text
    assert 'value="simulated" checked' in details.text

    started = await checkout(buyer, reference)
    assert started.status_code == 303, started.text[:3000]
    location = started.headers["location"]
    assert "/pay/simulated/" in location
    back = await pay_simulated(buyer, location)
    assert back.startswith(("http://", "/")) and f"/orders/{reference}?token=" in back
    order_page = await buyer.get(back)
    assert order_page.status_code == 200
    assert "Paid" in order_page.text
    assert "on their way to <strong>thandi@example.co.za</strong>" in order_page.text
    assert order_page.text.count("<li>General") == 2
    # Each ticket's code, as printed under its QR, for a buyer whose phone cannot open the PDF.
    assert len(re.findall(r"code <code>[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}</code>", order_page.text)) == 2
    assert f"/orders/{reference}/tickets.pdf?token=" in order_page.text
    pdf_url = re.search(r'href="(/orders/[^"]+/tickets\.pdf\?token=[^"]+)"', order_page.text)
    assert pdf_url
    pdf = await buyer.get(pdf_url.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    mail = await wait_delivered(engine, stack, "thandi@example.co.za")
    assert any(p.get_filename("").endswith(".pdf") for p in mail.iter_attachments())
    # The checkout page of a paid order leads to the order page.
    again = await buyer.get(f"/checkout/{reference}")
    assert again.status_code == 303 and f"/orders/{reference}?token=" in again.headers["location"]
    # A wrong token opens nothing.
    wrong = await buyer.get(f"/orders/{reference}?token=nope")
    assert wrong.status_code == 404 and "Order not found" in wrong.text


async def test_failed_payment_shows_awaiting_payment_and_retry(client: Api, engine: AsyncEngine, buyer: Buyer) -> None:
    s = await sale(client, engine)
    reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 1}))
    started = await checkout(buyer, reference)
    back = await pay_simulated(buyer, started.headers["location"], outcome="fail")
    page = await buyer.get(back)
    assert page.status_code == 200
    assert "Awaiting payment" in page.text and "did not go through" in page.text
    assert f'href="/checkout/{reference}"' in page.text


# --- errors on the page, never a 500 ----------------------------------------------------------
async def test_reserve_errors_are_shown_with_values_kept(client: Api, engine: AsyncEngine, buyer: Buyer) -> None:
    s = await sale(client, engine, vip_quantity=2)
    general, vip = s["types"]["General"], s["types"]["VIP"]

    nothing = await reserve(buyer, s["slug"], {general: 0})
    assert nothing.status_code == 422 and "Choose at least one ticket" in nothing.text

    over = await reserve(buyer, s["slug"], {general: 11})  # max 10 per order
    assert over.status_code == 422, over.text[:2000]
    assert 'role="alert"' in over.text
    assert re.search(
        rf'id="qty-{general}"[^>]*aria-invalid="true"[^>]*>.*?<option value="11" selected>', over.text, re.S
    )

    junk = await reserve(buyer, s["slug"], {general: "lots"})  # type: ignore[dict-item]
    assert junk.status_code == 422 and "Choose a quantity" in junk.text

    coupon = await reserve(buyer, s["slug"], {general: 1}, coupon="NOSUCHCODE")
    assert coupon.status_code in (404, 409, 422), coupon.text[:2000]
    assert 'value="NOSUCHCODE"' in coupon.text and 'role="alert"' in coupon.text

    async with Buyer(str(buyer.base_url)) as first:
        assert (await reserve(first, s["slug"], {vip: 2})).status_code == 303
    sold_out = await reserve(buyer, s["slug"], {vip: 1})
    assert sold_out.status_code == 409, sold_out.text[:2000]
    assert 'role="alert"' in sold_out.text


async def test_forms_need_a_token_from_this_visit(client: Api, engine: AsyncEngine, buyer: Buyer, stack: Stack) -> None:
    s = await sale(client, engine)
    general = s["types"]["General"]
    missing = await reserve(buyer, s["slug"], {general: 1}, csrf="")
    assert missing.status_code == 403 and "expired" in missing.text
    # A token minted for another visitor (an attacker's own page load) does not work here.
    async with Buyer(stack.base_url) as attacker:
        _, foreign = await attacker.page(f"/events/{s['slug']}")
    await buyer.page(f"/events/{s['slug']}")
    forged = await reserve(buyer, s["slug"], {general: 1}, csrf=foreign)
    assert forged.status_code == 403
    # A cross-site post arrives without the SameSite=Lax cookies at all.
    async with Buyer(stack.base_url) as fresh:
        cross = await fresh.post(f"/events/{s['slug']}/reserve", data={"csrf": foreign, f"qty_{general}": "1"})
        assert cross.status_code == 403
    async with engine.connect() as conn:
        assert (await conn.scalar(text("SELECT count(*) FROM ticket_order"))) == 0


async def test_checkout_errors_keep_values_and_need_the_order_cookie(
    client: Api, engine: AsyncEngine, buyer: Buyer, stack: Stack
) -> None:
    s = await sale(client, engine)
    reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 2}))

    bad = await checkout(buyer, reference, buyer_name="", buyer_email="not-an-address", buyer_phone="call me")
    assert bad.status_code == 422
    assert 'value="not-an-address"' in bad.text and 'value="call me"' in bad.text
    assert bad.text.count('aria-invalid="true"') == 3

    async with Buyer(stack.base_url) as stranger:  # no order cookie: cannot see or spend this hold
        assert (await stranger.get(f"/checkout/{reference}")).status_code == 404
        _, csrf = await stranger.page(f"/events/{s['slug']}")
        post = await stranger.post(
            f"/checkout/{reference}", data={"csrf": csrf, "buyer_name": "X", "buyer_email": "x@example.co.za"}
        )
        assert post.status_code == 404

    async with engine.begin() as conn:
        await conn.execute(text("UPDATE ticket_order SET hold_expires_at = now() - interval '1 minute'"))
    expired = await checkout(buyer, reference)
    assert expired.status_code in (303, 409), expired.text[:2000]
    if expired.status_code == 409:
        assert "expired" in expired.text and 'value="Thandi Mokoena"' in expired.text
    else:
        page = await buyer.get(expired.headers["location"])
        assert "Expired" in page.text


# --- order lookup ----------------------------------------------------------------------------
async def _paid_order(client: Api, engine: AsyncEngine, buyer: Buyer, stack: Stack) -> str:
    s = await sale(client, engine)
    reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 1}))
    started = await checkout(buyer, reference, buyer_email="lookup@example.co.za")
    await pay_simulated(buyer, started.headers["location"])
    await wait_delivered(engine, stack, "lookup@example.co.za")  # the tickets e-mail
    return reference


async def test_lookup_emails_a_working_link_without_revealing_anything(
    client: Api, engine: AsyncEngine, buyer: Buyer, stack: Stack
) -> None:
    reference = await _paid_order(client, engine, buyer, stack)
    _, csrf = await buyer.page("/orders/lookup")
    right = await buyer.post(
        "/orders/lookup", data={"csrf": csrf, "reference": reference, "email": "LOOKUP@example.co.za"}
    )
    wrong = await buyer.post(
        "/orders/lookup", data={"csrf": csrf, "reference": reference, "email": "other@example.co.za"}
    )
    unknown = await buyer.post(
        "/orders/lookup", data={"csrf": csrf, "reference": "VG-ACDEFGHJ", "email": "lookup@example.co.za"}
    )
    assert right.status_code == wrong.status_code == unknown.status_code == 200
    sent = "If an order with that reference belongs to that e-mail address"
    assert sent in right.text and sent in wrong.text and sent in unknown.text

    msg = await wait_for_mail(stack, "lookup@example.co.za", f"Your order {reference}")
    link = re.search(r"(/orders/VG-[A-Z0-9]+\?token=[A-Za-z0-9_\-]+)", mail_text(msg))
    assert link, mail_text(msg)
    opened = await buyer.get(link.group(1))
    assert opened.status_code == 200 and "Paid" in opened.text
    assert not list(stack.mail_dir.glob("*.eml")) or all(
        "other@example.co.za" not in p.read_text(errors="replace") for p in stack.mail_dir.glob("*.eml")
    )


async def test_lookup_is_rate_limited(client: Api, engine: AsyncEngine, buyer: Buyer) -> None:
    _, csrf = await buyer.page("/orders/lookup")
    statuses = []
    for i in range(7):
        r = await buyer.post(
            "/orders/lookup", data={"csrf": csrf, "reference": f"VG-ACDEFGH{'JKMNPQR'[i]}", "email": "x@example.co.za"}
        )
        statuses.append(r.status_code)
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


async def test_lookup_validates_input(buyer: Buyer) -> None:
    _, csrf = await buyer.page("/orders/lookup")
    r = await buyer.post("/orders/lookup", data={"csrf": csrf, "reference": "x", "email": "nope"})
    assert r.status_code == 422
    assert r.text.count('aria-invalid="true"') == 2 and 'value="nope"' in r.text


async def test_static_pages(buyer: Buyer) -> None:
    privacy = await buyer.get("/privacy")
    assert privacy.status_code == 200 and "POPIA" in privacy.text
    home = await buyer.get("/")
    css = re.search(r'href="(/assets/site\.[0-9a-f]+\.css)"', home.text)
    assert css
    asset = await buyer.get(css.group(1))
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in asset.text


async def test_coupon_discount_is_shown_at_checkout(client: Api, engine: AsyncEngine, buyer: Buyer) -> None:
    s = await sale(client, engine)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO coupon (id, organization_id, event_id, code, kind, value, used, active, created_at,"
                " updated_at) VALUES (:id, :org, :ev, 'VRIEND', 'percent', 20, 0, true, now(), now())"
            ),
            {"id": uuid.uuid4(), "org": client.org_id, "ev": s["id"]},
        )
    reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 2}, coupon=" vriend "))
    page = await buyer.get(f"/checkout/{reference}")
    assert "Discount" in page.text and "-R 100.00" in page.text  # 20% of R 500.00
    assert "R 400.00" in page.text


async def test_post_provider_gets_a_form_that_works_without_js(client: Api, engine: AsyncEngine, buyer: Buyer) -> None:
    s = await sale(client, engine)
    reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 1}))
    details = await buyer.get(f"/checkout/{reference}")
    if 'value="payfast"' not in details.text:
        pytest.skip("PayFast is not offered in this configuration")
    r = await checkout(buyer, reference, provider="payfast")
    assert r.status_code == 200, r.text[:2000]
    assert "data-autosubmit" in r.text and '<button class="wide" type="submit">Continue to payment</button>' in r.text
    action = re.search(r'<form method="post" action="([^"]+)"', r.text)
    assert action and action.group(1).startswith("http")
    assert 'name="signature"' in r.text and 'name="amount" value="250.00"' in r.text


# --- hidden ticket types: the secret link and the access-code form ------------------------------
async def test_secret_link_shows_a_hidden_type_and_the_buyer_reserves_it(
    client: Api, engine: AsyncEngine, buyer: Buyer
) -> None:
    s = await sale(client, engine, capacity=None)
    made = await client.post(
        client.org(f"/events/{s['id']}/ticket-types"),
        json={"name": "Crew and guests", "price_cents": 0, "quantity": 20, "hidden": True},
    )
    assert made.status_code == 201, made.text
    crew, code = made.json()["id"], made.json()["access_code"]

    plain, csrf = await buyer.page(f"/events/{s['slug']}")
    assert "Crew and guests" not in plain.text and f"qty_{crew}" not in plain.text
    assert 'name="access"' in plain.text and "Have an access code?" in plain.text
    # the id alone, posted by hand, is refused on the page as in the API
    refused = await reserve(buyer, s["slug"], {crew: 1}, csrf=csrf)
    assert refused.status_code == 422 and "Crew and guests" not in refused.text
    async with engine.connect() as conn:
        assert (await conn.scalar(text("SELECT count(*) FROM ticket_order"))) == 0

    # a wrong code: told so at the access-code field
    wrong = await buyer.get(f"/events/{s['slug']}", params={"access": "WRONG-CODE"})
    assert wrong.status_code == 200 and "Crew and guests" not in wrong.text
    assert re.search(r'id="access"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*access-error', wrong.text)
    assert "This access code is not valid for this event." in wrong.text

    # the secret link (the code in any case) shows the type, and the form carries the code
    linked = await buyer.get(f"/events/{s['slug']}", params={"access": code.lower()})
    assert linked.status_code == 200 and "Crew and guests" in linked.text
    assert f'name="qty_{crew}"' in linked.text
    assert f'<input type="hidden" name="access" value="{code}">' in linked.text
    assert '<meta name="robots" content="noindex">' in linked.text  # a secret page is not indexed
    csrf = CSRF.search(linked.text).group(1)  # type: ignore[union-attr]
    form = {"csrf": csrf, "access": code, f"qty_{crew}": "2", f"qty_{s['types']['General']}": "1"}
    held = await buyer.post(f"/events/{s['slug']}/reserve", data=form)
    reference = reference_of(held)
    page = await buyer.get(f"/checkout/{reference}")
    assert page.status_code == 200 and "Crew and guests" in page.text and "General" in page.text
    # a failed reserve keeps the unlocked type on the page (the code travels with the form)
    over = await buyer.post(f"/events/{s['slug']}/reserve", data={**form, f"qty_{crew}": "11"})
    assert over.status_code == 422 and f'name="qty_{crew}"' in over.text


async def test_a_quantity_error_is_shown_once_at_its_field_and_in_the_summary(
    client: Api, engine: AsyncEngine, buyer: Buyer
) -> None:
    s = await sale(client, engine)
    general = s["types"]["General"]
    over = await reserve(buyer, s["slug"], {general: 11})  # max 10 per order
    assert over.status_code == 422
    message = "At most 10 General tickets per order."
    summary = re.search(r'<div class="alert error"[^>]*>(.*?)</div>', over.text, re.S)
    assert summary and 'tabindex="-1"' in summary.group(0) and "autofocus" in summary.group(0)
    assert summary.group(1).count(message) == 1
    assert f'<a href="#qty-{general}">{message}</a>' in summary.group(1)
    assert over.text.count(message) == 2  # the summary, and next to the field
    assert "at most" not in over.text
    select = re.search(rf'<select[^>]*id="qty-{general}"[^>]*>', over.text)
    assert select and 'aria-invalid="true"' in select.group(0)
    assert f'aria-describedby="qty-{general}-error"' in select.group(0)
    assert re.search(rf'<p class="field-error" id="qty-{general}-error">{re.escape(message)}</p>', over.text)


async def test_favicon(buyer: Buyer) -> None:
    home = await buyer.get("/")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', home.text)
    assert icon and icon.group(1).startswith("/")
    for url in (icon.group(1), "/favicon.ico"):
        r = await buyer.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith(("image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon"))
        assert len(r.content) < 2048


async def test_form_numbers_in_other_scripts_are_field_errors_not_500s(
    client: Api, engine: AsyncEngine, buyer: Buyer
) -> None:
    """str.isdigit() accepts "²" (int() then fails: a 500) and "٣" (int() reads 3): the site reads
    form numbers as ASCII digits only (lib/digits.py)."""
    s = await sale(client, engine)
    general = s["types"]["General"]
    for odd in ("\u00b2", "\u0663", "\uff13", "+3", " 3 x"):
        r = await reserve(buyer, s["slug"], {general: odd})  # type: ignore[dict-item]
        assert r.status_code == 422, (odd, r.status_code, r.text[:500])
        assert "Choose a quantity" in r.text
    # The form token's timestamp is read the same way: a token with another script's digits is
    # refused as expired (403), never a 500.
    _, csrf = await buyer.page(f"/events/{s['slug']}")
    mac = csrf.partition(".")[2]
    for odd_ts in ("\u00b2" * 10, "\u0663" * 10):
        r = await reserve(buyer, s["slug"], {general: 1}, csrf=f"{odd_ts}.{mac}")
        assert r.status_code == 403 and "expired" in r.text, (odd_ts, r.status_code)
    async with engine.connect() as conn:
        assert (await conn.scalar(text("SELECT count(*) FROM ticket_order"))) == 0
