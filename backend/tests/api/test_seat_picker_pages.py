"""The checkout site's seat picker (web/checkout/seat_pages.py) through its HTML pages, as a phone
without JavaScript: the seat list and the best-available form, the hold as an ordinary order
(details, simulated payment, the order page shows the seats), a seat taken meanwhile (409 with
the nearest free seats ticked), the form token, and the compact map's size for 5,000 seats."""

from __future__ import annotations

import gzip
import re
from typing import Any

import httpx
import msgspec
import pytest

from tests.api.sales_helpers import add_type, organiser_with_event
from tests.api.seating_helpers import hold, seat_map, seated_event
from tests.api.test_checkout_site import PHONE_UA, Buyer, checkout, pay_simulated, reference_of
from tests.conftest import Api, Stack
from voelgoed.domain.seating.generation import generate_section
from voelgoed.web.checkout.render import SEATS_JS_BYTES


@pytest.fixture
async def buyer(stack: Stack) -> Any:
    async with Buyer(stack.base_url) as b:
        yield b


def seat_box(html: str, position: int) -> str:
    found = re.search(rf'<input type="checkbox" id="seat-{position}"[^>]*>', html)
    assert found, f"no checkbox for seat {position}"
    return found.group(0)


async def test_event_page_leads_to_the_picker_and_pick_two_seats_then_pay(
    client: Api, buyer: Buyer, stack: Stack
) -> None:
    seated = await seated_event(client, price_cents=25000)  # 3 rows x 6 seats, rows A B C
    event_page = await buyer.get(f"/events/{seated.slug}")
    assert event_page.status_code == 200
    assert f'href="/events/{seated.slug}/seats"' in event_page.text
    assert f'name="qty_{seated.ticket_type["id"]}"' not in event_page.text  # seated: no GA quantity

    page, csrf = await buyer.page(f"/events/{seated.slug}/seats")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Choose your seats" in html and "R 250.00" in html
    assert html.count('type="checkbox"') == 18
    assert "<legend>Row A</legend>" in html and "<legend>Stalls</legend>" in html
    assert 'data-seat-map="/events/' in html and "/assets/seats." in html
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in html  # no inline script

    # B3 and B4 are positions 8 and 9 (row A is 0..5)
    r = await buyer.post(f"/events/{seated.slug}/seats", data={"csrf": csrf, "seat": ["8", "9"]})
    reference = reference_of(r)
    assert (await seat_map(buyer, seated.slug))[8:10] == "hh"
    details = await buyer.get(f"/checkout/{reference}")
    assert details.status_code == 200
    assert "Stalls, row B, seat 3" in details.text and "Stalls, row B, seat 4" in details.text
    assert "R 500.00" in details.text

    started = await checkout(buyer, reference)
    assert started.status_code == 303, started.text[:2000]
    back = await pay_simulated(buyer, started.headers["location"])
    order_page = await buyer.get(back)
    assert order_page.status_code == 200 and "Paid" in order_page.text
    assert "Stalls, row B, seat 3" in order_page.text and "Stalls, row B, seat 4" in order_page.text
    assert (await seat_map(buyer, seated.slug))[8:10] == "ss"

    # the list shows them taken now
    again, _ = await buyer.page(f"/events/{seated.slug}/seats")
    assert "disabled" in seat_box(again.text, 8) and "disabled" not in seat_box(again.text, 7)


async def test_best_available_without_javascript(client: Api, buyer: Buyer) -> None:
    seated = await seated_event(client)
    _, csrf = await buyer.page(f"/events/{seated.slug}/seats")
    r = await buyer.post(f"/events/{seated.slug}/seats/best", data={"csrf": csrf, "category": "A", "quantity": "3"})
    reference = reference_of(r)
    details = await buyer.get(f"/checkout/{reference}")
    seats = re.findall(r"Stalls, row ([A-Z]), seat (\d+)", details.text)
    assert len(seats) == 3 and {row for row, _ in seats} == {"A"}  # together, in the front row
    numbers = sorted(int(n) for _, n in seats)
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert (await seat_map(buyer, seated.slug)).count("h") == 3


async def test_bad_input_is_shown_on_the_page(client: Api, buyer: Buyer) -> None:
    seated = await seated_event(client, max_per_order=3)
    url = f"/events/{seated.slug}/seats"
    _, csrf = await buyer.page(url)
    nothing = await buyer.post(url, data={"csrf": csrf})
    assert nothing.status_code == 422 and "Choose at least one seat." in nothing.text
    assert 'role="alert"' in nothing.text
    unknown = await buyer.post(url, data={"csrf": csrf, "seat": ["999"]})
    assert unknown.status_code == 422 and "Choose seats from the map or the list." in unknown.text
    too_many = await buyer.post(url, data={"csrf": csrf, "seat": ["0", "1", "2", "3"]})
    assert too_many.status_code == 422 and "At most 3" in too_many.text
    assert "checked" in seat_box(too_many.text, 2)  # the buyer's choice is kept
    forged = await buyer.post(url, data={"csrf": "1.forged", "seat": ["0"]})
    assert forged.status_code == 403
    no_category = await buyer.post(f"{url}/best", data={"csrf": csrf, "category": "Z", "quantity": "2"})
    assert no_category.status_code == 422
    assert (await seat_map(buyer, seated.slug)).count("a") == 18  # nothing was held
    missing = await buyer.get("/events/no-such-event/seats")
    assert missing.status_code == 404


async def test_a_seat_taken_meanwhile_offers_the_nearest_free_seats(client: Api, buyer: Buyer) -> None:
    seated = await seated_event(client)
    _, csrf = await buyer.page(f"/events/{seated.slug}/seats")  # the buyer sees A3, A4 free ...
    async with httpx.AsyncClient(base_url=str(buyer.base_url)) as other:  # ... someone else takes them
        assert (await hold(other, seated.slug, [seated.seat("A", "3"), seated.seat("A", "4")])).status_code == 201
    r = await buyer.post(f"/events/{seated.slug}/seats", data={"csrf": csrf, "seat": ["2", "3"]})
    assert r.status_code == 409
    assert "just taken" in r.text
    assert "The nearest free seats are ticked for you instead:" in r.text
    offered = re.findall(r"Stalls, row ([A-Z]), seat (\d+)", r.text.split("data-offered", 1)[1].split("</ul>", 1)[0])
    assert sorted(offered) == [("B", "3"), ("B", "4")]
    assert "checked" in seat_box(r.text, 8) and "checked" in seat_box(r.text, 9)
    assert "disabled" in seat_box(r.text, 2)
    # taking the offer: the same page's form, as ticked
    csrf2 = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert csrf2
    taken = await buyer.post(f"/events/{seated.slug}/seats", data={"csrf": csrf2.group(1), "seat": ["8", "9"]})
    reference_of(taken)


async def test_map_of_5000_seats_is_small(client: Api, buyer: Buyer, stack: Stack) -> None:
    """A 5,000-seat theatre (5 sections x 25 rows x 40 seats): the picker page (with the map data in
    it), its stylesheet and scripts, gzip-compressed as sent, stay far under 150 KB."""
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], name="Seated", quantity=5000, price_cents=25000)
    sections = [
        msgspec.to_builtins(
            generate_section(key=f"s{i}", name=f"Section {i + 1}", rows=25, seats_per_row=40, category="A")
        )
        for i in range(5)
    ]
    for i, sec in enumerate(sections):  # side by side
        for row in sec["rows"]:
            for seat in row["seats"]:
                seat["x"] += i * 500
    doc = {"name": "Theatre", "width": 2500.0, "height": 400.0, "focus": {"x": 1250.0, "y": -20.0}}
    doc |= {"categories": [{"key": "A", "name": "Stalls"}], "sections": sections}
    plan = await client.post(client.org(f"/venues/{event['venue_id']}/seating-plans"), json=doc)
    assert plan.status_code == 201, plan.text
    assigned = await client.put(
        client.org(f"/events/{event['id']}/seating"),
        json={"plan_id": plan.json()["id"], "categories": [{"category": "A", "ticket_type_id": tt["id"]}]},
    )
    assert assigned.status_code == 200, assigned.text
    slug = event["slug"]

    sizes: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"User-Agent": PHONE_UA}) as raw:

        async def wire(url: str) -> bytes:
            async with raw.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
                assert r.status_code == 200, url
                body = b"".join([chunk async for chunk in r.aiter_raw()])
                sizes[url] = len(body)
                return gzip.decompress(body) if r.headers.get("content-encoding") == "gzip" else body

        html = (await wire(f"/events/{slug}/seats")).decode()
        assert html.count('type="checkbox"') == 0  # sections first: no seat listed until one is chosen
        assert html.count("?section=") == 5
        for url in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(
            r'<script src="([^"]+)"', html
        ):
            await wire(url)
        # the page carries the map's data (seats.js reads it without a second request) ...
        inline = re.search(r'<script type="application/json" id="seat-map-data">([^<]*)</script>', html)
        assert inline, "no map data in the page"
        data = msgspec.json.decode(inline.group(1))
        assert len(data["p"]) == 5 * 5000 and len(data["a"]) == 5000
        # ... and map.json, the same bytes, stays for a page without it (not part of the page's weight)
        assert msgspec.json.decode(await wire(f"/events/{slug}/seats/map.json")) == data
        one = (await wire(f"/events/{slug}/seats?section=s2")).decode()
        assert one.count('type="checkbox"') == 1000
    total = sum(v for k, v in sizes.items() if "section=" not in k and not k.endswith("/map.json"))
    print("\nseat picker, 5,000 seats, bytes on the wire (gzip):", sizes, "total", total, "js raw", len(SEATS_JS_BYTES))
    assert total < 150 * 1024, sizes
