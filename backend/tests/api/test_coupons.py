"""Coupons over HTTP: organiser CRUD and validation, then what a buyer gets at reservation time:
percent (half-up per line) and fixed (never below zero) discounts, case-insensitive codes, coupons
limited to chosen ticket types, validity window, inactive coupons, usage limits counted per order
(an expired hold gives its use back), and who may manage coupons."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import add_member, assert_problem, register_for_vat
from tests.api.sales_helpers import add_type, expire_hold, organiser_with_event, reserve, scalar
from tests.conftest import Api, Stack, sign_up


def coupons_url(api: Api, event_id: str, coupon_id: str = "") -> str:
    return api.org(f"/events/{event_id}/coupons" + (f"/{coupon_id}" if coupon_id else ""))


async def add_coupon(api: Api, event_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": "VRIEND", "kind": "percent", "value": 10, **fields}
    r = await api.post(coupons_url(api, event_id), json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def used(engine: AsyncEngine, coupon_id: str) -> int:
    return int(await scalar(engine, "SELECT used FROM coupon WHERE id = :id", id=uuid.UUID(coupon_id)))


def by_type(reservation: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """ticket type id -> (discount_cents, line_total_cents) of each line."""
    return {ln["ticket_type_id"]: (ln["discount_cents"], ln["line_total_cents"]) for ln in reservation["lines"]}


def vat(total_cents: int) -> int:
    return round(total_cents * 15 / 115)


async def test_crud_and_codes_are_stored_upper_case(client: Api) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"])
    c = await add_coupon(client, event["id"], code="  summer_25 ", kind="fixed", value=2500, usage_limit=5)
    assert (c["code"], c["kind"], c["value"], c["usage_limit"], c["used"], c["active"]) == (
        "SUMMER_25",
        "fixed",
        2500,
        5,
        0,
        True,
    )
    assert c["ticket_type_ids"] is None
    one = coupons_url(client, event["id"], c["id"])
    assert (await client.get(one)).json() == c
    r = await client.patch(one, json={"ticket_type_ids": [tt["id"]], "active": False, "code": "winter"})
    assert r.status_code == 200, r.text
    assert (r.json()["ticket_type_ids"], r.json()["active"], r.json()["code"]) == ([tt["id"]], False, "WINTER")
    r = await client.patch(one, json={"ticket_type_ids": []})  # empty list: every type
    assert r.json()["ticket_type_ids"] is None
    assert [x["code"] for x in (await client.get(coupons_url(client, event["id"]))).json()] == ["WINTER"]
    assert (await client.delete(one)).status_code == 204
    assert_problem(await client.get(one), 404)
    assert (await client.get(coupons_url(client, event["id"]))).json() == []


async def test_bad_coupons_are_refused_at_the_field(client: Api) -> None:
    event = await organiser_with_event(client)
    other = await organiser_with_event(client)
    foreign = await add_type(client, other["id"])
    url = coupons_url(client, event["id"])
    assert_problem(await client.post(url, json={"code": "X", "kind": "percent", "value": 101}), 422, "value")
    assert_problem(await client.post(url, json={"code": "X", "kind": "percent", "value": 0}), 400, "value")
    assert_problem(await client.post(url, json={"code": "X", "kind": "bogus", "value": 5}), 400, "kind")
    assert_problem(await client.post(url, json={"code": "two words", "kind": "fixed", "value": 5}), 400, "code")
    now = datetime.now(UTC)
    window = {"valid_from": now.isoformat(), "valid_until": (now - timedelta(days=1)).isoformat()}
    assert_problem(
        await client.post(url, json={"code": "X", "kind": "fixed", "value": 5, **window}), 422, "valid_until"
    )
    assert_problem(
        await client.post(url, json={"code": "X", "kind": "fixed", "value": 5, "ticket_type_ids": [foreign["id"]]}),
        422,
        "ticket_type_ids",
    )
    assert (await client.get(url)).json() == []

    c = await add_coupon(client, event["id"], kind="fixed", value=5000)
    # switching a fixed coupon of 5000 cents to percent leaves an impossible percentage
    assert_problem(
        await client.patch(coupons_url(client, event["id"], c["id"]), json={"kind": "percent"}), 422, "value"
    )
    assert (await client.get(coupons_url(client, event["id"], c["id"]))).json()["kind"] == "fixed"


async def test_duplicate_code_is_409_whatever_the_case(client: Api) -> None:
    event = await organiser_with_event(client)
    other_event = await organiser_with_event(client)
    await add_coupon(client, event["id"], code="VRIEND")
    url = coupons_url(client, event["id"])
    assert_problem(await client.post(url, json={"code": "vriend", "kind": "fixed", "value": 5}), 409, "code")
    assert_problem(await client.post(url, json={"code": " Vriend ", "kind": "fixed", "value": 5}), 409, "code")
    second = await add_coupon(client, event["id"], code="ANDER")
    assert_problem(
        await client.patch(coupons_url(client, event["id"], second["id"]), json={"code": "vRiEnD"}), 409, "code"
    )
    # renaming a coupon to its own code is no conflict; another event may use the same code
    assert (
        await client.patch(coupons_url(client, event["id"], second["id"]), json={"code": "ander"})
    ).status_code == 200
    assert (await add_coupon(client, other_event["id"], code="vriend"))["code"] == "VRIEND"
    assert len((await client.get(url)).json()) == 2


async def test_percent_rounds_half_up_per_line(client: Api, new_client: Callable[[], Api]) -> None:
    event = await organiser_with_event(client)
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    a = await add_type(client, event["id"], name="A", price_cents=1010)
    b = await add_type(client, event["id"], name="B", price_cents=1010)
    await add_coupon(client, event["id"], code="KWART", kind="percent", value=25)
    buyer = new_client()
    r = await reserve(buyer, event["slug"], {a["id"]: 1, b["id"]: 3}, coupon="KWART")
    assert r.status_code == 201, r.text
    body = r.json()
    # A: 1010 * 25% = 252.5 -> 253 (half up, not banker's 252); B: 3030 * 25% = 757.5 -> 758 (per line, not 3 * 253)
    assert by_type(body) == {a["id"]: (253, 757), b["id"]: (758, 2272)}
    assert (body["subtotal_cents"], body["discount_cents"], body["total_cents"]) == (4040, 1011, 3029)
    assert body["vat_cents"] == vat(3029)
    assert body["coupon_code"] == "KWART"

    await add_coupon(client, event["id"], code="GRATIS", kind="percent", value=100)
    free = (await reserve(buyer, event["slug"], {a["id"]: 2}, coupon="gratis")).json()
    assert (free["discount_cents"], free["total_cents"], free["vat_cents"]) == (2020, 0, 0)


async def test_fixed_never_takes_a_line_below_zero(client: Api, new_client: Callable[[], Api]) -> None:
    event = await organiser_with_event(client)
    await register_for_vat(client)  # VAT at 15% (an organisation starts not registered: no VAT)
    a = await add_type(client, event["id"], name="A", price_cents=5000)
    b = await add_type(client, event["id"], name="B", price_cents=8000)
    await add_coupon(client, event["id"], code="GROOT", kind="fixed", value=20000)
    await add_coupon(client, event["id"], code="SES", kind="fixed", value=6000)
    buyer = new_client()
    big = (await reserve(buyer, event["slug"], {a["id"]: 1}, coupon="GROOT")).json()
    assert by_type(big) == {a["id"]: (5000, 0)}
    assert (big["subtotal_cents"], big["discount_cents"], big["total_cents"], big["vat_cents"]) == (5000, 5000, 0, 0)
    both = (await reserve(buyer, event["slug"], {a["id"]: 1, b["id"]: 1}, coupon="SES")).json()
    # the fixed amount is per order, spread over the lines, none below zero
    assert sum(d for d, _ in by_type(both).values()) == 6000
    assert all(total >= 0 for _, total in by_type(both).values())
    assert (both["discount_cents"], both["total_cents"], both["vat_cents"]) == (6000, 7000, vat(7000))


async def test_code_is_case_insensitive_and_trimmed(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], price_cents=10000)
    c = await add_coupon(client, event["id"], code="Lente2025", kind="percent", value=10)
    for code in ("lente2025", "LENTE2025", "  LeNtE2025 "):
        r = await reserve(client, event["slug"], {tt["id"]: 1}, coupon=code)
        assert r.status_code == 201, r.text
        assert (r.json()["discount_cents"], r.json()["coupon_code"]) == (1000, "LENTE2025")
    assert await used(engine, c["id"]) == 3
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}, coupon="LENTE2026"), 422, "coupon_code")


async def test_limited_to_chosen_ticket_types(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    vip = await add_type(client, event["id"], name="VIP", price_cents=5000)
    general = await add_type(client, event["id"], name="General", price_cents=8000)
    c = await add_coupon(client, event["id"], code="VIPONLY", kind="fixed", value=6000, ticket_type_ids=[vip["id"]])
    assert c["ticket_type_ids"] == [vip["id"]]
    body = assert_problem(
        await reserve(client, event["slug"], {general["id"]: 1}, coupon="VIPONLY"), 422, "coupon_code"
    )
    assert "apply" in body["detail"].lower() or "apply" in str(body["errors"]).lower()
    assert await used(engine, c["id"]) == 0
    assert await scalar(engine, "SELECT count(*) FROM ticket_order") == 0  # nothing held on refusal
    mixed = (await reserve(client, event["slug"], {vip["id"]: 1, general["id"]: 1}, coupon="viponly")).json()
    # only the VIP line is discounted, and not below zero: 1000 of the 6000 is simply not used
    assert by_type(mixed) == {vip["id"]: (5000, 0), general["id"]: (0, 8000)}
    assert (mixed["discount_cents"], mixed["total_cents"]) == (5000, 8000)


async def test_validity_window_and_inactive(client: Api, engine: AsyncEngine) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], price_cents=10000)
    now = datetime.now(UTC)
    later = await add_coupon(client, event["id"], code="LATER", valid_from=(now + timedelta(hours=1)).isoformat())
    over = await add_coupon(
        client,
        event["id"],
        code="OVER",
        valid_from=(now - timedelta(days=2)).isoformat(),
        valid_until=(now - timedelta(minutes=1)).isoformat(),
    )
    off = await add_coupon(client, event["id"], code="OFF", active=False)
    body = assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}, coupon="later"), 422, "coupon_code")
    assert "yet" in body["detail"]
    body = assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}, coupon="over"), 422, "coupon_code")
    assert "expired" in body["detail"]
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}, coupon="off"), 422, "coupon_code")
    assert await scalar(engine, "SELECT count(*) FROM ticket_order") == 0

    # the organiser opens the window / switches the coupon on: it works at once
    r = await client.patch(coupons_url(client, event["id"], later["id"]), json={"valid_from": None})
    assert r.status_code == 200, r.text
    r = await client.patch(
        coupons_url(client, event["id"], over["id"]), json={"valid_until": (now + timedelta(days=1)).isoformat()}
    )
    assert r.status_code == 200, r.text
    assert (await client.patch(coupons_url(client, event["id"], off["id"]), json={"active": True})).status_code == 200
    for code in ("LATER", "OVER", "OFF"):
        r = await reserve(client, event["slug"], {tt["id"]: 1}, coupon=code)
        assert r.status_code == 201, r.text
        assert r.json()["discount_cents"] == 1000
    # and switching it off stops it again
    await client.patch(coupons_url(client, event["id"], off["id"]), json={"active": False})
    assert_problem(await reserve(client, event["slug"], {tt["id"]: 1}, coupon="OFF"), 422, "coupon_code")


async def test_usage_limit_counts_orders_and_expired_holds_give_uses_back(
    client: Api, new_client: Callable[[], Api], engine: AsyncEngine
) -> None:
    event = await organiser_with_event(client)
    tt = await add_type(client, event["id"], quantity=50, price_cents=10000)
    c = await add_coupon(client, event["id"], code="TWEE", kind="percent", value=50, usage_limit=2)
    buyers = [new_client() for _ in range(4)]
    first = await reserve(buyers[0], event["slug"], {tt["id"]: 3}, coupon="TWEE")  # 3 tickets, one use
    assert first.status_code == 201, first.text
    assert await used(engine, c["id"]) == 1
    second = await reserve(buyers[1], event["slug"], {tt["id"]: 1}, coupon="twee")
    assert second.status_code == 201, second.text
    assert await used(engine, c["id"]) == 2
    body = assert_problem(await reserve(buyers[2], event["slug"], {tt["id"]: 1}, coupon="TWEE"), 409, "coupon_code")
    assert "used up" in body["detail"]
    # without the coupon the same buyer still gets tickets
    assert (await reserve(buyers[2], event["slug"], {tt["id"]: 1})).status_code == 201
    # the organiser cannot set the limit below the uses already taken
    assert_problem(
        await client.patch(coupons_url(client, event["id"], c["id"]), json={"usage_limit": 1}), 409, "usage_limit"
    )

    # the first hold expires: its use comes back at once (no cleanup job needed)
    await expire_hold(engine, first.json()["order_id"])
    again = await reserve(buyers[3], event["slug"], {tt["id"]: 2}, coupon="TWEE")
    assert again.status_code == 201, again.text
    assert again.json()["discount_cents"] == 10000
    assert await used(engine, c["id"]) == 2
    status = await scalar(
        engine, "SELECT status FROM ticket_order WHERE id = :id", id=uuid.UUID(first.json()["order_id"])
    )
    assert status == "expired"
    holding = await scalar(
        engine,
        "SELECT count(*) FROM ticket_order WHERE coupon_id = :c AND status IN ('reserved', 'awaiting_payment', 'paid')",
        c=uuid.UUID(c["id"]),
    )
    assert holding == 2
    assert_problem(await reserve(buyers[0], event["slug"], {tt["id"]: 1}, coupon="TWEE"), 409, "coupon_code")

    # a cancelled hold gives its use back too
    held = second.json()
    cancel = await buyers[1].post(
        f"/api/public/orders/{held['reference']}/cancel", headers={"X-Order-Token": held["access_token"]}
    )
    assert cancel.status_code == 200, cancel.text
    assert await used(engine, c["id"]) == 1
    assert (await reserve(buyers[0], event["slug"], {tt["id"]: 1}, coupon="TWEE")).status_code == 201


async def test_audit_log_records_coupon_changes(client: Api) -> None:
    event = await organiser_with_event(client)
    c = await add_coupon(client, event["id"], code="OUDIT", kind="percent", value=10)
    one = coupons_url(client, event["id"], c["id"])
    assert (await client.patch(one, json={"value": 20})).status_code == 200
    assert (await client.delete(one)).status_code == 204
    entries = (await client.get(client.org("/audit-log"), params={"entity_type": "coupon"})).json()["items"]
    assert [(e["action"], e["entity_id"]) for e in entries] == [
        ("coupon.deleted", c["id"]),
        ("coupon.updated", c["id"]),
        ("coupon.created", c["id"]),
    ]
    assert entries[1]["changes"] == {"value": [10, 20]}


async def test_viewer_reads_but_cannot_write(client: Api, new_client: Callable[[], Api], stack: Stack) -> None:
    event = await organiser_with_event(client)
    c = await add_coupon(client, event["id"])
    viewer = await add_member(client, new_client, stack, "viewer")
    url, one = coupons_url(client, event["id"]), coupons_url(client, event["id"], c["id"])
    assert [x["id"] for x in (await viewer.get(url)).json()] == [c["id"]]
    assert (await viewer.get(one)).status_code == 200
    assert_problem(await viewer.post(url, json={"code": "MINE", "kind": "percent", "value": 100}), 403)
    assert_problem(await viewer.patch(one, json={"value": 100}), 403)
    assert_problem(await viewer.delete(one), 403)
    assert (await client.get(one)).json() == c


async def test_another_organisation_gets_404(client: Api, new_client: Callable[[], Api]) -> None:
    event = await organiser_with_event(client)
    c = await add_coupon(client, event["id"])
    other = new_client()
    await sign_up(other, organization="Other Org")
    own_event = await organiser_with_event(other)
    own_type = await add_type(other, own_event["id"])
    body = {"code": "MINE", "kind": "percent", "value": 100}
    for base in (coupons_url(client, event["id"]), other.org(f"/events/{event['id']}/coupons")):
        assert_problem(await other.get(base), 404)
        assert_problem(await other.post(base, json=body), 404)
        assert_problem(await other.get(f"{base}/{c['id']}"), 404)
        assert_problem(await other.patch(f"{base}/{c['id']}", json={"value": 100}), 404)
        assert_problem(await other.delete(f"{base}/{c['id']}"), 404)
    b_own = other.org(f"/events/{own_event['id']}/coupons/{c['id']}")
    assert_problem(await other.get(b_own), 404)
    assert_problem(await other.patch(b_own, json={"value": 100}), 404)
    # A's coupon code does not work on B's event
    assert_problem(await reserve(other, own_event["slug"], {own_type["id"]: 1}, coupon=c["code"]), 422, "coupon_code")
    assert (await client.get(coupons_url(client, event["id"], c["id"]))).json() == c
