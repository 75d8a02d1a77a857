"""Organisation branding over HTTP: the settings (contact address, colour with its contrast rule,
description), the logo, and what buyers see: the event page's header colour, logo, organiser link,
image, Open Graph tags and share links, the add-to-calendar file, and the organiser's public page,
which never lists a draft or another organisation's event."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from datetime import UTC, datetime
from typing import Any

import httpx
from icalendar import Calendar
from PIL import Image

from tests.api.helpers import add_member, assert_problem, make_event, make_venue
from tests.api.test_event_images import photo
from tests.conftest import Api, Stack, sign_up


async def publish(api: Api, event: dict[str, Any]) -> None:
    r = await api.post(api.org(f"/events/{event['id']}/publish"))
    assert r.status_code == 200, r.text


def logo_png() -> bytes:
    image = Image.new("RGBA", (900, 300), (0, 0, 0, 0))
    image.paste((200, 40, 40, 255), (100, 50, 800, 250))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def test_branding_settings_round_trip_and_audit(client: Api) -> None:
    await sign_up(client, organization="Kaapstad Live")
    r = await client.get(client.org("/branding"))
    assert r.status_code == 200, r.text
    assert r.json()["brand_colour"] is None and r.json()["effective_colour"] == "#1f3a5f"
    r = await client.patch(
        client.org("/branding"),
        json={
            "contact_email": " Bookings@KaapstadLive.co.za ",
            "brand_colour": "#0B6E4F",
            "public_description": "Live  music\n in the Mother City.",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["contact_email"] == "bookings@kaapstadlive.co.za"
    assert body["brand_colour"] == body["effective_colour"] == "#0b6e4f"
    assert body["public_description"] == "Live music in the Mother City."
    assert body["public_page_path"] == "/o/kaapstad-live"
    audit = (await client.get(client.org("/audit-log"))).json()
    assert any(e["action"] == "organization.branding_changed" for e in audit["items"])
    # null clears
    r = await client.patch(client.org("/branding"), json={"brand_colour": None, "contact_email": None})
    assert r.json()["brand_colour"] is None and r.json()["contact_email"] is None


async def test_colour_white_text_cannot_be_read_on_is_refused_with_the_reason(client: Api) -> None:
    await sign_up(client)
    for colour in ("#ffff00", "#7fb3d5", "#ffffff"):
        body = assert_problem(
            await client.patch(client.org("/branding"), json={"brand_colour": colour}), 422, "brand_colour"
        )
        assert "contrast" in body["detail"] and "4.5" in body["detail"]
    for colour in ("blue", "#12345", "#12345g", "rgb(0,0,0)"):
        assert_problem(await client.patch(client.org("/branding"), json={"brand_colour": colour}), 422, "brand_colour")
    assert_problem(
        await client.patch(client.org("/branding"), json={"contact_email": "not-an-address"}), 422, "contact_email"
    )
    assert_problem(
        await client.patch(client.org("/branding"), json={"public_description": "x" * 501}), 400, "public_description"
    )
    assert (await client.get(client.org("/branding"))).json()["brand_colour"] is None  # nothing stored


async def test_logo_upload_serves_webp_and_png_and_remove(client: Api, stack: Stack) -> None:
    await sign_up(client)
    r = await client.post(client.org("/branding/logo"), files={"file": ("logo.png", logo_png(), "image/png")})
    assert r.status_code == 200, r.text
    logo = r.json()["logo"]
    async with httpx.AsyncClient(base_url=stack.base_url) as anon:
        web = await anon.get(httpx.URL(logo["web_url"]).path)
        png = await anon.get(httpx.URL(logo["print_url"]).path)
    assert web.headers["content-type"] == "image/webp" and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(web.content)).size == (240, 80)
    assert Image.open(io.BytesIO(png.content)).size == (600, 200)
    assert_problem(
        await client.post(client.org("/branding/logo"), files={"file": ("logo.png", b"<svg></svg>", "image/png")}),
        422,
        "file",
    )
    assert (await client.get(client.org("/branding"))).json()["logo"] == logo  # the bad upload changed nothing
    removed = await client.delete(client.org("/branding/logo"))
    assert removed.status_code == 200 and removed.json()["logo"] is None
    async with httpx.AsyncClient(base_url=stack.base_url) as anon:
        assert (await anon.get(httpx.URL(logo["web_url"]).path)).status_code == 404


async def test_other_organisation_and_staff_cannot_change_branding(client: Api, new_client: Any, stack: Stack) -> None:
    await sign_up(client)
    other = new_client()
    await sign_up(other, organization="Other Org")
    base = client.org("/branding")
    assert_problem(await other.get(base), 404)
    assert_problem(await other.patch(base, json={"brand_colour": "#000000"}), 404)
    assert_problem(await other.post(base + "/logo", files={"file": ("l.png", logo_png(), "image/png")}), 404)
    assert_problem(await other.delete(base + "/logo"), 404)
    staff = await add_member(client, new_client, stack, "staff")
    assert (await staff.get(base)).status_code == 200
    assert_problem(await staff.patch(base, json={"brand_colour": "#000000"}), 403)
    assert (await client.get(base)).json()["brand_colour"] is None


async def branded_sale(client: Api) -> dict[str, Any]:
    await sign_up(client, organization="Kaapstad Live")
    await client.patch(
        client.org("/branding"), json={"brand_colour": "#7a1f5c", "public_description": "Shows, gigs; more."}
    )
    await client.post(client.org("/branding/logo"), files={"file": ("logo.png", logo_png(), "image/png")})
    venue = await make_venue(client, name="Artscape", address_line1="DF Malan St", city="Cape Town")
    event = await make_event(
        client, venue["id"], name="Jazz, Wine; and \\ Song", description="Bring a blanket, and friends."
    )
    r = await client.post(client.org(f"/events/{event['id']}/image"), files={"file": ("p.jpg", photo(), "image/jpeg")})
    assert r.status_code == 200, r.text
    await publish(client, event)
    return {**event, "image": r.json()["image"]}


async def test_event_page_shows_branding_image_meta_and_share_links(client: Api, stack: Stack) -> None:
    event = await branded_sale(client)
    async with httpx.AsyncClient(base_url=stack.base_url) as buyer:
        r = await buyer.get(f"/events/{event['slug']}")
    assert r.status_code == 200
    html = r.text
    # Header colour: one inline rule, allowed by its hash in the CSP (no 'unsafe-inline').
    style = re.search(r"<style>([^<]+)</style>", html)
    assert style and style.group(1) == ":root{--brand:#7a1f5c}"
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    csp = r.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in csp and "unsafe-inline" not in csp
    # Organiser's logo and name linking to their page.
    assert re.search(r'<header class="site org"><a href="/o/kaapstad-live"><img class="logo" src="/media/logos/', html)
    assert '<a href="/o/kaapstad-live">Kaapstad Live</a>' in html
    # Hero: the 400 px file on a phone, srcset for larger screens, sizes given, dimensions for layout.
    sizes = event["image"]["sizes"]
    small = httpx.URL(sizes[0]["url"]).path
    assert f'<source media="(max-width: 40rem)" srcset="{small}">' in html
    assert f"{httpx.URL(sizes[-1]['url']).path} 1600w" in html and 'sizes="' in html
    assert f'width="{sizes[0]["width"]}" height="{sizes[0]["height"]}"' in html
    # Open Graph / Twitter: absolute image URL and page URL.
    og_image = re.search(r'<meta property="og:image" content="([^"]+)">', html)
    assert og_image and og_image.group(1).startswith("http") and og_image.group(1).endswith("/1600.webp")
    assert re.search(rf'<meta property="og:url" content="https?://[^"]+/events/{event["slug"]}">', html)
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    # Share links go to each service's own page; no script of theirs.
    for prefix in (
        "https://wa.me/?text=",
        "https://www.facebook.com/sharer/sharer.php?u=",
        "https://x.com/intent/post?url=",
        "mailto:?subject=",
    ):
        assert f'href="{prefix}' in html, prefix
    assert "data-copy-link=" in html
    assert f'href="/events/{event["slug"]}/calendar.ics"' in html
    # The image files the page names are served.
    async with httpx.AsyncClient(base_url=stack.base_url) as buyer:
        assert (await buyer.get(small)).status_code == 200


async def test_calendar_file_is_rfc5545(client: Api, stack: Stack) -> None:
    event = await branded_sale(client)
    async with httpx.AsyncClient(base_url=stack.base_url) as buyer:
        r = await buyer.get(f"/events/{event['slug']}/calendar.ics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    assert f'filename="{event["slug"]}.ics"' in r.headers["content-disposition"]
    raw = r.content.decode()
    assert raw.startswith("BEGIN:VCALENDAR\r\n") and raw.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n")), "lines folded at 75 octets"
    assert "SUMMARY:Jazz\\, Wine\\; and \\\\ Song" in raw  # RFC 5545 TEXT escaping
    starts = datetime.fromisoformat(event["starts_at"]).astimezone(UTC)
    assert f"DTSTART:{starts:%Y%m%dT%H%M%SZ}" in raw  # UTC
    item = Calendar.from_ical(r.content).walk("VEVENT")[0]
    assert str(item["UID"]) == f"event-{event['id']}@localhost"  # the tests' PUBLIC_URL host: stable per event
    assert item.decoded("DTSTAMP").tzinfo is not None
    assert item.decoded("DTEND") > item.decoded("DTSTART")
    assert "Artscape" in str(item["LOCATION"])
    assert str(item["URL"]).endswith(f"/events/{event['slug']}")
    async with httpx.AsyncClient(base_url=stack.base_url) as buyer:
        assert (await buyer.get("/events/no-such-event/calendar.ics")).status_code == 404


async def test_organiser_page_lists_only_its_published_upcoming_events(
    client: Api, new_client: Any, stack: Stack
) -> None:
    event = await branded_sale(client)
    draft = await make_event(client, name="Secret Draft Party")
    other = new_client()
    await sign_up(other, organization="Other Org")
    foreign = await make_event(other, (await make_venue(other))["id"], name="Somebody Else's Gig")
    await publish(other, foreign)
    async with httpx.AsyncClient(base_url=stack.base_url) as buyer:
        r = await buyer.get("/o/kaapstad-live")
        missing = await buyer.get("/o/no-such-organiser")
    assert r.status_code == 200
    html = r.text
    assert "Jazz, Wine; and \\ Song" in html
    assert f'href="/events/{event["slug"]}"' in html
    assert draft["name"] not in html and "Somebody Else" not in html
    assert "Shows, gigs; more." in html
    assert 'loading="eager"' in html  # the first card; later ones are lazy
    assert re.search(r'srcset="/media/events/[^"]+ 400w', html)
    assert ":root{--brand:#7a1f5c}" in html
    assert missing.status_code == 404


async def test_ticket_pdf_carries_organiser_name_logo_and_colour(client: Api, engine: Any) -> None:
    """The PDF (rendered on download) shows the organiser's trading name, its logo (embedded from
    the store, no URL fetched) and a band in its colour."""
    import pypdfium2

    from tests.api.test_ticket_delivery import paid_order, published_event, qr_codes_in

    event = await published_event(client)
    await client.patch(client.org("/tax-settings"), json={"trading_name": "Kaapstad Live Trading"})
    await client.patch(client.org("/branding"), json={"brand_colour": "#7a1f5c"})
    logo = await client.post(client.org("/branding/logo"), files={"file": ("logo.png", logo_png(), "image/png")})
    assert logo.status_code == 200, logo.text
    order, token = await paid_order(engine, event, client.org_id, [1])
    r = await client.get(f"/orders/{order.reference}/tickets.pdf", params={"token": token})
    assert r.status_code == 200, r.text
    assert len(qr_codes_in(r.content)) == 1  # still a working ticket
    doc = pypdfium2.PdfDocument(r.content)
    page = doc[0]
    assert "KAAPSTAD LIVE TRADING" in page.get_textpage().get_text_range()  # the band is upper case
    images = [o for o in page.get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]
    assert images, "the logo is embedded"
    # The band behind "VoelgoedEvents · Ticket 1 of 1" is the organiser's colour (sampled from the render).
    rendered = page.render(scale=2).to_pil().convert("RGB")
    colours = {
        rendered.getpixel((x, y)) for x in range(0, rendered.width, 4) for y in range(0, rendered.height // 3, 4)
    }
    assert (0x7A, 0x1F, 0x5C) in colours
    doc.close()
