"""First-party funnel analytics: each step of the checkout site records exactly one row, with the
visit's session id and the landing URL's UTM source; automated clients are not counted."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_checkout_site import Buyer, checkout, pay_simulated, reference_of, reserve, sale, wait_delivered
from tests.conftest import Api, Stack
from voelgoed.domain.analytics.services import attribution_from, is_bot, record

LANDING = "?utm_source=whatsapp&utm_medium=social&utm_campaign=launch"


async def rows(engine: AsyncEngine, name: str | None = None) -> list[Any]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT name, session_id, utm_source, utm_medium, utm_campaign, order_id, event_id"
                " FROM analytics_event WHERE (CAST(:n AS text) IS NULL OR name = :n) ORDER BY id"
            ),
            {"n": name},
        )
        return list(result.all())


def sid_of(buyer: Buyer) -> str:
    value = buyer.cookies.get("vg_sid")
    assert value, "no vg_sid cookie"
    return value


async def test_each_funnel_step_records_one_row_with_session_and_utm(
    client: Api, engine: AsyncEngine, stack: Stack
) -> None:
    s = await sale(client, engine)
    async with Buyer(stack.base_url) as buyer:
        landing = await buyer.get(f"/events/{s['slug']}{LANDING}")
        assert landing.status_code == 200
        cookies = landing.headers.get_list("set-cookie")
        sid_cookie = next(c for c in cookies if c.startswith("vg_sid="))
        assert "HttpOnly" in sid_cookie and "samesite=lax" in sid_cookie.lower() and "Max-Age=1800" in sid_cookie
        assert any(c.startswith("vg_utm=") and "HttpOnly" in c for c in cookies)
        sid = sid_of(buyer)

        views = await rows(engine, "page_view")
        assert len(views) == 1
        assert views[0].session_id == sid and views[0].utm_source == "whatsapp"
        assert views[0].utm_medium == "social" and views[0].utm_campaign == "launch"
        assert str(views[0].event_id) == s["id"]

        # Later steps come without UTM parameters in the URL: the cookie carries them.
        csrf = re.search(r'name="csrf" value="([^"]+)"', landing.text)
        assert csrf
        reference = reference_of(await reserve(buyer, s["slug"], {s["types"]["General"]: 2}, csrf=csrf.group(1)))
        carts = await rows(engine, "add_to_cart")
        assert len(carts) == 1
        assert carts[0].session_id == sid and carts[0].utm_source == "whatsapp" and carts[0].order_id is not None
        assert len(await rows(engine, "page_view")) == 1  # reserving is not a page view

        started = await checkout(buyer, reference)
        assert started.status_code == 303
        begun = await rows(engine, "checkout_started")
        assert len(begun) == 1
        assert begun[0].session_id == sid and begun[0].utm_source == "whatsapp"
        assert begun[0].order_id == carts[0].order_id
        # (The checkout page GET inside `checkout` is not a funnel step.)
        assert len(await rows(engine, "page_view")) == 1

        await pay_simulated(buyer, started.headers["location"])
        await wait_delivered(engine, stack, "thandi@example.co.za")
        success = await rows(engine, "checkout_success")  # recorded by the checkout workflow
        assert len(success) == 1
        assert success[0].session_id == sid and success[0].order_id == carts[0].order_id
        assert sid_of(buyer) == sid  # the same visit throughout (the cookie slides, keeps its value)


async def test_a_new_landing_replaces_the_campaign(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    s = await sale(client, engine)
    async with Buyer(stack.base_url) as buyer:
        await buyer.get(f"/events/{s['slug']}{LANDING}")
        await buyer.get(f"/events/{s['slug']}?utm_source=newsletter")
        await buyer.get(f"/events/{s['slug']}")
    sources = [r.utm_source for r in await rows(engine, "page_view")]
    assert sources == ["whatsapp", "newsletter", "newsletter"]


@pytest.mark.parametrize(
    "agent",
    [
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "curl/8.5.0",
        "python-httpx/0.28",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
    ],
)
async def test_bots_are_not_counted(client: Api, engine: AsyncEngine, stack: Stack, agent: str) -> None:
    s = await sale(client, engine)
    async with Buyer(stack.base_url, user_agent=agent) as bot:
        page = await bot.get(f"/events/{s['slug']}{LANDING}")
        assert page.status_code == 200  # bots still get the page (link previews need the OG tags)
        reserved = await reserve(bot, s["slug"], {s["types"]["General"]: 1})
        assert reserved.status_code == 303
    assert await rows(engine) == []


async def test_each_visit_gets_its_own_session(client: Api, engine: AsyncEngine, stack: Stack) -> None:
    s = await sale(client, engine)
    async with Buyer(stack.base_url) as a, Buyer(stack.base_url) as b:
        await a.get(f"/events/{s['slug']}")
        await a.get(f"/events/{s['slug']}")
        await b.get(f"/events/{s['slug']}")
        sids = [r.session_id for r in await rows(engine, "page_view")]
        assert sids == [sid_of(a), sid_of(a), sid_of(b)] and sid_of(a) != sid_of(b)
    # A forged session id cookie (not our format) is replaced, never stored.
    async with Buyer(stack.base_url) as c:
        r = await c.get(f"/events/{s['slug']}", headers={"Cookie": "vg_sid=%3Cscript%3E"})
        assert "vg_sid=%3Cscript%3E" not in r.headers["set-cookie"]
        assert re.search(r"vg_sid=[A-Za-z0-9_-]{32};", r.headers["set-cookie"])
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", row.session_id) for row in await rows(engine))


def test_bot_detection_and_utm_cleaning() -> None:
    assert is_bot(None) and is_bot("") and is_bot("Mozilla/5.0 (compatible; bingbot/2.0)")
    assert not is_bot("Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36")
    a = attribution_from({"utm_source": "  x" * 80, "utm_medium": "", "utm_campaign": "a\x00b"})
    assert a.utm_source is not None and len(a.utm_source) == 100
    assert a.utm_medium is None and a.utm_campaign == "ab"


async def test_record_refuses_unknown_steps() -> None:
    with pytest.raises(ValueError, match="unknown funnel step"):
        await record(None, organization_id=uuid.uuid4(), event_id=uuid.uuid4(), name="purchase", session_id="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="session id"):
        await record(None, organization_id=uuid.uuid4(), event_id=uuid.uuid4(), name="page_view", session_id="")  # type: ignore[arg-type]
