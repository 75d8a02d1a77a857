"""One rule for a buyer's phone number and e-mail address: the checkout site and the buyers' JSON
API accept and refuse the same ones (they used to carry their own patterns: a 6-character phone
passed the API and was refused on the site)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.sales_helpers import reserve as api_reserve
from tests.api.test_checkout_site import Buyer, checkout, reference_of, reserve, sale
from tests.conftest import Api, Stack

PHONES = {
    "082 123 4567": True,
    "+27 82 123 4567": True,
    "+27 (82) 123-4567": True,
    "0821234567": True,
    "+44 20 7946 0958": True,
    "123456": False,  # six digits: no phone number is that short
    "12 34 56": False,
    "call me": False,
    "+27 82 123 4567 890 12": False,  # more than 15 digits
    "082+123+4567": False,
}


async def _site_accepts(buyer: Buyer, slug: str, type_id: str, phone: str) -> bool:
    reference = reference_of(await reserve(buyer, slug, {type_id: 1}))
    r = await checkout(buyer, reference, buyer_phone=phone)
    assert r.status_code in (303, 422), r.text[:2000]
    if r.status_code == 422:
        assert r.text.count('aria-invalid="true"') == 1, r.text[:2000]
    return r.status_code == 303


async def _api_accepts(http: httpx.AsyncClient, slug: str, type_id: str, phone: str) -> bool:
    held = (await api_reserve(http, slug, {type_id: 1})).json()
    r = await http.post(
        f"/api/public/orders/{held['reference']}/checkout",
        headers={"X-Order-Token": held["access_token"]},
        json={
            "buyer_name": "Thandi Mokoena",
            "buyer_email": "thandi@example.co.za",
            "buyer_phone": phone,
            "provider": "simulated",
        },
    )
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert [e["field"] for e in r.json()["errors"]] == ["buyer_phone"], r.text
    return r.status_code == 200


async def test_site_and_api_agree_on_phone_numbers(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    s = await sale(client, engine)
    general = s["types"]["General"]
    site: dict[str, bool] = {}
    api: dict[str, bool] = {}
    async with Buyer(stack.base_url) as buyer, httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        for phone in PHONES:
            site[phone] = await _site_accepts(buyer, s["slug"], general, phone)
            api[phone] = await _api_accepts(http, s["slug"], general, phone)
    assert site == PHONES
    assert api == PHONES
